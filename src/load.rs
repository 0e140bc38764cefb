//! Loading what a command works from: the log files, read in parallel and classified, or
//! the aggregates of one or more stores; with as much history as the command needs.

use std::io::Write;
use std::path::PathBuf;

use crate::aggregate::parallel::{Scan, scan_inputs};
use crate::classify::Classifier;
use crate::error::Error;
use crate::isp::IspResolver;
use crate::query::Lookback;
use crate::read::acct_csv::AcctCsv;
use crate::read::distinct::distinct_contents;
use crate::read::inputs::Input;
use crate::read::summary;
use crate::store::Store;

/// Where the rows come from.
pub enum Sources {
    /// Log files (or stdin), classified as they are read.
    Logs {
        inputs: Vec<Input>,
        /// How the files are read.
        format: AcctCsv,
        /// Boxed: the compiled rules are large, a list of stores is small.
        classifier: Box<Classifier>,
        resolver: IspResolver,
        threads: usize,
        /// Fail when any row is malformed or any file unreadable.
        strict: bool,
    },
    /// Stores built by `ingest`, summed.
    Stores(Vec<PathBuf>),
}

/// How much of a store's history a command needs: the hours or the day it judges, and the
/// longest [`Lookback`] of the analyses it runs before them.
#[derive(Debug, Clone, Copy)]
pub enum History {
    All,
    /// The review of a day; without a day, the review of the newest complete day.
    ForReview {
        day: Option<i64>,
        lookback: Lookback,
    },
    /// Hours from `from` (epoch hour; without it, `span` hours before the newest hour).
    ForHours {
        from: Option<i64>,
        span: i64,
        lookback: Lookback,
    },
}

impl History {
    /// Everything from the hour `from` on with `lookback` before it, or all.
    pub fn since(from: Option<i64>, lookback: Lookback) -> History {
        match from {
            Some(from) => History::ForHours {
                from: Some(from),
                span: 0,
                lookback,
            },
            None => History::All,
        }
    }
}

/// Loaded beyond the lookback: a review day is a local day, which can start up to 14 hours
/// before the UTC day of the same date; one more day keeps any rounding on the safe side.
const SLACK_DAYS: i64 = 2;

/// Reads every source, prints per-file warnings on stderr, and enforces `strict`.
pub fn load(sources: &Sources, history: History) -> Result<Scan, Error> {
    let (inputs, format, classifier, resolver, threads, strict) = match sources {
        Sources::Stores(paths) => return load_stores(paths, history),
        Sources::Logs {
            inputs,
            format,
            classifier,
            resolver,
            threads,
            strict,
        } => (inputs, format, classifier, resolver, *threads, *strict),
    };
    let (inputs, copies) = distinct_contents(inputs.clone());
    let scan = scan_inputs(format, &inputs, classifier, resolver, threads);
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for copy in &copies {
        let _ = writeln!(err, "note: {}", copy.describe());
    }
    for line in summary::warnings(&scan.files) {
        // A closed stderr must not stop the run.
        let _ = writeln!(err, "warning: {line}");
    }
    let unreadable: Vec<String> = scan
        .files
        .iter()
        .filter_map(|f| Some(format!("{}: {}", f.name, f.read_error.as_ref()?)))
        .collect();
    if !unreadable.is_empty() {
        return Err(Error::Unreadable { files: unreadable });
    }
    let malformed: u64 = scan.files.iter().map(|f| f.malformed_total()).sum();
    if strict && malformed > 0 {
        return Err(Error::Strict { count: malformed });
    }
    Ok(scan)
}

/// The aggregates of several stores, summed, with one file entry per content read.
pub fn load_stores(paths: &[PathBuf], history: History) -> Result<Scan, Error> {
    // A store named twice (by one path or two) is counted once: by its id, or, for a store
    // without one, by its canonical path.
    let mut seen: Vec<(String, PathBuf)> = Vec::new();
    let mut stores = Vec::new();
    for path in paths {
        let Some(store) = Store::open_read_only(path)? else {
            eprintln!(
                "note: store {} has no data yet: its first ingest has not finished",
                path.display()
            );
            continue;
        };
        let identity = match store.id()? {
            Some(id) => id,
            None => path
                .canonicalize()
                .unwrap_or(path.clone())
                .display()
                .to_string(),
        };
        if let Some((_, first)) = seen.iter().find(|(id, _)| *id == identity) {
            eprintln!(
                "note: store {} is the same store as {}; counted once",
                path.display(),
                first.display()
            );
            continue;
        }
        seen.push((identity, path.clone()));
        stores.push(store);
    }
    let newest = || -> Result<Option<i64>, Error> {
        let newest = stores
            .iter()
            .map(Store::newest_hour)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(newest.into_iter().flatten().max())
    };
    let since_hour = match history {
        History::All => None,
        History::ForReview { day, lookback } => {
            let day = match day {
                Some(day) => Some(day),
                None => newest()?.map(|h| h.div_euclid(24)),
            };
            day.map(|day| (day - lookback.in_days() - SLACK_DAYS) * 24)
        }
        History::ForHours {
            from,
            span,
            lookback,
        } => {
            let from = match from {
                Some(from) => Some(from),
                None => newest()?.map(|h| h + 1 - span),
            };
            from.map(|from| from - lookback.in_hours() - SLACK_DAYS * 24)
        }
    };
    let first_day = match history {
        History::All => None,
        History::ForReview { day, .. } => match day {
            Some(day) => Some(day),
            // The review of the last complete day.
            None => newest()?.map(|h| h.div_euclid(24) - 1),
        },
        History::ForHours { lookback, .. } => {
            since_hour.map(|h| (h + lookback.in_hours() + SLACK_DAYS * 24).div_euclid(24))
        }
    };
    check_unreadable(&stores, first_day)?;
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
    scan.aggregates.settle();
    Ok(scan)
}

/// Fails like a read of the logs would when the last ingest into a store could not read an
/// input that may hold rows of `first_day` or later (it was modified on or after the day
/// before: its rows end by then). Older ones are a note: the days they hold are not judged.
fn check_unreadable(stores: &[Store], first_day: Option<i64>) -> Result<(), Error> {
    let mut missing = Vec::new();
    for store in stores {
        for input in store.unreadable()? {
            if first_day.is_some_and(|day| input.modified_day + 1 >= day) {
                missing.push(format!(
                    "{} (the last ingest into {}): {}",
                    input.path,
                    store.path().display(),
                    input.error
                ));
            } else {
                eprintln!(
                    "note: the last ingest into {} could not read {} ({}); the days up to {} lack its rows",
                    store.path().display(),
                    input.path,
                    input.error,
                    crate::timefmt::day_string(input.modified_day)
                );
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::StoreIncomplete { files: missing })
    }
}
