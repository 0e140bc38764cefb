//! Rates with their baselines (previous period, rolling window) and the 28-day trend, for
//! any grouping, from the counts a query folds (docs/metrics.md).

use std::collections::HashMap;
use std::sync::Arc;

use foldhash::fast::RandomState;

use super::frame::cols;
use crate::aggregate::Aggregates;
use crate::classify::Class;
use crate::query::{Counts, Dims, Grain, Key, Lookback, Query, Selection, Window};

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

    /// The period of buckets at `grain`.
    pub fn of(grain: Grain) -> Period {
        match grain {
            Grain::Hour => Period::Hour,
            Grain::Day(_) => Period::Day,
        }
    }

    fn previous_offset(self) -> i64 {
        match self {
            Period::Hour => 24,
            Period::Day => 1,
        }
    }

    /// The rolling window in buckets: its lookback.
    fn window(self) -> i64 {
        match self {
            Period::Hour => self.lookback().in_hours(),
            Period::Day => self.lookback().in_days(),
        }
    }
}

/// Counts of one bucket and group, with what its baselines need.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    /// Hours or days since the epoch, per [`Period`].
    pub period: i64,
    /// Values of the grouping dimensions, in the order asked for (shared by the rows of a
    /// group).
    pub keys: Arc<[String]>,
    /// The group's number among the rows of one computation.
    pub group: u32,
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

/// One group's counts in one bucket, and its baselines: the bucket one period earlier and
/// the rolling window before it.
#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    time: i64,
    counts: Counts,
    prev: Counts,
    rolling: Counts,
}

/// Every group's counts: one run per group, in time order.
struct Groups {
    /// Each group's key (with time 0) and its counts by time.
    runs: Vec<(Key, Vec<(i64, Counts)>)>,
}

impl Groups {
    /// The groups of `query` and their counts. Without the ISP among the dims (`by_isp`
    /// false), the groups are summed over ISPs.
    fn of(aggregates: &Aggregates, query: &Query, by_isp: bool) -> Groups {
        let mut runs: Vec<(Key, Vec<(i64, Counts)>)> = Vec::new();
        let mut ids: HashMap<Key, u32, RandomState> = HashMap::default();
        // The run of each of the query's groups (several when summed over ISPs).
        let mut run_of: Vec<u32> = Vec::new();
        query.fold_each(aggregates, |group, key, counts| {
            let group = group as usize;
            if run_of.len() <= group {
                run_of.resize(group + 1, u32::MAX);
            }
            if run_of[group] == u32::MAX {
                let own = Key {
                    time: 0,
                    isp: if by_isp { key.isp } else { 0 },
                    ..key
                };
                run_of[group] = *ids.entry(own).or_insert_with(|| {
                    runs.push((own, Vec::new()));
                    runs.len() as u32 - 1
                });
            }
            // Keys come in time order: a time already in the run is the one last added.
            let run = &mut runs[run_of[group] as usize].1;
            match run.last_mut() {
                Some(last) if last.0 == key.time => last.1 += counts,
                _ => run.push((key.time, counts)),
            }
        });
        Groups { runs }
    }

    fn iter(&self) -> impl Iterator<Item = (&Key, &[(i64, Counts)])> {
        self.runs.iter().map(|(key, run)| (key, run.as_slice()))
    }
}

/// One group's buckets with their baselines, from its counts in time order: the rolling
/// window of a bucket at `t` is `[t - window, t)`, and its previous bucket is at
/// `t - offset`.
fn with_baselines(run: &[(i64, Counts)], period: Period) -> Vec<Bucket> {
    let window = period.window();
    let mut rolling = Counts::default();
    let (mut oldest, mut next) = (0, 0);
    let mut buckets = Vec::with_capacity(run.len());
    for &(time, counts) in run {
        while run[next].0 < time {
            rolling += run[next].1;
            next += 1;
        }
        while run[oldest].0 < time - window {
            rolling -= run[oldest].1;
            oldest += 1;
        }
        let previous = time - period.previous_offset();
        let prev = run[oldest..next]
            .binary_search_by_key(&previous, |&(t, _)| t)
            .map_or(Counts::default(), |at| run[oldest + at].1);
        buckets.push(Bucket {
            time,
            counts,
            prev,
            rolling,
        });
    }
    buckets
}

