//! The store: one SQLite file holding the hourly aggregates and the checkpoint of every
//! file content read into it. An ingest changes it in one transaction: a crash at any
//! point leaves the store as the last complete ingest left it.
//!
//! In parts: [`open`] (opening, locking, integrity, the write-ahead log), [`migrate`]
//! (numbered schema migrations), [`cells`] (the aggregates, hours packed by [`packed`]),
//! [`content`] (checkpoints and file states), [`history`] (retention, runs, unreadable
//! inputs).

pub mod cells;
pub mod content;
pub mod history;
pub mod migrate;
pub mod open;
pub mod packed;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode};

use crate::error::Error;
pub use content::FileState;
pub use history::{Pruned, RunTotals, UnreadableInput};

/// The default store file, in the working directory.
pub const DEFAULT_STORE: &str = "deferwatch.db";
/// How long an ingest waits for another one on the same store before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn error(&self, e: rusqlite::Error) -> Error {
        store_error(&self.path, e)
    }

    /// Whether the store has `table` (stores written by older versions lack newer ones).
    pub(super) fn has_table(&self, table: &str) -> rusqlite::Result<bool> {
        self.conn.query_row(
            "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
    }
}

fn error_code(e: &rusqlite::Error) -> Option<ErrorCode> {
    match e {
        rusqlite::Error::SqliteFailure(failure, _) => Some(failure.code),
        _ => None,
    }
}

/// A store error that says what happened and what to do.
fn store_error(path: &Path, e: rusqlite::Error) -> Error {
    let path = path.display().to_string();
    let message = match error_code(&e) {
        Some(ErrorCode::DiskFull) => {
            "the disk is full; nothing was written and the store still holds the last complete \
             ingest. Free some space and run again"
                .to_string()
        }
        Some(ErrorCode::ReadOnly)
        | Some(ErrorCode::CannotOpen)
        | Some(ErrorCode::PermissionDenied) => format!(
            "cannot write or open it ({e}); check that the file and its directory exist and \
             are writable (an ingest creates a journal file next to the store). The store is \
             unchanged"
        ),
        Some(ErrorCode::NotADatabase) => "not a deferwatch store (not an SQLite database)".into(),
        Some(ErrorCode::DatabaseCorrupt) => format!(
            "it is damaged ({e}). Rebuild it from the logs: `mv {path} {path}.corrupt && \
             deferwatch ingest --store {path} /var/log/pmta`"
        ),
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
            "the store is locked by another deferwatch process; try again when it is done".into()
        }
        _ => e.to_string(),
    };
    Error::Store { path, message }
}
