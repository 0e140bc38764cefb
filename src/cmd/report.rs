//! `deferwatch report`: the daily review.

use anyhow::Result;

use super::audit::{dns_settings, identity_inputs};
use super::output::write_output;
use super::{History, load};
use crate::analyze::report::{Report, build_report, last_complete_day};
use crate::analyze::status::Status;
use crate::audit::checks::Verdict;
use crate::audit::logs::{Window, evidence};
use crate::cli::{IdentityArgs, InputArgs, ReportArgs};
use crate::error::Error;
use crate::read::summary::InputSummary;
use crate::render::renderer;
use crate::timefmt::parse_day;

pub fn run(args: ReportArgs) -> Result<()> {
    let identity = args.identity.requested().then_some(&args.identity);
    let report = review(&args.input, args.day.as_deref(), identity)?;
    let identity_ok = report
        .identity
        .as_ref()
        .is_none_or(|audit| audit.verdict <= Verdict::Pass);
    if args.quiet
        && args.output.output.is_none()
        && report.worst_status() == Status::Ok
        && identity_ok
    {
        return Ok(());
    }
    write_output(args.output.output.as_deref(), |out, color| {
        Ok(renderer(args.format, color).report(&report, out)?)
    })
}

/// Days of logs whose rdns_* replies the review's identity audit counts: the review day and
/// the six before it.
const IDENTITY_DAYS: i64 = 7;

/// Loads the inputs and builds the review of `day` (default: the last complete day), with
/// the sender identity audit when `identity` asks for one.
pub fn review(
    input: &InputArgs,
    day: Option<&str>,
    identity: Option<&IdentityArgs>,
) -> Result<Report> {
    let day = match day {
        Some(text) => Some(parse_day(text).ok_or_else(|| {
            Error::Usage(format!(
                "--day `{text}` is not a date; write it as YYYY-MM-DD"
            ))
        })?),
        None => None,
    };
    let loaded = load(input, History::ForReview(day))?;
    let aggregates = loaded.scan.aggregates;
    let day = match day {
        Some(day) => day,
        None => last_complete_day(&aggregates, loaded.tz).ok_or(Error::NoRows)?,
    };
    // The identity audit's log evidence comes first: the review consumes the aggregates.
    let identity = match identity {
        Some(args) => {
            let window = Window {
                from: Some((day - IDENTITY_DAYS + 1) * 24),
                to: Some((day + 1) * 24),
            };
            let logs = Some(evidence(&aggregates, window));
            Some((identity_inputs(args, logs, window)?, dns_settings(args)?))
        }
        None => None,
    };
    let summary = InputSummary::from_files(&loaded.scan.files);
    let mut report = build_report(
        aggregates,
        summary,
        day,
        loaded.tz,
        &loaded.config.thresholds,
    )?;
    if let Some((inputs, settings)) = identity {
        report.identity = Some(crate::audit::run(&inputs, &settings)?);
    }
    Ok(report)
}
