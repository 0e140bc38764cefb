//! Provider code tables (`codes.tsv`): the codes providers put in their replies (Gmail's
//! 4.7.28, Microsoft's S3150, Yahoo's TSS04, Orange's OFR004_104, Comcast's BL000010 ...),
//! each with what the provider says it means, its class and the provider's remediation page.
//! Kept as data, from the providers' documentation, so a code is added without touching
//! the rules; the classifier matches them before any phrase.

use std::sync::LazyLock;

use super::Class;

/// One documented code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderCode {
    /// Who documents it: `Gmail`, `Microsoft`, `Yahoo/AOL` ...
    pub provider: String,
    /// The ISP ids the code is read for; empty when the code is distinctive enough to be
    /// read in any reply (`TSS04`, `S3150`), not only in its provider's.
    pub isps: Vec<String>,
    /// The code as it appears inside replies, matched as a whole token, case-insensitively.
    pub code: String,
    /// The class the code decides; `None` when the code alone does not decide (Gmail's
    /// 5.7.1 covers several causes) and is only explained.
    pub class: Option<Class>,
    /// What the provider says it means.
    pub meaning: String,
    /// The provider's page on it.
    pub link: String,
    /// Where the row was read: a documentation page, or a repository path at a commit.
    pub source: String,
}

impl ProviderCode {
    /// Whether this code is read for replies from `isp`.
    pub fn applies_to(&self, isp: &str) -> bool {
        self.isps.is_empty() || self.isps.iter().any(|i| i == isp)
    }

    /// The pattern that finds the code in lowercased reply text: the code as a whole token,
    /// not part of a longer code (`5.7.1` is not found in `5.7.128`). A range of enhanced
    /// codes (`5.7.606-649`) finds each code in it.
    pub fn pattern(&self) -> String {
        let code = self.code.to_ascii_lowercase();
        let codes = match enhanced_range(&code) {
            Some((prefix, low, high)) => (low..=high)
                .map(|n| regex_syntax::escape(&format!("{prefix}{n}")))
                .collect::<Vec<_>>()
                .join("|"),
            None => regex_syntax::escape(&code),
        };
        format!(r"(?:^|[^a-z0-9_.])(?:{codes})(?:$|[^a-z0-9_]|\.(?:$|[^0-9]))")
    }
}

/// How a code is found without the automaton: as a whole token of the reply, or as a
/// token in a range of enhanced codes. Codes written with other characters (`(BL)`) are
/// left to a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeToken {
    Exact(String),
    Range { prefix: String, low: u32, high: u32 },
}

impl CodeToken {
    /// Whether one of `tokens` (from [`tokens`]) is this code.
    pub fn is_in(&self, tokens: &[&str]) -> bool {
        match self {
            CodeToken::Exact(code) => tokens.iter().any(|t| t == code),
            CodeToken::Range { prefix, low, high } => tokens.iter().any(|t| {
                t.strip_prefix(prefix.as_str())
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|n| (*low..=*high).contains(&n))
            }),
        }
    }
}

/// Characters a code token is made of; everything else separates tokens.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '_' | '-')
}

/// The tokens of lowercased reply text a code can be: runs of letters, digits, `.`, `:`,
/// `_` and `-`, without a trailing `.`, `:` or `-` (`5.7.1.` is `5.7.1`).
pub fn tokens(lower: &str) -> Vec<&str> {
    lower
        .split(|c: char| !is_token_char(c))
        .map(|t| t.trim_end_matches(['.', ':', '-']))
        .filter(|t| !t.is_empty())
        .collect()
}

impl ProviderCode {
    /// Whether lowercased reply text (with its [`tokens`]) carries this code: by token as
    /// the classifier finds it, else by its pattern.
    fn is_in(&self, lower: &str, tokens: &[&str]) -> bool {
        match self.token() {
            Some(token) => token.is_in(tokens),
            None => {
                lower.contains(&self.code.to_ascii_lowercase())
                    && super::matcher::compile_alone(&self.pattern())
                        .is_some_and(|re| re.is_match(lower.as_bytes()))
            }
        }
    }

