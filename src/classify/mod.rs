//! Reply classification: masking and normalization, the ordered rule table, and
//! [`Classifier::classify_reply`], the one way from a raw reply to its class. Decisions are
//! memoized per distinct masked reply by the caller (the aggregator's memo lives in
//! `aggregate/memo.rs`).

pub mod class;
pub mod codes;
pub mod corpus;
mod explain;
mod matcher;

pub mod normalize;
pub mod rules;

use std::collections::HashSet;

use regex::{Regex, RegexBuilder};
use regex_automata::PatternID;
use regex_automata::util::syntax;
use serde::Deserialize;

pub use class::Class;
pub use explain::{CodeNote, Explanation, RuleMatch};
use matcher::TextMatcher;
pub use normalize::{MaskedReply, RawReply, Reply};
pub use rules::Tier;
use rules::{BUILTIN_TIERS, Matcher};

use crate::error::Error;

/// A classification rule from the user's config file (`[[rule]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRule {
    pub id: String,
    pub class: String,
    /// Regex over the normalized reply text (case-insensitive).
    pub pattern: Option<String>,
    /// Regex over the enhanced status code, e.g. `5\.7\.1`.
    pub status: Option<String>,
    /// Restricts the rule to these ISP ids.
    #[serde(default)]
    pub isps: Vec<String>,
}

#[derive(Debug)]
struct Rule {
    id: String,
    tier: Tier,
    isps: Vec<String>,
    class: Class,
    /// Index into the text patterns, when the rule has one.
    text: Option<usize>,
    status: Option<Regex>,
    /// A provider code found as a token of the text, outside the automaton.
    token: Option<codes::CodeToken>,
}

/// The decision for one reply: its class, the rule that gave it, and the text it was decided on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub class: Class,
    pub rule: String,
    /// The normalized reply text the rules matched (variable tokens masked).
    pub text: String,
}

/// The compiled rule table: user rules first, then the built-in ones.
#[derive(Debug)]
pub struct Classifier {
    rules: Vec<Rule>,
    /// The provider code table; [`Rule::code`] indexes it.
    codes: &'static [codes::ProviderCode],
    /// Each text pattern as written, for explanations.
    patterns: Vec<String>,
    /// Every rule's text pattern in one automaton, which says which of them match.
    texts: TextMatcher,
}

/// Rule id used for bounces that PowerMTA gave up on after the retry period.
pub const EXPIRED_BOUNCE_RULE: &str = "bounce-expired";
/// Rule id used when nothing matched.
pub const NO_RULE: &str = "none";

impl Classifier {
    /// Compiles the built-in table, with `user_rules` ahead of it.
    pub fn new(user_rules: &[UserRule]) -> Result<Self, Error> {
        let mut rules = Vec::new();
        let mut patterns = Vec::new();
        let mut seen = HashSet::new();
        for rule in user_rules {
            let class = Class::from_id(&rule.class).ok_or_else(|| Error::Config {
                message: format!(
                    "rule `{}` has unknown class `{}`; use one of: {}",
                    rule.id,
                    rule.class,
                    Class::ALL
                        .iter()
                        .map(|c| c.id())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
            if rule.pattern.is_none() && rule.status.is_none() {
                return Err(Error::Config {
                    message: format!("rule `{}` needs a `pattern` or a `status`", rule.id),
                });
            }
            if !seen.insert(rule.id.clone()) {
                return Err(Error::Config {
                    message: format!("rule id `{}` is used twice", rule.id),
                });
            }
            let text = rule.pattern.as_ref().map(|p| {
                // User patterns fold case themselves; the text they see is lowercase.
                patterns.push(format!("(?i:{p})"));
                patterns.len() - 1
            });
            let status = match &rule.status {
                Some(s) => Some(compile_status(s).map_err(|e| Error::Config {
                    message: format!("rule `{}`: bad status regex: {e}", rule.id),
                })?),
                None => None,
            };
            rules.push(Rule {
                id: rule.id.clone(),
                tier: Tier::User,
                isps: rule.isps.clone(),
                class,
                text,
                status,
                token: None,
            });
        }
        let codes = codes::builtin();
        for code in codes {
            let Some(class) = code.class else { continue };
            // Codes are found by token: a few hundred patterns that each start at any
            // separator made the automaton's states too many to cache.
            let token = code.token();
            let text = token.is_none().then(|| {
                patterns.push(code.pattern());
                patterns.len() - 1
            });
            rules.push(Rule {
                id: format!("code:{}", code.code),
                tier: Tier::Code,
                isps: code.isps.clone(),
                class,
                text,
                status: None,
                token,
            });
        }
        for &(tier, table) in BUILTIN_TIERS {
            for builtin in table {
                let (text, status) = match builtin.matcher {
                    Matcher::Text(p) => {
                        patterns.push(lowercase_pattern(p));
                        (Some(patterns.len() - 1), None)
                    }
                    Matcher::Status(p) => {
                        (None, Some(compile_status(p).expect("built-in status rule")))
                    }
                };
                rules.push(Rule {
                    id: builtin.id.to_string(),
                    tier,
                    isps: builtin.isps.iter().map(|s| s.to_string()).collect(),
                    class: builtin.class,
                    text,
                    status,
                    token: None,
                });
            }
        }
        let texts = compile_texts(&patterns, &rules)?;
        Ok(Classifier {
            rules,
            codes,
            patterns,
            texts,
        })
    }

    /// Classifies a row's reply in the context of an ISP id: masks its variable tokens (into
    /// `mask_buf`, reused from call to call), normalizes it and runs the rules.
    pub fn classify_reply(
        &self,
        isp: &str,
        reply: RawReply<'_>,
        mask_buf: &mut Vec<u8>,
    ) -> Verdict {
        self.decide(isp, &reply.mask(mask_buf))
    }

    /// The second half of [`Classifier::classify_reply`], for callers that memoize decisions
    /// by masked reply: `b` rows PowerMTA expired after the retry period are
    /// `message_expired` whatever the last reply said; the rest go through the rules.
    pub fn decide(&self, isp: &str, masked: &MaskedReply<'_>) -> Verdict {
        let reply = masked.normalize();
        if masked.is_expired_bounce() {
            return Verdict {
                class: Class::MessageExpired,
                rule: EXPIRED_BOUNCE_RULE.to_string(),
                text: reply.text,
            };
        }
        let (class, rule) = self.first_matching_rule(isp, &reply);
        Verdict {
            class,
            rule: rule.to_string(),
            text: reply.text,
        }
    }

    /// The class and rule id of the first rule for `isp` matching `reply`.
    fn first_matching_rule<'a>(&'a self, isp: &str, reply: &Reply) -> (Class, &'a str) {
        self.with_matching_rules(isp, reply, |rules| match rules.next() {
            Some(rule) => (rule.class, rule.id.as_str()),
            None => (Class::Other, NO_RULE),
        })
    }

    /// The rules for `isp` that match `reply`, in table order: the first one decides.
    fn matching_rules<'a>(&'a self, isp: &str, reply: &Reply) -> Vec<&'a Rule> {
        self.with_matching_rules(isp, reply, |rules| rules.collect())
    }

