//! Every reply template no rule knows, for rule writers: `deferwatch unknown`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::aggregate::{Aggregates, Hour, MORE_UNKNOWN_TEXTS, SOURCE_IP_NOT_KEPT};
use crate::timefmt::hour_rfc3339;

/// One masked, normalised reply text that no rule matched, over all the data read.
#[derive(Debug, Clone, Serialize)]
pub struct UnknownTemplate {
    pub text: String,
    pub count: u64,
    /// First and last hour it was seen in (RFC 3339, UTC).
    pub first_seen: String,
    pub last_seen: String,
    /// ISPs with their counts, most first.
    pub isps: Vec<(String, u64)>,
    /// Source IPs that got it; empty when the counts came from a store, which does not
    /// keep them (see `source_ips_kept`).
    pub source_ips: Vec<String>,
    pub source_ips_kept: bool,
}

/// Every unknown template, most frequent first. The distinct texts beyond the
/// aggregator's cap are one entry, `(further distinct texts, not kept)`.
pub fn unknown_templates(aggregates: &Aggregates) -> Vec<UnknownTemplate> {
    struct Acc {
        count: u64,
        first: Hour,
        last: Hour,
        isps: HashMap<u32, u64>,
        ips: BTreeSet<u32>,
        ips_unknown: bool,
    }
    let mut by_text: BTreeMap<u32, Acc> = BTreeMap::new();
    for (key, &count) in &aggregates.unknown {
        let acc = by_text.entry(key.text).or_insert(Acc {
            count: 0,
            first: key.hour,
            last: key.hour,
            isps: HashMap::new(),
            ips: BTreeSet::new(),
            ips_unknown: false,
        });
        acc.count += count;
        acc.first = acc.first.min(key.hour);
        acc.last = acc.last.max(key.hour);
        *acc.isps.entry(key.isp).or_default() += count;
        if key.source_ip == SOURCE_IP_NOT_KEPT {
            acc.ips_unknown = true;
        } else {
            acc.ips.insert(key.source_ip);
        }
    }
    let mut out: Vec<UnknownTemplate> = by_text
        .into_iter()
        .map(|(text, acc)| {
            let mut isps: Vec<(String, u64)> = acc
                .isps
                .into_iter()
                .map(|(isp, n)| (aggregates.isps.name(isp).to_string(), n))
                .collect();
            isps.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut source_ips: Vec<String> = acc
                .ips
                .into_iter()
                .map(|ip| aggregates.source_ips.name(ip).to_string())
                .collect();
            source_ips.sort();
            UnknownTemplate {
                text: if text == MORE_UNKNOWN_TEXTS {
                    "(further distinct texts, not kept)".to_string()
                } else {
                    aggregates.unknown_texts.name(text).to_string()
                },
                count: acc.count,
                first_seen: hour_rfc3339(i64::from(acc.first)),
                last_seen: hour_rfc3339(i64::from(acc.last)),
                isps,
                source_ips,
                source_ips_kept: !acc.ips_unknown,
            }
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.text.cmp(&b.text)));
    out
}
