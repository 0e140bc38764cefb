//! `deferwatch report`: the daily review.

use anyhow::Result;

use crate::config::ReportConfig;
use crate::output::write_output;
use crate::render::renderer;
use crate::review::build_review;

pub fn run(config: ReportConfig) -> Result<()> {
    let review = build_review(&config.review.plan())?;
    if config.quiet && config.output.is_none() && review.all_ok() {
        return Ok(());
    }
    write_output(config.output.as_deref(), |out, color| {
        Ok(renderer(config.format, color).report(&review, out)?)
    })
}
