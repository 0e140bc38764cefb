//! `deferwatch chart`: one chart of one scope, for an incident ticket.

use anyhow::Result;

use super::hourly::parse_window;
use super::{History, load};
use crate::analyze::series::{Scope, class_series, ip_series, rate_series};
use crate::chart::{Chart, ChartData, draw_file};
use crate::classify::Class;
use crate::cli::{ChartArgs, ChartKind};
use crate::error::Error;
use crate::timefmt::hour_rfc3339;

/// The default window: a week.
const DEFAULT_HOURS: i64 = 7 * 24;

pub fn run(args: ChartArgs) -> Result<()> {
    let class = args
        .class
        .as_deref()
        .map(|c| {
            Class::from_id(c).ok_or_else(|| {
                let known: Vec<&str> = Class::ALL.iter().map(|c| c.id()).collect();
                Error::Usage(format!(
                    "--class `{c}` is not a class; use one of {}",
                    known.join(", ")
                ))
            })
        })
        .transpose()?;
    if args.width < 200 || args.height < 150 {
        return Err(Error::Usage("--width and --height must be at least 200 x 150".into()).into());
    }
    let (from, to) = parse_window(args.from.as_deref(), args.to.as_deref())?;
    let history = History::ForHours {
        from: from.or(to.map(|to| to - DEFAULT_HOURS)),
        span: DEFAULT_HOURS,
    };
    let loaded = load(&args.input, history)?;
    let aggregates = &loaded.scan.aggregates;
    let newest = aggregates.last_hour().map(i64::from);
    let to = to.or(newest.map(|h| h + 1)).unwrap_or(0);
    let from = from.unwrap_or(to - DEFAULT_HOURS);
    if from >= to {
        return Err(Error::Usage("--from must be before --to".into()).into());
    }
    if !(0..aggregates.isps.len() as u32).any(|id| aggregates.isps.name(id) == args.isp) {
        let known: Vec<&str> = (0..aggregates.isps.len() as u32)
            .map(|id| aggregates.isps.name(id))
            .collect();
        eprintln!(
            "warning: no rows for ISP `{}`; ISPs in the data: {}",
            args.isp,
            known.join(", ")
        );
    }
    let scope = Scope {
        isp: args.isp.clone(),
        source_ip: args.source_ip.clone(),
        pool: args.pool.clone(),
        vmta: args.vmta.clone(),
        class,
    };
    let thresholds = &loaded.config.thresholds;
    let (what, data) = match args.kind {
        ChartKind::Rate => (
            "Deferral rate",
            ChartData::Rate(rate_series(aggregates, &scope, from, to, thresholds)?),
        ),
        ChartKind::Classes => (
            "Deferrals by class",
            ChartData::Classes(class_series(aggregates, &scope, from, to)?),
        ),
        ChartKind::Ips => (
            "Deferral rate by source IP",
            ChartData::Ips(ip_series(aggregates, &scope, from, to)?),
        ),
    };
    let window = |h: i64| hour_rfc3339(h).replace('T', " ").replace(":00:00Z", ":00");
    let chart = Chart {
        title: format!(
            "{what}: {}, {} to {} UTC",
            scope.describe(),
            window(from),
            window(to)
        ),
        from,
        to,
        data,
    };
    draw_file(&chart, &args.output, (args.width, args.height))?;
    Ok(())
}
