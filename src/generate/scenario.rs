//! The incidents `generate` injects: the fixed set of the shipped sample, none, or a set
//! drawn from the seed (kinds, ISPs, IPs, onsets, durations), each with its ground truth.

use chrono::{NaiveDate, TimeZone, Utc};
use serde::Serialize;

use super::Rng;

/// Which incidents a generated set has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// The sample's three: a PTR loss five days before the end, a slow four-week rise at
    /// yahoo, a three-hour throttling spike at microsoft on the last day.
    Sample,
    /// No incident at all: a long quiet stretch.
    Quiet,
    /// Three to six incidents of different kinds drawn from the seed in the last ten days
    /// (never in the first seven), some co-occurring at one ISP, some recovering.
    Mixed,
}

/// The IP whose PTR disappears in the sample scenario (index into the sending IPs).
pub const SAMPLE_PTR_LOSS_IP: usize = 4;
pub const PTR_LOSS_DAYS_BEFORE_END: i64 = 5;
pub const SPIKE_START_HOUR_UTC: i64 = 13;
pub const SPIKE_HOURS: i64 = 3;

/// How a failure reply is written.
#[derive(Debug, Clone, Copy)]
pub struct Failure {
    /// `t` or `b`.
    pub kind: &'static str,
    pub status: &'static str,
    /// `{ip}`, `{rcpt}` and `{id}` are filled in per row.
    pub diag: &'static str,
    pub bounce_cat: &'static str,
}

/// What an incident does to the rows it touches.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    /// The ISP defers this share of attempts with its usual reply.
    Rate(f64),
    /// The ISP's deferral rate climbs from one rate to another over the last `days` days.
    Ramp { from: f64, to: f64, days: i64 },
    /// This share of attempts fails instead, with the reply the function gives for the ISP.
    Fail(f64, fn(&str) -> Failure),
}

/// One injected incident: where and when it acts, and its ground truth.
#[derive(Debug, Clone, Serialize)]
pub struct Injected {
    pub kind: &'static str,
    /// The ISPs, comma-separated.
    pub isp: String,
    pub source_ip: Option<String>,
    pub class: &'static str,
    /// RFC 3339 UTC: the first hour of the incident.
    pub onset: String,
    /// RFC 3339 UTC: the first hour after it; `null` while it lasts to the end of the logs.
    pub recovered_at: Option<String>,
    /// `incident` (expected as an incident) or `trend` (expected as a rising trend).
    pub expected_as: &'static str,
    pub description: String,
    #[serde(skip)]
    pub effect: Effect,
}

/// Where and when an incident acts.
#[derive(Debug, Clone)]
pub struct Effect {
    pub isps: Vec<&'static str>,
    /// Index of the one sending IP it touches; all of them when `None`.
    pub source_ip: Option<usize>,
    /// Epoch seconds, `[start, end)`.
    pub start: i64,
    pub end: Option<i64>,
    pub action: Action,
}

impl Effect {
    pub fn touches(&self, isp: &str, ip_index: usize, time: i64) -> bool {
        self.isps.contains(&isp)
            && self.source_ip.is_none_or(|ip| ip == ip_index)
            && time >= self.start
            && self.end.is_none_or(|end| time < end)
    }
}

const PTR_MISSING_GMAIL: Failure = Failure {
    kind: "t",
    status: "4.0.0 (undefined status)",
    diag: "smtp;421-4.7.0 [{ip}] The IP address sending this message does not have a\r\n421-4.7.0 PTR record setup, or the corresponding forward DNS entry does not\r\n421 4.7.0 point to the sending IP. {id} - gsmtp",
    bounce_cat: "",
};
const PTR_MISSING_MICROSOFT: Failure = Failure {
    kind: "t",
    status: "4.0.0 (undefined status)",
    diag: "smtp;550 5.7.25 Access denied, the sending IP address [{ip}] must have a reverse DNS record",
    bounce_cat: "",
};
fn ptr_missing(isp: &str) -> Failure {
    if isp == "gmail" {
        PTR_MISSING_GMAIL
    } else {
        PTR_MISSING_MICROSOFT
    }
}
const FCRDNS_MISMATCH: Failure = Failure {
    kind: "t",
    status: "4.0.0 (undefined status)",
    diag: "smtp;450 4.7.1 Client host rejected: cannot find your hostname, [{ip}]",
    bounce_cat: "",
};
const SPAMHAUS_LISTED: Failure = Failure {
    kind: "b",
    status: "5.7.1 (delivery not authorized, message refused)",
    diag: "smtp;554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}",
    bounce_cat: "spam-related",
};
const MICROSOFT_BLOCK_LIST: Failure = Failure {
    kind: "b",
    status: "5.7.1 (delivery not authorized, message refused)",
    diag: "smtp;550 5.7.1 Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [{id}.eurprd04.prod.outlook.com]",
    bounce_cat: "spam-related",
};
const GMAIL_UNAUTHENTICATED: Failure = Failure {
    kind: "b",
    status: "5.7.26 (unauthenticated)",
    diag: "smtp;550-5.7.26 This mail is unauthenticated, which poses a security risk to the\r\n550-5.7.26 sender and Gmail users, and has been blocked. The sender must\r\n550-5.7.26 authenticate with at least one of SPF or DKIM. For this message,\r\n550-5.7.26 DKIM checks did not pass and SPF check for [news.example.com] did not\r\n550-5.7.26 pass with ip: [{ip}]. To best protect our users from spam, the\r\n550 5.7.26 message has been blocked. {id} - gsmtp",
    bounce_cat: "policy-related",
};
const NO_ANSWER: Failure = Failure {
    kind: "t",
    status: "4.4.1 (no answer from host)",
    diag: "",
    bounce_cat: "",
};

