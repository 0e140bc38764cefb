//! Markdown: the daily review for tickets, wikis and chat.

use std::io::{self, Write};

use super::markup::{GroupKind, Layout, Markup, READING_ORDER, write_review};
use super::text::markdown_cell as cell;
use super::timeline::TimelineRow;
use super::{HourlyTable, Renderer, input_lines, no_deferrals_notice};
use crate::analyze::findings::Finding;
use crate::analyze::group::GroupDay;
use crate::analyze::report::UnknownReply;
use crate::audit::Audit;
use crate::numfmt::{percent, thousands, trend};
use crate::read::summary::InputSummary;
use crate::review::Review;
use crate::timefmt::hour_rfc3339;

pub struct Markdown;

fn classes(g: &GroupDay) -> String {
    g.top_classes()
        .iter()
        .take(3)
        .map(|(c, n)| format!("{c} {}", thousands(*n)))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Markup for Markdown {
    fn layout(&self) -> Layout {
        Layout {
            sections: READING_ORDER,
            every_group: false,
        }
    }

    fn title(&self, out: &mut dyn Write, review: &Review) -> io::Result<()> {
        let r = &review.report;
        writeln!(out, "# deferwatch daily review {} ({})", r.day, r.timezone)
    }

    fn data_gap(&self, out: &mut dyn Write, message: &str) -> io::Result<()> {
        writeln!(out, "\n> **{}**", cell(message))
    }

    fn no_deferrals(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "\n> **{}**\n",
            no_deferrals_notice().lines().next().unwrap_or("")
        )?;
        writeln!(
            out,
            "```\n{}\n```",
            crate::read::summary::ENABLE_DEFERRAL_RECORDS
        )
    }

    fn heading(&self, out: &mut dyn Write, text: &str) -> io::Result<()> {
        writeln!(out, "\n## {text}\n")
    }

    fn none(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "None.")
    }

    fn moved(&self, out: &mut dyn Write, moved: usize, total: usize) -> io::Result<()> {
        if moved == 0 {
            writeln!(out, "None: all {total} source IP/ISP pairs are ok.")?;
        }
        Ok(())
    }

    fn groups(
        &self,
        out: &mut dyn Write,
        kind: GroupKind,
        groups: &[&GroupDay],
        _day: i64,
    ) -> io::Result<()> {
        writeln!(
            out,
            "| {} | isp | attempts | deferral % | yesterday % | 7-day avg % | trend pp/week | status | top classes |",
            kind.column()
        )?;
        writeln!(out, "|---|---|---:|---:|---:|---:|---:|---|---|")?;
        for g in groups {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                cell(kind.name(g)),
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

    fn finding(&self, out: &mut dyn Write, f: &Finding) -> io::Result<()> {
        writeln!(
            out,
            "- **{}** {}",
            f.severity.id(),
            cell(&super::wording::finding(f))
        )?;
        for code in &f.codes {
            writeln!(
                out,
                "  - `{}` ({}): {} <{}>",
                cell(&code.code),
                cell(&code.provider),
                cell(&code.meaning),
                code.link
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
            "| # | status | where | classes | onset | state | peak | before | failures | timeline |\n|---:|---|---|---|---|---|---:|---:|---:|---|"
        )?;
        for row in rows {
            writeln!(
                out,
                "| {} | **{}** | {} | {} | {} | {} | {} | {} | {} | `{}` |",
                row.incident.id,
                row.severity.id(),
                cell(&row.scope),
                cell(&row.classes),
                cell(&row.onset),
                cell(&row.state),
                row.peak,
                row.baseline,
                thousands(row.failures),
                row.bar
            )?;
        }
        writeln!(out, "\n{}", cell(legend))?;
        for row in rows {
            if let Some(sample) = &row.incident.sample_reply {
                writeln!(out, "- #{}: {}", row.incident.id, cell(sample))?;
            }
        }
        Ok(())
    }

    fn unknown_replies(&self, out: &mut dyn Write, replies: &[UnknownReply]) -> io::Result<()> {
        writeln!(out, "| count | isp | reply |\n|---:|---|---|")?;
        for u in replies {
            writeln!(
                out,
                "| {} | {} | {} |",
                thousands(u.count),
                cell(&u.isp),
                cell(&u.text)
            )?;
        }
        Ok(())
    }

    fn identity(&self, out: &mut dyn Write, audit: &Audit) -> io::Result<()> {
        writeln!(out)?;
        super::audit::markdown_section(audit, out)
    }

    fn input(&self, out: &mut dyn Write, input: &InputSummary) -> io::Result<()> {
        for line in input_lines(input, ";") {
            writeln!(out, "- {line}")?;
        }
        for p in &input.problems {
            writeln!(out, "- `{}`: {}", cell(&p.file), cell(&p.problem))?;
        }
        Ok(())
    }
}

impl Renderer for Markdown {
    fn report(&self, review: &Review, out: &mut dyn Write) -> io::Result<()> {
        write_review(self, review, out)
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
