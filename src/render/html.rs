//! HTML: the daily review as one self-contained page (inline CSS and SVG, no scripts, no
//! external requests), readable on a laptop and on paper. Everything from the logs is
//! escaped.

use std::io::{self, Write};

use super::markup::{GroupKind, Layout, Markup, Section, write_review};
use super::text::{STYLE, escape};
use super::timeline::TimelineRow;
use super::{HourlyTable, Renderer, input_lines, no_deferrals_notice};
use crate::analyze::findings::Finding;
use crate::analyze::group::{DayRate, GroupDay, HISTORY_DAYS};
use crate::analyze::report::UnknownReply;
use crate::analyze::status::Status;
use crate::audit::Audit;
use crate::classify::Class;
use crate::numfmt::{percent, thousands, trend};
use crate::palette::{self, class_color};
use crate::read::summary::InputSummary;
use crate::review::Review;
use crate::timefmt::hour_rfc3339;

pub struct Html;

/// A small chart of the daily rate (line) and its seven-day baseline (dashed), with the
/// review day marked; scaled to the group's own maximum.
fn sparkline(history: &[DayRate], day: i64) -> String {
    const W: f64 = 150.0;
    const H: f64 = 34.0;
    let first = day - HISTORY_DAYS + 1;
    let top = history
        .iter()
        .flat_map(|d| [d.rate, d.rolling_7d])
        .flatten()
        .fold(0.01f64, f64::max);
    let x = |d: i64| (d - first) as f64 / (HISTORY_DAYS - 1) as f64 * (W - 4.0) + 2.0;
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
        palette::ROLLING.hex(),
        path(|d| d.rate),
        palette::RATE.hex(),
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
                    class_color(class).hex()
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

impl Markup for Html {
    fn layout(&self) -> Layout {
        Layout {
            sections: PAGE_ORDER,
            every_group: true,
        }
    }

    fn title(&self, out: &mut dyn Write, review: &Review) -> io::Result<()> {
        let r = &review.report;
        let title = format!("deferwatch daily review {}", r.day);
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
            escape(r.timezone.name()),
            status_cell(r.worst_status()),
            palette::RATE.hex(),
            palette::ROLLING.hex()
        )
    }

    fn no_deferrals(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "<p class=\"notice\">{}</p><pre>{}</pre>",
            escape(no_deferrals_notice().lines().next().unwrap_or("")),
            escape(crate::read::summary::ENABLE_DEFERRAL_RECORDS)
        )
    }

    fn data_gap(&self, out: &mut dyn Write, message: &str) -> io::Result<()> {
        writeln!(out, "<p class=\"notice\">{}</p>", escape(message))
    }

    fn heading(&self, out: &mut dyn Write, text: &str) -> io::Result<()> {
        writeln!(out, "<h2>{}</h2>", escape(text))
    }

    fn none(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "<p>None.</p>")
    }

    fn moved(&self, out: &mut dyn Write, moved: usize, total: usize) -> io::Result<()> {
        writeln!(
            out,
            "<p>{moved} of {total} source IP/ISP pairs moved (highlighted).</p>"
        )
    }

    /// A table of groups, with a sparkline of the last 28 days for ISPs and source IPs.
    fn groups(
        &self,
        out: &mut dyn Write,
        kind: GroupKind,
        groups: &[&GroupDay],
        day: i64,
    ) -> io::Result<()> {
        let sparklines = kind != GroupKind::Pool;
        write!(out, "<table><tr>")?;
        if kind != GroupKind::Isp {
            write!(out, "<th>{}</th>", kind.column())?;
        }
        write!(out, "<th>ISP</th>")?;
        if sparklines {
            write!(out, "<th>28 days</th>")?;
        }
        writeln!(
            out,
            "<th class=\"n\">attempts</th><th class=\"n\">deferral</th><th class=\"n\">yesterday</th>\
             <th class=\"n\">7-day avg</th><th class=\"n\">trend pp/week</th><th>status</th><th>top classes</th></tr>"
        )?;
        for g in groups {
            write!(out, "<tr class=\"{}\">", g.status.id())?;
            if kind != GroupKind::Isp {
                write!(out, "<td>{}</td>", escape(kind.name(g)))?;
            }
            write!(out, "<td>{}</td>", escape(&g.isp))?;
            if sparklines {
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

    fn finding(&self, out: &mut dyn Write, f: &Finding) -> io::Result<()> {
        writeln!(
            out,
            "<div class=\"finding {0}\"><span class=\"status {0}\">{0}</span> {1}</div>",
            f.severity.id(),
            escape(&super::wording::finding(f))
        )?;
        for code in &f.codes {
            writeln!(
                out,
                "<div class=\"code\"><code>{}</code> ({}): {} <a href=\"{3}\">{3}</a></div>",
                escape(&code.code),
                escape(&code.provider),
                escape(&code.meaning),
                escape(&code.link)
            )?;
        }
        Ok(())
    }

    fn incidents(
        &self,
        out: &mut dyn Write,
        rows: &[TimelineRow<'_>],
        legend: &str,
    ) -> io::Result<()> {
        writeln!(
            out,
            "<table><tr><th>#</th><th>status</th><th>where</th><th>classes</th><th>onset</th><th>state</th><th class=\"n\">peak</th><th class=\"n\">before</th><th class=\"n\">failures</th><th>timeline</th></tr>"
        )?;
        for row in rows {
            writeln!(
                out,
                "<tr><td>{0}</td><td><span class=\"status {2}\">{2}</span></td><td>{1}</td><td>{3}</td><td>{4}</td><td>{5}</td><td class=\"n\">{6}</td><td class=\"n\">{7}</td><td class=\"n\">{8}</td><td><code>{9}</code></td></tr>",
                row.incident.id,
                escape(&row.scope),
                row.severity.id(),
                escape(&row.classes),
                escape(&row.onset),
                escape(&row.state),
                row.peak,
                row.baseline,
                thousands(row.failures),
                row.bar
            )?;
            if let Some(sample) = &row.incident.sample_reply {
                writeln!(
                    out,
                    "<tr><td></td><td colspan=\"9\" class=\"reply\">{}</td></tr>",
                    escape(sample)
                )?;
            }
        }
        writeln!(out, "</table>\n<p class=\"note\">{}</p>", escape(legend))
    }

    fn unknown_replies(&self, out: &mut dyn Write, replies: &[UnknownReply]) -> io::Result<()> {
        writeln!(
            out,
            "<table><tr><th class=\"n\">count</th><th>ISP</th><th>reply</th></tr>"
        )?;
        for u in replies {
            writeln!(
                out,
                "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"reply\">{}</td></tr>",
                thousands(u.count),
                escape(&u.isp),
                escape(&u.text)
            )?;
        }
        writeln!(out, "</table>")
    }

    fn identity(&self, out: &mut dyn Write, audit: &Audit) -> io::Result<()> {
        out.write_all(super::audit::html_section(audit).as_bytes())
    }

    fn input(&self, out: &mut dyn Write, input: &InputSummary) -> io::Result<()> {
        writeln!(out, "<ul>")?;
        for line in input_lines(input, ";") {
            writeln!(out, "<li>{}</li>", escape(&line))?;
        }
        for p in &input.problems {
            writeln!(
                out,
                "<li><code>{}</code>: {}</li>",
                escape(&p.file),
                escape(&p.problem)
            )?;
        }
        writeln!(out, "</ul>")
    }

    /// The class colours, and the day the page is for.
    fn end(&self, out: &mut dyn Write, review: &Review) -> io::Result<()> {
        writeln!(
            out,
            "<p class=\"sub legend\">Class colours: {}</p>",
            Class::ALL
                .iter()
                .map(|c| format!(
                    "<span><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
                    class_color(*c).hex(),
                    c.id()
                ))
                .collect::<Vec<_>>()
                .join(" ")
        )?;
        writeln!(
            out,
            "<p class=\"sub\">Generated by deferwatch for {}.</p></body></html>",
            review.report.day
        )
    }
}

/// A page is scanned from the top: what needs action first.
const PAGE_ORDER: &[Section] = &[
    Section::Findings,
    Section::Incidents,
    Section::Isps,
    Section::SourceIps,
    Section::Pools,
    Section::Identity,
    Section::UnknownReplies,
    Section::Input,
];

impl Renderer for Html {
    fn report(&self, review: &Review, out: &mut dyn Write) -> io::Result<()> {
        write_review(self, review, out)
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
            for key in row.keys.iter() {
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
