//! Regression tests: one per bug fixed, each named for the bug, so a fixed bug stays fixed.
//!
//! Convention: when you fix a bug, add a test here that fails without the fix. Name it for
//! what went wrong (`unknown_replies_with_equal_counts_keep_one_order`), say in its doc
//! comment what the bug did and which change fixed it, and drive the real binary on the
//! smallest input that shows the bug (a fixture in `testdata/fixtures/`, or rows written
//! into a temporary directory).

use std::fs;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const HEADER: &str = "type,timeLogged,rcpt,dsnDiag,dsnMta,dlvSourceIp,vmta\n";

/// The review listed reply texts no rule knows in the order of a hash map when the same
/// text had the same count at several ISPs, so two runs on the same logs could print
/// different reviews (fixed by ordering ties by ISP in "deterministic order of unknown
/// replies").
#[test]
fn unknown_replies_with_equal_counts_keep_one_order() {
    let dir = TempDir::new().unwrap();
    let domains = [
        "yahoo.com",
        "gmail.com",
        "web.de",
        "comcast.net",
        "hotmail.com",
        "gmx.net",
        "orange.fr",
        "icloud.com",
        "att.net",
        "mail.ru",
    ];
    let mut rows = String::from(HEADER);
    for domain in domains {
        for minute in 0..2 {
            rows.push_str(&format!(
                "t,2026-10-01 10:0{minute}:00+0000,someone@{domain},\
                 \"smtp;451 4.3.0 frobnicated by the quux\",mx.{domain},203.0.113.10,vmta-1\n"
            ));
        }
    }
    let log = dir.path().join("acct-2026-10-01-0000.csv");
    fs::write(&log, rows).unwrap();

    let isps_listed = |threads: &str| -> Vec<String> {
        let output = Command::cargo_bin("deferwatch")
            .unwrap()
            .args(["report", "--day", "2026-10-01", "--format", "json"])
            .args(["--threads", threads])
            .arg(&log)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        json["unknown_replies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|reply| {
                assert_eq!(reply["count"], 2, "{reply}");
                reply["isp"].as_str().unwrap().to_string()
            })
            .collect()
    };
    let first = isps_listed("1");
    let mut sorted = first.clone();
    sorted.sort();
    assert_eq!(first, sorted, "ties are listed by ISP");
    assert!(first.len() >= 5, "{first:?}");
    for threads in ["1", "2", "4"] {
        assert_eq!(isps_listed(threads), first, "--threads {threads}");
    }
}

