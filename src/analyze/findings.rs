//! Findings: one sentence each that an operator can act on, most severe first.

use serde::Serialize;

use chrono_tz::Tz;

use super::group::{GroupDay, is_placeholder_ip};
use super::incidents::Incident;
use super::status::{Status, Thresholds};
use crate::classify::{Class, CodeNote};
use crate::timefmt::hour_local;

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Status,
    pub isp: String,
    pub source_ip: Option<String>,
    pub class: Option<Class>,
    pub message: String,
    /// The id of the incident behind it, when one was found.
    pub incident: Option<String>,
    /// What the provider codes in the replies behind it mean, with the provider's page.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<CodeNote>,
}

fn pct(rate: Option<f64>) -> String {
    rate.map_or("n/a".to_string(), |r| format!("{:.1}%", r * 100.0))
}

/// What to do about a class, in a few words.
pub fn advice(class: Class) -> &'static str {
    match Some(class) {
        Some(Class::RdnsMissing) => "add a PTR record for the sending IP (ask the IP owner)",
        Some(Class::RdnsMismatch) => {
            "make the PTR hostname resolve back to the IP and set the EHLO name to it"
        }
        Some(Class::RdnsGeneric) => {
            "replace the generic PTR with a hostname of your sending domain"
        }
        Some(Class::RateLimited) => {
            "reduce volume and connections at this ISP, then ramp up slowly"
        }
        Some(Class::Blocklisted) => {
            "check the blocklist named in the replies and request delisting"
        }
        Some(Class::Reputation) => "cut volume to engaged recipients and review complaint rates",
        Some(Class::AuthFailure) => {
            "check SPF, DKIM signing and DMARC alignment for the sending domains"
        }
        Some(Class::ContentSpam) => "review the content and links of the campaigns sent",
        Some(Class::Policy) => "read the replies for the provider's policy reason",
        Some(Class::UserUnknown) | Some(Class::MailboxDisabled) => {
            "clean the list: remove bounced addresses"
        }
        Some(Class::Connection) | Some(Class::Tls) => {
            "check network, DNS and TLS settings toward this ISP"
        }
        _ => "read the top replies for the cause",
    }
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

fn scope_name(group: &GroupDay) -> String {
    match (&group.source_ip, &group.pool) {
        (Some(ip), _) => format!("{ip} at {}", group.isp),
        (_, Some(pool)) => format!("pool {pool} at {}", group.isp),
        _ => group.isp.clone(),
    }
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
    let mut message = format!(
        "{} deferral rate {}",
        scope_name(group),
        pct(group.deferral_rate)
    );
    if assessment.jumped {
        message.push_str(&format!(
            " against a 7-day average of {} ({:+.1} pp)",
            pct(group.rolling_7d_deferral_rate),
            group.change_pp().unwrap_or(0.0)
        ));
    }
    if assessment.rising {
        message.push_str(&format!(
            ", rising {:+.1} pp/week over {} days",
            group.trend_pp_per_week.unwrap_or(0.0),
            group.trend_days.unwrap_or(0)
        ));
    }
    if let Some((class, count)) = &top {
        message.push_str(&format!("; mostly {class} ({count}): {}", advice(*class)));
    }
    message.push('.');
    Some(Finding {
        severity: assessment.status,
        isp: group.isp.clone(),
        source_ip,
        class: top.map(|(c, _)| c),
        message,
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
        let message = if sibling_share < thresholds.rdns_sibling_share {
            format!(
                "{ip}: {rdns} of {total} deferrals and bounces at {} are {class} while its {} sibling IP(s) there are clean ({:.1}% rdns); {} (check with `dig -x {ip}`), and pause {ip} at {} until fixed.",
                group.isp,
                siblings.len(),
                sibling_share * 100.0,
                advice(class),
                group.isp
            )
        } else {
            format!(
                "{ip}: {rdns} of {total} deferrals and bounces at {} are {class}, and its sibling IPs show it too ({:.1}%); {} for the whole range (check with `dig -x {ip}`).",
                group.isp,
                sibling_share * 100.0,
                advice(class)
            )
        };
        out.push(Finding {
            severity: Status::Alert,
            isp: group.isp.clone(),
            source_ip: Some(ip.to_string()),
            class: Some(class),
            message,
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
    let class = incident.class.unwrap_or(Class::Other);
    let scope = match &incident.source_ip {
        Some(ip) => format!("{ip} at {}", incident.isp),
        None => incident.isp.clone(),
    };
    let when = match incident.recovered_at {
        Some(end) => format!(
            "from {} to {}",
            hour_local(incident.onset, tz),
            hour_local(end, tz)
        ),
        None => format!("since {}, ongoing", hour_local(incident.onset, tz)),
    };
    let affected = match incident.affected_ips.len() {
        0 => String::new(),
        n => format!(", {n} IP(s) affected"),
    };
    Finding {
        severity: incident.severity,
        isp: incident.isp.clone(),
        source_ip: incident.source_ip.clone(),
        class: incident.class,
        message: format!(
            "{scope}: {class} incident {when}: {} of attempts at its peak against {} before ({} deferrals and bounces{affected}); {}.",
            pct(Some(incident.peak_rate)),
            pct(Some(incident.baseline_rate)),
            incident.deferrals + incident.bounces,
            advice(class)
        ),
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
