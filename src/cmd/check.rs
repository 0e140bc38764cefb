//! `deferwatch check`: the review's verdict as a monitoring-plugin result: one summary
//! line, details after, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

use crate::cli::CheckArgs;
use crate::config::CheckConfig;
use crate::error::ExitCode;
use crate::render::plugin::verdict;
use crate::review::build_review;

pub fn run(args: CheckArgs) -> ExitCode {
    let reviewed = CheckConfig::new(args).and_then(|config| {
        let review = build_review(&config.review.plan())?;
        Ok((review, config.max_age_hours))
    });
    let (state, lines) = match reviewed {
        Ok((review, max_age_hours)) => verdict(&review, max_age_hours),
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
