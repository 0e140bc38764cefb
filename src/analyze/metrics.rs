//! Rates with their baselines (previous period, rolling window) and the 28-day trend, for
//! any grouping, computed with polars over the cell frame (docs/metrics.md).

use std::collections::HashMap;

use polars::prelude::*;

use super::frame::{Names, cols};
use crate::query::{Dims, Lookback};

/// A grouping dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dim {
    Isp,
    SourceIp,
    Vmta,
    Pool,
    Class,
}

impl Dim {
    pub fn column(self) -> &'static str {
        match self {
            Dim::Isp => cols::ISP,
            Dim::SourceIp => cols::SOURCE_IP,
            Dim::Vmta => cols::VMTA,
            Dim::Pool => cols::POOL,
            Dim::Class => cols::CLASS,
        }
    }

    /// The query dimensions that keep `dims` (the ISP is always kept).
    pub fn kept(dims: &[Dim]) -> Dims {
        Dims {
            source_ip: dims.contains(&Dim::SourceIp),
            vmta: dims.contains(&Dim::Vmta),
            pool: dims.contains(&Dim::Pool),
            class: dims.contains(&Dim::Class),
        }
    }

    pub fn parse(name: &str) -> Option<Dim> {
        match name.trim() {
            "isp" => Some(Dim::Isp),
            "source_ip" | "ip" => Some(Dim::SourceIp),
            "vmta" => Some(Dim::Vmta),
            "pool" => Some(Dim::Pool),
            "class" => Some(Dim::Class),
            _ => None,
        }
    }
}

/// Hourly or daily buckets, with their baseline offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// UTC hours; previous = 24 h earlier; rolling = the 168 hours before.
    Hour,
    /// Days in the report time zone; previous = the day before; rolling = the 7 days before.
    Day,
}

impl Period {
    /// The history before a bucket that its baselines read: the rolling window (which
    /// holds the previous period).
    pub const fn lookback(self) -> Lookback {
        match self {
            Period::Hour => Lookback::hours(168),
            Period::Day => Lookback::days(7),
        }
    }

    fn column(self) -> &'static str {
        match self {
            Period::Hour => cols::HOUR,
            Period::Day => cols::DAY,
        }
    }

    fn previous_offset(self) -> i64 {
        match self {
            Period::Hour => 24,
            Period::Day => 1,
        }
    }

    /// The rolling window in polars' units of the period column: its lookback.
    fn window(self) -> String {
        match self {
            Period::Hour => format!("{}i", self.lookback().in_hours()),
            Period::Day => format!("{}i", self.lookback().in_days()),
        }
    }
}

/// Counts of one bucket and group, with what its baselines need.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    /// Hours or days since the epoch, per [`Period`].
    pub period: i64,
    /// Values of the grouping dimensions, in the order asked for.
    pub keys: Vec<String>,
    pub attempts: u64,
    pub delivered: u64,
    pub deferred: u64,
    pub bounced: u64,
    pub queue_deferrals: u64,
    pub prev_attempts: u64,
    pub prev_deferred: u64,
    pub rolling_attempts: u64,
    pub rolling_deferred: u64,
}

fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

impl MetricRow {
    pub fn deferral_rate(&self) -> Option<f64> {
        ratio(self.deferred, self.attempts)
    }
    pub fn bounce_rate(&self) -> Option<f64> {
        ratio(self.bounced, self.attempts)
    }
    pub fn prev_deferral_rate(&self) -> Option<f64> {
        ratio(self.prev_deferred, self.prev_attempts)
    }
    pub fn rolling_deferral_rate(&self) -> Option<f64> {
        ratio(self.rolling_deferred, self.rolling_attempts)
    }
}

const PREV: &str = "prev_";
const ROLL: &str = "roll_";
const ALL: &str = "__all";

