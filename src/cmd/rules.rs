//! `deferwatch rules check`: what a rules file changes on a labelled corpus.

use anyhow::{Context, Result};

use crate::classify::Classifier;
use crate::classify::corpus::{self, Evaluation};
use crate::cli::RulesCheckArgs;
use crate::config::ConfigFile;
use crate::config::file::read_user_file;
use crate::error::ExitCode;

/// The largest corpus read (the built-in one is about 1 MiB).
const MAX_CORPUS_BYTES: u64 = 256 << 20;

pub fn check(args: RulesCheckArgs) -> Result<ExitCode> {
    let file = ConfigFile::load(Some(&args.file))?;
    let with_rules = file.classifier()?;
    let builtin = Classifier::new(&[])?;
    let text = match &args.corpus {
        Some(path) => read_user_file(path, MAX_CORPUS_BYTES)
            .with_context(|| format!("cannot read the corpus {}", path.display()))?,
        None => corpus::BUILTIN.to_string(),
    };
    let cases = corpus::parse(&text).map_err(|e| anyhow::anyhow!("corpus: {e}"))?;
    let before = corpus::classify_all(&builtin, &cases);
    let after = corpus::classify_all(&with_rules, &cases);
    println!(
        "{} rules from {}, over {} labelled replies",
        file.rules.len(),
        args.file.display(),
        cases.len()
    );
    let mut worse = 0;
    for ((case, old), new) in cases.iter().zip(&before).zip(&after) {
        if old.class == new.class && old.rule == new.rule {
            continue;
        }
        let mark = match (old.class.id() == case.class, new.class.id() == case.class) {
            (false, true) => "fixed",
            (true, false) => {
                worse += 1;
                "BROKEN"
            }
            _ => "changed",
        };
        println!(
            "{mark:<7} {} ({}) -> {} ({}), labelled {}: [{}] {}",
            old.class,
            old.rule,
            new.class,
            new.rule,
            case.class,
            case.isp(),
            new.text
        );
    }
    let (old, new) = (
        corpus::evaluate(&cases, &before),
        corpus::evaluate(&cases, &after),
    );
    print_scores("built-in rules", &old);
    print_scores("with the file's rules", &new);
    Ok(if worse > 0 {
        ExitCode::Error
    } else {
        ExitCode::Success
    })
}

fn print_scores(name: &str, eval: &Evaluation) {
    let folds: Vec<String> = eval.folds.iter().map(|(all, _)| all.to_string()).collect();
    println!(
        "{name}: {} overall, rdns {}; folds {}",
        eval.overall,
        eval.rdns,
        folds.join(", ")
    );
}
