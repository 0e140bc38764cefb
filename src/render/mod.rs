//! Output formats: one renderer per format behind one trait.

pub mod audit;
mod csv;
mod html;
mod json;
mod markdown;
pub mod markup;
pub mod plugin;
mod prometheus;
mod table;
pub mod text;
pub mod timeline;
pub mod wording;

use std::io::{self, Write};

use chrono_tz::Tz;

use crate::analyze::metrics::{Dim, MetricRow};
use crate::numfmt::thousands;
use crate::read::summary::InputSummary;
use crate::review::Review;

/// Hourly rows with what is needed to show them.
pub struct HourlyTable<'a> {
    pub by: &'a [Dim],
    pub rows: &'a [MetricRow],
    pub tz: Tz,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Markdown,
    Json,
    Csv,
    /// Prometheus text format, for node_exporter's textfile collector.
    Prometheus,
    /// One self-contained HTML page (inline CSS and SVG).
    Html,
}

pub trait Renderer {
    fn report(&self, review: &Review, out: &mut dyn Write) -> io::Result<()>;
    fn hourly(&self, table: &HourlyTable<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// The renderer of a format; `color` only matters for tables.
pub fn renderer(format: Format, color: bool) -> Box<dyn Renderer> {
    match format {
        Format::Table => Box::new(table::Table { color }),
        Format::Markdown => Box::new(markdown::Markdown),
        Format::Json => Box::new(json::Json),
        Format::Csv => Box::new(csv::Csv),
        Format::Prometheus => Box::new(prometheus::Prometheus),
        Format::Html => Box::new(html::Html),
    }
}

/// One value of an hourly row.
pub enum HourlyValue {
    Count(u64),
    /// A rate in 0..=1; undefined without attempts.
    Rate(Option<f64>),
}

/// The columns of an hourly row after `hour` and the group keys: the one list every
/// machine format (JSON, CSV) writes, so they cannot drift apart.
pub const HOURLY_COLUMNS: [&str; 9] = [
    "attempts",
    "delivered",
    "deferred",
    "bounced",
    "queue_deferrals",
    "deferral_rate",
    "bounce_rate",
    "prev_day_deferral_rate",
    "rolling_7d_deferral_rate",
];

/// The values of [`HOURLY_COLUMNS`] for one row, in the same order.
pub fn hourly_values(row: &MetricRow) -> [HourlyValue; 9] {
    use HourlyValue::{Count, Rate};
    [
        Count(row.attempts),
        Count(row.delivered),
        Count(row.deferred),
        Count(row.bounced),
        Count(row.queue_deferrals),
        Rate(row.deferral_rate()),
        Rate(row.bounce_rate()),
        Rate(row.prev_deferral_rate()),
        Rate(row.rolling_deferral_rate()),
    ]
}

/// The three lines of the input summary (counts, time span, skipped rows) that the table
/// and markdown renderers both print; `sep` joins the two halves of the last line.
pub fn input_lines(input: &InputSummary, sep: &str) -> [String; 3] {
    let rows: Vec<String> = input
        .rows
        .iter()
        .map(|(k, v)| format!("{k} {}", thousands(*v)))
        .collect();
    [
        format!(
            "{} file(s), {} rows: {}",
            input.files,
            thousands(input.total_rows()),
            rows.join(", ")
        ),
        format!(
            "from {} to {}",
            input.first.map_or("-".into(), |t| t.to_string()),
            input.last.map_or("-".into(), |t| t.to_string())
        ),
        format!(
            "{} malformed row(s) skipped{sep} {} file(s) ending in a partial row",
            thousands(input.malformed),
            input.partial_last_lines
        ),
    ]
}

/// The notice every report shows when no deferral rows were read.
pub fn no_deferrals_notice() -> String {
    format!(
        "No deferral rows (t/tq) were found: PowerMTA records only d and b by default, so \
         deferral rates cannot be computed. Enable them in the PowerMTA config and reload:\n{}",
        crate::read::summary::ENABLE_DEFERRAL_RECORDS
    )
}
