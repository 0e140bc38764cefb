//! The identity checks of one sending IP, from the DNS answers: PTR, generic PTR, FCrDNS,
//! EHLO against PTR, EHLO resolving, shared EHLO names. Each gives a verdict, one sentence,
//! and the `dig` commands that show it.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use super::dns::{DnsAnswers, Lookup, missing_reason, reverse_name};
use super::generic::generic_reason;

/// The outcome of a check. The order is severity: the worst of an IP's checks is its verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Not applicable (nothing to check, or it needs an answer another check lacks).
    Skip,
    Pass,
    Warn,
    /// The DNS did not answer (timeout, SERVFAIL): not known.
    Unknown,
    Fail,
}

impl Verdict {
    pub fn id(self) -> &'static str {
        match self {
            Verdict::Skip => "skip",
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Unknown => "unknown",
            Verdict::Fail => "fail",
        }
    }
}

/// The checks, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    Ptr,
    PtrGeneric,
    Fcrdns,
    EhloMatch,
    EhloResolves,
    SharedEhlo,
    InConfig,
    RdnsReplies,
}

impl CheckId {
    pub fn id(self) -> &'static str {
        match self {
            CheckId::Ptr => "ptr",
            CheckId::PtrGeneric => "ptr_generic",
            CheckId::Fcrdns => "fcrdns",
            CheckId::EhloMatch => "ehlo_match",
            CheckId::EhloResolves => "ehlo_resolves",
            CheckId::SharedEhlo => "shared_ehlo",
            CheckId::InConfig => "in_config",
            CheckId::RdnsReplies => "rdns_replies",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: CheckId,
    pub verdict: Verdict,
    pub explanation: String,
    /// Commands that show what the check saw.
    pub dig: Vec<String>,
}

/// The `dig` commands to print, aimed at the server the audit asked.
#[derive(Debug, Clone, Copy)]
pub struct Dig {
    pub server: Option<SocketAddr>,
}

impl Dig {
    fn prefix(&self) -> String {
        match self.server {
            Some(server) if server.port() == 53 => format!("dig @{}", server.ip()),
            Some(server) => format!("dig @{} -p {}", server.ip(), server.port()),
            None => "dig".into(),
        }
    }

    pub fn ptr(&self, ip: IpAddr) -> String {
        format!("{} -x {ip} +short", self.prefix())
    }

    /// A for an IPv4 sender, AAAA for IPv6.
    pub fn address(&self, name: &str, for_ip: IpAddr) -> String {
        let kind = if for_ip.is_ipv4() { "A" } else { "AAAA" };
        format!("{} +short {kind} {name}", self.prefix())
    }
}

/// What the checks know of an IP besides DNS.
#[derive(Debug, Clone)]
pub struct Known<'a> {
    /// EHLO names the MTA gives for this IP.
    pub ehlos: &'a [String],
    /// EHLO name -> every IP that uses it.
    pub ehlo_users: &'a BTreeMap<String, Vec<IpAddr>>,
}

/// The DNS identity checks of one IP.
pub fn identity_checks(ip: IpAddr, known: &Known, dns: &DnsAnswers, dig: Dig) -> Vec<Check> {
    let ptr_check = ptr(ip, dns, dig);
    let ptr_names = match dns.ptr(ip) {
        Lookup::Found(names) => Some(names.as_slice()),
        _ => None,
    };
    let mut checks = vec![ptr_check];
    match ptr_names {
        Some(names) => {
            checks.push(ptr_generic(ip, names, dig));
            checks.push(fcrdns(ip, names, dns, dig));
        }
        None => {
            for id in [CheckId::PtrGeneric, CheckId::Fcrdns] {
                checks.push(skip(id, "needs a PTR record".into()));
            }
        }
    }
    if known.ehlos.is_empty() {
        let why = "no EHLO name known for this IP: it is in no smtp-source-host line; give --pmta-config, or --ip IP=EHLO";
        for id in [
            CheckId::EhloMatch,
            CheckId::EhloResolves,
            CheckId::SharedEhlo,
        ] {
            checks.push(skip(id, why.into()));
        }
        return checks;
    }
    checks.push(match ptr_names {
        Some(names) => ehlo_match(ip, known.ehlos, names, dig),
        None => skip(CheckId::EhloMatch, "needs a PTR record".into()),
    });
    checks.push(ehlo_resolves(ip, known.ehlos, dns, dig));
    checks.push(shared_ehlo(ip, known, dns, dig));
    checks
}

