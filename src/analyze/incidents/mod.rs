//! Incidents: stretches of hours in which one reply class rose above its baseline, at an
//! ISP as a whole or at one source IP there, with their onset, peak, recovery and a sample
//! reply (docs/metrics.md, "Incidents").
//!
//! Every (ISP, class) and (ISP, source IP, class) series of the review day and the
//! [`SCAN_DAYS`] before it goes through the change-point finder against its own baseline.
//! A change counts when its stretch passes the same test as a day's rise (enough
//! deferrals, significant, enough points and times the baseline). Then the scopes are
//! sorted out: a rise at an ISP that one or a few IPs carry is theirs; a rise that most of
//! the ISP's IPs share is the ISP's, and its IPs are its "affected IPs". Rises of several
//! classes in one scope at the same time are one incident.
//!
//! In parts: [`series`] (the hourly counts searched, and the baseline of normal days),
//! [`rises`] (changes that pass the stretch test, grouped per scope), [`scope`] (whose
//! rise it is: an ISP's or a few IPs'), [`assembly`] (an incident from a group of rises).

mod assembly;
mod rises;
mod scope;
mod series;

use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use super::status::{Status, Thresholds};
use crate::aggregate::Aggregates;
use crate::classify::Class;
use crate::query::Lookback;
use crate::query::calendar::first_hour_of_day;
use crate::query::siblings_per_isp;
use crate::timefmt::hour_rfc3339;
use assembly::incident;
use rises::{merge_classes, rises_of};
use scope::sort_out_scopes;
pub use series::baseline_rate;
use series::{Scan, Scope};

/// Days before the review day whose hours are searched (and give the baselines).
pub const SCAN_DAYS: i64 = 14;
/// Days before the review day whose incidents the review lists.
pub const SHOWN_DAYS: i64 = 7;

/// What a search reads before the first hour it shows: the scan.
pub const LOOKBACK: Lookback = Lookback::days(SCAN_DAYS);
/// What the review of a day reads for its incidents: the days shown, and the scan before.
pub const REVIEW_LOOKBACK: Lookback = Lookback::days(SHOWN_DAYS).then(LOOKBACK);

/// Whether an incident is still going on at the end of the review day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IncidentState {
    Ongoing,
    Recovered,
}

/// One incident.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    /// A stable id, the same in every command and run that sees the incident (see
    /// [`incident_id`]); findings refer to it.
    pub id: String,
    pub isp: String,
    /// `null` for an incident of the ISP as a whole.
    pub source_ip: Option<String>,
    /// The class with the most excess failures.
    pub class: Option<Class>,
    /// Every class that rose, by excess failures, largest first.
    pub classes: Vec<Class>,
    #[serde(serialize_with = "hour_as_rfc3339")]
    pub onset: i64,
    #[serde(serialize_with = "hour_as_rfc3339")]
    pub last_seen: i64,
    pub state: IncidentState,
    #[serde(serialize_with = "optional_hour_as_rfc3339")]
    pub recovered_at: Option<i64>,
    /// Hours from recovery to the end of the review day.
    pub clean_hours: Option<i64>,
    pub severity: Status,
    /// Deferrals and bounces of its classes from onset to last seen.
    pub deferrals: u64,
    pub bounces: u64,
    pub attempts: u64,
    /// The rate of its classes before it.
    pub baseline_rate: f64,
    pub peak_rate: f64,
    #[serde(serialize_with = "hour_as_rfc3339")]
    pub peak_hour: i64,
    /// For an ISP-wide incident, the IPs whose own rate rose, most excess first.
    pub affected_ips: Vec<String>,
    /// A reply of its main class (masked), when one was kept.
    pub sample_reply: Option<String>,
}

impl Incident {
    /// Whether any of its hours falls in `[from, to)`.
    pub fn overlaps(&self, from: i64, to: i64) -> bool {
        self.onset < to && self.last_seen >= from
    }

    /// Whether it is an incident of `isp` that concerns `source_ip` (when one is given): that
    /// IP's own, or an ISP-wide one that affected it.
    pub fn concerns(&self, isp: &str, source_ip: Option<&str>) -> bool {
        self.isp == isp
            && match (source_ip, &self.source_ip) {
                (Some(ip), Some(own)) => ip == own,
                (Some(ip), None) => self.affected_ips.iter().any(|a| a == ip),
                (None, _) => true,
            }
    }

    /// The failure rate of its classes from onset to last seen.
    pub fn rate(&self) -> f64 {
        (self.deferrals + self.bounces) as f64 / self.attempts.max(1) as f64
    }
}

/// An incident's id: 8 hex digits of a hash of what the incident is (its ISP, its source
/// IP, the class that rose first and its onset hour), so the review, `check`, `chart` and
/// JSON name it alike, whatever window each one read, and a later run names it again.
pub fn incident_id(isp: &str, source_ip: Option<&str>, first_class: Class, onset: i64) -> String {
    let key = format!(
        "{isp}|{}|{}|{onset}",
        source_ip.unwrap_or(""),
        first_class.id()
    );
    format!("{:08x}", xxhash_rust::xxh3::xxh3_64(key.as_bytes()) >> 32)
}

fn hour_as_rfc3339<S: Serializer>(hour: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hour_rfc3339(*hour))
}

fn optional_hour_as_rfc3339<S: Serializer>(hour: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match hour {
        Some(hour) => s.serialize_str(&hour_rfc3339(*hour)),
        None => s.serialize_none(),
    }
}

/// The hours searched for incidents: up to `end` (epoch hours, exclusive), the
/// [`SCAN_DAYS`] days before `shown_from` included; incidents with hours from `shown_from`
/// on are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub shown_from: i64,
    pub end: i64,
}

impl Window {
    /// The review day `day` (in `tz`) and the [`SHOWN_DAYS`] days before it.
    pub fn of_review(day: i64, tz: Tz) -> Window {
        Window {
            shown_from: first_hour_of_day(day - SHOWN_DAYS, tz),
            end: first_hour_of_day(day + 1, tz),
        }
    }
}

/// The incidents with hours in `window`, by onset.
pub fn find_incidents(
    aggregates: &Aggregates,
    window: Window,
    thresholds: &Thresholds,
) -> Vec<Incident> {
    let end = window.end;
    let from = window.shown_from.min(end) - SCAN_DAYS * 24;
    let shown_from = (window.shown_from.min(end) - from) as usize;
    let scan = Scan::of(aggregates, from, end);
    let mut rises = Vec::new();
    let mut keys: Vec<&(Scope, Class)> = scan.failures.keys().collect();
    keys.sort();
    let siblings = siblings_per_isp(scan.attempts.keys().map(|&(isp, ip)| (isp, ip.is_some())));
    for &(scope, class) in keys {
        let thresholds = match scope.1 {
            Some(_) => thresholds.for_siblings(siblings[&scope.0]),
            None => thresholds.clone(),
        };
        rises.extend(
            rises_of(&scan, scope, class, &thresholds)
                .into_iter()
                .filter(|r| r.change.last_seen >= shown_from),
        );
    }
    let rises = sort_out_scopes(&scan, rises);
    let mut incidents: Vec<Incident> = merge_classes(rises)
        .into_iter()
        .map(|group| incident(&scan, aggregates, &group, end, thresholds))
        .collect();
    incidents.sort_by(|a, b| {
        (a.onset, &a.isp, &a.source_ip, a.class.map(Class::id)).cmp(&(
            b.onset,
            &b.isp,
            &b.source_ip,
            b.class.map(Class::id),
        ))
    });
    incidents
}
