//! The store's counts: hourly cells per ISP, source IP, VirtualMTA, pool, record kind and
//! class (packed one hour to a row, `store/packed.rs`), the unknown reply texts, and one
//! sample reply per day, ISP, IP and class.

use std::collections::HashMap;

use foldhash::fast::RandomState;
use rusqlite::params;

use super::Store;
use super::packed::{StoredCell, pack, unpack};
use crate::aggregate::{
    AggKey, Aggregates, Hour, MORE_UNKNOWN_TEXTS, SOURCE_IP_NOT_KEPT, SampleKey, UnknownKey,
};
use crate::classify::Class;
use crate::error::Error;
use crate::read::record::RecordKind;

/// Dimension names in the `names` table.
const DIMS: [&str; 7] = [
    "isp",
    "source_ip",
    "vmta",
    "pool",
    "unknown_text",
    "kind",
    "class",
];

/// What a store id in `names` stands for in the aggregates being loaded.
#[derive(Debug, Clone, Copy, Default)]
enum Name {
    #[default]
    Unknown,
    /// An id in the aggregates' interner of its dimension.
    Interned(u32),
    Kind(RecordKind),
    /// `None` for delivered rows.
    Class(Option<Class>),
}

/// What `store_id` stands for (unknown when `names` has no such id).
fn name_of(names: &[Name], store_id: u64) -> Name {
    let at = usize::try_from(store_id).unwrap_or(usize::MAX);
    names.get(at).copied().unwrap_or_default()
}

/// The aggregates' id behind a store id read from a table column.
fn interned(names: &[Name], store_id: i64) -> u32 {
    name_of(names, store_id as u64).id()
}

impl Name {
    /// The id in the aggregates' interner (0 for a name that is not interned).
    fn id(self) -> u32 {
        match self {
            Name::Interned(id) => id,
            _ => 0,
        }
    }
}

/// Adds one packed hour's cells to `aggregates`.
fn add_hour(
    aggregates: &mut Aggregates,
    names: &[Name],
    hour: Hour,
    cells: Vec<(StoredCell, u64)>,
) -> Result<(), String> {
    let name = |store_id: u64| name_of(names, store_id);
    let mut counts: Vec<(u32, u64)> = Vec::with_capacity(cells.len());
    for (cell, count) in cells {
        let (Name::Kind(kind), Name::Class(class)) = (name(cell.kind), name(cell.class)) else {
            return Err(format!(
                "hour {hour} holds a cell of an unknown kind or class"
            ));
        };
        let series = aggregates.series_of(&AggKey {
            hour,
            isp: name(cell.isp).id(),
            source_ip: name(cell.source_ip).id(),
            vmta: name(cell.vmta).id(),
            pool: name(cell.pool).id(),
            kind,
            class,
        });
        counts.push((series, count));
    }
    aggregates.add_to_hour(hour, &counts);
    Ok(())
}

impl Store {
    /// The newest hour in the store, if any.
    pub fn newest_hour(&self) -> Result<Option<i64>, Error> {
        let newest = || -> rusqlite::Result<Option<i64>> {
            let table = if self.has_table("hours")? {
                "hours"
            } else {
                "cells"
            };
            self.conn
                .query_row(&format!("SELECT MAX(hour) FROM {table}"), [], |r| r.get(0))
        };
        newest().map_err(|e| self.error(e))
    }

    /// The hourly aggregates in the store, from `since_hour` on (all without it).
    pub fn load_aggregates(&self, since_hour: Option<i64>) -> Result<Aggregates, Error> {
        self.load_aggregates_inner(since_hour.unwrap_or(i64::MIN))
    }

    fn load_aggregates_inner(&self, since_hour: i64) -> Result<Aggregates, Error> {
        let mut aggregates = Aggregates::default();
        let names = self
            .load_names(&mut aggregates)
            .map_err(|e| self.error(e))?;
        if self.has_table("hours").map_err(|e| self.error(e))? {
            // Reading and unpacking the hours (here) and finding their cells' series (on a
            // second thread) take about as long as each other: they run side by side.
            let (send, receive) =
                std::sync::mpsc::sync_channel::<(Hour, Vec<(StoredCell, u64)>)>(16);
            let (read, added) = std::thread::scope(|scope| {
                let adding = scope.spawn(|| {
                    receive.into_iter().try_for_each(|(hour, cells)| {
                        add_hour(&mut aggregates, &names, hour, cells)
                    })
                });
                let read = self.read_hours_between(since_hour, i64::MAX, |hour, cells| {
                    // A send fails only when the adding stopped on an error, returned below.
                    send.send((hour, cells)).map_err(|_| String::new())
                });
                drop(send);
                let added = adding.join().expect("adding a store's hours panicked");
                (read, added)
            });
            added.map_err(|why| self.damaged(&why))?;
            read?;
        } else {
            self.read_cells_table(since_hour, &names, &mut aggregates)
                .map_err(|e| self.error(e))?;
        }
        self.load_unknown_and_samples(since_hour, &names, &mut aggregates)
            .map_err(|e| self.error(e))?;
        Ok(aggregates)
    }

