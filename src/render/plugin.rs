//! The review as a monitoring-plugin result (Nagios, Icinga, Zabbix): the state, a summary
//! line with performance data, then one line per problem.

use crate::analyze::group::GroupDay;
use crate::analyze::status::Status;
use crate::error::ExitCode;
use crate::numfmt::percent;
use crate::review::Review;

/// How many problems the summary line names before "and N more".
const NAMED_IN_SUMMARY: usize = 4;

/// The state, the summary (first line) and the details of a report.
pub fn verdict(review: &Review, max_age_hours: Option<u64>) -> (ExitCode, Vec<String>) {
    let report = &review.report;
    if let (Some(max), Some(newest)) = (max_age_hours, report.input.last) {
        let age = (chrono::Utc::now().timestamp() - newest.0) / 3600;
        if age > max as i64 {
            return (
                ExitCode::Unknown,
                vec![format!(
                    "newest row is {age} h old (--max-age {max}): is the ingest running?"
                )],
            );
        }
    }
    if !report.input.has_deferral_rows {
        return (
            ExitCode::Unknown,
            vec!["no deferral rows (t/tq) in the data: enable `records t,tq` in PowerMTA's <acct-file>".into()],
        );
    }
    let state = match review.worst_status() {
        Status::Ok => ExitCode::Success,
        Status::Watch => ExitCode::Warning,
        Status::Alert => ExitCode::Critical,
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
    let summary = if state == ExitCode::Success {
        format!(
            "{}: {} ISP(s) within thresholds",
            report.day,
            report.isps.len()
        )
    } else {
        problems_summary(review)
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
