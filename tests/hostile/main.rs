//! The bad-input catalogue: each kind of hostile or broken input a real site produces, what
//! deferwatch answers (exit code and message), and that nothing else is lost or changed.
//! The README's "What bad input gets" table lists the same cases.

mod habits;

use std::fs;
use std::path::Path;
use std::process::Stdio;

use assert_cmd::Command;
use tempfile::TempDir;

/// What a run gave.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Fails, showing all of `text`, unless it contains `needle`.
#[track_caller]
fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
}

fn deferwatch(args: &[&str]) -> Run {
    let out = Command::cargo_bin("deferwatch")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const HEADER: &str = "type,timeLogged,rcpt,dsnStatus,dsnDiag,dsnMta,dlvSourceIp,vmta\n";

/// A few rows a day for `days` days up to 2026-10-31 (UTC): delivered rows and one deferral
/// each hour, at gmail, from one IP.
fn steady_rows(days: u32) -> String {
    let mut rows = String::from(HEADER);
    for day in (0..days).rev() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
            - chrono::Days::new(u64::from(day));
        for hour in 0..24 {
            let time = format!("{} {hour:02}:10:00+0000", date.format("%Y-%m-%d"));
            for n in 0..10 {
                rows.push_str(&format!(
                    "d,{time},u{n}@gmail.com,2.0.0 (success),smtp;250 ok,mx.google.com,203.0.113.10,v1\n"
                ));
            }
            rows.push_str(&format!(
                "t,{time},u@gmail.com,4.0.0,smtp;421 4.7.0 try again later,mx.google.com,203.0.113.10,v1\n"
            ));
        }
    }
    rows
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_string()
}

// --- The plugin contract ---------------------------------------------------------------

