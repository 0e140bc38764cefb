//! Aggregates -> a polars DataFrame: one row per aggregate cell, with its UTC hour and the
//! day it belongs to in the user's time zone.

use std::collections::HashMap;

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;
use polars::prelude::*;

use crate::aggregate::{Aggregates, Hour};
use crate::classify::Class;
use crate::read::record::RecordKind;

/// Column names shared by the analytics code.
pub mod cols {
    pub const HOUR: &str = "hour";
    pub const DAY: &str = "day";
    pub const ISP: &str = "isp";
    pub const SOURCE_IP: &str = "source_ip";
    pub const VMTA: &str = "vmta";
    pub const POOL: &str = "pool";
    pub const CLASS: &str = "class";
    pub const DELIVERED: &str = "delivered";
    pub const DEFERRED: &str = "deferred";
    pub const BOUNCED: &str = "bounced";
    pub const QUEUE_DEFERRALS: &str = "queue_deferrals";
    pub const ATTEMPTS: &str = "attempts";
}

/// Days since 1970-01-01 of the local date, in `tz`, of the start of a UTC hour.
pub fn local_day(hour: Hour, tz: Tz) -> i32 {
    let utc = Utc
        .timestamp_opt(i64::from(hour) * 3600, 0)
        .single()
        .expect("hour in range");
    let date = utc.with_timezone(&tz).date_naive();
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    (date - epoch).num_days() as i32
}

/// The names behind the id columns (`isp`, `source_ip`, `vmta`, `pool`, `class`). An id is
/// its name's rank, so sorting by id sorts by name.
#[derive(Debug, Clone, Default)]
pub struct Names {
    columns: HashMap<&'static str, Vec<String>>,
}

impl Names {
    /// The name of `id` in `column`; empty for a null id (the class of delivered rows).
    pub fn name(&self, column: &str, id: Option<u32>) -> &str {
        id.and_then(|id| self.columns.get(column)?.get(id as usize))
            .map_or("", String::as_str)
    }

    /// Ranks `names` (indexed by their interned ids): returns the rank of each interned id.
    fn rank(&mut self, column: &'static str, names: Vec<String>) -> Vec<u32> {
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|&a, &b| names[a].cmp(&names[b]));
        let mut rank = vec![0u32; names.len()];
        for (position, &id) in order.iter().enumerate() {
            rank[id] = position as u32;
        }
        let sorted = order.iter().map(|&id| names[id].clone()).collect();
        self.columns.insert(column, sorted);
        rank
    }
}

/// The cell frame and the names behind its id columns.
#[derive(Debug, Clone)]
pub struct CellFrame {
    pub frame: DataFrame,
    pub names: Names,
}

impl CellFrame {
    /// The frame with names in place of ids, for output.
    pub fn with_names(&self) -> PolarsResult<DataFrame> {
        let mut frame = self.frame.clone();
        for column in [
            cols::ISP,
            cols::SOURCE_IP,
            cols::VMTA,
            cols::POOL,
            cols::CLASS,
        ] {
            let ids = frame.column(column)?.u32()?;
            let names: Vec<Option<&str>> = ids
                .iter()
                .map(|id| id.map(|_| self.names.name(column, id)))
                .collect();
            frame.with_column(Column::new(column.into(), names))?;
        }
        Ok(frame)
    }
}

/// How finely a cell frame keeps time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    /// One row per aggregate cell (hour x ISP x IP x VirtualMTA x pool x kind x class).
    Hour,
    /// The cells of one local day summed into one row per ISP x IP x VirtualMTA x pool x
    /// class, for daily figures only: `hour` then holds `day * 24`. A review needs no
    /// hours, and on hundreds of sending IPs this frame is a fraction of the hourly one.
    Day,
}

/// The columns of a cell frame as they are filled.
#[derive(Default)]
struct Rows {
    hour: Vec<i64>,
    day: Vec<i32>,
    isp: Vec<u32>,
    source_ip: Vec<u32>,
    vmta: Vec<u32>,
    pool: Vec<u32>,
    class: Vec<Option<u32>>,
    /// delivered, deferred, bounced, queue deferrals.
    counts: [Vec<i64>; 4],
}

