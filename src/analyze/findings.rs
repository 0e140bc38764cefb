//! Findings: one sentence each that an operator can act on, most severe first.

use chrono_tz::Tz;

use super::group::{GroupDay, is_placeholder_ip};
use super::incidents::Incident;
use super::status::{Status, Thresholds};
use crate::classify::{Class, CodeNote};

/// One thing to act on: where, how severe, and the facts behind it. The sentence that says
/// it is written by the output layer (`render::wording`), the same in every format.
#[derive(Debug, Clone)]
pub struct Finding {
    pub severity: Status,
    pub isp: String,
    pub source_ip: Option<String>,
    pub class: Option<Class>,
    pub fact: Fact,
    /// The id of the incident behind it, when one was found.
    pub incident: Option<String>,
    /// What the provider codes in the replies behind it mean, with the provider's page.
    pub codes: Vec<CodeNote>,
}

/// What a finding found.
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    /// The day's deferral rate of an ISP, a source IP or a pool is out of line.
    Rate {
        /// The pool, for a pool's finding.
        pool: Option<String>,
        rate: Option<f64>,
        /// It jumped: the 7-day average and the change from it (percentage points).
        jump: Option<(Option<f64>, f64)>,
        /// It keeps rising: percentage points a week, over so many days.
        rise: Option<(f64, i64)>,
        /// The class with the most deferrals and bounces, and their count.
        top: Option<(Class, u64)>,
    },
    /// A source IP's replies at an ISP are mostly reverse-DNS failures.
    Rdns {
        /// Its `rdns_*` deferrals and bounces, of all its deferrals and bounces there.
        rdns: u64,
        total: u64,
        /// Its sibling IPs at the ISP, and their share of `rdns_*` replies.
        siblings: usize,
        sibling_share: f64,
        /// The siblings are clean: the IP's own identity is broken, not the range's.
        siblings_clean: bool,
    },
    /// An incident of the review day that no other finding names.
    Incident {
        onset: i64,
        recovered_at: Option<i64>,
        peak_rate: f64,
        baseline_rate: f64,
        failures: u64,
        affected_ips: usize,
        /// The zone the hours are shown in.
        tz: Tz,
    },
}

/// Derives the findings of a day from its assessed groups.
pub fn find(
    isps: &[GroupDay],
    source_ips: &[GroupDay],
    pools: &[GroupDay],
    thresholds: &Thresholds,
) -> Vec<Finding> {
    let mut findings: Vec<Finding> = isps.iter().filter_map(|g| rate_finding(g, None)).collect();
    let rdns = rdns_findings(source_ips, thresholds);
    let parts = pools.iter().chain(source_ips.iter().filter(|g| {
        !g.source_ip.as_deref().is_some_and(is_placeholder_ip)
            && !rdns
                .iter()
                .any(|f| f.source_ip == g.source_ip && f.isp == g.isp)
    }));
    for group in parts.filter(|g| !explained_by_isp(g, isps)) {
        findings.extend(rate_finding(group, group.source_ip.clone()));
    }
    findings.extend(rdns);
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.isp.cmp(&b.isp)));
    findings
}

/// A pool or IP whose ISP moved at least as much, and whose rate is not far above the
/// ISP's: the ISP finding already says it.
fn explained_by_isp(group: &GroupDay, isps: &[GroupDay]) -> bool {
    let Some(isp) = isps.iter().find(|i| i.isp == group.isp) else {
        return false;
    };
    let (Some(rate), Some(isp_rate)) = (group.deferral_rate, isp.deferral_rate) else {
        return isp.status >= group.status;
    };
    isp.status >= group.status && !(rate >= 2.0 * isp_rate && (rate - isp_rate) * 100.0 >= 5.0)
}

