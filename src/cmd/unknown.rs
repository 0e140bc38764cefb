//! `deferwatch unknown`: every reply template no rule knows, with where it was seen.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::analyze::unknown::{UnknownTemplate, unknown_templates};
use crate::cli::{ClassifyFormat, UnknownArgs};
use crate::config::InputConfig;
use crate::load::{History, load};

#[derive(Serialize)]
struct Listing<'a> {
    templates: &'a [UnknownTemplate],
    /// Templates beyond `--limit`, not listed.
    not_shown: usize,
}

pub fn run(args: UnknownArgs) -> Result<()> {
    let input = InputConfig::new(&args.input)?;
    let scan = load(&input.sources, History::All)?;
    let templates = unknown_templates(&scan.aggregates);
    let shown = args.limit.unwrap_or(usize::MAX).min(templates.len());
    let not_shown = templates.len() - shown;
    let templates = &templates[..shown];
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        ClassifyFormat::Json => {
            serde_json::to_writer(
                &mut out,
                &Listing {
                    templates,
                    not_shown,
                },
            )?;
            writeln!(out)?;
        }
        ClassifyFormat::Tsv => {
            writeln!(out, "count\tfirst_seen\tlast_seen\tisps\tsource_ips\ttext")?;
            for t in templates {
                let isps: Vec<String> = t.isps.iter().map(|(i, n)| format!("{i}:{n}")).collect();
                let ips = if t.source_ips_kept {
                    t.source_ips.join(",")
                } else {
                    "(not kept in stores)".to_string()
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{ips}\t{}",
                    t.count,
                    t.first_seen,
                    t.last_seen,
                    isps.join(","),
                    t.text
                )?;
            }
            if not_shown > 0 {
                writeln!(out, "# {not_shown} more templates beyond --limit {shown}")?;
            }
        }
    }
    out.flush()?;
    Ok(())
}
