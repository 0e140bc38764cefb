//! The store's counts: hourly cells per ISP, source IP, VirtualMTA, pool, record kind and
//! class, the unknown reply texts, and one sample reply per day, ISP, IP and class.

use rusqlite::params;

use super::Store;
use crate::aggregate::{
    AggKey, Aggregates, MORE_UNKNOWN_TEXTS, SOURCE_IP_NOT_KEPT, SampleKey, UnknownKey,
};
use crate::classify::Class;
use crate::error::Error;
use crate::read::record::RecordKind;

/// Dimension names in the `names` table.
const DIMS: [&str; 5] = ["isp", "source_ip", "vmta", "pool", "unknown_text"];

impl Store {
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
}
