//! `deferwatch check`: the review's verdict (or, with `--last`, the recent hours') as a
//! monitoring-plugin result: one summary line, details after, exit 0 OK, 1 WARNING,
//! 2 CRITICAL, 3 UNKNOWN.

use std::io::Write;

use crate::analyze::intraday::{self, intraday};
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
    print_plugin_result(state, &lines);
    state
}

/// Writes a monitoring-plugin result: `DEFERWATCH STATE - summary`, then the details. A
/// reader that has gone (`check | head -1`) leaves nothing to say it to; the state stands.
pub fn print_plugin_result(state: ExitCode, lines: &[String]) {
    let mut out = std::io::stdout().lock();
    let mut lines = lines.iter();
    let summary = lines.next().map_or("", String::as_str);
    let _ = writeln!(out, "DEFERWATCH {} - {summary}", state.plugin_state());
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
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
        span: hours,
        lookback: intraday::LOOKBACK,
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
