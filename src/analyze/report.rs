//! The daily review: per ISP, source IP and pool, today against yesterday, the seven-day
//! average and the trend, with findings and the reply texts no rule knows yet.

use std::collections::{BTreeMap, HashMap};

use chrono_tz::Tz;
use serde::Serialize;

use super::completeness::{self, DataGap, gaps};
use super::findings::{Finding, find, link_incidents};
use super::group::{DayRate, GroupDay, HISTORY_DAYS};
use super::incidents::{self, Incident, Window, find_incidents};
use super::metrics::{
    Dim, GroupNames, MetricRow, Period, TREND_DAYS, Trend, compute_each, trend_of,
};
use super::status::{DayCounts, Status, Thresholds};
use crate::aggregate::Aggregates;
use crate::aggregate::MORE_UNKNOWN_TEXTS;
use crate::classify::{Class, CodeNote, codes};
use crate::error::Error;
use crate::query::calendar::{first_hour_of_day, local_day};
use crate::query::{Grain, Lookback, Query, Selection, Window as QueryWindow, siblings_per_isp};
use crate::read::summary::InputSummary;
use crate::timefmt::Day;

/// What the review of a day reads before it: the trend, the sparkline days with the 7-day
/// average of the oldest, the incident search, the completeness profile.
pub const LOOKBACK: Lookback = Lookback::longest(&[
    Lookback::days(TREND_DAYS),
    Lookback::days(HISTORY_DAYS).then(Period::Day.lookback()),
    incidents::REVIEW_LOOKBACK,
    completeness::LOOKBACK,
]);

/// A reply text no rule knows, and how often it was seen on the day.
#[derive(Debug, Clone, Serialize)]
pub struct UnknownReply {
    pub isp: String,
    pub count: u64,
    pub text: String,
}

/// The review of one day. Renderers write it; `render/json.rs` holds its JSON schema.
#[derive(Debug, Clone)]
pub struct Report {
    pub day: Day,
    pub timezone: Tz,
    pub isps: Vec<GroupDay>,
    pub source_ips: Vec<GroupDay>,
    pub pools: Vec<GroupDay>,
    pub findings: Vec<Finding>,
    /// The incidents of the review day and the seven days before it, by onset.
    pub incidents: Vec<Incident>,
    /// What is missing from the review day's data; the verdict is not to be trusted
    /// while any is.
    pub data_gaps: Vec<DataGap>,
    pub unknown_replies: Vec<UnknownReply>,
    pub input: InputSummary,
}

impl Report {
    /// The most severe status of any ISP, source IP, pool or finding.
    pub fn worst_status(&self) -> Status {
        let groups = self.isps.iter().chain(&self.source_ips).chain(&self.pools);
        groups
            .map(|g| g.status)
            .chain(self.findings.iter().map(|f| f.severity))
            .max()
            .unwrap_or(Status::Ok)
    }
}

/// How many unknown reply texts a report lists; one more line counts the rest.
pub const UNKNOWN_REPLIES_SHOWN: usize = 10;

/// The last complete day in the data: the day of the latest row when that row is in the
/// day's last hour, else the day before.
pub fn last_complete_day(aggregates: &Aggregates, tz: Tz) -> Option<i64> {
    let last_hour = aggregates.last_hour()?;
    let day = local_day(last_hour, tz);
    let next_hour_day = local_day(last_hour + 1, tz);
    Some(i64::from(if next_hour_day > day { day } else { day - 1 }))
}

/// Builds the review of `day` (days since the epoch, in `tz`).
pub fn build_report(
    aggregates: Aggregates,
    input: InputSummary,
    day: i64,
    tz: Tz,
    thresholds: &Thresholds,
) -> Result<Report, Error> {
    let groupings = [
        &[Dim::Isp][..],
        &[Dim::Isp, Dim::SourceIp],
        &[Dim::Isp, Dim::Pool],
    ];
    let aggregates = &aggregates;
    // The groupings and the rest (incidents, gaps, samples, unknown replies) read the same
    // aggregates side by side: the per-IP grouping is the longest, and the others fill the
    // time it leaves a core idle.
    let ([isps, source_ips, pools], (incidents, data_gaps, day_samples, unknown_replies)) =
        std::thread::scope(|scope| {
            let rest = scope.spawn(move || {
                (
                    find_incidents(aggregates, Window::of_review(day, tz), thresholds),
                    gaps(aggregates, day, tz),
                    samples_of_day(aggregates, day, tz),
                    unknown_replies(aggregates, day, tz),
                )
            });
            let groups = groupings
                .map(|dims| {
                    scope.spawn(move || groups_of_day(aggregates, day, tz, dims, thresholds))
                })
                .map(|running| running.join().expect("report query panicked"));
            (groups, rest.join().expect("report analysis panicked"))
        });
    let pools: Vec<GroupDay> = pools
        .into_iter()
        .filter(|g| g.pool.as_deref().is_some_and(|p| !p.is_empty()))
        .collect();
    let mut findings = find(&isps, &source_ips, &pools, thresholds);
    let day_hours = (first_hour_of_day(day, tz), first_hour_of_day(day + 1, tz));
    link_incidents(&mut findings, &incidents, day_hours, tz);
    quote_provider_codes(&mut findings, &day_samples);
    let mut report = Report {
        day: Day(day),
        timezone: tz,
        isps,
        source_ips,
        pools,
        findings,
        incidents,
        data_gaps,
        unknown_replies,
        input,
    };
    apply_finding_statuses(&mut report);
    Ok(report)
}

