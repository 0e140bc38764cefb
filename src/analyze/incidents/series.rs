//! The hourly counts an incident search reads, per scope (an ISP, or a source IP at an
//! ISP) and class, and the baseline rate of normal days.

use std::collections::HashMap;
use std::hash::Hash;

use foldhash::fast::RandomState;

use crate::aggregate::Aggregates;
use crate::analyze::changepoint::HourCounts;
use crate::analyze::group::is_placeholder_ip;
use crate::analyze::stats::rise_z;
use crate::classify::Class;
use crate::query::{Dims, Query, Window};

/// A series: an ISP, or a source IP at an ISP.
pub(super) type Scope = (u32, Option<u32>);

/// What one hour of a series holds: attempts, or deferrals and bounces.
pub(super) trait Slot: Copy + Default {
    fn add(self, other: Self) -> Self;
}

impl Slot for u32 {
    fn add(self, other: u32) -> u32 {
        self.saturating_add(other)
    }
}

impl Slot for (u32, u32) {
    fn add(self, other: (u32, u32)) -> (u32, u32) {
        (
            self.0.saturating_add(other.0),
            self.1.saturating_add(other.1),
        )
    }
}

/// The hours of one series. An ISP's series has counts in most hours and is kept dense; a
/// source IP's, one of thousands at a fleet, has them in few and is kept as its hours
/// with counts, in order: memory then grows with the cells, not with IPs x hours.
pub(super) enum Hours<T> {
    Dense(Vec<T>),
    Sparse(Vec<(u32, T)>),
}

impl<T: Slot> Hours<T> {
    /// An empty series of `hours` slots for `scope`: dense for an ISP, sparse for an IP.
    fn new(scope: Scope, hours: usize) -> Hours<T> {
        match scope.1 {
            None => Hours::Dense(vec![T::default(); hours]),
            Some(_) => Hours::Sparse(Vec::new()),
        }
    }

    fn add(&mut self, slot: usize, value: T) {
        match self {
            Hours::Dense(hours) => hours[slot] = hours[slot].add(value),
            Hours::Sparse(hours) => hours.push((slot as u32, value)),
        }
    }

    /// Orders a sparse series by hour and sums the entries of one hour.
    fn settle(&mut self) {
        if let Hours::Sparse(hours) = self {
            hours.sort_unstable_by_key(|&(slot, _)| slot);
            let mut settled: Vec<(u32, T)> = Vec::with_capacity(hours.len());
            for &(slot, value) in hours.iter() {
                match settled.last_mut() {
                    Some(last) if last.0 == slot => last.1 = last.1.add(value),
                    _ => settled.push((slot, value)),
                }
            }
            settled.shrink_to_fit();
            *hours = settled;
        }
    }

    pub(super) fn at(&self, slot: usize) -> T {
        match self {
            Hours::Dense(hours) => hours[slot],
            Hours::Sparse(hours) => hours
                .binary_search_by_key(&(slot as u32), |&(s, _)| s)
                .map_or(T::default(), |i| hours[i].1),
        }
    }

    /// The sum over the slots `[from, to]`.
    pub(super) fn sum(&self, from: usize, to: usize) -> impl Iterator<Item = T> + '_ {
        let (dense, sparse): (&[T], &[(u32, T)]) = match self {
            Hours::Dense(hours) => (&hours[from..=to], &[]),
            Hours::Sparse(hours) => {
                let start = hours.partition_point(|&(s, _)| (s as usize) < from);
                let end = hours.partition_point(|&(s, _)| (s as usize) <= to);
                (&[], &hours[start..end])
            }
        };
        dense
            .iter()
            .copied()
            .chain(sparse.iter().map(|&(_, value)| value))
    }

    /// One value per slot, `hours` slots.
    fn dense(&self, hours: usize) -> Vec<T> {
        match self {
            Hours::Dense(values) => values.clone(),
            Hours::Sparse(values) => {
                let mut dense = vec![T::default(); hours];
                for &(slot, value) in values {
                    dense[slot as usize] = value;
                }
                dense
            }
        }
    }
}

/// The hourly counts of the scan, one slot per hour from `from`.
pub(super) struct Scan {
    pub(super) from: i64,
    hours: usize,
    pub(super) attempts: HashMap<Scope, Hours<u32>, RandomState>,
    /// Deferrals and bounces per scope and class, by hour.
    pub(super) failures: HashMap<(Scope, Class), Hours<(u32, u32)>, RandomState>,
}

