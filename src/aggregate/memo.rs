//! A bounded memo of per-row decisions (the ISP of an MX host, recipient domain and queue
//! domain, the ids of a source IP, VirtualMTA and pool, the class of a reply), keyed by the
//! 128-bit hash of the bytes that decide them.
//!
//! Keys are hashes, not copies of the bytes: an entry is 32 bytes whatever the length of
//! the reply text. Two distinct keys sharing an xxh3-128 hash is not a practical concern
//! (below 10^-26 for a million distinct texts). When the memo is full it starts afresh, so
//! memory stays flat on logs with millions of distinct recipient domains or reply texts.

use std::collections::HashMap;

use foldhash::fast::RandomState;
use xxhash_rust::xxh3::xxh3_128;

/// How many decisions a memo keeps before starting afresh: the most a table of 65,536
/// buckets holds (7/8 of them), about 2 MB.
pub const MEMO_ENTRIES: usize = 57_344;

/// The hash under which the decision for `parts` is kept, built in `buf`. Each part is
/// length-prefixed, so no two lists of parts make the same key.
pub fn key_hash(parts: &[&[u8]], buf: &mut Vec<u8>) -> u128 {
    buf.clear();
    for part in parts {
        buf.extend_from_slice(&(part.len() as u32).to_le_bytes());
        buf.extend_from_slice(part);
    }
    xxh3_128(buf)
}

#[derive(Debug)]
pub struct Memo<V> {
    decided: HashMap<u128, V, RandomState>,
    limit: usize,
}

impl<V: Copy> Memo<V> {
    pub fn new() -> Self {
        Memo::with_limit(MEMO_ENTRIES)
    }

    /// A memo that starts afresh after `limit` decisions.
    pub fn with_limit(limit: usize) -> Self {
        Memo {
            decided: HashMap::default(),
            limit,
        }
    }

    pub fn get(&self, hash: u128) -> Option<V> {
        self.decided.get(&hash).copied()
    }

    pub fn insert(&mut self, hash: u128, decision: V) {
        if self.decided.len() >= self.limit {
            self.decided.clear();
        }
        self.decided.insert(hash, decision);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.decided.len()
    }
}

impl<V: Copy> Default for Memo<V> {
    fn default() -> Self {
        Memo::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_delimited() {
        let mut buf = Vec::new();
        let ab_c = key_hash(&[b"a\0b", b"c"], &mut buf);
        let a_bc = key_hash(&[b"a", b"\0bc"], &mut buf);
        assert_ne!(ab_c, a_bc);
        assert_eq!(ab_c, key_hash(&[b"a\0b", b"c"], &mut buf));
    }

    #[test]
    fn keeps_decisions_until_full_then_starts_afresh() {
        let mut buf = Vec::new();
        let mut memo = Memo::new();
        let first = key_hash(&[b"mx.google.com", b"gmail.com"], &mut buf);
        memo.insert(first, 7);
        assert_eq!(memo.get(first), Some(7));
        assert_eq!(memo.get(key_hash(&[b"other"], &mut buf)), None);
        for n in 1..MEMO_ENTRIES as u32 {
            memo.insert(key_hash(&[&n.to_le_bytes()], &mut buf), n);
        }
        assert_eq!(memo.len(), MEMO_ENTRIES);
        assert_eq!(memo.get(first), Some(7));
        let last = key_hash(&[b"one more"], &mut buf);
        memo.insert(last, 1);
        assert_eq!(memo.len(), 1);
        assert_eq!(memo.get(first), None);
        assert_eq!(memo.get(last), Some(1));
    }
}
