//! `deferwatch export`: the store's hourly aggregates as Parquet, partitioned by day.

use anyhow::Result;

use crate::analyze::export::export_parquet;
use crate::cli::ExportFormat;
use crate::config::ExportConfig;
use crate::load::{History, load_stores};
use crate::numfmt::thousands;

pub fn run(config: ExportConfig) -> Result<()> {
    let scan = load_stores(&config.stores, History::All)?;
    let written = match config.format {
        ExportFormat::Parquet => export_parquet(&scan.aggregates, &config.out)?,
    };
    let rows: usize = written.iter().map(|w| w.rows).sum();
    eprintln!(
        "wrote {} day partition(s), {} rows, to {}",
        written.len(),
        thousands(rows as u64),
        config.out.display()
    );
    Ok(())
}
