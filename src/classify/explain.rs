//! Why a reply got its class: the rule that decided, the text it matched, the rules after it
//! that matched too, and what the provider codes in the reply mean.

use serde::Serialize;

use super::codes::ProviderCode;
use super::matcher::compile_alone;
use super::{Class, Classifier, EXPIRED_BOUNCE_RULE, RawReply, Rule, Tier, Verdict, lowercase};

/// One rule that matched a reply.
#[derive(Debug, Clone, Serialize)]
pub struct RuleMatch {
    pub rule: String,
    /// `provider code`, `stated cause`, `phrase` ...
    pub tier: &'static str,
    pub class: Class,
    /// The part of the (lowercased) reply the rule's pattern matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
    /// The enhanced status code a status rule matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A provider code found in a reply, with the provider's word on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeNote {
    pub provider: String,
    pub code: String,
    /// The class the code decides, when it decides one on its own.
    pub class: Option<Class>,
    pub meaning: String,
    pub link: String,
}

impl From<&ProviderCode> for CodeNote {
    fn from(code: &ProviderCode) -> Self {
        CodeNote {
            provider: code.provider.clone(),
            code: code.code.clone(),
            class: code.class,
            meaning: code.meaning.clone(),
            link: code.link.clone(),
        }
    }
}

/// The decision path for one reply.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub class: Class,
    pub rule: String,
    pub isp: String,
    /// The reply as the rules read it (masked, one line).
    pub text: String,
    /// The rule that decided; `None` when no rule matched (or the bounce expired).
    pub decided_by: Option<RuleMatch>,
    /// Later rules that matched too, and lost to the first.
    pub also_matched: Vec<RuleMatch>,
    /// The provider codes in the reply, whether or not they decided.
    pub codes: Vec<CodeNote>,
    /// Why there is no deciding rule, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

impl Classifier {
    /// Classifies `reply` for `isp` as [`Classifier::classify_reply`] does, and says why.
    pub fn explain(&self, isp: &str, reply: RawReply<'_>) -> Explanation {
        let mut buf = Vec::new();
        let masked = reply.mask(&mut buf);
        let Verdict { class, rule, text } = self.decide(isp, &masked);
        let normalized = masked.normalize();
        let lower = lowercase(&normalized.text).into_owned();
        let codes = self
            .codes_in(isp, &normalized.text)
            .into_iter()
            .map(CodeNote::from)
            .collect();
        let mut matches = self
            .matching_rules(isp, &normalized)
            .into_iter()
            .map(|rule| self.rule_match(rule, &lower, normalized.status.as_deref()));
        let (decided_by, note) = if rule == EXPIRED_BOUNCE_RULE {
            (
                None,
                Some(
                    "PowerMTA bounced the message after the retry period (bounceCat message-expired)",
                ),
            )
        } else {
            let first = matches.next();
            let note = first
                .is_none()
                .then_some("no rule matched: the reply is listed by `deferwatch unknown`");
            (first, note)
        };
        Explanation {
            class,
            rule,
            isp: isp.to_string(),
            text,
            decided_by,
            also_matched: matches.collect(),
            codes,
            note,
        }
    }

    /// The ids of every rule for `isp` that matches `reply`, in table order: the first one
    /// decides (unless the bounce expired). What `classify --stats` counts.
    pub fn matching_rule_ids(&self, isp: &str, reply: RawReply<'_>) -> Vec<&str> {
        let mut buf = Vec::new();
        let normalized = reply.mask(&mut buf).normalize();
        self.matching_rules(isp, &normalized)
            .into_iter()
            .map(|rule| rule.id.as_str())
            .collect()
    }

    /// Each rule's id, tier and class, in table order.
    pub fn rules(&self) -> impl Iterator<Item = (&str, Tier, Class)> {
        self.rules.iter().map(|r| (r.id.as_str(), r.tier, r.class))
    }

    /// The provider codes of the table that `text` carries, read for `isp`.
    pub fn codes_in(&self, isp: &str, text: &str) -> Vec<&ProviderCode> {
        super::codes::found_in(self.codes, isp, text)
    }

    fn rule_match(&self, rule: &Rule, lower: &str, status: Option<&str>) -> RuleMatch {
        let by_pattern = rule
            .text
            .and_then(|index| compile_alone(&self.patterns[index]))
            .and_then(|re| {
                re.find(lower.as_bytes())
                    .map(|m| String::from_utf8_lossy(m.as_bytes()).trim().to_string())
            });
        let by_token = rule.token.as_ref().and_then(|code| {
            super::codes::tokens(lower)
                .into_iter()
                .find(|t| code.is_in(&[t]))
                .map(String::from)
        });
        let matched = by_pattern.or(by_token);
        RuleMatch {
            rule: rule.id.clone(),
            tier: rule.tier.name(),
            class: rule.class,
            matched,
            status: rule.status.as_ref().and(status.map(String::from)),
        }
    }
}
