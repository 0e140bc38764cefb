//! Snapshot tests of every output format on the shipped sample.

mod common;

use common::run_ok as run;

/// Absolute paths differ between machines.
fn portable(text: String) -> String {
    let here = std::env::current_dir().unwrap().display().to_string();
    text.replace(&here, "<repo>")
}

#[test]
fn report_formats() {
    for format in ["table", "markdown", "json", "csv", "prometheus", "html"] {
        let out = run(&[
            "report",
            "--day",
            "2026-10-31",
            "--format",
            format,
            "testdata/sample",
        ]);
        insta::assert_snapshot!(format!("report_{format}"), portable(out));
    }
}

#[test]
fn hourly_formats() {
    for format in ["csv", "json", "table", "markdown", "prometheus", "html"] {
        let out = run(&[
            "hourly",
            "--by",
            "isp,class",
            "--from",
            "2026-10-31T13:00:00Z",
            "--to",
            "2026-10-31T15:00:00Z",
            "--format",
            format,
            "testdata/sample",
        ]);
        insta::assert_snapshot!(format!("hourly_{format}"), portable(out));
    }
}

#[test]
fn report_in_a_time_zone() {
    // Day boundaries and displayed times follow --tz; machine formats stay UTC.
    for format in ["table", "json"] {
        let out = run(&[
            "report",
            "--day",
            "2026-10-30",
            "--tz",
            "America/New_York",
            "--format",
            format,
            "testdata/sample",
        ]);
        insta::assert_snapshot!(format!("report_new_york_{format}"), portable(out));
    }
}
