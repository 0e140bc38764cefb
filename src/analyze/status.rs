//! Status (`ok`, `watch`, `alert`) of a group's day. A rise over the seven-day baseline
//! counts only when it is both statistically significant (the day's deferrals stand out
//! from what the baseline rate gives for the day's attempts) and practically significant
//! (enough points, enough times the baseline, enough deferrals); a trend counts only with
//! the history to compute it, and only on a day that is above its baseline.

use serde::{Deserialize, Serialize};

use super::stats::{family_z, rise_z, rise_z_against_sample};

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
    /// A rise needs at least this many deferrals on the day...
    pub min_deferrals: u64,
    /// ...lying at least this many standard deviations above what the seven-day rate gives
    /// for the day's attempts (one-sided binomial score test; 3 is p < 0.0014).
    pub significance_z: f64,
    /// `watch` / `alert` when the 28-day trend rises at least this many pp per week...
    pub watch_trend_pp_per_week: f64,
    pub alert_trend_pp_per_week: f64,
    /// ...computed only when the group has at least this many days of history.
    pub trend_min_days: i64,
    /// Evidence (natural log of the likelihood ratio of a raised rate against the
    /// baseline) that starts an incident...
    pub incident_evidence: f64,
    /// ...and that ends one (docs/metrics.md, "Incidents").
    pub recovery_evidence: f64,
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
            min_deferrals: 10,
            significance_z: 3.0,
            watch_trend_pp_per_week: 0.5,
            alert_trend_pp_per_week: 2.0,
            trend_min_days: 21,
            incident_evidence: 12.0,
            recovery_evidence: 6.0,
            rdns_min_rows: 20,
            rdns_share: 0.5,
            rdns_sibling_share: 0.05,
        }
    }
}

impl Thresholds {
    /// Checks that every threshold is a finite number in its range; the error names the key
    /// and the range. A NaN or infinite threshold, or a negative one, would turn every
    /// comparison false, and a CRITICAL day into OK.
    pub fn validate(&self) -> Result<(), String> {
        let floats = [
            ("watch_jump_pp", self.watch_jump_pp, 0.0, 100.0),
            ("watch_jump_ratio", self.watch_jump_ratio, 1.0, 1000.0),
            ("alert_jump_pp", self.alert_jump_pp, 0.0, 100.0),
            ("alert_jump_ratio", self.alert_jump_ratio, 1.0, 1000.0),
            ("significance_z", self.significance_z, 0.0, 20.0),
            (
                "watch_trend_pp_per_week",
                self.watch_trend_pp_per_week,
                0.0,
                100.0,
            ),
            (
                "alert_trend_pp_per_week",
                self.alert_trend_pp_per_week,
                0.0,
                100.0,
            ),
            ("incident_evidence", self.incident_evidence, 0.1, 1000.0),
            ("recovery_evidence", self.recovery_evidence, 0.1, 1000.0),
            ("rdns_share", self.rdns_share, 0.0, 1.0),
            ("rdns_sibling_share", self.rdns_sibling_share, 0.0, 1.0),
        ];
        for (key, value, min, max) in floats {
            // NaN fails both comparisons, so it is refused too.
            if !(value >= min && value <= max) {
                return Err(format!(
                    "[thresholds] {key} = {value}: give a number from {min} to {max}"
                ));
            }
        }
        if self.rdns_min_rows == 0 {
            return Err(
                "[thresholds] rdns_min_rows = 0: give at least 1 (an IP without rdns_* rows is no rdns finding)"
                    .into(),
            );
        }
        if !(2..=28).contains(&self.trend_min_days) {
            return Err(format!(
                "[thresholds] trend_min_days = {}: give a whole number of days from 2 to 28 (the trend spans 28)",
                self.trend_min_days
            ));
        }
        Ok(())
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

/// What a group's day is judged on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayCounts {
    pub attempts: u64,
    pub deferred: u64,
    /// The seven-day deferral rate before the day...
    pub baseline: Option<f64>,
    /// ...and the attempts it is the rate of, when it is a sample rather than a model.
    pub baseline_attempts: Option<u64>,
    /// pp/week, when there is the history for it.
    pub trend_pp_per_week: Option<f64>,
}

impl DayCounts {
    fn rate(&self) -> Option<f64> {
        (self.attempts > 0).then(|| self.deferred as f64 / self.attempts as f64)
    }
}

impl Thresholds {
    /// Assesses a stretch of hours the change-point finder singled out: the same tests as a
    /// day's rise, without the day's minimum of attempts (a two-hour outage at a small ISP
    /// has few attempts, yet enough failures to be sure of).
    pub fn assess_stretch(&self, stretch: &DayCounts) -> Assessment {
        Thresholds {
            min_attempts: 0,
            ..self.clone()
        }
        .assess(stretch)
    }

