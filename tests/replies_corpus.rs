//! The real-reply corpus: the built-in rules must classify at least 95% correctly.

use std::collections::BTreeMap;

use deferwatch::classify::{Classifier, RawReply};

#[test]
fn builtin_rules_classify_the_real_reply_corpus() {
    let classifier = Classifier::new(&[]).unwrap();
    let text = std::fs::read_to_string("testdata/eval/replies.jsonl").unwrap();
    let mut total = 0;
    let mut misses = Vec::new();
    let mut confusion: BTreeMap<(String, String), u32> = BTreeMap::new();
    let mut masked = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let diag = case["diag"].as_str().unwrap();
        let isp = case["isp"].as_str().unwrap();
        let expected = case["class"].as_str().unwrap();
        let verdict = classifier.classify_reply(isp, RawReply::text(diag.as_bytes()), &mut masked);
        total += 1;
        if verdict.class.id() != expected {
            *confusion
                .entry((expected.to_string(), verdict.class.id().to_string()))
                .or_insert(0) += 1;
            misses.push(format!(
                "  expected {expected}, got {} ({}): {diag}",
                verdict.class, verdict.rule
            ));
        }
    }
    let correct = total - misses.len();
    let accuracy = correct as f64 / total as f64;
    println!("{correct}/{total} correct ({:.1}%)", accuracy * 100.0);
    for ((expected, got), n) in &confusion {
        println!("  {expected} -> {got}: {n}");
    }
    for m in &misses {
        println!("{m}");
    }
    assert!(total >= 184);
    assert!(
        accuracy >= 0.95,
        "accuracy {:.1}% below 95%",
        accuracy * 100.0
    );
}
