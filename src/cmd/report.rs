//! `deferwatch report`: the daily review.

use anyhow::Result;

use crate::config::ReportConfig;
use crate::error::{ERROR_PREFIX, ExitCode};
use crate::output::write_output;
use crate::render::renderer;
use crate::review::build_review;

/// Writes the review; exits 1 when the review day's data has gaps (a verdict on missing
/// data is none), with `--quiet` too.
pub fn run(config: ReportConfig) -> Result<ExitCode> {
    let review = build_review(&config.review.plan())?;
    let code = if review.report.data_gaps.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Error
    };
    if config.quiet && config.output.is_none() && review.all_ok() {
        return Ok(code);
    }
    write_output(config.output.as_deref(), |out, color| {
        Ok(renderer(config.format, color).report(&review, out)?)
    })?;
    for gap in &review.report.data_gaps {
        eprintln!(
            "{ERROR_PREFIX}: {}: {}",
            review.report.day,
            crate::render::wording::data_gap(gap)
        );
    }
    Ok(code)
}
