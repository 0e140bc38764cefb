//! Aggregates -> rates, baselines, trends, statuses and findings. polars lives here only.

pub mod export;
pub mod findings;
pub mod frame;
pub mod input;
pub mod metrics;
pub mod report;
pub mod series;
pub mod status;

use chrono_tz::Tz;

use crate::aggregate::Aggregates;
use crate::error::Error;
use metrics::{Dim, MetricRow, Period};

/// Starts polars' one-time set-up on a background thread, so that it overlaps reading the
/// logs instead of following it: its thread pool, and an 8 MiB zero buffer it fills on the
/// first constant column (a quarter of a small run's time otherwise).
pub fn warm_up_in_background() {
    std::thread::spawn(|| {
        use polars::prelude::{BooleanChunked, ChunkFull};
        let _ = BooleanChunked::full("warm-up".into(), false, 1);
    });
}

/// Hourly rows for `dims`, limited to hours in `[from, to)` (epoch hours). Baselines use
/// the hours before `from` too.
pub fn hourly(
    aggregates: &Aggregates,
    dims: &[Dim],
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Vec<MetricRow>, Error> {
    let cells = frame::cells_frame(aggregates, Tz::UTC)?;
    let rows = metrics::compute(&cells.frame, &cells.names, Period::Hour, dims)?;
    Ok(rows
        .into_iter()
        .filter(|r| from.is_none_or(|f| r.period >= f) && to.is_none_or(|t| r.period < t))
        .collect())
}