fn rate_finding(group: &GroupDay, source_ip: Option<String>) -> Option<Finding> {
    let assessment = group.assessment?;
    if assessment.status == Status::Ok {
        return None;
    }
    let top = group
        .top_classes()
        .first()
        .and_then(|&(c, n)| Some((Class::from_id(c)?, n)));
    let fact = Fact::Rate {
        pool: group.pool.clone(),
        rate: group.deferral_rate,
        jump: assessment.jumped.then(|| {
            (
                group.rolling_7d_deferral_rate,
                group.change_pp().unwrap_or(0.0),
            )
        }),
        rise: assessment.rising.then(|| {
            (
                group.trend_pp_per_week.unwrap_or(0.0),
                group.trend_days.unwrap_or(0),
            )
        }),
        top,
    };
    Some(Finding {
        severity: assessment.status,
        isp: group.isp.clone(),
        source_ip,
        class: top.map(|(c, _)| c),
        fact,
        incident: None,
        codes: Vec::new(),
    })
}

fn rdns_count(group: &GroupDay) -> (u64, Option<&str>) {
    let mut total = 0;
    let mut top: Option<(&str, u64)> = None;
    for (class, count) in &group.classes {
        if Class::from_id(class).is_some_and(Class::is_rdns) {
            total += count;
            if top.is_none_or(|(_, n)| *count > n) {
                top = Some((class, *count));
            }
        }
    }
    (total, top.map(|(c, _)| c))
}

fn events(group: &GroupDay) -> u64 {
    group.classes.values().sum()
}

/// A source IP whose deferrals at one ISP are mostly `rdns_*` while its siblings there are
/// clean: the IP's own DNS identity is broken.
fn rdns_findings(source_ips: &[GroupDay], thresholds: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    for group in source_ips {
        let Some(ip) = group.source_ip.as_deref() else {
            continue;
        };
        if is_placeholder_ip(ip) {
            continue;
        }
        let (rdns, class) = rdns_count(group);
        let total = events(group);
        if rdns < thresholds.rdns_min_rows {
            continue;
        }
        let class = class.and_then(Class::from_id).unwrap_or(Class::RdnsMissing);
        let siblings: Vec<&GroupDay> = source_ips
            .iter()
            .filter(|g| g.isp == group.isp && g.source_ip.as_deref() != Some(ip))
            .filter(|g| !g.source_ip.as_deref().is_some_and(is_placeholder_ip))
            .collect();
        let sibling_rdns: u64 = siblings.iter().map(|g| rdns_count(g).0).sum();
        let sibling_events: u64 = siblings.iter().map(|g| events(g)).sum();
        let sibling_share = if sibling_events == 0 {
            0.0
        } else {
            sibling_rdns as f64 / sibling_events as f64
        };
        // Mostly rdns, or rdns that its clean siblings do not show: on a day when the whole
        // ISP also throttles, the IP's own identity failure is still its own incident.
        let mostly_rdns = rdns as f64 >= thresholds.rdns_share * total as f64;
        let siblings_clean = !siblings.is_empty() && sibling_share < thresholds.rdns_sibling_share;
        if !mostly_rdns && !siblings_clean {
            continue;
        }
        let fact = Fact::Rdns {
            rdns,
            total,
            siblings: siblings.len(),
            sibling_share,
            siblings_clean: sibling_share < thresholds.rdns_sibling_share,
        };
        out.push(Finding {
            severity: Status::Alert,
            isp: group.isp.clone(),
            source_ip: Some(ip.to_string()),
            class: Some(class),
            fact,
            incident: None,
            codes: Vec::new(),
        });
    }
    out
}