/// The incidents of `scenario` for a set of `days` days ending on `end` over `source_ips`
/// sending IPs.
pub fn incidents(
    scenario: Scenario,
    seed: u64,
    end: NaiveDate,
    days: u32,
    source_ips: usize,
) -> Vec<Injected> {
    let last_day_start = Utc
        .from_utc_datetime(&end.and_hms_opt(0, 0, 0).expect("valid time"))
        .timestamp();
    let day_start = |days_before_end: i64| last_day_start - days_before_end * 86_400;
    match scenario {
        Scenario::Quiet => Vec::new(),
        Scenario::Sample => sample(day_start(0), day_start, source_ips),
        Scenario::Mixed => mixed(seed, day_start, days, source_ips),
    }
}

fn ip_name(index: usize) -> String {
    super::source_ip(index)
}

fn hour(epoch: i64) -> String {
    crate::timefmt::rfc3339(epoch)
}

fn sample(last_day: i64, day_start: impl Fn(i64) -> i64, source_ips: usize) -> Vec<Injected> {
    // With fewer IPs than that, no row is touched: the sample's logs stay as they were.
    let ptr_ip = SAMPLE_PTR_LOSS_IP;
    let _ = source_ips;
    let spike_start = last_day + SPIKE_START_HOUR_UTC * 3600;
    let spike_end = spike_start + SPIKE_HOURS * 3600;
    let ptr_start = day_start(PTR_LOSS_DAYS_BEFORE_END);
    vec![
        Injected {
            kind: "ptr_loss",
            isp: "gmail,microsoft".into(),
            source_ip: Some(ip_name(ptr_ip)),
            class: "rdns_missing",
            onset: hour(ptr_start),
            recovered_at: None,
            expected_as: "incident",
            description: format!(
                "{} loses its PTR: 60% of its attempts at gmail and microsoft are deferred for a missing PTR",
                ip_name(ptr_ip)
            ),
            effect: Effect {
                isps: vec!["gmail", "microsoft"],
                source_ip: Some(ptr_ip),
                start: ptr_start,
                end: None,
                action: Action::Fail(0.6, ptr_missing),
            },
        },
        Injected {
            kind: "slow_rise",
            isp: "yahoo".into(),
            source_ip: None,
            class: "rate_limited",
            onset: hour(day_start(27)),
            recovered_at: None,
            expected_as: "trend",
            description: "yahoo's deferral rate climbs from 3% to 7% over the last 28 days".into(),
            effect: Effect {
                isps: vec!["yahoo"],
                source_ip: None,
                start: day_start(27),
                end: None,
                action: Action::Ramp {
                    from: 0.03,
                    to: 0.07,
                    days: 27,
                },
            },
        },
        Injected {
            kind: "throttling_spike",
            isp: "microsoft".into(),
            source_ip: None,
            class: "rate_limited",
            onset: hour(spike_start),
            recovered_at: Some(hour(spike_end)),
            expected_as: "incident",
            description: "microsoft defers 45% of attempts for three hours".into(),
            effect: Effect {
                isps: vec!["microsoft"],
                source_ip: None,
                start: spike_start,
                end: Some(spike_end),
                action: Action::Rate(0.45),
            },
        },
    ]
}

/// The ISPs with volume enough to see an hour's incident at a few thousand rows a day.
const BUSY_ISPS: &[&str] = &["gmail", "microsoft", "yahoo", "apple"];