/// A row's ids, already ranked: isp, source_ip, vmta, pool, class.
type RowIds = (u32, u32, u32, u32, Option<u32>);

impl Rows {
    fn push(&mut self, hour: i64, day: i32, ids: RowIds, counts: [u64; 4]) {
        let (isp, source_ip, vmta, pool, class) = ids;
        self.hour.push(hour);
        self.day.push(day);
        self.isp.push(isp);
        self.source_ip.push(source_ip);
        self.vmta.push(vmta);
        self.pool.push(pool);
        self.class.push(class);
        for (column, count) in self.counts.iter_mut().zip(counts) {
            column.push(count as i64);
        }
    }
}

/// Builds the cell frame: `hour, day, isp, source_ip, vmta, pool, class, delivered,
/// deferred, bounced, queue_deferrals`. The five names are ids (`u32`, see [`Names`]):
/// group keys of four bytes instead of strings keep memory and time down. `class` is null
/// on delivered rows.
pub fn cells_frame(aggregates: &Aggregates, tz: Tz, grain: Grain) -> PolarsResult<CellFrame> {
    let mut names = Names::default();
    let interned = |interner: &crate::aggregate::intern::Interner| {
        (0..interner.len() as u32)
            .map(|id| interner.name(id).to_string())
            .collect::<Vec<_>>()
    };
    let isp_rank = names.rank(cols::ISP, interned(&aggregates.isps));
    let ip_rank = names.rank(cols::SOURCE_IP, interned(&aggregates.source_ips));
    let vmta_rank = names.rank(cols::VMTA, interned(&aggregates.vmtas));
    let pool_rank = names.rank(cols::POOL, interned(&aggregates.pools));
    let class_rank = names.rank(
        cols::CLASS,
        Class::ALL.iter().map(|c| c.id().to_string()).collect(),
    );
    let mut rows = Rows::default();
    let mut days: HashMap<Hour, i32> = HashMap::new();
    let mut by_day: HashMap<(i32, RowIds), [u64; 4]> = HashMap::new();
    for (key, count) in aggregates.cells() {
        let slot = match key.kind {
            RecordKind::Delivered => 0,
            RecordKind::Deferred => 1,
            RecordKind::Bounced => 2,
            RecordKind::QueueDeferred => 3,
            RecordKind::NotCounted => continue,
        };
        let day = *days
            .entry(key.hour)
            .or_insert_with(|| local_day(key.hour, tz));
        let ids = (
            isp_rank[key.isp as usize],
            ip_rank[key.source_ip as usize],
            vmta_rank[key.vmta as usize],
            pool_rank[key.pool as usize],
            key.class.map(|c| class_rank[c as usize]),
        );
        match grain {
            Grain::Hour => {
                let mut counts = [0; 4];
                counts[slot] = count;
                rows.push(i64::from(key.hour), day, ids, counts);
            }
            Grain::Day => by_day.entry((day, ids)).or_default()[slot] += count,
        }
    }
    for ((day, ids), counts) in by_day {
        rows.push(i64::from(day) * 24, day, ids, counts);
    }
    let [delivered, deferred, bounced, queue] = rows.counts;
    let frame = DataFrame::new(
        rows.hour.len(),
        vec![
            Column::new(cols::HOUR.into(), rows.hour),
            Column::new(cols::DAY.into(), rows.day),
            Column::new(cols::ISP.into(), rows.isp),
            Column::new(cols::SOURCE_IP.into(), rows.source_ip),
            Column::new(cols::VMTA.into(), rows.vmta),
            Column::new(cols::POOL.into(), rows.pool),
            Column::new(cols::CLASS.into(), rows.class),
            Column::new(cols::DELIVERED.into(), delivered),
            Column::new(cols::DEFERRED.into(), deferred),
            Column::new(cols::BOUNCED.into(), bounced),
            Column::new(cols::QUEUE_DEFERRALS.into(), queue),
        ],
    )?;
    Ok(CellFrame { frame, names })
}
