//! The terminal table: fits 80 columns; colour only when stdout is a terminal.

use std::io::{self, Write};

use super::{HourlyTable, Renderer, input_lines, no_deferrals_notice};
use crate::analyze::group::GroupDay;
use crate::analyze::status::Status;
use crate::numfmt::{percent, thousands, trend};
use crate::review::Review;
use crate::timefmt::hour_local;

pub struct Table {
    pub color: bool,
}

const WIDTH: usize = 80;

impl Table {
    fn status(&self, status: Status) -> String {
        let text = format!("{:<6}", status.id());
        if !self.color {
            return text;
        }
        let code = match status {
            Status::Ok => "32",
            Status::Watch => "33",
            Status::Alert => "1;31",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    fn heading(&self, out: &mut dyn Write, text: &str) -> io::Result<()> {
        if self.color {
            writeln!(out, "\n\x1b[1m{text}\x1b[0m")
        } else {
            writeln!(out, "\n{text}")
        }
    }
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('~');
    s
}

/// Wraps text to the table width with a hanging indent.
pub(super) fn wrap(text: &str, first: &str, indent: usize) -> String {
    let mut out = String::from(first);
    let mut line_len = first.chars().count();
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if line_len + len + 1 > WIDTH && line_len > indent {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            line_len = indent;
        } else if line_len > indent || (line_len == indent && !out.ends_with(' ')) {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += len;
    }
    out
}

fn top_class(g: &GroupDay) -> String {
    g.top_classes()
        .first()
        .map_or("-".to_string(), |(c, _)| c.to_string())
}

impl Renderer for Table {
    fn report(&self, review: &Review, out: &mut dyn Write) -> io::Result<()> {
        let r = &review.report;
        writeln!(out, "deferwatch daily review {} ({})", r.day, r.timezone)?;
        if !r.input.has_deferral_rows {
            writeln!(out)?;
            writeln!(out, "{}", no_deferrals_notice())?;
        }
        self.heading(out, "ISPs")?;
        writeln!(
            out,
            "{:<12} {:>10} {:>6} {:>6} {:>6} {:>7}  {:<6} {:<15}",
            "isp", "attempts", "def%", "yday%", "7d%", "pp/wk", "status", "top class"
        )?;
        for g in &r.isps {
            writeln!(
                out,
                "{:<12} {:>10} {:>6} {:>6} {:>6} {:>7}  {} {:<15}",
                clip(&g.isp, 12),
                thousands(g.attempts),
                percent(g.deferral_rate),
                percent(g.prev_day_deferral_rate),
                percent(g.rolling_7d_deferral_rate),
                trend(g.trend_pp_per_week),
                self.status(g.status),
                clip(&top_class(g), 15)
            )?;
        }
        let moved: Vec<&GroupDay> = r
            .source_ips
            .iter()
            .filter(|g| g.status != Status::Ok)
            .collect();
        self.heading(out, "Source IPs that moved")?;
        if moved.is_empty() {
            writeln!(
                out,
                "none ({} source IP/ISP pairs, all ok)",
                r.source_ips.len()
            )?;
        } else {
            writeln!(
                out,
                "{:<22} {:<10} {:>9} {:>6} {:>6}  {:<6} {:<16}",
                "source ip", "isp", "attempts", "def%", "7d%", "status", "top class"
            )?;
            for g in &moved {
                writeln!(
                    out,
                    "{:<22} {:<10} {:>9} {:>6} {:>6}  {} {:<16}",
                    clip(g.source_ip.as_deref().unwrap_or("-"), 22),
                    clip(&g.isp, 10),
                    thousands(g.attempts),
                    percent(g.deferral_rate),
                    percent(g.rolling_7d_deferral_rate),
                    self.status(g.status),
                    clip(&top_class(g), 16)
                )?;
            }
        }
        let pools: Vec<&GroupDay> = r.pools.iter().filter(|g| g.status != Status::Ok).collect();
        if !pools.is_empty() {
            self.heading(out, "Pools that moved")?;
            for g in pools {
                writeln!(
                    out,
                    "{:<22} {:<10} {:>9} {:>6} {:>6}  {} {:<16}",
                    clip(g.pool.as_deref().unwrap_or("-"), 22),
                    clip(&g.isp, 10),
                    thousands(g.attempts),
                    percent(g.deferral_rate),
                    percent(g.rolling_7d_deferral_rate),
                    self.status(g.status),
                    clip(&top_class(g), 16)
                )?;
            }
        }
        self.heading(out, "Findings")?;
        if r.findings.is_empty() {
            writeln!(out, "none")?;
        }
        for f in &r.findings {
            let tag = format!("{:<6}", f.severity.id().to_uppercase());
            let tag = if self.color {
                self.status(f.severity).to_uppercase()
            } else {
                tag
            };
            writeln!(out, "{}", wrap(&f.message, &format!("{tag} "), 7))?;
        }
        self.heading(out, "Replies no rule knows yet")?;
        if r.unknown_replies.is_empty() {
            writeln!(out, "none")?;
        }
        for u in &r.unknown_replies {
            let prefix = format!("{:>7} {:<12} ", thousands(u.count), clip(&u.isp, 12));
            writeln!(out, "{prefix}{}", clip(&u.text, WIDTH - prefix.len()))?;
        }
        if let Some(identity) = &review.identity {
            writeln!(out)?;
            super::audit::table_section(identity, self.color, out)?;
        }
        self.heading(out, "Input")?;
        let i = &r.input;
        for line in input_lines(i, ",") {
            writeln!(out, "{line}")?;
        }
        for p in &i.problems {
            writeln!(
                out,
                "{}",
                wrap(&format!("{}: {}", p.file, p.problem), "  ", 4)
            )?;
        }
        Ok(())
    }

    fn hourly(&self, t: &HourlyTable<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut header = format!("{:<21}", "hour");
        for dim in t.by {
            header.push_str(&format!(" {:<15}", dim.column()));
        }
        header.push_str(&format!(
            " {:>9} {:>8} {:>6} {:>6} {:>6}",
            "attempts", "deferred", "def%", "yday%", "7d%"
        ));
        writeln!(out, "{header}")?;
        for row in t.rows {
            let mut line = format!("{:<21}", hour_local(row.period, t.tz));
            for key in &row.keys {
                line.push_str(&format!(" {:<15}", clip(key, 15)));
            }
            line.push_str(&format!(
                " {:>9} {:>8} {:>6} {:>6} {:>6}",
                thousands(row.attempts),
                thousands(row.deferred),
                percent(row.deferral_rate()),
                percent(row.prev_deferral_rate()),
                percent(row.rolling_deferral_rate())
            ));
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}