fn mixed(seed: u64, day_start: impl Fn(i64) -> i64, days: u32, source_ips: usize) -> Vec<Injected> {
    // A stream of its own, so the rows' stream is the same whatever the scenario draws.
    let mut rng = Rng(seed ^ 0x5CE7_A210_D1CE_0001);
    let days = i64::from(days);
    // Onsets in the last ten days, after at least seven days of baseline.
    let first = (days - 10).max(7).min(days - 1);
    let onset = |rng: &mut Rng| {
        let back = days - 1 - (first + rng.below((days - first) as usize) as i64);
        day_start(back) + rng.below(21) as i64 * 3600
    };
    let mut kinds = vec![
        "ptr_loss",
        "fcrdns_break",
        "blocklisting",
        "dkim_auth_failure",
        "connection_outage",
        "throttling_spike",
    ];
    // Shuffle, then keep three to six.
    for i in (1..kinds.len()).rev() {
        kinds.swap(i, rng.below(i + 1));
    }
    kinds.truncate(3 + rng.below(4));
    let ips = source_ips.max(1);
    let mut used_ips: Vec<usize> = Vec::new();
    let mut pick_ip = |rng: &mut Rng| {
        for _ in 0..16 {
            let ip = rng.below(ips);
            if !used_ips.contains(&ip) {
                used_ips.push(ip);
                return ip;
            }
        }
        rng.below(ips)
    };
    let mut out: Vec<Injected> = Vec::new();
    for kind in kinds {
        let start = onset(&mut rng);
        // Identity and list incidents last until fixed, or to the end of the logs.
        let lasting = |rng: &mut Rng, hours: (usize, usize)| {
            (rng.below(2) == 0)
                .then(|| start + (hours.0 + rng.below(hours.1 - hours.0)) as i64 * 3600)
        };
        let injected = match kind {
            "ptr_loss" => {
                let ip = pick_ip(&mut rng);
                let end = lasting(&mut rng, (6, 30));
                let isp = ["gmail", "microsoft"][rng.below(2)];
                incident(
                    kind,
                    isp,
                    Some(ip),
                    "rdns_missing",
                    start,
                    end,
                    Action::Fail(0.6, ptr_missing),
                    format!(
                        "{} loses its PTR: 60% of its attempts at {isp} fail",
                        ip_name(ip)
                    ),
                )
            }
            "fcrdns_break" => {
                let ip = pick_ip(&mut rng);
                let end = lasting(&mut rng, (6, 30));
                let isp = BUSY_ISPS[rng.below(BUSY_ISPS.len())];
                incident(
                    kind,
                    isp,
                    Some(ip),
                    "rdns_mismatch",
                    start,
                    end,
                    Action::Fail(0.5, |_| FCRDNS_MISMATCH),
                    format!(
                        "{}'s PTR name no longer resolves back to it: half its attempts at {isp} are refused",
                        ip_name(ip)
                    ),
                )
            }
            "blocklisting" => {
                let ip = pick_ip(&mut rng);
                let end = lasting(&mut rng, (8, 40));
                let isp = BUSY_ISPS[rng.below(BUSY_ISPS.len())];
                let listed = |isp: &str| {
                    if isp == "microsoft" {
                        MICROSOFT_BLOCK_LIST
                    } else {
                        SPAMHAUS_LISTED
                    }
                };
                incident(
                    kind,
                    isp,
                    Some(ip),
                    "blocklisted",
                    start,
                    end,
                    Action::Fail(0.5, listed),
                    format!(
                        "{} is listed: half its attempts at {isp} bounce",
                        ip_name(ip)
                    ),
                )
            }
            "dkim_auth_failure" => {
                let end = Some(start + (3 + rng.below(10)) as i64 * 3600);
                incident(kind, "gmail", None, "auth_failure", start, end, Action::Fail(0.3, |_| GMAIL_UNAUTHENTICATED),
                    "a DKIM key change breaks signing: 30% of gmail attempts bounce as unauthenticated".into())
            }
            "connection_outage" => {
                let end = Some(start + (1 + rng.below(4)) as i64 * 3600);
                let isp = BUSY_ISPS[rng.below(BUSY_ISPS.len())];
                incident(
                    kind,
                    isp,
                    None,
                    "connection",
                    start,
                    end,
                    Action::Fail(0.9, |_| NO_ANSWER),
                    format!("{isp}'s MX hosts do not answer: 90% of attempts are deferred"),
                )
            }
            _ => {
                // A throttling spike, at the ISP of an IP incident on the same day half the time.
                let (isp, start) = match out.iter().find(|i| i.source_ip.is_some()) {
                    Some(other) if rng.below(2) == 0 => (
                        other.effect.isps[0],
                        other.effect.start - other.effect.start.rem_euclid(86_400)
                            + rng.below(21) as i64 * 3600,
                    ),
                    _ => (BUSY_ISPS[rng.below(BUSY_ISPS.len())], start),
                };
                let hours = 2 + rng.below(4) as i64;
                incident(
                    "throttling_spike",
                    isp,
                    None,
                    "rate_limited",
                    start,
                    Some(start + hours * 3600),
                    Action::Rate(0.45),
                    format!("{isp} defers 45% of attempts for {hours} hours"),
                )
            }
        };
        out.push(injected);
    }
    out
}

#[allow(
    clippy::too_many_arguments,
    reason = "one call per kind reads as a table"
)]
fn incident(
    kind: &'static str,
    isp: &'static str,
    source_ip: Option<usize>,
    class: &'static str,
    start: i64,
    end: Option<i64>,
    action: Action,
    description: String,
) -> Injected {
    Injected {
        kind,
        isp: isp.into(),
        source_ip: source_ip.map(ip_name),
        class,
        onset: hour(start),
        recovered_at: end.map(hour),
        expected_as: "incident",
        description,
        effect: Effect {
            isps: vec![isp],
            source_ip,
            start,
            end,
            action,
        },
    }
}
