//! Markdown: the daily review for tickets, wikis and chat.

use std::io::{self, Write};

use super::{HourlyTable, Renderer, input_lines, no_deferrals_notice, percent, thousands, trend};
use crate::analyze::report::{GroupDay, Report};
use crate::analyze::status::Status;
use crate::timefmt::hour_rfc3339;

pub struct Markdown;

/// Escapes text from the logs so it cannot break the table or inject markup.
pub(super) fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('`', "\\`")
}

fn classes(g: &GroupDay) -> String {
    g.top_classes()
        .iter()
        .take(3)
        .map(|(c, n)| format!("{c} {}", thousands(*n)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn group_rows(
    out: &mut dyn Write,
    first: &str,
    groups: &[&GroupDay],
    key: impl Fn(&GroupDay) -> String,
) -> io::Result<()> {
    writeln!(
        out,
        "| {first} | isp | attempts | deferral % | yesterday % | 7-day avg % | trend pp/week | status | top classes |"
    )?;
    writeln!(out, "|---|---|---:|---:|---:|---:|---:|---|---|")?;
    for g in groups {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&key(g)),
            cell(&g.isp),
            thousands(g.attempts),
            percent(g.deferral_rate),
            percent(g.prev_day_deferral_rate),
            percent(g.rolling_7d_deferral_rate),
            trend(g.trend_pp_per_week),
            g.status.id(),
            classes(g)
        )?;
    }
    Ok(())
}

impl Renderer for Markdown {
    fn report(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "# deferwatch daily review {} ({})\n",
            r.day, r.timezone
        )?;
        if !r.input.has_deferral_rows {
            writeln!(
                out,
                "> **{}**\n",
                no_deferrals_notice().lines().next().unwrap_or("")
            )?;
            writeln!(
                out,
                "```\n{}\n```\n",
                crate::read::summary::ENABLE_DEFERRAL_RECORDS
            )?;
        }
        writeln!(out, "## ISPs\n")?;
        let isps: Vec<&GroupDay> = r.isps.iter().collect();
        group_rows(out, "ISP", &isps, |g| g.isp.clone())?;
        writeln!(out, "\n## Source IPs that moved\n")?;
        let moved: Vec<&GroupDay> = r
            .source_ips
            .iter()
            .filter(|g| g.status != Status::Ok)
            .collect();
        if moved.is_empty() {
            writeln!(
                out,
                "None: all {} source IP/ISP pairs are ok.",
                r.source_ips.len()
            )?;
        } else {
            group_rows(out, "source IP", &moved, |g| {
                g.source_ip.clone().unwrap_or_default()
            })?;
        }
        let pools: Vec<&GroupDay> = r.pools.iter().filter(|g| g.status != Status::Ok).collect();
        if !pools.is_empty() {
            writeln!(out, "\n## Pools that moved\n")?;
            group_rows(out, "pool", &pools, |g| g.pool.clone().unwrap_or_default())?;
        }
        writeln!(out, "\n## Findings\n")?;
        if r.findings.is_empty() {
            writeln!(out, "None.")?;
        }
        for f in &r.findings {
            writeln!(out, "- **{}** {}", f.severity.id(), cell(&f.message))?;
        }
        writeln!(out, "\n## Replies no rule knows yet\n")?;
        if r.unknown_replies.is_empty() {
            writeln!(out, "None.")?;
        } else {
            writeln!(out, "| count | isp | reply |\n|---:|---|---|")?;
            for u in &r.unknown_replies {
                writeln!(
                    out,
                    "| {} | {} | {} |",
                    thousands(u.count),
                    cell(&u.isp),
                    cell(&u.text)
                )?;
            }
        }
        if let Some(identity) = &r.identity {
            writeln!(out)?;
            super::audit::markdown_section(identity, out)?;
        }
        let i = &r.input;
        writeln!(out, "\n## Input\n")?;
        for line in input_lines(i, ";") {
            writeln!(out, "- {line}")?;
        }
        for p in &i.problems {
            writeln!(out, "- `{}`: {}", cell(&p.file), cell(&p.problem))?;
        }
        Ok(())
    }

    fn hourly(&self, t: &HourlyTable<'_>, out: &mut dyn Write) -> io::Result<()> {
        let dims: Vec<&str> = t.by.iter().map(|d| d.column()).collect();
        writeln!(
            out,
            "| hour | {}attempts | deferral % | prev day % | 7-day % |",
            dims.iter().map(|d| format!("{d} | ")).collect::<String>()
        )?;
        writeln!(
            out,
            "|---|{}---:|---:|---:|---:|",
            "---|".repeat(dims.len())
        )?;
        for row in t.rows {
            writeln!(
                out,
                "| {} | {}{} | {} | {} | {} |",
                hour_rfc3339(row.period),
                row.keys
                    .iter()
                    .map(|k| format!("{} | ", cell(k)))
                    .collect::<String>(),
                thousands(row.attempts),
                percent(row.deferral_rate()),
                percent(row.prev_deferral_rate()),
                percent(row.rolling_deferral_rate())
            )?;
        }
        Ok(())
    }
}
