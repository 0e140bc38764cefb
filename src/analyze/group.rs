//! One group's day (an ISP, a source IP at an ISP, or a pool at an ISP): counts, rates
//! against its baselines, status and the recent daily history.

use std::collections::BTreeMap;

use serde::Serialize;

use super::status::{Assessment, Status};

/// One group's day.
#[derive(Debug, Clone, Serialize)]
pub struct GroupDay {
    pub isp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    pub attempts: u64,
    pub delivered: u64,
    pub deferred: u64,
    pub bounced: u64,
    pub queue_deferrals: u64,
    pub deferral_rate: Option<f64>,
    pub bounce_rate: Option<f64>,
    pub prev_day_deferral_rate: Option<f64>,
    pub rolling_7d_deferral_rate: Option<f64>,
    /// `null` without `trend_min_days` days of history.
    pub trend_pp_per_week: Option<f64>,
    /// The days of history the trend was computed over (at most 28).
    #[serde(skip)]
    pub trend_days: Option<i64>,
    pub status: Status,
    /// Deferrals, bounces and queue deferrals by class.
    pub classes: BTreeMap<String, u64>,
    #[serde(skip)]
    pub assessment: Option<Assessment>,
    /// The daily rates of the 28 days up to the review day, oldest first (for sparklines).
    #[serde(skip)]
    pub history: Vec<DayRate>,
}

/// One day of a group's deferral rate and its seven-day baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayRate {
    pub day: i64,
    pub rate: Option<f64>,
    pub rolling_7d: Option<f64>,
}

/// Source IPs that stand for "no IP": queue-level rows before a connection, and rows whose
/// source IP field is not an IP address.
pub fn is_placeholder_ip(ip: &str) -> bool {
    ip.is_empty() || ip == "0.0.0.0" || ip == "::" || ip == crate::aggregate::INVALID_SOURCE_IP
}

/// Days of history kept for sparklines.
pub const HISTORY_DAYS: i64 = 28;

impl GroupDay {
    /// Classes by count, largest first.
    pub fn top_classes(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.classes.iter().map(|(c, n)| (c.as_str(), *n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }

    /// The change of the deferral rate against the seven-day average, in pp.
    pub fn change_pp(&self) -> Option<f64> {
        Some((self.deferral_rate? - self.rolling_7d_deferral_rate?) * 100.0)
    }
}
