//! `deferwatch check`: the report's verdict as a monitoring-plugin result: one summary line,
//! details after, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

use super::report::review;
use crate::analyze::report::{GroupDay, Report};
use crate::analyze::status::Status;
use crate::audit::IpAudit;
use crate::audit::checks::Verdict;
use crate::cli::CheckArgs;
use crate::render::percent;

/// Monitoring-plugin states, with their exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }
}

/// How many problems the summary line names before "and N more".
const NAMED_IN_SUMMARY: usize = 4;

pub fn run(args: CheckArgs) -> i32 {
    let identity = args.identity.requested().then_some(&args.identity);
    let (state, lines) = match review(&args.input, args.day.as_deref(), identity) {
        Ok(report) => verdict(&report, args.max_age),
        Err(err) => (State::Unknown, vec![format!("{err:#}")]),
    };
    let mut lines = lines.into_iter();
    println!(
        "DEFERWATCH {} - {}",
        state.name(),
        lines.next().unwrap_or_default()
    );
    for line in lines {
        println!("{line}");
    }
    state as i32
}

/// The state, the summary (first line) and the details of a report.
fn verdict(report: &Report, max_age_hours: Option<u64>) -> (State, Vec<String>) {
    let newest = report
        .input
        .last
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    if let (Some(max), Some(newest)) = (max_age_hours, newest) {
        let age = chrono::Utc::now().signed_duration_since(newest).num_hours();
        if age > max as i64 {
            return (
                State::Unknown,
                vec![format!(
                    "newest row is {age} h old (--max-age {max}): is the ingest running?"
                )],
            );
        }
    }
    if !report.input.has_deferral_rows {
        return (
            State::Unknown,
            vec!["no deferral rows (t/tq) in the data: enable `records t,tq` in PowerMTA's <acct-file>".into()],
        );
    }
    let state = match worst_with_identity(report) {
        Status::Ok => State::Ok,
        Status::Watch => State::Warning,
        Status::Alert => State::Critical,
    };
    let perfdata: Vec<String> = report
        .isps
        .iter()
        .filter_map(|g| {
            Some(format!(
                "'{}_deferral'={:.2}%;;;0;100",
                g.isp,
                g.deferral_rate? * 100.0
            ))
        })
        .collect();
    let summary = if state == State::Ok {
        format!(
            "{}: {} ISP(s) within thresholds",
            report.day,
            report.isps.len()
        )
    } else {
        problems_summary(report)
    };
    let mut lines = vec![format!("{summary} | {}", perfdata.join(" "))];
    lines.extend(
        report
            .findings
            .iter()
            .filter(|f| f.severity > Status::Ok)
            .map(|f| format!("{}: {}", f.severity.id(), f.message)),
    );
    lines.extend(
        identity_problems(report)
            .map(|(status, ip)| format!("{}: {}: {}", status.id(), ip.ip, ip.summary)),
    );
    (state, lines)
}

/// The IPs of the identity audit that did not pass, as statuses: a failing check is an
/// alert; a warning, or DNS that did not answer, is a watch.
fn identity_problems(report: &Report) -> impl Iterator<Item = (Status, &IpAudit)> {
    report
        .identity
        .iter()
        .flat_map(|audit| &audit.ips)
        .filter_map(|ip| match ip.verdict {
            Verdict::Fail => Some((Status::Alert, ip)),
            Verdict::Warn | Verdict::Unknown => Some((Status::Watch, ip)),
            Verdict::Pass | Verdict::Skip => None,
        })
}

/// The report's worst status, with the identity audit's.
fn worst_with_identity(report: &Report) -> Status {
    identity_problems(report)
        .map(|(status, _)| status)
        .fold(report.worst_status(), Status::max)
}

/// "gmail deferral 9.8% (7d avg 3.1%), 203.0.113.7 rdns_missing", most severe first.
fn problems_summary(report: &Report) -> String {
    let mut items: Vec<(Status, String)> = report
        .isps
        .iter()
        .filter(|g| g.status > Status::Ok)
        .map(|g| (g.status, isp_item(g)))
        .collect();
    for (status, ip) in identity_problems(report) {
        let what = ip.summary.split("; ").next().unwrap_or_default();
        items.push((status, format!("{} {what}", ip.ip)));
    }
    for finding in report.findings.iter().filter(|f| f.severity > Status::Ok) {
        let Some(ip) = &finding.source_ip else {
            continue;
        };
        let what = finding.class.as_deref().unwrap_or("deferrals");
        items.push((finding.severity, format!("{ip} {what} at {}", finding.isp)));
    }
    items.sort_by_key(|item| std::cmp::Reverse(item.0));
    let more = items.len().saturating_sub(NAMED_IN_SUMMARY);
    let mut named: Vec<String> = items
        .into_iter()
        .take(NAMED_IN_SUMMARY)
        .map(|(_, item)| item)
        .collect();
    if more > 0 {
        named.push(format!("and {more} more"));
    }
    format!("{}: {}", report.day, named.join(", "))
}

fn isp_item(group: &GroupDay) -> String {
    let mut item = format!(
        "{} deferral {}% (7d avg {}%)",
        group.isp,
        percent(group.deferral_rate),
        percent(group.rolling_7d_deferral_rate)
    );
    if let Some(trend) = group.trend_pp_per_week
        && group.assessment.is_some_and(|a| a.rising)
    {
        item.push_str(&format!(" rising {trend:+.1} pp/week"));
    }
    item
}