/// `check` with bad arguments exited 2 (CRITICAL to Nagios) with nothing on stdout.
#[test]
fn check_with_bad_arguments_is_unknown_on_stdout() {
    let run = deferwatch(&["check", "--bogus"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("DEFERWATCH UNKNOWN - unexpected argument '--bogus' found"),
        "{}",
        run.stdout
    );
    let run = deferwatch(&["check", "--last", "99h", "testdata/sample"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stdout.starts_with("DEFERWATCH UNKNOWN - --last `99h`"),
        "{}",
        run.stdout
    );
    // Help is still help.
    let run = deferwatch(&["check", "--help"]);
    assert_eq!(run.code, 0);
}

/// `check | head -1` panicked with "failed printing to stdout" once the reader had gone.
#[test]
fn a_closed_pipe_ends_check_quietly() {
    let bin = assert_cmd::cargo::cargo_bin("deferwatch");
    let mut child = std::process::Command::new(bin)
        .args(["check", "testdata/sample"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the check writes anything.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(2), "the verdict stands: {stderr}");
}

/// `chart --width 100000 --height 100000` allocated gigabytes and panicked.
#[test]
fn a_huge_chart_size_is_refused_with_the_limit() {
    let dir = TempDir::new().unwrap();
    let png = dir.path().join("c.png");
    let run = deferwatch(&[
        "chart",
        "--isp",
        "gmail",
        "--width",
        "100000",
        "--height",
        "100000",
        "-o",
        png.to_str().unwrap(),
        "testdata/sample",
    ]);
    assert_eq!(run.code, 1);
    assert_contains(&run.stderr, "7680 x 4320");
    assert!(!png.exists());
}

#[test]
fn steady_rows_are_a_quiet_review() {
    let dir = TempDir::new().unwrap();
    let logs = write(dir.path(), "acct.csv", steady_rows(10));
    let run = deferwatch(&["check", &logs]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

// --- Times from a wrong clock ----------------------------------------------------------

/// The store's cells, as `hourly --by isp --format csv` prints them.
fn store_cells(store: &str) -> String {
    let run = deferwatch(&["hourly", "--by", "isp", "--format", "csv", "--store", store]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

/// The deferrals in a store, summed over its hours.
fn stored_deferrals(store: &str) -> u64 {
    let run = deferwatch(&["hourly", "--format", "json", "--store", store]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hours: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    hours.iter().map(|h| h["deferred"].as_u64().unwrap()).sum()
}

/// One `t` row dated 2027-03-01 in an ingest pruned 23,796 cells "before 2026-12-02" and
/// left `check` saying OK about 2027-02-28 with 0 ISPs.
#[test]
fn a_far_future_row_is_out_of_range_and_prunes_nothing() {
    let dir = TempDir::new().unwrap();
    let store = dir.path().join("s.db");
    let store = store.to_str().unwrap();
    assert_eq!(
        deferwatch(&["ingest", "--quiet", "--store", store, "testdata/sample"]).code,
        0
    );
    let before = store_cells(store);
    let check_before = deferwatch(&["check", "--store", store]);
    let future = write(
        dir.path(),
        "acct-future.csv",
        format!(
            "{HEADER}t,2027-03-01 10:00:00+0000,u@gmail.com,4.0.0,smtp;421 try later,mx.google.com,203.0.113.10,v1\n"
        ),
    );
    let run = deferwatch(&["ingest", "--store", store, &future]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("pruned"), "{}", run.stdout);
    assert_contains(&run.stderr, "acct-future.csv:2");
    assert_contains(&run.stderr, "time before 2000 or too far ahead");
    assert_eq!(store_cells(store), before);
    let check_after = deferwatch(&["check", "--store", store]);
    assert_eq!(check_after.code, check_before.code);
    assert_eq!(
        check_after.stdout.lines().next(),
        check_before.stdout.lines().next()
    );
}

/// A `time_t` of 99999999999999 set the default review day to the year 231038.
#[test]
fn an_absurd_time_t_does_not_move_the_review_day() {
    let dir = TempDir::new().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    write(&logs, "acct.csv", steady_rows(10));
    write(
        &logs,
        "acct-bad.csv",
        format!(
            "{HEADER}d,99999999999999,u@gmail.com,2.0.0,smtp;250 ok,mx.google.com,203.0.113.10,v1\nd,946684799,u@gmail.com,2.0.0,smtp;250 ok,mx.google.com,203.0.113.10,v1\n"
        ),
    );
    let run = deferwatch(&["report", "--format", "json", logs.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let review: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(review["day"], "2026-10-31");
    assert_eq!(
        review["input"]["malformed_by_reason"]["time_out_of_range"],
        2
    );
}

/// `--keep-days 0` emptied the store and `--keep-days 7` silently shortened every baseline.
#[test]
fn keep_days_below_the_history_the_review_needs_is_refused() {
    let dir = TempDir::new().unwrap();
    let store = dir.path().join("s.db");
    let store = store.to_str().unwrap();
    let run = deferwatch(&[
        "ingest",
        "--keep-days",
        "7",
        "--store",
        store,
        "testdata/sample",
    ]);
    assert_eq!(run.code, 1);
    assert_contains(&run.stderr, "--allow-short-history");
    let run = deferwatch(&[
        "ingest",
        "--keep-days",
        "0",
        "--allow-short-history",
        "--store",
        store,
        "testdata/sample",
    ]);
    assert_eq!(run.code, 1);
    assert_contains(&run.stderr, "empty the store");
    assert!(!Path::new(store).exists() || store_cells(store).lines().count() <= 1);
}

// --- Missing data ----------------------------------------------------------------------

/// `check --day` on a day without rows said OK, exit 0; `report --quiet` printed nothing.
#[test]
fn a_day_without_rows_is_unknown_not_ok() {
    let run = deferwatch(&["check", "--day", "2026-11-15", "testdata/sample"]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(
        run.stdout
            .starts_with("DEFERWATCH UNKNOWN - 2026-11-15: no rows on the review day"),
        "{}",
        run.stdout
    );
    let run = deferwatch(&[
        "report",
        "--quiet",
        "--day",
        "2026-11-15",
        "testdata/sample",
    ]);
    assert_eq!(run.code, 1);
    assert_contains(&run.stdout, "Incomplete data");
    assert_contains(&run.stderr, "no rows on the review day");
}

/// A day with only its first hours (the rest of its files missing) gave a verdict.
#[test]
fn a_day_with_only_part_of_its_rows_is_unknown() {
    let dir = TempDir::new().unwrap();
    let rows: String = steady_rows(10)
        .lines()
        .filter(|row| !(row.contains("2026-10-31 1") || row.contains("2026-10-31 2")))
        .map(|row| format!("{row}\n"))
        .collect();
    let logs = write(dir.path(), "acct.csv", rows);
    let run = deferwatch(&["check", "--day", "2026-10-31", &logs]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert_contains(&run.stdout, "only part of the day: 14 hour(s)");
    let json = deferwatch(&["report", "--day", "2026-10-31", "--format", "json", &logs]);
    assert_eq!(json.code, 1);
    let review: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(review["data_gaps"][0]["kind"], "missing_hours");
    // The day before is whole.
    assert_eq!(deferwatch(&["check", "--day", "2026-10-30", &logs]).code, 0);
}

/// Without the day's diag file every ISP showed 0.0% and the review invented falling rates.
#[test]
fn a_missing_diag_file_is_unknown() {
    let dir = TempDir::new().unwrap();
    for entry in fs::read_dir("testdata/sample").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.starts_with("diag-2026-10-31") {
            continue;
        }
        fs::copy(&path, dir.path().join(name)).unwrap();
    }
    let run = deferwatch(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("no deferral (t) rows on the review day"),
        "{}",
        run.stdout
    );
}

/// An acct file that could not be read left only the diag rows: every ISP at 100%, exit 0.
#[test]
fn an_unreadable_input_is_an_error() {
    let dir = TempDir::new().unwrap();
    for entry in fs::read_dir("testdata/sample").unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    // A gzip file cut short is unreadable whoever runs the test (root reads any mode).
    let victim = dir.path().join("acct-2026-10-31-0000.csv.gz");
    let bytes = fs::read(&victim).unwrap();
    fs::write(&victim, &bytes[..bytes.len() / 2]).unwrap();
    let run = deferwatch(&["report", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert_contains(&run.stderr, "could not be read");
    assert_contains(&run.stderr, "acct-2026-10-31-0000.csv.gz");
    let run = deferwatch(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 3);
    assert!(
        run.stdout.starts_with("DEFERWATCH UNKNOWN - "),
        "{}",
        run.stdout
    );
}

// --- Bytes before the header, odd fields -----------------------------------------------

/// A UTF-8 byte order mark made a whole file "not a PowerMTA acct file".
#[test]
fn a_byte_order_mark_is_read_past() {
    let dir = TempDir::new().unwrap();
    let plain = write(dir.path(), "plain.csv", steady_rows(3));
    let with_bom = write(dir.path(), "bom.csv", format!("\u{feff}{}", steady_rows(3)));
    let rows = |path: &str| {
        let run = deferwatch(&["report", "--format", "json", path]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let review: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        review["input"]["rows"].clone()
    };
    assert_eq!(rows(&with_bom), rows(&plain));
}

/// Hostile text in a reply and in the source IP field: terminal escapes, a bidi override,
/// a newline. Table and markdown showed them raw; the source IP broke table rows and made
/// the `ips` chart's SVG invalid XML.
#[test]
fn control_characters_from_the_logs_never_reach_a_terminal_or_a_chart_raw() {
    let dir = TempDir::new().unwrap();
    let mut rows = steady_rows(9);
    for hour in 0..3 {
        rows.push_str(&format!(
            "t,2026-10-31 0{hour}:30:00+0000,u@gmail.com,4.0.0,\"smtp;451 \x1b[2J\x1b]0;pwned\x07 odd \u{202e}reply\",mx.google.com,\"203.0.113.11\n\x1b[31m\",v1\n"
        ));
    }
    let logs = write(dir.path(), "acct.csv", rows);
    for format in ["table", "markdown"] {
        let run = deferwatch(&["report", "--format", format, &logs]);
        assert!(run.code <= 1, "{}", run.stderr);
        for bad in ['\x1b', '\x07', '\u{202e}'] {
            assert!(
                !run.stdout.contains(bad),
                "{format} shows {bad:?} raw:\n{}",
                run.stdout
            );
        }
        assert!(
            run.stdout.contains("\\u{1b}"),
            "{format}: the escape is not shown escaped"
        );
    }
    let run = deferwatch(&["report", "--format", "json", &logs]);
    let review: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ips: Vec<&str> = review["source_ips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["source_ip"].as_str().unwrap())
        .collect();
    assert!(ips.contains(&"(invalid)"), "{ips:?}");
    assert!(ips.iter().all(|ip| !ip.contains('\x1b')), "{ips:?}");
    let svg = dir.path().join("ips.svg");
    let run = deferwatch(&[
        "chart",
        "--kind",
        "ips",
        "--isp",
        "gmail",
        "-o",
        svg.to_str().unwrap(),
        &logs,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let svg = fs::read_to_string(svg).unwrap();
    assert!(
        svg.chars()
            .all(|c| !c.is_control() || c == '\n' || c == '\t'),
        "control characters in the SVG"
    );
}

/// CSV wrote `=HYPERLINK(...)`, `+...`, `-...`, `@...` from the logs as they were: a
/// spreadsheet runs them.
#[test]
fn csv_cells_from_the_logs_cannot_be_formulas() {
    let dir = TempDir::new().unwrap();
    let mut rows = String::from("type,timeLogged,rcpt,dsnDiag,dsnMta,dlvSourceIp,vmta,vmtaPool\n");
    for (n, pool) in [
        "=HYPERLINK(\"http://x.example\")",
        "+1+1",
        "-2",
        "@SUM(A1)",
        "pool-a",
    ]
    .iter()
    .enumerate()
    {
        rows.push_str(&format!(
            "d,2026-10-31 1{n}:00:00+0000,u@gmail.com,smtp;250 ok,mx.google.com,203.0.113.10,v1,\"{}\"\n",
            pool.replace('"', "\"\"")
        ));
    }
    let logs = write(dir.path(), "acct.csv", rows);
    let run = deferwatch(&["hourly", "--by", "pool", "--format", "csv", &logs]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let pools: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    for pool in &pools {
        assert!(
            !pool.starts_with(['=', '+', '-', '@']),
            "a formula cell: {pool}"
        );
    }
    assert!(
        pools.contains(&"'=HYPERLINK(\"http://x.example\")".to_string()),
        "{pools:?}"
    );
    assert!(pools.contains(&"pool-a".to_string()));
}

// --- The same content twice -------------------------------------------------------------

/// Rows by type, as the JSON review counts them.
fn rows_read(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["report", "--format", "json"];
    all.extend_from_slice(args);
    let run = deferwatch(&all);
    assert!(run.code <= 1, "{}", run.stderr);
    let review: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    review["input"]["rows"].clone()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// `acct.csv` next to its compressed copy, or next to an older rotated copy, counted twice
/// in `report` while `ingest` counted it once.
#[test]
fn a_file_and_its_rotated_or_compressed_copy_count_once() {
    let dir = TempDir::new().unwrap();
    let content = steady_rows(9);
    let alone = dir.path().join("alone");
    fs::create_dir(&alone).unwrap();
    write(&alone, "acct.csv", &content);
    let expected = rows_read(&[alone.to_str().unwrap()]);

    let copies = dir.path().join("copies");
    fs::create_dir(&copies).unwrap();
    write(&copies, "acct.csv", &content);
    fs::write(copies.join("acct.csv.gz"), gzip(content.as_bytes())).unwrap();
    // An older copy: the first half of the rows, rotated away before the file grew.
    let half = &content[..content[..content.len() / 2].rfind('\n').unwrap() + 1];
    write(&copies, "acct.csv.old", half);
    let run = deferwatch(&["report", copies.to_str().unwrap()]);
    assert_contains(&run.stderr, "acct.csv.gz: the same content as");
    assert_contains(&run.stderr, "acct.csv.old: the same content as");
    assert_eq!(rows_read(&[copies.to_str().unwrap()]), expected);

    // The store built from the same files agrees.
    let store = dir.path().join("s.db");
    let ingest = deferwatch(&[
        "ingest",
        "--quiet",
        "--store",
        store.to_str().unwrap(),
        copies.to_str().unwrap(),
    ]);
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
    let from_store = deferwatch(&[
        "hourly",
        "--by",
        "isp",
        "--format",
        "csv",
        "--store",
        store.to_str().unwrap(),
    ]);
    let from_logs = deferwatch(&[
        "hourly",
        "--by",
        "isp",
        "--format",
        "csv",
        alone.to_str().unwrap(),
    ]);
    assert_eq!(from_store.stdout, from_logs.stdout);
}

/// One store named twice with `--store` was summed with itself.
#[test]
fn a_store_named_twice_counts_once() {
    let dir = TempDir::new().unwrap();
    let store = dir.path().join("s.db");
    let store = store.to_str().unwrap();
    assert_eq!(
        deferwatch(&["ingest", "--quiet", "--store", store, "testdata/sample"]).code,
        0
    );
    let link = dir.path().join("same.db");
    std::os::unix::fs::symlink(store, &link).unwrap();
    let once = rows_read(&["--store", store]);
    let run = deferwatch(&[
        "report",
        "--store",
        store,
        "--store",
        link.to_str().unwrap(),
    ]);
    assert_contains(&run.stderr, "is the same store as");
    assert_eq!(
        rows_read(&["--store", store, "--store", link.to_str().unwrap()]),
        once
    );
    assert_eq!(rows_read(&["--store", store, "--store", store]), once);
}

/// A symbolic link back up the tree made directory walking recurse until the stack ran out.
#[test]
fn a_symlink_loop_is_walked_once() {
    let dir = TempDir::new().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    write(&logs, "acct.csv", steady_rows(9));
    std::os::unix::fs::symlink(&logs, logs.join("loop")).unwrap();
    let expected = rows_read(&[logs.join("acct.csv").to_str().unwrap()]);
    assert_eq!(rows_read(&[logs.to_str().unwrap()]), expected);
}

// --- Privacy -----------------------------------------------------------------------------

/// Recipient local parts leaked through the "replies no rule knows" list and into the store
/// when a reply quoted them without an `@`; `classify` echoed addresses unmasked.
#[test]
fn recipient_local_parts_never_reach_an_output_or_the_store() {
    let dir = TempDir::new().unwrap();
    let mut rows = steady_rows(9);
    let quotes = [
        "<john.doe>",
        "'john.doe'",
        "user=john.doe",
        "mailbox john.doe",
        "john.doe%40gmx.de",
        "john.doe at gmx.de",
        "John.Doe@gmx.de",
    ];
    for (n, quote) in quotes.iter().enumerate() {
        rows.push_str(&format!(
            "t,2026-10-31 0{n}:40:00+0000,John.Doe@gmx.de,4.0.0,\"smtp;452 odd refusal {quote} try later\",mx00.emig.gmx.net,203.0.113.10,v1\n"
        ));
    }
    let logs = write(dir.path(), "acct.csv", rows);
    for format in ["table", "markdown", "json", "html", "csv"] {
        let run = deferwatch(&["report", "--format", format, &logs]);
        assert!(run.code <= 1, "{}", run.stderr);
        assert!(
            !run.stdout.to_lowercase().contains("john.doe"),
            "{format} shows the local part:\n{}",
            run.stdout
        );
    }
    let store = dir.path().join("s.db");
    let ingest = deferwatch(&[
        "ingest",
        "--quiet",
        "--store",
        store.to_str().unwrap(),
        &logs,
    ]);
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
    let bytes = fs::read(&store).unwrap();
    assert!(
        !bytes
            .windows(8)
            .any(|w| w.eq_ignore_ascii_case(b"john.doe")),
        "the store holds the local part"
    );
    let run = deferwatch(&[
        "classify",
        "550 5.1.1 <john.doe@gmx.de> unknown, or john.doe%40gmx.de",
    ]);
    assert!(!run.stdout.contains("john.doe"), "{}", run.stdout);
    let raw = deferwatch(&["classify", "--raw", "550 5.1.1 <john.doe@gmx.de> unknown"]);
    assert_contains(&raw.stdout, "john.doe@gmx.de");
}

// --- The catalogue: one bad file next to good logs --------------------------------------

/// A bad input placed next to good logs, and what the review must answer.
struct BadFile {
    name: &'static str,
    file: &'static str,
    bytes: Vec<u8>,
    /// Exit status of `report` over both.
    code: i32,
    /// What stderr must say (empty: anything).
    says: &'static str,
    /// Rows the bad file adds to the good logs' counts, by type.
    adds: &'static [(&'static str, u64)],
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

fn row(kind: &str, time: &str, diag: &str) -> String {
    format!("{kind},{time},u@gmail.com,4.0.0,{diag},mx.google.com,203.0.113.10,v1\n")
}

fn catalogue() -> Vec<BadFile> {
    let one_t = row("t", "2026-10-31 12:00:00+0000", "smtp;421 try later");
    let header_and = |rows: &str| format!("{HEADER}{rows}").into_bytes();
    let gz = gzip(&header_and(&one_t));
    let zst = zstd(&header_and(&one_t));
    vec![
        BadFile { name: "empty file", file: "empty.csv", bytes: vec![], code: 0, says: "", adds: &[] },
        BadFile { name: "header only", file: "header.csv", bytes: HEADER.as_bytes().to_vec(), code: 0, says: "", adds: &[] },
        BadFile { name: "text that is not CSV", file: "notes.csv", bytes: b"hello world\nthese are notes\n".to_vec(), code: 0, says: "not a PowerMTA acct file", adds: &[] },
        BadFile { name: "a CSV that is not acct", file: "people.csv", bytes: b"name,age\nbob,3\n".to_vec(), code: 0, says: "not a PowerMTA acct file", adds: &[] },
        BadFile { name: "binary garbage", file: "blob.csv", bytes: (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect(), code: 0, says: "", adds: &[] },
        BadFile { name: "fake gzip", file: "fake.csv.gz", bytes: b"\x1f\x8bnot really gzip".to_vec(), code: 1, says: "could not be read", adds: &[] },
        BadFile { name: "truncated zstd", file: "cut.csv.zst", bytes: zst[..zst.len() / 2].to_vec(), code: 1, says: "could not be read", adds: &[] },
        BadFile { name: "gzip that is fine", file: "ok.csv.gz", bytes: gz, code: 0, says: "", adds: &[("t", 1)] },
        BadFile { name: "zstd that is fine", file: "ok.csv.zst", bytes: zst, code: 0, says: "", adds: &[("t", 1)] },
        BadFile { name: "NUL bytes in a row", file: "nul.csv", bytes: header_and(&row("t", "2026-10-31 12:00:00+0000", "smtp;421 a\0b")), code: 0, says: "", adds: &[("t", 1)] },
        BadFile { name: "invalid UTF-8 in a reply", file: "latin1.csv", bytes: [HEADER.as_bytes(), b"t,2026-10-31 12:00:00+0000,u@gmail.com,4.0.0,smtp;421 r\xe9essayez plus tard,mx.google.com,203.0.113.10,v1\n"].concat(), code: 0, says: "", adds: &[("t", 1)] },
        BadFile { name: "a 10 MB line", file: "long.csv", bytes: header_and(&format!("{}{}", row("t", "2026-10-31 12:00:00+0000", &"x".repeat(10 << 20)), one_t)), code: 0, says: "row longer than 256 KiB", adds: &[("t", 1)] },
        BadFile { name: "an unbalanced quote", file: "quote.csv", bytes: header_and(&format!("{}{}", row("t", "2026-10-31 12:00:00+0000", "\"smtp;421 never closed"), one_t)), code: 0, says: "quote opened in this row never closes", adds: &[("t", 1)] },
        BadFile { name: "CRLF line ends", file: "crlf.csv", bytes: header_and(&one_t).iter().flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] }).collect(), code: 0, says: "", adds: &[("t", 1)] },
        BadFile { name: "time_t times", file: "epoch.csv", bytes: header_and(&row("t", "1793448000", "smtp;421 later")), code: 0, says: "", adds: &[("t", 1)] },
        BadFile { name: "odd zone offsets", file: "offsets.csv", bytes: header_and(&format!("{}{}", row("t", "2026-10-31 17:45:00+05:45", "smtp;421 a"), row("t", "2026-10-31 02:30:00-0930", "smtp;421 b"))), code: 0, says: "", adds: &[("t", 2)] },
        BadFile { name: "a time before 2000", file: "old.csv", bytes: header_and(&row("t", "1999-12-31 23:59:59+0000", "smtp;421 a")), code: 0, says: "time before 2000", adds: &[] },
        BadFile { name: "a time that is no time", file: "badtime.csv", bytes: header_and(&row("t", "yesterday", "smtp;421 a")), code: 0, says: "not an ISO time", adds: &[] },
        BadFile { name: "an unknown record type", file: "type.csv", bytes: header_and(&row("zz", "2026-10-31 12:00:00+0000", "smtp;421 a")), code: 0, says: "unknown record type", adds: &[] },
        BadFile { name: "too few fields", file: "short.csv", bytes: header_and("t,2026-10-31 12:00:00+0000,u@gmail.com\n"), code: 0, says: "wrong number of fields", adds: &[] },
        BadFile { name: "a header without a time column", file: "notime.csv", bytes: b"type,rcpt\nt,u@gmail.com\n".to_vec(), code: 0, says: "no timeLogged", adds: &[] },
        BadFile { name: "a repeated header mid-file", file: "reheader.csv", bytes: header_and(&format!("{one_t}{HEADER}{one_t}")), code: 0, says: "", adds: &[("t", 2)] },
        BadFile { name: "a record type PowerMTA writes but is not counted", file: "receipts.csv", bytes: header_and(&row("r", "2026-10-31 12:00:00+0000", "")), code: 0, says: "", adds: &[("other", 1)] },
        BadFile { name: "a file cut in the middle of a row", file: "partial.csv", bytes: header_and(&format!("{one_t}t,2026-10-31 12:0")), code: 0, says: "", adds: &[("t", 1)] },
    ]
}

/// Every case of the catalogue: the exit status, the message, and the good logs' counts
/// unchanged but for the rows the bad file itself holds.
#[test]
fn each_bad_file_gets_its_answer_and_leaves_the_good_counts_alone() {
    let good = steady_rows(9);
    let alone = TempDir::new().unwrap();
    write(alone.path(), "good.csv", &good);
    let base = rows_read(&["--day", "2026-10-31", alone.path().to_str().unwrap()]);
    let cases = catalogue();
    assert!(cases.len() >= 24);
    for case in cases {
        let dir = TempDir::new().unwrap();
        write(dir.path(), "good.csv", &good);
        fs::write(dir.path().join(case.file), &case.bytes).unwrap();
        let run = deferwatch(&[
            "report",
            "--format",
            "json",
            "--day",
            "2026-10-31",
            dir.path().to_str().unwrap(),
        ]);
        assert_eq!(run.code, case.code, "{}: {}", case.name, run.stderr);
        assert!(
            run.stderr.contains(case.says),
            "{}: {}",
            case.name,
            run.stderr
        );
        if case.code != 0 {
            continue;
        }
        let review: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let mut expected = base.clone();
        for (kind, n) in case.adds {
            let before = expected[*kind].as_u64().unwrap_or(0);
            expected[*kind] = serde_json::json!(before + n);
        }
        assert_eq!(review["input"]["rows"], expected, "{}", case.name);
    }
}

// --- Arguments, configs and stores ------------------------------------------------------

/// What an invocation must answer: exit status and a phrase of its message.
fn answers(args: &[&str], code: i32, says: &str) {
    let run = deferwatch(args);
    assert_eq!(run.code, code, "{args:?}: {}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(says) || run.stdout.contains(says),
        "{args:?}: {}{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn bad_arguments_say_what_to_do() {
    answers(&["report", "/nonexistent/acct.csv"], 1, "does not exist");
    answers(&["report", "/nonexistent/*.csv"], 1, "matched no files");
    answers(
        &["report", "--tz", "Mars/Olympus", "testdata/sample"],
        1,
        "Mars/Olympus",
    );
    answers(
        &["report", "--day", "31.10.2026", "testdata/sample"],
        1,
        "31.10.2026",
    );
    answers(
        &["check", "--day", "31.10.2026", "testdata/sample"],
        3,
        "DEFERWATCH UNKNOWN",
    );
    answers(&["report"], 1, "no input given");
}

#[test]
fn bad_configs_are_refused_with_the_reason() {
    let dir = TempDir::new().unwrap();
    let bad_toml = write(dir.path(), "bad.toml", "[thresholds\nmin_attempts = ");
    answers(
        &["report", "--config", &bad_toml, "testdata/sample"],
        1,
        "bad.toml",
    );
    let bad_regex = write(
        dir.path(),
        "regex.toml",
        "[[rule]]\nid = \"broken\"\nclass = \"rdns_missing\"\npattern = \"(unclosed\"\n",
    );
    answers(
        &["report", "--config", &bad_regex, "testdata/sample"],
        1,
        "(unclosed",
    );
    let unknown_key = write(dir.path(), "key.toml", "[thresholds]\nmin_attemps = 3\n");
    answers(
        &["report", "--config", &unknown_key, "testdata/sample"],
        1,
        "min_attemps",
    );
    // A rule that matches everything is the user's choice: every reply gets its class.
    let greedy = write(
        dir.path(),
        "all.toml",
        "[[rule]]\nid = \"all\"\nclass = \"policy\"\npattern = \".*\"\n",
    );
    let run = deferwatch(&[
        "report",
        "--format",
        "json",
        "--config",
        &greedy,
        "testdata/sample",
    ]);
    let review: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let classes = review["isps"][0]["classes"].as_object().unwrap();
    assert_eq!(
        classes.keys().collect::<Vec<_>>(),
        ["policy"],
        "{classes:?}"
    );
}

#[test]
fn bad_stores_are_refused_with_the_reason() {
    let dir = TempDir::new().unwrap();
    let text = write(dir.path(), "text.db", "not SQLite");
    answers(&["report", "--store", &text], 1, "not a deferwatch store");
    let store = dir.path().join("s.db");
    let store = store.to_str().unwrap();
    assert_eq!(
        deferwatch(&["ingest", "--quiet", "--store", store, "testdata/sample"]).code,
        0
    );
    let conn = rusqlite::Connection::open(store).unwrap();
    conn.execute(
        "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
        [],
    )
    .unwrap();
    drop(conn);
    answers(&["report", "--store", store], 1, "schema version 99");
    answers(&["check", "--store", store], 3, "schema version 99");
}

/// 2,000 small files (a day of minute-rotated files) are all read, each row once.
#[test]
fn two_thousand_small_files_are_all_counted() {
    let dir = TempDir::new().unwrap();
    for n in 0..2000 {
        let minute = n % 60;
        let hour = (n / 60) % 24;
        let day = 30 + n / 1440;
        write(
            dir.path(),
            &format!("acct-{n:04}.csv"),
            format!(
                "{HEADER}d,2026-10-{day} {hour:02}:{minute:02}:00+0000,u{n}@gmail.com,2.0.0,smtp;250 ok,mx.google.com,203.0.113.10,v1\n"
            ),
        );
    }
    let rows = rows_read(&[dir.path().to_str().unwrap()]);
    assert_eq!(rows["d"], 2000);
}

/// Logs on standard input are read like a file.
#[test]
fn logs_on_standard_input_are_read() {
    let out = Command::cargo_bin("deferwatch")
        .unwrap()
        .args(["report", "--format", "json", "-"])
        .write_stdin(steady_rows(9))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let review: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(review["input"]["rows"]["d"], 9 * 24 * 10);
}

/// An ingest that could not read one file exited 0; the file is now an error, what could
/// be read is stored, and the next ingest reads the rest once it can: each row once.
#[test]
fn an_ingest_with_an_unreadable_file_fails_and_catches_up_later() {
    let dir = TempDir::new().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    let content = steady_rows(9);
    write(&logs, "a.csv", &content);
    let gz = gzip(content.replace("u@gmail", "w@gmail").as_bytes());
    fs::write(logs.join("b.csv.gz"), &gz[..gz.len() / 2]).unwrap();
    let store = dir.path().join("s.db");
    let store = store.to_str().unwrap();
    let run = deferwatch(&[
        "ingest",
        "--quiet",
        "--store",
        store,
        logs.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert_contains(&run.stderr, "the others are stored");
    // The rows before the cut are stored, up to the last whole row; until an ingest reads
    // the file, a review from the store is missing data, as one from the logs would be.
    let once = stored_deferrals(store);
    assert!((9 * 24..2 * 9 * 24).contains(&once), "{once}");
    let review = deferwatch(&["report", "--store", store]);
    assert_eq!(review.code, 1, "{}", review.stderr);
    assert_contains(&review.stderr, "b.csv.gz");
    let check = deferwatch(&["check", "--store", store]);
    assert_eq!(check.code, 3, "{}", check.stdout);
    assert_contains(&check.stdout, "b.csv.gz");
    fs::write(logs.join("b.csv.gz"), &gz).unwrap();
    let run = deferwatch(&[
        "ingest",
        "--quiet",
        "--store",
        store,
        logs.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(rows_read(&["--store", store])["t"], 2 * 9 * 24);
}

#[test]
fn rule_writers_tools_take_hostile_replies() {
    // Not UTF-8, a NUL, a megabyte on one line, a reply that is only separators: each is
    // classified and explained, nothing stops the run.
    let mut input = b"550 5.7.1 caf\xe9 \xff\xfe rejected\n550 \0 IP not in DNS\n".to_vec();
    input.extend(std::iter::repeat_n(b'x', 1 << 20));
    input.extend_from_slice(b" 5.7.25 reverse dns\n;;;;smtp;;;;\n");
    for args in [
        &["classify"][..],
        &["classify", "--explain"],
        &["classify", "--explain", "--format", "json"],
        &["classify", "--stats"],
    ] {
        let out = Command::cargo_bin("deferwatch")
            .unwrap()
            .args(args)
            .write_stdin(input.clone())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if args.len() == 1 {
            let classes: Vec<&str> = stdout
                .lines()
                .map(|l| l.split('\t').next().unwrap())
                .collect();
            assert_eq!(
                classes,
                ["policy", "rdns_missing", "rdns_missing", "other"],
                "{stdout}"
            );
        }
    }
}