    /// The aggregates' meaning of every store id in `names`, interning the names.
    fn load_names(&self, aggregates: &mut Aggregates) -> rusqlite::Result<Vec<Name>> {
        let mut names: Vec<Name> = Vec::new();
        let mut stmt = self.conn.prepare("SELECT id, dim, name FROM names")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let text = row.get_ref(2)?.as_str()?;
            let name = match row.get_ref(1)?.as_str()? {
                "isp" => Name::Interned(aggregates.isps.intern(text.as_bytes())),
                "source_ip" => Name::Interned(aggregates.source_ips.intern(text.as_bytes())),
                "vmta" => Name::Interned(aggregates.vmtas.intern(text.as_bytes())),
                "pool" => Name::Interned(aggregates.pools.intern(text.as_bytes())),
                "unknown_text" => Name::Interned(aggregates.unknown_texts.intern(text.as_bytes())),
                "kind" => RecordKind::from_id(text).map_or(Name::Unknown, Name::Kind),
                "class" if text.is_empty() => Name::Class(None),
                "class" => Class::from_id(text).map_or(Name::Unknown, |c| Name::Class(Some(c))),
                _ => Name::Unknown,
            };
            let Ok(id) = usize::try_from(id) else {
                continue;
            };
            if names.len() <= id {
                names.resize(id + 1, Name::Unknown);
            }
            names[id] = name;
        }
        Ok(names)
    }

    /// Calls `each` with every packed hour in `[from, to)`, in hour order, after
    /// checking that its blob holds the cells and rows its row says.
    fn read_hours_between(
        &self,
        from: i64,
        to: i64,
        mut each: impl FnMut(Hour, Vec<(StoredCell, u64)>) -> Result<(), String>,
    ) -> Result<(), Error> {
        let mut read = || -> rusqlite::Result<Result<(), String>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT hour, cells, rows, data FROM hours WHERE hour >= ?1 AND hour < ?2
                 ORDER BY hour",
            )?;
            let mut rows = stmt.query([from, to])?;
            while let Some(row) = rows.next()? {
                let hour: i64 = row.get(0)?;
                let (cells, total): (i64, i64) = (row.get(1)?, row.get(2)?);
                let data = row.get_ref(3)?;
                let unpacked = usize::try_from(cells)
                    .ok()
                    .and_then(|cells| unpack(data.as_blob().ok()?, cells));
                let Some(unpacked) = unpacked.filter(|u| {
                    u.iter().map(|(_, n)| *n as i128).sum::<i128>() == i128::from(total)
                }) else {
                    return Ok(Err(format!(
                        "the cells of hour {hour} do not add up to what the store recorded"
                    )));
                };
                let Ok(hour) = Hour::try_from(hour) else {
                    return Ok(Err(format!("hour {hour} is out of range")));
                };
                if let Err(why) = each(hour, unpacked) {
                    return Ok(Err(why));
                }
            }
            Ok(Ok(()))
        };
        read()
            .map_err(|e| self.error(e))?
            .map_err(|why| self.damaged(&why))
    }

    /// A store whose contents contradict themselves.
    fn damaged(&self, why: &str) -> Error {
        let path = self.path.display();
        Error::Store {
            path: path.to_string(),
            message: format!(
                "it is damaged: {why}. Rebuild it from the logs: `mv {path} {path}.corrupt && \
                 deferwatch ingest --store {path} /var/log/pmta`"
            ),
        }
    }

    /// The cells of a store of schema version 3 or older, one table row per cell.
    fn read_cells_table(
        &self,
        since_hour: i64,
        names: &[Name],
        aggregates: &mut Aggregates,
    ) -> rusqlite::Result<()> {
        let id = |store_id: i64| interned(names, store_id);
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
        Ok(())
    }

    fn load_unknown_and_samples(
        &self,
        since_hour: i64,
        names: &[Name],
        aggregates: &mut Aggregates,
    ) -> rusqlite::Result<()> {
        let id = |store_id: i64| interned(names, store_id);
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
            let mut stmt = self.conn.prepare(if self.has_table("sample_texts")? {
                "SELECT s.day, s.isp, s.source_ip, s.class, s.hash, t.text
                 FROM samples s JOIN sample_texts t ON t.hash = s.hash WHERE s.day >= ?1"
            } else {
                "SELECT day, isp, source_ip, class, hash, text FROM samples WHERE day >= ?1"
            })?;
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
        Ok(())
    }

    /// Adds aggregates to the store's counts.
    pub fn add_aggregates(&self, aggregates: &Aggregates) -> Result<(), Error> {
        let ids = self.store_ids(aggregates).map_err(|e| self.error(e))?;
        self.add_hours(aggregates, &ids)?;
        self.add_unknown_and_samples(aggregates, &ids)
            .map_err(|e| self.error(e))
    }

    /// The store ids of every name of the aggregates, by dimension in the order of [`DIMS`],
    /// each list indexed by the aggregates' ids (kinds by [`RecordKind::ALL`], classes by
    /// [`Class::ALL`] after '' for none).
    fn store_ids(&self, aggregates: &Aggregates) -> rusqlite::Result<Vec<Vec<u64>>> {
        let interners = [
            &aggregates.isps,
            &aggregates.source_ips,
            &aggregates.vmtas,
            &aggregates.pools,
            &aggregates.unknown_texts,
        ];
        let kinds: Vec<String> = RecordKind::ALL.iter().map(|k| k.id().to_string()).collect();
        let classes: Vec<String> = std::iter::once("")
            .chain(Class::ALL.iter().map(|c| c.id()))
            .map(str::to_string)
            .collect();
        let names = interners
            .iter()
            .map(|interner| {
                (0..interner.len() as u32)
                    .map(|id| interner.name(id))
                    .collect()
            })
            .chain([kinds.iter().map(String::as_str).collect()])
            .chain([classes.iter().map(String::as_str).collect()]);
        let mut store_ids: Vec<Vec<u64>> = Vec::new();
        for (dim, names) in DIMS.iter().zip(names) {
            let names: Vec<&str> = names;
            let ids = names.into_iter().map(|name| self.name_id(dim, name));
            store_ids.push(ids.collect::<rusqlite::Result<_>>()?);
        }
        Ok(store_ids)
    }

    /// The store id of `name` in `dim`, added to `names` when new.
    fn name_id(&self, dim: &str, name: &str) -> rusqlite::Result<u64> {
        let mut insert = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO names (dim, name) VALUES (?1, ?2)")?;
        insert.execute(params![dim, name])?;
        let mut select = self
            .conn
            .prepare_cached("SELECT id FROM names WHERE dim = ?1 AND name = ?2")?;
        let id: i64 = select.query_row(params![dim, name], |r| r.get(0))?;
        Ok(id as u64)
    }

    /// Migration 4: packs the `cells` table of older versions one hour to a row, checks
    /// that every cell and every row arrived, and drops it. Inside the ingest's
    /// transaction: on a mismatch nothing is changed.
    pub(super) fn pack_cells_table(&self) -> Result<(), Error> {
        let pack = || -> rusqlite::Result<((i64, i64), (i64, i64))> {
            if !self.has_table("cells")? {
                return Ok(((0, 0), (0, 0)));
            }
            let totals = "SELECT COUNT(*), COALESCE(SUM(count), 0) FROM cells";
            let before = self
                .conn
                .query_row(totals, [], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let mut stmt = self.conn.prepare(
                "SELECT hour, isp, source_ip, vmta, pool, kind, class, count FROM cells
                 ORDER BY hour",
            )?;
            let mut rows = stmt.query([])?;
            let mut hour_cells: (Option<i64>, Vec<(StoredCell, u64)>) = (None, Vec::new());
            while let Some(row) = rows.next()? {
                let hour: i64 = row.get(0)?;
                if hour_cells.0 != Some(hour) {
                    if let (Some(done), cells) = std::mem::take(&mut hour_cells) {
                        self.write_hour(done, cells)?;
                    }
                    hour_cells.0 = Some(hour);
                }
                let id = |i| row.get::<_, i64>(i).map(|id| id as u64);
                let cell = StoredCell {
                    isp: id(1)?,
                    source_ip: id(2)?,
                    vmta: id(3)?,
                    pool: id(4)?,
                    kind: self.name_id("kind", row.get_ref(5)?.as_str()?)?,
                    class: self.name_id("class", row.get_ref(6)?.as_str()?)?,
                };
                hour_cells.1.push((cell, row.get::<_, i64>(7)? as u64));
            }
            if let (Some(done), cells) = hour_cells {
                self.write_hour(done, cells)?;
            }
            let totals = "SELECT COALESCE(SUM(cells), 0), COALESCE(SUM(rows), 0) FROM hours";
            let after = self
                .conn
                .query_row(totals, [], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok((before, after))
        };
        let (before, after) = pack().map_err(|e| self.error(e))?;
        if before != after {
            return Err(self.damaged(&format!(
                "packing its cells by hour gave {} cells and {} rows where the table holds {} \
                 and {}; it was left as it was",
                after.0, after.1, before.0, before.1
            )));
        }
        self.conn
            .execute_batch("DROP TABLE IF EXISTS cells")
            .map_err(|e| self.error(e))
    }

    /// Adds the aggregates' cells to the packed hours.
    fn add_hours(&self, aggregates: &Aggregates, store_ids: &[Vec<u64>]) -> Result<(), Error> {
        let [isps, ips, vmtas, pools, _, kinds, classes] = store_ids else {
            unreachable!("one id list per dimension");
        };
        // Hour by hour, as the aggregates hold them: no second copy of every cell.
        for (hour, new) in aggregates.hours_between(Hour::MIN, Hour::MAX) {
            let mut cells: HashMap<StoredCell, u64, RandomState> = HashMap::default();
            self.read_hours_between(i64::from(hour), i64::from(hour) + 1, |_, old| {
                cells.extend(old);
                Ok(())
            })?;
            for (series, count) in new {
                let key = aggregates.series_cell(series, hour);
                let cell = StoredCell {
                    isp: isps[key.isp as usize],
                    source_ip: ips[key.source_ip as usize],
                    vmta: vmtas[key.vmta as usize],
                    pool: pools[key.pool as usize],
                    kind: kinds[key.kind as usize],
                    class: classes[key.class.map_or(0, |c| c as usize + 1)],
                };
                *cells.entry(cell).or_insert(0) += count;
            }
            self.write_hour(i64::from(hour), cells.into_iter().collect())
                .map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// Writes (or replaces) the packed cells of `hour`.
    pub(super) fn write_hour(
        &self,
        hour: i64,
        mut cells: Vec<(StoredCell, u64)>,
    ) -> rusqlite::Result<()> {
        let rows: u64 = cells.iter().map(|(_, n)| n).sum();
        let data = pack(&mut cells);
        let mut write = self.conn.prepare_cached(
            "INSERT OR REPLACE INTO hours (hour, cells, rows, data) VALUES (?1, ?2, ?3, ?4)",
        )?;
        write.execute(params![hour, cells.len() as i64, rows as i64, data])?;
        Ok(())
    }

    fn add_unknown_and_samples(
        &self,
        aggregates: &Aggregates,
        store_ids: &[Vec<u64>],
    ) -> rusqlite::Result<()> {
        let [isps, ips, _, _, texts, _, _] = store_ids else {
            unreachable!("one id list per dimension");
        };
        let mut add_unknown = self.conn.prepare_cached(
            "INSERT INTO unknown (hour, isp, text, count) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO UPDATE SET count = count + excluded.count",
        )?;
        for (key, count) in &aggregates.unknown {
            let text = if key.text == MORE_UNKNOWN_TEXTS {
                -1
            } else {
                texts[key.text as usize] as i64
            };
            add_unknown.execute(params![
                key.hour,
                isps[key.isp as usize] as i64,
                text,
                *count as i64
            ])?;
        }
        let mut add_sample = self.conn.prepare_cached(
            "INSERT INTO samples (day, isp, source_ip, class, hash) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT DO UPDATE SET hash = excluded.hash WHERE excluded.hash < samples.hash",
        )?;
        let mut add_text = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO sample_texts (hash, text) VALUES (?1, ?2)")?;
        for (key, sample) in &aggregates.samples {
            add_sample.execute(params![
                key.day,
                isps[key.isp as usize] as i64,
                ips[key.source_ip as usize] as i64,
                key.class.id(),
                sample.hash as i64,
            ])?;
            add_text.execute(params![sample.hash as i64, sample.text])?;
        }
        Ok(())
    }
}
