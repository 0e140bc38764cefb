//! One small module per subcommand: glue between arguments, library and output.

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

use crate::aggregate::scan::{Scan, scan_inputs};
use crate::analyze::input;
use crate::cli::{Cli, Command, InputArgs};
use crate::config::ConfigFile;
use crate::error::Error;
use crate::read::inputs::expand_inputs;
use crate::store::Store;

/// Runs a command; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let done = match cli.command {
        Command::Report(args) => report::run(args),
        Command::Hourly(args) => hourly::run(args),
        Command::Ingest(args) => ingest::run(args),
        Command::Check(args) => return Ok(check::run(args)),
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

/// Reads every input (log files, or the stores given with `--store`), prints per-file
/// warnings on stderr, and enforces `--strict`.
pub fn load(args: &InputArgs) -> Result<Loaded> {
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
        let scan = load_stores(&args.store)?;
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
    for line in input::warnings(&scan.files) {
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
pub fn load_stores(paths: &[PathBuf]) -> Result<Scan, Error> {
    let mut scan = Scan::default();
    for path in paths {
        let store = Store::open_read_only(path)?;
        scan.aggregates.merge(&store.load_aggregates()?);
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
