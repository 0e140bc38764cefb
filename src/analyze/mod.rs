//! Aggregates -> rates, baselines, trends, statuses and findings. polars lives here only.

pub mod changepoint;
pub mod completeness;
pub mod export;
pub mod findings;
pub mod frame;
pub mod group;
pub mod incidents;
pub mod intraday;
pub mod metrics;
pub mod report;
pub mod series;
pub mod stats;
pub mod status;
pub mod unknown;

use crate::aggregate::Aggregates;
use crate::error::Error;
use crate::query::{Grain, Selection};
use metrics::{Dim, MetricRow, Period};

/// Starts polars' one-time set-up on a background thread, so that it overlaps compiling the
/// rules and reading the logs instead of following them: its thread pool, an 8 MiB zero
/// buffer it fills on the first constant column, and the first planning of the queries the
/// commands run, here on one made-up cell.
pub fn warm_up_in_background() {
    std::thread::spawn(|| {
        let mut aggregates = Aggregates::default();
        let key = crate::aggregate::AggKey {
            hour: 0,
            isp: aggregates.isps.intern(b"warm-up"),
            source_ip: aggregates.source_ips.intern(b"192.0.2.1"),
            vmta: aggregates.vmtas.intern(b"warm-up"),
            pool: aggregates.pools.intern(b"warm-up"),
            kind: crate::read::record::RecordKind::Delivered,
            class: None,
        };
        aggregates.add(key, 1);
        let _ = hourly(&aggregates, Default::default(), &[Dim::Isp], None, None);
    });
}

/// Hourly rows for `dims` over the cells `select` admits, limited to hours in `[from, to)`
/// (epoch hours). Baselines use the hours before `from` too.
pub fn hourly(
    aggregates: &Aggregates,
    select: Selection,
    dims: &[Dim],
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Vec<MetricRow>, Error> {
    let cells = frame::cells_frame(aggregates, Grain::Hour, Dim::kept(dims), select)?;
    let rows = metrics::compute(&cells.frame, &cells.names, Period::Hour, dims)?;
    Ok(rows
        .into_iter()
        .filter(|r| from.is_none_or(|f| r.period >= f) && to.is_none_or(|t| r.period < t))
        .collect())
}