/// Links each finding to the incident of the review day (`[from, to)`, epoch hours) behind
/// it, and adds a finding for each such incident that no finding names: a three-hour
/// spike can leave the day's rate within its thresholds, but it was still an incident.
pub fn link_incidents(
    findings: &mut Vec<Finding>,
    incidents: &[Incident],
    (from, to): (i64, i64),
    tz: Tz,
) {
    let of_day: Vec<&Incident> = incidents.iter().filter(|i| i.overlaps(from, to)).collect();
    for finding in findings.iter_mut() {
        let behind = |i: &&&Incident| {
            i.isp == finding.isp
                && match (&finding.source_ip, &i.source_ip) {
                    (Some(ip), Some(own)) => ip == own,
                    (Some(ip), None) => i.affected_ips.contains(ip),
                    (None, None) => true,
                    // An ISP's rise that one IP's incident of its class explains.
                    (None, Some(_)) => i.class.is_some() && i.class == finding.class,
                }
        };
        finding.incident = of_day
            .iter()
            .filter(behind)
            .max_by_key(|i| {
                (
                    i.class.is_some() && i.class == finding.class,
                    i.source_ip.is_some() == finding.source_ip.is_some(),
                    i.severity,
                    // The earliest, of incidents alike.
                    std::cmp::Reverse(i.onset),
                )
            })
            .map(|i| i.id.clone());
    }
    for incident in of_day {
        if findings
            .iter()
            .any(|f| f.incident.as_deref() == Some(incident.id.as_str()))
        {
            continue;
        }
        findings.push(incident_finding(incident, tz));
    }
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.isp.cmp(&b.isp)));
}

fn incident_finding(incident: &Incident, tz: Tz) -> Finding {
    Finding {
        severity: incident.severity,
        isp: incident.isp.clone(),
        source_ip: incident.source_ip.clone(),
        class: incident.class,
        fact: Fact::Incident {
            onset: incident.onset,
            recovered_at: incident.recovered_at,
            peak_rate: incident.peak_rate,
            baseline_rate: incident.baseline_rate,
            failures: incident.deferrals + incident.bounces,
            affected_ips: incident.affected_ips.len(),
            tz,
        },
        incident: Some(incident.id.clone()),
        codes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn ip(ip: &str, classes: &[(&str, u64)]) -> GroupDay {
        let classes: BTreeMap<String, u64> =
            classes.iter().map(|(c, n)| (c.to_string(), *n)).collect();
        let deferred = classes.values().sum();
        GroupDay {
            isp: "microsoft".into(),
            source_ip: Some(ip.into()),
            pool: None,
            attempts: 1_000,
            delivered: 1_000 - deferred,
            deferred,
            bounced: 0,
            queue_deferrals: 0,
            deferral_rate: Some(deferred as f64 / 1_000.0),
            bounce_rate: Some(0.0),
            prev_day_deferral_rate: None,
            rolling_7d_deferral_rate: None,
            trend_pp_per_week: None,
            trend_days: None,
            status: Status::Ok,
            classes,
            assessment: None,
            history: Vec::new(),
        }
    }

    /// On a day when one IP lost its PTR and the ISP throttled every IP, the IP's
    /// rdns_missing replies were outnumbered by rate_limited ones and its own incident
    /// went unreported.
    #[test]
    fn an_ip_identity_failure_is_found_beside_an_isp_wide_throttle() {
        let ips = vec![
            ip(
                "203.0.113.14",
                &[("rdns_missing", 30), ("rate_limited", 90)],
            ),
            ip("203.0.113.15", &[("rate_limited", 95)]),
            ip("203.0.113.16", &[("rate_limited", 88)]),
        ];
        let findings = rdns_findings(&ips, &Thresholds::default());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].source_ip.as_deref(), Some("203.0.113.14"));
        assert_eq!(findings[0].class, Some(Class::RdnsMissing));
        // A few rdns replies among many at an IP whose siblings show them too: no finding.
        let spread = vec![
            ip(
                "203.0.113.14",
                &[("rdns_missing", 30), ("rate_limited", 90)],
            ),
            ip(
                "203.0.113.15",
                &[("rdns_missing", 28), ("rate_limited", 95)],
            ),
        ];
        assert!(rdns_findings(&spread, &Thresholds::default()).is_empty());
    }
}
