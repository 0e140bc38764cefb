//! Hourly series of one scope (an ISP, optionally one source IP, pool, VirtualMTA or
//! class), for charts.

use std::collections::BTreeMap;

use super::hourly;
use super::incidents;
use super::metrics::{Dim, Period};
use super::stats::significant_rise;
use super::status::{DayCounts, Status, Thresholds};
use crate::aggregate::Aggregates;
use crate::classify::Class;
use crate::error::Error;
use crate::query::{Lookback, Selection};

/// What a chart of hours reads before its first hour: the hourly baselines, and the
/// incident search whose incidents it marks.
pub const LOOKBACK: Lookback = Lookback::longest(&[Period::Hour.lookback(), incidents::LOOKBACK]);

/// What a chart is about.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub isp: String,
    pub source_ip: Option<String>,
    pub pool: Option<String>,
    pub vmta: Option<String>,
    pub class: Option<Class>,
}

impl Scope {
    /// "gmail, IP 203.0.113.14, class rdns_missing".
    pub fn describe(&self) -> String {
        let mut parts = vec![self.isp.clone()];
        if let Some(ip) = &self.source_ip {
            parts.push(format!("IP {ip}"));
        }
        if let Some(pool) = &self.pool {
            parts.push(format!("pool {pool}"));
        }
        if let Some(vmta) = &self.vmta {
            parts.push(format!("VirtualMTA {vmta}"));
        }
        if let Some(class) = self.class {
            parts.push(format!("class {class}"));
        }
        parts.join(", ")
    }

    /// The cells of the scope's ISP, IP, pool and VirtualMTA (all classes).
    fn selection(&self, aggregates: &Aggregates) -> Selection {
        Selection::named(
            aggregates,
            Some(&self.isp),
            self.source_ip.as_deref(),
            self.vmta.as_deref(),
            self.pool.as_deref(),
        )
    }
}

/// One hour of a scope's deferral rate with its baselines.
#[derive(Debug, Clone, PartialEq)]
pub struct RatePoint {
    /// Hours since the epoch (UTC).
    pub hour: i64,
    pub attempts: u64,
    pub deferred: u64,
    pub rate: Option<f64>,
    /// The same hour a day earlier.
    pub prev_day: Option<f64>,
    /// The 168 hours before.
    pub rolling_7d: Option<f64>,
    /// The hour, judged like a day with its volume, has status `alert`.
    pub alert: bool,
}

/// The hourly deferral rate of a scope in `[from, to)` (epoch hours). With a class in the
/// scope, the rate is that class's deferrals over all attempts.
pub fn rate_series(
    aggregates: &Aggregates,
    scope: &Scope,
    from: i64,
    to: i64,
    thresholds: &Thresholds,
) -> Result<Vec<RatePoint>, Error> {
    let dims: &[Dim] = if scope.class.is_some() {
        &[Dim::Class]
    } else {
        &[]
    };
    let rows = hourly(
        aggregates,
        scope.selection(aggregates),
        dims,
        Some(from),
        Some(to),
    )?;
    let class = scope.class.map(Class::id);
    Ok(rows
        .iter()
        .filter(|row| class.is_none_or(|c| row.keys.first().map(String::as_str) == Some(c)))
        .map(|row| {
            let rate = row.deferral_rate();
            let rolling = row.rolling_deferral_rate();
            // An hour is judged as a day with 24 times its volume would be, and only when
            // its deferrals stand out from the noise of so few attempts.
            let status = thresholds
                .assess(&DayCounts {
                    attempts: row.attempts * 24,
                    deferred: row.deferred * 24,
                    baseline: rolling,
                    baseline_attempts: None,
                    trend_pp_per_week: None,
                })
                .status;
            let alert = status == Status::Alert
                && rolling.is_some_and(|p| significant_rise(row.deferred, row.attempts, p, 3.0));
            RatePoint {
                hour: row.period,
                attempts: row.attempts,
                deferred: row.deferred,
                rate,
                prev_day: row.prev_deferral_rate(),
                rolling_7d: rolling,
                alert,
            }
        })
        .collect())
}

/// Deferrals (t rows) per hour of a scope in `[from, to)`, by class.
pub fn class_series(
    aggregates: &Aggregates,
    scope: &Scope,
    from: i64,
    to: i64,
) -> Result<BTreeMap<i64, BTreeMap<Class, u64>>, Error> {
    let mut out: BTreeMap<i64, BTreeMap<Class, u64>> = BTreeMap::new();
    for row in hourly(
        aggregates,
        scope.selection(aggregates),
        &[Dim::Class],
        Some(from),
        Some(to),
    )? {
        let Some(class) = row.keys.first().and_then(|c| Class::from_id(c)) else {
            continue;
        };
        if scope.class.is_none_or(|c| c == class) && row.deferred > 0 {
            *out.entry(row.period).or_default().entry(class).or_insert(0) += row.deferred;
        }
    }
    Ok(out)
}

/// One cell of the per-IP heat map.
#[derive(Debug, Clone, PartialEq)]
pub struct IpHour {
    pub hour: i64,
    pub attempts: u64,
    pub rate: Option<f64>,
}

/// Hourly deferral rate per source IP of a scope in `[from, to)`; IPs by name.
pub fn ip_series(
    aggregates: &Aggregates,
    scope: &Scope,
    from: i64,
    to: i64,
) -> Result<BTreeMap<String, Vec<IpHour>>, Error> {
    let mut out: BTreeMap<String, Vec<IpHour>> = BTreeMap::new();
    for row in hourly(
        aggregates,
        scope.selection(aggregates),
        &[Dim::SourceIp],
        Some(from),
        Some(to),
    )? {
        let ip = row.keys.first().cloned().unwrap_or_default();
        out.entry(ip).or_default().push(IpHour {
            hour: row.period,
            attempts: row.attempts,
            rate: row.deferral_rate(),
        });
    }
    Ok(out)
}
