//! Status (`ok`, `watch`, `alert`) from configurable thresholds on the jump over the
//! seven-day baseline and on the 28-day trend, not on the level alone.

use serde::{Deserialize, Serialize};

/// Status of an ISP, source IP or pool on the report day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Watch,
    Alert,
}

impl Status {
    pub fn id(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Watch => "watch",
            Status::Alert => "alert",
        }
    }
}

/// The `[thresholds]` section of the config file. Rates in percentage points (pp).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Fewer attempts than this on the day: too little volume to judge, status `ok`.
    pub min_attempts: u64,
    /// `watch` when today's rate is at least this many pp above the seven-day average...
    pub watch_jump_pp: f64,
    /// ...and at least this many times it.
    pub watch_jump_ratio: f64,
    pub alert_jump_pp: f64,
    pub alert_jump_ratio: f64,
    /// `watch` / `alert` when the 28-day trend rises at least this many pp per week.
    pub watch_trend_pp_per_week: f64,
    pub alert_trend_pp_per_week: f64,
    /// An IP's `rdns_*` finding needs at least this many rdns rows at one ISP...
    pub rdns_min_rows: u64,
    /// ...making up at least this share of its deferrals and bounces there...
    pub rdns_share: f64,
    /// ...while its sibling IPs at that ISP stay below this share.
    pub rdns_sibling_share: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_attempts: 200,
            watch_jump_pp: 2.0,
            watch_jump_ratio: 1.5,
            alert_jump_pp: 5.0,
            alert_jump_ratio: 2.0,
            watch_trend_pp_per_week: 0.5,
            alert_trend_pp_per_week: 2.0,
            rdns_min_rows: 20,
            rdns_share: 0.5,
            rdns_sibling_share: 0.05,
        }
    }
}

/// Why a group got its status.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    pub status: Status,
    /// Today's rate against the seven-day average set the status.
    pub jumped: bool,
    /// The 28-day trend set the status.
    pub rising: bool,
}

impl Thresholds {
    /// Assesses one group's day from its rate, seven-day baseline and trend.
    pub fn assess(
        &self,
        attempts: u64,
        rate: Option<f64>,
        baseline: Option<f64>,
        trend_pp_per_week: Option<f64>,
    ) -> Assessment {
        let mut out = Assessment {
            status: Status::Ok,
            jumped: false,
            rising: false,
        };
        if attempts < self.min_attempts {
            return out;
        }
        if let (Some(rate), Some(baseline)) = (rate, baseline) {
            let jump_pp = (rate - baseline) * 100.0;
            let ratio = if baseline > 0.0 {
                rate / baseline
            } else {
                f64::INFINITY
            };
            if jump_pp >= self.alert_jump_pp && ratio >= self.alert_jump_ratio {
                out.status = Status::Alert;
                out.jumped = true;
            } else if jump_pp >= self.watch_jump_pp && ratio >= self.watch_jump_ratio {
                out.status = Status::Watch;
                out.jumped = true;
            }
        }
        if let Some(trend) = trend_pp_per_week {
            let trend_status = if trend >= self.alert_trend_pp_per_week {
                Status::Alert
            } else if trend >= self.watch_trend_pp_per_week {
                Status::Watch
            } else {
                Status::Ok
            };
            if trend_status > Status::Ok {
                out.rising = true;
                out.status = out.status.max(trend_status);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_rise_is_flagged_but_a_stable_level_is_not() {
        let t = Thresholds::default();
        // 3% -> 7% over four weeks: ~1 pp/week, each day close to its 7-day average.
        let rising = t.assess(10_000, Some(0.07), Some(0.065), Some(1.0));
        assert_eq!(rising.status, Status::Watch);
        assert!(rising.rising);
        let stable = t.assess(10_000, Some(0.07), Some(0.07), Some(0.02));
        assert_eq!(stable.status, Status::Ok);
    }

    #[test]
    fn a_jump_over_the_baseline_alerts() {
        let t = Thresholds::default();
        let a = t.assess(10_000, Some(0.098), Some(0.031), Some(0.1));
        assert_eq!(a.status, Status::Alert);
        assert!(a.jumped);
        // +2.5 pp but only 1.3x: a high-baseline ISP wobbling is not a jump.
        let w = t.assess(10_000, Some(0.125), Some(0.10), None);
        assert_eq!(w.status, Status::Ok);
    }

    #[test]
    fn low_volume_is_not_judged() {
        let t = Thresholds::default();
        assert_eq!(
            t.assess(50, Some(0.5), Some(0.0), Some(9.0)).status,
            Status::Ok
        );
    }
}
