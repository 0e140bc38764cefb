//! `deferwatch classify`: classifies reply texts, to test built-in and user rules; explains
//! a decision (`--explain`) or counts what each rule decides (`--stats`).

use std::collections::HashMap;
use std::io::{BufRead, Write};

use anyhow::Result;
use serde::Serialize;

use crate::classify::{Explanation, RawReply};
use crate::cli::ClassifyFormat;
use crate::config::ClassifyConfig;

#[derive(Serialize)]
struct Line<'a> {
    class: &'a str,
    rule: &'a str,
    text: &'a str,
}

pub fn run(config: ClassifyConfig) -> Result<()> {
    let texts: Vec<String> = if config.texts.is_empty() {
        // Bytes, not text: a reply copied from a log may not be UTF-8.
        std::io::stdin()
            .lock()
            .split(b'\n')
            .map(|line| {
                line.map(|l| {
                    String::from_utf8_lossy(&l)
                        .trim_end_matches('\r')
                        .to_string()
                })
            })
            .filter(|l| l.as_ref().map_or(true, |l| !l.trim().is_empty()))
            .collect::<Result<_, _>>()?
    } else {
        config.texts.clone()
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if config.stats {
        write_stats(&config, &texts, &mut out)?;
    } else {
        for text in &texts {
            if config.explain {
                write_explanation(&config, text, &mut out)?;
            } else {
                write_verdict(&config, text, &mut out)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn write_verdict(config: &ClassifyConfig, text: &str, out: &mut dyn Write) -> Result<()> {
    let mut masked = Vec::new();
    let verdict =
        config
            .classifier
            .classify_reply(&config.isp, RawReply::text(text.as_bytes()), &mut masked);
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
}

fn write_explanation(config: &ClassifyConfig, text: &str, out: &mut dyn Write) -> Result<()> {
    let explanation = config
        .classifier
        .explain(&config.isp, RawReply::text(text.as_bytes()));
    if config.format == ClassifyFormat::Json {
        serde_json::to_writer(&mut *out, &explanation)?;
        writeln!(out)?;
        return Ok(());
    }
    let Explanation {
        class,
        rule,
        isp,
        text,
        decided_by,
        also_matched,
        codes,
        note,
    } = &explanation;
    writeln!(out, "reply:   {text}")?;
    writeln!(out, "isp:     {isp}")?;
    writeln!(out, "class:   {class} (rule {rule})")?;
    if let Some(m) = decided_by {
        let what = m.matched.as_deref().or(m.status.as_deref()).unwrap_or("");
        writeln!(out, "decided: {} `{}` matched \"{what}\"", m.tier, m.rule)?;
    }
    if let Some(note) = note {
        writeln!(out, "note:    {note}")?;
    }
    for m in also_matched {
        let what = m.matched.as_deref().or(m.status.as_deref()).unwrap_or("");
        writeln!(
            out,
            "also:    {} `{}` ({}) matched \"{what}\", later in the table",
            m.tier, m.rule, m.class
        )?;
    }
    for code in codes {
        let class = code
            .class
            .map_or("the text decides".to_string(), |c| c.to_string());
        writeln!(
            out,
            "code:    {} {}: {} [{class}]\n         {}",
            code.provider, code.code, code.meaning, code.link
        )?;
    }
    writeln!(out)?;
    Ok(())
}

/// Per rule, in table order: replies it decided, replies it matched at all. A rule that
/// matches often but decides rarely is shadowed; one that never matches is dead here.
fn write_stats(config: &ClassifyConfig, texts: &[String], out: &mut dyn Write) -> Result<()> {
    let classifier = &config.classifier;
    let mut decided: HashMap<String, u64> = HashMap::new();
    let mut matched: HashMap<String, u64> = HashMap::new();
    let mut masked = Vec::new();
    for text in texts {
        let reply = RawReply::text(text.as_bytes());
        let verdict = classifier.classify_reply(&config.isp, reply, &mut masked);
        *decided.entry(verdict.rule).or_default() += 1;
        for id in classifier.matching_rule_ids(&config.isp, reply) {
            *matched.entry(id.to_string()).or_default() += 1;
        }
    }
    writeln!(out, "rule\ttier\tclass\tdecided\tmatched")?;
    for (id, tier, class) in classifier.rules() {
        let (d, m) = (
            decided.get(id).copied().unwrap_or(0),
            matched.get(id).copied().unwrap_or(0),
        );
        writeln!(out, "{id}\t{}\t{class}\t{d}\t{m}", tier.name())?;
    }
    for id in [
        crate::classify::EXPIRED_BOUNCE_RULE,
        crate::classify::NO_RULE,
    ] {
        let d = decided.get(id).copied().unwrap_or(0);
        writeln!(out, "{id}\t-\t-\t{d}\t{d}")?;
    }
    Ok(())
}
