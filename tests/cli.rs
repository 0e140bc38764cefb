//! Integration tests: run the real binary on the shipped sample, the edge-case fixtures and
//! the real-shaped rows.

mod common;

use assert_cmd::Command;
use common::run_ok;
use serde_json::Value;

fn deferwatch() -> Command {
    Command::cargo_bin("deferwatch").unwrap()
}

fn report_json(args: &[&str]) -> Value {
    let all = [&["report", "--format", "json"][..], args].concat();
    serde_json::from_str(&run_ok(&all)).unwrap()
}

fn hourly_csv(args: &[&str]) -> String {
    run_ok(&[&["hourly"][..], args].concat())
}

#[test]
fn exact_counts_match_the_generator_ground_truth() {
    let ours = hourly_csv(&["--by", "isp", "testdata/sample"]);
    let ours: Vec<String> = ours
        .lines()
        .map(|l| l.split(',').take(7).collect::<Vec<_>>().join(","))
        .collect();
    let truth = std::fs::read_to_string("testdata/sample/truth-hourly.txt").unwrap();
    let truth: Vec<&str> = truth.lines().collect();
    assert_eq!(ours.len(), truth.len());
    for (a, b) in ours.iter().zip(&truth) {
        assert_eq!(a, b);
    }
}

#[test]
fn every_cell_is_the_same_on_any_number_of_threads() {
    // Each thread counts under its own ids; merging re-maps ISP, IP, VirtualMTA, pool and
    // series ids, so group by all of them.
    let cells = |threads: &str| {
        hourly_csv(&[
            "--by",
            "isp,source_ip,vmta,pool,class",
            "--threads",
            threads,
            "testdata/sample",
        ])
    };
    let one = cells("1");
    assert!(one.lines().count() > 2_000);
    for threads in ["2", "3", "7"] {
        assert_eq!(cells(threads), one, "--threads {threads}");
    }
}

