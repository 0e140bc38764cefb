//! Numbered schema migrations. A store records in `meta` the number of the last migration
//! applied (`schema_version`); an ingest applies the ones after it, in its transaction, so
//! a store is upgraded in place and never half-way. Readers read every version up to the
//! latest (tables a migration adds are optional to them) and refuse newer ones.

use rusqlite::OptionalExtension;

use super::Store;
use crate::error::Error;

/// A migration's step beyond its SQL.
type Step = fn(&Store) -> Result<(), Error>;

/// Every migration, in order, by number, with what it does beyond its SQL. Each is
/// idempotent (`IF NOT EXISTS`): version 1 stores written after samples were kept already
/// have the table of migration 2.
const MIGRATIONS: [(u32, &str, Option<Step>); 4] = [
    (1, include_str!("schema/1-base.sql"), None),
    (2, include_str!("schema/2-samples.sql"), None),
    (3, include_str!("schema/3-unreadable.sql"), None),
    (
        4,
        include_str!("schema/4-packed-hours.sql"),
        Some(Store::pack_cells_table),
    ),
];

/// The schema version this build writes.
pub const LATEST: u32 = MIGRATIONS[MIGRATIONS.len() - 1].0;

impl Store {
    /// The store's schema version: 0 for a store with no table yet (new).
    pub fn schema_version(&self) -> Result<u32, Error> {
        let read = || -> rusqlite::Result<Option<String>> {
            if !self.has_table("meta")? {
                return Ok(None);
            }
            self.conn
                .query_row(
                    "SELECT value FROM meta WHERE key = 'schema_version'",
                    [],
                    |r| r.get(0),
                )
                .optional()
        };
        match read().map_err(|e| self.error(e))? {
            Some(text) => text
                .parse()
                .map_err(|_| self.invalid(&format!("its schema version `{text}` is no number"))),
            None if self.has_no_table().map_err(|e| self.error(e))? => Ok(0),
            None => Err(self.invalid("it has no deferwatch schema version")),
        }
    }

    /// Brings the schema to [`LATEST`]: the migrations after the store's version, then the
    /// new version. Inside the ingest's transaction.
    pub(super) fn migrate(&self) -> Result<(), Error> {
        let version = self.schema_version()?;
        self.check_readable(version)?;
        for (number, sql, step) in MIGRATIONS.iter().filter(|(number, ..)| *number > version) {
            self.conn
                .execute_batch(sql)
                .map_err(|e| self.invalid(&format!("migration {number} failed: {e}")))?;
            if let Some(step) = step {
                step(self)?;
            }
        }
        if version < LATEST {
            self.conn
                .execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1)",
                    [LATEST.to_string()],
                )
                .map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// A version this build reads: any up to [`LATEST`].
    pub(super) fn check_readable(&self, version: u32) -> Result<(), Error> {
        if version > LATEST {
            return Err(self.invalid(&format!(
                "it has schema version {version}, this deferwatch reads versions up to {LATEST}; use a newer deferwatch"
            )));
        }
        Ok(())
    }

    /// Whether the store has no table at all (new, or its first ingest has not committed).
    pub(super) fn has_no_table(&self) -> rusqlite::Result<bool> {
        self.conn.query_row(
            "SELECT COUNT(*) = 0 FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
    }
}