/// Computes one row per bucket and group of `dims` over the cells `select` admits, for the
/// buckets in `shown` (baselines read the buckets before it too), sorted by bucket and then
/// by the groups' names. With `class` among the dims, the deferred/bounced/queue counts
/// are those of the class, while attempts and delivered are those of the group without the
/// class: the rate is then the share of all attempts that were deferred with that class.
pub fn compute(
    aggregates: &Aggregates,
    grain: Grain,
    dims: &[Dim],
    select: &Selection,
    shown: Window,
) -> Vec<MetricRow> {
    let names = GroupNames::new(aggregates, dims);
    let mut rows: Vec<MetricRow> = Vec::new();
    // Per group, the ranks of its names: rows are sorted by them.
    let mut ranks: Vec<[u32; 5]> = Vec::new();
    compute_each(
        aggregates,
        grain,
        &names,
        select,
        shown,
        |key, group_rows| {
            ranks.push(names.ranks(key));
            rows.extend_from_slice(group_rows);
        },
    );
    rows.sort_unstable_by_key(|row| (row.period, ranks[row.group as usize]));
    rows.shrink_to_fit();
    rows
}

/// The rows of [`compute`] one group at a time: `each` is called once per group of the
/// dims of `names`, in the order of the groups' numbers, with the group's key (time 0) and
/// its rows in time order (none when no bucket of the group is in `shown`). A caller that
/// keeps a little of each group holds that, not every row.
pub fn compute_each(
    aggregates: &Aggregates,
    grain: Grain,
    names: &GroupNames<'_>,
    select: &Selection,
    shown: Window,
    mut each: impl FnMut(&Key, &[MetricRow]),
) {
    let period = Period::of(grain);
    let dims = names.dims;
    // Without the ISP among the dims, the groups are summed over ISPs.
    let by_isp = dims.contains(&Dim::Isp);
    let query = |dims: Dims| Query {
        window: Window::ALL,
        grain,
        dims,
        select: select.clone(),
    };
    let kept = Dim::kept(dims);
    let groups = Groups::of(
        aggregates,
        &query(Dims {
            class: false,
            ..kept
        }),
        by_isp,
    );
    let mut rows: Vec<MetricRow> = Vec::new();
    // `whole`: the buckets of the group without its class, when the rows are per class.
    let mut push = |group: u32, key: &Key, buckets: &[Bucket], whole: Option<&[Bucket]>| {
        let keys: Arc<[String]> = names.names(key).into();
        rows.clear();
        for bucket in buckets.iter().filter(|b| shown.contains(b.time)) {
            let of_group = match whole {
                None => *bucket,
                Some(whole) => whole
                    .binary_search_by_key(&bucket.time, |b| b.time)
                    .map_or(Bucket::default(), |at| whole[at]),
            };
            let row = MetricRow {
                period: bucket.time,
                keys: Arc::clone(&keys),
                group,
                attempts: of_group.counts.attempts(),
                delivered: of_group.counts.delivered,
                deferred: bucket.counts.deferred,
                bounced: bucket.counts.bounced,
                queue_deferrals: bucket.counts.queue_deferred,
                prev_attempts: of_group.prev.attempts(),
                prev_deferred: bucket.prev.deferred,
                rolling_attempts: of_group.rolling.attempts(),
                rolling_deferred: bucket.rolling.deferred,
            };
            rows.push(row);
        }
        each(key, &rows);
    };
    if kept.class {
        let classes = Groups::of(aggregates, &query(kept), by_isp);
        let whole: HashMap<&Key, &[(i64, Counts)], RandomState> = groups.iter().collect();
        // The buckets of a group without its class, shared by the group's classes.
        let mut whole_buckets: HashMap<Key, Vec<Bucket>, RandomState> = HashMap::default();
        let with_class = classes.iter().filter(|(key, _)| key.class.is_some());
        for (group, (key, run)) in with_class.enumerate() {
            let whole_key = Key {
                class: None,
                ..*key
            };
            let of_group = whole_buckets
                .entry(whole_key)
                .or_insert_with(|| with_baselines(whole[&whole_key], period));
            let buckets = with_baselines(run, period);
            push(group as u32, key, &buckets, Some(of_group));
        }
    } else {
        for (group, (key, run)) in groups.iter().enumerate() {
            push(group as u32, key, &with_baselines(run, period), None);
        }
    }
}

