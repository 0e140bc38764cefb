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

use std::collections::{BTreeMap, HashMap};

use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use super::changepoint::{Change, HourCounts, Hypotheses, changes};
use super::frame::local_day;
use super::group::is_placeholder_ip;
use super::stats::rise_z;
use super::status::{DayCounts, Status, Thresholds};
use crate::aggregate::{Aggregates, Hour, SampleKey};
use crate::classify::Class;
use crate::read::record::RecordKind;
use crate::timefmt::hour_rfc3339;

/// Days before the review day whose hours are searched (and give the baselines).
pub const SCAN_DAYS: i64 = 14;
/// Days before the review day whose incidents the review lists.
pub const SHOWN_DAYS: i64 = 7;
/// A rise at an ISP is carried by a few of its IPs when these hold this share of its
/// excess failures...
const CARRIED_SHARE: f64 = 0.6;
/// ...and are at most this share of the ISP's sending IPs.
const FEW_IPS_SHARE: f64 = 0.34;
/// An IP counts as affected by an ISP-wide incident when its own failures over the
/// incident stand this many standard deviations above the baseline.
const AFFECTED_Z: f64 = 3.0;
/// The peak is the highest hourly rate among hours with at least this many attempts (all
/// hours when none has).
const PEAK_MIN_ATTEMPTS: u64 = 20;

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
    pub class: Option<String>,
    /// Every class that rose, by excess failures, largest first.
    pub classes: Vec<String>,
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

/// The first UTC hour of local day `day` in `tz`.
pub fn first_hour_of_day(day: i64, tz: Tz) -> i64 {
    let mut hour = day * 24 - 14;
    while i64::from(local_day(hour as Hour, tz)) < day {
        hour += 1;
    }
    hour
}

/// A series: an ISP, or a source IP at an ISP.
type Scope = (u32, Option<u32>);

/// The hourly counts of the scan, one slot per hour from `from`.
struct Scan {
    from: i64,
    attempts: HashMap<Scope, Vec<u32>>,
    /// Deferrals and bounces per scope and class, by hour.
    failures: HashMap<(Scope, Class), Vec<(u32, u32)>>,
}

impl Scan {
    fn of(aggregates: &Aggregates, from: i64, to: i64) -> Scan {
        let hours = (to - from).max(0) as usize;
        let mut scan = Scan {
            from,
            attempts: HashMap::new(),
            failures: HashMap::new(),
        };
        let placeholder: Vec<bool> = (0..aggregates.source_ips.len() as u32)
            .map(|ip| is_placeholder_ip(aggregates.source_ips.name(ip)))
            .collect();
        for (key, count) in aggregates.cells() {
            let hour = i64::from(key.hour);
            if hour < from || hour >= to {
                continue;
            }
            let failure = match key.kind {
                RecordKind::Delivered => None,
                RecordKind::Bounced | RecordKind::Deferred => key.class,
                RecordKind::QueueDeferred | RecordKind::NotCounted => continue,
            };
            let slot = (hour - from) as usize;
            let count = count.min(u64::from(u32::MAX)) as u32;
            let ip_scope =
                (!placeholder[key.source_ip as usize]).then_some((key.isp, Some(key.source_ip)));
            for scope in std::iter::once((key.isp, None)).chain(ip_scope) {
                let attempts = scan.attempts.entry(scope).or_insert_with(|| vec![0; hours]);
                attempts[slot] = attempts[slot].saturating_add(count);
                if let Some(class) = failure {
                    let failures = scan
                        .failures
                        .entry((scope, class))
                        .or_insert_with(|| vec![(0, 0); hours]);
                    let cell = &mut failures[slot];
                    if key.kind == RecordKind::Deferred {
                        cell.0 = cell.0.saturating_add(count);
                    } else {
                        cell.1 = cell.1.saturating_add(count);
                    }
                }
            }
        }
        scan
    }

