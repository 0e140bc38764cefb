//! A labelled reply corpus (`testdata/replies/replies.jsonl`) and the measurement of a rule
//! table against it: accuracy per fold, where the folds split the corpus by source so that
//! replies from one repository or one web site are never on both sides of a split.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::{Class, Classifier, RawReply, Verdict};

/// The ISP context for a reply whose provider is not known.
pub const UNKNOWN_ISP: &str = "other";
/// The public reply corpus (`testdata/replies/replies.jsonl`), built in for `rules check`.
pub const BUILTIN: &str = include_str!("../../testdata/replies/replies.jsonl");
/// How many folds [`folds`] makes.
pub const FOLDS: usize = 5;

/// One labelled reply.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub diag: String,
    /// The provider that sent the reply, when known: its ISP id.
    pub isp: Option<String>,
    pub class: String,
    /// Where the reply was published: a repository path at a commit, or a page.
    pub source: String,
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default)]
    pub license: Option<String>,
}

impl Case {
    pub fn isp(&self) -> &str {
        self.isp.as_deref().unwrap_or(UNKNOWN_ISP)
    }

    /// The unit of a split: the repository (`github.com/owner/name`) or the web site.
    pub fn source_group(&self) -> &str {
        source_group(&self.source)
    }
}

/// Reads a corpus in JSON Lines; every line must parse and carry a known class.
pub fn parse(text: &str) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: Case =
            serde_json::from_str(line).map_err(|e| format!("line {}: {e}", index + 1))?;
        if Class::from_id(&case.class).is_none() {
            return Err(format!(
                "line {}: unknown class `{}`",
                index + 1,
                case.class
            ));
        }
        cases.push(case);
    }
    Ok(cases)
}

/// `github.com/owner/name` for a repository source, the host for a page, else the source.
pub fn source_group(source: &str) -> &str {
    let rest = source
        .strip_prefix("https://")
        .or_else(|| source.strip_prefix("http://"))
        .unwrap_or(source);
    let end = |n: usize| {
        rest.char_indices()
            .filter(|&(_, c)| c == '/' || c == ' ')
            .nth(n)
            .map_or(rest.len(), |(i, _)| i)
    };
    if rest.starts_with("github.com/") {
        &rest[..end(2)]
    } else if source.contains("://") {
        &rest[..end(0)]
    } else {
        source
    }
}

/// The fold of each case: whole source groups, largest first, each to the fold with the
/// fewest cases so far, so the folds are about equal in size and no source is split.
pub fn folds(cases: &[Case]) -> Vec<usize> {
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for case in cases {
        *sizes.entry(case.source_group()).or_default() += 1;
    }
    let mut groups: Vec<(&str, usize)> = sizes.into_iter().collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut filled = [0usize; FOLDS];
    let mut fold_of: HashMap<&str, usize> = HashMap::new();
    for (group, size) in groups {
        let fold = (0..FOLDS).min_by_key(|&f| (filled[f], f)).unwrap();
        filled[fold] += size;
        fold_of.insert(group, fold);
    }
    cases.iter().map(|c| fold_of[c.source_group()]).collect()
}

/// Each case's verdict under `classifier`.
pub fn classify_all(classifier: &Classifier, cases: &[Case]) -> Vec<Verdict> {
    let mut mask = Vec::new();
    cases
        .iter()
        .map(|case| {
            classifier.classify_reply(case.isp(), RawReply::text(case.diag.as_bytes()), &mut mask)
        })
        .collect()
}

/// Correct out of total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Score {
    pub correct: usize,
    pub total: usize,
}

impl Score {
    fn add(&mut self, correct: bool) {
        self.total += 1;
        self.correct += usize::from(correct);
    }

    /// The share correct, 1.0 when there is nothing to score.
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{} ({:.1}%)",
            self.correct,
            self.total,
            self.accuracy() * 100.0
        )
    }
}

/// How a rule table did on a corpus.
#[derive(Debug, Default)]
pub struct Evaluation {
    pub overall: Score,
    /// Replies labelled `rdns_*`.
    pub rdns: Score,
    /// Per fold: all replies, and the `rdns_*` ones.
    pub folds: Vec<(Score, Score)>,
    /// (expected, got) -> count, for the replies classified wrongly.
    pub confusion: BTreeMap<(String, String), usize>,
    /// Indexes of the cases classified wrongly.
    pub misses: Vec<usize>,
}

/// Scores `verdicts` (from [`classify_all`]) against the labels.
pub fn evaluate(cases: &[Case], verdicts: &[Verdict]) -> Evaluation {
    let fold_of = folds(cases);
    let mut eval = Evaluation {
        folds: vec![Default::default(); FOLDS],
        ..Default::default()
    };
    for (index, (case, verdict)) in cases.iter().zip(verdicts).enumerate() {
        let correct = verdict.class.id() == case.class;
        let rdns = Class::from_id(&case.class).is_some_and(Class::is_rdns);
        eval.overall.add(correct);
        eval.folds[fold_of[index]].0.add(correct);
        if rdns {
            eval.rdns.add(correct);
            eval.folds[fold_of[index]].1.add(correct);
        }
        if !correct {
            *eval
                .confusion
                .entry((case.class.clone(), verdict.class.id().to_string()))
                .or_default() += 1;
            eval.misses.push(index);
        }
    }
    eval
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(source: &str) -> Case {
        Case {
            diag: "550 5.1.1 user unknown".into(),
            isp: None,
            class: "user_unknown".into(),
            source: source.into(),
            lang: None,
            license: None,
        }
    }

    #[test]
    fn a_source_group_is_the_repository_or_the_site() {
        assert_eq!(
            source_group("github.com/sisimai/set-of-emails maildir/bsd/x.eml @abc"),
            "github.com/sisimai/set-of-emails"
        );
        assert_eq!(
            source_group("https://github.com/owner/name/issues/85"),
            "github.com/owner/name"
        );
        assert_eq!(
            source_group("https://support.google.com/a/answer/3726730?hl=en"),
            "support.google.com"
        );
        assert_eq!(source_group("a note"), "a note");
    }

    #[test]
    fn folds_keep_each_source_whole_and_balance_sizes() {
        let mut cases = Vec::new();
        for (group, n) in [("a", 6), ("b", 3), ("c", 3), ("d", 2), ("e", 2), ("f", 1)] {
            for _ in 0..n {
                cases.push(case(&format!("https://{group}.example/x")));
            }
        }
        let fold_of = folds(&cases);
        for (case, fold) in cases.iter().zip(&fold_of) {
            let same = cases
                .iter()
                .zip(&fold_of)
                .filter(|(c, _)| c.source_group() == case.source_group());
            assert!(same.clone().all(|(_, f)| f == fold));
        }
        let mut sizes = [0; FOLDS];
        for f in fold_of {
            sizes[f] += 1;
        }
        assert_eq!(sizes, [6, 3, 3, 3, 2]);
    }
}
