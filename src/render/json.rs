//! JSON: the report as its documented schema; hourly rows as an array of objects.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use serde::Serialize;

use super::wording;
use super::{HOURLY_COLUMNS, HourlyTable, HourlyValue, Renderer, hourly_values};
use crate::analyze::findings::Finding;
use crate::analyze::group::GroupDay;
use crate::analyze::incidents::Incident;
use crate::analyze::report::UnknownReply;
use crate::analyze::status::Status;
use crate::audit::Audit;
use crate::classify::{Class, CodeNote};
use crate::read::summary::InputSummary;
use crate::review::Review;
use crate::timefmt::{Day, hour_rfc3339};

pub struct Json;

/// The review as the documented schema (docs/metrics.md) has it.
#[derive(Serialize)]
struct ReviewJson<'a> {
    day: Day,
    timezone: &'a str,
    isps: &'a [GroupDay],
    source_ips: &'a [GroupDay],
    pools: &'a [GroupDay],
    findings: Vec<FindingJson<'a>>,
    incidents: &'a [Incident],
    data_gaps: Vec<DataGapJson>,
    unknown_replies: &'a [UnknownReply],
    input: &'a InputSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<&'a Audit>,
}

/// A gap in the review day's data, with its sentence.
#[derive(Serialize)]
struct DataGapJson {
    kind: &'static str,
    message: String,
}

/// A finding with its sentence.
#[derive(Serialize)]
struct FindingJson<'a> {
    severity: Status,
    isp: &'a str,
    source_ip: Option<&'a str>,
    class: Option<Class>,
    message: String,
    incident: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    codes: &'a [CodeNote],
}

impl<'a> FindingJson<'a> {
    fn of(finding: &'a Finding) -> FindingJson<'a> {
        FindingJson {
            severity: finding.severity,
            isp: &finding.isp,
            source_ip: finding.source_ip.as_deref(),
            class: finding.class,
            message: wording::finding(finding),
            incident: finding.incident.as_deref(),
            codes: &finding.codes,
        }
    }
}

impl Renderer for Json {
    fn report(&self, review: &Review, out: &mut dyn Write) -> io::Result<()> {
        let report = &review.report;
        let json = ReviewJson {
            day: report.day,
            timezone: report.timezone.name(),
            isps: &report.isps,
            source_ips: &report.source_ips,
            pools: &report.pools,
            findings: report.findings.iter().map(FindingJson::of).collect(),
            incidents: &report.incidents,
            data_gaps: report
                .data_gaps
                .iter()
                .map(|gap| DataGapJson {
                    kind: gap.kind(),
                    message: wording::data_gap(gap),
                })
                .collect(),
            unknown_replies: &report.unknown_replies,
            input: &report.input,
            identity: review.identity.as_ref(),
        };
        serde_json::to_writer_pretty(&mut *out, &json)?;
        writeln!(out)
    }

    fn hourly(&self, table: &HourlyTable<'_>, out: &mut dyn Write) -> io::Result<()> {
        let rows: Vec<Value> = table
            .rows
            .iter()
            .map(|row| {
                let mut obj = Map::new();
                obj.insert("hour".into(), json!(hour_rfc3339(row.period)));
                for (dim, key) in table.by.iter().zip(row.keys.iter()) {
                    obj.insert(dim.column().into(), json!(key));
                }
                for (column, value) in HOURLY_COLUMNS.iter().zip(hourly_values(row)) {
                    let value = match value {
                        HourlyValue::Count(n) => json!(n),
                        HourlyValue::Rate(rate) => json!(rate),
                    };
                    obj.insert((*column).into(), value);
                }
                Value::Object(obj)
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)
    }
}
