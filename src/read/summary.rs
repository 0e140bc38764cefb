//! What reading found, summed for reports: the `input` section every report carries (files,
//! rows by type, malformed rows, problems per file) and the per-file warnings for stderr.

use std::collections::BTreeMap;

use serde::Serialize;

use super::stats::{FileStats, MalformedReason};
use crate::timefmt::UtcTime;

/// The PowerMTA config lines that enable deferral records.
pub const ENABLE_DEFERRAL_RECORDS: &str = "<acct-file /var/log/pmta/diag.csv>\n    records t,tq\n    move-interval 1d\n    delete-after 60d\n</acct-file>";

const NOT_ACCT: &str =
    "skipped: not a PowerMTA acct file (first row is neither a `type` header nor a record)";

/// A file with something to report about it.
#[derive(Debug, Clone, Serialize)]
pub struct FileProblem {
    pub file: String,
    pub problem: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputSummary {
    pub files: usize,
    pub bytes: u64,
    /// Rows by record type (`d`, `b`, `t`, `tq`, `other` for r/f/rb/rs).
    pub rows: BTreeMap<&'static str, u64>,
    /// Rows that could not be used, in total.
    pub malformed: u64,
    pub malformed_by_reason: BTreeMap<MalformedReason, u64>,
    /// Files that ended in a partial row (still being written); that row was not counted.
    pub partial_last_lines: usize,
    pub first: Option<UtcTime>,
    pub last: Option<UtcTime>,
    /// Whether any `t` or `tq` rows were seen; without them there is no deferral rate.
    pub has_deferral_rows: bool,
    pub problems: Vec<FileProblem>,
}

impl InputSummary {
    pub fn from_files(files: &[FileStats]) -> Self {
        let mut rows = BTreeMap::new();
        let mut malformed_by_reason = BTreeMap::new();
        let mut problems = Vec::new();
        for file in files {
            for (kind, count) in &file.rows {
                *rows.entry(*kind).or_insert(0) += count;
            }
            for (reason, count) in &file.malformed {
                *malformed_by_reason.entry(*reason).or_insert(0) += count;
            }
            problems.extend(describe_problems(file));
        }
        let deferral_rows =
            rows.get("t").copied().unwrap_or(0) + rows.get("tq").copied().unwrap_or(0);
        InputSummary {
            files: files.len(),
            bytes: files.iter().map(|f| f.bytes).sum(),
            rows,
            malformed: malformed_by_reason.values().sum(),
            malformed_by_reason,
            partial_last_lines: files.iter().filter(|f| f.partial_last_line).count(),
            first: files.iter().filter_map(|f| f.first).min().map(UtcTime),
            last: files.iter().filter_map(|f| f.last).max().map(UtcTime),
            has_deferral_rows: deferral_rows > 0,
            problems,
        }
    }

    pub fn total_rows(&self) -> u64 {
        self.rows.values().sum()
    }
}

fn describe_problems(file: &FileStats) -> Vec<FileProblem> {
    let mut out = Vec::new();
    let mut push = |problem: String| {
        out.push(FileProblem {
            file: file.name.clone(),
            problem,
        })
    };
    if let Some(error) = &file.read_error {
        push(format!("reading stopped early: {error}"));
    }
    if file.not_acct {
        push(NOT_ACCT.into());
    }
    if file.partial_last_line {
        push("ends in a partial row (still being written?); that row is not counted yet".into());
    }
    if let Some(column) = file.time_fallback {
        push(format!("no timeLogged column; rows timed by {column}"));
    }
    for (reason, count) in &file.malformed {
        push(format!("{count} row(s) skipped: {}", reason.describe()));
    }
    out
}

/// Warnings for stderr: each file's first problems with line numbers.
pub fn warnings(files: &[FileStats]) -> Vec<String> {
    let mut out = Vec::new();
    for file in files {
        for issue in &file.issues {
            out.push(format!(
                "{}:{}: skipped row: {}",
                file.name,
                issue.line,
                issue.reason.describe()
            ));
        }
        let shown = file.issues.len() as u64;
        let total = file.malformed_total();
        if total > shown {
            out.push(format!(
                "{}: {} more skipped row(s)",
                file.name,
                total - shown
            ));
        }
        if file.partial_last_line {
            out.push(format!(
                "{}: ends in a partial row (file still being written?); that row is not counted",
                file.name
            ));
        }
        if let Some(column) = file.time_fallback {
            out.push(format!(
                "{}: no timeLogged column; using {column} for row times",
                file.name
            ));
        }
        if let Some(error) = &file.read_error {
            out.push(format!("{}: reading stopped early: {error}", file.name));
        }
        if file.not_acct {
            out.push(format!("{}: {NOT_ACCT}", file.name));
        }
    }
    out
}
