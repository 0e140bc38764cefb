//! The automaton over reply texts: which of the rule patterns match a text. A lazy DFA
//! builds its states as texts arrive (nothing is determinized up front, so start-up stays
//! short); a PikeVM over the same NFA takes over if the DFA gives up on odd input.

use std::panic::{RefUnwindSafe, UnwindSafe};

use regex_automata::hybrid::dfa::{self as lazy, DFA};
use regex_automata::nfa::thompson::{self, NFA, WhichCaptures, pikevm::PikeVM};
use regex_automata::util::pool::Pool;
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind, PatternSet};

/// Room for the lazy DFA's states, per thread. The rule table's states over a diverse set of
/// replies (the 909 of the public corpus) take about 20 MB; in the 2 MB default they were
/// cleared and rebuilt over and over, at about 130 us a distinct reply instead of 20. The
/// cache grows only as states are built, so logs with few distinct replies use little.
/// Never giving up on the DFA: the PikeVM it fell back to was slower still.
const CACHE_BYTES: usize = 32 << 20;

type CacheFactory = Box<dyn Fn() -> Caches + Send + Sync + UnwindSafe + RefUnwindSafe>;

struct Caches {
    pikevm: thompson::pikevm::Cache,
    dfa: lazy::Cache,
}

pub struct TextMatcher {
    pikevm: PikeVM,
    dfa: DFA,
    caches: Pool<Caches, CacheFactory>,
}

impl std::fmt::Debug for TextMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextMatcher")
            .field("patterns", &self.pattern_len())
            .finish()
    }
}

/// The syntax of rule patterns: ASCII classes (replies are ASCII), no Unicode, bytes.
/// Case folding is left to each pattern (`(?i)`): the built-in ones are written for
/// lowercased text.
pub fn syntax_config() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false)
}

/// One pattern of the table compiled on its own, with the syntax the automaton uses: for
/// explanations, which need the span a pattern matched.
pub fn compile_alone(pattern: &str) -> Option<regex::bytes::Regex> {
    regex::bytes::RegexBuilder::new(pattern)
        .unicode(false)
        .build()
        .ok()
}

impl TextMatcher {
    /// Builds the matcher from parsed patterns (see [`syntax_config`]).
    pub fn new(patterns: &[regex_syntax::hir::Hir]) -> Result<TextMatcher, String> {
        let nfa: NFA = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .which_captures(WhichCaptures::None)
                    .utf8(false)
                    .nfa_size_limit(Some(64 << 20)),
            )
            .build_many_from_hir(patterns)
            .map_err(|e| e.to_string())?;
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(CACHE_BYTES)
                    .minimum_cache_clear_count(None),
            )
            .build_from_nfa(nfa.clone())
            .map_err(|e| e.to_string())?;
        let pikevm = PikeVM::builder()
            .configure(PikeVM::config().match_kind(MatchKind::All))
            .build_from_nfa(nfa)
            .map_err(|e| e.to_string())?;
        let (for_pikevm, for_dfa) = (pikevm.clone(), dfa.clone());
        let factory: CacheFactory = Box::new(move || Caches {
            pikevm: for_pikevm.create_cache(),
            dfa: for_dfa.create_cache(),
        });
        Ok(TextMatcher {
            pikevm,
            dfa,
            caches: Pool::new(factory),
        })
    }

    pub fn pattern_len(&self) -> usize {
        self.pikevm.pattern_len()
    }

    /// Every pattern that matches somewhere in `text`.
    pub fn matches(&self, text: &[u8]) -> PatternSet {
        let mut matched = PatternSet::new(self.pattern_len());
        let input = Input::new(text);
        let mut caches = self.caches.get();
        let by_dfa = self
            .dfa
            .try_which_overlapping_matches(&mut caches.dfa, &input, &mut matched)
            .is_ok();
        if !by_dfa {
            // The lazy DFA gave up (its cache thrashing on odd input).
            matched.clear();
            self.pikevm
                .which_overlapping_matches(&mut caches.pikevm, &input, &mut matched);
        }
        matched
    }
}