impl Scan {
    pub(super) fn of(aggregates: &Aggregates, from: i64, to: i64) -> Scan {
        let hours = (to - from).max(0) as usize;
        let placeholder: Vec<bool> = (0..aggregates.source_ips.len() as u32)
            .map(|ip| is_placeholder_ip(aggregates.source_ips.name(ip)))
            .collect();
        let query = Query::hourly(
            Window::new(from, to),
            Dims::ISP.with_source_ip().with_class(),
        );
        let mut attempts: Building<Scope, u32> = Building::new(hours);
        let mut failures: Building<(Scope, Class), (u32, u32)> = Building::new(hours);
        // Per query group, the series its counts go to, found when the group is first met.
        let mut targets: Vec<Targets> = Vec::new();
        query.fold_each(aggregates, |group, key, counts| {
            if counts.attempts() == 0 {
                return;
            }
            let group = group as usize;
            if targets.len() <= group {
                targets.resize(group + 1, Targets::UNSET);
            }
            if targets[group].is_unset() {
                let ip = key.source_ip.expect("kept");
                let ip_scope = (!placeholder[ip as usize]).then_some((key.isp, Some(ip)));
                let scopes = [Some((key.isp, None)), ip_scope];
                targets[group] = Targets {
                    attempts: scopes.map(|scope| {
                        scope.map_or(Targets::NONE, |scope| attempts.index(scope, scope))
                    }),
                    failures: scopes.map(|scope| match (scope, key.class) {
                        (Some(scope), Some(class)) => failures.index((scope, class), scope),
                        _ => Targets::NONE,
                    }),
                };
            }
            let Targets {
                attempts: to_attempts,
                failures: to_failures,
            } = targets[group];
            let slot = (key.time - from) as usize;
            for at in Targets::set(to_attempts) {
                attempts.add(at, slot, clamp(counts.attempts()));
            }
            if counts.failures() > 0 {
                let value = (clamp(counts.deferred), clamp(counts.bounced));
                for at in Targets::set(to_failures) {
                    failures.add(at, slot, value);
                }
            }
        });
        Scan {
            from,
            hours,
            attempts: attempts.into_map(),
            failures: failures.into_map(),
        }
    }

    /// Deferrals and bounces of `class` in `scope` over the whole scan.
    pub(super) fn failures_total(&self, scope: Scope, class: Class) -> u64 {
        let (_, deferrals, bounces) = self.totals(scope, class, 0, self.hours.saturating_sub(1));
        deferrals + bounces
    }

    pub(super) fn series(&self, scope: Scope, class: Class) -> Vec<HourCounts> {
        let attempts = self.attempts[&scope].dense(self.hours);
        let failures = self.failures[&(scope, class)].dense(self.hours);
        attempts
            .iter()
            .zip(failures)
            .map(|(&a, (t, b))| HourCounts {
                attempts: u64::from(a),
                failures: u64::from(t) + u64::from(b),
            })
            .collect()
    }

    /// Attempts of `scope` in the slot.
    pub(super) fn attempts_at(&self, scope: Scope, slot: usize) -> u64 {
        self.attempts
            .get(&scope)
            .map_or(0, |a| u64::from(a.at(slot)))
    }

    /// Deferrals and bounces of `class` in `scope` in the slot.
    pub(super) fn failures_at(&self, scope: Scope, class: Class, slot: usize) -> u64 {
        self.failures.get(&(scope, class)).map_or(0, |f| {
            let (t, b) = f.at(slot);
            u64::from(t) + u64::from(b)
        })
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
        if self.hours == 0 {
            return (0, 0, 0);
        }
        let n = attempts.sum(from, to).map(u64::from).sum();
        let (t, b) = self.failures.get(&(scope, class)).map_or((0, 0), |f| {
            f.sum(from, to).fold((0, 0), |(t, b), (dt, db)| {
                (t + u64::from(dt), b + u64::from(db))
            })
        });
        (n, t, b)
    }
}

/// Where the counts of one query group go: the attempts and failures series of the ISP and
/// of the source IP (none for a placeholder IP), by their number in [`Building`], or
/// [`Targets::NONE`]. Kept per group, so kept small: a fleet has millions of groups.
#[derive(Debug, Clone, Copy)]
struct Targets {
    attempts: [u32; 2],
    failures: [u32; 2],
}

impl Targets {
    const NONE: u32 = u32::MAX;
    /// A group not met yet: every group has its ISP's attempts series.
    const UNSET: Targets = Targets {
        attempts: [Targets::NONE; 2],
        failures: [Targets::NONE; 2],
    };

    fn is_unset(&self) -> bool {
        self.attempts[0] == Targets::NONE
    }

    /// The series numbers of `targets` that are set.
    fn set(targets: [u32; 2]) -> impl Iterator<Item = u32> {
        targets.into_iter().filter(|&at| at != Targets::NONE)
    }
}

/// Series being filled: numbered as they are first met, so that each count goes to its
/// series by number, without a hash lookup.
struct Building<K, T> {
    hours: usize,
    series: Vec<Hours<T>>,
    numbers: HashMap<K, u32, RandomState>,
}

impl<K: Hash + Eq, T: Slot> Building<K, T> {
    fn new(hours: usize) -> Building<K, T> {
        Building {
            hours,
            series: Vec::new(),
            numbers: HashMap::default(),
        }
    }

    /// The number of `key`'s series (of `scope`), made when it is new.
    fn index(&mut self, key: K, scope: Scope) -> u32 {
        let (series, hours) = (&mut self.series, self.hours);
        *self.numbers.entry(key).or_insert_with(|| {
            series.push(Hours::new(scope, hours));
            series.len() as u32 - 1
        })
    }

    fn add(&mut self, at: u32, slot: usize, value: T) {
        self.series[at as usize].add(slot, value);
    }

    /// The series by key, each settled.
    fn into_map(self) -> HashMap<K, Hours<T>, RandomState> {
        let mut series: Vec<Option<Hours<T>>> = self.series.into_iter().map(Some).collect();
        (self.numbers.into_iter())
            .map(|(key, at)| {
                let mut hours = series[at as usize].take().expect("each number once");
                hours.settle();
                (key, hours)
            })
            .collect()
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
