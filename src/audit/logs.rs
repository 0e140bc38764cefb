//! What the logs say about each sending IP: the `rdns_*` deferrals and bounces per class and
//! ISP in a window, with the first and last hour they were seen.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use serde::Serialize;

use crate::aggregate::Aggregates;
use crate::classify::Class;
use crate::numfmt::thousands;
use crate::query::{self, Dims, Query};
use crate::timefmt::hour_rfc3339;

/// The `rdns_*` replies of one class that one IP received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RdnsReplies {
    pub class: Class,
    pub deferrals: u64,
    pub bounces: u64,
    /// ISP -> replies (deferrals and bounces).
    pub isps: BTreeMap<String, u64>,
    /// Start of the first and of the last hour with such a reply (RFC 3339 UTC).
    pub first: String,
    pub last: String,
}

/// Per IP: every IP the logs show sending in the window, and its `rdns_*` replies.
#[derive(Debug, Clone, Default)]
pub struct LogEvidence {
    pub ips: BTreeMap<IpAddr, Vec<RdnsReplies>>,
    /// Source IP fields that are not IP addresses (counted, shown as a warning).
    pub unparsable: BTreeSet<String>,
}

/// Hours `[from, to)`; either end open.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

#[derive(Default)]
struct Tally {
    deferrals: u64,
    bounces: u64,
    isps: BTreeMap<String, u64>,
    first: i64,
    last: i64,
}

/// Collects the evidence from hourly aggregates.
pub fn evidence(aggregates: &Aggregates, window: Window) -> LogEvidence {
    let mut ips: BTreeMap<IpAddr, BTreeMap<Class, Tally>> = BTreeMap::new();
    let mut unparsable = BTreeSet::new();
    let mut parsed: Vec<Option<IpAddr>> = Vec::with_capacity(aggregates.source_ips.len());
    for id in 0..aggregates.source_ips.len() as u32 {
        let name = aggregates.source_ips.name(id);
        let ip = name.trim().parse::<IpAddr>().ok();
        if ip.is_none() && !name.trim().is_empty() {
            unparsable.insert(name.to_string());
        }
        parsed.push(ip.filter(|ip| !ip.is_unspecified()));
    }
    let window = query::Window::between(window.from, window.to);
    let query = Query::hourly(window, Dims::ISP.with_source_ip().with_class());
    query.visit(aggregates, |key, counts| {
        let Some(ip) = parsed[key.source_ip.expect("kept") as usize] else {
            return;
        };
        let classes = ips.entry(ip).or_default();
        let Some(class) = key.class.filter(|c| c.is_rdns()) else {
            return;
        };
        let hour = key.time;
        let tally = classes.entry(class).or_insert_with(|| Tally {
            first: hour,
            last: hour,
            ..Tally::default()
        });
        // A queue-level deferral of an IP's mail counts with its deferrals.
        tally.deferrals += counts.deferred + counts.queue_deferred;
        tally.bounces += counts.bounced;
        *tally
            .isps
            .entry(aggregates.isps.name(key.isp).to_string())
            .or_default() += counts.deferred + counts.queue_deferred + counts.bounced;
        tally.first = tally.first.min(hour);
        tally.last = tally.last.max(hour);
    });
    let ips = ips
        .into_iter()
        .map(|(ip, classes)| {
            let replies = classes
                .into_iter()
                .map(|(class, t)| RdnsReplies {
                    class,
                    deferrals: t.deferrals,
                    bounces: t.bounces,
                    isps: t.isps,
                    first: hour_rfc3339(t.first),
                    last: hour_rfc3339(t.last),
                })
                .collect();
            (ip, replies)
        })
        .collect();
    LogEvidence { ips, unparsable }
}

/// "1,204 rdns_missing deferrals and 3 bounces at gmail and microsoft since 2026-10-20".
pub fn describe(replies: &RdnsReplies) -> String {
    let mut counts = Vec::new();
    if replies.deferrals > 0 {
        counts.push(format!(
            "{} {} deferral{}",
            thousands(replies.deferrals),
            replies.class,
            plural(replies.deferrals)
        ));
    }
    if replies.bounces > 0 {
        let what = if counts.is_empty() {
            format!("{} bounce", replies.class)
        } else {
            "bounce".to_string()
        };
        counts.push(format!(
            "{} {what}{}",
            thousands(replies.bounces),
            plural(replies.bounces)
        ));
    }
    let mut isps: Vec<(&String, &u64)> = replies.isps.iter().collect();
    isps.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let isps: Vec<&str> = isps.iter().map(|(isp, _)| isp.as_str()).collect();
    format!(
        "{} at {} since {}",
        counts.join(" and "),
        join_and(&isps),
        &replies.first[..10]
    )
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// "a", "a and b", "a, b and c".
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_counts_isps_and_since() {
        let replies = RdnsReplies {
            class: Class::RdnsMissing,
            deferrals: 1204,
            bounces: 3,
            isps: BTreeMap::from([("gmail".into(), 1000), ("microsoft".into(), 207)]),
            first: "2026-10-20T05:00:00Z".into(),
            last: "2026-10-31T23:00:00Z".into(),
        };
        assert_eq!(
            describe(&replies),
            "1,204 rdns_missing deferrals and 3 bounces at gmail and microsoft since 2026-10-20"
        );
    }
}