    /// How this code is found by token; `None` when it needs its pattern.
    pub fn token(&self) -> Option<CodeToken> {
        let code = self.code.to_ascii_lowercase();
        if let Some((prefix, low, high)) = enhanced_range(&code) {
            return Some(CodeToken::Range {
                prefix: prefix.to_string(),
                low,
                high,
            });
        }
        let plain =
            code.chars().all(is_token_char) && !code.ends_with(['.', ':', '-']) && !code.is_empty();
        plain.then_some(CodeToken::Exact(code))
    }
}

/// `5.7.606-649` -> (`5.7.`, 606, 649).
fn enhanced_range(code: &str) -> Option<(&str, u32, u32)> {
    let (first, high) = code.split_once('-')?;
    let dot = first.rfind('.')?;
    let (prefix, low) = first.split_at(dot + 1);
    let (low, high) = (low.parse().ok()?, high.parse().ok()?);
    (prefix.split('.').count() == 3 && low <= high && high - low <= 1000)
        .then_some((prefix, low, high))
}

/// The codes of `codes` that `text` carries, read for `isp`. A range (`4.7.500-699`) is
/// left out when a code of the same provider in it was found: the code says more.
pub fn found_in<'a>(codes: &'a [ProviderCode], isp: &str, text: &str) -> Vec<&'a ProviderCode> {
    let lower = super::lowercase(text);
    let tokens = tokens(&lower);
    let mut found: Vec<&ProviderCode> = Vec::new();
    let candidates = codes
        .iter()
        .filter(|code| code.applies_to(isp) && code.is_in(&lower, &tokens));
    for code in candidates {
        let covered = enhanced_range(&code.code).is_some()
            && found
                .iter()
                .any(|f| f.provider == code.provider && enhanced_range(&f.code).is_none());
        if !covered {
            found.push(code);
        }
    }
    found
}

/// The built-in table, parsed once.
pub fn builtin() -> &'static [ProviderCode] {
    static CODES: LazyLock<Vec<ProviderCode>> =
        LazyLock::new(|| parse(include_str!("codes.tsv")).expect("built-in code table"));
    &CODES
}

