//! Records -> aggregates: the record sink each reading thread feeds, deciding each row's
//! ISP, sender and reply class once per distinct value through the memos.

use crate::classify::normalize::{mask_local_part, recipient_local_part};
use crate::classify::{Class, Classifier, NO_RULE, RawReply};
use crate::isp::{IspInputs, IspResolver};
use crate::read::record::{AcctRecord, RecordKind, RecordSink};

use super::memo::{Memo, key_hash};
use super::{AggKey, Aggregates, Hour, SampleKey, UnknownKey, sample_hash};

/// Replies kept by their bytes as written: the ones repeated byte for byte are few and
/// frequent, while those that quote a recipient or a queue id are all different and would
/// only fill a larger memo.
const RAW_CLASS_MEMO_ENTRIES: usize = 16_384;

#[derive(Debug, Clone, Copy)]
struct CachedClass {
    class: Class,
    /// Id in `unknown_texts` when the class is `other`.
    unknown_text: Option<u32>,
    /// [`sample_hash`] of the normalized text.
    sample_hash: u64,
}

/// Consumes records into [`Aggregates`]. One per worker thread; merged at the end.
pub struct Aggregator<'a> {
    classifier: &'a Classifier,
    resolver: &'a IspResolver,
    pub aggregates: Aggregates,
    isp_memo: Memo<u32>,
    sender_memo: Memo<[u32; 3]>,
    /// Classes by the masked reply, and by the row's reply bytes as they are.
    class_memo: Memo<CachedClass>,
    raw_class_memo: Memo<CachedClass>,
    key_buf: Vec<u8>,
    mask_buf: Vec<u8>,
}

impl<'a> Aggregator<'a> {
    pub fn new(classifier: &'a Classifier, resolver: &'a IspResolver) -> Self {
        Aggregator {
            classifier,
            resolver,
            aggregates: Aggregates::default(),
            isp_memo: Memo::new(),
            sender_memo: Memo::new(),
            class_memo: Memo::new(),
            raw_class_memo: Memo::with_limit(RAW_CLASS_MEMO_ENTRIES),
            key_buf: Vec::with_capacity(256),
            mask_buf: Vec::with_capacity(1024),
        }
    }

    /// The ISP id of a row; resolved once per distinct set of the inputs that decide it.
    fn isp_of(&mut self, record: &AcctRecord<'_>) -> u32 {
        let inputs = IspInputs::of_row(record.dsn_mta, record.rcpt, record.queue);
        let hash = key_hash(&inputs.key_parts(), &mut self.key_buf);
        if let Some(id) = self.isp_memo.get(hash) {
            return id;
        }
        let isp = self.resolver.resolve(&inputs);
        let id = self.aggregates.isps.intern(isp.as_bytes());
        self.isp_memo.insert(hash, id);
        id
    }

    /// The source IP, VirtualMTA and pool ids of a row; interned once per distinct triple.
    fn sender_of(&mut self, record: &AcctRecord<'_>) -> [u32; 3] {
        let [ip, vmta, pool] = [record.source_ip, record.vmta, record.pool].map(<[u8]>::trim_ascii);
        let hash = key_hash(&[ip, vmta, pool], &mut self.key_buf);
        if let Some(ids) = self.sender_memo.get(hash) {
            return ids;
        }
        let aggregates = &mut self.aggregates;
        let ids = [
            aggregates.source_ips.intern(valid_source_ip(ip)),
            aggregates.vmtas.intern(vmta),
            aggregates.pools.intern(pool),
        ];
        self.sender_memo.insert(hash, ids);
        ids
    }

    /// The class of a row's reply, decided once per distinct masked reply. Most rows repeat
    /// a reply byte for byte, so the row's own bytes are looked up first and the reply is
    /// masked only when they are new; both keys hold the ISP and the quoted local part,
    /// which the decision and the kept text depend on.
    fn class_of(&mut self, record: &AcctRecord<'_>, isp: u32) -> CachedClass {
        let expired_bounce = record.kind == RecordKind::Bounced
            && record.bounce_cat.trim_ascii() == b"message-expired";
        // The recipient's local part, when the reply quotes it without an `@` (which the
        // masking below cannot know): part of the key, as the texts kept differ by it.
        let quoted = quoted_local_part(record);
        let key = |status: &[u8], diag: &[u8], buf: &mut Vec<u8>| {
            key_hash(
                &[
                    &isp.to_le_bytes(),
                    &[u8::from(expired_bounce)],
                    status,
                    diag,
                    quoted.unwrap_or_default(),
                ],
                buf,
            )
        };
        let raw_hash = key(record.dsn_status, record.dsn_diag, &mut self.key_buf);
        if let Some(cached) = self.raw_class_memo.get(raw_hash) {
            return cached;
        }
        let reply = RawReply {
            diag: record.dsn_diag,
            dsn_status: record.dsn_status,
            expired_bounce,
        };
        let masked = reply.mask(&mut self.mask_buf);
        let hash = key(masked.dsn_status(), masked.diag(), &mut self.key_buf);
        if let Some(cached) = self.class_memo.get(hash) {
            self.raw_class_memo.insert(raw_hash, cached);
            return cached;
        }
        let isp_name = self.aggregates.isps.name(isp);
        let verdict = self.classifier.decide(isp_name, &masked);
        let shown = shown_text(verdict.text, quoted);
        let unknown_text =
            (verdict.rule == NO_RULE).then(|| self.aggregates.unknown_text_id(shown.as_bytes()));
        let cached = CachedClass {
            class: verdict.class,
            unknown_text,
            sample_hash: sample_hash(shown.as_bytes()),
        };
        self.class_memo.insert(hash, cached);
        self.raw_class_memo.insert(raw_hash, cached);
        cached
    }
}

