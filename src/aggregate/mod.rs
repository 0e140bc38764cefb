//! Records -> hourly aggregates keyed by interned ids, with the memos that decide each row's
//! ISP, sender and reply class once per distinct value.

pub mod intern;
pub mod memo;
pub mod parallel;

use std::collections::HashMap;

use foldhash::fast::RandomState;

use crate::classify::normalize::{mask_local_part, recipient_local_part};
use crate::classify::{Class, Classifier, NO_RULE, RawReply};
use crate::isp::{IspInputs, IspResolver};
use crate::read::record::{AcctRecord, RecordKind, RecordSink};
use intern::Interner;
use memo::{Memo, key_hash};

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

/// A cell without its hour. Logs repeat a few thousand of these over every hour, so cells
/// are counted under a series id within their hour's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Series {
    isp: u32,
    source_ip: u32,
    vmta: u32,
    pool: u32,
    kind: RecordKind,
    class: Option<Class>,
}

impl AggKey {
    fn series(&self) -> Series {
        Series {
            isp: self.isp,
            source_ip: self.source_ip,
            vmta: self.vmta,
            pool: self.pool,
            kind: self.kind,
            class: self.class,
        }
    }

    fn of(hour: Hour, series: Series) -> AggKey {
        AggKey {
            hour,
            isp: series.isp,
            source_ip: series.source_ip,
            vmta: series.vmta,
            pool: series.pool,
            kind: series.kind,
            class: series.class,
        }
    }
}

/// Key of the unknown-reply counts: text, ISP, source IP, hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnknownKey {
    pub text: u32,
    pub isp: u32,
    /// An id in `source_ips`, or [`SOURCE_IP_NOT_KEPT`] for counts read from a store.
    pub source_ip: u32,
    pub hour: Hour,
}

/// The source IP of unknown-reply counts read from a store, which keeps them per text,
/// ISP and hour only.
pub const SOURCE_IP_NOT_KEPT: u32 = u32::MAX;

/// Key of the sample replies: UTC day (days since the epoch), ISP, source IP and class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SampleKey {
    pub day: i32,
    pub isp: u32,
    pub source_ip: u32,
    pub class: Class,
}

/// One reply text (masked and normalized) that stands for a sample key's replies: of all
/// the texts seen under the key, the one with the smallest hash, so the choice does not
/// depend on the order in which files, threads or stores are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub hash: u64,
    pub text: String,
}

/// The hash that decides which text is a key's sample; 63 bits, so that the store's
/// signed integers order it the same way.
pub fn sample_hash(text: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text) >> 1
}

/// Row counts per aggregate cell, with the names behind the interned ids.
#[derive(Debug, Default, Clone)]
pub struct Aggregates {
    pub isps: Interner,
    pub source_ips: Interner,
    pub vmtas: Interner,
    pub pools: Interner,
    /// The distinct series, indexed by their ids.
    series: Vec<Series>,
    series_ids: HashMap<Series, u32, RandomState>,
    /// Row counts by series id, one table per hour, in hour order. Logs arrive roughly in
    /// time order, so a row lands in the table of the hour before it, which is small enough
    /// to stay in the cache however many sending IPs the fleet has; and a query reads only
    /// the hours of its window.
    hours: Vec<HourCells>,
    /// The index in `hours` of the last hour counted.
    last_slot: usize,
    /// Reply texts no rule knows (masked), and how often each was seen.
    pub unknown_texts: Interner,
    pub unknown: HashMap<UnknownKey, u64, RandomState>,
    /// A sample reply per UTC day, ISP, source IP and class (deferrals and bounces).
    pub samples: HashMap<SampleKey, Sample, RandomState>,
}

impl Aggregates {
    /// No rows yet, with the ISP, IP, VirtualMTA and pool ids of `other`.
    pub fn with_names_of(other: &Aggregates) -> Aggregates {
        Aggregates {
            isps: other.isps.clone(),
            source_ips: other.source_ips.clone(),
            vmtas: other.vmtas.clone(),
            pools: other.pools.clone(),
            ..Aggregates::default()
        }
    }

    /// Adds `other` into `self`, re-mapping its ids.
    pub fn merge(&mut self, other: &Aggregates) {
        let isps = self.isps.absorb(&other.isps);
        let ips = self.source_ips.absorb(&other.source_ips);
        let vmtas = self.vmtas.absorb(&other.vmtas);
        let pools = self.pools.absorb(&other.pools);
        // Each of `other`'s series is mapped once; its cells then only add.
        let series: Vec<u32> = other
            .series
            .iter()
            .map(|series| {
                self.series_id(Series {
                    isp: isps[series.isp as usize],
                    source_ip: ips[series.source_ip as usize],
                    vmta: vmtas[series.vmta as usize],
                    pool: pools[series.pool as usize],
                    ..*series
                })
            })
            .collect();
        for cells in &other.hours {
            let counts = self.hour_cells(cells.hour);
            counts.reserve(cells.counts.len());
            for (&id, &count) in &cells.counts {
                *counts.entry(series[id as usize]).or_insert(0) += count;
            }
        }
        for (key, count) in &other.unknown {
            let text = if key.text == MORE_UNKNOWN_TEXTS {
                MORE_UNKNOWN_TEXTS
            } else {
                self.unknown_text_id(other.unknown_texts.name(key.text).as_bytes())
            };
            let source_ip = if key.source_ip == SOURCE_IP_NOT_KEPT {
                SOURCE_IP_NOT_KEPT
            } else {
                ips[key.source_ip as usize]
            };
            let key = UnknownKey {
                text,
                isp: isps[key.isp as usize],
                source_ip,
                hour: key.hour,
            };
            *self.unknown.entry(key).or_insert(0) += count;
        }
        for (key, sample) in &other.samples {
            let key = SampleKey {
                isp: isps[key.isp as usize],
                source_ip: ips[key.source_ip as usize],
                ..*key
            };
            self.offer_sample(key, sample.hash, || sample.text.clone());
        }
    }