/// Computes one row per bucket and group of `dims`. With `class` among the dims, the
/// deferred/bounced/queue counts are those of the class, while attempts and delivered are
/// those of the group without the class: the rate is then the share of all attempts that
/// were deferred with that class.
pub fn compute(
    cells: &DataFrame,
    names: &Names,
    period: Period,
    dims: &[Dim],
) -> PolarsResult<Vec<MetricRow>> {
    let time = period.column();
    let base_dims: Vec<&str> = dims
        .iter()
        .filter(|d| **d != Dim::Class)
        .map(|d| d.column())
        .collect();
    let all_dims: Vec<&str> = dims.iter().map(|d| d.column()).collect();
    let base = cells.clone().lazy().with_column(lit(0i32).alias(ALL));
    let sum = |c: &str| col(c).sum().alias(c);

    let denominators = with_baselines(
        base.clone()
            .group_by(key_exprs(time, &base_dims))
            .agg([
                sum(cols::DELIVERED),
                sum(cols::DEFERRED),
                sum(cols::BOUNCED),
                sum(cols::QUEUE_DEFERRALS),
            ])
            .with_column(
                (col(cols::DELIVERED) + col(cols::DEFERRED) + col(cols::BOUNCED))
                    .alias(cols::ATTEMPTS),
            ),
        period,
        &base_dims,
        &[cols::ATTEMPTS, cols::DEFERRED],
    )?;

    let joined = if dims.contains(&Dim::Class) {
        let numerators = with_baselines(
            base.filter(col(cols::CLASS).is_not_null())
                .group_by(key_exprs(time, &all_dims))
                .agg([
                    sum(cols::DEFERRED),
                    sum(cols::BOUNCED),
                    sum(cols::QUEUE_DEFERRALS),
                ]),
            period,
            &all_dims,
            &[cols::DEFERRED],
        )?;
        let mut wanted = key_exprs(time, &base_dims);
        for c in [
            cols::ATTEMPTS.to_string(),
            cols::DELIVERED.to_string(),
            format!("{PREV}{}", cols::ATTEMPTS),
            format!("{ROLL}{}", cols::ATTEMPTS),
        ] {
            wanted.push(col(c));
        }
        let on = key_exprs(time, &base_dims);
        numerators.join(
            denominators.select(wanted),
            on.clone(),
            on,
            JoinArgs::new(JoinType::Left),
        )
    } else {
        denominators
    };
    let sort_by: Vec<PlSmallStr> = std::iter::once(time)
        .chain(all_dims.iter().copied())
        .map(PlSmallStr::from)
        .collect();
    let frame = joined
        .sort(sort_by, SortMultipleOptions::default())
        .collect()?;
    to_rows(&frame, names, time, &all_dims)
}

fn key_exprs(time: &str, dims: &[&str]) -> Vec<Expr> {
    std::iter::once(time)
        .chain(dims.iter().copied())
        .chain(std::iter::once(ALL))
        .map(col)
        .collect()
}

/// Adds `prev_<v>` (the value one period earlier, null when that bucket has no rows) and
/// `roll_<v>` (the sum over the rolling window before the bucket, itself excluded).
fn with_baselines(
    frame: LazyFrame,
    period: Period,
    dims: &[&str],
    values: &[&str],
) -> PolarsResult<LazyFrame> {
    let time = period.column();
    let mut shifted = vec![(col(time) + lit(period.previous_offset())).alias(time)];
    shifted.extend(dims.iter().chain(std::iter::once(&ALL)).map(|d| col(*d)));
    shifted.extend(values.iter().map(|v| col(*v).alias(format!("{PREV}{v}"))));
    let on = key_exprs(time, dims);
    let partition: Vec<Expr> = dims
        .iter()
        .chain(std::iter::once(&ALL))
        .map(|d| col(*d))
        .collect();
    let mut rolling = Vec::new();
    for v in values {
        rolling.push(
            col(*v)
                .rolling_sum_by(
                    col(time),
                    RollingOptionsDynamicWindow {
                        window_size: Duration::parse(&period.window()),
                        min_periods: 1,
                        closed_window: ClosedWindow::Left,
                        fn_params: None,
                    },
                )
                .over(partition.clone())?
                .alias(format!("{ROLL}{v}")),
        );
    }
    let mut sort_by: Vec<PlSmallStr> = dims.iter().map(|d| PlSmallStr::from(*d)).collect();
    sort_by.push(time.into());
    let frame = frame.with_column(col(time).cast(DataType::Int64));
    let previous = frame.clone().select(shifted);
    Ok(frame
        .sort(sort_by, SortMultipleOptions::default())
        .with_columns(rolling)
        .join(previous, on.clone(), on, JoinArgs::new(JoinType::Left)))
}

