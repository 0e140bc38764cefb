//! CSV: hourly rows in the documented column order; the report as one row per group.

use std::io::{self, Write};

use serde::Serialize;

use super::text::csv_text;
use super::{HOURLY_COLUMNS, HourlyTable, HourlyValue, Renderer, hourly_values};
use crate::analyze::group::GroupDay;
use crate::review::Review;
use crate::timefmt::hour_rfc3339;

pub struct Csv;

/// One report row. The `input` scope rows carry the input totals: `name` and `value`.
#[derive(Serialize)]
struct ReportRow<'a> {
    scope: &'a str,
    isp: &'a str,
    source_ip: &'a str,
    pool: std::borrow::Cow<'a, str>,
    attempts: u64,
    delivered: u64,
    deferred: u64,
    bounced: u64,
    queue_deferrals: u64,
    deferral_rate: Option<f64>,
    prev_day_deferral_rate: Option<f64>,
    rolling_7d_deferral_rate: Option<f64>,
    trend_pp_per_week: Option<f64>,
    status: &'a str,
    top_class: &'a str,
}

impl<'a> ReportRow<'a> {
    fn of(scope: &'a str, g: &'a GroupDay) -> Self {
        ReportRow {
            scope,
            isp: &g.isp,
            source_ip: g.source_ip.as_deref().unwrap_or(""),
            pool: csv_text(g.pool.as_deref().unwrap_or("")),
            attempts: g.attempts,
            delivered: g.delivered,
            deferred: g.deferred,
            bounced: g.bounced,
            queue_deferrals: g.queue_deferrals,
            deferral_rate: g.deferral_rate,
            prev_day_deferral_rate: g.prev_day_deferral_rate,
            rolling_7d_deferral_rate: g.rolling_7d_deferral_rate,
            trend_pp_per_week: g.trend_pp_per_week,
            status: g.status.id(),
            top_class: g.top_classes().first().map_or("", |(c, _)| c),
        }
    }
}

#[derive(Serialize)]
struct InputRow<'a> {
    scope: &'a str,
    name: String,
    value: String,
}

fn to_io(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

impl Renderer for Csv {
    fn report(&self, review: &Review, out: &mut dyn Write) -> io::Result<()> {
        let report = &review.report;
        let mut w = csv::Writer::from_writer(&mut *out);
        let scopes = [
            ("isp", &report.isps),
            ("source_ip", &report.source_ips),
            ("pool", &report.pools),
        ];
        for (scope, groups) in scopes {
            for g in groups {
                w.serialize(ReportRow::of(scope, g)).map_err(to_io)?;
            }
        }
        w.flush()?;
        drop(w);
        // The input totals follow as a second, two-column table after a blank line.
        writeln!(out)?;
        let mut w = csv::Writer::from_writer(&mut *out);
        let input = &report.input;
        let mut rows = vec![
            ("day".to_string(), report.day.to_string()),
            ("files".into(), input.files.to_string()),
            ("malformed".into(), input.malformed.to_string()),
            (
                "partial_last_lines".into(),
                input.partial_last_lines.to_string(),
            ),
            (
                "has_deferral_rows".into(),
                input.has_deferral_rows.to_string(),
            ),
            (
                "first".into(),
                input.first.map(|t| t.to_string()).unwrap_or_default(),
            ),
            (
                "last".into(),
                input.last.map(|t| t.to_string()).unwrap_or_default(),
            ),
        ];
        for (kind, count) in &input.rows {
            rows.push((format!("rows_{kind}"), count.to_string()));
        }
        for (name, value) in rows {
            w.serialize(InputRow {
                scope: "input",
                name,
                value,
            })
            .map_err(to_io)?;
        }
        w.flush()
    }

    fn hourly(&self, table: &HourlyTable<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let mut header: Vec<&str> = vec!["hour"];
        header.extend(table.by.iter().map(|d| d.column()));
        header.extend(HOURLY_COLUMNS);
        w.write_record(&header).map_err(to_io)?;
        for row in table.rows {
            let mut record = vec![hour_rfc3339(row.period)];
            record.extend(row.keys.iter().map(|key| csv_text(key).into_owned()));
            record.extend(hourly_values(row).map(|value| match value {
                HourlyValue::Count(n) => n.to_string(),
                HourlyValue::Rate(rate) => rate.map_or(String::new(), |v| format!("{v:.6}")),
            }));
            w.write_record(&record).map_err(to_io)?;
        }
        w.flush()
    }
}
