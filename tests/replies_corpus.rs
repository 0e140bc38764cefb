//! The reply corpora: the built-in rules against replies they were not written from.
//!
//! `testdata/replies/` holds real replies from public sources, split by source into folds
//! (a repository or a web site never straddles two folds); the test prints each fold's
//! accuracy, the confusion table and every miss, and holds the rules to 97% overall and
//! 98% on the reverse-DNS classes, in every fold and on the whole corpus.

use deferwatch::classify::Classifier;
use deferwatch::classify::corpus::{self, Evaluation};

fn report(cases: &[corpus::Case], eval: &Evaluation) {
    println!("overall {}  rdns {}", eval.overall, eval.rdns);
    for (fold, (all, rdns)) in eval.folds.iter().enumerate() {
        println!("  fold {fold}: {all}  rdns {rdns}");
    }
    for ((expected, got), n) in &eval.confusion {
        println!("  {expected} -> {got}: {n}");
    }
    let fold_of = corpus::folds(cases);
    for &index in &eval.misses {
        let case = &cases[index];
        println!(
            "  miss fold {} [{}] {}: {}",
            fold_of[index],
            case.isp(),
            case.class,
            case.diag
        );
    }
}

#[test]
fn builtin_rules_hold_on_the_public_reply_corpus_fold_by_fold() {
    let text = std::fs::read_to_string("testdata/replies/replies.jsonl").unwrap();
    let cases = corpus::parse(&text).unwrap();
    assert!(cases.len() >= 600, "{} replies", cases.len());
    assert!(
        cases
            .iter()
            .filter(|c| c.class.starts_with("rdns_"))
            .count()
            >= 150
    );
    let classifier = Classifier::new(&[]).unwrap();
    let verdicts = corpus::classify_all(&classifier, &cases);
    let eval = corpus::evaluate(&cases, &verdicts);
    report(&cases, &eval);
    for (fold, (all, rdns)) in eval.folds.iter().enumerate() {
        assert!(all.accuracy() >= 0.97, "fold {fold}: {all}");
        assert!(rdns.accuracy() >= 0.98, "fold {fold}: rdns {rdns}");
    }
    assert!(eval.overall.accuracy() >= 0.97, "overall {}", eval.overall);
    assert!(eval.rdns.accuracy() >= 0.98, "rdns {}", eval.rdns);
}

#[test]
fn builtin_rules_classify_the_eval_corpus() {
    let text = std::fs::read_to_string("testdata/eval/replies.jsonl").unwrap();
    let cases = corpus::parse(&text).unwrap();
    assert!(cases.len() >= 184);
    let classifier = Classifier::new(&[]).unwrap();
    let verdicts = corpus::classify_all(&classifier, &cases);
    let eval = corpus::evaluate(&cases, &verdicts);
    report(&cases, &eval);
    assert!(eval.overall.accuracy() >= 0.97, "overall {}", eval.overall);
}
