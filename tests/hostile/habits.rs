//! What operators do by habit: `-o /dev/null` in a cron line, a symlinked output, a FIFO in
//! the log directory, a hand-edited row, a config value typed wrong, a rotation compressed
//! with xz. Each case failed before it was fixed; none may hurt the machine, lose rows or
//! hang a run.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use tempfile::TempDir;

use super::{HEADER, Run, assert_contains, deferwatch, row, steady_rows, write};

/// Like [`deferwatch`], but failing the test when the run takes longer than `limit`: a hang
/// must be a failure, not a stuck test run.
fn deferwatch_within(limit: Duration, args: &[&str]) -> Run {
    let out = Command::cargo_bin("deferwatch")
        .unwrap()
        .args(args)
        .timeout(limit)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some(),
        "{args:?} did not finish within {limit:?} (killed)"
    );
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

fn is_root() -> bool {
    fs::metadata("/proc/self").unwrap().uid() == 0
}

// --- Outputs -----------------------------------------------------------------------------

/// `report -o /dev/null` as root renamed a regular file over /dev/null. A device of our own
/// stands in for it (as root, as CI runs), and a FIFO for any user.
#[test]
fn output_onto_a_device_or_fifo_writes_it_in_place() {
    let dir = TempDir::new().unwrap();
    if is_root() {
        let null = dir.path().join("null");
        let made = std::process::Command::new("mknod")
            .arg(&null)
            .args(["c", "1", "3"])
            .status()
            .unwrap();
        assert!(made.success());
        let run = deferwatch(&["report", "-o", null.to_str().unwrap(), "testdata/sample"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let meta = fs::symlink_metadata(&null).unwrap();
        assert!(
            meta.file_type().is_char_device(),
            "the device was replaced by a regular file"
        );
    }
    let fifo = dir.path().join("out.fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap())
    };
    let run = deferwatch_within(
        Duration::from_secs(60),
        &[
            "report",
            "--format",
            "json",
            "-o",
            fifo.to_str().unwrap(),
            "testdata/sample",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let read = reader.join().unwrap();
    assert!(read.starts_with(b"{"), "the FIFO's reader got the review");
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}

/// `-o link` replaced the symbolic link with a file and never wrote its target.
#[test]
fn output_onto_a_symlink_writes_its_target() {
    let dir = TempDir::new().unwrap();
    let reports = dir.path().join("reports");
    fs::create_dir(&reports).unwrap();
    let target = reports.join("review.json");
    fs::write(&target, "old").unwrap();
    let link = dir.path().join("latest.json");
    std::os::unix::fs::symlink("reports/review.json", &link).unwrap();
    let run = deferwatch(&[
        "report",
        "--format",
        "json",
        "-o",
        link.to_str().unwrap(),
        "testdata/sample",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(fs::read_to_string(&target).unwrap().starts_with('{'));
    // A dangling link gets its target created; a chart follows links the same way.
    let chart_link = dir.path().join("chart.png");
    std::os::unix::fs::symlink(reports.join("gmail.png"), &chart_link).unwrap();
    let run = deferwatch(&[
        "chart",
        "--isp",
        "gmail",
        "-o",
        chart_link.to_str().unwrap(),
        "testdata/sample",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(fs::symlink_metadata(&chart_link).unwrap().is_symlink());
    assert!(
        fs::read(reports.join("gmail.png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );
}

/// An existing file became root's and 0644; `-o -` wrote a file named `-`.
#[test]
fn an_existing_output_keeps_its_owner_and_mode_and_dash_is_stdout() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("review.txt");
    fs::write(&out, "old").unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o600)).unwrap();
    if is_root() {
        std::os::unix::fs::chown(&out, Some(65534), Some(65534)).unwrap();
    }
    let before = fs::metadata(&out).unwrap();
    let run = deferwatch(&["report", "-o", out.to_str().unwrap(), "testdata/sample"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let after = fs::metadata(&out).unwrap();
    assert_eq!(after.mode() & 0o7777, 0o600);
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    assert!(fs::read_to_string(&out).unwrap().contains("gmail"));

    let run = Command::cargo_bin("deferwatch")
        .unwrap()
        .current_dir(dir.path())
        .args(["report", "--format", "json", "-o", "-"])
        .arg(fs::canonicalize("testdata/sample").unwrap())
        .output()
        .unwrap();
    assert!(run.status.success());
    assert!(run.stdout.starts_with(b"{"));
    assert!(
        !dir.path().join("-").exists(),
        "a file named `-` was written"
    );
    let chart = Command::cargo_bin("deferwatch")
        .unwrap()
        .current_dir(dir.path())
        .args(["chart", "--isp", "gmail", "-o", "-"])
        .arg(fs::canonicalize("testdata/sample").unwrap())
        .output()
        .unwrap();
    assert!(chart.status.success());
    assert!(chart.stdout.starts_with(b"\x89PNG"));
}

// --- The reader --------------------------------------------------------------------------

/// 400 rows, the 122nd with a `dsnDiag` whose quote never closes: 122 rows were counted,
/// and `--strict` exited 0.
#[test]
fn an_unbalanced_quote_loses_only_its_row() {
    let dir = TempDir::new().unwrap();
    let mut text = String::from(HEADER);
    for n in 0..400 {
        let time = format!("2026-10-31 {:02}:{:02}:00+0000", n / 60 % 24, n % 60);
        let diag = if n == 121 {
            "\"smtp;421 4.7.0 cut short".to_string()
        } else {
            format!("smtp;421 4.7.0 try again later {n}")
        };
        text.push_str(&row("t", &time, &diag));
    }
    // A reply that really spans lines still reads as one row.
    text.push_str(
        "t,2026-10-31 23:00:00+0000,u@gmail.com,4.0.0,\"smtp;421 first line\nsecond line\",mx.google.com,203.0.113.10,v1\n",
    );
    let file = write(dir.path(), "acct.csv", &text);
    let run = deferwatch(&["report", "--format", "json", "--day", "2026-10-31", &file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let review: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(review["input"]["rows"]["t"], 400);
    assert!(
        run.stderr.contains("acct.csv:123:") && run.stderr.contains("never closes"),
        "{}",
        run.stderr
    );
    let strict = deferwatch(&["report", "--strict", "--day", "2026-10-31", &file]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    // An ingest stores the same rows; a headerless file (PowerMTA's default layout) too.
    let store = dir.path().join("s.db");
    let ingest = deferwatch(&[
        "ingest",
        "--quiet",
        "--store",
        store.to_str().unwrap(),
        &file,
    ]);
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
    let hourly = deferwatch(&[
        "hourly",
        "--format",
        "json",
        "--store",
        store.to_str().unwrap(),
    ]);
    let hours: Vec<serde_json::Value> = serde_json::from_str(&hourly.stdout).unwrap();
    let stored: u64 = hours.iter().map(|h| h["deferred"].as_u64().unwrap()).sum();
    assert_eq!(stored, 400);
    let default_layout = |time: &str, diag: &str| {
        format!(
            "t,{time},{time},s@example.com,u@gmail.com,,delayed,4.0.0 (undefined status),{diag},mx.google.com,,smtp,,smtp,203.0.113.10,,,100,v1,,,gmail.com/v1,\n"
        )
    };
    let headerless = format!(
        "{}{}{}",
        default_layout("2026-10-31 10:00:00+0000", "\"smtp;421 open"),
        default_layout("2026-10-31 10:01:00+0000", "smtp;421 a"),
        default_layout("2026-10-31 10:02:00+0000", "smtp;421 \"quoted\" word"),
    );
    let file = write(dir.path(), "pipe.csv", headerless);
    let run = deferwatch(&["report", "--format", "json", "--day", "2026-10-31", &file]);
    let review: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(review["input"]["rows"]["t"], 2, "{}", run.stderr);
    // CR line ends, and a later quote that closes the one left open.
    let cr = format!(
        "{HEADER}{}{}{}",
        row("t", "2026-10-31 10:00:00+0000", "\"smtp;421 open"),
        row("t", "2026-10-31 10:01:00+0000", "smtp;421 a"),
        row("t", "2026-10-31 10:02:00+0000", "smtp;421 b\" closes"),
    )
    .replace('\n', "\r");
    let file = write(dir.path(), "cr.csv", cr);
    let run = deferwatch(&["report", "--format", "json", "--day", "2026-10-31", &file]);
    let review: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(review["input"]["rows"]["t"], 2, "{}", run.stderr);
}

/// A FIFO or a link to /dev/zero in a log directory hung `check`, `report` and `ingest`.
#[test]
fn a_fifo_or_device_in_a_log_directory_is_skipped_with_a_warning() {
    let dir = TempDir::new().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    write(&logs, "acct.csv", steady_rows(9));
    mkfifo(&logs.join("pipe.csv"));
    std::os::unix::fs::symlink("/dev/zero", logs.join("zero.csv")).unwrap();
    let logs = logs.to_str().unwrap();
    let limit = Duration::from_secs(30);
    let report = deferwatch_within(limit, &["report", "--day", "2026-10-31", logs]);
    assert_eq!(report.code, 0, "{}", report.stderr);
    for name in ["pipe.csv", "zero.csv"] {
        assert!(
            report.stderr.contains(name) && report.stderr.contains("not a regular file"),
            "{}",
            report.stderr
        );
    }
    let check = deferwatch_within(limit, &["check", "--day", "2026-10-31", logs]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    let store = dir.path().join("s.db");
    let ingest = deferwatch_within(
        limit,
        &[
            "ingest",
            "--quiet",
            "--store",
            store.to_str().unwrap(),
            logs,
        ],
    );
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
}

/// A FIFO named on its own is read as a stream; one that never gets a writer, or a writer
/// that never closes, is an error after the stall timeout, not a hang.
#[test]
fn a_named_fifo_is_read_as_a_stream_and_cannot_hang_the_run() {
    let dir = TempDir::new().unwrap();
    let fifo = dir.path().join("acct.fifo");
    mkfifo(&fifo);
    let rows = steady_rows(9);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut file = fs::OpenOptions::new().write(true).open(fifo).unwrap();
            file.write_all(rows.as_bytes()).unwrap();
        })
    };
    let fifo_name = fifo.to_str().unwrap();
    let limit = Duration::from_secs(30);
    let run = deferwatch_within(limit, &["report", "--day", "2026-10-31", fifo_name]);
    writer.join().unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);

    let config = write(
        dir.path(),
        "quick.toml",
        "[input]\nstall_timeout_seconds = 1\n",
    );
    let started = Instant::now();
    let run = deferwatch_within(limit, &["report", "--config", &config, fifo_name]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_contains(&run.stderr, "acct.fifo sent nothing for 1 s");
    assert!(started.elapsed() < Duration::from_secs(20));
    let check = deferwatch_within(limit, &["check", "--config", &config, fifo_name]);
    assert_eq!(check.code, 3, "{}", check.stdout);
    assert!(
        check.stdout.starts_with("DEFERWATCH UNKNOWN"),
        "{}",
        check.stdout
    );
    // Standard input that stays open without data is the same.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("deferwatch"))
        .args(["report", "--config", &config, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _open_stdin = child.stdin.take();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("<stdin> sent nothing"));
    // ingest refuses a stream: it could not find it again.
    let ingest = deferwatch_within(limit, &["ingest", "--store", "x.db", fifo_name]);
    assert_eq!(ingest.code, 1);
    assert_contains(&ingest.stderr, "regular files");
    // An endless device named on its own is no acct file.
    let zero = deferwatch_within(limit, &["report", "/dev/zero"]);
    assert_contains(&zero.stderr, "not a PowerMTA acct file");
}

// --- Configs and arguments ----------------------------------------------------------------

/// `watch_jump_pp = -1`, `nan`, `significance_z = inf`, `incident_evidence = nan` were
/// accepted, and a CRITICAL day became OK.
#[test]
fn thresholds_out_of_range_are_refused_naming_the_key() {
    let dir = TempDir::new().unwrap();
    for (line, key) in [
        ("watch_jump_pp = -1", "watch_jump_pp"),
        ("watch_jump_pp = nan", "watch_jump_pp"),
        ("significance_z = inf", "significance_z"),
        ("incident_evidence = nan", "incident_evidence"),
        ("recovery_evidence = 0.0", "recovery_evidence"),
        ("rdns_share = 1.5", "rdns_share"),
        ("alert_jump_ratio = -inf", "alert_jump_ratio"),
        ("trend_min_days = 0", "trend_min_days"),
        ("rdns_min_rows = 0", "rdns_min_rows"),
    ] {
        let config = write(dir.path(), "t.toml", format!("[thresholds]\n{line}\n"));
        let run = deferwatch(&["report", "--config", &config, "testdata/sample"]);
        assert_eq!(run.code, 1, "{line}: {}", run.stderr);
        assert!(
            run.stderr.contains(key) && run.stderr.contains("give"),
            "{line}: {}",
            run.stderr
        );
        let check = deferwatch(&["check", "--config", &config, "testdata/sample"]);
        assert_eq!(check.code, 3, "{line}: {}", check.stdout);
        assert!(check.stdout.contains(key), "{line}: {}", check.stdout);
    }
}

/// An `[isp]` mapping to `""`, or to an id with a newline or a quote, split `check`'s
/// first line in two and made a perfdata label `'_deferral'`.
#[test]
fn isp_ids_from_the_config_must_be_names() {
    let dir = TempDir::new().unwrap();
    for mapping in [
        "\"gmail.com\" = \"\"",
        "\"gmail.com\" = \"g\\nmail\"",
        "\"gmail.com\" = \"g'mail\"",
        "\"gm ail.com\" = \"gmail\"",
        "\"\" = \"gmail\"",
    ] {
        let config = write(dir.path(), "i.toml", format!("[isp.domains]\n{mapping}\n"));
        let check = deferwatch(&["check", "--config", &config, "testdata/sample"]);
        assert_eq!(check.code, 3, "{mapping}: {}", check.stdout);
        assert_eq!(check.stdout.lines().count(), 1, "{}", check.stdout);
        assert_contains(&check.stdout, "isp.domains");
    }
}

/// `--dns-timeout 0` said "must be between 0 and 60"; zero attempts and zero concurrency
/// were taken silently.
#[test]
fn dns_settings_have_honest_ranges() {
    for (flag, value, says) in [
        ("--dns-timeout", "0", "0.1 to 60"),
        ("--dns-timeout", "nan", "0.1 to 60"),
        ("--dns-attempts", "0", "1 to 10"),
        ("--dns-concurrency", "0", "1 to 1024"),
    ] {
        let run = deferwatch(&["audit", "--ip", "192.0.2.1", flag, value]);
        assert_eq!(run.code, 3, "{flag} {value}: {}", run.stderr);
        assert!(
            run.stderr.contains(flag) && run.stderr.contains(says),
            "{}",
            run.stderr
        );
    }
}

/// `hourly --from` after `--to` printed a header and exited 0.
#[test]
fn a_window_that_ends_before_it_starts_is_an_error_everywhere() {
    let window = ["--from", "2026-10-20", "--to", "2026-10-10"];
    for command in [
        vec!["hourly"],
        vec!["chart", "--isp", "gmail", "-o", "/tmp/never-written.png"],
        vec!["audit", "--ip", "192.0.2.1"],
    ] {
        let args: Vec<&str> = [&command[..], &window[..], &["testdata/sample"][..]].concat();
        let run = deferwatch(&args);
        let expected = if command[0] == "audit" { 3 } else { 1 };
        assert_eq!(run.code, expected, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("--from must be before --to"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

/// Usage errors exited 2 while the README said 1 (and 2 is "fail" for `audit`).
#[test]
fn usage_errors_exit_as_the_readme_says() {
    for (args, code) in [
        (vec!["report", "--format", "nope", "testdata/sample"], 1),
        (vec!["hourly", "--bogus", "testdata/sample"], 1),
        (vec!["ingest"], 1),
        (vec!["nosuchcommand"], 1),
        (vec!["audit", "--bogus"], 3),
        (vec!["check", "--bogus"], 3),
        (vec!["report", "--help"], 0),
        (vec!["--version"], 0),
    ] {
        let run = deferwatch(&args);
        assert_eq!(run.code, code, "{args:?}: {}{}", run.stdout, run.stderr);
    }
}

/// A row at `23:59:60` (a leap second) counted in the next day's first hour.
#[test]
fn a_leap_second_counts_in_the_minute_it_names() {
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "leap.csv",
        format!(
            "{HEADER}{}",
            row("t", "2016-12-31 23:59:60+0000", "smtp;421 later")
        ),
    );
    let run = deferwatch(&["hourly", "--format", "csv", &file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_contains(&run.stdout, "2016-12-31T23:00:00Z");
    assert!(!run.stdout.contains("2017-01-01"), "{}", run.stdout);
}

/// 10,000 chained `include`s stopped at depth 16, called "an include loop".
#[test]
fn a_deep_include_chain_is_followed_to_the_limit_and_the_rest_named() {
    let dir = TempDir::new().unwrap();
    let depth = 200;
    for n in 0..depth {
        let next = if n + 1 < depth {
            format!("include c{}.conf\n", n + 1)
        } else {
            String::new()
        };
        write(
            dir.path(),
            &format!("c{n}.conf"),
            format!(
                "smtp-source-host 192.0.2.{} mta{n}.example.net\n{next}",
                n % 250
            ),
        );
    }
    let run = deferwatch(&[
        "audit",
        "--format",
        "json",
        "--resolver",
        "127.0.0.1:9",
        "--dns-timeout",
        "0.1",
        "--dns-attempts",
        "1",
        "--pmta-config",
        dir.path().join("c0.conf").to_str().unwrap(),
    ]);
    assert!(
        run.stderr.contains("c64.conf") && run.stderr.contains("64 levels deep"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("include loop"), "{}", run.stderr);
    assert_contains(&run.stdout, "mta63.example.net");
    assert!(!run.stdout.contains("mta64.example.net"));
}

// --- Compression and stores ------------------------------------------------------------

/// Rotations compressed with xz or bzip2 (logrotate's `compresscmd`) were "not a PowerMTA
/// acct file", and their day went missing without a word.
#[test]
fn xz_and_bzip2_rotations_read_like_gzip_ones() {
    let dir = TempDir::new().unwrap();
    let rows = steady_rows(9);
    let plain = dir.path().join("plain");
    fs::create_dir(&plain).unwrap();
    write(&plain, "acct.csv", &rows);
    let packed = dir.path().join("packed");
    fs::create_dir(&packed).unwrap();
    let lines: Vec<&str> = rows[HEADER.len()..].split_inclusive('\n').collect();
    let (first, second) = lines.split_at(lines.len() / 2);
    let first = format!("{HEADER}{}", first.concat());
    let second = format!("{HEADER}{}", second.concat());
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(first.as_bytes()).unwrap();
    fs::write(packed.join("acct-1.csv.xz"), xz.finish().unwrap()).unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(second.as_bytes()).unwrap();
    fs::write(packed.join("acct-2.csv.bz2"), bz.finish().unwrap()).unwrap();
    let rows_of = |path: &Path| -> serde_json::Value {
        let run = deferwatch(&[
            "report",
            "--format",
            "json",
            "--day",
            "2026-10-31",
            path.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let review: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        review["input"]["rows"].clone()
    };
    assert_eq!(rows_of(&packed), rows_of(&plain));
    let store = dir.path().join("s.db");
    let ingest = deferwatch(&[
        "ingest",
        "--quiet",
        "--store",
        store.to_str().unwrap(),
        packed.to_str().unwrap(),
    ]);
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
}

/// A zstd frame that asks for a 2 GiB window: decoding it is refused.
fn zstd_with_a_huge_window() -> Vec<u8> {
    // Magic, a frame header without content size (window descriptor: 2^31 bytes), then a
    // raw block of a few bytes.
    let mut bytes = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8];
    let text = b"type,timeLogged\n";
    let header = ((text.len() as u32) << 3) | 1; // last block, raw
    bytes.extend_from_slice(&header.to_le_bytes()[..3]);
    bytes.extend_from_slice(text);
    bytes
}

/// `ingest` of an input it could not decode exited 0, and `check --store` then judged the
/// day as if complete.
#[test]
fn an_ingest_that_cannot_decode_an_input_fails_and_the_store_keeps_the_gap() {
    let dir = TempDir::new().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    write(&logs, "acct.csv", steady_rows(9));
    fs::write(logs.join("acct-big.csv.zst"), zstd_with_a_huge_window()).unwrap();
    // Modified on the review day: it may hold that day's rows.
    let day_end = std::time::UNIX_EPOCH + Duration::from_secs(1_793_491_000);
    fs::File::options()
        .write(true)
        .open(logs.join("acct-big.csv.zst"))
        .unwrap()
        .set_modified(day_end)
        .unwrap();
    let store = dir.path().join("s.db");
    let store = store.to_str().unwrap();
    let logs = logs.to_str().unwrap();
    let ingest = deferwatch(&["ingest", "--quiet", "--store", store, logs]);
    assert_eq!(ingest.code, 1, "{}", ingest.stderr);
    assert_contains(&ingest.stderr, "acct-big.csv.zst");
    let check = deferwatch(&["check", "--day", "2026-10-31", "--store", store]);
    assert_eq!(check.code, 3, "{}", check.stdout);
    assert_contains(&check.stdout, "acct-big.csv.zst");
    let from_logs = deferwatch(&["check", "--day", "2026-10-31", logs]);
    assert_eq!(from_logs.code, 3, "{}", from_logs.stdout);
    // A day after the file was last written is not missing anything of it.
    fs::File::options()
        .write(true)
        .open(Path::new(logs).join("acct-big.csv.zst"))
        .unwrap()
        .set_modified(day_end - Duration::from_secs(5 * 86_400))
        .unwrap();
    let ingest = deferwatch(&["ingest", "--quiet", "--store", store, logs]);
    assert_eq!(ingest.code, 1, "{}", ingest.stderr);
    let check = deferwatch(&["check", "--day", "2026-10-31", "--store", store]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    // Once the file is gone from the paths, the gap is gone too.
    fs::remove_file(Path::new(logs).join("acct-big.csv.zst")).unwrap();
    let ingest = deferwatch(&["ingest", "--quiet", "--store", store, logs]);
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
}

/// `ingest` into a store with corrupt pages added 2,002 rows and exited 0.
#[test]
fn a_corrupt_store_is_never_written_to() {
    let dir = TempDir::new().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    write(&logs, "acct.csv", steady_rows(40));
    let store = dir.path().join("s.db");
    let store_name = store.to_str().unwrap();
    let logs_name = logs.to_str().unwrap();
    let ingest = deferwatch(&["ingest", "--quiet", "--store", store_name, logs_name]);
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
    // Scribble over a page in the middle of the file, as a bad disk or a copy cut short does.
    let mut bytes = fs::read(&store).unwrap();
    assert!(bytes.len() > 3 * 4096, "{}", bytes.len());
    let page = (bytes.len() / 4096 / 2) * 4096;
    for (i, b) in bytes[page..page + 4096].iter_mut().enumerate() {
        *b = (i * 7 % 251) as u8;
    }
    fs::write(&store, &bytes).unwrap();
    write(
        &logs,
        "more.csv",
        format!(
            "{HEADER}{}",
            row("t", "2026-10-31 12:00:00+0000", "smtp;421 x")
        ),
    );
    let ingest = deferwatch(&["ingest", "--quiet", "--store", store_name, logs_name]);
    assert_eq!(ingest.code, 1, "{}", ingest.stderr);
    assert!(
        ingest.stderr.contains("integrity check") && ingest.stderr.contains("ingest --store"),
        "{}",
        ingest.stderr
    );
    assert_eq!(fs::read(&store).unwrap(), bytes, "the store was written to");
}

/// `report --store` while the very first ingest was creating the store said "no such
/// table: meta".
#[test]
fn a_store_still_being_created_reads_as_no_data_yet() {
    let dir = TempDir::new().unwrap();
    let store = dir.path().join("s.db");
    // What a reader finds before the first ingest commits: an empty file, or a database
    // with no tables yet.
    fs::write(&store, b"").unwrap();
    let report = deferwatch(&["report", "--store", store.to_str().unwrap()]);
    assert_eq!(report.code, 1, "{}", report.stderr);
    assert_contains(&report.stderr, "no data yet");
    assert!(
        !report.stderr.contains("no such table"),
        "{}",
        report.stderr
    );
    let check = deferwatch(&["check", "--store", store.to_str().unwrap()]);
    assert_eq!(check.code, 3, "{}", check.stdout);
    assert!(!check.stdout.contains("no such table"), "{}", check.stdout);
}

/// A store path that is a FIFO or a device made SQLite wait forever or read zeros.
#[test]
fn a_store_that_is_no_regular_file_is_refused() {
    let dir = TempDir::new().unwrap();
    let fifo = dir.path().join("s.db");
    mkfifo(&fifo);
    let limit = Duration::from_secs(30);
    for store in [fifo.to_str().unwrap(), "/dev/zero", "/dev/null"] {
        let report = deferwatch_within(limit, &["report", "--store", store]);
        assert_eq!(report.code, 1, "{store}: {}", report.stderr);
        assert_contains(&report.stderr, "not a regular file");
        let ingest = deferwatch_within(limit, &["ingest", "--store", store, "testdata/sample"]);
        assert_eq!(ingest.code, 1, "{store}: {}", ingest.stderr);
        let check = deferwatch_within(limit, &["check", "--store", store]);
        assert_eq!(check.code, 3, "{store}: {}", check.stdout);
    }
    assert!(
        fs::symlink_metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}
