//! `deferwatch check`: the review's verdict (or, with `--last`, the recent hours') as a
//! monitoring-plugin result: one summary line, details after, exit 0 OK, 1 WARNING,
//! 2 CRITICAL, 3 UNKNOWN.

use crate::analyze::intraday::{BASELINE_DAYS, intraday};
use crate::cli::CheckArgs;
use crate::config::CheckConfig;
use crate::error::{Error, ExitCode};
use crate::load::{History, load};
use crate::read::summary::InputSummary;
use crate::render::plugin::{intraday_verdict, verdict};
use crate::review::build_review;

pub fn run(args: CheckArgs) -> ExitCode {
    let (state, lines) = match CheckConfig::new(args).and_then(|config| check(&config)) {
        Ok(verdict) => verdict,
        Err(err) => (ExitCode::Unknown, vec![format!("{err:#}")]),
    };
    let mut lines = lines.into_iter();
    println!(
        "DEFERWATCH {} - {}",
        state.plugin_state(),
        lines.next().unwrap_or_default()
    );
    for line in lines {
        println!("{line}");
    }
    state
}

/// The verdict of the last complete day, or of the last hours with `--last`.
fn check(config: &CheckConfig) -> Result<(ExitCode, Vec<String>), Error> {
    let Some(hours) = config.last_hours else {
        let review = build_review(&config.review.plan())?;
        return Ok(verdict(&review, config.max_age_hours));
    };
    let input = &config.review.input;
    let history = History::ForHours {
        from: None,
        span: hours + BASELINE_DAYS * 24,
    };
    let scan = load(&input.sources, history)?;
    let recent = intraday(&scan.aggregates, hours, &input.thresholds);
    let summary = InputSummary::from_files(&scan.files);
    Ok(intraday_verdict(
        recent.as_ref(),
        &summary,
        config.max_age_hours,
    ))
}