fn to_rows(
    frame: &DataFrame,
    names: &Names,
    time: &str,
    dims: &[&str],
) -> PolarsResult<Vec<MetricRow>> {
    let int = |name: &str| -> PolarsResult<Vec<u64>> {
        let column = frame.column(name)?.cast(&DataType::Int64)?;
        Ok(column
            .i64()?
            .iter()
            .map(|v| v.unwrap_or(0).max(0) as u64)
            .collect())
    };
    let periods: Vec<i64> = frame
        .column(time)?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect();
    let mut keys: Vec<Vec<String>> = vec![Vec::with_capacity(dims.len()); frame.height()];
    for dim in dims {
        let column = frame.column(dim)?.u32()?.clone();
        for (row, id) in keys.iter_mut().zip(column.iter()) {
            row.push(names.name(dim, id).to_string());
        }
    }
    let attempts = int(cols::ATTEMPTS)?;
    let delivered = int(cols::DELIVERED)?;
    let deferred = int(cols::DEFERRED)?;
    let bounced = int(cols::BOUNCED)?;
    let queue = int(cols::QUEUE_DEFERRALS)?;
    let prev_attempts = int(&format!("{PREV}{}", cols::ATTEMPTS))?;
    let prev_deferred = int(&format!("{PREV}{}", cols::DEFERRED))?;
    let rolling_attempts = int(&format!("{ROLL}{}", cols::ATTEMPTS))?;
    let rolling_deferred = int(&format!("{ROLL}{}", cols::DEFERRED))?;
    Ok((0..frame.height())
        .map(|i| MetricRow {
            period: periods[i],
            keys: std::mem::take(&mut keys[i]),
            attempts: attempts[i],
            delivered: delivered[i],
            deferred: deferred[i],
            bounced: bounced[i],
            queue_deferrals: queue[i],
            prev_attempts: prev_attempts[i],
            prev_deferred: prev_deferred[i],
            rolling_attempts: rolling_attempts[i],
            rolling_deferred: rolling_deferred[i],
        })
        .collect())
}

/// A group's trend, and the days of history it was computed over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    pub pp_per_week: f64,
    /// From the group's first day with rows in the 28-day window up to the day.
    pub days: i64,
}

/// The volume-weighted least-squares slope of the daily deferral rate over the 28 days
/// ending with `day`, in percentage points per week, per group of `rows` (daily rows);
/// only for groups with at least `min_days` days of history (docs/metrics.md).
/// Days the trend is fitted over, the review day included.
pub const TREND_DAYS: i64 = 28;

pub fn trends(rows: &[MetricRow], day: i64, min_days: i64) -> HashMap<Vec<String>, Trend> {
    #[derive(Default)]
    struct Sums {
        first: i64,
        w: f64,
        wx: f64,
        wy: f64,
        wxy: f64,
        wxx: f64,
    }
    let mut sums: HashMap<&[String], Sums> = HashMap::new();
    for row in rows
        .iter()
        .filter(|r| r.period > day - TREND_DAYS && r.period <= day)
    {
        let x = (row.period - day) as f64;
        let w = row.attempts as f64;
        let wy = row.deferred as f64; // w * (deferred / attempts)
        let s = sums.entry(&row.keys).or_insert_with(|| Sums {
            first: row.period,
            ..Sums::default()
        });
        s.first = s.first.min(row.period);
        s.w += w;
        s.wx += w * x;
        s.wy += wy;
        s.wxy += wy * x;
        s.wxx += w * x * x;
    }
    sums.into_iter()
        .filter_map(|(keys, s)| {
            let days = day - s.first + 1;
            let denominator = s.w * s.wxx - s.wx * s.wx;
            (days >= min_days && denominator.abs() > 1e-9).then(|| {
                let slope_per_day = (s.w * s.wxy - s.wx * s.wy) / denominator;
                let trend = Trend {
                    pp_per_week: slope_per_day * 100.0 * 7.0,
                    days,
                };
                (keys.to_vec(), trend)
            })
        })
        .collect()
}
