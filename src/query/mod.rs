//! The one way analyses read the aggregates: counts folded from record kinds, over a window
//! of hours, at a grain (hour or local day), keeping only the dimensions asked for.
//!
//! What counts as an attempt, a deferral or a failure is decided here ([`Counts`]) and
//! nowhere else; an analysis states the [`Query`] it needs and reads the answer. The
//! aggregates come from the logs or from stores alike (`load.rs`), so every analysis
//! answers the same from both.

pub mod calendar;
mod counts;

use std::collections::HashMap;
use std::hash::Hash;

use chrono_tz::Tz;
use foldhash::fast::RandomState;

use crate::aggregate::{AggKey, Aggregates, Hour};
use crate::classify::Class;
use crate::read::record::RecordKind;
use calendar::local_day;
pub use counts::Counts;

/// Hours `[from, to)` since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: i64,
    pub to: i64,
}

impl Window {
    /// Every hour.
    pub const ALL: Window = Window {
        from: i64::MIN,
        to: i64::MAX,
    };

    pub fn new(from: i64, to: i64) -> Window {
        Window { from, to }
    }

    /// Hours from `from` (when given) up to `to` (when given).
    pub fn between(from: Option<i64>, to: Option<i64>) -> Window {
        Window {
            from: from.unwrap_or(i64::MIN),
            to: to.unwrap_or(i64::MAX),
        }
    }

    pub fn contains(&self, hour: i64) -> bool {
        hour >= self.from && hour < self.to
    }
}

/// How finely the answer keeps time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    /// [`Key::time`] is the UTC hour.
    Hour,
    /// [`Key::time`] is the local day (days since 1970-01-01) in this time zone.
    Day(Tz),
}

/// How much history before the first hour (or day) it judges an analysis reads: its
/// baselines, its trend, its scan. Each analysis declares its own next to the code that
/// reads it; a command loads the longest of the analyses it runs, so that a chart, a check
/// and a review see the same history whether it comes from logs or from a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lookback {
    hours: i64,
}

impl Lookback {
    pub const NONE: Lookback = Lookback { hours: 0 };

    pub const fn hours(hours: i64) -> Lookback {
        Lookback { hours }
    }

    pub const fn days(days: i64) -> Lookback {
        Lookback { hours: days * 24 }
    }

    /// The longest of `lookbacks`: what reading for all of them needs.
    pub const fn longest(lookbacks: &[Lookback]) -> Lookback {
        let mut hours = 0;
        let mut i = 0;
        while i < lookbacks.len() {
            if lookbacks[i].hours > hours {
                hours = lookbacks[i].hours;
            }
            i += 1;
        }
        Lookback { hours }
    }

    /// `self`, then `more` before it: an analysis that reads another's history from its own
    /// earliest hour on.
    pub const fn then(self, more: Lookback) -> Lookback {
        Lookback {
            hours: self.hours + more.hours,
        }
    }

    pub const fn in_hours(self) -> i64 {
        self.hours
    }

    /// Whole days, rounded up.
    pub const fn in_days(self) -> i64 {
        (self.hours + 23).div_euclid(24)
    }
}

/// Which dimensions the answer keeps beside the ISP (which it always keeps). A dimension
/// left out is summed over and is `None` in every [`Key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dims {
    pub source_ip: bool,
    pub vmta: bool,
    pub pool: bool,
    pub class: bool,
}

impl Dims {
    /// Per ISP only.
    pub const ISP: Dims = Dims {
        source_ip: false,
        vmta: false,
        pool: false,
        class: false,
    };
    /// Every dimension of a cell.
    pub const ALL: Dims = Dims {
        source_ip: true,
        vmta: true,
        pool: true,
        class: true,
    };

    pub fn with_source_ip(self) -> Dims {
        Dims {
            source_ip: true,
            ..self
        }
    }

    pub fn with_class(self) -> Dims {
        Dims {
            class: true,
            ..self
        }
    }
}

/// Where a count belongs: a time at the query's grain, an ISP, and the dimensions kept.
/// `class` is `None` on delivered rows even when the class is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub time: i64,
    pub isp: u32,
    pub source_ip: Option<u32>,
    pub vmta: Option<u32>,
    pub pool: Option<u32>,
    pub class: Option<Class>,
}

/// Which cells a query reads: every cell, or those of the ISPs, source IPs, VirtualMTAs
/// and pools named (as interned ids; `None` admits any).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    pub isps: Option<Vec<u32>>,
    pub source_ips: Option<Vec<u32>>,
    pub vmtas: Option<Vec<u32>>,
    pub pools: Option<Vec<u32>>,
}