    /// Keeps `text` as the sample of `key` when its hash is the smallest seen there.
    pub fn offer_sample(&mut self, key: SampleKey, hash: u64, text: impl FnOnce() -> String) {
        match self.samples.get_mut(&key) {
            Some(kept) if kept.hash <= hash => {}
            Some(kept) => *kept = Sample { hash, text: text() },
            None => {
                self.samples.insert(key, Sample { hash, text: text() });
            }
        }
    }

    /// Counts `count` rows in the cell `key`.
    pub fn add(&mut self, key: AggKey, count: u64) {
        let series = self.series_id(key.series());
        *self.hour_cells(key.hour).entry(series).or_insert(0) += count;
    }

    /// The series id of `key`'s cell (its hour aside), made when it is new.
    pub fn series_of(&mut self, key: &AggKey) -> u32 {
        self.series_id(key.series())
    }

    /// Counts the cells of `hour` given by series id ([`Aggregates::series_of`]) at once.
    pub fn add_to_hour(&mut self, hour: Hour, cells: &[(u32, u64)]) {
        let counts = self.hour_cells(hour);
        counts.reserve(cells.len());
        for &(series, count) in cells {
            *counts.entry(series).or_insert(0) += count;
        }
    }

    /// The table of `hour`, made when it is new.
    fn hour_cells(&mut self, hour: Hour) -> &mut HashMap<u32, u64, RandomState> {
        let slot = match self.hours.get(self.last_slot) {
            Some(cells) if cells.hour == hour => self.last_slot,
            _ => match self.hours.binary_search_by_key(&hour, |cells| cells.hour) {
                Ok(slot) => slot,
                Err(slot) => {
                    let counts = HashMap::default();
                    self.hours.insert(slot, HourCells { hour, counts });
                    slot
                }
            },
        };
        self.last_slot = slot;
        &mut self.hours[slot].counts
    }

    fn series_id(&mut self, series: Series) -> u32 {
        if let Some(&id) = self.series_ids.get(&series) {
            return id;
        }
        let id = self.series.len() as u32;
        self.series.push(series);
        self.series_ids.insert(series, id);
        id
    }

    /// The cells of the hours `[from, to)` with their row counts, by hour, in no particular
    /// order within an hour.
    pub fn cells_between(&self, from: Hour, to: Hour) -> impl Iterator<Item = (AggKey, u64)> + '_ {
        let first = self.hours.partition_point(|cells| cells.hour < from);
        self.hours[first..]
            .iter()
            .take_while(move |cells| cells.hour < to)
            .flat_map(move |cells| {
                cells.counts.iter().map(move |(&series, &count)| {
                    (AggKey::of(cells.hour, self.series[series as usize]), count)
                })
            })
    }

    /// The hours `[from, to)` with their cells as series ids and row counts.
    pub fn hours_between(
        &self,
        from: Hour,
        to: Hour,
    ) -> impl Iterator<Item = (Hour, impl Iterator<Item = (u32, u64)> + '_)> + '_ {
        let first = self.hours.partition_point(|cells| cells.hour < from);
        self.hours[first..]
            .iter()
            .take_while(move |cells| cells.hour < to)
            .map(|cells| (cells.hour, cells.counts.iter().map(|(&id, &n)| (id, n))))
    }

    /// The cell of series `id` at `hour`.
    pub fn series_cell(&self, id: u32, hour: Hour) -> AggKey {
        AggKey::of(hour, self.series[id as usize])
    }

    /// How many distinct series (cells without their hour) there are.
    pub fn series_count(&self) -> usize {
        self.series.len()
    }

    pub fn cell_count(&self) -> usize {
        self.hours.iter().map(|cells| cells.counts.len()).sum()
    }

    /// The latest hour with a row.
    pub fn last_hour(&self) -> Option<Hour> {
        self.hours.last().map(|cells| cells.hour)
    }

    fn unknown_text_id(&mut self, text: &[u8]) -> u32 {
        if self.unknown_texts.len() >= UNKNOWN_TEXTS_KEPT {
            return MORE_UNKNOWN_TEXTS;
        }
        self.unknown_texts.intern(text)
    }

    pub fn total_rows(&self) -> u64 {
        let hours = self.hours.iter();
        hours.flat_map(|cells| cells.counts.values()).sum()
    }
}

/// The cells of one hour: row counts by series id.
#[derive(Debug, Clone)]
struct HourCells {
    hour: Hour,
    counts: HashMap<u32, u64, RandomState>,
}

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
