//! What reading an input found: rows by type, malformed rows by reason, time span.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::checkpoint::Checkpoint;
use super::record::RecordKind;
use super::time::EpochSeconds;

/// How many problems per file are kept with their line numbers (the rest are only counted).
pub const ISSUES_KEPT_PER_FILE: usize = 5;

/// Why a row could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MalformedReason {
    WrongFieldCount,
    BadTime,
    UnknownType,
    NoTimeColumn,
    RowTooLong,
    TimeOutOfRange,
    UnbalancedQuote,
}

impl MalformedReason {
    pub fn describe(self) -> &'static str {
        match self {
            MalformedReason::WrongFieldCount => "wrong number of fields for the header",
            MalformedReason::BadTime => "time field is not an ISO time or time_t",
            MalformedReason::UnknownType => "unknown record type",
            MalformedReason::NoTimeColumn => "header has no timeLogged/timeQueued column",
            MalformedReason::RowTooLong => {
                "row longer than 256 KiB (an unbalanced quote?); skipped to the next line"
            }
            MalformedReason::TimeOutOfRange => {
                "time before 2000 or too far ahead of this machine's clock (a wrong clock?); not counted"
            }
            MalformedReason::UnbalancedQuote => {
                "a quote opened in this row never closes before the next row starts (a truncated or hand-edited line); skipped to the next row"
            }
        }
    }
}

/// One reported problem: where, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Issue {
    pub line: u64,
    pub reason: MalformedReason,
}

/// What one input contained.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileStats {
    pub name: String,
    pub bytes: u64,
    pub rows: BTreeMap<&'static str, u64>,
    /// Rows counted while reading, by kind, before [`FileStats::settle_rows`] adds them to
    /// `rows`: an array is cheaper per row than a map.
    #[serde(skip)]
    counting: [u64; RecordKind::COUNT],
    pub malformed: BTreeMap<MalformedReason, u64>,
    pub issues: Vec<Issue>,
    /// The file ended in the middle of a row (it is probably still being written); that
    /// row was not counted.
    pub partial_last_line: bool,
    /// Set when rows were timed by a column other than `timeLogged`.
    pub time_fallback: Option<&'static str>,
    pub first: Option<EpochSeconds>,
    pub last: Option<EpochSeconds>,
    /// The input does not look like an acct file (no `type` header, no known record type
    /// in its first row); it was skipped.
    pub not_acct: bool,
    /// An I/O or decompression error that stopped reading this input early.
    pub read_error: Option<String>,
    /// The content before the checkpoint of an earlier read changed (the file was
    /// truncated or rewritten in place); the file was not read.
    pub changed: Option<String>,
    /// Where the next read of this content resumes.
    #[serde(skip)]
    pub end: Checkpoint,
}

impl FileStats {
    pub fn new(name: String) -> Self {
        FileStats {
            name,
            ..Default::default()
        }
    }

    pub fn count_row(&mut self, kind: RecordKind, time: EpochSeconds) {
        self.counting[kind as usize] += 1;
        self.first = Some(self.first.map_or(time, |f| f.min(time)));
        self.last = Some(self.last.map_or(time, |l| l.max(time)));
    }

    /// Adds the rows counted by [`FileStats::count_row`] to `rows`.
    pub fn settle_rows(&mut self) {
        for kind in RecordKind::ALL {
            let counted = std::mem::take(&mut self.counting[kind as usize]);
            if counted > 0 {
                *self.rows.entry(kind.id()).or_insert(0) += counted;
            }
        }
    }

    pub fn count_malformed(&mut self, line: u64, reason: MalformedReason) {
        *self.malformed.entry(reason).or_insert(0) += 1;
        if self.issues.len() < ISSUES_KEPT_PER_FILE {
            self.issues.push(Issue { line, reason });
        }
    }

    pub fn malformed_total(&self) -> u64 {
        self.malformed.values().sum()
    }
}