/// An IP named in an `alert` finding is itself at least `alert`.
fn apply_finding_statuses(report: &mut Report) {
    for finding in &report.findings {
        let Some(ip) = &finding.source_ip else {
            continue;
        };
        for group in &mut report.source_ips {
            if group.source_ip.as_ref() == Some(ip) && group.isp == finding.isp {
                group.status = group.status.max(finding.severity);
            }
        }
    }
}

/// The groups of `dims` on `day`, with their baselines, trend, history and classes.
fn groups_of_day(
    aggregates: &Aggregates,
    day: i64,
    tz: Tz,
    dims: &[Dim],
    thresholds: &Thresholds,
) -> Vec<GroupDay> {
    let grain = Grain::Day(tz);
    let select = Selection::default();
    let shown = QueryWindow::new(day - TREND_DAYS.max(HISTORY_DAYS) + 1, day + 1);
    let names = GroupNames::new(aggregates, dims);
    // Per group with rows on the day: its day's row, trend and sparkline days. The rows of
    // the days before are read one group at a time and not kept.
    let mut of_day: Vec<(MetricRow, Option<Trend>, Vec<DayRate>)> = Vec::new();
    compute_each(aggregates, grain, &names, &select, shown, |_, rows| {
        let Some(today) = rows.iter().find(|row| row.period == day) else {
            return;
        };
        let history = rows
            .iter()
            .filter(|r| r.period > day - HISTORY_DAYS && r.period <= day)
            .map(|row| DayRate {
                day: row.period,
                rate: row.deferral_rate(),
                rolling_7d: row.rolling_deferral_rate(),
            })
            .collect();
        let trend = trend_of(rows, day, thresholds.trend_min_days);
        of_day.push((today.clone(), trend, history));
    });
    let mut classes: HashMap<Vec<String>, BTreeMap<String, u64>> = HashMap::new();
    let query = Query {
        window: QueryWindow::new(first_hour_of_day(day, tz), first_hour_of_day(day + 1, tz)),
        grain,
        dims: Dim::kept(dims).with_class(),
        select,
    };
    for (key, counts) in query.fold(aggregates) {
        let (Some(class), count) = (key.class, counts.failures() + counts.queue_deferred) else {
            continue;
        };
        if key.time == day && count > 0 {
            let group = classes.entry(names.names(&key)).or_default();
            *group.entry(class.id().to_string()).or_insert(0) += count;
        }
    }
    // Source IPs and pools are tested side by side at their ISP.
    // (By the ISP's name, owned: `of_day` is taken apart below.)
    let siblings =
        siblings_per_isp((of_day.iter()).map(|(row, _, _)| (row.keys[0].clone(), dims.len() > 1)));
    let mut out: Vec<GroupDay> = of_day
        .into_iter()
        .map(|(row, trend, history)| {
            let thresholds = match siblings.get(row.keys[0].as_str()) {
                Some(&n) => thresholds.for_siblings(n),
                None => thresholds.clone(),
            };
            let mut group = group_day(&row, dims, trend, &mut classes, &thresholds);
            group.history = history;
            group
        })
        .collect();
    // The busiest first; then by name (a sort in place: at 200,000 IPs
    // a stable sort's buffer was a tenth of the peak).
    out.sort_unstable_by(|a, b| {
        (b.attempts.cmp(&a.attempts))
            .then_with(|| a.isp.cmp(&b.isp))
            .then_with(|| a.source_ip.cmp(&b.source_ip))
            .then_with(|| a.pool.cmp(&b.pool))
            .then_with(|| (a.deferred, a.bounced).cmp(&(b.deferred, b.bounced)))
    });
    out
}