fn skip(id: CheckId, explanation: String) -> Check {
    Check {
        id,
        verdict: Verdict::Skip,
        explanation,
        dig: Vec::new(),
    }
}

fn check(id: CheckId, verdict: Verdict, explanation: String, dig: Vec<String>) -> Check {
    Check {
        id,
        verdict,
        explanation,
        dig,
    }
}

fn ptr(ip: IpAddr, dns: &DnsAnswers, dig: Dig) -> Check {
    let show = vec![dig.ptr(ip)];
    let (verdict, explanation) = match dns.ptr(ip) {
        Lookup::Found(names) if names.len() == 1 => {
            (Verdict::Pass, format!("one PTR: {}", names[0]))
        }
        Lookup::Found(names) => (
            Verdict::Warn,
            format!(
                "{} PTR records ({}): receivers pick any one, so FCrDNS and EHLO checks may fail at random; keep exactly one",
                names.len(),
                names.join(", ")
            ),
        ),
        Lookup::Missing { nxdomain } => {
            let reason = missing_reason(*nxdomain);
            let fix = if ip.is_ipv6() {
                "IPv6 senders without a PTR are refused by Gmail and Microsoft: disable IPv6 sending for this IP until the ip6.arpa PTR is published"
            } else {
                "receivers reject with `550 IP not in DNS`; ask the owner of the IP block to publish a PTR to the EHLO name"
            };
            (
                Verdict::Fail,
                format!("no PTR record ({} {reason}): {fix}", reverse_name(ip)),
            )
        }
        Lookup::Failed(reason) => (
            Verdict::Unknown,
            format!("the PTR lookup failed ({reason}); run the dig command to retry"),
        ),
    };
    check(CheckId::Ptr, verdict, explanation, show)
}

fn ptr_generic(ip: IpAddr, names: &[String], dig: Dig) -> Check {
    let generic: Vec<String> = names
        .iter()
        .filter_map(|name| generic_reason(name, ip).map(|why| format!("{name} {why}")))
        .collect();
    if generic.is_empty() {
        check(
            CheckId::PtrGeneric,
            Verdict::Pass,
            format!("{} looks like a mail host name", names.join(", ")),
            Vec::new(),
        )
    } else {
        check(
            CheckId::PtrGeneric,
            Verdict::Warn,
            format!(
                "the PTR looks generic: {}; receivers such as Outlook treat it as a dynamic or hosting address; use a name in your mail domain, e.g. mta1.example.com",
                generic.join("; ")
            ),
            vec![dig.ptr(ip)],
        )
    }
}