    /// The thresholds for one of `siblings` groups tested side by side at one ISP (its
    /// source IPs or pools): the significance level rises with their number (docs/metrics.md).
    pub fn for_siblings(&self, siblings: usize) -> Thresholds {
        Thresholds {
            significance_z: family_z(self.significance_z, siblings),
            ..self.clone()
        }
    }

    /// Assesses one group's day.
    pub fn assess(&self, day: &DayCounts) -> Assessment {
        let (attempts, rate, baseline) = (day.attempts, day.rate(), day.baseline);
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
            let z = match day.baseline_attempts {
                Some(n) => rise_z_against_sample(day.deferred, attempts, baseline, n),
                None => rise_z(day.deferred, attempts, baseline),
            };
            let significant = day.deferred >= self.min_deferrals && z > self.significance_z;
            if !significant {
                // Within the noise of the day's volume: no rise to speak of.
            } else if jump_pp >= self.alert_jump_pp && ratio >= self.alert_jump_ratio {
                out.status = Status::Alert;
                out.jumped = true;
            } else if jump_pp >= self.watch_jump_pp && ratio >= self.watch_jump_ratio {
                out.status = Status::Watch;
                out.jumped = true;
            }
        }
        let above_baseline = matches!((rate, baseline), (Some(r), Some(b)) if r > b);
        if let Some(trend) = day.trend_pp_per_week.filter(|_| above_baseline) {
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

    fn day(attempts: u64, rate: f64, baseline: f64, trend: Option<f64>) -> DayCounts {
        DayCounts {
            attempts,
            deferred: (attempts as f64 * rate).round() as u64,
            baseline: Some(baseline),
            baseline_attempts: None,
            trend_pp_per_week: trend,
        }
    }

    #[test]
    fn a_slow_rise_is_flagged_but_a_stable_level_is_not() {
        let t = Thresholds::default();
        // 3% -> 7% over four weeks: ~1 pp/week, each day close to its 7-day average.
        let rising = t.assess(&day(10_000, 0.07, 0.065, Some(1.0)));
        assert_eq!(rising.status, Status::Watch);
        assert!(rising.rising);
        let stable = t.assess(&day(10_000, 0.07, 0.07, Some(0.02)));
        assert_eq!(stable.status, Status::Ok);
    }

    #[test]
    fn a_trend_alone_needs_a_day_above_its_baseline() {
        let t = Thresholds::default();
        let below = t.assess(&day(10_000, 0.06, 0.065, Some(1.5)));
        assert_eq!(below.status, Status::Ok);
        assert!(!below.rising);
    }

    #[test]
    fn a_jump_over_the_baseline_alerts() {
        let t = Thresholds::default();
        let a = t.assess(&day(10_000, 0.098, 0.031, Some(0.1)));
        assert_eq!(a.status, Status::Alert);
        assert!(a.jumped);
        // +2.5 pp but only 1.3x: a high-baseline ISP wobbling is not a jump.
        let w = t.assess(&day(10_000, 0.125, 0.10, None));
        assert_eq!(w.status, Status::Ok);
    }

    #[test]
    fn a_jump_within_the_noise_of_a_quiet_day_is_not_a_finding() {
        let t = Thresholds::default();
        // 2 deferrals of 210 attempts (1%) against 0.2%: 5x and +0.8 pp, but two rows.
        assert_eq!(t.assess(&day(210, 0.0095, 0.002, None)).status, Status::Ok);
        // 12 of 240 (5%) against 2%: enough deferrals, +3 pp, 2.5x and 3.3 sd: a watch.
        let noisy = DayCounts {
            attempts: 240,
            deferred: 12,
            baseline: Some(0.02),
            baseline_attempts: None,
            trend_pp_per_week: None,
        };
        assert_eq!(t.assess(&noisy).status, Status::Watch);
        // 9 deferrals are too few to speak of, whatever their rate.
        let tiny = DayCounts {
            attempts: 220,
            deferred: 9,
            baseline: Some(0.02),
            baseline_attempts: None,
            trend_pp_per_week: None,
        };
        assert_eq!(t.assess(&tiny).status, Status::Ok);
    }

    #[test]
    fn low_volume_is_not_judged() {
        let t = Thresholds::default();
        assert_eq!(t.assess(&day(50, 0.5, 0.0, Some(9.0))).status, Status::Ok);
    }
}