/// An unreadable file named its operating-system error twice ("No such file or directory
/// (os error 2): No such file or directory (os error 2)"), and `audit` prefixed its errors
/// with `error:` where every other command says `deferwatch:`.
#[test]
fn errors_name_their_cause_once_with_one_prefix() {
    let out = Command::cargo_bin("deferwatch")
        .unwrap()
        .args(["audit", "--pmta-config", "testdata/audit/nowhere.conf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "audit errors are UNKNOWN");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("deferwatch: "), "{stderr}");
    assert_eq!(stderr.matches("os error 2").count(), 1, "{stderr}");
}

/// With 14 days of logs the review claimed a "rising +x pp/week over 28 days" trend and
/// `check` said WARNING; a trend now needs 21 days of history (`trend_min_days`), and
/// without it the JSON trend is null and no message mentions one.
#[test]
fn no_trend_is_claimed_without_the_history_for_it() {
    let out = Command::cargo_bin("deferwatch")
        .unwrap()
        .args([
            "report",
            "--format",
            "json",
            "--day",
            "2026-10-10",
            "testdata/sample",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let review: Value = serde_json::from_slice(&out.stdout).unwrap();
    for group in review["isps"].as_array().unwrap() {
        assert!(group["trend_pp_per_week"].is_null(), "{group}");
    }
    for finding in review["findings"].as_array().unwrap() {
        assert!(!finding["message"].as_str().unwrap().contains("pp/week"));
    }
}

/// The rate chart marks the onset and recovery of the incidents of its scope.
#[test]
fn rate_chart_marks_incident_onset_and_recovery() {
    let dir = tempfile::TempDir::new().unwrap();
    let logs = dir.path().join("logs");
    let svg = dir.path().join("rate.svg");
    let bin = env!("CARGO_BIN_EXE_deferwatch");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "generate",
        "--days",
        "9",
        "--rows-per-day",
        "20000",
        "--seed",
        "5",
        "--out",
        logs.to_str().unwrap(),
    ]);
    run(&[
        "chart",
        "--isp",
        "microsoft",
        "-o",
        svg.to_str().unwrap(),
        logs.to_str().unwrap(),
    ]);
    let svg = std::fs::read_to_string(&svg).unwrap();
    // The sample's throttling spike at microsoft: 13:00 to 16:00 UTC on the last day.
    assert!(
        svg.contains("incident onset") && svg.contains("incident recovered"),
        "no marks"
    );
    assert!(
        svg.contains("203.0.113.14 onset"),
        "the PTR loss at microsoft is not marked"
    );
    // Labelled with the id the review gives the same incident, though the review reads a
    // longer history than the chart.
    let review = std::process::Command::new(bin)
        .args(["report", "--format", "json", logs.to_str().unwrap()])
        .output()
        .unwrap();
    let review: serde_json::Value = serde_json::from_slice(&review.stdout).unwrap();
    let spike = review["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["isp"] == "microsoft" && i["class"] == "rate_limited" && i["source_ip"].is_null()
        })
        .expect("the review lists the spike");
    let id = spike["id"].as_str().unwrap();
    let labels: Vec<&str> = svg.lines().map(str::trim).collect();
    assert!(
        labels.contains(&format!("#{id} onset").as_str()),
        "the spike's onset is not labelled #{id}"
    );
    assert!(
        labels.contains(&format!("#{id} recovered").as_str()),
        "the spike's recovery is not labelled #{id}"
    );
}

/// Every incident a mixed scenario injects is listed by the review of its first day, at its
/// ISP, with its IP (or none, ISP-wide) and class, and an onset within an hour.
#[test]
fn review_lists_the_incidents_of_a_mixed_scenario_with_their_onset() {
    let dir = tempfile::TempDir::new().unwrap();
    let logs = dir.path().join("logs");
    let bin = env!("CARGO_BIN_EXE_deferwatch");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin).args(args).output().unwrap();
        assert!(
            out.status.code().is_some_and(|c| c <= 2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    run(&[
        "generate",
        "--days",
        "12",
        "--rows-per-day",
        "20000",
        "--seed",
        "31",
        "--scenario",
        "mixed",
        "--out",
        logs.to_str().unwrap(),
    ]);
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(logs.join("truth.json")).unwrap()).unwrap();
    let injected = truth["incidents"].as_array().unwrap();
    assert!(injected.len() >= 3);
    let hour = |v: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
            .unwrap()
            .timestamp()
            / 3600
    };
    for incident in injected {
        let day = &incident["onset"].as_str().unwrap()[..10];
        let review: serde_json::Value = serde_json::from_slice(&run(&[
            "report",
            "--format",
            "json",
            "--day",
            day,
            logs.to_str().unwrap(),
        ]))
        .unwrap();
        let found = review["incidents"].as_array().unwrap().iter().find(|i| {
            incident["isp"]
                .as_str()
                .unwrap()
                .split(',')
                .any(|isp| i["isp"] == isp)
                && i["source_ip"] == incident["source_ip"]
                && i["classes"]
                    .as_array()
                    .unwrap()
                    .contains(&incident["class"])
        });
        let found = found.unwrap_or_else(|| panic!("not found: {incident}"));
        assert!(
            (hour(&found["onset"]) - hour(&incident["onset"])).abs() <= 1,
            "{incident} found at {}",
            found["onset"]
        );
    }
}
