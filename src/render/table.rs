//! The terminal table: fits 80 columns; colour only when stdout is a terminal.

use std::io::{self, Write};

use super::markup::{GroupKind, Layout, Markup, READING_ORDER, write_review};
use super::text::{WIDTH, clip, wrap};
use super::timeline::TimelineRow;
use super::{HourlyTable, Renderer, input_lines, no_deferrals_notice};
use crate::analyze::findings::Finding;
use crate::analyze::group::GroupDay;
use crate::analyze::report::UnknownReply;
use crate::analyze::status::Status;
use crate::audit::Audit;
use crate::numfmt::{percent, thousands, trend};
use crate::read::summary::InputSummary;
use crate::review::Review;
use crate::timefmt::hour_local;

pub struct Table {
    pub color: bool,
}

impl Table {
    /// A status as a padded word, coloured on a terminal.
    fn status(&self, status: Status) -> String {
        self.paint(status, format!("{:<6}", status.id()))
    }

    fn paint(&self, status: Status, text: String) -> String {
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
}

fn top_class(g: &GroupDay) -> String {
    g.top_classes()
        .first()
        .map_or("-".to_string(), |(c, _)| c.to_string())
}

impl Markup for Table {
    fn layout(&self) -> Layout {
        Layout {
            sections: READING_ORDER,
            every_group: false,
        }
    }

    fn title(&self, out: &mut dyn Write, review: &Review) -> io::Result<()> {
        let r = &review.report;
        writeln!(out, "deferwatch daily review {} ({})", r.day, r.timezone)
    }

    fn data_gap(&self, out: &mut dyn Write, message: &str) -> io::Result<()> {
        writeln!(out)?;
        let tag = self.paint(Status::Alert, format!("{:<6}", "GAP"));
        writeln!(out, "{}", wrap(message, &format!("{tag} "), 7))
    }

    fn no_deferrals(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out)?;
        writeln!(out, "{}", no_deferrals_notice())
    }

    fn heading(&self, out: &mut dyn Write, text: &str) -> io::Result<()> {
        if self.color {
            writeln!(out, "\n\x1b[1m{text}\x1b[0m")
        } else {
            writeln!(out, "\n{text}")
        }
    }

    fn none(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "none")
    }

    fn moved(&self, out: &mut dyn Write, moved: usize, total: usize) -> io::Result<()> {
        if moved == 0 {
            writeln!(out, "none ({total} source IP/ISP pairs, all ok)")?;
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
        if kind == GroupKind::Isp {
            writeln!(
                out,
                "{:<12} {:>10} {:>6} {:>6} {:>6} {:>7}  {:<6} {:<15}",
                "isp", "attempts", "def%", "yday%", "7d%", "pp/wk", "status", "top class"
            )?;
            for g in groups {
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
            return Ok(());
        }
        if kind == GroupKind::SourceIp {
            writeln!(
                out,
                "{:<22} {:<10} {:>9} {:>6} {:>6}  {:<6} {:<16}",
                "source ip", "isp", "attempts", "def%", "7d%", "status", "top class"
            )?;
        }
        for g in groups {
            writeln!(
                out,
                "{:<22} {:<10} {:>9} {:>6} {:>6}  {} {:<16}",
                clip(non_empty(kind.name(g)), 22),
                clip(&g.isp, 10),
                thousands(g.attempts),
                percent(g.deferral_rate),
                percent(g.rolling_7d_deferral_rate),
                self.status(g.status),
                clip(&top_class(g), 16)
            )?;
        }
        Ok(())
    }

    fn finding(&self, out: &mut dyn Write, f: &Finding) -> io::Result<()> {
        let tag = self.paint(f.severity, format!("{:<6}", f.severity.id().to_uppercase()));
        writeln!(
            out,
            "{}",
            wrap(&super::wording::finding(f), &format!("{tag} "), 7)
        )?;
        for code in &f.codes {
            let note = format!(
                "{} {}: {} {}",
                code.provider, code.code, code.meaning, code.link
            );
            writeln!(out, "{}", wrap(&note, "       ", 7))?;
        }
        Ok(())
    }

    fn incidents(
        &self,
        out: &mut dyn Write,
        rows: &[TimelineRow<'_>],
        legend: &str,
    ) -> io::Result<()> {
        for row in rows {
            let tag = self.paint(
                row.severity,
                format!("{:<6}", row.severity.id().to_uppercase()),
            );
            let what = format!("#{} {}: {}", row.incident.id, row.scope, row.classes);
            writeln!(out, "{tag} {}", clip(&what, WIDTH - 7))?;
            writeln!(out, "       {}", row.bar)?;
            let detail = format!(
                "since {}, {}; peak {} against {} before; {} deferrals and bounces",
                row.onset,
                row.state,
                row.peak,
                row.baseline,
                thousands(row.failures)
            );
            writeln!(out, "{}", wrap(&detail, "       ", 7))?;
            if let Some(sample) = &row.incident.sample_reply {
                writeln!(out, "       {}", clip(sample, WIDTH - 7))?;
            }
        }
        writeln!(out, "{legend}")
    }

    fn unknown_replies(&self, out: &mut dyn Write, replies: &[UnknownReply]) -> io::Result<()> {
        for u in replies {
            let prefix = format!("{:>7} {:<12} ", thousands(u.count), clip(&u.isp, 12));
            writeln!(out, "{prefix}{}", clip(&u.text, WIDTH - prefix.len()))?;
        }
        Ok(())
    }

    fn identity(&self, out: &mut dyn Write, audit: &Audit) -> io::Result<()> {
        writeln!(out)?;
        super::audit::table_section(audit, self.color, out)
    }

    fn input(&self, out: &mut dyn Write, input: &InputSummary) -> io::Result<()> {
        for line in input_lines(input, ",") {
            writeln!(out, "{line}")?;
        }
        for p in &input.problems {
            writeln!(
                out,
                "{}",
                wrap(&format!("{}: {}", p.file, p.problem), "  ", 4)
            )?;
        }
        Ok(())
    }
}

/// A group's name, or `-` when it has none.
fn non_empty(name: &str) -> &str {
    if name.is_empty() { "-" } else { name }
}

impl Renderer for Table {
    fn report(&self, review: &Review, out: &mut dyn Write) -> io::Result<()> {
        write_review(self, review, out)
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
            for key in row.keys.iter() {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Upper-casing a painted tag turned its `m` into `M`: terminals showed the raw code.
    #[test]
    fn coloured_finding_tags_keep_valid_escape_codes() {
        let finding = Finding {
            severity: Status::Alert,
            isp: "gmail".into(),
            source_ip: None,
            class: None,
            fact: crate::analyze::findings::Fact::Rate {
                pool: None,
                rate: Some(0.2),
                jump: None,
                rise: None,
                top: None,
            },
            incident: None,
            codes: Vec::new(),
        };
        let mut out = Vec::new();
        Table { color: true }.finding(&mut out, &finding).unwrap();
        let line = String::from_utf8(out).unwrap();
        assert!(line.starts_with("\x1b[1;31mALERT \x1b[0m"), "{line:?}");
    }
}
