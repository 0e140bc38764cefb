//! `deferwatch audit`: sender identity per sending IP, joined with the logs' rdns_* replies.
//! Exit 0 all pass, 1 warn, 2 fail, 3 unknown or could not run.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::Result;

use super::hourly::parse_window;
use super::output::write_output;
use super::{History, load};
use crate::audit::dns::DnsSettings;
use crate::audit::logs::{LogEvidence, Window, evidence};
use crate::audit::pmta::PmtaConfig;
use crate::audit::{Audit, AuditInputs};
use crate::cli::{AuditArgs, IdentityArgs, InputArgs};
use crate::error::Error;
use crate::render::audit::render_audit;
use crate::timefmt::hour_rfc3339;

/// The exit code when the audit could not run.
const COULD_NOT_RUN: i32 = 3;

pub fn run(args: AuditArgs) -> i32 {
    match audit(&args) {
        Ok(audit) => {
            let written = write_output(args.output.output.as_deref(), |out, color| {
                Ok(render_audit(args.format, &audit, out, color)?)
            });
            match written {
                Ok(()) => audit.exit_code(),
                Err(err) => could_not_run(&err),
            }
        }
        Err(err) => could_not_run(&err),
    }
}

fn could_not_run(err: &anyhow::Error) -> i32 {
    eprintln!("error: {err:#}");
    COULD_NOT_RUN
}

fn audit(args: &AuditArgs) -> Result<Audit> {
    let (from, to) = parse_window(args.from.as_deref(), args.to.as_deref())?;
    let window = Window { from, to };
    let logs = read_logs(&args.input, window)?;
    let inputs = identity_inputs(&args.identity, logs, window)?;
    if inputs.pmta.is_none() && inputs.by_hand.is_empty() && inputs.logs.is_none() {
        return Err(Error::Usage(
            "nothing to audit: give --pmta-config FILE, --ip IP[=EHLO], or logs (PATHS or --store)"
                .into(),
        )
        .into());
    }
    Ok(crate::audit::run(&inputs, &dns_settings(&args.identity)?)?)
}

/// The config, the hand-given IPs, and the logs' evidence over `window`.
pub fn identity_inputs(
    args: &IdentityArgs,
    logs: Option<LogEvidence>,
    window: Window,
) -> Result<AuditInputs, Error> {
    let pmta = args
        .pmta_config
        .as_deref()
        .map(PmtaConfig::load)
        .transpose()?;
    let by_hand = args
        .ips
        .iter()
        .map(|text| parse_ip_arg(text))
        .collect::<Result<_, _>>()?;
    Ok(AuditInputs {
        pmta,
        by_hand,
        logs,
        from: window.from.map(hour_rfc3339),
        to: window.to.map(hour_rfc3339),
    })
}

/// The logs' evidence, when logs or stores were given.
fn read_logs(input: &InputArgs, window: Window) -> Result<Option<LogEvidence>> {
    if input.paths.is_empty() && input.store.is_empty() {
        return Ok(None);
    }
    let loaded = load(input, History::since(window.from))?;
    let logs = evidence(&loaded.scan.aggregates, window);
    for field in &logs.unparsable {
        eprintln!("warning: source IP `{field}` in the logs is not an IP address; not audited");
    }
    Ok(Some(logs))
}

/// `203.0.113.7` or `203.0.113.7=mta7.example.net`.
fn parse_ip_arg(text: &str) -> Result<(IpAddr, Option<String>), Error> {
    let (ip, ehlo) = match text.split_once('=') {
        Some((ip, ehlo)) => (ip, Some(ehlo.trim().to_string())),
        None => (text, None),
    };
    let ip = ip.trim().parse::<IpAddr>().map_err(|_| {
        Error::Usage(format!(
            "--ip `{text}`: `{ip}` is not an IPv4 or IPv6 address; write --ip 203.0.113.7 or --ip 203.0.113.7=mta7.example.net"
        ))
    })?;
    Ok((ip, ehlo.filter(|e| !e.is_empty())))
}

pub fn dns_settings(args: &IdentityArgs) -> Result<DnsSettings, Error> {
    let server = args.resolver.as_deref().map(parse_resolver).transpose()?;
    if !(args.dns_timeout > 0.0 && args.dns_timeout <= 60.0) {
        return Err(Error::Usage(
            "--dns-timeout must be between 0 and 60 seconds".into(),
        ));
    }
    Ok(DnsSettings {
        server,
        timeout: Duration::from_secs_f64(args.dns_timeout),
        attempts: args.dns_attempts.max(1),
        concurrency: args.dns_concurrency.max(1),
    })
}

/// `IP:PORT`, `[IPv6]:PORT`, or an IP alone (port 53).
fn parse_resolver(text: &str) -> Result<SocketAddr, Error> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    if let Ok(ip) = text.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    Err(Error::Usage(format!(
        "--resolver `{text}` is not IP:PORT; write e.g. 192.0.2.53:53 or [2001:db8::53]:53"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ip_and_resolver_arguments() {
        assert_eq!(
            parse_ip_arg("203.0.113.7=MTA7.example.net").unwrap(),
            (
                "203.0.113.7".parse().unwrap(),
                Some("MTA7.example.net".into())
            )
        );
        assert_eq!(parse_ip_arg("2001:db8::25").unwrap().1, None);
        assert!(parse_ip_arg("mta7.example.net").is_err());
        assert_eq!(
            parse_resolver("127.0.0.1:5353").unwrap(),
            "127.0.0.1:5353".parse().unwrap()
        );
        assert_eq!(parse_resolver("2001:db8::53").unwrap().port(), 53);
        assert!(parse_resolver("dns.example.net").is_err());
    }
}
