//! Aggregates -> a polars DataFrame: one row per aggregate cell, with its UTC hour and the
//! day it belongs to in the user's time zone.

use std::collections::HashMap;

use polars::prelude::*;

use crate::aggregate::Aggregates;
use crate::classify::Class;
use crate::query::{Counts, Dims, Grain, Key, Query, Selection, Window};

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

/// Builds the cell frame: `hour, day, isp, source_ip, vmta, pool, class, delivered,
/// deferred, bounced, queue_deferrals`, with only the dimension columns `dims` keeps. The
/// five names are ids (`u32`, see [`Names`]): group keys of four bytes instead of strings
/// keep memory and time down. `class` is null on delivered rows; only the cells `select`
/// admits are read. At [`Grain::Hour`] `day` is the UTC day; at [`Grain::Day`] `hour` holds
/// `day * 24`. The cells are summed over the dimensions left out, so a frame per ISP over
/// 2,000 sending IPs has a row per ISP and hour, not one per cell.
pub fn cells_frame(
    aggregates: &Aggregates,
    grain: Grain,
    dims: Dims,
    select: Selection,
) -> PolarsResult<CellFrame> {
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
    // A dimension left out has no column; its id is never read.
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
    let query = Query {
        window: Window::ALL,
        grain,
        dims,
        select,
    };
    let mut rows = Rows::default();
    let mut push = |key: Key, counts| {
        let (hour, day) = match grain {
            Grain::Hour => (key.time, key.time.div_euclid(24) as i32),
            Grain::Day(_) => (key.time * 24, key.time as i32),
        };
        rows.push(hour, day, ids(&key), counts);
    };
    // Hourly cells with every dimension are distinct but for their record kind: one row
    // each, without a table to sum them in.
    if grain == Grain::Hour && dims == Dims::ALL {
        query.visit(aggregates, push);
    } else {
        for (key, counts) in query.fold(aggregates) {
            push(key, counts);
        }
    }
    let height = rows.hour.len();
    let mut columns = vec![
        Column::new(cols::HOUR.into(), rows.hour),
        Column::new(cols::DAY.into(), rows.day),
        Column::new(cols::ISP.into(), rows.isp),
    ];
    for (kept, name, ids) in [
        (dims.source_ip, cols::SOURCE_IP, rows.source_ip),
        (dims.vmta, cols::VMTA, rows.vmta),
        (dims.pool, cols::POOL, rows.pool),
    ] {
        if kept {
            columns.push(Column::new(name.into(), ids));
        }
    }
    if dims.class {
        columns.push(Column::new(cols::CLASS.into(), rows.class));
    }
    columns.extend([
        Column::new(cols::DELIVERED.into(), rows.delivered),
        Column::new(cols::DEFERRED.into(), rows.deferred),
        Column::new(cols::BOUNCED.into(), rows.bounced),
        Column::new(cols::QUEUE_DEFERRALS.into(), rows.queue_deferred),
    ]);
    let frame = DataFrame::new(height, columns)?;
    Ok(CellFrame { frame, names })
}
