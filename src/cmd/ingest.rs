//! `deferwatch ingest`: new log bytes into the store, for cron.

use std::io::Write;

use anyhow::Result;

use crate::config::IngestConfig;
use crate::error::Error;
use crate::ingest::{IngestOptions, IngestSummary, ingest};
use crate::numfmt::thousands;
use crate::read::summary;
use crate::store::Store;
use crate::timefmt::day_string;

pub fn run(config: IngestConfig) -> Result<()> {
    let store = Store::open_for_ingest(&config.store)?;
    let options = IngestOptions {
        format: &config.format,
        classifier: &config.classifier,
        resolver: &config.resolver,
        threads: config.threads,
        keep_days: config.keep_days,
    };
    let summary = ingest(&store, &config.files, &options)?;
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let fingerprint = &config.classification_fingerprint;
    if store
        .swap_meta("classification", fingerprint)?
        .is_some_and(|old| &old != fingerprint)
    {
        writeln!(
            err,
            "warning: the ISP mappings or classification rules differ from those of the last \
             ingest into {}: hours ingested before keep their old ISPs and classes. To apply \
             the new rules to all hours, delete the store and ingest the logs again",
            config.store.display()
        )?;
    }
    for line in summary::warnings(&summary.reads) {
        writeln!(err, "warning: {line}")?;
    }
    for line in &summary.skipped {
        writeln!(err, "warning: {line}")?;
    }
    let malformed: u64 = summary.reads.iter().map(|f| f.malformed_total()).sum();
    if config.strict && malformed > 0 {
        // Dropping the store without committing leaves it as it was.
        return Err(Error::Strict { count: malformed }.into());
    }
    store.commit()?;
    if !config.quiet {
        let line = describe(&config.store.display().to_string(), &summary);
        writeln!(std::io::stdout(), "{line}")?;
    }
    let unreadable: Vec<String> = summary
        .unreadable
        .iter()
        .map(|input| format!("{}: {}", input.path, input.error))
        .collect();
    if !unreadable.is_empty() {
        return Err(Error::IngestIncomplete { files: unreadable }.into());
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
