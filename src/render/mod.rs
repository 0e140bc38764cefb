//! Output formats: one renderer per format behind one trait.

pub mod audit;
mod csv;
pub mod html;
mod json;
mod markdown;
mod prometheus;
mod table;

use std::io::{self, Write};

use chrono_tz::Tz;

use crate::analyze::metrics::{Dim, MetricRow};
use crate::analyze::report::Report;
use crate::read::summary::InputSummary;

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
    fn report(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
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

/// A rate as a percentage with one decimal, or `-` when undefined.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or("-".to_string(), |r| format!("{:.1}", r * 100.0))
}

/// A signed trend in pp/week, or `-`.
pub fn trend(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| format!("{v:+.1}"))
}

/// `1234567` -> `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
            input.first.as_deref().unwrap_or("-"),
            input.last.as_deref().unwrap_or("-")
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
