//! `deferwatch classify`: classifies reply texts, to test built-in and user rules.

use std::io::{BufRead, Write};

use anyhow::Result;
use serde::Serialize;

use crate::classify::RawReply;
use crate::cli::ClassifyFormat;
use crate::config::ClassifyConfig;

#[derive(Serialize)]
struct Line<'a> {
    class: &'a str,
    rule: &'a str,
    text: &'a str,
}

pub fn run(config: ClassifyConfig) -> Result<()> {
    let classifier = &config.classifier;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut masked = Vec::new();
    let mut emit = |text: &str, out: &mut dyn Write| -> Result<()> {
        let verdict =
            classifier.classify_reply(&config.isp, RawReply::text(text.as_bytes()), &mut masked);
        // What the rules saw, so addresses are not echoed; the text as given with --raw.
        let masked_text = String::from_utf8_lossy(&masked);
        let text = if config.raw { text } else { &masked_text };
        match config.format {
            ClassifyFormat::Tsv => writeln!(out, "{}\t{}\t{}", verdict.class, verdict.rule, text)?,
            ClassifyFormat::Json => {
                let line = Line {
                    class: verdict.class.id(),
                    rule: &verdict.rule,
                    text,
                };
                serde_json::to_writer(&mut *out, &line)?;
                writeln!(out)?;
            }
        }
        Ok(())
    };
    if config.texts.is_empty() {
        for line in std::io::stdin().lock().lines() {
            let line = line?;
            if !line.trim().is_empty() {
                emit(&line, &mut out)?;
            }
        }
    } else {
        for text in &config.texts {
            emit(text, &mut out)?;
        }
    }
    out.flush()?;
    Ok(())
}
