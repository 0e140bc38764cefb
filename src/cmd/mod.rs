//! One small module per subcommand: glue between arguments, library and output.

mod audit;
mod chart;
mod check;
mod classify;
mod export;
mod generate;
mod hourly;
mod ingest;
mod output;
mod report;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Result;
use chrono_tz::Tz;

use crate::aggregate::parallel::{Scan, scan_inputs};
use crate::cli::{Cli, Command, InputArgs};
use crate::config::ConfigFile;
use crate::error::Error;
use crate::read::inputs::expand_inputs;
use crate::read::summary;
use crate::store::Store;

/// Runs a command; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let done = match cli.command {
        Command::Report(args) => report::run(args),
        Command::Hourly(args) => hourly::run(args),
        Command::Chart(args) => chart::run(args),
        Command::Ingest(args) => ingest::run(args),
        Command::Check(args) => return Ok(check::run(args)),
        Command::Audit(args) => return Ok(audit::run(args)),
        Command::Export(args) => export::run(args),
        Command::Classify(args) => classify::run(args),
        Command::Generate(args) => generate::run(args),
    };
    done.map(|()| 0)
}

/// What a command that reads logs works from.
pub struct Loaded {
    pub scan: Scan,
    pub config: ConfigFile,
    pub tz: Tz,
}

/// Parses the time zone name.
pub fn parse_tz(name: &str) -> Result<Tz, Error> {
    name.parse::<Tz>().map_err(|_| {
        Error::Usage(format!(
            "unknown time zone `{name}`; use an IANA name such as UTC, Europe/Berlin or America/New_York"
        ))
    })
}

/// How much of a store's history a command needs.
#[derive(Debug, Clone, Copy)]
pub enum History {
    All,
    /// What the review of a day needs (the 28-day trend, the 7-day baseline and the day
    /// before); without a day, the review of the newest complete day.
    ForReview(Option<i64>),
    /// Hours from `from` (epoch hour; without it, `span` hours before the newest hour),
    /// with the hours before it that the hourly baselines need.
    ForHours {
        from: Option<i64>,
        span: i64,
    },
}

impl History {
    /// Everything from the hour `from` on (with the hours its baselines need), or all.
    pub fn since(from: Option<i64>) -> History {
        match from {
            Some(from) => History::ForHours {
                from: Some(from),
                span: 0,
            },
            None => History::All,
        }
    }
}

/// Hours before a window that its hourly baselines need: 168 for the rolling week, and a
/// day of slack.
const BASELINE_HOURS: i64 = 8 * 24;

/// Days of history loaded from a store for a review: 28 for the trend, 7 for the baseline,
/// and slack for the time zone.
const REVIEW_HISTORY_DAYS: i64 = 37;

/// Reads every input (log files, or the stores given with `--store`), prints per-file
/// warnings on stderr, and enforces `--strict`.
pub fn load(args: &InputArgs, history: History) -> Result<Loaded> {
    crate::analyze::warm_up_in_background();
    let tz = parse_tz(&args.tz)?;
    let config = ConfigFile::load(args.config.as_deref())?;
    if !args.store.is_empty() {
        if !args.paths.is_empty() {
            return Err(Error::Usage(
                "give either log PATHS or --store, not both (ingest the logs into the store first)"
                    .into(),
            )
            .into());
        }
        let scan = load_stores(&args.store, history)?;
        return Ok(Loaded { scan, config, tz });
    }
    if args.paths.is_empty() {
        return Err(Error::NoInput.into());
    }
    let inputs = expand_inputs(&args.paths)?;
    let classifier = config.classifier()?;
    let resolver = config.isp_resolver();
    let scan = scan_inputs(&inputs, &classifier, &resolver, threads(args.threads));
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for line in summary::warnings(&scan.files) {
        writeln!(err, "warning: {line}")?;
    }
    let malformed: u64 = scan.files.iter().map(|f| f.malformed_total()).sum();
    let unreadable = scan.files.iter().filter(|f| f.read_error.is_some()).count() as u64;
    if args.strict && malformed + unreadable > 0 {
        return Err(Error::Strict {
            count: malformed + unreadable,
        }
        .into());
    }
    Ok(Loaded { scan, config, tz })
}

/// The aggregates of several stores, summed, with one file entry per content read.
pub fn load_stores(paths: &[PathBuf], history: History) -> Result<Scan, Error> {
    let stores = paths
        .iter()
        .map(|path| Store::open_read_only(path))
        .collect::<Result<Vec<_>, _>>()?;
    let newest = || -> Result<Option<i64>, Error> {
        let newest = stores
            .iter()
            .map(Store::newest_hour)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(newest.into_iter().flatten().max())
    };
    let since_hour = match history {
        History::All => None,
        History::ForReview(day) => {
            let day = match day {
                Some(day) => Some(day),
                None => newest()?.map(|h| h.div_euclid(24)),
            };
            day.map(|day| (day - REVIEW_HISTORY_DAYS) * 24)
        }
        History::ForHours { from, span } => {
            let from = match from {
                Some(from) => Some(from),
                None => newest()?.map(|h| h + 1 - span),
            };
            from.map(|from| from - BASELINE_HOURS)
        }
    };
    let mut scan = Scan::default();
    for store in &stores {
        let aggregates = store.load_aggregates(since_hour)?;
        if scan.aggregates.cell_count() == 0 {
            scan.aggregates = aggregates;
        } else {
            scan.aggregates.merge(&aggregates);
        }
        for content in store.contents()? {
            scan.files.push(content.totals.to_file_stats(&content.name));
        }
    }
    Ok(scan)
}

/// The number of worker threads: the user's choice, or every core.
pub fn threads(choice: Option<usize>) -> usize {
    choice.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Whether stdout is a terminal (for colour).
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}
