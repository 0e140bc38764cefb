//! `deferwatch report`: the daily review.

use std::io::Write;

use anyhow::Result;

use super::{load, stdout_is_terminal};
use crate::analyze::input::InputSummary;
use crate::analyze::report::{build_report, last_complete_day};
use crate::cli::ReportArgs;
use crate::error::Error;
use crate::render::renderer;
use crate::timefmt::parse_day;

pub fn run(args: ReportArgs) -> Result<()> {
    let day = match &args.day {
        Some(text) => Some(parse_day(text).ok_or_else(|| {
            Error::Usage(format!(
                "--day `{text}` is not a date; write it as YYYY-MM-DD"
            ))
        })?),
        None => None,
    };
    let loaded = load(&args.input)?;
    let aggregates = &loaded.scan.aggregates;
    let day = match day {
        Some(day) => day,
        None => last_complete_day(aggregates, loaded.tz).ok_or(Error::NoRows)?,
    };
    let summary = InputSummary::from_files(&loaded.scan.files);
    let report = build_report(
        aggregates,
        summary,
        day,
        loaded.tz,
        &loaded.config.thresholds,
    )?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    renderer(args.format, stdout_is_terminal()).report(&report, &mut out)?;
    out.flush()?;
    Ok(())
}
