//! `deferwatch ingest`: new log bytes into the store, for cron.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use super::threads;
use crate::cli::IngestArgs;
use crate::config::ConfigFile;
use crate::error::Error;
use crate::ingest::{IngestOptions, IngestSummary, ingest};
use crate::read::inputs::{Input, expand_inputs};
use crate::read::summary::warnings;
use crate::render::thousands;
use crate::store::Store;
use crate::timefmt::day_string;

pub fn run(args: IngestArgs) -> Result<()> {
    let config = ConfigFile::load(args.config.as_deref())?;
    let mut files: Vec<PathBuf> = Vec::new();
    for input in expand_inputs(&args.paths)? {
        match input {
            Input::File(path) => files.push(path),
            Input::Stdin => {
                return Err(Error::Usage(
                    "ingest reads files, not stdin: it must find them again to read only what is new"
                        .into(),
                )
                .into());
            }
        }
    }
    let classifier = config.classifier()?;
    let resolver = config.isp_resolver();
    let store = Store::open_for_ingest(&args.store)?;
    let options = IngestOptions {
        classifier: &classifier,
        resolver: &resolver,
        threads: threads(args.threads),
        keep_days: args.keep_days,
    };
    let summary = ingest(&store, &files, &options)?;
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let fingerprint = config.classification_fingerprint();
    if store
        .swap_meta("classification", &fingerprint)?
        .is_some_and(|old| old != fingerprint)
    {
        writeln!(
            err,
            "warning: the ISP mappings or classification rules differ from those of the last \
             ingest into {}: hours ingested before keep their old ISPs and classes. To apply \
             the new rules to all hours, delete the store and ingest the logs again",
            args.store.display()
        )?;
    }
    for line in warnings(&summary.reads) {
        writeln!(err, "warning: {line}")?;
    }
    for line in &summary.skipped {
        writeln!(err, "warning: {line}")?;
    }
    let malformed: u64 = summary.reads.iter().map(|f| f.malformed_total()).sum();
    if args.strict && malformed > 0 {
        // Dropping the store without committing leaves it as it was.
        return Err(Error::Strict { count: malformed }.into());
    }
    store.commit()?;
    if !args.quiet {
        println!("{}", describe(&args.store.display().to_string(), &summary));
    }
    Ok(())
}

/// One line saying what the ingest did.
fn describe(store: &str, summary: &IngestSummary) -> String {
    let t = &summary.totals;
    let mut line = format!(
        "{store}: read {} file(s) ({} new, {} continued), {} unchanged; {} new bytes, {} rows",
        t.files_read,
        summary.files_new,
        summary.files_resumed,
        t.files_unchanged,
        thousands(t.bytes_read),
        thousands(t.rows),
    );
    if summary.pruned.cells > 0 {
        line.push_str(&format!(
            "; pruned {} aggregate cell(s) before {}",
            thousands(summary.pruned.cells),
            day_string(summary.pruned.before_hour.div_euclid(24))
        ));
    }
    line
}
