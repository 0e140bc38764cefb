//! The store: incremental ingest through growth, partial rows, rotation and compression,
//! reports from stores equal to reports from logs, locking, and a full or read-only disk.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use common::{run_ok, sample_lines};
use flate2::Compression;
use flate2::write::GzEncoder;
use tempfile::TempDir;

fn deferwatch() -> Command {
    Command::cargo_bin("deferwatch").unwrap()
}

fn run(args: &[&str]) -> Output {
    deferwatch().args(args).output().unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `hourly --by isp,source_ip,class` over logs or a store: every count in one string.
fn hourly(source: &[&str]) -> String {
    run_ok(&[&["hourly", "--by", "isp,source_ip,class"][..], source].concat())
}

/// The same counts, read from a store.
fn from_store(store: &Path) -> String {
    hourly(&["--store", path(store)])
}

fn ingest(store: &Path, inputs: &[&str]) -> String {
    run_ok(&[&["ingest", "--store", path(store)][..], inputs].concat())
}

fn append(file: &Path, text: &str) {
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn gzip_file(from: &Path, to: &Path) {
    let mut encoder = GzEncoder::new(fs::File::create(to).unwrap(), Compression::fast());
    encoder.write_all(&fs::read(from).unwrap()).unwrap();
    encoder.finish().unwrap();
    fs::remove_file(from).unwrap();
}

#[test]
fn a_store_gives_the_same_report_as_the_logs() {
    let dir = TempDir::new().unwrap();
    let store = dir.path().join("pmta.db");
    let said = ingest(&store, &["testdata/sample"]);
    assert!(
        said.contains("read 105 file(s) (105 new, 0 continued)"),
        "{said}"
    );
    assert_eq!(from_store(&store), hourly(&["testdata/sample"]));
    // From a store, a window is loaded with the hours its baselines need, no more.
    let window = ["--from", "2026-10-20", "--by", "isp,source_ip"];
    assert_eq!(
        run_ok(&[&["hourly", "--store", path(&store)][..], &window].concat()),
        run_ok(&[&["hourly", "testdata/sample"][..], &window].concat())
    );
    let chart_from = |source: &[&str], name: &str| {
        let file = dir.path().join(name);
        let args = ["chart", "--isp", "gmail", "-o", path(&file)];
        run_ok(&[&args[..], source].concat());
        fs::read(file).unwrap()
    };
    assert_eq!(
        chart_from(&["--store", path(&store)], "store.png"),
        chart_from(&["testdata/sample"], "logs.png")
    );
    let review_from_logs = run_ok(&["report", "--format", "json", "testdata/sample"]);
    let review_from_store = run_ok(&["report", "--format", "json", "--store", path(&store)]);
    assert_eq!(review_from_store, review_from_logs);

    // The next night nothing is new: no file is even opened.
    let said = ingest(&store, &["testdata/sample"]);
    assert!(
        said.contains("read 0 file(s) (0 new, 0 continued), 105 unchanged; 0 new bytes, 0 rows"),
        "{said}"
    );
    assert_eq!(from_store(&store), hourly(&["testdata/sample"]));
}

/// Every command that judges history gives the same answer from a store as from the logs
/// it was built from, for every ISP in the data: each analysis declares the history it
/// reads and the store is read with it. Logs with incidents of several kinds, reviewed in
/// a zone far from UTC, so that the windows' edges matter.
#[test]
fn every_command_answers_the_same_from_a_store_for_every_isp() {
    let dir = TempDir::new().unwrap();
    let logs = dir.path().join("logs");
    run_ok(&[
        "generate",
        "--days",
        "40",
        "--rows-per-day",
        "3000",
        "--scenario",
        "mixed",
        "--seed",
        "11",
        "--out",
        path(&logs),
    ]);
    let store = dir.path().join("s.db");
    run_ok(&["ingest", "--quiet", "--store", path(&store), path(&logs)]);
    let logs_source = [path(&logs)];
    let store_source = ["--store", path(&store)];
    let both = |args: &[&str]| {
        let from_logs = run(&[args, &logs_source[..]].concat());
        let from_store = run(&[args, &store_source[..]].concat());
        assert_eq!(
            (
                from_store.status.code(),
                String::from_utf8_lossy(&from_store.stdout)
            ),
            (
                from_logs.status.code(),
                String::from_utf8_lossy(&from_logs.stdout)
            ),
            "{args:?}"
        );
        String::from_utf8(from_logs.stdout).unwrap()
    };
    let review = both(&["report", "--format", "json", "--tz", "Pacific/Auckland"]);
    both(&["report", "--format", "json", "--tz", "America/Los_Angeles"]);
    both(&["check"]);
    both(&["check", "--last", "6h"]);
    both(&["check", "--last", "3h", "--tz", "Asia/Kolkata"]);
    let review: serde_json::Value = serde_json::from_str(&review).unwrap();
    let day = review["day"].as_str().unwrap();
    both(&["hourly", "--from", day, "--by", "isp,source_ip,class"]);
    let isps: Vec<String> = review["isps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|isp| isp["isp"].as_str().unwrap().to_string())
        .collect();
    assert!(isps.len() >= 5, "{isps:?}");
    for isp in &isps {
        // The default week, and the review day alone: incidents that began days before
        // it are marked only when their onset is in the history read.
        let windows: [&[&str]; 2] = [&[], &["--from", day]];
        for (kind, window) in ["rate", "classes", "ips"]
            .into_iter()
            .flat_map(|kind| windows.map(|window| (kind, window)))
        {
            let chart = |source: &[&str], name: &str| {
                let file = dir.path().join(format!("{isp}-{kind}-{name}.svg"));
                let args = ["chart", "--isp", isp, "--kind", kind, "-o", path(&file)];
                run_ok(&[&args[..], window, source].concat());
                fs::read_to_string(file).unwrap()
            };
            assert_eq!(
                chart(&store_source, "store"),
                chart(&logs_source, "logs"),
                "{isp} {kind} {window:?}"
            );
        }
    }
}

#[test]
fn several_stores_are_summed() {
    let dir = TempDir::new().unwrap();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    let files: Vec<String> = {
        let mut v: Vec<String> = fs::read_dir("testdata/sample")
            .unwrap()
            .map(|e| e.unwrap().path().display().to_string())
            .filter(|p| p.ends_with(".csv.gz"))
            .collect();
        v.sort();
        v
    };
    let (first, second) = files.split_at(files.len() / 2);
    ingest(&a, &first.iter().map(String::as_str).collect::<Vec<_>>());
    ingest(&b, &second.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        hourly(&["--store", path(&a), "--store", path(&b)]),
        hourly(&["testdata/sample"])
    );
}

#[test]
fn a_growing_file_is_read_from_its_last_complete_row() {
    let dir = TempDir::new().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    let live = logs.join("acct.csv");
    let store = dir.path().join("s.db");
    let lines = sample_lines(2);
    // Written in three steps, each ending in the middle of a row.
    let text: String = lines.concat();
    let cuts = [text.len() / 3 + 17, 2 * text.len() / 3 + 5, text.len()];
    let mut written = 0;
    for cut in cuts {
        append(&live, &text[written..cut]);
        written = cut;
        ingest(&store, &[path(&logs)]);
    }
    assert_eq!(from_store(&store), hourly(&[path(&logs)]));
    let said = ingest(&store, &[path(&logs)]);
    assert!(said.contains("1 unchanged; 0 new bytes"), "{said}");
}

#[test]
fn rotated_and_compressed_files_are_not_counted_twice() {
    let dir = TempDir::new().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    let store = dir.path().join("s.db");
    let lines = sample_lines(4);
    let (header, rows) = lines.split_first().unwrap();
    let quarter = rows.len() / 4;
    let live = logs.join("acct.csv");
    // Day 1: half of file one is read.
    append(&live, &(header.clone() + &rows[..quarter / 2].concat()));
    ingest(&store, &[path(&logs)]);
    // The rest of file one is written, then it is renamed and compressed by logrotate; a
    // new file starts, and is read in part.
    append(&live, &rows[quarter / 2..quarter].concat());
    fs::rename(&live, logs.join("acct.csv.1")).unwrap();
    gzip_file(&logs.join("acct.csv.1"), &logs.join("acct.csv.1.gz"));
    append(
        &live,
        &(header.clone() + &rows[quarter..2 * quarter].concat()),
    );
    let said = ingest(&store, &[path(&logs)]);
    assert!(said.contains("(1 new, 1 continued)"), "{said}");
    // File two is renamed (no compression) and a copy of it sits next to it.
    fs::rename(&live, logs.join("acct.csv.2")).unwrap();
    fs::copy(logs.join("acct.csv.2"), logs.join("copy-of-acct.csv.2")).unwrap();
    append(&live, &(header.clone() + &rows[2 * quarter..].concat()));
    ingest(&store, &[path(&logs)]);
    fs::remove_file(logs.join("copy-of-acct.csv.2")).unwrap();
    assert_eq!(from_store(&store), hourly(&[path(&logs)]));
}

#[test]
fn a_file_rewritten_in_place_is_reported_and_not_recounted() {
    let dir = TempDir::new().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    let store = dir.path().join("s.db");
    let lines = sample_lines(1);
    let live = logs.join("acct.csv");
    append(&live, &lines.concat());
    ingest(&store, &[path(&logs)]);
    let before = from_store(&store);
    // Truncated to its first rows (same start, shorter than what was read).
    fs::write(&live, lines[..lines.len() / 2].concat()).unwrap();
    let out = run(&["ingest", "--store", path(&store), path(&logs)]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not read: it is now shorter than"),
        "{stderr}"
    );
    assert_eq!(from_store(&store), before);
    // Truncated to nothing and written anew (copytruncate): new content, read from the start.
    fs::write(&live, lines[0].clone() + &lines[lines.len() - 5..].concat()).unwrap();
    let said = ingest(&store, &[path(&logs)]);
    assert!(said.contains("(1 new, 0 continued)"), "{said}");
}

#[test]
fn a_second_ingest_waits_then_says_the_store_is_locked() {
    let dir = TempDir::new().unwrap();
    let store = dir.path().join("s.db");
    ingest(&store, &["testdata/fixtures/partial.csv"]);
    let holder = rusqlite::Connection::open(&store).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = std::time::Instant::now();
    let out = run(&[
        "ingest",
        "--store",
        path(&store),
        "testdata/fixtures/quoted.csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is locked: another ingest is running"),
        "{stderr}"
    );
    assert!(
        started.elapsed().as_secs() >= 4,
        "it waited before giving up"
    );
    // Reports still read it meanwhile.
    run_ok(&["hourly", "--store", path(&store)]);
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    ingest(&store, &["testdata/fixtures/quoted.csv"]);
}

#[test]
fn strict_ingest_of_malformed_rows_leaves_the_store_unchanged() {
    let dir = TempDir::new().unwrap();
    let store = dir.path().join("s.db");
    ingest(&store, &["testdata/fixtures/partial.csv"]);
    let before = from_store(&store);
    let out = run(&[
        "ingest",
        "--strict",
        "--store",
        path(&store),
        "testdata/fixtures/bad-rows.csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(from_store(&store), before);
}

#[test]
fn store_errors_say_what_to_do() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("none.db");
    let out = run(&["report", "--store", path(&missing)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("build it first with `deferwatch ingest")
    );
    let not_a_store = dir.path().join("x.db");
    fs::write(
        &not_a_store,
        "hello, this is not SQLite at all, just some text",
    )
    .unwrap();
    let out = run(&["report", "--store", path(&not_a_store)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a deferwatch store"));
    let out = run(&["report", "--store", path(&not_a_store), "testdata/sample"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not both"));
}

#[test]
fn old_days_are_pruned_and_the_pruning_is_reported() {
    let dir = TempDir::new().unwrap();
    let store = dir.path().join("s.db");
    let said = run_ok(&[
        "ingest",
        "--keep-days",
        "7",
        "--allow-short-history",
        "--store",
        path(&store),
        "testdata/sample",
    ]);
    assert!(said.contains("pruned"), "{said}");
    assert!(said.contains("before 2026-10-25"), "{said}");
    let csv = from_store(&store);
    let first_hour = csv.lines().nth(1).unwrap();
    assert!(
        first_hour.starts_with("2026-10-25T00:00:00Z"),
        "{first_hour}"
    );
}

/// A small file system of our own (tmpfs), when this process may mount one (root in a
/// container that allows it). Unmounted on drop.
struct TinyDisk {
    dir: TempDir,
}

impl TinyDisk {
    fn mount(size: &str) -> Option<TinyDisk> {
        let dir = TempDir::new().unwrap();
        let ok = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "tmpfs",
                path(dir.path()),
            ])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("skipped: cannot mount a tmpfs here (needs root and mount rights)");
            return None;
        }
        Some(TinyDisk { dir })
    }

    fn remount(&self, options: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,{options}"), path(self.dir.path())])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

#[test]
fn a_full_disk_or_read_only_directory_leaves_the_store_intact() {
    let Some(disk) = TinyDisk::mount("320k") else {
        return;
    };
    let store = disk.dir.path().join("s.db");
    ingest(&store, &["testdata/fixtures/partial.csv"]);
    let before = from_store(&store);

    let out = run(&["ingest", "--store", path(&store), "testdata/sample"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the disk is full"), "{stderr}");
    assert_eq!(from_store(&store), before);

    disk.remount("ro");
    let out = run(&[
        "ingest",
        "--store",
        path(&store),
        "testdata/fixtures/quoted.csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("store is unchanged"), "{stderr}");
    assert_eq!(from_store(&store), before);
    disk.remount("rw");
}

#[test]
fn changed_classification_rules_are_reported() {
    let dir = TempDir::new().unwrap();
    let store = dir.path().join("s.db");
    ingest(&store, &["testdata/fixtures/partial.csv"]);
    let out = run(&[
        "ingest",
        "--config",
        "testdata/example-config.toml",
        "--store",
        path(&store),
        "testdata/fixtures/quoted.csv",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("classification rules differ"), "{stderr}");
    let out = run(&[
        "ingest",
        "--config",
        "testdata/example-config.toml",
        "--store",
        path(&store),
        "testdata/fixtures/times.csv",
    ]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("rules differ"));
}

/// A store written by deferwatch before the cells were packed by hour (schema version 3):
/// `ingest --store` of `testdata/sample` by the build before that change, vacuumed and
/// gzipped.
const VERSION_3_STORE: &str = "testdata/stores/v3-sample.db.gz";

/// `VERSION_3_STORE` unpacked to `to`.
fn version_3_store(to: &Path) {
    let mut gz = flate2::read::GzDecoder::new(fs::File::open(VERSION_3_STORE).unwrap());
    std::io::copy(&mut gz, &mut fs::File::create(to).unwrap()).unwrap();
}

/// Stores of older schema versions (3; and 1, written before the schema had numbered
/// migrations, with or without the samples table) are read as they are, and the next
/// ingest upgrades them in place: the same counts and the same review, and the same logs
/// ingested again add nothing. Version 4 packs the cells by hour and drops their table.
#[test]
fn older_stores_are_read_and_migrated_in_place_with_identical_counts() {
    let hours = hourly(&["testdata/sample"]);
    let review = |source: &[&str]| {
        run_ok(&[&["report", "--format", "json"][..], source].concat())
            .lines()
            .filter(|line| !line.contains("\"generated\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let review_of_logs = review(&["testdata/sample"]);
    for (version, drop) in [
        ("3", ""),
        ("1", "DROP TABLE unreadable;"),
        ("1", "DROP TABLE unreadable; DROP TABLE samples;"),
    ] {
        let dir = TempDir::new().unwrap();
        let store = dir.path().join("s.db");
        version_3_store(&store);
        {
            let conn = rusqlite::Connection::open(&store).unwrap();
            conn.execute_batch(drop).unwrap();
            conn.execute(
                "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
                [version],
            )
            .unwrap();
        }
        let context = format!("version {version} ({drop})");
        assert_eq!(from_store(&store), hours, "read as {context}");
        let old_review = review(&["--store", path(&store)]);
        if drop.is_empty() {
            assert_eq!(old_review, review_of_logs, "{context}");
        }
        let out = run(&["ingest", "--store", path(&store), "testdata/sample"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains(" 0 rows"), "the same logs added rows: {said}");
        assert_eq!(from_store(&store), hours, "migrated from {context}");
        assert_eq!(review(&["--store", path(&store)]), old_review, "{context}");
        let conn = rusqlite::Connection::open(&store).unwrap();
        let version: String = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(version, "4");
        let tables = |names: &str| -> i64 {
            conn.query_row(
                &format!("SELECT COUNT(*) FROM sqlite_master WHERE name IN ({names})"),
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(tables("'samples', 'unreadable', 'hours'"), 3, "{context}");
        assert_eq!(
            tables("'cells'"),
            0,
            "{context}: the cells table is packed and dropped"
        );
    }
}

/// A packed hour whose cells do not add up to the rows recorded beside them is a damaged
/// store: reading it fails with what to do, never with counts that are off. (An ingest
/// reads, and so checks, the hours it adds to.)
#[test]
fn a_packed_hour_that_does_not_add_up_is_refused() {
    let dir = TempDir::new().unwrap();
    let store = dir.path().join("s.db");
    ingest(&store, &["testdata/sample"]);
    for tamper in [
        "UPDATE hours SET rows = rows + 1 WHERE hour = (SELECT MAX(hour) FROM hours)",
        "UPDATE hours SET cells = cells + 1 WHERE hour = (SELECT MAX(hour) FROM hours)",
        "UPDATE hours SET data = x'00' WHERE hour = (SELECT MAX(hour) FROM hours)",
    ] {
        let copy = dir.path().join("tampered.db");
        fs::copy(&store, &copy).unwrap();
        let conn = rusqlite::Connection::open(&copy).unwrap();
        conn.execute_batch(tamper).unwrap();
        drop(conn);
        let chart = dir.path().join("c.png");
        let chart = ["chart", "--isp", "gmail", "-o", path(&chart)];
        for command in [&["report"][..], &["hourly"], &chart] {
            let out = run(&[command, &["--store", path(&copy)]].concat());
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(1),
                "{tamper}: {command:?}: {stderr}"
            );
            assert!(
                stderr.contains("it is damaged") && stderr.contains("Rebuild it from the logs"),
                "{tamper}: {stderr}"
            );
        }
        fs::remove_file(&copy).unwrap();
    }
}
