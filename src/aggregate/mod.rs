//! Records -> hourly aggregates keyed by interned ids, with the reply-class cache.

pub mod intern;
pub mod scan;

use std::collections::HashMap;

use foldhash::fast::RandomState;

use crate::classify::{Class, Classifier, NO_RULE, normalize, normalize::mask_variable_tokens};
use crate::isp::{IspResolver, mx_host_bytes, queue_domain_bytes, rcpt_domain_bytes};
use crate::read::record::{AcctRecord, RecordKind, RecordSink};
use intern::Interner;

/// Hours since the Unix epoch (UTC).
pub type Hour = i32;

/// How many distinct unknown reply texts are kept; the rest are counted under one entry.
pub const UNKNOWN_TEXTS_KEPT: usize = 10_000;
/// The text id under which unknown replies beyond the cap are counted.
pub const MORE_UNKNOWN_TEXTS: u32 = u32::MAX;

/// One aggregate cell: hour x ISP x source IP x VirtualMTA x pool x record type x class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AggKey {
    pub hour: Hour,
    pub isp: u32,
    pub source_ip: u32,
    pub vmta: u32,
    pub pool: u32,
    pub kind: RecordKind,
    /// `None` for delivered rows.
    pub class: Option<Class>,
}

/// Key of the unknown-reply counts: text, ISP, hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnknownKey {
    pub text: u32,
    pub isp: u32,
    pub hour: Hour,
}

/// Row counts per aggregate cell, with the names behind the interned ids.
#[derive(Debug, Default, Clone)]
pub struct Aggregates {
    pub isps: Interner,
    pub source_ips: Interner,
    pub vmtas: Interner,
    pub pools: Interner,
    pub counts: HashMap<AggKey, u64, RandomState>,
    /// Reply texts no rule knows (masked), and how often each was seen.
    pub unknown_texts: Interner,
    pub unknown: HashMap<UnknownKey, u64, RandomState>,
}

impl Aggregates {
    /// Adds `other` into `self`, re-mapping its ids.
    pub fn merge(&mut self, other: &Aggregates) {
        let isps = self.isps.absorb(&other.isps);
        let ips = self.source_ips.absorb(&other.source_ips);
        let vmtas = self.vmtas.absorb(&other.vmtas);
        let pools = self.pools.absorb(&other.pools);
        for (key, count) in &other.counts {
            let key = AggKey {
                isp: isps[key.isp as usize],
                source_ip: ips[key.source_ip as usize],
                vmta: vmtas[key.vmta as usize],
                pool: pools[key.pool as usize],
                ..*key
            };
            *self.counts.entry(key).or_insert(0) += count;
        }
        for (key, count) in &other.unknown {
            let text = if key.text == MORE_UNKNOWN_TEXTS {
                MORE_UNKNOWN_TEXTS
            } else {
                self.unknown_text_id(other.unknown_texts.name(key.text).as_bytes())
            };
            let key = UnknownKey {
                text,
                isp: isps[key.isp as usize],
                hour: key.hour,
            };
            *self.unknown.entry(key).or_insert(0) += count;
        }
    }

    fn unknown_text_id(&mut self, text: &[u8]) -> u32 {
        if self.unknown_texts.len() >= UNKNOWN_TEXTS_KEPT {
            return MORE_UNKNOWN_TEXTS;
        }
        self.unknown_texts.intern(text)
    }

    pub fn total_rows(&self) -> u64 {
        self.counts.values().sum()
    }
}

#[derive(Debug, Clone, Copy)]
struct CachedClass {
    class: Class,
    /// Id in `unknown_texts` when the class is `other`.
    unknown_text: Option<u32>,
}

/// Consumes records into [`Aggregates`]. One per worker thread; merged at the end.
pub struct Aggregator<'a> {
    classifier: &'a Classifier,
    resolver: &'a IspResolver,
    pub aggregates: Aggregates,
    isp_cache: HashMap<Vec<u8>, u32, RandomState>,
    class_cache: HashMap<Vec<u8>, CachedClass, RandomState>,
    key_buf: Vec<u8>,
    mask_buf: Vec<u8>,
}

