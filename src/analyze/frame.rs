//! Aggregates -> a polars DataFrame: one row per aggregate cell, with its UTC hour and the
//! day it belongs to in the user's time zone.

use std::collections::HashMap;

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;
use polars::prelude::*;

use crate::aggregate::{Aggregates, Hour};
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

/// Builds the cell frame: `hour, day, isp, source_ip, vmta, pool, class, delivered,
/// deferred, bounced, queue_deferrals` (`class` is null on delivered rows).
pub fn cells_frame(aggregates: &Aggregates, tz: Tz) -> PolarsResult<DataFrame> {
    let n = aggregates.counts.len();
    let mut hour = Vec::with_capacity(n);
    let mut day = Vec::with_capacity(n);
    let mut isp = Vec::with_capacity(n);
    let mut source_ip = Vec::with_capacity(n);
    let mut vmta = Vec::with_capacity(n);
    let mut pool = Vec::with_capacity(n);
    let mut class = Vec::with_capacity(n);
    let mut counts: [Vec<i64>; 4] = std::array::from_fn(|_| Vec::with_capacity(n));
    let mut days: HashMap<Hour, i32> = HashMap::new();
    for (key, &count) in &aggregates.counts {
        let slot = match key.kind {
            RecordKind::Delivered => 0,
            RecordKind::Deferred => 1,
            RecordKind::Bounced => 2,
            RecordKind::QueueDeferred => 3,
            RecordKind::NotCounted => continue,
        };
        hour.push(i64::from(key.hour));
        day.push(
            *days
                .entry(key.hour)
                .or_insert_with(|| local_day(key.hour, tz)),
        );
        isp.push(aggregates.isps.name(key.isp));
        source_ip.push(aggregates.source_ips.name(key.source_ip));
        vmta.push(aggregates.vmtas.name(key.vmta));
        pool.push(aggregates.pools.name(key.pool));
        class.push(key.class.map(|c| c.id()));
        for (i, column) in counts.iter_mut().enumerate() {
            column.push(if i == slot { count as i64 } else { 0 });
        }
    }
    let [delivered, deferred, bounced, queue] = counts;
    DataFrame::new(
        hour.len(),
        vec![
            Column::new(cols::HOUR.into(), hour),
            Column::new(cols::DAY.into(), day),
            Column::new(cols::ISP.into(), isp),
            Column::new(cols::SOURCE_IP.into(), source_ip),
            Column::new(cols::VMTA.into(), vmta),
            Column::new(cols::POOL.into(), pool),
            Column::new(cols::CLASS.into(), class),
            Column::new(cols::DELIVERED.into(), delivered),
            Column::new(cols::DEFERRED.into(), deferred),
            Column::new(cols::BOUNCED.into(), bounced),
            Column::new(cols::QUEUE_DEFERRALS.into(), queue),
        ],
    )
}