#[test]
fn sample_report_finds_the_injected_incidents() {
    let r = report_json(&["testdata/sample"]);
    assert_eq!(r["day"], "2026-10-31");
    let findings = r["findings"].as_array().unwrap();
    let ptr = findings
        .iter()
        .find(|f| f["source_ip"] == "203.0.113.14" && f["isp"] == "gmail")
        .expect("the IP that lost its PTR is a finding");
    assert_eq!(ptr["class"], "rdns_missing");
    assert_eq!(ptr["severity"], "alert");
    let yahoo = r["isps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["isp"] == "yahoo")
        .unwrap();
    // The slow rise shows in the trend, but on 10-31 yahoo is below its 7-day average, and
    // a trend alone raises the status only on a day above its baseline.
    assert!(yahoo["trend_pp_per_week"].as_f64().unwrap() > 0.5);
    assert!(yahoo["deferral_rate"].as_f64() < yahoo["rolling_7d_deferral_rate"].as_f64());
    assert_eq!(yahoo["status"], "ok");
    let day_before = report_json(&["--day", "2026-10-30", "testdata/sample"]);
    let yahoo = day_before["isps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["isp"] == "yahoo")
        .unwrap();
    assert_eq!(
        yahoo["status"], "watch",
        "the slow rise at yahoo is flagged"
    );
    let apple = r["isps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["isp"] == "apple")
        .unwrap();
    assert_eq!(apple["status"], "ok", "a stable ISP is not flagged");
    assert_eq!(r["input"]["has_deferral_rows"], true);
    assert_eq!(r["input"]["malformed"], 0);
}

#[test]
fn the_throttling_spike_shows_hour_by_hour() {
    let csv = hourly_csv(&[
        "--by",
        "isp",
        "--from",
        "2026-10-31T12:00:00Z",
        "--to",
        "2026-10-31T17:00:00Z",
        "testdata/sample",
    ]);
    let rate = |hour: &str| -> f64 {
        let line = csv
            .lines()
            .find(|l| l.starts_with(hour) && l.contains(",microsoft,"))
            .unwrap();
        line.split(',').nth(7).unwrap().parse().unwrap()
    };
    assert!(rate("2026-10-31T14:00:00Z") > 0.3);
    assert!(rate("2026-10-31T12:00:00Z") < 0.2);
}

#[test]
fn real_rows_are_each_counted_once_under_the_right_isp() {
    let r = report_json(&["--day", "2019-02-08", "testdata/eval/real-rows"]);
    let rows = &r["input"]["rows"];
    assert_eq!((rows["d"].as_u64(), rows["b"].as_u64()), (Some(1), Some(2)));
    assert_eq!(
        (rows["t"].as_u64(), rows["tq"].as_u64()),
        (Some(1), Some(1))
    );
    let problems = r["input"]["problems"].to_string();
    assert!(
        problems.contains("timeQueued"),
        "the fallback is said: {problems}"
    );
    let csv = hourly_csv(&["--by", "isp", "testdata/eval/real-rows"]);
    assert!(
        csv.contains("2016-08-01T18:00:00Z,gmail,1,0,0,1,0"),
        "{csv}"
    );
    assert!(
        csv.contains("2019-02-08T21:00:00Z,yahoo,2,0,1,1,0"),
        "{csv}"
    );
    assert!(
        csv.contains("2019-02-08T21:00:00Z,other,1,1,0,0,1"),
        "{csv}"
    );
}

#[test]
fn header_reappearing_mid_file_long_aliases_and_compression() {
    for file in [
        "mid-header.csv",
        "mid-header-gz.csv.gz",
        "mid-header-zst.csv.zst",
    ] {
        let csv = hourly_csv(&["--by", "isp", &format!("testdata/fixtures/{file}")]);
        assert!(
            csv.contains("2026-10-01T10:00:00Z,gmail,3,2,1,0,1"),
            "{file}: {csv}"
        );
        assert!(
            csv.contains("2026-10-01T10:00:00Z,yahoo,1,0,0,1,0"),
            "{file}: {csv}"
        );
    }
}

#[test]
fn the_same_file_named_twice_is_read_once() {
    let csv = hourly_csv(&[
        "--by",
        "isp",
        "testdata/fixtures/mid-header.csv",
        "testdata/fixtures/mid-header.csv",
        "testdata/fixtures/mid-he*.csv",
    ]);
    assert!(
        csv.contains("2026-10-01T10:00:00Z,gmail,3,2,1,0,1"),
        "{csv}"
    );
}

#[test]
fn quoted_newlines_and_doubled_quotes() {
    let csv = hourly_csv(&["--by", "isp,class", "testdata/fixtures/quoted.csv"]);
    assert!(
        csv.contains("2026-10-01T11:00:00Z,gmail,rdns_missing,2,1,1,0,0"),
        "{csv}"
    );
}

#[test]
fn time_t_and_offsets_normalize_to_utc_hours() {
    let csv = hourly_csv(&["--by", "isp", "testdata/fixtures/times.csv"]);
    assert!(
        csv.contains("2026-10-01T11:00:00Z,gmail,3,3,0,0,0"),
        "{csv}"
    );
    assert!(
        csv.contains("2026-10-01T12:00:00Z,gmail,1,1,0,0,0"),
        "{csv}"
    );
}

/// Line numbers are the file's own (the fixture has CRLF line ends).
#[test]
fn malformed_rows_are_counted_reported_and_fail_under_strict() {
    let out = deferwatch()
        .args(["hourly", "--by", "isp", "testdata/fixtures/bad-rows.csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad-rows.csv:3: skipped row: wrong number of fields"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad-rows.csv:4: skipped row: time field"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad-rows.csv:5: skipped row: unknown record type"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2026-10-01T10:00:00Z,gmail,2,2,0,0,0"));
    let r = report_json(&["testdata/fixtures/bad-rows.csv", "--day", "2026-10-01"]);
    assert_eq!(r["input"]["malformed"], 3);
    let out = deferwatch()
        .args(["report", "--strict", "testdata/fixtures/bad-rows.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--strict"));
}

#[test]
fn a_partial_last_line_is_reported_not_counted() {
    let r = report_json(&["testdata/fixtures/partial.csv", "--day", "2026-10-01"]);
    assert_eq!(r["input"]["partial_last_lines"], 1);
    assert_eq!(r["input"]["malformed"], 0);
    assert_eq!(r["input"]["rows"]["d"], 1);
}

#[test]
fn no_deferral_rows_is_said_with_the_config_to_enable_them() {
    let out = deferwatch()
        .args([
            "report",
            "testdata/fixtures/no-deferrals.csv",
            "--day",
            "2026-10-01",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("No deferral rows (t/tq) were found"),
        "{text}"
    );
    assert!(text.contains("records t,tq"), "{text}");
    let r = report_json(&["testdata/fixtures/no-deferrals.csv", "--day", "2026-10-01"]);
    assert_eq!(r["input"]["has_deferral_rows"], false);
}

#[test]
fn invalid_utf8_is_tolerated_and_user_rules_apply() {
    let csv = hourly_csv(&["--by", "isp,class", "testdata/fixtures/invalid-utf8.csv"]);
    assert!(csv.contains("other,rate_limited,1,0,1"), "{csv}");
    let csv = hourly_csv(&[
        "--by",
        "isp,class",
        "--config",
        "testdata/example-config.toml",
        "testdata/fixtures/invalid-utf8.csv",
    ]);
    assert!(csv.contains("other,rate_limited,1,0,1"), "{csv}");
}

#[test]
fn stdin_is_read_with_dash() {
    let data = std::fs::read("testdata/fixtures/mid-header-gz.csv.gz").unwrap();
    let out = deferwatch()
        .args(["hourly", "--by", "isp", "-"])
        .write_stdin(data)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("2026-10-01T10:00:00Z,gmail,3,2,1,0,1"));
}

#[test]
fn errors_are_one_line_that_say_what_to_do() {
    let out = deferwatch()
        .args(["report", "/nonexistent/acct"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    let out = deferwatch()
        .args(["hourly", "--by", "country", "testdata/sample"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use any of isp, source_ip"));
    let out = deferwatch()
        .args(["report", "--tz", "Mars/Olympus", "testdata/sample"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("IANA"));
}

#[test]
fn classify_prints_tsv_and_json_lines() {
    let out = deferwatch()
        .args([
            "classify",
            "550 5.7.1 Client host rejected: cannot find your reverse hostname",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "rdns_missing\trdns-missing\t550 5.7.1 Client host rejected: cannot find your reverse hostname\n"
    );
    let out = deferwatch()
        .args(["classify", "--isp", "yahoo", "--format", "json"])
        .write_stdin(
            "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred\n\n550 IP not in DNS\n",
        )
        .output()
        .unwrap();
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["class"], "rate_limited");
    assert_eq!(lines[0]["rule"], "code:TSS04");
    assert_eq!(lines[1]["class"], "rdns_missing");
}

#[test]
fn tz_moves_day_boundaries() {
    let utc = report_json(&["testdata/sample", "--day", "2026-10-30"]);
    let ny = report_json(&[
        "testdata/sample",
        "--day",
        "2026-10-30",
        "--tz",
        "America/New_York",
    ]);
    assert_eq!(ny["timezone"], "America/New_York");
    assert_ne!(utc["isps"][0]["attempts"], ny["isps"][0]["attempts"]);
}

#[test]
fn classify_explains_the_decision_and_the_providers_code() {
    let out = deferwatch()
        .args(["classify", "--explain", "--isp", "microsoft"])
        .arg("550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("class:   blocklisted (rule code:S3150)"),
        "{text}"
    );
    assert!(
        text.contains("decided: provider code `code:S3150`"),
        "{text}"
    );
    assert!(text.contains("https://sender.office.com/"), "{text}");
    // What came later in the table is shown too, so a shadowed rule is visible.
    assert!(text.contains("also:    phrase `blocklist`"), "{text}");
    let out = deferwatch()
        .args(["classify", "--explain", "--format", "json", "550 odd words"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["class"], "other");
    assert!(v["decided_by"].is_null());
    assert!(v["note"].as_str().unwrap().contains("deferwatch unknown"));
}

#[test]
fn classify_stats_count_every_rule_including_dead_ones() {
    let out = deferwatch()
        .args(["classify", "--stats"])
        .write_stdin("550 IP not in DNS\n550 IP not in DNS\n550 odd words\n")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let row = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{id}\t")))
            .unwrap_or_else(|| panic!("no row for {id}: {text}"))
            .to_string()
    };
    assert_eq!(
        row("rdns-missing"),
        "rdns-missing\tphrase\trdns_missing\t2\t2"
    );
    assert_eq!(row("tls"), "tls\tphrase\ttls\t0\t0");
    assert_eq!(row("none"), "none\t-\t-\t1\t1");
}

#[test]
fn rules_check_lists_what_a_rules_file_changes_and_fails_on_breakage() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    let check = |id: &str, pattern: &str| {
        let rule =
            format!("[[rule]]\nid = \"{id}\"\nclass = \"policy\"\npattern = \"{pattern}\"\n");
        std::fs::write(&rules, rule).unwrap();
        let out = deferwatch()
            .args(["rules", "check"])
            .arg(&rules)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = check("everything-is-policy", "reverse");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("BROKEN  rdns_missing"), "{text}");
    assert!(text.contains("built-in rules: "), "{text}");
    let (code, text) = check("harmless", "no reply says this");
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn unknown_lists_every_template_with_where_it_was_seen() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("acct.csv");
    let mut text = String::from(
        "type,timeLogged,orig,rcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,dlvSourceIp,dlvDestinationIp,vmta,vmtaPool\n",
    );
    for (i, diag) in ["450 strange words", "450 strange words", "451 odd reply"]
        .iter()
        .enumerate()
    {
        text.push_str(&format!(
            "t,2026-10-0{} 10:00:00+0000,a@example.com,u{i}@gmail.com,delayed,4.0.0,{diag},mx.google.com,192.0.2.{i},,v1,p1\n",
            i + 1
        ));
    }
    std::fs::write(&log, text).unwrap();
    let out = deferwatch().arg("unknown").arg(&log).output().unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{listing}");
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 3, "{listing}");
    assert_eq!(
        lines[1],
        "2\t2026-10-01T10:00:00Z\t2026-10-02T10:00:00Z\tgmail:2\t192.0.2.0,192.0.2.1\t450 strange words"
    );
    let out = deferwatch()
        .args(["unknown", "--limit", "1"])
        .arg(&log)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.ends_with("# 1 more templates beyond --limit 1\n"),
        "{listing}"
    );
}

#[test]
fn findings_quote_what_the_providers_codes_behind_them_mean() {
    let report = report_json(&["testdata/sample"]);
    let findings = report["findings"].as_array().unwrap();
    let throttle = findings
        .iter()
        .find(|f| f["isp"] == "microsoft" && f["class"] == "rate_limited")
        .expect("the sample's Microsoft throttling finding");
    let codes = throttle["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(codes[0]["code"], "4.7.500");
    assert_eq!(codes[0]["class"], "rate_limited");
    assert!(
        codes[0]["link"]
            .as_str()
            .unwrap()
            .starts_with("https://learn.microsoft.com/")
    );
    // A code the provider uses for several causes (Gmail's 4.7.0) is not quoted.
    for f in findings.iter().filter(|f| f["isp"] == "gmail") {
        assert!(f.get("codes").is_none(), "{f}");
    }
    let table = String::from_utf8(
        deferwatch()
            .args(["report", "testdata/sample"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(table.contains("Microsoft 4.7.500: Server busy."), "{table}");
}

#[test]
fn a_large_fleet_is_generated_with_ipv6_vmtas_pools_and_exact_counts() {
    let dir = tempfile::tempdir().unwrap();
    deferwatch()
        .args([
            "generate",
            "--days",
            "1",
            "--rows-per-day",
            "30000",
            "--source-ips",
            "2000",
        ])
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    let path = dir.path().to_str().unwrap();
    let distinct = |by: &str| -> std::collections::BTreeSet<String> {
        hourly_csv(&["--by", by, path])
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap().to_string())
            .filter(|v| !v.is_empty()) // queue-level rows have no pool
            .collect()
    };
    let ips = distinct("source_ip");
    assert!(ips.len() > 1_800, "{} IPs", ips.len());
    assert!(ips.iter().any(|ip| ip.starts_with("2001:db8:25::")));
    assert!(ips.contains("203.0.113.10") && ips.iter().any(|ip| ip.starts_with("198.18.")));
    assert_eq!(distinct("vmta").len(), 250);
    assert_eq!(distinct("pool").len(), 32);
    let ours: Vec<String> = hourly_csv(&["--by", "isp", path])
        .lines()
        .map(|l| l.split(',').take(7).collect::<Vec<_>>().join(","))
        .collect();
    let truth = std::fs::read_to_string(dir.path().join("truth-hourly.txt")).unwrap();
    assert_eq!(ours, truth.lines().collect::<Vec<_>>());
}

#[test]
fn headerless_rows_with_trailing_header_fields_are_read_by_the_default_layout() {
    // PowerMTA's 23 default fields, then three `header_*` fields a record-fields line
    // added; no header line, as in a pipe or a file cut after rotation. A row too short
    // for the layout is still counted as malformed.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("acct-cut.csv");
    let row = |kind: &str, diag: &str, extra: &str| {
        format!(
            "{kind},2026-10-01 10:00:00+0000,2026-10-01 09:59:00+0000,a@example.com,u@gmail.com,,failed,5.0.0 (undefined status),\"{diag}\",gmail-smtp-in.l.google.com (142.250.1.1),bad-mailbox,smtp,,smtp,203.0.113.7,142.250.1.1,PIPELINING,1200,vmta1,job1,,gmail.com/vmta1,pool1{extra}\n"
        )
    };
    let text = [
        row(
            "b",
            "smtp;550 5.1.1 user unknown",
            ",List-Id-x,Subject-y,X-Job-z",
        ),
        row("t", "smtp;421 4.7.0 no PTR record", ",,,"),
        "b,2026-10-01 10:00:00+0000,too,short\n".to_string(),
    ]
    .concat();
    std::fs::write(&log, text).unwrap();
    let csv = hourly_csv(&["--by", "isp,class", log.to_str().unwrap()]);
    assert!(csv.contains(",gmail,user_unknown,"), "{csv}");
    assert!(csv.contains(",gmail,rdns_missing,"), "{csv}");
    let out = deferwatch()
        .args(["report", "--format", "json", "--day", "2026-10-01"])
        .arg(&log)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["input"]["malformed"], 1, "{}", report["input"]);
    assert_eq!(report["input"]["rows"]["b"], 1);
}

#[test]
fn rollup_queues_follow_the_powermta_configs_mx_rollup_list() {
    // Queue-level rows of rollup queues carry no recipient and no MX host: only the
    // rollup name places them.
    let dir = tempfile::tempdir().unwrap();
    let pmta = dir.path().join("pmta.conf");
    std::fs::write(
        &pmta,
        "<mx-rollup-list>\n  mx *.google.com google.rollup\n  mx *.mail.ru mail.rollup\n  mx *.mx.example.net corp.rollup\n</mx-rollup-list>\n",
    )
    .unwrap();
    let config = dir.path().join("deferwatch.toml");
    std::fs::write(
        &config,
        format!("[isp]\npmta_config = {:?}\n", pmta.display().to_string()),
    )
    .unwrap();
    let log = dir.path().join("acct.csv");
    let mut text = String::from("type,timeLogged,dsnStatus,dsnDiag,queue\n");
    for queue in [
        "google.rollup/vmta1",
        "mail.rollup/vmta2",
        "corp.rollup/vmta3",
    ] {
        text.push_str(&format!(
            "tq,2026-10-01 10:00:00+0000,4.4.1 (no answer from host),,{queue}\n"
        ));
    }
    std::fs::write(&log, text).unwrap();
    let csv = hourly_csv(&[
        "--by",
        "isp",
        "--config",
        config.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    let isps: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(isps, ["corp.rollup", "gmail", "mailru"], "{csv}");
    // Without the PowerMTA config, `mail.rollup` and `corp.rollup` name no ISP for sure.
    let csv = hourly_csv(&["--by", "isp", log.to_str().unwrap()]);
    let isps: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(isps, ["gmail", "other"], "{csv}");
}