/// Parses a code table: a header line, then tab-separated `provider`, `isps` (comma
/// separated, may be empty), `code`, `class` (`-` to explain only), `meaning`, `link`,
/// `source`. Lines starting with `#` are comments.
pub fn parse(text: &str) -> Result<Vec<ProviderCode>, String> {
    let mut codes = Vec::new();
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let expected = "provider\tisps\tcode\tclass\tmeaning\tlink\tsource";
    match lines.next() {
        Some((_, header)) if header.trim_end() == expected => {}
        _ => return Err(format!("the first line must be the header `{expected}`")),
    }
    for (index, line) in lines {
        let fields: Vec<&str> = line.split('\t').collect();
        let [provider, isps, code, class, meaning, link, source] = fields[..] else {
            return Err(format!(
                "line {}: {} fields, expected 7",
                index + 1,
                fields.len()
            ));
        };
        let class = match class.trim() {
            "-" => None,
            id => Some(
                Class::from_id(id)
                    .ok_or_else(|| format!("line {}: unknown class `{id}`", index + 1))?,
            ),
        };
        if code.trim().is_empty() {
            return Err(format!("line {}: empty code", index + 1));
        }
        codes.push(ProviderCode {
            provider: provider.trim().to_string(),
            isps: isps
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            code: code.trim().to_string(),
            class,
            meaning: meaning.trim().to_string(),
            link: link.trim().to_string(),
            source: source.trim().to_string(),
        });
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_table_parses_and_names_known_isps() {
        let isp_ids: std::collections::HashSet<&str> = crate::isp::builtin_isp_ids().collect();
        let codes = builtin();
        assert!(codes.len() >= 100, "{} codes", codes.len());
        for code in codes {
            for isp in &code.isps {
                assert!(isp_ids.contains(isp.as_str()), "{}: ISP `{isp}`", code.code);
            }
            assert!(
                code.link.starts_with("http"),
                "{}: {}",
                code.code,
                code.link
            );
            assert!(!code.source.is_empty(), "{}", code.code);
            assert!(!code.meaning.is_empty(), "{}", code.code);
        }
    }

    #[test]
    fn a_code_is_found_only_as_a_whole_token() {
        let code = ProviderCode {
            provider: "x".into(),
            isps: vec![],
            code: "5.7.1".into(),
            class: None,
            meaning: "m".into(),
            link: "https://example.test".into(),
            source: "test".into(),
        };
        let re = regex::Regex::new(&code.pattern()).unwrap();
        assert!(re.is_match("550 5.7.1 go away"));
        assert!(re.is_match("550 5.7.1. go away"));
        assert!(re.is_match("550-5.7.1"));
        assert!(!re.is_match("550 5.7.128 go away"));
        assert!(!re.is_match("550 15.7.1 go away"));
        let range = ProviderCode {
            code: "5.7.606-649".into(),
            ..code
        };
        let re = regex::Regex::new(&range.pattern()).unwrap();
        assert!(re.is_match("550 5.7.606 access denied"));
        assert!(re.is_match("550 5.7.649 access denied"));
        assert!(!re.is_match("550 5.7.650 access denied"));
    }

    #[test]
    fn codes_are_found_as_whole_tokens() {
        let lower = "550 5.7.1. [tss04] rtr:bl: (s3150) aup#cdrbl 4.7.606 x5.7.1";
        let tokens = tokens(lower);
        let exact = |c: &str| CodeToken::Exact(c.into()).is_in(&tokens);
        assert!(
            exact("5.7.1") && exact("tss04") && exact("rtr:bl") && exact("s3150") && exact("cdrbl")
        );
        assert!(!exact("5.7") && !exact("bl") && !exact("tss0"));
        let range = |low, high| {
            CodeToken::Range {
                prefix: "4.7.".into(),
                low,
                high,
            }
            .is_in(&tokens)
        };
        assert!(range(600, 649) && !range(650, 699));
        let code = |c: &str| ProviderCode {
            provider: "x".into(),
            isps: vec![],
            code: c.into(),
            class: None,
            meaning: "m".into(),
            link: "https://example.test".into(),
            source: "test".into(),
        };
        assert_eq!(
            code("TSS04").token(),
            Some(CodeToken::Exact("tss04".into()))
        );
        assert_eq!(code("(BL)").token(), None);
    }

    #[test]
    fn a_range_is_found_and_gives_way_to_a_code_in_it() {
        let row = |code: &str| ProviderCode {
            provider: "Microsoft".into(),
            isps: vec![],
            code: code.into(),
            class: Some(Class::RateLimited),
            meaning: "m".into(),
            link: "https://example.test".into(),
            source: "test".into(),
        };
        let table = [row("4.7.500"), row("4.7.500-699")];
        let codes = |text| {
            found_in(&table, "other", text)
                .into_iter()
                .map(|c| c.code.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(codes("451 4.7.606 access denied"), ["4.7.500-699"]);
        assert_eq!(codes("451 4.7.500 server busy"), ["4.7.500"]);
        assert!(codes("451 4.7.700 busy").is_empty());
    }

    #[test]
    fn bad_tables_say_which_line() {
        assert!(parse("nope").unwrap_err().contains("header"));
        let header = "provider\tisps\tcode\tclass\tmeaning\tlink\tsource\n";
        let err = parse(&format!("{header}X\t\tC1\tnope\tm\thttps://x\ts\n")).unwrap_err();
        assert!(err.contains("line 2: unknown class `nope`"), "{err}");
        let err = parse(&format!("{header}X\t\tC1\n")).unwrap_err();
        assert!(err.contains("3 fields"), "{err}");
    }
}
