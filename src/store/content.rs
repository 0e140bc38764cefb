//! What the store remembers of each file content it read: where the next read resumes,
//! how to recognise the content again, and the running totals the input summary shows.

use std::collections::{BTreeMap, HashMap};

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::Store;
use crate::error::Error;
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

/// The identity of a file on disk when it was last read to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileState {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime_ns: i64,
}

impl FileState {
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> FileState {
        use std::os::unix::fs::MetadataExt;
        FileState {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
        }
    }

    /// The UTC day (since the epoch) the file was last modified.
    pub fn modified_day(&self) -> i64 {
        self.mtime_ns.div_euclid(86_400 * 1_000_000_000)
    }
}

impl Store {
    /// Every content read into the store.
    pub fn contents(&self) -> Result<Vec<Content>, Error> {
        self.contents_inner().map_err(|e| self.error(e))
    }

    pub(super) fn contents_inner(&self) -> rusqlite::Result<Vec<Content>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name, head_len, head_hash, offset, line, header, tail_len, tail_hash,
                    stats, last_run
             FROM streams ORDER BY id",
        )?;
        let rows = stmt.query_map([], |row| {
            let stats: String = row.get(9)?;
            Ok(Content {
                id: row.get(0)?,
                name: row.get(1)?,
                head_len: row.get::<_, i64>(2)? as u64,
                head_hash: row.get(3)?,
                end: Checkpoint {
                    offset: row.get::<_, i64>(4)? as u64,
                    line: row.get::<_, i64>(5)? as u64,
                    header: row.get(6)?,
                    tail_len: row.get::<_, i64>(7)? as u64,
                    tail_hash: row.get(8)?,
                },
                totals: serde_json::from_str::<ContentTotals>(&stats).unwrap_or_default(),
                last_run: row.get(10)?,
            })
        })?;
        rows.collect()
    }

    /// Saves a content (inserting it when new, which sets its id).
    pub fn save_content(&self, content: &mut Content) -> Result<(), Error> {
        let stats = serde_json::to_string(&content.totals).expect("totals serialize");
        let values = params![
            content.name,
            content.head_len as i64,
            content.head_hash,
            content.end.offset as i64,
            content.end.line as i64,
            content.end.header,
            content.end.tail_len as i64,
            content.end.tail_hash,
            stats,
            content.last_run,
        ];
        let result = if content.id == 0 {
            self.conn
                .execute(
                    "INSERT INTO streams (name, head_len, head_hash, offset, line, header,
                         tail_len, tail_hash, stats, last_run)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    values,
                )
                .map(|_| content.id = self.conn.last_insert_rowid())
        } else {
            let mut all = values.to_vec();
            all.push(&content.id);
            self.conn
                .execute(
                    "UPDATE streams SET name = ?1, head_len = ?2, head_hash = ?3, offset = ?4,
                         line = ?5, header = ?6, tail_len = ?7, tail_hash = ?8, stats = ?9,
                         last_run = ?10
                     WHERE id = ?11",
                    &all[..],
                )
                .map(|_| ())
        };
        result.map_err(|e| self.error(e))
    }

    /// Records that run `run` saw a content unchanged (so pruning keeps it).
    pub fn mark_seen(&self, content: i64, run: i64) -> Result<(), Error> {
        self.conn
            .execute(
                "UPDATE streams SET last_run = ?1 WHERE id = ?2",
                params![run, content],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// The state of every path when it was last read to its end, with its content id.
    pub fn file_states(&self) -> Result<HashMap<String, (FileState, i64)>, Error> {
        let read = || -> rusqlite::Result<HashMap<String, (FileState, i64)>> {
            let mut stmt = self
                .conn
                .prepare("SELECT path, dev, ino, size, mtime_ns, stream FROM files")?;
            let rows = stmt.query_map([], |row| {
                let state = FileState {
                    dev: row.get::<_, i64>(1)? as u64,
                    ino: row.get::<_, i64>(2)? as u64,
                    size: row.get::<_, i64>(3)? as u64,
                    mtime_ns: row.get(4)?,
                };
                Ok((row.get(0)?, (state, row.get(5)?)))
            })?;
            rows.collect()
        };
        read().map_err(|e| self.error(e))
    }

    pub fn save_file_state(&self, path: &str, state: FileState, content: i64) -> Result<(), Error> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO files (path, dev, ino, size, mtime_ns, stream)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    path,
                    state.dev as i64,
                    state.ino as i64,
                    state.size as i64,
                    state.mtime_ns,
                    content
                ],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }
}
