//! The bad-input catalogue: each kind of hostile or broken input a real site produces, what
//! deferwatch answers (exit code and message), and that nothing else is lost or changed.
//! The README's "What bad input gets" table lists the same cases.

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
    assert!(run.stderr.contains("7680 x 4320"), "{}", run.stderr);
    assert!(!png.exists());
}

#[test]
fn steady_rows_are_a_quiet_review() {
    let dir = TempDir::new().unwrap();
    let logs = write(dir.path(), "acct.csv", steady_rows(10));
    let run = deferwatch(&["check", &logs]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}