fn group_day(
    row: &MetricRow,
    dims: &[Dim],
    trend: Option<Trend>,
    classes: &mut HashMap<Vec<String>, BTreeMap<String, u64>>,
    thresholds: &Thresholds,
) -> GroupDay {
    let key = |dim: Dim| {
        dims.iter()
            .position(|d| *d == dim)
            .map(|i| row.keys[i].clone())
    };
    let assessment = thresholds.assess(&DayCounts {
        attempts: row.attempts,
        deferred: row.deferred,
        baseline: row.rolling_deferral_rate(),
        baseline_attempts: Some(row.rolling_attempts),
        trend_pp_per_week: trend.map(|t| t.pp_per_week),
    });
    GroupDay {
        isp: key(Dim::Isp).unwrap_or_default(),
        source_ip: key(Dim::SourceIp),
        pool: key(Dim::Pool),
        attempts: row.attempts,
        delivered: row.delivered,
        deferred: row.deferred,
        bounced: row.bounced,
        queue_deferrals: row.queue_deferrals,
        deferral_rate: row.deferral_rate(),
        bounce_rate: row.bounce_rate(),
        prev_day_deferral_rate: row.prev_deferral_rate(),
        rolling_7d_deferral_rate: row.rolling_deferral_rate(),
        trend_pp_per_week: trend.map(|t| t.pp_per_week),
        trend_days: trend.map(|t| t.days),
        status: assessment.status,
        classes: classes.remove(&row.keys[..]).unwrap_or_default(),
        assessment: Some(assessment),
        history: Vec::new(),
    }
}

/// The sample replies of the review day by (ISP, source IP, class), names resolved.
type DaySamples = HashMap<(String, String, Class), String>;

fn samples_of_day(aggregates: &Aggregates, day: i64, tz: Tz) -> DaySamples {
    let utc_days = first_hour_of_day(day, tz).div_euclid(24)
        ..=(first_hour_of_day(day + 1, tz) - 1).div_euclid(24);
    let mut out = DaySamples::new();
    for (key, sample) in &aggregates.samples {
        if utc_days.contains(&i64::from(key.day)) {
            let scope = (
                aggregates.isps.name(key.isp).to_string(),
                aggregates.source_ips.name(key.source_ip).to_string(),
                key.class,
            );
            // Of two UTC days, the smaller hash wins, as for one day: independent of order.
            out.entry(scope)
                .and_modify(|text: &mut String| {
                    if sample.text < *text {
                        *text = sample.text.clone()
                    }
                })
                .or_insert_with(|| sample.text.clone());
        }
    }
    out
}

/// Gives each finding of a class the provider codes of that class in its replies (the
/// sample replies of its ISP, source IP when it has one, and class), with what the
/// provider says they mean. Codes the provider uses for several causes are left out.
fn quote_provider_codes(findings: &mut [Finding], samples: &DaySamples) {
    for finding in findings {
        let Some(class) = finding.class else {
            continue;
        };
        let mut texts: Vec<&String> = samples
            .iter()
            .filter(|((isp, ip, c), _)| {
                *isp == finding.isp
                    && *c == class
                    && finding.source_ip.as_ref().is_none_or(|f| f == ip)
            })
            .map(|(_, text)| text)
            .collect();
        texts.sort();
        texts.dedup();
        let mut notes: Vec<CodeNote> = Vec::new();
        for text in texts {
            let deciding = codes::found_in(codes::builtin(), &finding.isp, text)
                .into_iter()
                .filter(|code| code.class == Some(class));
            for code in deciding {
                let note = CodeNote::from(code);
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
        }
        finding.codes = notes;
    }
}

fn unknown_replies(aggregates: &Aggregates, day: i64, tz: Tz) -> Vec<UnknownReply> {
    let mut counts: HashMap<(u32, u32), u64> = HashMap::new();
    let mut day_of_hour = HashMap::new();
    for (key, count) in &aggregates.unknown {
        let d = *day_of_hour
            .entry(key.hour)
            .or_insert_with(|| i64::from(local_day(key.hour, tz)));
        if d == day {
            *counts.entry((key.text, key.isp)).or_insert(0) += count;
        }
    }
    let mut out: Vec<UnknownReply> = counts
        .into_iter()
        .map(|((text, isp), count)| UnknownReply {
            isp: aggregates.isps.name(isp).to_string(),
            count,
            text: if text == MORE_UNKNOWN_TEXTS {
                "(further distinct texts, not kept)".to_string()
            } else {
                aggregates.unknown_texts.name(text).to_string()
            },
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.text.cmp(&b.text))
            .then(a.isp.cmp(&b.isp))
    });
    if out.len() > UNKNOWN_REPLIES_SHOWN {
        let rest = out.split_off(UNKNOWN_REPLIES_SHOWN);
        out.push(UnknownReply {
            isp: "(all)".to_string(),
            count: rest.iter().map(|u| u.count).sum(),
            text: format!(
                "{} more texts not shown; `deferwatch unknown` lists them all",
                rest.len()
            ),
        });
    }
    out
}
