//! The store: one SQLite file holding the hourly aggregates and the checkpoint of every
//! file content read into it. An ingest changes it in one transaction: a crash at any
//! point leaves the store as the last complete ingest left it.

pub mod content;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};

use crate::aggregate::{
    AggKey, Aggregates, MORE_UNKNOWN_TEXTS, SOURCE_IP_NOT_KEPT, SampleKey, UnknownKey,
};
use crate::classify::Class;
use crate::error::Error;
use crate::read::checkpoint::Checkpoint;
use crate::read::record::RecordKind;
use content::{Content, ContentTotals};

/// The default store file, in the working directory.
pub const DEFAULT_STORE: &str = "deferwatch.db";
const SCHEMA: &str = include_str!("schema.sql");
const SCHEMA_VERSION: &str = "1";
/// How long an ingest waits for another one on the same store before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

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
}

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

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// Dimension names in the `names` table.
const DIMS: [&str; 5] = ["isp", "source_ip", "vmta", "pool", "unknown_text"];

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
        store
            .conn
            .execute_batch(SCHEMA)
            .map_err(|e| store.error(e))?;
        store.check_version(true)?;
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

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
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
        let store = match store.table_count() {
            Ok(_) => store,
            // A write-ahead log needs its index file (`-shm`) beside the store; in a
            // read-only directory without one, a store with no log to read opens as
            // immutable.
            Err(e) if is_cannot_open(&e) && !wal_path(path).exists() => {
                let store = Store::open_immutable(path)?;
                store.table_count().map_err(|e| store.error(e))?;
                store
            }
            Err(e) => return Err(store.error(e)),
        };
        if store.table_count().map_err(|e| store.error(e))? == 0 {
            return Ok(None);
        }
        store.check_version(false)?;
        Ok(Some(store))
    }

    /// The tables in the store; none while its first ingest has not committed.
    fn table_count(&self) -> rusqlite::Result<i64> {
        self.conn.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
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
        let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| store_error(path, e))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn check_version(&self, writing: bool) -> Result<(), Error> {
        let version: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.error(e))?;
        match version.as_deref() {
            Some(SCHEMA_VERSION) => Ok(()),
            None if writing => {
                self.conn
                    .execute(
                        "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                        [SCHEMA_VERSION],
                    )
                    .map_err(|e| self.error(e))?;
                Ok(())
            }
            None => Err(self.invalid("it has no deferwatch schema version")),
            Some(other) => Err(self.invalid(&format!(
                "it has schema version {other}, this deferwatch reads version {SCHEMA_VERSION}"
            ))),
        }
    }

    fn error(&self, e: rusqlite::Error) -> Error {
        store_error(&self.path, e)
    }

    fn invalid(&self, why: &str) -> Error {
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

    /// The newest hour in the store, if any.
    pub fn newest_hour(&self) -> Result<Option<i64>, Error> {
        self.conn
            .query_row("SELECT MAX(hour) FROM cells", [], |r| r.get(0))
            .map_err(|e| self.error(e))
    }

    /// The hourly aggregates in the store, from `since_hour` on (all without it).
    pub fn load_aggregates(&self, since_hour: Option<i64>) -> Result<Aggregates, Error> {
        self.load_aggregates_inner(since_hour.unwrap_or(i64::MIN))
            .map_err(|e| self.error(e))
    }

    fn load_aggregates_inner(&self, since_hour: i64) -> rusqlite::Result<Aggregates> {
        let mut aggregates = Aggregates::default();
        // Store name id -> id in the aggregates' interner of its dimension.
        let mut ids: Vec<u32> = Vec::new();
        let mut stmt = self.conn.prepare("SELECT id, dim, name FROM names")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let interner = match row.get_ref(1)?.as_str()? {
                "isp" => &mut aggregates.isps,
                "source_ip" => &mut aggregates.source_ips,
                "vmta" => &mut aggregates.vmtas,
                "pool" => &mut aggregates.pools,
                _ => &mut aggregates.unknown_texts,
            };
            let local = interner.intern(row.get_ref(2)?.as_str()?.as_bytes());
            let id = id as usize;
            if ids.len() <= id {
                ids.resize(id + 1, 0);
            }
            ids[id] = local;
        }
        let id = |store_id: i64| ids.get(store_id as usize).copied().unwrap_or(0);
        let cells: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM cells WHERE hour >= ?1",
            [since_hour],
            |r| r.get(0),
        )?;
        aggregates.reserve_cells(cells as usize);
        let mut stmt = self.conn.prepare(
            "SELECT hour, isp, source_ip, vmta, pool, kind, class, count FROM cells
             WHERE hour >= ?1",
        )?;
        let mut rows = stmt.query([since_hour])?;
        while let Some(row) = rows.next()? {
            let Some(kind) = RecordKind::from_id(row.get_ref(5)?.as_str()?) else {
                continue;
            };
            let key = AggKey {
                hour: row.get(0)?,
                isp: id(row.get(1)?),
                source_ip: id(row.get(2)?),
                vmta: id(row.get(3)?),
                pool: id(row.get(4)?),
                kind,
                class: Class::from_id(row.get_ref(6)?.as_str()?),
            };
            let count: i64 = row.get(7)?;
            aggregates.add(key, count as u64);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT hour, isp, text, count FROM unknown WHERE hour >= ?1")?;
        let mut rows = stmt.query([since_hour])?;
        while let Some(row) = rows.next()? {
            let text: i64 = row.get(2)?;
            let key = UnknownKey {
                hour: row.get(0)?,
                isp: id(row.get(1)?),
                source_ip: SOURCE_IP_NOT_KEPT,
                text: if text < 0 {
                    MORE_UNKNOWN_TEXTS
                } else {
                    id(text)
                },
            };
            let count: i64 = row.get(3)?;
            *aggregates.unknown.entry(key).or_insert(0) += count as u64;
        }
        if self.has_table("samples")? {
            let mut stmt = self.conn.prepare(
                "SELECT day, isp, source_ip, class, hash, text FROM samples WHERE day >= ?1",
            )?;
            let mut rows = stmt.query([since_hour.div_euclid(24)])?;
            while let Some(row) = rows.next()? {
                let Some(class) = Class::from_id(row.get_ref(3)?.as_str()?) else {
                    continue;
                };
                let key = SampleKey {
                    day: row.get(0)?,
                    isp: id(row.get(1)?),
                    source_ip: id(row.get(2)?),
                    class,
                };
                let hash: i64 = row.get(4)?;
                let text: String = row.get(5)?;
                aggregates.offer_sample(key, hash as u64, || text);
            }
        }
        Ok(aggregates)
    }

    /// Adds aggregates to the store's counts.
    pub fn add_aggregates(&self, aggregates: &Aggregates) -> Result<(), Error> {
        self.add_aggregates_inner(aggregates)
            .map_err(|e| self.error(e))
    }

    fn add_aggregates_inner(&self, aggregates: &Aggregates) -> rusqlite::Result<()> {
        let interners = [
            &aggregates.isps,
            &aggregates.source_ips,
            &aggregates.vmtas,
            &aggregates.pools,
            &aggregates.unknown_texts,
        ];
        let mut store_ids: Vec<Vec<i64>> = Vec::new();
        let mut insert = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO names (dim, name) VALUES (?1, ?2)")?;
        let mut select = self
            .conn
            .prepare_cached("SELECT id FROM names WHERE dim = ?1 AND name = ?2")?;
        for (dim, interner) in DIMS.iter().zip(interners) {
            let mut ids = Vec::with_capacity(interner.len());
            for id in 0..interner.len() as u32 {
                let name = interner.name(id);
                insert.execute(params![dim, name])?;
                ids.push(select.query_row(params![dim, name], |r| r.get(0))?);
            }
            store_ids.push(ids);
        }
        let [isps, ips, vmtas, pools, texts] = &store_ids[..] else {
            unreachable!("one id list per dimension");
        };
        let mut add_cell = self.conn.prepare_cached(
            "INSERT INTO cells (hour, isp, source_ip, vmta, pool, kind, class, count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT DO UPDATE SET count = count + excluded.count",
        )?;
        // In key order: the table's B-tree is then filled page by page.
        let mut cells: Vec<(AggKey, u64)> = aggregates.cells().collect();
        cells.sort_unstable_by_key(|(key, _)| {
            (
                key.hour,
                isps[key.isp as usize],
                ips[key.source_ip as usize],
                vmtas[key.vmta as usize],
                pools[key.pool as usize],
            )
        });
        for (key, count) in cells {
            add_cell.execute(params![
                key.hour,
                isps[key.isp as usize],
                ips[key.source_ip as usize],
                vmtas[key.vmta as usize],
                pools[key.pool as usize],
                key.kind.id(),
                key.class.map_or("", Class::id),
                count as i64,
            ])?;
        }
        let mut add_unknown = self.conn.prepare_cached(
            "INSERT INTO unknown (hour, isp, text, count) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO UPDATE SET count = count + excluded.count",
        )?;
        for (key, count) in &aggregates.unknown {
            let text = if key.text == MORE_UNKNOWN_TEXTS {
                -1
            } else {
                texts[key.text as usize]
            };
            add_unknown.execute(params![
                key.hour,
                isps[key.isp as usize],
                text,
                *count as i64
            ])?;
        }
        let mut add_sample = self.conn.prepare_cached(
            "INSERT INTO samples (day, isp, source_ip, class, hash, text)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT DO UPDATE SET hash = excluded.hash, text = excluded.text
             WHERE excluded.hash < samples.hash",
        )?;
        for (key, sample) in &aggregates.samples {
            add_sample.execute(params![
                key.day,
                isps[key.isp as usize],
                ips[key.source_ip as usize],
                key.class.id(),
                sample.hash as i64,
                sample.text,
            ])?;
        }
        Ok(())
    }

    /// Whether the store has `table` (stores written by older versions lack newer ones).
    fn has_table(&self, table: &str) -> rusqlite::Result<bool> {
        self.conn.query_row(
            "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
    }

    /// Every content read into the store.
    pub fn contents(&self) -> Result<Vec<Content>, Error> {
        self.contents_inner().map_err(|e| self.error(e))
    }

    fn contents_inner(&self) -> rusqlite::Result<Vec<Content>> {
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
                    .query_row("SELECT MAX(hour) FROM cells", [], |r| r.get(0))?;
            let Some(newest) = newest else {
                return Ok(Pruned::default());
            };
            let newest_day = newest.div_euclid(24).min(today);
            let before_hour = (newest_day - i64::from(keep_days.max(1)) + 1) * 24;
            let cells = self
                .conn
                .execute("DELETE FROM cells WHERE hour < ?1", [before_hour])?;
            self.conn
                .execute("DELETE FROM unknown WHERE hour < ?1", [before_hour])?;
            self.conn.execute(
                "DELETE FROM samples WHERE day < ?1",
                [before_hour.div_euclid(24)],
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
