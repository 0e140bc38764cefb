//! `deferwatch hourly`: one row per hour and group.

use anyhow::Result;
use chrono::DateTime;

use super::output::write_output;
use super::{History, load};
use crate::analyze::hourly;
use crate::analyze::metrics::Dim;
use crate::cli::HourlyArgs;
use crate::error::Error;
use crate::render::{HourlyTable, renderer};
use crate::timefmt::parse_day;

/// Parses `--by`: a comma-separated list of dimensions, each at most once.
pub fn parse_dims(text: &str) -> Result<Vec<Dim>, Error> {
    let mut dims = Vec::new();
    for name in text.split(',').filter(|s| !s.trim().is_empty()) {
        let dim = Dim::parse(name).ok_or_else(|| {
            Error::Usage(format!(
                "--by: unknown grouping `{name}`; use any of isp, source_ip, vmta, pool, class"
            ))
        })?;
        if !dims.contains(&dim) {
            dims.push(dim);
        }
    }
    Ok(dims)
}

/// Parses `--from`/`--to` (RFC 3339 or a UTC date) into an epoch hour (rounded down).
fn parse_hour(flag: &str, text: &str) -> Result<i64, Error> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.timestamp().div_euclid(3600));
    }
    if let Some(day) = parse_day(text) {
        return Ok(day * 24);
    }
    Err(Error::Usage(format!(
        "{flag} `{text}` is not a time; write 2026-10-01T13:00:00Z or 2026-10-01"
    )))
}

/// Parses `--from` and `--to` into epoch hours.
pub fn parse_window(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<i64>, Option<i64>), Error> {
    let from = from.map(|t| parse_hour("--from", t)).transpose()?;
    let to = to.map(|t| parse_hour("--to", t)).transpose()?;
    Ok((from, to))
}

pub fn run(args: HourlyArgs) -> Result<()> {
    let dims = parse_dims(&args.by)?;
    let (from, to) = parse_window(args.from.as_deref(), args.to.as_deref())?;
    let loaded = load(&args.input, History::since(from))?;
    let rows = hourly(&loaded.scan.aggregates, &dims, from, to)?;
    let table = HourlyTable {
        by: &dims,
        rows: &rows,
        tz: loaded.tz,
    };
    write_output(args.output.output.as_deref(), |out, color| {
        Ok(renderer(args.format, color).hourly(&table, out)?)
    })
}
