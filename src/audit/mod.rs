//! Sender identity audit: every sending IP (from the PowerMTA config, the command line and the
//! logs) checked for PTR, FCrDNS and EHLO alignment, next to the `rdns_*` replies the logs
//! show for it.

pub mod checks;
pub mod dns;
pub mod generic;
pub mod logs;
pub mod pmta;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use serde::Serialize;

use checks::{Check, CheckId, Dig, Known, Verdict, identity_checks};
use dns::{DnsAnswers, DnsSettings, Lookup};
use logs::{LogEvidence, RdnsReplies, Window, describe};
use pmta::PmtaConfig;

use crate::error::{Error, ExitCode};
use crate::timefmt::hour_rfc3339;

/// What the audit starts from.
#[derive(Debug, Default)]
pub struct AuditInputs {
    pub pmta: Option<PmtaConfig>,
    /// `--ip IP[=EHLO]`.
    pub by_hand: Vec<(IpAddr, Option<String>)>,
    /// The logs' evidence, when logs or stores were given.
    pub logs: Option<LogEvidence>,
    /// The hours of the logs the evidence covers.
    pub window: Window,
}

/// The audit of one sending IP.
#[derive(Debug, Clone, Serialize)]
pub struct IpAudit {
    pub ip: IpAddr,
    pub verdict: Verdict,
    /// "no PTR; 1,204 rdns_missing deferrals at gmail and microsoft since 2026-10-20".
    pub summary: String,
    pub ehlo: Vec<String>,
    pub vmtas: Vec<String>,
    pub pools: Vec<String>,
    /// Where the IP was found: `config`, `command line`, `logs`.
    pub found_in: Vec<&'static str>,
    pub ptr: Vec<String>,
    pub checks: Vec<Check>,
    pub rdns_replies: Vec<RdnsReplies>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub pass: usize,
    pub warn: usize,
    pub unknown: usize,
    pub fail: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    /// The server asked: `IP:PORT`, or `system`.
    pub resolver: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub verdict: Verdict,
    /// IPs per verdict.
    pub totals: Totals,
    /// Worst first, then by address.
    pub ips: Vec<IpAudit>,
}

impl Audit {
    /// The monitoring-plugin exit code: OK all pass, WARNING warn, CRITICAL fail, UNKNOWN
    /// (no answer).
    pub fn exit_code(&self) -> ExitCode {
        match self.verdict {
            Verdict::Skip | Verdict::Pass => ExitCode::Success,
            Verdict::Warn => ExitCode::Warning,
            Verdict::Fail => ExitCode::Critical,
            Verdict::Unknown => ExitCode::Unknown,
        }
    }
}

/// One IP's identity as the config, the command line and the logs give it.
#[derive(Debug, Default)]
struct Sender {
    ehlos: BTreeSet<String>,
    vmtas: BTreeSet<String>,
    pools: BTreeSet<String>,
    found_in: Vec<&'static str>,
}

impl Sender {
    fn found(&mut self, place: &'static str) {
        if !self.found_in.contains(&place) {
            self.found_in.push(place);
        }
    }
}