fn fcrdns(ip: IpAddr, names: &[String], dns: &DnsAnswers, dig: Dig) -> Check {
    let kind = if ip.is_ipv4() { "A" } else { "AAAA" };
    let mut problems = Vec::new();
    let mut unknown = Vec::new();
    for name in names {
        match dns.addresses(name) {
            Lookup::Found(addresses) if addresses.contains(&ip) => {}
            Lookup::Found(addresses) => problems.push(format!(
                "{name} resolves to {}, not {ip}",
                join_addresses(addresses)
            )),
            Lookup::Missing { nxdomain } => problems.push(format!(
                "{name} has no {kind} record ({})",
                missing_reason(*nxdomain)
            )),
            Lookup::Failed(reason) => unknown.push(format!("{name}: {reason}")),
        }
    }
    let show = names.iter().map(|name| dig.address(name, ip)).collect();
    if !problems.is_empty() {
        let first = &names[0];
        return check(
            CheckId::Fcrdns,
            Verdict::Fail,
            format!(
                "forward-confirmed reverse DNS fails: {}; publish `{first}. {kind} {ip}`",
                problems.join("; ")
            ),
            show,
        );
    }
    if !unknown.is_empty() {
        return check(
            CheckId::Fcrdns,
            Verdict::Unknown,
            format!("the forward lookup failed ({})", unknown.join("; ")),
            show,
        );
    }
    check(
        CheckId::Fcrdns,
        Verdict::Pass,
        format!("{} resolves back to {ip}", names.join(", ")),
        show,
    )
}

fn ehlo_match(ip: IpAddr, ehlos: &[String], ptr_names: &[String], dig: Dig) -> Check {
    let differing: Vec<&String> = ehlos.iter().filter(|e| !ptr_names.contains(e)).collect();
    if differing.is_empty() {
        return check(
            CheckId::EhloMatch,
            Verdict::Pass,
            format!("EHLO {} equals the PTR", ehlos.join(", ")),
            Vec::new(),
        );
    }
    let names: Vec<&str> = differing.iter().map(|s| s.as_str()).collect();
    check(
        CheckId::EhloMatch,
        Verdict::Warn,
        format!(
            "EHLO {} differs from the PTR {}; set `smtp-source-host {ip} {}` so both agree",
            names.join(", "),
            ptr_names.join(", "),
            ptr_names[0]
        ),
        vec![dig.ptr(ip)],
    )
}

fn ehlo_resolves(ip: IpAddr, ehlos: &[String], dns: &DnsAnswers, dig: Dig) -> Check {
    let mut missing = Vec::new();
    let mut unknown = Vec::new();
    for name in ehlos {
        match dns.addresses(name) {
            Lookup::Found(_) => {}
            Lookup::Missing { nxdomain } => {
                missing.push(format!("{name} ({})", missing_reason(*nxdomain)))
            }
            Lookup::Failed(reason) => unknown.push(format!("{name}: {reason}")),
        }
    }
    let show = ehlos.iter().map(|name| dig.address(name, ip)).collect();
    if !missing.is_empty() {
        check(
            CheckId::EhloResolves,
            Verdict::Fail,
            format!(
                "the EHLO name does not resolve: {}; receivers that check HELO refuse it; publish an address record for it",
                missing.join(", ")
            ),
            show,
        )
    } else if !unknown.is_empty() {
        check(
            CheckId::EhloResolves,
            Verdict::Unknown,
            format!("the EHLO lookup failed ({})", unknown.join("; ")),
            show,
        )
    } else {
        check(
            CheckId::EhloResolves,
            Verdict::Pass,
            format!("EHLO {} resolves", ehlos.join(", ")),
            show,
        )
    }
}

fn shared_ehlo(ip: IpAddr, known: &Known, dns: &DnsAnswers, dig: Dig) -> Check {
    let mut findings = Vec::new();
    let mut shared_with = 0;
    for ehlo in known.ehlos {
        let users = known.ehlo_users.get(ehlo).map_or(&[][..], Vec::as_slice);
        if users.len() < 2 {
            continue;
        }
        shared_with = shared_with.max(users.len());
        let not_matching: Vec<String> = users
            .iter()
            .filter(|user| match dns.ptr(**user) {
                Lookup::Found(names) => !names.contains(ehlo),
                _ => true,
            })
            .map(IpAddr::to_string)
            .collect();
        if not_matching.contains(&ip.to_string()) {
            findings.push(format!(
                "EHLO {ehlo} is used by {} IPs ({}) and the PTRs of {} do not match it; give each IP its own EHLO name equal to its PTR",
                users.len(),
                join_addresses(users),
                not_matching.join(", ")
            ));
        }
    }
    if !findings.is_empty() {
        return check(
            CheckId::SharedEhlo,
            Verdict::Warn,
            findings.join("; "),
            vec![dig.ptr(ip)],
        );
    }
    let explanation = if shared_with == 0 {
        "the EHLO name is used by this IP only".to_string()
    } else {
        format!("the EHLO name is shared by {shared_with} IPs and matches this IP's PTR")
    };
    check(CheckId::SharedEhlo, Verdict::Pass, explanation, Vec::new())
}

