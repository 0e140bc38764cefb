//! What the store remembers of each file content it read: where the next read resumes,
//! how to recognise the content again, and the running totals the input summary shows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::read::checkpoint::Checkpoint;
use crate::read::record::RecordKind;
use crate::read::stats::{FileStats, MalformedReason};
use crate::read::time::EpochSeconds;

/// One file content read into the store. A log file, its renamed copy and its compressed
/// archive are one content: they start with the same bytes.
#[derive(Debug, Clone)]
pub struct Content {
    /// Row id in the store (0 until first saved).
    pub id: i64,
    /// The path it was last read from.
    pub name: String,
    /// Length and hash of its first bytes.
    pub head_len: u64,
    pub head_hash: i64,
    /// Where the next read resumes.
    pub end: Checkpoint,
    pub totals: ContentTotals,
    /// The ingest run that last saw it.
    pub last_run: i64,
}

/// Running totals over every read of one content.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ContentTotals {
    pub bytes: u64,
    pub rows: BTreeMap<String, u64>,
    pub malformed: BTreeMap<MalformedReason, u64>,
    pub first: Option<EpochSeconds>,
    pub last: Option<EpochSeconds>,
    pub time_fallback: Option<String>,
    /// The last read ended in a partial row.
    pub partial_last_line: bool,
}

impl ContentTotals {
    /// Adds one read of the content.
    pub fn add(&mut self, read: &FileStats) {
        self.bytes += read.bytes;
        for (kind, count) in &read.rows {
            *self.rows.entry(kind.to_string()).or_insert(0) += count;
        }
        for (reason, count) in &read.malformed {
            *self.malformed.entry(*reason).or_insert(0) += count;
        }
        self.first = min_option(self.first, read.first);
        self.last = self.last.max(read.last);
        if let Some(column) = read.time_fallback {
            self.time_fallback = Some(column.to_string());
        }
        self.partial_last_line = read.partial_last_line;
    }

    /// The totals as the stats of one file, for the input summary of a report.
    pub fn to_file_stats(&self, name: &str) -> FileStats {
        let mut stats = FileStats::new(name.to_string());
        stats.bytes = self.bytes;
        for (id, count) in &self.rows {
            if let Some(kind) = RecordKind::from_id(id) {
                *stats.rows.entry(kind.id()).or_insert(0) += count;
            }
        }
        stats.malformed = self.malformed.clone();
        stats.first = self.first;
        stats.last = self.last;
        stats.time_fallback = match self.time_fallback.as_deref() {
            Some("timeQueued") => Some("timeQueued"),
            Some("timeImprinted") => Some("timeImprinted"),
            _ => None,
        };
        stats.partial_last_line = self.partial_last_line;
        stats
    }
}

fn min_option(a: Option<EpochSeconds>, b: Option<EpochSeconds>) -> Option<EpochSeconds> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
