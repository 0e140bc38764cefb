//! The sentences: what each finding says in words, written here once for every format
//! (terminal, Markdown, HTML, JSON, the check plugin).

use crate::analyze::completeness::DataGap;
use crate::analyze::findings::{Fact, Finding};
use crate::classify::Class;
use crate::timefmt::hour_local;

fn pct(rate: Option<f64>) -> String {
    rate.map_or("n/a".to_string(), |r| format!("{:.1}%", r * 100.0))
}

/// Where a finding is: "gmail", "203.0.113.7 at gmail", "pool bulk at gmail".
fn scope(finding: &Finding, pool: Option<&str>) -> String {
    match (&finding.source_ip, pool) {
        (Some(ip), _) => format!("{ip} at {}", finding.isp),
        (_, Some(pool)) => format!("pool {pool} at {}", finding.isp),
        _ => finding.isp.clone(),
    }
}

/// The finding as one sentence an operator can act on.
pub fn finding(finding: &Finding) -> String {
    match &finding.fact {
        Fact::Rate {
            pool,
            rate,
            jump,
            rise,
            top,
        } => {
            let mut message = format!(
                "{} deferral rate {}",
                scope(finding, pool.as_deref()),
                pct(*rate)
            );
            if let Some((rolling, change_pp)) = jump {
                message.push_str(&format!(
                    " against a 7-day average of {} ({change_pp:+.1} pp)",
                    pct(*rolling)
                ));
            }
            if let Some((pp_per_week, days)) = rise {
                message.push_str(&format!(
                    ", rising {pp_per_week:+.1} pp/week over {days} days"
                ));
            }
            if let Some((class, count)) = top {
                message.push_str(&format!("; mostly {class} ({count}): {}", advice(*class)));
            }
            message.push('.');
            message
        }
        Fact::Rdns {
            rdns,
            total,
            siblings,
            sibling_share,
            siblings_clean,
        } => {
            let ip = finding.source_ip.as_deref().unwrap_or_default();
            let isp = &finding.isp;
            let class = finding.class.unwrap_or(Class::RdnsMissing);
            let share = sibling_share * 100.0;
            if *siblings_clean {
                format!(
                    "{ip}: {rdns} of {total} deferrals and bounces at {isp} are {class} while its {siblings} sibling IP(s) there are clean ({share:.1}% rdns); {} (check with `dig -x {ip}`), and pause {ip} at {isp} until fixed.",
                    advice(class),
                )
            } else {
                format!(
                    "{ip}: {rdns} of {total} deferrals and bounces at {isp} are {class}, and its sibling IPs show it too ({share:.1}%); {} for the whole range (check with `dig -x {ip}`).",
                    advice(class)
                )
            }
        }
        Fact::Incident {
            onset,
            recovered_at,
            peak_rate,
            baseline_rate,
            failures,
            affected_ips,
            tz,
        } => {
            let class = finding.class.unwrap_or(Class::Other);
            let when = match recovered_at {
                Some(end) => format!(
                    "from {} to {}",
                    hour_local(*onset, *tz),
                    hour_local(*end, *tz)
                ),
                None => format!("since {}, ongoing", hour_local(*onset, *tz)),
            };
            let affected = match affected_ips {
                0 => String::new(),
                n => format!(", {n} IP(s) affected"),
            };
            format!(
                "{}: {class} incident {when}: {} of attempts at its peak against {} before ({failures} deferrals and bounces{affected}); {}.",
                scope(finding, None),
                pct(Some(*peak_rate)),
                pct(Some(*baseline_rate)),
                advice(class)
            )
        }
    }
}

/// What is missing from the review day, and what to check, in one sentence.
pub fn data_gap(gap: &DataGap) -> String {
    match gap {
        DataGap::NoRows => {
            "no rows on the review day: are the day's acct files among the inputs?".into()
        }
        DataGap::MissingHours {
            hours,
            first,
            last,
            tz,
        } => format!(
            "only part of the day: {hours} hour(s) from {} to {} have no rows though they had some on most of the 7 days before; are files missing, or is the day not over?",
            hour_local(*first, *tz),
            hour_local(*last, *tz)
        ),
        DataGap::NoDeferrals { days_before } => format!(
            "no deferral (t) rows on the review day, though the 7 days before had {days_before}: is the diag file (records t) among the inputs?"
        ),
    }
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