impl<'a> Aggregator<'a> {
    pub fn new(classifier: &'a Classifier, resolver: &'a IspResolver) -> Self {
        Aggregator {
            classifier,
            resolver,
            aggregates: Aggregates::default(),
            isp_cache: HashMap::default(),
            class_cache: HashMap::default(),
            key_buf: Vec::with_capacity(256),
            mask_buf: Vec::with_capacity(1024),
        }
    }

    /// The ISP id of a row; resolved once per distinct (MX host, domain) pair.
    fn isp_of(&mut self, record: &AcctRecord<'_>) -> u32 {
        let rcpt_domain = rcpt_domain_bytes(record.rcpt);
        let domain = if rcpt_domain.is_empty() {
            queue_domain_bytes(record.queue)
        } else {
            rcpt_domain
        };
        let key = &mut self.key_buf;
        key.clear();
        key.extend_from_slice(mx_host_bytes(record.dsn_mta));
        key.push(0);
        key.extend_from_slice(domain);
        if let Some(&id) = self.isp_cache.get(key.as_slice()) {
            return id;
        }
        let mx = String::from_utf8_lossy(record.dsn_mta);
        let rcpt = String::from_utf8_lossy(record.rcpt);
        let queue = String::from_utf8_lossy(record.queue);
        let isp = self.resolver.resolve(&mx, &rcpt, &queue);
        let id = self.aggregates.isps.intern(isp.as_bytes());
        self.isp_cache.insert(key.clone(), id);
        id
    }

    fn class_of(&mut self, record: &AcctRecord<'_>, isp: u32) -> CachedClass {
        let expired = record.kind == RecordKind::Bounced
            && record.bounce_cat.trim_ascii() == b"message-expired";
        mask_variable_tokens(record.dsn_diag, &mut self.mask_buf);
        let key = &mut self.key_buf;
        key.clear();
        key.extend_from_slice(&isp.to_le_bytes());
        key.push(u8::from(expired));
        key.extend_from_slice(record.dsn_status);
        key.push(0xff);
        key.extend_from_slice(&self.mask_buf);
        if let Some(&cached) = self.class_cache.get(key.as_slice()) {
            return cached;
        }
        let isp_name = self.aggregates.isps.name(isp);
        let diag = String::from_utf8_lossy(&self.mask_buf);
        let status = String::from_utf8_lossy(record.dsn_status);
        let reply = normalize(&diag, &status);
        let verdict = self.classifier.classify_reply(isp_name, expired, &reply);
        let unknown_text = (verdict.rule == NO_RULE)
            .then(|| self.aggregates.unknown_text_id(reply.text.as_bytes()));
        let cached = CachedClass {
            class: verdict.class,
            unknown_text,
        };
        self.class_cache.insert(self.key_buf.clone(), cached);
        cached
    }
}

impl RecordSink for Aggregator<'_> {
    fn record(&mut self, record: &AcctRecord<'_>) {
        let hour = record.time.div_euclid(3600) as Hour;
        let isp = self.isp_of(record);
        let class = if record.kind.is_classified() {
            let cached = self.class_of(record, isp);
            if let Some(text) = cached.unknown_text {
                let key = UnknownKey { text, isp, hour };
                *self.aggregates.unknown.entry(key).or_insert(0) += 1;
            }
            Some(cached.class)
        } else {
            None
        };
        let aggregates = &mut self.aggregates;
        let key = AggKey {
            hour,
            isp,
            source_ip: aggregates.source_ips.intern(record.source_ip.trim_ascii()),
            vmta: aggregates.vmtas.intern(record.vmta.trim_ascii()),
            pool: aggregates.pools.intern(record.pool.trim_ascii()),
            kind: record.kind,
            class,
        };
        *aggregates.counts.entry(key).or_insert(0) += 1;
    }
}
