//! The review as a monitoring-plugin result (Nagios, Icinga, Zabbix): the state, a summary
//! line with performance data, then one line per problem.

use crate::analyze::group::GroupDay;
use crate::analyze::intraday::{BASELINE_DAYS, Intraday, WindowGroup};
use crate::analyze::status::Status;
use crate::classify::Class;
use crate::error::ExitCode;
use crate::numfmt::{percent, thousands};
use crate::read::summary::InputSummary;
use crate::review::Review;
use crate::timefmt::hour_utc_minutes;

/// How many problems the summary line names before "and N more".
const NAMED_IN_SUMMARY: usize = 4;

/// UNKNOWN, with why, when the input cannot support a verdict: the newest row is older
/// than `--max-age`, or there are no deferral rows at all.
fn unusable(input: &InputSummary, max_age_hours: Option<u64>) -> Option<(ExitCode, Vec<String>)> {
    if let (Some(max), Some(newest)) = (max_age_hours, input.last) {
        let age = (chrono::Utc::now().timestamp() - newest.0) / 3600;
        if age > max as i64 {
            return Some((
                ExitCode::Unknown,
                vec![format!(
                    "newest row is {age} h old (--max-age {max}): is the ingest running?"
                )],
            ));
        }
    }
    if !input.has_deferral_rows {
        return Some((
            ExitCode::Unknown,
            vec!["no deferral rows (t/tq) in the data: enable `records t,tq` in PowerMTA's <acct-file>".into()],
        ));
    }
    None
}

