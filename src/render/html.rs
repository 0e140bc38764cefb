//! HTML: the daily review as one self-contained page (inline CSS and SVG, no scripts, no
//! external requests), readable on a laptop and on paper. Everything from the logs is
//! escaped.

use std::io::{self, Write};

use super::{HourlyTable, Renderer, input_lines, no_deferrals_notice, percent, thousands, trend};
use crate::analyze::report::{DayRate, GroupDay, Report};
use crate::analyze::status::Status;
use crate::chart::colors::{self, class_color, hex};
use crate::classify::Class;
use crate::timefmt::{day_string, hour_rfc3339};

pub struct Html;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub const STYLE: &str = "
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #212121;
  max-width: 1180px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px;
  border-bottom: 1px solid #e0e0e0; padding-bottom: 4px; }
.sub { color: #616161; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eeeeee; text-align: left; vertical-align: middle; }
th { background: #fafafa; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.watch td { background: #fff8e1; } tr.alert td { background: #ffebee; }
.status { font-weight: 600; text-transform: uppercase; font-size: 12px; }
.status.alert { color: #c62828; } .status.watch { color: #ef6c00; } .status.ok { color: #2e7d32; }
.finding { margin: 6px 0; padding: 6px 10px; border-left: 4px solid #bdbdbd; background: #fafafa; }
.finding.alert { border-color: #c62828; } .finding.watch { border-color: #ef6c00; }
.notice { padding: 8px 12px; background: #fff3e0; border: 1px solid #ffcc80; }
.reply { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 12px; word-break: break-all; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: baseline; }
.legend span { margin-right: 14px; white-space: nowrap; }
svg.spark { display: block; } .nowrap { white-space: nowrap; }
@media print { body { margin: 0; max-width: none; font-size: 11px; } h2 { break-after: avoid; }
  tr, .finding { break-inside: avoid; } }
";

/// A small chart of the daily rate (line) and its seven-day baseline (dashed), with the
/// review day marked; scaled to the group's own maximum.
fn sparkline(history: &[DayRate], day: i64) -> String {
    const W: f64 = 150.0;
    const H: f64 = 34.0;
    let first = day - crate::analyze::report::HISTORY_DAYS + 1;
    let top = history
        .iter()
        .flat_map(|d| [d.rate, d.rolling_7d])
        .flatten()
        .fold(0.01f64, f64::max);
    let x = |d: i64| {
        (d - first) as f64 / (crate::analyze::report::HISTORY_DAYS - 1) as f64 * (W - 4.0) + 2.0
    };
    let y = |r: f64| H - 2.0 - r / top * (H - 4.0);
    let path = |value: fn(&DayRate) -> Option<f64>| -> String {
        history
            .iter()
            .filter_map(|d| Some(format!("{:.1},{:.1}", x(d.day), y(value(d)?))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "<svg class=\"spark\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" \
         aria-label=\"daily deferral rate, 28 days\"><rect x=\"{:.1}\" y=\"0\" width=\"3\" height=\"{H}\" \
         fill=\"#eeeeee\"/><polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" \
         stroke-dasharray=\"3 2\"/><polyline points=\"{}\" fill=\"none\" stroke=\"{}\" \
         stroke-width=\"1.8\"/></svg>",
        x(day) - 1.5,
        path(|d| d.rolling_7d),
        hex(colors::ROLLING),
        path(|d| d.rate),
        hex(colors::RATE),
    )
}

fn status_cell(status: Status) -> String {
    format!("<span class=\"status {0}\">{0}</span>", status.id())
}

fn classes_cell(g: &GroupDay) -> String {
    g.top_classes()
        .iter()
        .take(3)
        .map(|(c, n)| {
            let swatch = Class::from_id(c).map_or(String::new(), |class| {
                format!(
                    "<span class=\"swatch\" style=\"background:{}\"></span>",
                    hex(class_color(class))
                )
            });
            format!(
                "<span class=\"nowrap\">{swatch}{} {}</span>",
                escape(c),
                thousands(*n)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A column naming each row's group: its heading, and the name of a group.
type KeyColumn<'a> = (&'a str, &'a dyn Fn(&GroupDay) -> String);

/// A table of groups. `key` names each row's group; without it the rows are ISPs.
fn group_table(
    out: &mut dyn Write,
    key: Option<KeyColumn<'_>>,
    groups: &[&GroupDay],
    day: Option<i64>,
) -> io::Result<()> {
    write!(out, "<table><tr>")?;
    if let Some((heading, _)) = key {
        write!(out, "<th>{heading}</th>")?;
    }
    write!(out, "<th>ISP</th>")?;
    if day.is_some() {
        write!(out, "<th>28 days</th>")?;
    }
    writeln!(
        out,
        "<th class=\"n\">attempts</th><th class=\"n\">deferral</th><th class=\"n\">yesterday</th>\
         <th class=\"n\">7-day avg</th><th class=\"n\">trend pp/week</th><th>status</th><th>top classes</th></tr>"
    )?;
    for g in groups {
        write!(out, "<tr class=\"{}\">", g.status.id())?;
        if let Some((_, name)) = key {
            write!(out, "<td>{}</td>", escape(&name(g)))?;
        }
        write!(out, "<td>{}</td>", escape(&g.isp))?;
        if let Some(day) = day {
            write!(out, "<td>{}</td>", sparkline(&g.history, day))?;
        }
        writeln!(
            out,
            "<td class=\"n\">{}</td><td class=\"n\">{}%</td><td class=\"n\">{}%</td><td class=\"n\">{}%</td>\
             <td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            thousands(g.attempts),
            percent(g.deferral_rate),
            percent(g.prev_day_deferral_rate),
            percent(g.rolling_7d_deferral_rate),
            trend(g.trend_pp_per_week),
            status_cell(g.status),
            classes_cell(g)
        )?;
    }
    writeln!(out, "</table>")
}

impl Renderer for Html {
    fn report(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let day = crate::timefmt::parse_day(&r.day).unwrap_or(0);
        let title = format!("deferwatch daily review {}", escape(&r.day));
        writeln!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title><style>{STYLE}</style></head><body>"
        )?;
        writeln!(out, "<h1>{title}</h1>")?;
        writeln!(
            out,
            "<p class=\"sub\">Days in {}; worst status: {}. Sparklines: daily deferral rate \
             (<span style=\"color:{}\">solid</span>) and its 7-day average \
             (<span style=\"color:{}\">dashed</span>) over 28 days, the review day at the right.</p>",
            escape(&r.timezone),
            status_cell(r.worst_status()),
            hex(colors::RATE),
            hex(colors::ROLLING)
        )?;
        if !r.input.has_deferral_rows {
            writeln!(
                out,
                "<p class=\"notice\">{}</p><pre>{}</pre>",
                escape(no_deferrals_notice().lines().next().unwrap_or("")),
                escape(crate::read::summary::ENABLE_DEFERRAL_RECORDS)
            )?;
        }
        writeln!(out, "<h2>Findings</h2>")?;
        if r.findings.is_empty() {
            writeln!(out, "<p>None.</p>")?;
        }
        for f in &r.findings {
            writeln!(
                out,
                "<div class=\"finding {0}\"><span class=\"status {0}\">{0}</span> {1}</div>",
                f.severity.id(),
                escape(&f.message)
            )?;
        }
        writeln!(out, "<h2>ISPs</h2>")?;
        let isps: Vec<&GroupDay> = r.isps.iter().collect();
        group_table(out, None, &isps, Some(day))?;
        writeln!(out, "<h2>Source IPs</h2>")?;
        let moved = r
            .source_ips
            .iter()
            .filter(|g| g.status != Status::Ok)
            .count();
        writeln!(
            out,
            "<p>{moved} of {} source IP/ISP pairs moved (highlighted).</p>",
            r.source_ips.len()
        )?;
        let mut ips: Vec<&GroupDay> = r.source_ips.iter().collect();
        ips.sort_by_key(|g| std::cmp::Reverse(g.status));
        let ip = |g: &GroupDay| g.source_ip.clone().unwrap_or_default();
        group_table(out, Some(("source IP", &ip)), &ips, Some(day))?;
        let pools: Vec<&GroupDay> = r.pools.iter().collect();
        if !pools.is_empty() {
            writeln!(out, "<h2>Pools</h2>")?;
            let pool = |g: &GroupDay| g.pool.clone().unwrap_or_default();
            group_table(out, Some(("pool", &pool)), &pools, None)?;
        }
        if let Some(identity) = &r.identity {
            out.write_all(super::audit::html_section(identity).as_bytes())?;
        }
        writeln!(out, "<h2>Replies no rule knows yet</h2>")?;
        if r.unknown_replies.is_empty() {
            writeln!(out, "<p>None.</p>")?;
        } else {
            writeln!(
                out,
                "<table><tr><th class=\"n\">count</th><th>ISP</th><th>reply</th></tr>"
            )?;
            for u in &r.unknown_replies {
                writeln!(
                    out,
                    "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"reply\">{}</td></tr>",
                    thousands(u.count),
                    escape(&u.isp),
                    escape(&u.text)
                )?;
            }
            writeln!(out, "</table>")?;
        }
        writeln!(out, "<h2>Input</h2><ul>")?;
        for line in input_lines(&r.input, ";") {
            writeln!(out, "<li>{}</li>", escape(&line))?;
        }
        for p in &r.input.problems {
            writeln!(
                out,
                "<li><code>{}</code>: {}</li>",
                escape(&p.file),
                escape(&p.problem)
            )?;
        }
        writeln!(out, "</ul>")?;
        writeln!(
            out,
            "<p class=\"sub legend\">Class colours: {}</p>",
            Class::ALL
                .iter()
                .map(|c| format!(
                    "<span><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
                    hex(class_color(*c)),
                    c.id()
                ))
                .collect::<Vec<_>>()
                .join(" ")
        )?;
        writeln!(
            out,
            "<p class=\"sub\">Generated by deferwatch for {}.</p></body></html>",
            day_string(day)
        )
    }

    fn hourly(&self, t: &HourlyTable<'_>, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>deferwatch hourly</title>\
             <style>{STYLE}</style></head><body><h1>deferwatch hourly</h1><table><tr><th>hour (UTC)</th>"
        )?;
        for dim in t.by {
            write!(out, "<th>{}</th>", dim.column())?;
        }
        writeln!(
            out,
            "<th class=\"n\">attempts</th><th class=\"n\">deferral</th><th class=\"n\">prev day</th><th class=\"n\">7-day</th></tr>"
        )?;
        for row in t.rows {
            write!(out, "<tr><td>{}</td>", hour_rfc3339(row.period))?;
            for key in &row.keys {
                write!(out, "<td>{}</td>", escape(key))?;
            }
            writeln!(
                out,
                "<td class=\"n\">{}</td><td class=\"n\">{}%</td><td class=\"n\">{}%</td><td class=\"n\">{}%</td></tr>",
                thousands(row.attempts),
                percent(row.deferral_rate()),
                percent(row.prev_deferral_rate()),
                percent(row.rolling_deferral_rate())
            )?;
        }
        writeln!(out, "</table></body></html>")
    }
}
