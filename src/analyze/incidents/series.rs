//! The hourly counts an incident search reads, per scope (an ISP, or a source IP at an
//! ISP) and class, and the baseline rate of normal days.

use std::collections::HashMap;

use crate::aggregate::Aggregates;
use crate::analyze::changepoint::HourCounts;
use crate::analyze::group::is_placeholder_ip;
use crate::analyze::stats::rise_z;
use crate::classify::Class;
use crate::query::{Dims, Query, Window};

/// A series: an ISP, or a source IP at an ISP.
pub(super) type Scope = (u32, Option<u32>);

/// The hourly counts of the scan, one slot per hour from `from`.
pub(super) struct Scan {
    pub(super) from: i64,
    pub(super) attempts: HashMap<Scope, Vec<u32>>,
    /// Deferrals and bounces per scope and class, by hour.
    pub(super) failures: HashMap<(Scope, Class), Vec<(u32, u32)>>,
}

impl Scan {
    pub(super) fn of(aggregates: &Aggregates, from: i64, to: i64) -> Scan {
        let hours = (to - from).max(0) as usize;
        let mut scan = Scan {
            from,
            attempts: HashMap::new(),
            failures: HashMap::new(),
        };
        let placeholder: Vec<bool> = (0..aggregates.source_ips.len() as u32)
            .map(|ip| is_placeholder_ip(aggregates.source_ips.name(ip)))
            .collect();
        let query = Query::hourly(
            Window::new(from, to),
            Dims::ISP.with_source_ip().with_class(),
        );
        query.visit(aggregates, |key, counts| {
            if counts.attempts() == 0 {
                return;
            }
            let slot = (key.time - from) as usize;
            let attempts = clamp(counts.attempts());
            let failure = key.class.filter(|_| counts.failures() > 0);
            let ip = key.source_ip.expect("kept");
            let ip_scope = (!placeholder[ip as usize]).then_some((key.isp, Some(ip)));
            for scope in std::iter::once((key.isp, None)).chain(ip_scope) {
                let slots = scan.attempts.entry(scope).or_insert_with(|| vec![0; hours]);
                slots[slot] = slots[slot].saturating_add(attempts);
                if let Some(class) = failure {
                    let failures = scan
                        .failures
                        .entry((scope, class))
                        .or_insert_with(|| vec![(0, 0); hours]);
                    let cell = &mut failures[slot];
                    cell.0 = cell.0.saturating_add(clamp(counts.deferred));
                    cell.1 = cell.1.saturating_add(clamp(counts.bounced));
                }
            }
        });
        scan
    }

    pub(super) fn series(&self, scope: Scope, class: Class) -> Vec<HourCounts> {
        let attempts = &self.attempts[&scope];
        let failures = &self.failures[&(scope, class)];
        attempts
            .iter()
            .zip(failures)
            .map(|(&a, &(t, b))| HourCounts {
                attempts: u64::from(a),
                failures: u64::from(t) + u64::from(b),
            })
            .collect()
    }

    /// Attempts and failures of `class` in `scope` over the slots `[from, to]`.
    pub(super) fn totals(
        &self,
        scope: Scope,
        class: Class,
        from: usize,
        to: usize,
    ) -> (u64, u64, u64) {
        let Some(attempts) = self.attempts.get(&scope) else {
            return (0, 0, 0);
        };
        let n = attempts[from..=to].iter().map(|&a| u64::from(a)).sum();
        let (t, b) = self.failures.get(&(scope, class)).map_or((0, 0), |f| {
            f[from..=to].iter().fold((0, 0), |(t, b), &(dt, db)| {
                (t + u64::from(dt), b + u64::from(db))
            })
        });
        (n, t, b)
    }
}

/// A count in a slot of the scan, which keeps 32 bits.
fn clamp(count: u64) -> u32 {
    count.min(u64::from(u32::MAX)) as u32
}

/// The rate of normal days: the pooled rate of the days that do not stand out, where a day
/// stands out when its failures lie more than `z` standard deviations above the pooled rate
/// of the others. A few rounds settle it; an incident of a few days then leaves the
/// baseline alone.
pub fn baseline_rate(days: &[HourCounts], z: f64) -> Option<f64> {
    let mut kept: Vec<bool> = days.iter().map(|d| d.attempts > 0).collect();
    let mut rate = None;
    for _ in 0..4 {
        let (n, x) = days
            .iter()
            .zip(&kept)
            .filter(|(_, keep)| **keep)
            .fold((0, 0), |(n, x), (d, _)| (n + d.attempts, x + d.failures));
        if n == 0 {
            return rate;
        }
        let pooled = x as f64 / n as f64;
        rate = Some(pooled);
        let next: Vec<bool> = days
            .iter()
            .map(|d| d.attempts > 0 && rise_z(d.failures, d.attempts, pooled) <= z)
            .collect();
        if next == kept {
            break;
        }
        kept = next;
    }
    rate
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(counts: &[(u64, u64)]) -> Vec<HourCounts> {
        counts
            .iter()
            .map(|&(attempts, failures)| HourCounts { attempts, failures })
            .collect()
    }

    #[test]
    fn the_baseline_leaves_out_the_days_of_an_incident() {
        let mut counts = vec![(1000, 20); 8];
        counts.extend([(1000, 300); 5]);
        let rate = baseline_rate(&days(&counts), 3.0).unwrap();
        assert!((rate - 0.02).abs() < 1e-9, "{rate}");
    }

    #[test]
    fn the_baseline_keeps_ordinary_noise() {
        let counts = [(1000, 15), (1000, 25), (1000, 20), (1000, 22), (1000, 18)];
        let rate = baseline_rate(&days(&counts), 3.0).unwrap();
        assert!((rate - 0.02).abs() < 1e-9, "{rate}");
        assert_eq!(baseline_rate(&days(&[(0, 0), (0, 0)]), 3.0), None);
    }
}