impl RecordSink for Aggregator<'_> {
    fn record(&mut self, record: &AcctRecord<'_>) {
        let hour = record.time.div_euclid(3600) as Hour;
        let isp = self.isp_of(record);
        let [source_ip, vmta, pool] = self.sender_of(record);
        let class = if record.kind.is_classified() {
            let cached = self.class_of(record, isp);
            if let Some(text) = cached.unknown_text {
                let key = UnknownKey {
                    text,
                    isp,
                    source_ip,
                    hour,
                };
                *self.aggregates.unknown.entry(key).or_insert(0) += 1;
            }
            Some(cached)
        } else {
            None
        };
        if let Some(cached) = class.filter(|_| record.kind.is_failure()) {
            let key = SampleKey {
                day: hour.div_euclid(24),
                isp,
                source_ip,
                class: cached.class,
            };
            let mask_buf = &mut self.mask_buf;
            self.aggregates
                .offer_sample(key, cached.sample_hash, || sample_text(record, mask_buf));
        }
        let class = class.map(|cached| cached.class);
        let key = AggKey {
            hour,
            isp,
            source_ip,
            vmta,
            pool,
            kind: record.kind,
            class,
        };
        self.aggregates.add(key, 1);
    }
}

/// The name under which rows whose `dlvSourceIp` is not an IP address are counted.
pub const INVALID_SOURCE_IP: &str = "(invalid)";

/// A row's source IP as it is counted: an IP address as written, empty when there is none,
/// and [`INVALID_SOURCE_IP`] for anything else, which is never shown raw (it can carry
/// terminal escapes or newlines).
fn valid_source_ip(ip: &[u8]) -> &[u8] {
    let is_ip = std::str::from_utf8(ip).is_ok_and(|s| s.parse::<std::net::IpAddr>().is_ok());
    if ip.is_empty() || is_ip {
        ip
    } else {
        INVALID_SOURCE_IP.as_bytes()
    }
}

/// The local part of a row's recipient, when its reply quotes it (in any case).
fn quoted_local_part<'a>(record: &AcctRecord<'a>) -> Option<&'a [u8]> {
    recipient_local_part(record.rcpt).filter(|local| {
        let diag = record.dsn_diag;
        let first = local[0];
        memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), diag).any(
            |at| {
                diag[at..]
                    .get(..local.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(local))
            },
        )
    })
}

/// A reply text as it may be kept, stored and shown: masked, and without the recipient's
/// local part where the reply quotes it.
fn shown_text(text: String, quoted: Option<&[u8]>) -> String {
    match quoted {
        Some(local) => mask_local_part(&text, local),
        None => text,
    }
}

/// The normalized, masked reply of a row: what a sample shows.
fn sample_text(record: &AcctRecord<'_>, mask_buf: &mut Vec<u8>) -> String {
    let reply = RawReply {
        diag: record.dsn_diag,
        dsn_status: record.dsn_status,
        expired_bounce: false,
    };
    shown_text(
        reply.mask(mask_buf).normalize().text,
        quoted_local_part(record),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue_deferral<'a>(rcpt: &'a [u8], queue: &'a [u8]) -> AcctRecord<'a> {
        AcctRecord {
            kind: RecordKind::QueueDeferred,
            time: 0,
            rcpt,
            dsn_status: b"4.4.1 (no answer from host)",
            dsn_diag: b"",
            dsn_mta: b"",
            bounce_cat: b"",
            source_ip: b"0.0.0.0",
            vmta: b"vmta1",
            pool: b"",
            queue,
        }
    }

    fn isps_of(records: &[AcctRecord<'_>]) -> Vec<String> {
        let classifier = Classifier::new(&[]).unwrap();
        let resolver = IspResolver::new(&[], &[]);
        let mut aggregator = Aggregator::new(&classifier, &resolver);
        records
            .iter()
            .map(|record| {
                let isp = aggregator.isp_of(record);
                aggregator.aggregates.isps.name(isp).to_string()
            })
            .collect()
    }

    #[test]
    fn rows_differing_only_in_queue_domain_get_their_own_isp() {
        // No table knows the recipient domain, so the queue domain decides.
        let isps = isps_of(&[
            queue_deferral(b"bounce@corp.example", b"gmail.com/vmta1"),
            queue_deferral(b"bounce@corp.example", b"yahoo.rollup/vmta1"),
            queue_deferral(b"<bounce@>", b"gmail.com/vmta1"),
            queue_deferral(b"<bounce@>", b"hotmail.queue/vmta1"),
        ]);
        assert_eq!(isps, ["gmail", "yahoo", "gmail", "microsoft"]);
    }

    #[test]
    fn rows_without_recipient_take_the_queue_domain() {
        let isps = isps_of(&[
            queue_deferral(b"", b"gmail.com/vmta1"),
            queue_deferral(b"", b"yahoo.rollup/vmta1"),
        ]);
        assert_eq!(isps, ["gmail", "yahoo"]);
    }
}
