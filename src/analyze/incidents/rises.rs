//! Rises: changes of one series that pass the stretch test, and their grouping into one
//! incident per scope when their hours overlap.

use super::series::{Scan, Scope, baseline_rate};
use crate::analyze::changepoint::{Change, HourCounts, Hypotheses, changes};
use crate::analyze::status::{DayCounts, Status, Thresholds};
use crate::classify::Class;

/// A change that passed the stretch test, in one scope and class.
#[derive(Debug, Clone)]
pub(super) struct Rise {
    pub(super) scope: Scope,
    pub(super) class: Class,
    pub(super) change: Change,
    pub(super) baseline: f64,
    pub(super) attempts: u64,
    pub(super) deferrals: u64,
    pub(super) bounces: u64,
    pub(super) severity: Status,
}

impl Rise {
    pub(super) fn excess(&self) -> f64 {
        (self.deferrals + self.bounces) as f64 - self.baseline * self.attempts as f64
    }

    pub(super) fn overlaps(&self, other: &Rise) -> bool {
        self.change.onset <= other.change.last_seen && other.change.onset <= self.change.last_seen
    }
}

/// The rises of one series that pass the stretch test.
pub(super) fn rises_of(
    scan: &Scan,
    scope: Scope,
    class: Class,
    thresholds: &Thresholds,
) -> Vec<Rise> {
    // Most series of a fleet's IPs have too few failures to hold a rise: they are never
    // laid out hour by hour.
    if scan.failures_total(scope, class) < thresholds.min_deferrals {
        return Vec::new();
    }
    let series = scan.series(scope, class);
    let days: Vec<HourCounts> = series
        .chunks(24)
        .map(|day| HourCounts {
            attempts: day.iter().map(|h| h.attempts).sum(),
            failures: day.iter().map(|h| h.failures).sum(),
        })
        .collect();
    let Some(baseline) = baseline_rate(&days, thresholds.significance_z) else {
        return Vec::new();
    };
    let rise =
        (thresholds.watch_jump_pp / 100.0).max(baseline * (thresholds.watch_jump_ratio - 1.0));
    let hypotheses = Hypotheses {
        baseline,
        raised: baseline + rise,
        alarm: thresholds.incident_evidence,
        recovery: thresholds.recovery_evidence,
    };
    changes(&series, &hypotheses)
        .into_iter()
        .filter_map(|change| {
            let (attempts, deferrals, bounces) =
                scan.totals(scope, class, change.onset, change.last_seen);
            let severity = thresholds
                .assess_stretch(&DayCounts {
                    attempts,
                    deferred: deferrals + bounces,
                    baseline: Some(baseline),
                    baseline_attempts: None,
                    trend_pp_per_week: None,
                })
                .status;
            (severity > Status::Ok).then_some(Rise {
                scope,
                class,
                change,
                baseline,
                attempts,
                deferrals,
                bounces,
                severity,
            })
        })
        .collect()
}

/// Groups rises of one scope whose hours overlap: one incident each.
pub(super) fn merge_classes(mut rises: Vec<Rise>) -> Vec<Vec<Rise>> {
    rises.sort_by_key(|r| (r.scope, r.change.onset));
    let mut groups: Vec<Vec<Rise>> = Vec::new();
    for rise in rises {
        match groups.last_mut() {
            Some(group)
                if group[0].scope == rise.scope && group.iter().any(|r| r.overlaps(&rise)) =>
            {
                group.push(rise)
            }
            _ => groups.push(vec![rise]),
        }
    }
    groups
}
