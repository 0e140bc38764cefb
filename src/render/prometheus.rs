//! Prometheus text exposition format, for the node_exporter textfile collector: gauges
//! without timestamps (the collector rejects them), so each run writes the latest values.
//! `report` exports the report day per ISP and source IP; `hourly` exports the last hour
//! of the selection per group of `--by`.

use std::io::{self, Write};

use super::{HourlyTable, Renderer};
use crate::analyze::group::GroupDay;
use crate::analyze::status::Status;
use crate::review::Review;

pub struct Prometheus;

/// One metric family: its samples are written together under one HELP and TYPE.
struct Family {
    name: String,
    help: &'static str,
    samples: Vec<(Vec<(&'static str, String)>, f64)>,
}

impl Family {
    fn new(name: &str, help: &'static str) -> Self {
        Family {
            name: name.to_string(),
            help,
            samples: Vec::new(),
        }
    }

    fn push(&mut self, labels: Vec<(&'static str, String)>, value: Option<f64>) {
        if let Some(value) = value {
            self.samples.push((labels, value));
        }
    }

    fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.samples.is_empty() {
            return Ok(());
        }
        writeln!(out, "# HELP {} {}", self.name, self.help)?;
        writeln!(out, "# TYPE {} gauge", self.name)?;
        for (labels, value) in &self.samples {
            let labels: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                .collect();
            writeln!(out, "{}{{{}}} {value}", self.name, labels.join(","))?;
        }
        Ok(())
    }
}

/// Label values escape backslash, double quote and newline.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn status_value(status: Status) -> f64 {
    match status {
        Status::Ok => 0.0,
        Status::Watch => 1.0,
        Status::Alert => 2.0,
    }
}

/// The families of one report level (`isp` or `source_ip`).
fn group_families(prefix: &str, groups: &[GroupDay]) -> Vec<Family> {
    let name = |metric: &str| format!("deferwatch_{prefix}_{metric}");
    let mut attempts = Family::new(
        &name("attempts"),
        "Delivery attempts (d+b+t) on the report day.",
    );
    let mut deferred = Family::new(&name("deferrals"), "Deferrals (t rows) on the report day.");
    let mut rate = Family::new(
        &name("deferral_rate"),
        "Deferral rate t/(d+b+t) on the report day.",
    );
    let mut rolling = Family::new(
        &name("deferral_rate_7d"),
        "Deferral rate over the seven days before the report day.",
    );
    let mut by_class = Family::new(
        &name("class_replies"),
        "Deferrals, bounces and queue deferrals on the report day, by reply class.",
    );
    let mut status = Family::new(
        &name("status"),
        "Status on the report day: 0 ok, 1 watch, 2 alert.",
    );
    for group in groups {
        let mut labels = vec![("isp", group.isp.clone())];
        if let Some(ip) = &group.source_ip {
            labels.push(("source_ip", ip.clone()));
        }
        attempts.push(labels.clone(), Some(group.attempts as f64));
        deferred.push(labels.clone(), Some(group.deferred as f64));
        rate.push(labels.clone(), group.deferral_rate);
        rolling.push(labels.clone(), group.rolling_7d_deferral_rate);
        status.push(labels.clone(), Some(status_value(group.status)));
        for (class, count) in &group.classes {
            let mut labels = labels.clone();
            labels.push(("class", class.clone()));
            by_class.push(labels, Some(*count as f64));
        }
    }
    vec![attempts, deferred, rate, rolling, by_class, status]
}

impl Renderer for Prometheus {
    fn report(&self, review: &Review, out: &mut dyn Write) -> io::Result<()> {
        let report = &review.report;
        let mut families = group_families("isp", &report.isps);
        families.extend(group_families("source_ip", &report.source_ips));
        let mut day = Family::new(
            "deferwatch_report_day_timestamp_seconds",
            "Start (UTC) of the day these values are for.",
        );
        let start = report.day.first_hour() * 3600;
        day.push(vec![], Some(start as f64));
        families.push(day);
        for family in &families {
            family.write(out)?;
        }
        Ok(())
    }

    fn hourly(&self, table: &HourlyTable<'_>, out: &mut dyn Write) -> io::Result<()> {
        let Some(last) = table.rows.iter().map(|r| r.period).max() else {
            return Ok(());
        };
        let mut attempts = Family::new(
            "deferwatch_hourly_attempts",
            "Delivery attempts (d+b+t) in the hour.",
        );
        let mut deferred = Family::new(
            "deferwatch_hourly_deferrals",
            "Deferrals (t rows) in the hour.",
        );
        let mut bounced = Family::new("deferwatch_hourly_bounces", "Bounces (b rows) in the hour.");
        let mut rate = Family::new(
            "deferwatch_hourly_deferral_rate",
            "Deferral rate t/(d+b+t) in the hour.",
        );
        let mut rolling = Family::new(
            "deferwatch_hourly_deferral_rate_7d",
            "Deferral rate over the 168 hours before the hour.",
        );
        for row in table.rows.iter().filter(|r| r.period == last) {
            let labels: Vec<(&'static str, String)> = table
                .by
                .iter()
                .zip(row.keys.iter())
                .map(|(dim, key)| (dim.column(), key.clone()))
                .collect();
            attempts.push(labels.clone(), Some(row.attempts as f64));
            deferred.push(labels.clone(), Some(row.deferred as f64));
            bounced.push(labels.clone(), Some(row.bounced as f64));
            rate.push(labels.clone(), row.deferral_rate());
            rolling.push(labels, row.rolling_deferral_rate());
        }
        let mut hour = Family::new(
            "deferwatch_hourly_timestamp_seconds",
            "Start (UTC) of the hour these values are for.",
        );
        hour.push(vec![], Some((last * 3600) as f64));
        for family in [attempts, deferred, bounced, rate, rolling, hour] {
            family.write(out)?;
        }
        Ok(())
    }
}
