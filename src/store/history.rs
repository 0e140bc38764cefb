//! The store's history: retention (pruning old days), the runs of ingest, and the inputs the
//! last ingest could not read.

use rusqlite::params;

use super::Store;
use crate::error::Error;

/// What pruning removed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pruned {
    pub cells: u64,
    /// The first hour kept (hours since the epoch).
    pub before_hour: i64,
}

/// Totals of one ingest run, kept in the store's history.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunTotals {
    pub files_read: u64,
    pub files_unchanged: u64,
    pub bytes_read: u64,
    pub rows: u64,
    pub pruned_cells: u64,
}

/// An input an ingest could not read or decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableInput {
    pub path: String,
    pub error: String,
    /// The UTC day (since the epoch) the file was last modified: it holds no row after it.
    pub modified_day: i64,
}

impl Store {
    /// The next run number (one more than the last recorded run).
    pub fn next_run(&self) -> Result<i64, Error> {
        self.conn
            .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM runs", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.error(e))
    }

    /// Removes the aggregates of UTC days more than `keep_days` before the newest day in
    /// the store (or before `today`, days since the epoch, when that is earlier: a row
    /// from a wrong clock never decides what goes), and the contents whose rows all lie
    /// before them and that `run` did not see.
    pub fn prune(&self, keep_days: u32, today: i64, run: i64) -> Result<Pruned, Error> {
        let prune = || -> rusqlite::Result<Pruned> {
            let newest: Option<i64> =
                self.conn
                    .query_row("SELECT MAX(hour) FROM hours", [], |r| r.get(0))?;
            let Some(newest) = newest else {
                return Ok(Pruned::default());
            };
            let newest_day = newest.div_euclid(24).min(today);
            let before_hour = (newest_day - i64::from(keep_days.max(1)) + 1) * 24;
            let cells: i64 = self.conn.query_row(
                "SELECT COALESCE(SUM(cells), 0) FROM hours WHERE hour < ?1",
                [before_hour],
                |r| r.get(0),
            )?;
            self.conn
                .execute("DELETE FROM hours WHERE hour < ?1", [before_hour])?;
            self.conn
                .execute("DELETE FROM unknown WHERE hour < ?1", [before_hour])?;
            self.conn.execute(
                "DELETE FROM samples WHERE day < ?1",
                [before_hour.div_euclid(24)],
            )?;
            self.conn.execute(
                "DELETE FROM sample_texts WHERE hash NOT IN (SELECT hash FROM samples)",
                [],
            )?;
            self.conn.execute(
                "DELETE FROM names WHERE dim = 'unknown_text'
                   AND id NOT IN (SELECT text FROM unknown)",
                [],
            )?;
            let mut old = Vec::new();
            for content in self.contents_inner()? {
                let last_hour = content.totals.last.map_or(i64::MIN, |t| t.div_euclid(3600));
                if content.last_run < run && last_hour < before_hour {
                    old.push(content.id);
                }
            }
            for id in old {
                self.conn
                    .execute("DELETE FROM streams WHERE id = ?1", [id])?;
                self.conn
                    .execute("DELETE FROM files WHERE stream = ?1", [id])?;
            }
            Ok(Pruned {
                cells: cells as u64,
                before_hour,
            })
        };
        prune().map_err(|e| self.error(e))
    }

    /// Replaces the list of inputs the last ingest could not read with this run's.
    pub fn record_unreadable(&self, inputs: &[UnreadableInput]) -> Result<(), Error> {
        let record = || -> rusqlite::Result<()> {
            self.conn.execute("DELETE FROM unreadable", [])?;
            let mut insert = self.conn.prepare_cached(
                "INSERT OR REPLACE INTO unreadable (path, error, modified_day) VALUES (?1, ?2, ?3)",
            )?;
            for input in inputs {
                insert.execute(params![input.path, input.error, input.modified_day])?;
            }
            Ok(())
        };
        record().map_err(|e| self.error(e))
    }

    /// The inputs the last ingest could not read (none in stores written before the list
    /// was kept).
    pub fn unreadable(&self) -> Result<Vec<UnreadableInput>, Error> {
        let read = || -> rusqlite::Result<Vec<UnreadableInput>> {
            if !self.has_table("unreadable")? {
                return Ok(Vec::new());
            }
            let mut stmt = self
                .conn
                .prepare("SELECT path, error, modified_day FROM unreadable ORDER BY path")?;
            let rows = stmt.query_map([], |row| {
                Ok(UnreadableInput {
                    path: row.get(0)?,
                    error: row.get(1)?,
                    modified_day: row.get(2)?,
                })
            })?;
            rows.collect()
        };
        read().map_err(|e| self.error(e))
    }

    /// Records a finished run in the store's history.
    pub fn record_run(&self, run: i64, totals: &RunTotals) -> Result<(), Error> {
        let finished = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.conn
            .execute(
                "INSERT INTO runs (id, finished, files_read, files_unchanged, bytes_read, rows,
                     pruned_cells)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    run,
                    finished,
                    totals.files_read as i64,
                    totals.files_unchanged as i64,
                    totals.bytes_read as i64,
                    totals.rows as i64,
                    totals.pruned_cells as i64
                ],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }
}
