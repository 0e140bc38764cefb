//! The intraday check: the most recent hours up to the newest row, per ISP and per source
//! IP at an ISP, judged against the same hours of the seven days before with the same
//! statistics as the daily review, so that an incident pages while it happens.

use std::collections::{BTreeMap, HashMap};

use super::hourly;
use super::metrics::Dim;
use super::status::{Assessment, DayCounts, Status, Thresholds};
use crate::aggregate::Aggregates;
use crate::error::Error;

/// Days of the same hours the window is judged against.
pub const BASELINE_DAYS: i64 = 7;

/// One group over the window.
#[derive(Debug, Clone)]
pub struct WindowGroup {
    pub isp: String,
    pub source_ip: Option<String>,
    pub attempts: u64,
    pub deferred: u64,
    /// The deferral rate over the same hours of the seven days before.
    pub baseline: Option<f64>,
    pub assessment: Assessment,
    /// The reply class with the most deferrals in the window, if any.
    pub top_class: Option<(String, u64)>,
}

impl WindowGroup {
    pub fn rate(&self) -> Option<f64> {
        (self.attempts > 0).then(|| self.deferred as f64 / self.attempts as f64)
    }
}

/// The window `[from, to)` (epoch hours; `to` follows the newest hour, which may be
/// partial) and its groups, ISPs first, then source IPs, each by attempts.
#[derive(Debug, Clone)]
pub struct Intraday {
    pub from: i64,
    pub to: i64,
    pub groups: Vec<WindowGroup>,
}

impl Intraday {
    pub fn worst_status(&self) -> Status {
        self.groups
            .iter()
            .map(|g| g.assessment.status)
            .max()
            .unwrap_or(Status::Ok)
    }
}

#[derive(Default, Clone, Copy)]
struct Sums {
    attempts: u64,
    deferred: u64,
}

/// Judges the last `hours` hours up to the newest hour in `aggregates`.
pub fn intraday(
    aggregates: &Aggregates,
    hours: i64,
    thresholds: &Thresholds,
) -> Result<Option<Intraday>, Error> {
    let Some(newest) = aggregates.last_hour() else {
        return Ok(None);
    };
    let to = i64::from(newest) + 1;
    let from = to - hours;
    let earliest = from - BASELINE_DAYS * 24;
    // Offset of an hour from the window, in whole days back (0 = the window itself).
    let days_back = |hour: i64| -> Option<i64> {
        let back = (to - 1 - hour).div_euclid(24);
        let within = (hour + back * 24) >= from;
        (within && back <= BASELINE_DAYS).then_some(back)
    };
    let mut groups = Vec::new();
    for dims in [&[Dim::Isp][..], &[Dim::Isp, Dim::SourceIp]] {
        let mut window: BTreeMap<Vec<String>, Sums> = BTreeMap::new();
        let mut baseline: HashMap<Vec<String>, Sums> = HashMap::new();
        for row in hourly(aggregates, dims, Some(earliest), Some(to))? {
            let sums = match days_back(row.period) {
                Some(0) => window.entry(row.keys.clone()).or_default(),
                Some(_) => baseline.entry(row.keys.clone()).or_default(),
                None => continue,
            };
            sums.attempts += row.attempts;
            sums.deferred += row.deferred;
        }
        let classes = top_classes(aggregates, dims, from, to)?;
        let mut found: Vec<WindowGroup> = window
            .into_iter()
            .map(|(keys, sums)| {
                let base = baseline.get(&keys).copied().unwrap_or_default();
                let baseline_rate =
                    (base.attempts > 0).then(|| base.deferred as f64 / base.attempts as f64);
                WindowGroup {
                    isp: keys[0].clone(),
                    source_ip: keys.get(1).cloned(),
                    attempts: sums.attempts,
                    deferred: sums.deferred,
                    baseline: baseline_rate,
                    assessment: thresholds.assess(&DayCounts {
                        attempts: sums.attempts,
                        deferred: sums.deferred,
                        baseline: baseline_rate,
                        trend_pp_per_week: None,
                    }),
                    top_class: classes.get(&keys).cloned(),
                }
            })
            .collect();
        found.sort_by(|a, b| b.attempts.cmp(&a.attempts).then(a.isp.cmp(&b.isp)));
        groups.extend(found);
    }
    Ok(Some(Intraday { from, to, groups }))
}

/// The class with the most deferrals in `[from, to)` per group of `dims`.
fn top_classes(
    aggregates: &Aggregates,
    dims: &[Dim],
    from: i64,
    to: i64,
) -> Result<HashMap<Vec<String>, (String, u64)>, Error> {
    let mut with_class = dims.to_vec();
    with_class.push(Dim::Class);
    let mut counts: HashMap<Vec<String>, BTreeMap<String, u64>> = HashMap::new();
    for row in hourly(aggregates, &with_class, Some(from), Some(to))? {
        if row.deferred == 0 {
            continue;
        }
        let mut keys = row.keys;
        let class = keys.pop().unwrap_or_default();
        *counts.entry(keys).or_default().entry(class).or_insert(0) += row.deferred;
    }
    Ok(counts
        .into_iter()
        .filter_map(|(keys, classes)| {
            let top = classes
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
            Some((keys, top))
        })
        .collect())
}