    /// Runs `then` over the rules for `isp` that match `reply`, in table order, lazily: the
    /// decision stops at the first.
    fn with_matching_rules<'a, T>(
        &'a self,
        isp: &str,
        reply: &Reply,
        then: impl FnOnce(&mut dyn Iterator<Item = &'a Rule>) -> T,
    ) -> T {
        let lower = lowercase(&reply.text);
        let matched = self.texts.matches(lower.as_bytes());
        let tokens = codes::tokens(&lower);
        let mut rules = self.rules.iter().filter(|rule| {
            (rule.isps.is_empty() || rule.isps.iter().any(|i| i == isp))
                && rule.token.as_ref().is_none_or(|code| code.is_in(&tokens))
                && rule
                    .text
                    .is_none_or(|index| matched.contains(PatternID::must(index)))
                && rule.status.as_ref().is_none_or(|status| {
                    reply.status.as_deref().is_some_and(|s| status.is_match(s))
                })
        });
        then(&mut rules)
    }
}

/// The text the patterns read: lowercased (ASCII letters only for ASCII text, the common
/// case; all letters otherwise, so Cyrillic and accented capitals fold too).
fn lowercase(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii() {
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            text.to_ascii_lowercase().into()
        } else {
            text.into()
        }
    } else {
        text.to_lowercase().into()
    }
}

/// A built-in pattern for lowercase text: its letters lowercased, escapes (`\B`, `\D`)
/// left as they are. Matching lowercase text with lowercase patterns is the same as
/// matching case-insensitively, without the case-folding classes that made up a third of
/// the rule table's compile time.
fn lowercase_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut escaped = false;
    for c in pattern.chars() {
        out.push(if escaped { c } else { c.to_ascii_lowercase() });
        escaped = !escaped && c == '\\';
    }
    out
}

/// Compiles the text patterns into one automaton that reports every pattern matching a
/// text. Each distinct reply is matched once (the aggregator memoizes decisions), so this is
/// built for a quick start: no literal prefilters, ASCII classes (replies are ASCII), and
/// no case folding (the text is lowercased instead), which cuts the build from about
/// 10 ms to 2. A pattern that does not parse is reported with its rule.
fn compile_texts(patterns: &[String], rules: &[Rule]) -> Result<TextMatcher, Error> {
    let config = matcher::syntax_config();
    let hirs = patterns
        .iter()
        .enumerate()
        .map(|(index, pattern)| {
            syntax::parse_with(pattern, &config).map_err(|e| {
                let rule = rules.iter().find(|r| r.text == Some(index));
                Error::Config {
                    message: match rule {
                        Some(rule) => format!("rule `{}`: bad pattern: {e}", rule.id),
                        None => format!("a rule pattern does not compile: {e}"),
                    },
                }
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    TextMatcher::new(&hirs).map_err(|message| Error::Config {
        message: format!("the rule patterns do not compile together: {message}"),
    })
}

fn compile_status(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(&format!("^(?:{pattern})$")).build()
}

#[cfg(test)]
mod tests;
