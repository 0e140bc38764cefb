//! The sender identity audit as a terminal table, markdown, JSON or HTML; the table,
//! markdown and HTML sections also appear in the daily review when it runs the audit.

use std::io::{self, Write};

use super::text::{STYLE, escape, markdown_cell as cell, wrap};
use crate::audit::checks::{Check, Verdict};
use crate::audit::{Audit, IpAudit};

/// Writes the audit on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    Table,
    Markdown,
    Json,
    /// One self-contained HTML page, styled as the daily review.
    Html,
}

pub fn render_audit(
    format: AuditFormat,
    audit: &Audit,
    out: &mut dyn Write,
    color: bool,
) -> io::Result<()> {
    match format {
        AuditFormat::Table => table_section(audit, color, out),
        AuditFormat::Markdown => markdown_section(audit, out),
        AuditFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, audit)?;
            writeln!(out)
        }
        AuditFormat::Html => {
            writeln!(
                out,
                "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                 <title>deferwatch sender identity audit</title><style>{STYLE}</style></head><body>\
                 <h1>deferwatch sender identity audit</h1>"
            )?;
            out.write_all(html_section(audit).as_bytes())?;
            writeln!(out, "</body></html>")
        }
    }
}

/// "10 IPs: 2 fail, 3 warn, 0 unknown, 5 pass; DNS asked of 127.0.0.1:5353".
fn headline(audit: &Audit) -> String {
    let t = &audit.totals;
    let mut line = format!(
        "{} IP(s): {} fail, {} warn, {} unknown, {} pass; DNS asked of {}",
        audit.ips.len(),
        t.fail,
        t.warn,
        t.unknown,
        t.pass,
        audit.resolver
    );
    match (&audit.from, &audit.to) {
        (None, None) => {}
        (from, to) => line.push_str(&format!(
            "; logs from {} to {}",
            from.as_deref().unwrap_or("the start"),
            to.as_deref().unwrap_or("the end")
        )),
    }
    line
}

/// The names, or "none".
fn or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// What identifies an IP besides its address: "PTR p · EHLO x · VirtualMTA y · pool z".
fn identity_line(ip: &IpAudit) -> String {
    let mut parts = vec![
        format!("PTR {}", or_none(&ip.ptr)),
        format!("EHLO {}", or_none(&ip.ehlo)),
    ];
    if !ip.vmtas.is_empty() {
        parts.push(format!("VirtualMTA {}", ip.vmtas.join(", ")));
    }
    if !ip.pools.is_empty() {
        parts.push(format!("pool {}", ip.pools.join(", ")));
    }
    parts.push(format!("found in {}", ip.found_in.join(", ")));
    parts.join(" · ")
}

/// The checks worth showing: everything but pass and skip.
fn problems(ip: &IpAudit) -> impl Iterator<Item = &Check> {
    ip.checks
        .iter()
        .filter(|c| !matches!(c.verdict, Verdict::Pass | Verdict::Skip))
}

fn paint(verdict: Verdict, color: bool) -> String {
    let text = format!("{:<7}", verdict.id());
    let code = match verdict {
        Verdict::Fail => "1;31",
        Verdict::Unknown => "35",
        Verdict::Warn => "33",
        Verdict::Pass | Verdict::Skip => "32",
    };
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text
    }
}

/// The terminal form, within 80 columns: one line per IP, and under each IP with problems
/// the checks that did not pass, with their dig commands.
pub fn table_section(audit: &Audit, color: bool, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", wrap(&headline(audit), "Sender identity:", 2))?;
    for ip in &audit.ips {
        writeln!(out)?;
        let first = format!("{} {} ", paint(ip.verdict, color), ip.ip);
        writeln!(out, "{}", wrap(&ip.summary, &first, 8))?;
        writeln!(out, "{}", wrap(&identity_line(ip), "        ", 8))?;
        for check in problems(ip) {
            let first = format!(
                "        {} {:<14} ",
                paint(check.verdict, color),
                check.id.id()
            );
            writeln!(out, "{}", wrap(&check.explanation, &first, CHECK_INDENT))?;
            for command in &check.dig {
                writeln!(out, "{:CHECK_INDENT$}$ {command}", "")?;
            }
        }
    }
    Ok(())
}

/// Where the explanation of a check starts in the table.
const CHECK_INDENT: usize = 31;

pub fn markdown_section(audit: &Audit, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Sender identity\n\n{}\n", headline(audit))?;
    writeln!(out, "| IP | verdict | PTR | EHLO | summary |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for ip in &audit.ips {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            ip.ip,
            ip.verdict.id(),
            cell(&or_none(&ip.ptr)),
            cell(&ip.ehlo.join(", ")),
            cell(&ip.summary)
        )?;
    }
    for ip in audit.ips.iter().filter(|ip| problems(ip).next().is_some()) {
        writeln!(out, "\n### {} ({})\n", ip.ip, ip.verdict.id())?;
        for check in problems(ip) {
            writeln!(
                out,
                "- **{}** `{}`: {}",
                check.verdict.id(),
                check.id.id(),
                cell(&check.explanation)
            )?;
            for command in &check.dig {
                writeln!(out, "  - `{command}`")?;
            }
        }
    }
    Ok(())
}

fn verdict_class(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Fail => "alert",
        Verdict::Unknown | Verdict::Warn => "watch",
        Verdict::Pass | Verdict::Skip => "ok",
    }
}

/// The `<section>` of the audit, for its own page and for the daily review.
pub fn html_section(audit: &Audit) -> String {
    let mut html = String::new();
    html.push_str(&format!(
        "<section id=\"identity\"><h2>Sender identity</h2><p class=\"sub\">{}</p>\n\
         <table><tr><th>IP</th><th>verdict</th><th>PTR</th><th>EHLO</th><th>VirtualMTA</th><th>summary</th></tr>\n",
        escape(&headline(audit))
    ));
    for ip in &audit.ips {
        let class = verdict_class(ip.verdict);
        html.push_str(&format!(
            "<tr class=\"{class}\"><td class=\"nowrap\">{}</td><td><span class=\"status {class}\">{}</span></td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            ip.ip,
            ip.verdict.id(),
            escape(&or_none(&ip.ptr)),
            escape(&ip.ehlo.join(", ")),
            escape(&ip.vmtas.join(", ")),
            escape(&ip.summary)
        ));
    }
    html.push_str("</table>\n");
    for ip in audit.ips.iter().filter(|ip| problems(ip).next().is_some()) {
        for check in problems(ip) {
            let commands: Vec<String> = check
                .dig
                .iter()
                .map(|c| format!("<br><span class=\"reply\">$ {}</span>", escape(c)))
                .collect();
            html.push_str(&format!(
                "<div class=\"finding {}\"><b>{}</b> {} <code>{}</code>: {}{}</div>\n",
                verdict_class(check.verdict),
                ip.ip,
                check.verdict.id(),
                check.id.id(),
                escape(&check.explanation),
                commands.concat()
            ));
        }
    }
    html.push_str("</section>\n");
    html
}