/// Every sending IP of the inputs.
fn inventory(inputs: &AuditInputs) -> BTreeMap<IpAddr, Sender> {
    let mut senders: BTreeMap<IpAddr, Sender> = BTreeMap::new();
    if let Some(pmta) = &inputs.pmta {
        for host in &pmta.source_hosts {
            let sender = senders.entry(host.ip).or_default();
            sender.found("config");
            sender.ehlos.insert(host.ehlo.clone());
            if let Some(vmta) = &host.vmta {
                sender.vmtas.insert(vmta.clone());
                sender.pools.extend(pmta.pools_of(vmta));
            }
        }
    }
    // An IP of the logs inside an `smtp-source-host` range is the config's, with that
    // line's EHLO name.
    if let (Some(pmta), Some(logs)) = (&inputs.pmta, &inputs.logs) {
        for ip in logs.ips.keys() {
            for range in pmta.source_ranges.iter().filter(|r| r.contains(*ip)) {
                let sender = senders.entry(*ip).or_default();
                sender.found("config");
                sender.ehlos.insert(range.ehlo.clone());
                if let Some(vmta) = &range.vmta {
                    sender.vmtas.insert(vmta.clone());
                    sender.pools.extend(pmta.pools_of(vmta));
                }
            }
        }
    }
    for (ip, ehlo) in &inputs.by_hand {
        let sender = senders.entry(*ip).or_default();
        sender.found("command line");
        sender
            .ehlos
            .extend(ehlo.iter().map(|e| dns::normalize_name(e)));
    }
    if let Some(logs) = &inputs.logs {
        for ip in logs.ips.keys() {
            senders.entry(*ip).or_default().found("logs");
        }
    }
    senders
}

/// Runs the audit: inventory, DNS, checks, the logs' evidence.
pub fn run(inputs: &AuditInputs, settings: &DnsSettings) -> Result<Audit, Error> {
    let senders = inventory(inputs);
    if senders.is_empty() {
        return Err(Error::Usage(
            "no sending IPs to audit: the config has no smtp-source-host lines, and no --ip or logs with source IPs were given".into(),
        ));
    }
    let ips: Vec<IpAddr> = senders.keys().copied().collect();
    let names: BTreeSet<String> = senders.values().flat_map(|s| s.ehlos.clone()).collect();
    let answers = dns::resolve(settings, &ips, &names)?;
    Ok(assemble(
        inputs,
        &senders,
        &answers,
        Dig {
            server: settings.server,
        },
        settings,
    ))
}

fn assemble(
    inputs: &AuditInputs,
    senders: &BTreeMap<IpAddr, Sender>,
    answers: &DnsAnswers,
    dig: Dig,
    settings: &DnsSettings,
) -> Audit {
    let mut ehlo_users: BTreeMap<String, Vec<IpAddr>> = BTreeMap::new();
    for (ip, sender) in senders {
        for ehlo in &sender.ehlos {
            ehlo_users.entry(ehlo.clone()).or_default().push(*ip);
        }
    }
    let mut audits: Vec<IpAudit> = senders
        .iter()
        .map(|(&ip, sender)| audit_ip(ip, sender, inputs, answers, &ehlo_users, dig))
        .collect();
    audits.sort_by(|a, b| b.verdict.cmp(&a.verdict).then(a.ip.cmp(&b.ip)));
    let mut totals = Totals::default();
    for audit in &audits {
        match audit.verdict {
            Verdict::Skip | Verdict::Pass => totals.pass += 1,
            Verdict::Warn => totals.warn += 1,
            Verdict::Unknown => totals.unknown += 1,
            Verdict::Fail => totals.fail += 1,
        }
    }
    // Worst first: the first IP's verdict is the run's (fail outranks unknown).
    let verdict = audits.first().map_or(Verdict::Pass, |a| a.verdict);
    Audit {
        resolver: settings
            .server
            .map_or_else(|| "system".to_string(), |s| s.to_string()),
        from: inputs.window.from.map(hour_rfc3339),
        to: inputs.window.to.map(hour_rfc3339),
        verdict,
        totals,
        ips: audits,
    }
}