fn join_addresses(addresses: &[IpAddr]) -> String {
    addresses
        .iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn answers() -> DnsAnswers {
        let mut dns = DnsAnswers::default();
        let ptr = |names: &[&str]| Lookup::Found(names.iter().map(|n| n.to_string()).collect());
        dns.ptr
            .insert(ip("203.0.113.10"), ptr(&["mta10.example.test"]));
        dns.ptr
            .insert(ip("203.0.113.14"), ptr(&["mta14.example.test"]));
        dns.ptr
            .insert(ip("203.0.113.11"), Lookup::Missing { nxdomain: true });
        dns.ptr
            .insert(ip("203.0.113.12"), Lookup::Failed("timed out".into()));
        dns.addresses.insert(
            "mta10.example.test".into(),
            Lookup::Found(vec![ip("203.0.113.10")]),
        );
        dns.addresses.insert(
            "mta14.example.test".into(),
            Lookup::Found(vec![ip("203.0.113.99")]),
        );
        dns
    }

    fn verdicts(checks: &[Check]) -> Vec<(&'static str, Verdict)> {
        checks.iter().map(|c| (c.id.id(), c.verdict)).collect()
    }

    #[test]
    fn verdicts_follow_the_answers() {
        let dns = answers();
        let dig = Dig { server: None };
        let users = BTreeMap::new();
        let ehlos = vec!["mta10.example.test".to_string()];
        let known = Known {
            ehlos: &ehlos,
            ehlo_users: &users,
        };
        let good = identity_checks(ip("203.0.113.10"), &known, &dns, dig);
        assert!(good.iter().all(|c| c.verdict == Verdict::Pass), "{good:?}");

        let missing = identity_checks(ip("203.0.113.11"), &known, &dns, dig);
        assert_eq!(missing[0].verdict, Verdict::Fail);
        assert!(
            missing[0]
                .explanation
                .contains("11.113.0.203.in-addr.arpa NXDOMAIN")
        );
        assert_eq!(missing[2].verdict, Verdict::Skip);

        let unknown_ehlo = Known {
            ehlos: &[],
            ehlo_users: &users,
        };
        let forged = identity_checks(ip("203.0.113.14"), &unknown_ehlo, &dns, dig);
        assert_eq!(
            verdicts(&forged)[..3],
            [
                ("ptr", Verdict::Pass),
                ("ptr_generic", Verdict::Pass),
                ("fcrdns", Verdict::Fail)
            ]
        );
        assert!(
            forged[2]
                .explanation
                .contains("203.0.113.99, not 203.0.113.14")
        );
        assert_eq!(forged[2].dig, ["dig +short A mta14.example.test"]);

        let timeout = identity_checks(ip("203.0.113.12"), &known, &dns, dig);
        assert_eq!(timeout[0].verdict, Verdict::Unknown);
    }

    #[test]
    fn dig_commands_name_the_server() {
        let dig = Dig {
            server: Some("127.0.0.1:5353".parse().unwrap()),
        };
        assert_eq!(
            dig.ptr(ip("2001:db8::1")),
            "dig @127.0.0.1 -p 5353 -x 2001:db8::1 +short"
        );
        assert_eq!(
            dig.address("a.example", ip("2001:db8::1")),
            "dig @127.0.0.1 -p 5353 +short AAAA a.example"
        );
    }
}
