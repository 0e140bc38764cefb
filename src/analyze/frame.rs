//! Aggregates -> a polars DataFrame for the Parquet export: one row per hourly cell, with
//! its UTC hour and day.

use std::collections::HashMap;

use polars::prelude::*;

use crate::aggregate::Aggregates;
use crate::classify::Class;
use crate::query::{Counts, Dims, Key, Query, Window};

/// Column names of the export, and the names of the grouping dimensions.
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
    delivered: Vec<i64>,
    deferred: Vec<i64>,
    bounced: Vec<i64>,
    queue_deferred: Vec<i64>,
}

/// A row's ids, already ranked: isp, source_ip, vmta, pool, class.
type RowIds = (u32, u32, u32, u32, Option<u32>);

impl Rows {
    fn push(&mut self, hour: i64, day: i32, ids: RowIds, counts: Counts) {
        let (isp, source_ip, vmta, pool, class) = ids;
        self.hour.push(hour);
        self.day.push(day);
        self.isp.push(isp);
        self.source_ip.push(source_ip);
        self.vmta.push(vmta);
        self.pool.push(pool);
        self.class.push(class);
        self.delivered.push(counts.delivered as i64);
        self.deferred.push(counts.deferred as i64);
        self.bounced.push(counts.bounced as i64);
        self.queue_deferred.push(counts.queue_deferred as i64);
    }
}

/// Builds the cell frame: `hour, day (UTC), isp, source_ip, vmta, pool, class, delivered,
/// deferred, bounced, queue_deferrals`, one row per hourly cell. The five names are ids
/// (`u32`, see [`Names`]); `class` is null on delivered rows.
pub fn cells_frame(aggregates: &Aggregates) -> PolarsResult<CellFrame> {
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
    let rank = |ranks: &[u32], id: Option<u32>| id.map_or(0, |id| ranks[id as usize]);
    let ids = |key: &Key| -> RowIds {
        (
            isp_rank[key.isp as usize],
            rank(&ip_rank, key.source_ip),
            rank(&vmta_rank, key.vmta),
            rank(&pool_rank, key.pool),
            key.class.map(|c| class_rank[c as usize]),
        )
    };
    let mut rows = Rows::default();
    Query::hourly(Window::ALL, Dims::ALL).visit(aggregates, |key: Key, counts| {
        rows.push(key.time, key.time.div_euclid(24) as i32, ids(&key), counts);
    });
    let height = rows.hour.len();
    let columns = vec![
        Column::new(cols::HOUR.into(), rows.hour),
        Column::new(cols::DAY.into(), rows.day),
        Column::new(cols::ISP.into(), rows.isp),
        Column::new(cols::SOURCE_IP.into(), rows.source_ip),
        Column::new(cols::VMTA.into(), rows.vmta),
        Column::new(cols::POOL.into(), rows.pool),
        Column::new(cols::CLASS.into(), rows.class),
        Column::new(cols::DELIVERED.into(), rows.delivered),
        Column::new(cols::DEFERRED.into(), rows.deferred),
        Column::new(cols::BOUNCED.into(), rows.bounced),
        Column::new(cols::QUEUE_DEFERRALS.into(), rows.queue_deferred),
    ];
    let frame = DataFrame::new(height, columns)?;
    Ok(CellFrame { frame, names })
}
