//! Unattended use: `check` exit codes and summary line, `report --quiet` and `--output`,
//! the Prometheus text format, and the Parquet export.

mod common;

use std::collections::HashSet;
use std::fs;

use assert_cmd::Command;
use common::{ingest_quietly, run_ok};
use polars::prelude::*;
use tempfile::TempDir;

fn deferwatch() -> Command {
    Command::cargo_bin("deferwatch").unwrap()
}

fn check(args: &[&str]) -> (i32, String) {
    let out = deferwatch().arg("check").args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn check_exit_codes_follow_the_monitoring_plugin_convention() {
    let (code, out) = check(&["testdata/sample"]);
    assert_eq!(code, 2, "{out}");
    let summary = out.lines().next().unwrap();
    assert!(
        summary.starts_with("DEFERWATCH CRITICAL - 2026-10-31: "),
        "{summary}"
    );
    assert!(
        summary.contains("microsoft deferral 20.1% (7d avg 9.0%)"),
        "{summary}"
    );
    assert!(
        summary.contains("203.0.113.14 rdns_missing at gmail"),
        "{summary}"
    );
    assert!(
        summary.contains("| 'gmail_deferral'="),
        "perfdata: {summary}"
    );
    assert!(
        out.lines()
            .skip(1)
            .any(|l| l.starts_with("alert: 203.0.113.14:"))
    );

    let (code, out) = check(&["--day", "2026-10-20", "testdata/sample"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("DEFERWATCH WARNING - 2026-10-20: yahoo deferral"),
        "{out}"
    );
    assert!(out.contains("pp/week over 24 days"), "{out}");

    let (code, out) = check(&["testdata/fixtures/no-deferrals.csv"]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.starts_with("DEFERWATCH UNKNOWN - no deferral rows"),
        "{out}"
    );

    let (code, out) = check(&["--store", "/nonexistent/deferwatch.db"]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("does not exist"), "{out}");

    let (code, out) = check(&["--max-age", "26", "testdata/sample"]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("is the ingest running?"), "{out}");
}

#[test]
fn check_is_ok_when_nothing_moved() {
    let dir = TempDir::new().unwrap();
    let config = dir.path().join("lenient.toml");
    fs::write(
        &config,
        "[thresholds]\nwatch_jump_pp = 90.0\nalert_jump_pp = 95.0\nwatch_trend_pp_per_week = 50.0\nalert_trend_pp_per_week = 60.0\nrdns_min_rows = 1000000\n",
    )
    .unwrap();
    let (code, out) = check(&["--config", config.to_str().unwrap(), "testdata/sample"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("DEFERWATCH OK - 2026-10-31: 8 ISP(s) within thresholds |"),
        "{out}"
    );
}

#[test]
fn quiet_reports_print_only_when_something_is_not_ok() {
    let dir = TempDir::new().unwrap();
    let logs = dir.path().to_str().unwrap();
    run_ok(&[
        "generate",
        "--days",
        "9",
        "--rows-per-day",
        "5000",
        "--scenario",
        "quiet",
        "--seed",
        "3",
        "--out",
        logs,
    ]);
    let quiet = run_ok(&["report", "--quiet", logs]);
    assert_eq!(quiet, "");
    let loud = run_ok(&["report", "--quiet", "testdata/sample"]);
    assert!(loud.contains("Findings"), "{loud}");
    // A review day without rows is not a quiet day: it is printed, and the run fails.
    let out = deferwatch()
        .args(["report", "--quiet", "testdata/fixtures/no-deferrals.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("Incomplete data: no rows on the review day"),
        "{printed}"
    );
}

#[test]
fn output_files_are_complete_and_equal_to_stdout() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("review.md");
    fs::write(&file, "yesterday's review").unwrap();
    let printed = run_ok(&["report", "--format", "markdown", "testdata/sample"]);
    let said = run_ok(&[
        "report",
        "--format",
        "markdown",
        "--output",
        file.to_str().unwrap(),
        "testdata/sample",
    ]);
    assert_eq!(said, "");
    assert_eq!(fs::read_to_string(&file).unwrap(), printed);
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["review.md"], "no temporary file is left behind");

    let out = deferwatch()
        .args([
            "hourly",
            "--output",
            "/nonexistent-dir/h.csv",
            "testdata/sample",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("writing /nonexistent-dir/h.csv"));
}

/// Parses the exposition format: (name, labels) -> value, checking each series is unique
/// and each family is announced once, before its samples.
fn parse_prometheus(text: &str) -> Vec<(String, String, f64)> {
    let mut families = HashSet::new();
    let mut series = HashSet::new();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().unwrap();
            assert!(
                families.insert(name.to_string()),
                "family {name} announced twice"
            );
            assert!(rest.ends_with(" gauge"));
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (metric, value) = line.rsplit_once(' ').unwrap();
        let (name, labels) = metric.split_once('{').unwrap();
        assert!(families.contains(name), "sample before its TYPE: {line}");
        assert!(
            series.insert(metric.to_string()),
            "duplicate series {metric}"
        );
        out.push((
            name.to_string(),
            labels.trim_end_matches('}').to_string(),
            value.parse().unwrap(),
        ));
    }
    out
}

#[test]
fn prometheus_metrics_match_the_report() {
    let text = run_ok(&["report", "--format", "prometheus", "testdata/sample"]);
    let samples = parse_prometheus(&text);
    let report: serde_json::Value =
        serde_json::from_str(&run_ok(&["report", "--format", "json", "testdata/sample"])).unwrap();
    let value = |name: &str, labels: &str| {
        samples
            .iter()
            .find(|(n, l, _)| n == name && l == labels)
            .unwrap_or_else(|| panic!("{name}{{{labels}}} missing"))
            .2
    };
    for isp in report["isps"].as_array().unwrap() {
        let labels = format!("isp=\"{}\"", isp["isp"].as_str().unwrap());
        assert_eq!(
            value("deferwatch_isp_attempts", &labels),
            isp["attempts"].as_f64().unwrap()
        );
        assert_eq!(
            value("deferwatch_isp_deferral_rate", &labels),
            isp["deferral_rate"].as_f64().unwrap()
        );
    }
    assert_eq!(
        value(
            "deferwatch_source_ip_class_replies",
            "isp=\"gmail\",source_ip=\"203.0.113.14\",class=\"rdns_missing\""
        ),
        50.0
    );
    assert_eq!(
        value(
            "deferwatch_source_ip_status",
            "isp=\"gmail\",source_ip=\"203.0.113.14\""
        ),
        2.0
    );
    assert_eq!(
        value("deferwatch_report_day_timestamp_seconds", ""),
        1_793_404_800.0
    );

    let hourly = run_ok(&[
        "hourly",
        "--by",
        "isp,source_ip",
        "--format",
        "prometheus",
        "testdata/sample",
    ]);
    let samples = parse_prometheus(&hourly);
    assert!(
        samples
            .iter()
            .any(|(n, l, _)| n == "deferwatch_hourly_deferral_rate"
                && l == "isp=\"gmail\",source_ip=\"203.0.113.14\"")
    );
    assert!(samples.contains(&(
        "deferwatch_hourly_timestamp_seconds".into(),
        String::new(),
        1_793_487_600.0
    )));
}

#[test]
fn parquet_export_holds_every_row_partitioned_by_day() {
    let dir = TempDir::new().unwrap();
    let store = dir.path().join("s.db");
    let out = dir.path().join("parquet");
    ingest_quietly(&store, &["testdata/sample"]);
    run_ok(&[
        "export",
        "--store",
        store.to_str().unwrap(),
        "--format",
        "parquet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let mut days: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    days.sort();
    assert_eq!(days.len(), 35);
    assert_eq!(days[0], "day=2026-09-27");
    assert_eq!(days[34], "day=2026-10-31");
    let truth: serde_json::Value =
        serde_json::from_str(&fs::read_to_string("testdata/sample/truth.json").unwrap()).unwrap();
    let mut totals = [0i64; 4];
    for day in &days {
        let file = fs::File::open(out.join(day).join("part-0.parquet")).unwrap();
        let frame = ParquetReader::new(file).finish().unwrap();
        let hour = frame.column("hour").unwrap();
        assert!(matches!(
            hour.dtype(),
            DataType::Datetime(TimeUnit::Milliseconds, _)
        ));
        for (i, name) in ["delivered", "deferred", "bounced", "queue_deferrals"]
            .iter()
            .enumerate()
        {
            totals[i] += frame
                .column(name)
                .unwrap()
                .i64()
                .unwrap()
                .sum()
                .unwrap_or(0);
        }
    }
    let rows = &truth["rows"];
    assert_eq!(totals[0], rows["d"].as_i64().unwrap());
    assert_eq!(totals[1], rows["t"].as_i64().unwrap());
    assert_eq!(totals[2], rows["b"].as_i64().unwrap());
    assert_eq!(totals[3], rows["tq"].as_i64().unwrap());
}

/// Copies the acct files of `from` into `to`, keeping only the rows logged before `cut`:
/// the logs as they stand at that moment.
fn logs_until(from: &std::path::Path, to: &std::path::Path, cut: chrono::DateTime<chrono::Utc>) {
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(&path)
            .unwrap();
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_path(to.join(path.file_name().unwrap()))
            .unwrap();
        for record in reader.records() {
            let record = record.unwrap();
            if &record[0] != "type" {
                let logged =
                    chrono::DateTime::parse_from_str(&record[1], "%Y-%m-%d %H:%M:%S%z").unwrap();
                if logged >= cut {
                    continue;
                }
            }
            writer.write_record(&record).unwrap();
        }
    }
}

#[test]
fn check_last_pages_during_a_spike_and_while_a_ptr_loss_lasts() {
    let dir = TempDir::new().unwrap();
    let all = dir.path().join("all");
    let out = all.to_str().unwrap();
    run_ok(&[
        "generate",
        "--days",
        "9",
        "--rows-per-day",
        "30000",
        "--seed",
        "11",
        "--out",
        out,
    ]);
    // The generated throttling spike at microsoft starts at 13:00 UTC on the last day.
    let at = |h: u32, m: u32| {
        chrono::NaiveDate::from_ymd_opt(2026, 10, 31)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
            .and_utc()
    };
    let before = dir.path().join("before");
    let during = dir.path().join("during");
    for (logs, cut) in [(&before, at(12, 0)), (&during, at(14, 30))] {
        fs::create_dir(logs).unwrap();
        logs_until(&all, logs, cut);
    }

    // An hour before the spike, only the PTR loss still under way since five days pages:
    // an incident that has not recovered stays CRITICAL until it does.
    let (code, out) = check(&["--last", "3h", before.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.starts_with(
            "DEFERWATCH CRITICAL - last 3h to 2026-10-31 12:00 UTC: 203.0.113.14 at gmail rdns_missing since 2026-10-26 00:00 UTC"
        ),
        "{out}"
    );
    assert!(!out.contains("microsoft deferral"), "{out}");

    // 90 minutes into the spike: CRITICAL, naming microsoft and the class driving it.
    let (code, out) = check(&["--last", "3h", during.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.starts_with("DEFERWATCH CRITICAL - last 3h to 2026-10-31 15:00 UTC: microsoft"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("alert: microsoft") && l.contains("mostly rate_limited")),
        "{out}"
    );

    let (code, out) = check(&["--last", "2d", during.to_str().unwrap()]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("1 to 24 hours"), "{out}");
}
