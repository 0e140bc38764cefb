//! `deferwatch chart`: one chart of one scope, for an incident ticket.

use anyhow::Result;

use crate::aggregate::Aggregates;
use crate::analyze::incidents::{Window, find_incidents};
use crate::analyze::series::{self, Scope, class_series, ip_series, rate_series};
use crate::analyze::status::Thresholds;
use crate::chart::{Chart, ChartData, ChartKind, Mark, render};
use crate::config::ChartConfig;
use crate::error::Error;
use crate::load::{History, load};
use crate::output::write_bytes;
use crate::timefmt::hour_utc_minutes;

/// The default window: a week.
const DEFAULT_HOURS: i64 = 7 * 24;

pub fn run(config: ChartConfig) -> Result<()> {
    let history = History::ForHours {
        from: config.from.or(config.to.map(|to| to - DEFAULT_HOURS)),
        span: DEFAULT_HOURS,
        lookback: series::LOOKBACK,
    };
    let scan = load(&config.input.sources, history)?;
    let aggregates = &scan.aggregates;
    let newest = aggregates.last_hour().map(i64::from);
    let to = config.to.or(newest.map(|h| h + 1)).unwrap_or(0);
    let from = config.from.unwrap_or(to - DEFAULT_HOURS);
    if from >= to {
        return Err(Error::Usage("--from must be before --to".into()).into());
    }
    let scope = &config.scope;
    let isps: Vec<&str> = (0..aggregates.isps.len() as u32)
        .map(|id| aggregates.isps.name(id))
        .collect();
    if !isps.contains(&scope.isp.as_str()) {
        eprintln!(
            "warning: no rows for ISP `{}`; ISPs in the data: {}",
            scope.isp,
            isps.join(", ")
        );
    }
    let thresholds = &config.input.thresholds;
    let (what, data) = match config.kind {
        ChartKind::Rate => (
            "Deferral rate",
            ChartData::Rate(rate_series(aggregates, scope, from, to, thresholds)?),
        ),
        ChartKind::Classes => (
            "Deferrals by class",
            ChartData::Classes(class_series(aggregates, scope, from, to)?),
        ),
        ChartKind::Ips => (
            "Deferral rate by source IP",
            ChartData::Ips(ip_series(aggregates, scope, from, to)?),
        ),
    };
    let chart = Chart {
        title: format!(
            "{what}: {}, {} to {} UTC",
            scope.describe(),
            hour_utc_minutes(from),
            hour_utc_minutes(to)
        ),
        from,
        to,
        marks: incident_marks(aggregates, scope, from, to, thresholds),
        data,
    };
    let bytes = render(&chart, config.format, config.size)?;
    write_bytes(Some(&config.output), &bytes)?;
    Ok(())
}

/// The onsets and recoveries of the incidents in `[from, to)` that concern `scope`: of its
/// ISP as a whole, or of its source IP (all IPs' when the scope names none).
fn incident_marks(
    aggregates: &Aggregates,
    scope: &Scope,
    from: i64,
    to: i64,
    thresholds: &Thresholds,
) -> Vec<Mark> {
    let window = Window {
        shown_from: from,
        end: to,
    };
    let mut marks = Vec::new();
    for incident in find_incidents(aggregates, window, thresholds) {
        if !incident.concerns(&scope.isp, scope.source_ip.as_deref()) {
            continue;
        }
        let name = match &incident.source_ip {
            Some(ip) => format!("#{} {ip}", incident.id),
            None => format!("#{}", incident.id),
        };
        if incident.onset >= from {
            marks.push(Mark {
                hour: incident.onset,
                recovery: false,
                label: format!("{name} onset"),
            });
        }
        if let Some(end) = incident.recovered_at.filter(|&end| end < to) {
            marks.push(Mark {
                hour: end,
                recovery: true,
                label: format!("{name} recovered"),
            });
        }
    }
    marks
}