fn audit_ip(
    ip: IpAddr,
    sender: &Sender,
    inputs: &AuditInputs,
    answers: &DnsAnswers,
    ehlo_users: &BTreeMap<String, Vec<IpAddr>>,
    dig: Dig,
) -> IpAudit {
    let ehlos: Vec<String> = sender.ehlos.iter().cloned().collect();
    let known = Known {
        ehlos: &ehlos,
        ehlo_users,
    };
    let mut checks = identity_checks(ip, &known, answers, dig);
    let dns_looks_right = checks
        .iter()
        .all(|c| matches!(c.verdict, Verdict::Pass | Verdict::Skip));
    if inputs.pmta.is_some() {
        checks.push(in_config(sender));
    }
    let replies = inputs
        .logs
        .as_ref()
        .and_then(|logs| logs.ips.get(&ip))
        .cloned()
        .unwrap_or_default();
    if inputs.logs.is_some() {
        checks.push(rdns_replies(&replies, dns_looks_right));
    }
    let verdict = checks
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(Verdict::Skip);
    let ptr = match answers.ptr(ip) {
        Lookup::Found(names) => names.clone(),
        _ => Vec::new(),
    };
    IpAudit {
        ip,
        verdict,
        summary: summary(&checks, &replies, dns_looks_right),
        ehlo: ehlos,
        vmtas: sender.vmtas.iter().cloned().collect(),
        pools: sender.pools.iter().cloned().collect(),
        found_in: sender.found_in.clone(),
        ptr,
        checks,
        rdns_replies: replies,
    }
}

fn in_config(sender: &Sender) -> Check {
    let (verdict, explanation) = if sender.found_in.contains(&"config") {
        (Verdict::Pass, "in the PowerMTA config".to_string())
    } else {
        (
            Verdict::Warn,
            format!(
                "found in the {} but in no smtp-source-host line of the PowerMTA config: another host sends from it, or the config given is not the one running",
                sender.found_in.join(" and ")
            ),
        )
    };
    Check {
        id: CheckId::InConfig,
        verdict,
        explanation,
        dig: Vec::new(),
    }
}

fn rdns_replies(replies: &[RdnsReplies], dns_looks_right: bool) -> Check {
    let (verdict, explanation) = if replies.is_empty() {
        (
            Verdict::Pass,
            "no rdns_* deferrals or bounces in the logs".to_string(),
        )
    } else {
        let described: Vec<String> = replies.iter().map(describe).collect();
        let last = replies.iter().map(|r| r.last.as_str()).max().unwrap_or("");
        let reading = if dns_looks_right {
            format!(
                "; DNS looks right now, so this was fixed recently or is still cached at the ISP: check that these replies stop (last at {last})"
            )
        } else {
            format!("; last at {last}")
        };
        (Verdict::Warn, format!("{}{reading}", described.join("; ")))
    };
    Check {
        id: CheckId::RdnsReplies,
        verdict,
        explanation,
        dig: Vec::new(),
    }
}

/// The short reading of an IP's checks: "no PTR; 1,204 rdns_missing deferrals at gmail ...".
fn summary(checks: &[Check], replies: &[RdnsReplies], dns_looks_right: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    for check in checks {
        let phrase = match (check.id, check.verdict) {
            (_, Verdict::Pass | Verdict::Skip) => continue,
            (CheckId::Ptr, Verdict::Fail) => "no PTR",
            (CheckId::Ptr, Verdict::Warn) => "several PTRs",
            (CheckId::PtrGeneric, _) => "generic PTR",
            (CheckId::Fcrdns, Verdict::Fail) => "FCrDNS fails",
            (CheckId::EhloMatch, _) => "EHLO differs from the PTR",
            (CheckId::EhloResolves, Verdict::Fail) => "EHLO name does not resolve",
            (CheckId::SharedEhlo, _) => "shared EHLO name",
            (CheckId::InConfig, _) => "not in the PowerMTA config",
            (CheckId::RdnsReplies, _) => continue,
            (_, Verdict::Unknown) => "DNS did not answer",
            (_, _) => check.id.id(),
        };
        if !parts.iter().any(|p| p == phrase) {
            parts.push(phrase.to_string());
        }
    }
    if !replies.is_empty() {
        let described: Vec<String> = replies.iter().map(describe).collect();
        let prefix = if dns_looks_right {
            "DNS looks right now, yet "
        } else {
            ""
        };
        parts.push(format!("{prefix}{}", described.join("; ")));
    }
    if parts.is_empty() {
        "all checks pass".to_string()
    } else {
        parts.join("; ")
    }
}