/// The performance data after the summary: each ISP's deferral rate in percent.
fn perfdata<'a>(rates: impl Iterator<Item = (&'a str, Option<f64>)>) -> String {
    rates
        .filter_map(|(isp, rate)| Some(format!("'{isp}_deferral'={:.2}%;;;0;100", rate? * 100.0)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn state_of(status: Status) -> ExitCode {
    match status {
        Status::Ok => ExitCode::Success,
        Status::Watch => ExitCode::Warning,
        Status::Alert => ExitCode::Critical,
    }
}

/// The state, the summary (first line) and the details of a report.
pub fn verdict(review: &Review, max_age_hours: Option<u64>) -> (ExitCode, Vec<String>) {
    let report = &review.report;
    if let Some(unknown) = unusable(&report.input, max_age_hours) {
        return unknown;
    }
    if !report.data_gaps.is_empty() {
        let mut lines: Vec<String> = report
            .data_gaps
            .iter()
            .map(|gap| format!("{}: {}", report.day, super::wording::data_gap(gap)))
            .collect();
        lines.extend(
            report
                .input
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.file, p.problem)),
        );
        return (ExitCode::Unknown, lines);
    }
    let state = state_of(review.worst_status());
    let perfdata = perfdata(
        report
            .isps
            .iter()
            .map(|g| (g.isp.as_str(), g.deferral_rate)),
    );
    let summary = if state == ExitCode::Success {
        format!(
            "{}: {} ISP(s) within thresholds",
            report.day,
            report.isps.len()
        )
    } else {
        problems_summary(review)
    };
    let mut lines = vec![format!("{summary} | {perfdata}")];
    lines.extend(
        report
            .findings
            .iter()
            .filter(|f| f.severity > Status::Ok)
            .map(|f| format!("{}: {}", f.severity.id(), super::wording::finding(f))),
    );
    lines.extend(
        review
            .identity_problems()
            .map(|(status, ip)| format!("{}: {}: {}", status.id(), ip.ip, ip.summary)),
    );
    (state, lines)
}

/// "gmail deferral 9.8% (7d avg 3.1%), 203.0.113.7 rdns_missing", most severe first.
fn problems_summary(review: &Review) -> String {
    let report = &review.report;
    let mut items: Vec<(Status, String)> = report
        .isps
        .iter()
        .filter(|g| g.status > Status::Ok)
        .map(|g| (g.status, isp_item(g)))
        .collect();
    for (status, ip) in review.identity_problems() {
        let what = ip.summary.split("; ").next().unwrap_or_default();
        items.push((status, format!("{} {what}", ip.ip)));
    }
    for finding in report.findings.iter().filter(|f| f.severity > Status::Ok) {
        let Some(ip) = &finding.source_ip else {
            continue;
        };
        let what = finding.class.map_or("deferrals", Class::id);
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

/// The state, summary and details of `check --last`: the recent hours against the same
/// hours of the days before. A source IP is named only where its ISP as a whole is less
/// severe (the ISP's line says the rest).
pub fn intraday_verdict(
    intraday: Option<&Intraday>,
    input: &InputSummary,
    max_age_hours: Option<u64>,
) -> (ExitCode, Vec<String>) {
    if let Some(unknown) = unusable(input, max_age_hours) {
        return unknown;
    }
    let Some(intraday) = intraday else {
        return (ExitCode::Unknown, vec!["no rows with a usable time".into()]);
    };
    let window = format!(
        "last {}h to {} UTC",
        intraday.to - intraday.from,
        hour_utc_minutes(intraday.to)
    );
    let isp_status = |isp: &str| {
        intraday
            .groups
            .iter()
            .find(|g| g.source_ip.is_none() && g.isp == isp)
            .map_or(Status::Ok, |g| g.assessment.status)
    };
    let problems: Vec<&WindowGroup> = intraday
        .groups
        .iter()
        .filter(|g| g.assessment.status > Status::Ok)
        .filter(|g| g.source_ip.is_none() || isp_status(&g.isp) < g.assessment.status)
        .collect();
    let state = state_of(intraday.worst_status());
    let isps = intraday.groups.iter().filter(|g| g.source_ip.is_none());
    let perfdata = perfdata(isps.map(|g| (g.isp.as_str(), g.rate())));
    // What is wrong: (status, what the summary names, the detail line), worst first.
    let mut wrong: Vec<(Status, String, String)> = problems
        .iter()
        .map(|g| {
            let named = format!(
                "{} deferral {}% (same hours {BASELINE_DAYS}d {}%)",
                window_scope(g),
                percent(g.rate()),
                percent(g.baseline)
            );
            let mut line = format!(
                "{}: {} deferral rate {}% over the {window} ({} of {} attempts) against {}% in the same hours of the {BASELINE_DAYS} days before",
                g.assessment.status.id(),
                window_scope(g),
                percent(g.rate()),
                thousands(g.deferred),
                thousands(g.attempts),
                percent(g.baseline)
            );
            if let Some((class, count)) = &g.top_class {
                line.push_str(&format!("; mostly {class} ({})", thousands(*count)));
            }
            (g.assessment.status, named, line)
        })
        .collect();
    for incident in &intraday.incidents {
        let named_already = problems
            .iter()
            .any(|g| g.isp == incident.isp && g.source_ip == incident.source_ip);
        if named_already {
            continue;
        }
        let scope = match &incident.source_ip {
            Some(ip) => format!("{ip} at {}", incident.isp),
            None => incident.isp.clone(),
        };
        let class = incident.class.map_or("other", Class::id);
        let named = format!(
            "{scope} {class} since {} UTC (peak {}%)",
            hour_utc_minutes(incident.onset),
            percent(Some(incident.peak_rate))
        );
        let state = match incident.recovered_at {
            Some(end) => format!("recovered at {} UTC", hour_utc_minutes(end)),
            None => "ongoing".to_string(),
        };
        let line = format!(
            "{}: {scope}: {class} incident since {} UTC, {state}: {} deferrals and {} bounces of {} attempts, peak {}% against {}% before",
            incident.severity.id(),
            hour_utc_minutes(incident.onset),
            thousands(incident.deferrals),
            thousands(incident.bounces),
            thousands(incident.attempts),
            percent(Some(incident.peak_rate)),
            percent(Some(incident.baseline_rate))
        );
        wrong.push((incident.severity, named, line));
    }
    wrong.sort_by_key(|(status, ..)| std::cmp::Reverse(*status));
    let summary = if wrong.is_empty() {
        let isps = intraday.groups.iter().filter(|g| g.source_ip.is_none());
        format!("{window}: {} ISP(s) within thresholds", isps.count())
    } else {
        let mut named: Vec<&str> = wrong
            .iter()
            .take(NAMED_IN_SUMMARY)
            .map(|(_, named, _)| named.as_str())
            .collect();
        let more = format!("and {} more", wrong.len().saturating_sub(NAMED_IN_SUMMARY));
        if wrong.len() > NAMED_IN_SUMMARY {
            named.push(&more);
        }
        format!("{window}: {}", named.join(", "))
    };
    let mut lines = vec![format!("{summary} | {perfdata}")];
    lines.extend(wrong.into_iter().map(|(_, _, line)| line));
    (state, lines)
}

fn window_scope(group: &WindowGroup) -> String {
    match &group.source_ip {
        Some(ip) => format!("{ip} at {}", group.isp),
        None => group.isp.clone(),
    }
}
