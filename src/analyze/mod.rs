//! Aggregates -> rates, baselines, trends, statuses and findings; polars only for the
//! Parquet export.

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
use crate::query::{Grain, Selection, Window};
use metrics::{Dim, MetricRow};

/// Hourly rows for `dims` over the cells `select` admits, limited to hours in `[from, to)`
/// (epoch hours). Baselines use the hours before `from` too.
pub fn hourly(
    aggregates: &Aggregates,
    select: Selection,
    dims: &[Dim],
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Vec<MetricRow>, Error> {
    let shown = Window::between(from, to);
    Ok(metrics::compute(
        aggregates,
        Grain::Hour,
        dims,
        &select,
        shown,
    ))
}
