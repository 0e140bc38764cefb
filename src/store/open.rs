//! Opening a store: for an ingest (created if missing, locked, checked for damage, migrated,
//! in write-ahead-log mode), or to read it (the last committed ingest, whatever a writer is
//! doing or left behind).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};

use super::{LOCK_WAIT, Store, error_code, store_error};
use crate::error::Error;

impl Store {
    /// Opens a store for an ingest, creating it if missing, and takes its write lock
    /// (waiting up to [`LOCK_WAIT`] for another ingest to finish). Nothing is changed on
    /// disk until [`Store::commit`].
    pub fn open_for_ingest(path: &Path) -> Result<Store, Error> {
        let store = Store::open(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )?;
        store
            .conn
            .busy_timeout(LOCK_WAIT)
            .map_err(|e| store.error(e))?;
        // Write-ahead logging: a reader always sees the last committed ingest, even while
        // an ingest writes or after one was killed or stopped by a full disk (a rollback
        // journal left behind would need a writer to roll it back first). The mode is kept
        // in the file, so older stores switch on their next ingest.
        store
            .conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| store.error(e))?;
        match store.conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => {}
            Err(e) if error_code(&e) == Some(ErrorCode::DatabaseBusy) => {
                return Err(Error::StoreBusy {
                    path: path.display().to_string(),
                    waited: LOCK_WAIT.as_secs(),
                });
            }
            Err(e) => return Err(store.error(e)),
        }
        store.check_integrity()?;
        store.migrate()?;
        store.give_id(path)?;
        Ok(store)
    }

    /// Gives a store its id once, when it is created (or first written by a version that
    /// keeps ids): the same store named twice, even by two paths, is then counted once.
    fn give_id(&self, path: &Path) -> Result<(), Error> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let seed = format!("{nanos} {} {}", std::process::id(), path.display());
        let id = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(seed.as_bytes()));
        self.conn
            .execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?1)",
                [id],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// The store's id; `None` for a store no ingest has written since ids were kept.
    pub fn id(&self) -> Result<Option<String>, Error> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'store_id'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.error(e))
    }

    /// A store that fails SQLite's quick integrity check is never written to: an ingest
    /// would add counts to pages it cannot trust.
    fn check_integrity(&self) -> Result<(), Error> {
        let result: Result<Vec<String>, rusqlite::Error> = (|| {
            let mut stmt = self.conn.prepare("PRAGMA quick_check")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect()
        })();
        let problems = match result {
            Ok(lines) if lines == ["ok"] => return Ok(()),
            Ok(lines) => lines.into_iter().take(3).collect::<Vec<_>>().join("; "),
            Err(e) if error_code(&e) == Some(ErrorCode::DatabaseCorrupt) => e.to_string(),
            Err(e) => return Err(self.error(e)),
        };
        Err(self.corrupt(&problems))
    }

    fn corrupt(&self, problems: &str) -> Error {
        let path = self.path.display();
        Error::Store {
            path: path.to_string(),
            message: format!(
                "fails SQLite's integrity check ({problems}); it was not written to. Rebuild it \
                 from the logs: `mv {path} {path}.corrupt && deferwatch ingest --store {path} \
                 /var/log/pmta`"
            ),
        }
    }

    /// Opens an existing store to read it. `None` for a store that has no data yet: its
    /// first ingest has not committed.
    pub fn open_read_only(path: &Path) -> Result<Option<Store>, Error> {
        if !path.exists() {
            return Err(Error::StoreMissing(path.display().to_string()));
        }
        let store = Store::open(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        store
            .conn
            .busy_timeout(LOCK_WAIT)
            .map_err(|e| store.error(e))?;
        let store = match store.has_no_table() {
            Ok(_) => store,
            // A write-ahead log needs its index file (`-shm`) beside the store; in a
            // read-only directory without one, a store with no log to read opens as
            // immutable.
            Err(e) if is_cannot_open(&e) && !wal_path(path).exists() => {
                let store = Store::open_immutable(path)?;
                store.has_no_table().map_err(|e| store.error(e))?;
                store
            }
            Err(e) => return Err(store.error(e)),
        };
        if store.has_no_table().map_err(|e| store.error(e))? {
            return Ok(None);
        }
        store.check_readable(store.schema_version()?)?;
        Ok(Some(store))
    }

    fn open_immutable(path: &Path) -> Result<Store, Error> {
        let uri = format!(
            "file:{}?immutable=1",
            uri_path(&path.canonicalize().unwrap_or_else(|_| path.to_path_buf()))
        );
        let conn = Connection::open_with_flags(
            uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| store_error(path, e))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn open(path: &Path, flags: OpenFlags) -> Result<Store, Error> {
        // SQLite would wait forever on a FIFO and read a device as a database.
        if let Ok(meta) = std::fs::metadata(path)
            && !meta.is_file()
        {
            return Err(Error::Store {
                path: path.display().to_string(),
                message: "not a regular file (a directory, FIFO or device?); give the store's file"
                    .into(),
            });
        }
        let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| store_error(path, e))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub(super) fn invalid(&self, why: &str) -> Error {
        Error::Store {
            path: self.path.display().to_string(),
            message: format!("not a deferwatch store: {why}"),
        }
    }

    /// Records `value` under `key` in the store's metadata; returns the previous value.
    pub fn swap_meta(&self, key: &str, value: &str) -> Result<Option<String>, Error> {
        let swap = || -> rusqlite::Result<Option<String>> {
            let old = self
                .conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()?;
            self.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                [key, value],
            )?;
            Ok(old)
        };
        swap().map_err(|e| self.error(e))
    }

    /// Makes every change of this ingest durable, at once.
    pub fn commit(self) -> Result<(), Error> {
        self.conn.execute_batch("COMMIT").map_err(|e| self.error(e))
    }
}

/// The write-ahead log beside a store.
fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// A path as the path part of an SQLite URI: `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

fn is_cannot_open(e: &rusqlite::Error) -> bool {
    matches!(
        error_code(e),
        Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::PermissionDenied)
    )
}