impl Selection {
    /// The cells of the names given (`None` admits any) in `aggregates`.
    pub fn named(
        aggregates: &Aggregates,
        isp: Option<&str>,
        source_ip: Option<&str>,
        vmta: Option<&str>,
        pool: Option<&str>,
    ) -> Selection {
        Selection {
            isps: isp.map(|name| aggregates.isps.ids_named(name)),
            source_ips: source_ip.map(|name| aggregates.source_ips.ids_named(name)),
            vmtas: vmta.map(|name| aggregates.vmtas.ids_named(name)),
            pools: pool.map(|name| aggregates.pools.ids_named(name)),
        }
    }

    fn admits(&self, cell: &AggKey) -> bool {
        let admits =
            |ids: &Option<Vec<u32>>, id: u32| ids.as_ref().is_none_or(|ids| ids.contains(&id));
        admits(&self.isps, cell.isp)
            && admits(&self.source_ips, cell.source_ip)
            && admits(&self.vmtas, cell.vmta)
            && admits(&self.pools, cell.pool)
    }
}

/// What an analysis reads: a window, a grain, the dimensions to keep and which cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub window: Window,
    pub grain: Grain,
    pub dims: Dims,
    pub select: Selection,
}

impl Query {
    /// Hourly counts in `window`, per ISP and `dims`.
    pub fn hourly(window: Window, dims: Dims) -> Query {
        Query {
            window,
            grain: Grain::Hour,
            dims,
            select: Selection::default(),
        }
    }

    /// Calls `visit` for every counted cell in the window with its key and counts. A key
    /// can come more than once (cells that differ only in a dimension left out): callers
    /// sum, or use [`Query::fold`]. Rows that carry no delivery outcome are not counted.
    pub fn visit(&self, aggregates: &Aggregates, mut visit: impl FnMut(Key, Counts)) {
        for (hour, time, cells) in self.hours(aggregates) {
            for (series, count) in cells {
                let cell = aggregates.series_cell(series, hour);
                if !self.select.admits(&cell) {
                    continue;
                }
                if let Some(counts) = Counts::of(cell.kind, count) {
                    visit(self.key(&cell, time), counts);
                }
            }
        }
    }

    /// The hours of the window in order, each with its time at the query's grain (worked
    /// out once an hour) and its cells as series ids and row counts.
    fn hours<'a>(
        &self,
        aggregates: &'a Aggregates,
    ) -> impl Iterator<Item = (Hour, i64, impl Iterator<Item = (u32, u64)> + 'a)> + 'a {
        let clamp = |hour: i64| hour.clamp(i64::from(Hour::MIN), i64::from(Hour::MAX)) as Hour;
        let grain = self.grain;
        let hours = aggregates.hours_between(clamp(self.window.from), clamp(self.window.to));
        hours.map(move |(hour, cells)| {
            let time = match grain {
                Grain::Hour => i64::from(hour),
                Grain::Day(tz) => i64::from(local_day(hour, tz)),
            };
            (hour, time, cells)
        })
    }

    /// The counts per key, each key once, in time order.
    pub fn fold(&self, aggregates: &Aggregates) -> Vec<(Key, Counts)> {
        let mut folded = Vec::new();
        self.fold_each(aggregates, |_, key, counts| folded.push((key, counts)));
        folded
    }

    /// Calls `each` once per key with counts, in time order, with the key's group (the key
    /// without its time) as a number: groups are numbered from 0 as they are first met, so
    /// a caller can keep what it needs per group in a plain array. Each series (a cell
    /// without its hour) is given its group once, so a cell costs two array reads, without
    /// a hash lookup: on thousands of sending IPs the series table no longer fits the cache.
    pub fn fold_each(&self, aggregates: &Aggregates, mut each: impl FnMut(u32, Key, Counts)) {
        const UNSEEN: u32 = u32::MAX;
        const LEFT_OUT: u32 = u32::MAX - 1;
        // Per series: its group, and the record kind its rows count as.
        let mut group_of = vec![(UNSEEN, RecordKind::NotCounted); aggregates.series_count()];
        let mut groups: Vec<Key> = Vec::new();
        let mut group_ids: HashMap<Key, u32, RandomState> = HashMap::default();
        // Hours come in order, and so do their times (hours or local days): the counts of
        // the time being folded are summed by group in a plain array, and handed out when
        // the time changes.
        let mut current: Vec<Counts> = Vec::new();
        let mut touched: Vec<u32> = Vec::new();
        let mut hand_out =
            |time: i64, groups: &[Key], current: &mut [Counts], touched: &mut Vec<u32>| {
                for group in touched.drain(..) {
                    let counts = std::mem::take(&mut current[group as usize]);
                    let key = Key {
                        time,
                        ..groups[group as usize]
                    };
                    each(group, key, counts);
                }
            };
        let mut folding: Option<i64> = None;
        for (hour, time, cells) in self.hours(aggregates) {
            if let Some(previous) = folding.filter(|&t| t != time) {
                hand_out(previous, &groups, &mut current, &mut touched);
            }
            folding = Some(time);
            for (series, count) in cells {
                let slot = &mut group_of[series as usize];
                if slot.0 == UNSEEN {
                    let cell = aggregates.series_cell(series, hour);
                    let group = match Counts::of(cell.kind, 0) {
                        Some(_) if self.select.admits(&cell) => {
                            let key = self.key(&cell, 0);
                            *group_ids.entry(key).or_insert_with(|| {
                                groups.push(key);
                                current.push(Counts::default());
                                groups.len() as u32 - 1
                            })
                        }
                        _ => LEFT_OUT,
                    };
                    *slot = (group, cell.kind);
                }
                let (group, kind) = *slot;
                if let Some(counts) = Counts::of(kind, count).filter(|_| group != LEFT_OUT) {
                    let sum = &mut current[group as usize];
                    if *sum == Counts::default() {
                        touched.push(group);
                    }
                    *sum += counts;
                }
            }
        }
        if let Some(time) = folding {
            hand_out(time, &groups, &mut current, &mut touched);
        }
    }

    /// The key of `cell` at `time`, with the dimensions kept.
    fn key(&self, cell: &AggKey, time: i64) -> Key {
        let dims = self.dims;
        Key {
            time,
            isp: cell.isp,
            source_ip: dims.source_ip.then_some(cell.source_ip),
            vmta: dims.vmta.then_some(cell.vmta),
            pool: dims.pool.then_some(cell.pool),
            class: if dims.class { cell.class } else { None },
        }
    }
}

