//! `deferwatch hourly`: one row per hour and group.

use anyhow::Result;

use crate::analyze::hourly;
use crate::analyze::metrics::Period;
use crate::config::HourlyConfig;
use crate::load::{History, load};
use crate::output::write_output;
use crate::render::{HourlyTable, renderer};

pub fn run(config: HourlyConfig) -> Result<()> {
    let scan = load(
        &config.input.sources,
        History::since(config.from, Period::Hour.lookback()),
    )?;
    let rows = hourly(
        &scan.aggregates,
        Default::default(),
        &config.dims,
        config.from,
        config.to,
    )?;
    let table = HourlyTable {
        by: &config.dims,
        rows: &rows,
        tz: config.input.tz,
    };
    write_output(config.output.as_deref(), |out, color| {
        Ok(renderer(config.format, color).hourly(&table, out)?)
    })
}
