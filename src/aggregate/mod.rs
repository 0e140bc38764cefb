//! Hourly aggregates keyed by interned ids: one small table per hour, cells counted under
//! a series id (a cell without its hour); the record sink that fills them is in `sink`.

pub mod intern;
pub mod memo;
pub mod parallel;
mod sink;

use std::collections::HashMap;

use foldhash::fast::RandomState;

use crate::classify::Class;
use crate::read::record::RecordKind;
use intern::Interner;
pub use sink::{Aggregator, INVALID_SOURCE_IP};

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
        let mut mapped: Vec<(u32, u64)> = Vec::new();
        for cells in &other.hours {
            mapped.clear();
            mapped.extend(cells.iter().map(|(id, count)| (series[id as usize], count)));
            self.add_to_hour(cells.hour, &mapped);
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
        *self.open_hour(key.hour).entry(series).or_insert(0) += count;
    }

    /// The series id of `key`'s cell (its hour aside), made when it is new.
    pub fn series_of(&mut self, key: &AggKey) -> u32 {
        self.series_id(key.series())
    }

    /// Counts the cells of `hour` given by series id ([`Aggregates::series_of`]) at once.
    /// An hour new to the aggregates is kept settled (sorted, a third of the memory).
    pub fn add_to_hour(&mut self, hour: Hour, cells: &[(u32, u64)]) {
        let slot = self.slot_of(hour);
        self.hours[slot].add_settled(cells);
    }

    /// Keeps every hour's table settled: sorted by series, a third of the memory of a hash
    /// table. Counts are the same either way; a loader calls it when it has added all.
    pub fn settle(&mut self) {
        self.hours.iter_mut().for_each(HourCells::settle);
    }

    /// The open table of `hour`, made when it is new, for rows counted one by one.
    fn open_hour(&mut self, hour: Hour) -> &mut HashMap<u32, u64, RandomState> {
        let slot = self.slot_of(hour);
        self.hours[slot].open()
    }

    /// The index of `hour`'s table in `hours`, made when it is new.
    fn slot_of(&mut self, hour: Hour) -> usize {
        let slot = match self.hours.get(self.last_slot) {
            Some(cells) if cells.hour == hour => self.last_slot,
            _ => match self.hours.binary_search_by_key(&hour, |cells| cells.hour) {
                Ok(slot) => slot,
                Err(slot) => {
                    let counts = Table::Settled(Vec::new());
                    self.hours.insert(slot, HourCells { hour, counts });
                    slot
                }
            },
        };
        self.last_slot = slot;
        slot
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
            .map(|cells| (cells.hour, cells.iter()))
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
        self.hours.iter().map(HourCells::len).sum()
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
        hours
            .flat_map(HourCells::iter)
            .map(|(_, count)| count)
            .sum()
    }
}

/// The cells of one hour: row counts by series id, each series once.
#[derive(Debug, Clone)]
struct HourCells {
    hour: Hour,
    counts: Table,
}

/// An hour's row counts: open while rows are counted one by one (the aggregation of logs),
/// settled (sorted by series, 16 bytes a cell where a hash table takes 30 to 40) when whole
/// hours are added at once (merging partial aggregates, reading a store).
#[derive(Debug, Clone)]
enum Table {
    Open(HashMap<u32, u64, RandomState>),
    Settled(Vec<(u32, u64)>),
}

impl HourCells {
    fn iter(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        let (open, settled) = match &self.counts {
            Table::Open(counts) => (Some(counts.iter().map(|(&id, &n)| (id, n))), None),
            Table::Settled(counts) => (None, Some(counts.iter().copied())),
        };
        open.into_iter()
            .flatten()
            .chain(settled.into_iter().flatten())
    }

    fn len(&self) -> usize {
        match &self.counts {
            Table::Open(counts) => counts.len(),
            Table::Settled(counts) => counts.len(),
        }
    }

    /// The table as a hash table, to count rows one by one.
    fn open(&mut self) -> &mut HashMap<u32, u64, RandomState> {
        if let Table::Settled(counts) = &self.counts {
            self.counts = Table::Open(counts.iter().copied().collect());
        }
        match &mut self.counts {
            Table::Open(counts) => counts,
            Table::Settled(_) => unreachable!("opened above"),
        }
    }

    /// Adds `cells` (series ids in any order, each any number of times): an hour new to
    /// the table is kept settled, one added to is opened (until [`Aggregates::settle`]).
    fn add_settled(&mut self, cells: &[(u32, u64)]) {
        if let Table::Settled(counts) = &mut self.counts
            && counts.is_empty()
        {
            *counts = cells.to_vec();
            Self::settle_cells(counts);
            return;
        }
        let counts = self.open();
        counts.reserve(cells.len());
        for &(series, count) in cells {
            *counts.entry(series).or_insert(0) += count;
        }
    }

    fn settle(&mut self) {
        if let Table::Open(counts) = &mut self.counts {
            let mut settled: Vec<(u32, u64)> = counts.drain().collect();
            Self::settle_cells(&mut settled);
            self.counts = Table::Settled(settled);
        }
    }

    /// Sorts `cells` by series and sums the counts of each.
    fn settle_cells(cells: &mut Vec<(u32, u64)>) {
        cells.sort_unstable_by_key(|&(series, _)| series);
        cells.dedup_by(|next, kept| {
            let same = next.0 == kept.0;
            if same {
                kept.1 += next.1;
            }
            same
        });
        cells.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(aggregates: &Aggregates) -> Vec<(Hour, Vec<(u32, u64)>)> {
        let hours = aggregates.hours_between(Hour::MIN, Hour::MAX);
        hours
            .map(|(hour, cells)| {
                let mut cells: Vec<(u32, u64)> = cells.collect();
                cells.sort_unstable();
                (hour, cells)
            })
            .collect()
    }

    /// Whole hours added at once (settled), rows added one by one on top (opened), and
    /// settled again: the same counts, each series once per hour.
    #[test]
    fn an_hour_counts_the_same_open_or_settled() {
        let mut aggregates = Aggregates::default();
        let key = |hour, isp| AggKey {
            hour,
            isp,
            source_ip: 0,
            vmta: 0,
            pool: 0,
            kind: RecordKind::Delivered,
            class: None,
        };
        let a = aggregates.series_of(&key(5, 0));
        let b = aggregates.series_of(&key(5, 1));
        aggregates.add_to_hour(5, &[(b, 2), (a, 1), (b, 3)]);
        let settled = cells(&aggregates);
        assert_eq!(settled, vec![(5, vec![(a, 1), (b, 5)])]);
        aggregates.add(key(5, 0), 10);
        aggregates.add_to_hour(5, &[(a, 100)]);
        aggregates.add_to_hour(4, &[(a, 7)]);
        let opened = cells(&aggregates);
        assert_eq!(opened, vec![(4, vec![(a, 7)]), (5, vec![(a, 111), (b, 5)])]);
        aggregates.settle();
        assert_eq!(cells(&aggregates), opened);
        assert_eq!(aggregates.cell_count(), 3);
        assert_eq!(aggregates.total_rows(), 123);
    }
}