/// How many groups (source IPs or pools) are tested side by side at each ISP, from the
/// groups of one analysis: `(isp, true)` for a group below an ISP, `(isp, false)` for the
/// ISP itself. The statistics of one group are corrected for its siblings
/// (`Thresholds::for_siblings`).
pub fn siblings_per_isp<K: Hash + Eq>(
    groups: impl IntoIterator<Item = (K, bool)>,
) -> HashMap<K, usize> {
    let mut siblings = HashMap::new();
    for (isp, below) in groups {
        if below {
            *siblings.entry(isp).or_insert(0) += 1;
        }
    }
    siblings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::record::RecordKind;

    fn aggregates() -> Aggregates {
        let mut aggregates = Aggregates::default();
        let isp = aggregates.isps.intern(b"gmail");
        let ips = [
            aggregates.source_ips.intern(b"192.0.2.1"),
            aggregates.source_ips.intern(b"192.0.2.2"),
        ];
        let vmta = aggregates.vmtas.intern(b"v");
        let pool = aggregates.pools.intern(b"p");
        let cell = |hour, source_ip, kind, class| AggKey {
            hour,
            isp,
            source_ip,
            vmta,
            pool,
            kind,
            class,
        };
        for (hour, ip) in [(10, ips[0]), (10, ips[1]), (11, ips[0]), (40, ips[1])] {
            aggregates.add(cell(hour, ip, RecordKind::Delivered, None), 90);
            aggregates.add(
                cell(hour, ip, RecordKind::Deferred, Some(Class::RateLimited)),
                7,
            );
            aggregates.add(
                cell(hour, ip, RecordKind::Bounced, Some(Class::UserUnknown)),
                3,
            );
            aggregates.add(
                cell(hour, ip, RecordKind::QueueDeferred, Some(Class::Other)),
                5,
            );
            aggregates.add(cell(hour, ip, RecordKind::NotCounted, None), 100);
        }
        aggregates
    }

    #[test]
    fn counts_fold_record_kinds_once() {
        let folded = Query::hourly(Window::ALL, Dims::ISP).fold(&aggregates());
        let hour_10 = folded.iter().find(|(k, _)| k.time == 10).unwrap().1;
        assert_eq!(hour_10.attempts(), 200);
        assert_eq!(hour_10.deferred, 14);
        assert_eq!(hour_10.failures(), 20);
        assert_eq!(hour_10.queue_deferred, 10);
        assert_eq!(folded.len(), 3);
    }

    #[test]
    fn the_window_and_the_grain_decide_the_keys() {
        let aggregates = aggregates();
        let daily = Query {
            window: Window::new(0, 24),
            grain: Grain::Day(Tz::UTC),
            dims: Dims::ISP.with_source_ip(),
            select: Selection::default(),
        }
        .fold(&aggregates);
        assert_eq!(daily.len(), 2);
        assert!(daily.iter().all(|(k, _)| k.time == 0 && k.class.is_none()));
        assert_eq!(daily.iter().map(|(_, c)| c.attempts()).sum::<u64>(), 300);
        let by_class = Query::hourly(Window::new(40, 41), Dims::ISP.with_class()).fold(&aggregates);
        let classes: Vec<Option<Class>> = {
            let mut c: Vec<_> = by_class.iter().map(|(k, _)| k.class).collect();
            c.sort();
            c
        };
        assert_eq!(classes.len(), 4, "{classes:?}");
        assert!(classes.contains(&None));
    }

    /// Cells over 90 hours, two ISPs, three IPs and every kind, added out of time order.
    fn scattered() -> Aggregates {
        let mut aggregates = Aggregates::default();
        let isps = [b"gmail", b"yahoo"].map(|n| aggregates.isps.intern(n));
        let ips = [&b"192.0.2.1"[..], b"192.0.2.2", b"2001:db8::1"]
            .map(|n| aggregates.source_ips.intern(n));
        let (vmta, pool) = (aggregates.vmtas.intern(b"v"), aggregates.pools.intern(b"p"));
        let kinds = [
            (RecordKind::Delivered, None),
            (RecordKind::Deferred, Some(Class::RateLimited)),
            (RecordKind::Deferred, Some(Class::RdnsMissing)),
            (RecordKind::Bounced, Some(Class::UserUnknown)),
            (RecordKind::QueueDeferred, Some(Class::Other)),
            (RecordKind::NotCounted, None),
        ];
        for step in 0..600u64 {
            // A walk that visits the hours out of order and every cell several times.
            let hour = ((step * 37) % 90) as Hour + 480_000;
            let (kind, class) = kinds[(step % 6) as usize];
            let key = AggKey {
                hour,
                isp: isps[(step % 2) as usize],
                source_ip: ips[(step % 3) as usize],
                vmta,
                pool,
                kind,
                class,
            };
            aggregates.add(key, step % 7 + 1);
        }
        aggregates
    }

    /// `fold` (per-series groups, summed per time in an array) and `visit` (every cell)
    /// give the same counts, at every grain, set of dimensions and window.
    #[test]
    fn fold_sums_what_visit_sees() {
        let aggregates = scattered();
        let zones = [
            Tz::UTC,
            chrono_tz::Pacific::Auckland,
            chrono_tz::America::New_York,
        ];
        let grains = [Grain::Hour].into_iter().chain(zones.map(Grain::Day));
        for grain in grains {
            for dims in [
                Dims::ISP,
                Dims::ISP.with_class(),
                Dims::ALL,
                Dims::ISP.with_source_ip(),
            ] {
                for window in [
                    Window::ALL,
                    Window::new(480_010, 480_050),
                    Window::new(0, 1),
                ] {
                    let query = Query {
                        window,
                        grain,
                        dims,
                        select: Selection::default(),
                    };
                    let mut visited: HashMap<Key, Counts> = HashMap::new();
                    query.visit(&aggregates, |key, counts| {
                        *visited.entry(key).or_default() += counts;
                    });
                    let folded: HashMap<Key, Counts> =
                        query.fold(&aggregates).into_iter().collect();
                    assert_eq!(folded.len(), query.fold(&aggregates).len(), "keys once");
                    assert_eq!(folded, visited, "{grain:?} {dims:?} {window:?}");
                }
            }
        }
    }

    #[test]
    fn hours_added_out_of_order_are_kept_in_order_and_summed() {
        let aggregates = scattered();
        let hours: Vec<Hour> = aggregates
            .hours_between(Hour::MIN, Hour::MAX)
            .map(|(h, _)| h)
            .collect();
        assert_eq!(hours, (480_000..480_090).collect::<Vec<_>>());
        assert_eq!(aggregates.last_hour(), Some(480_089));
        assert_eq!(
            aggregates.total_rows(),
            (0..600u64).map(|s| s % 7 + 1).sum::<u64>()
        );
        let mut merged = Aggregates::default();
        merged.merge(&aggregates);
        merged.merge(&aggregates);
        assert_eq!(merged.total_rows(), 2 * aggregates.total_rows());
        assert_eq!(merged.cell_count(), aggregates.cell_count());
        let window: Vec<Hour> = aggregates
            .hours_between(480_010, 480_012)
            .map(|(hour, _)| hour)
            .collect();
        assert!(window.iter().all(|h| (480_010..480_012).contains(h)) && !window.is_empty());
    }

    #[test]
    fn siblings_are_the_groups_below_each_isp() {
        let siblings = siblings_per_isp([("gmail", false), ("gmail", true), ("gmail", true)]);
        assert_eq!(siblings.get("gmail"), Some(&2));
        assert_eq!(siblings_per_isp([("yahoo", false)]).get("yahoo"), None);
    }
}