/// The names of a group's dimensions, in the order asked for, and their ranks: sorting by
/// the ranks sorts by the names.
pub struct GroupNames<'a> {
    aggregates: &'a Aggregates,
    dims: &'a [Dim],
    /// Per dimension of `dims`, the rank of each id's name.
    ranks: Vec<Vec<u32>>,
}

impl<'a> GroupNames<'a> {
    pub fn new(aggregates: &'a Aggregates, dims: &'a [Dim]) -> GroupNames<'a> {
        let ranks = dims
            .iter()
            .map(|&dim| {
                let names = Self::all_names(aggregates, dim);
                let mut order: Vec<usize> = (0..names.len()).collect();
                order.sort_by_key(|&id| names[id]);
                let mut rank = vec![0u32; names.len()];
                for (position, id) in order.into_iter().enumerate() {
                    rank[id] = position as u32;
                }
                rank
            })
            .collect();
        GroupNames {
            aggregates,
            dims,
            ranks,
        }
    }

    /// The names of `dim`, indexed by id.
    fn all_names(aggregates: &Aggregates, dim: Dim) -> Vec<&str> {
        let interner = match dim {
            Dim::Class => return Class::ALL.iter().map(|c| c.id()).collect(),
            Dim::Isp => &aggregates.isps,
            Dim::SourceIp => &aggregates.source_ips,
            Dim::Vmta => &aggregates.vmtas,
            Dim::Pool => &aggregates.pools,
        };
        (0..interner.len() as u32)
            .map(|id| interner.name(id))
            .collect()
    }

    /// The id of `key`'s value of `dim` (a class by its position in [`Class::ALL`]).
    fn id(key: &Key, dim: Dim) -> usize {
        let id = match dim {
            Dim::Isp => Some(key.isp),
            Dim::SourceIp => key.source_ip,
            Dim::Vmta => key.vmta,
            Dim::Pool => key.pool,
            Dim::Class => key.class.map(|c| c as u32),
        };
        id.map_or(0, |id| id as usize)
    }

    /// The names of `key`'s values of the dimensions, in their order.
    pub fn names(&self, key: &Key) -> Vec<String> {
        let a = self.aggregates;
        let name = |&dim: &Dim| match dim {
            Dim::Isp => a.isps.name(key.isp),
            Dim::SourceIp => a.source_ips.name(Self::id(key, dim) as u32),
            Dim::Vmta => a.vmtas.name(Self::id(key, dim) as u32),
            Dim::Pool => a.pools.name(Self::id(key, dim) as u32),
            Dim::Class => key.class.map_or("", Class::id),
        };
        self.dims.iter().map(|dim| name(dim).to_string()).collect()
    }

    /// Ranks of the group's names: rows sorted by them are sorted by name.
    fn ranks(&self, key: &Key) -> [u32; 5] {
        let mut ranks = [0; 5];
        for (i, &dim) in self.dims.iter().enumerate().take(5) {
            ranks[i] = self.ranks[i][Self::id(key, dim)];
        }
        ranks
    }
}

/// A group's trend, and the days of history it was computed over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    pub pp_per_week: f64,
    /// From the group's first day with rows in the 28-day window up to the day.
    pub days: i64,
}

/// Days the trend is fitted over, the review day included.
pub const TREND_DAYS: i64 = 28;

