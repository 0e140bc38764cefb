//! `deferwatch report`: the daily review.

use anyhow::Result;

use super::output::write_output;
use super::{History, load};
use crate::analyze::input::InputSummary;
use crate::analyze::report::{Report, build_report, last_complete_day};
use crate::analyze::status::Status;
use crate::cli::{InputArgs, ReportArgs};
use crate::error::Error;
use crate::render::renderer;
use crate::timefmt::parse_day;

pub fn run(args: ReportArgs) -> Result<()> {
    let report = review(&args.input, args.day.as_deref())?;
    if args.quiet && args.output.output.is_none() && report.worst_status() == Status::Ok {
        return Ok(());
    }
    write_output(args.output.output.as_deref(), |out, color| {
        Ok(renderer(args.format, color).report(&report, out)?)
    })
}

/// Loads the inputs and builds the review of `day` (default: the last complete day).
pub fn review(input: &InputArgs, day: Option<&str>) -> Result<Report> {
    let day = match day {
        Some(text) => Some(parse_day(text).ok_or_else(|| {
            Error::Usage(format!(
                "--day `{text}` is not a date; write it as YYYY-MM-DD"
            ))
        })?),
        None => None,
    };
    let loaded = load(input, History::ForReview(day))?;
    let aggregates = &loaded.scan.aggregates;
    let day = match day {
        Some(day) => day,
        None => last_complete_day(aggregates, loaded.tz).ok_or(Error::NoRows)?,
    };
    let summary = InputSummary::from_files(&loaded.scan.files);
    Ok(build_report(
        aggregates,
        summary,
        day,
        loaded.tz,
        &loaded.config.thresholds,
    )?)
}
