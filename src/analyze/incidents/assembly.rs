//! An incident from a group of rises of one scope: onset, recovery, peak, classes, the
//! affected IPs of an ISP-wide incident, and a sample reply.

use std::collections::BTreeMap;

use super::rises::Rise;
use super::scope::ips_of;
use super::series::Scan;
use super::{Incident, IncidentState, incident_id};
use crate::aggregate::{Aggregates, SampleKey};
use crate::analyze::stats::rise_z;
use crate::analyze::status::{Status, Thresholds};
use crate::classify::Class;

/// An IP counts as affected by an ISP-wide incident when its own failures over the
/// incident stand this many standard deviations above the baseline.
pub(super) const AFFECTED_Z: f64 = 3.0;
/// The peak is the highest hourly rate among hours with at least this many attempts (all
/// hours when none has).
pub(super) const PEAK_MIN_ATTEMPTS: u64 = 20;

pub(super) fn incident(
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
        hourly[i].0 = scan.attempts_at(main.scope, slot);
        for rise in group {
            hourly[i].1 += scan.failures_at(rise.scope, rise.class, slot);
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
        class: Some(main.class),
        classes: by_excess.iter().map(|r| r.class).collect(),
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
pub(super) fn affected_ips(
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
pub(super) fn sample(
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
