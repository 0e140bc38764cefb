//! The intraday check: the most recent hours up to the newest row, per ISP and per source
//! IP at an ISP, judged against the same hours of the seven days before with the same
//! statistics as the daily review, so that an incident pages while it happens.

use std::collections::{BTreeMap, HashMap};

use foldhash::fast::RandomState;

use super::incidents::{self, Incident, Window, find_incidents};
use super::status::{Assessment, DayCounts, Status, Thresholds};
use crate::aggregate::Aggregates;
use crate::classify::Class;
use crate::query::{Dims, Lookback, Query, Window as QueryWindow, siblings_per_isp};

/// Days of the same hours the window is judged against.
pub const BASELINE_DAYS: i64 = 7;

/// What the check of the last hours reads before them: the same hours of the days before,
/// and the incident search.
pub const LOOKBACK: Lookback =
    Lookback::longest(&[Lookback::days(BASELINE_DAYS), incidents::LOOKBACK]);

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
    pub top_class: Option<(Class, u64)>,
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
    /// Incidents with hours in the window: a rise of one class (bounces included) that the
    /// window's deferral rate alone can miss.
    pub incidents: Vec<Incident>,
}

impl Intraday {
    pub fn worst_status(&self) -> Status {
        self.groups
            .iter()
            .map(|g| g.assessment.status)
            .chain(self.incidents.iter().map(|i| i.severity))
            .max()
            .unwrap_or(Status::Ok)
    }
}

/// A group: an ISP id, and a source IP id for a source IP at an ISP.
type GroupKey = (u32, Option<u32>);

/// Counts of one group over the window or over its baseline hours.
#[derive(Default, Clone)]
struct Sums {
    attempts: u64,
    deferred: u64,
    /// Deferrals by class (the window only).
    classes: BTreeMap<Class, u64>,
}

/// Judges the last `hours` hours up to the newest hour in `aggregates`, in one pass over
/// its cells: attempts are d + b + t rows, deferrals t rows (docs/metrics.md).
pub fn intraday(aggregates: &Aggregates, hours: i64, thresholds: &Thresholds) -> Option<Intraday> {
    let newest = aggregates.last_hour()?;
    let to = i64::from(newest) + 1;
    let from = to - hours;
    // Whole days back from the window (0 = the window itself), for hours in the window or
    // in the same hours of the seven days before.
    let days_back = |hour: i64| -> Option<i64> {
        let back = (to - 1 - hour).div_euclid(24);
        (hour + back * 24 >= from && back <= BASELINE_DAYS).then_some(back)
    };
    let mut window: BTreeMap<GroupKey, Sums> = BTreeMap::new();
    let mut baseline: HashMap<GroupKey, Sums, RandomState> = HashMap::default();
    let query = Query::hourly(
        QueryWindow::new(from - BASELINE_DAYS * 24, to),
        Dims::ISP.with_source_ip().with_class(),
    );
    query.visit(aggregates, |key, counts| {
        // Queue-level deferrals are not attempts of any group.
        let Some(back) = days_back(key.time).filter(|_| counts.attempts() > 0) else {
            return;
        };
        let ip = key.source_ip.expect("kept");
        for group in [(key.isp, None), (key.isp, Some(ip))] {
            let sums = if back == 0 {
                window.entry(group).or_default()
            } else {
                baseline.entry(group).or_default()
            };
            sums.attempts += counts.attempts();
            sums.deferred += counts.deferred;
            if back == 0 && counts.deferred > 0 {
                let class = key.class.unwrap_or(Class::Other);
                *sums.classes.entry(class).or_insert(0) += counts.deferred;
            }
        }
    });
    let siblings = siblings_per_isp(window.keys().map(|&(isp, ip)| (isp, ip.is_some())));
    let mut groups: Vec<WindowGroup> = window
        .into_iter()
        .map(|((isp, source_ip), sums)| {
            let base = baseline.remove(&(isp, source_ip)).unwrap_or_default();
            let baseline_rate =
                (base.attempts > 0).then(|| base.deferred as f64 / base.attempts as f64);
            WindowGroup {
                isp: aggregates.isps.name(isp).to_string(),
                source_ip: source_ip.map(|ip| aggregates.source_ips.name(ip).to_string()),
                attempts: sums.attempts,
                deferred: sums.deferred,
                baseline: baseline_rate,
                assessment: thresholds
                    .for_siblings(if source_ip.is_some() {
                        siblings[&isp]
                    } else {
                        1
                    })
                    .assess(&DayCounts {
                        attempts: sums.attempts,
                        deferred: sums.deferred,
                        baseline: baseline_rate,
                        baseline_attempts: Some(base.attempts),
                        trend_pp_per_week: None,
                    }),
                top_class: sums
                    .classes
                    .into_iter()
                    .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))),
            }
        })
        .collect();
    // ISPs first, then source IPs, each by attempts.
    groups.sort_by(|a, b| {
        let order = |g: &WindowGroup| {
            (
                g.source_ip.is_some(),
                std::cmp::Reverse(g.attempts),
                g.isp.clone(),
                g.source_ip.clone(),
            )
        };
        order(a).cmp(&order(b))
    });
    let incidents = find_incidents(
        aggregates,
        Window {
            shown_from: from,
            end: to,
        },
        thresholds,
    );
    Some(Intraday {
        from,
        to,
        groups,
        incidents,
    })
}
