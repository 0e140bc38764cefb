//! `deferwatch export`: the store's hourly aggregates as Parquet, partitioned by day.

use anyhow::Result;

use super::{History, load_stores};
use crate::analyze::export::export_parquet;
use crate::cli::{ExportArgs, ExportFormat};
use crate::render::thousands;

pub fn run(args: ExportArgs) -> Result<()> {
    let scan = load_stores(&args.store, History::All)?;
    let written = match args.format {
        ExportFormat::Parquet => export_parquet(&scan.aggregates, &args.out)?,
    };
    let rows: usize = written.iter().map(|w| w.rows).sum();
    eprintln!(
        "wrote {} day partition(s), {} rows, to {}",
        written.len(),
        thousands(rows as u64),
        args.out.display()
    );
    Ok(())
}