/// The volume-weighted least-squares slope of the daily deferral rate over the 28 days
/// ending with `day`, in percentage points per week, of one group's daily `rows`; only for
/// a group with at least `min_days` days of history (docs/metrics.md).
pub fn trend_of(rows: &[MetricRow], day: i64, min_days: i64) -> Option<Trend> {
    let mut first: Option<i64> = None;
    let (mut w, mut wx, mut wy, mut wxy, mut wxx) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for row in rows
        .iter()
        .filter(|r| r.period > day - TREND_DAYS && r.period <= day)
    {
        let x = (row.period - day) as f64;
        let weight = row.attempts as f64;
        let weighted_rate = row.deferred as f64; // weight * (deferred / attempts)
        first = Some(first.map_or(row.period, |f: i64| f.min(row.period)));
        w += weight;
        wx += weight * x;
        wy += weighted_rate;
        wxy += weighted_rate * x;
        wxx += weight * x * x;
    }
    let days = day - first? + 1;
    let denominator = w * wxx - wx * wx;
    (days >= min_days && denominator.abs() > 1e-9).then(|| {
        let slope_per_day = (w * wxy - wx * wy) / denominator;
        Trend {
            pp_per_week: slope_per_day * 100.0 * 7.0,
            days,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::AggKey;
    use crate::read::record::RecordKind;

    /// Two ISPs sending through one VirtualMTA, every hour for ten days: 10 attempts an
    /// hour at each, one deferred at gmail.
    fn two_isps_one_vmta() -> Aggregates {
        let mut aggregates = Aggregates::default();
        let vmta = aggregates.vmtas.intern(b"vmta-1");
        let pool = aggregates.pools.intern(b"pool-a");
        let ip = aggregates.source_ips.intern(b"192.0.2.1");
        for isp_name in [&b"gmail"[..], b"yahoo"] {
            let isp = aggregates.isps.intern(isp_name);
            for hour in 0..240 {
                let cell = |kind, class| AggKey {
                    hour,
                    isp,
                    source_ip: ip,
                    vmta,
                    pool,
                    kind,
                    class,
                };
                let deferred = u64::from(isp_name == b"gmail");
                aggregates.add(cell(RecordKind::Delivered, None), 10 - deferred);
                if deferred > 0 {
                    let class = Some(Class::RateLimited);
                    aggregates.add(cell(RecordKind::Deferred, class), deferred);
                }
            }
        }
        aggregates
    }

    #[test]
    fn groups_without_the_isp_are_summed_over_isps() {
        let aggregates = two_isps_one_vmta();
        let rows = compute(
            &aggregates,
            Grain::Hour,
            &[Dim::Vmta, Dim::Pool],
            &Selection::default(),
            Window::new(200, 201),
        );
        assert_eq!(rows.len(), 1, "{rows:?}");
        let row = &rows[0];
        assert_eq!(&row.keys[..], ["vmta-1", "pool-a"]);
        assert_eq!((row.attempts, row.deferred), (20, 1));
        assert_eq!((row.prev_attempts, row.prev_deferred), (20, 1));
        assert_eq!(
            (row.rolling_attempts, row.rolling_deferred),
            (168 * 20, 168)
        );
    }

    #[test]
    fn class_rows_count_the_class_over_all_attempts_of_the_group() {
        let aggregates = two_isps_one_vmta();
        let rows = compute(
            &aggregates,
            Grain::Day(chrono_tz::Tz::UTC),
            &[Dim::Isp, Dim::Class],
            &Selection::default(),
            Window::new(9, 10),
        );
        assert_eq!(rows.len(), 1, "only gmail has a class: {rows:?}");
        let row = &rows[0];
        assert_eq!(&row.keys[..], ["gmail", "rate_limited"]);
        assert_eq!((row.attempts, row.deferred), (240, 24));
        assert_eq!(
            (row.rolling_attempts, row.rolling_deferred),
            (7 * 240, 7 * 24)
        );
    }

    /// A rate rising by one point a day is +7 pp a week; a group with fewer days than the
    /// minimum, or days outside the 28-day window only, has no trend.
    #[test]
    fn the_trend_is_the_weighted_slope_of_one_groups_days() {
        let row = |period: i64, deferred: u64| MetricRow {
            period,
            keys: Arc::from(vec!["gmail".to_string()]),
            group: 0,
            attempts: 1000,
            delivered: 1000 - deferred,
            deferred,
            bounced: 0,
            queue_deferrals: 0,
            prev_attempts: 0,
            prev_deferred: 0,
            rolling_attempts: 0,
            rolling_deferred: 0,
        };
        let rows: Vec<MetricRow> = (0..10).map(|d| row(100 + d, 10 * d as u64)).collect();
        let trend = trend_of(&rows, 109, 7).expect("ten days");
        assert!((trend.pp_per_week - 7.0).abs() < 1e-9, "{trend:?}");
        assert_eq!(trend.days, 10);
        assert_eq!(trend_of(&rows, 109, 11), None);
        assert_eq!(trend_of(&rows, 200, 1), None);
    }
}
