//! The daily review written once: one walk over its sections decides what is shown, in
//! which order and under which heading; a small markup trait that the table, markdown and
//! HTML formats implement says only how each element looks.

use std::io::{self, Write};

use super::timeline::{TimelineRow, bar_legend, timeline_rows};
use crate::analyze::findings::Finding;
use crate::analyze::group::GroupDay;
use crate::analyze::report::UnknownReply;
use crate::analyze::status::Status;
use crate::audit::Audit;
use crate::read::summary::InputSummary;
use crate::review::Review;

/// The sections of the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Isps,
    SourceIps,
    Pools,
    Findings,
    Incidents,
    UnknownReplies,
    Identity,
    Input,
}

/// What a group table lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    Isp,
    SourceIp,
    Pool,
}

impl GroupKind {
    /// The column naming each row's group.
    pub fn column(self) -> &'static str {
        match self {
            GroupKind::Isp => "ISP",
            GroupKind::SourceIp => "source IP",
            GroupKind::Pool => "pool",
        }
    }

    /// The name of a group of this kind.
    pub fn name(self, group: &GroupDay) -> &str {
        match self {
            GroupKind::Isp => &group.isp,
            GroupKind::SourceIp => group.source_ip.as_deref().unwrap_or_default(),
            GroupKind::Pool => group.pool.as_deref().unwrap_or_default(),
        }
    }
}

/// How a markup arranges the review.
pub struct Layout {
    pub sections: &'static [Section],
    /// Every source IP and pool, worst IPs first (for a page that highlights the ones that
    /// moved), rather than only those that moved.
    pub every_group: bool,
}

/// The order of sections for reading top to bottom in a terminal or a ticket.
pub const READING_ORDER: &[Section] = &[
    Section::Isps,
    Section::SourceIps,
    Section::Pools,
    Section::Findings,
    Section::Incidents,
    Section::UnknownReplies,
    Section::Identity,
    Section::Input,
];

/// How each element of the review looks in one format. Everything from the logs is
/// escaped by the implementation.
pub trait Markup {
    fn layout(&self) -> Layout;
    /// The title, with the review day and time zone.
    fn title(&self, out: &mut dyn Write, review: &Review) -> io::Result<()>;
    /// That no deferral rows were read, and the PowerMTA config that enables them.
    fn no_deferrals(&self, out: &mut dyn Write) -> io::Result<()>;
    /// That part of the review day's data is missing, and so the verdict is not to be
    /// trusted (one sentence saying what and what to check).
    fn data_gap(&self, out: &mut dyn Write, message: &str) -> io::Result<()>;
    fn heading(&self, out: &mut dyn Write, text: &str) -> io::Result<()>;
    /// An empty section.
    fn none(&self, out: &mut dyn Write) -> io::Result<()>;
    /// How many of the source IP/ISP pairs moved.
    fn moved(&self, out: &mut dyn Write, moved: usize, total: usize) -> io::Result<()>;
    /// A table of groups; `day` is the review day (days since the epoch).
    fn groups(
        &self,
        out: &mut dyn Write,
        kind: GroupKind,
        groups: &[&GroupDay],
        day: i64,
    ) -> io::Result<()>;
    fn finding(&self, out: &mut dyn Write, finding: &Finding) -> io::Result<()>;
    /// The incident timeline (never empty) and its bar's legend.
    fn incidents(
        &self,
        out: &mut dyn Write,
        rows: &[TimelineRow<'_>],
        legend: &str,
    ) -> io::Result<()>;
    fn unknown_replies(&self, out: &mut dyn Write, replies: &[UnknownReply]) -> io::Result<()>;
    /// The sender identity audit, heading included.
    fn identity(&self, out: &mut dyn Write, audit: &Audit) -> io::Result<()>;
    /// What was read: the lines of `super::input_lines` and each file's problems.
    fn input(&self, out: &mut dyn Write, input: &InputSummary) -> io::Result<()>;
    /// What follows the last section.
    fn end(&self, _out: &mut dyn Write, _review: &Review) -> io::Result<()> {
        Ok(())
    }
}

/// Writes the review in `markup`.
pub fn write_review(markup: &dyn Markup, review: &Review, out: &mut dyn Write) -> io::Result<()> {
    let r = &review.report;
    let layout = markup.layout();
    let day = r.day.0;
    let moved_only = |what: &str| {
        if layout.every_group {
            what.to_string()
        } else {
            format!("{what} that moved")
        }
    };
    markup.title(out, review)?;
    if !r.input.has_deferral_rows {
        markup.no_deferrals(out)?;
    }
    for gap in &r.data_gaps {
        markup.data_gap(
            out,
            &format!("Incomplete data: {}", super::wording::data_gap(gap)),
        )?;
    }
    for section in layout.sections {
        match section {
            Section::Isps => {
                markup.heading(out, "ISPs")?;
                let isps: Vec<&GroupDay> = r.isps.iter().collect();
                markup.groups(out, GroupKind::Isp, &isps, day)?;
            }
            Section::SourceIps => {
                markup.heading(out, &moved_only("Source IPs"))?;
                let mut ips = shown(&r.source_ips, layout.every_group);
                let moved = r
                    .source_ips
                    .iter()
                    .filter(|g| g.status != Status::Ok)
                    .count();
                markup.moved(out, moved, r.source_ips.len())?;
                if layout.every_group {
                    ips.sort_by_key(|g| std::cmp::Reverse(g.status));
                }
                if layout.every_group || !ips.is_empty() {
                    markup.groups(out, GroupKind::SourceIp, &ips, day)?;
                }
            }
            Section::Pools => {
                let pools = shown(&r.pools, layout.every_group);
                if !pools.is_empty() {
                    markup.heading(out, &moved_only("Pools"))?;
                    markup.groups(out, GroupKind::Pool, &pools, day)?;
                }
            }
            Section::Findings => {
                markup.heading(out, "Findings")?;
                if r.findings.is_empty() {
                    markup.none(out)?;
                }
                for finding in &r.findings {
                    markup.finding(out, finding)?;
                }
            }
            Section::Incidents => {
                markup.heading(out, "Incidents (the review day and the 7 days before)")?;
                let tz = r.timezone;
                let rows = timeline_rows(&r.incidents, day, tz);
                if rows.is_empty() {
                    markup.none(out)?;
                } else {
                    markup.incidents(out, &rows, &bar_legend(day, tz))?;
                }
            }
            Section::UnknownReplies => {
                markup.heading(out, "Replies no rule knows yet")?;
                if r.unknown_replies.is_empty() {
                    markup.none(out)?;
                } else {
                    markup.unknown_replies(out, &r.unknown_replies)?;
                }
            }
            Section::Identity => {
                if let Some(audit) = &review.identity {
                    markup.identity(out, audit)?;
                }
            }
            Section::Input => {
                markup.heading(out, "Input")?;
                markup.input(out, &r.input)?;
            }
        }
    }
    markup.end(out, review)
}

/// Every group, or those that moved.
fn shown(groups: &[GroupDay], every_group: bool) -> Vec<&GroupDay> {
    groups
        .iter()
        .filter(|g| every_group || g.status != Status::Ok)
        .collect()
}