    fn series(&self, scope: Scope, class: Class) -> Vec<HourCounts> {
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
    fn totals(&self, scope: Scope, class: Class, from: usize, to: usize) -> (u64, u64, u64) {
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

/// A change that passed the stretch test, in one scope and class.
#[derive(Debug, Clone)]
struct Rise {
    scope: Scope,
    class: Class,
    change: Change,
    baseline: f64,
    attempts: u64,
    deferrals: u64,
    bounces: u64,
    severity: Status,
}

impl Rise {
    fn excess(&self) -> f64 {
        (self.deferrals + self.bounces) as f64 - self.baseline * self.attempts as f64
    }

    fn overlaps(&self, other: &Rise) -> bool {
        self.change.onset <= other.change.last_seen && other.change.onset <= self.change.last_seen
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
    let mut siblings: HashMap<u32, usize> = HashMap::new();
    for (isp, ip) in scan.attempts.keys() {
        if ip.is_some() {
            *siblings.entry(*isp).or_insert(0) += 1;
        }
    }
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
        (a.onset, &a.isp, &a.source_ip, &a.class).cmp(&(b.onset, &b.isp, &b.source_ip, &b.class))
    });
    incidents
}

/// The rises of one series that pass the stretch test.
fn rises_of(scan: &Scan, scope: Scope, class: Class, thresholds: &Thresholds) -> Vec<Rise> {
    let series = scan.series(scope, class);
    let total: u64 = series.iter().map(|h| h.failures).sum();
    if total < thresholds.min_deferrals {
        return Vec::new();
    }
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

/// Gives each rise its scope: an ISP-level rise carried by a few of its IPs is dropped for
/// theirs; one shared by many absorbs the IP-level rises of its class it overlaps.
fn sort_out_scopes(scan: &Scan, rises: Vec<Rise>) -> Vec<Rise> {
    let (isp_rises, ip_rises): (Vec<Rise>, Vec<Rise>) =
        rises.into_iter().partition(|r| r.scope.1.is_none());
    let mut absorbed = vec![false; ip_rises.len()];
    let mut kept = Vec::new();
    for isp_rise in isp_rises {
        let isp = isp_rise.scope.0;
        let ips = ips_of(scan, isp);
        let (from, to) = (isp_rise.change.onset, isp_rise.change.last_seen);
        let excess_of = |ip: u32| {
            let (n, t, b) = scan.totals((isp, Some(ip)), isp_rise.class, from, to);
            ((t + b) as f64 - isp_rise.baseline * n as f64).max(0.0)
        };
        let total_excess: f64 = ips.iter().map(|&ip| excess_of(ip)).sum();
        let carriers: Vec<usize> = ip_rises
            .iter()
            .enumerate()
            .filter(|(_, r)| r.scope.0 == isp && r.class == isp_rise.class && r.overlaps(&isp_rise))
            .map(|(i, _)| i)
            .collect();
        let mut carrier_ips: Vec<u32> = carriers
            .iter()
            .filter_map(|&i| ip_rises[i].scope.1)
            .collect();
        carrier_ips.sort_unstable();
        carrier_ips.dedup();
        let carried: f64 = carrier_ips.iter().map(|&ip| excess_of(ip)).sum();
        let few = carrier_ips.len() as f64 <= (ips.len() as f64 * FEW_IPS_SHARE).max(1.0);
        if !carrier_ips.is_empty() && few && carried >= CARRIED_SHARE * total_excess {
            continue;
        }
        for i in carriers {
            absorbed[i] = true;
        }
        kept.push(isp_rise);
    }
    kept.extend(
        ip_rises
            .into_iter()
            .zip(absorbed)
            .filter(|(_, absorbed)| !absorbed)
            .map(|(r, _)| r),
    );
    kept
}

/// The source IPs with attempts at `isp` in the scan.
fn ips_of(scan: &Scan, isp: u32) -> Vec<u32> {
    let mut ips: Vec<u32> = scan
        .attempts
        .keys()
        .filter(|(i, ip)| *i == isp && ip.is_some())
        .filter_map(|(_, ip)| *ip)
        .collect();
    ips.sort_unstable();
    ips
}

/// Groups rises of one scope whose hours overlap: one incident each.
fn merge_classes(mut rises: Vec<Rise>) -> Vec<Vec<Rise>> {
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

fn incident(
    scan: &Scan,
    aggregates: &Aggregates,
    group: &[Rise],
    end: i64,
    thresholds: &Thresholds,
) -> Incident {
    let mut by_excess: Vec<&Rise> = group.iter().collect();
    by_excess.sort_by(|a, b| {
        b.excess()
            .total_cmp(&a.excess())
            .then(a.class.cmp(&b.class))
    });
    let main = by_excess[0];
    let (isp, source_ip) = main.scope;
    let onset = group.iter().map(|r| r.change.onset).min().unwrap_or(0);
    let first_class = group
        .iter()
        .min_by_key(|r| (r.change.onset, r.class))
        .map_or(main.class, |r| r.class);
    let last_seen = group.iter().map(|r| r.change.last_seen).max().unwrap_or(0);
    let recovered_at = group
        .iter()
        .map(|r| r.change.recovered_at)
        .collect::<Option<Vec<usize>>>()
        .and_then(|all| all.into_iter().max());
    let hour = |slot: usize| scan.from + slot as i64;
    // Rates per hour of all its classes together.
    let mut hourly = vec![(0_u64, 0_u64); last_seen + 1 - onset];
    for (i, slot) in (onset..=last_seen).enumerate() {
        hourly[i].0 = scan
            .attempts
            .get(&main.scope)
            .map_or(0, |a| u64::from(a[slot]));
        for rise in group {
            if let Some(f) = scan.failures.get(&(rise.scope, rise.class)) {
                hourly[i].1 += u64::from(f[slot].0) + u64::from(f[slot].1);
            }
        }
    }
    let busy = hourly.iter().any(|&(n, _)| n >= PEAK_MIN_ATTEMPTS);
    let (peak_slot, peak_rate) = hourly
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| *n > 0 && (!busy || *n >= PEAK_MIN_ATTEMPTS))
        .map(|(i, &(n, x))| (onset + i, x as f64 / n as f64))
        .fold(
            (onset, 0.0),
            |best, next| if next.1 > best.1 { next } else { best },
        );
    let mut classes = BTreeMap::new();
    for rise in group {
        let (_, t, b) = scan.totals(rise.scope, rise.class, onset, last_seen);
        classes.insert(rise.class, (t, b));
    }
    let affected_ips = match source_ip {
        Some(_) => Vec::new(),
        None => affected_ips(scan, aggregates, main, onset, last_seen, thresholds),
    };
    let baseline_rate = group.iter().map(|r| r.baseline).sum();
    let sample_ip = source_ip.or(affected_ips.first().copied());
    let peak_hour = hour(peak_slot);
    let sample_reply = sample(
        aggregates,
        isp,
        sample_ip,
        main.class,
        peak_hour,
        hour(onset),
    );
    let isp_name = aggregates.isps.name(isp);
    let ip_name = source_ip.map(|ip| aggregates.source_ips.name(ip));
    Incident {
        id: incident_id(isp_name, ip_name, first_class, hour(onset)),
        isp: isp_name.to_string(),
        source_ip: ip_name.map(str::to_string),
        class: Some(main.class.id().to_string()),
        classes: by_excess.iter().map(|r| r.class.id().to_string()).collect(),
        onset: hour(onset),
        last_seen: hour(last_seen),
        state: if recovered_at.is_some() {
            IncidentState::Recovered
        } else {
            IncidentState::Ongoing
        },
        recovered_at: recovered_at.map(hour),
        clean_hours: recovered_at.map(|slot| end - hour(slot)),
        severity: group
            .iter()
            .map(|r| r.severity)
            .max()
            .unwrap_or(Status::Watch),
        deferrals: classes.values().map(|c| c.0).sum(),
        bounces: classes.values().map(|c| c.1).sum(),
        attempts: hourly.iter().map(|h| h.0).sum(),
        baseline_rate,
        peak_rate,
        peak_hour,
        affected_ips: affected_ips
            .iter()
            .map(|&ip| aggregates.source_ips.name(ip).to_string())
            .collect(),
        sample_reply,
    }
}

/// The IPs (ids) of an ISP-wide rise whose own failures over it stand out, most excess
/// first, then by name.
fn affected_ips(
    scan: &Scan,
    aggregates: &Aggregates,
    rise: &Rise,
    from: usize,
    to: usize,
    thresholds: &Thresholds,
) -> Vec<u32> {
    let isp = rise.scope.0;
    let mut affected: Vec<(f64, u32)> = ips_of(scan, isp)
        .into_iter()
        .filter_map(|ip| {
            let (n, t, b) = scan.totals((isp, Some(ip)), rise.class, from, to);
            let x = t + b;
            (x >= thresholds.min_deferrals.min(3) && rise_z(x, n, rise.baseline) >= AFFECTED_Z)
                .then_some((x as f64 - rise.baseline * n as f64, ip))
        })
        .collect();
    let name = |ip: u32| aggregates.source_ips.name(ip);
    affected.sort_by(|a, b| b.0.total_cmp(&a.0).then(name(a.1).cmp(name(b.1))));
    affected.into_iter().map(|(_, ip)| ip).collect()
}

/// A kept reply of `class` at `isp` (and `source_ip`), from the peak's day, else the
/// onset's, else any IP there on those days.
fn sample(
    aggregates: &Aggregates,
    isp: u32,
    source_ip: Option<u32>,
    class: Class,
    peak_hour: i64,
    onset: i64,
) -> Option<String> {
    let days = [peak_hour.div_euclid(24) as i32, onset.div_euclid(24) as i32];
    if let Some(ip) = source_ip {
        for day in days {
            let key = SampleKey {
                day,
                isp,
                source_ip: ip,
                class,
            };
            if let Some(sample) = aggregates.samples.get(&key) {
                return Some(sample.text.clone());
            }
        }
    }
    days.iter().find_map(|&day| {
        aggregates
            .samples
            .iter()
            .filter(|(k, _)| k.day == day && k.isp == isp && k.class == class)
            .min_by_key(|(_, s)| s.hash)
            .map(|(_, s)| s.text.clone())
    })
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
