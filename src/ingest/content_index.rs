//! The index of file contents already in the store, by the hash of their first bytes (the
//! header and the first rows, which carry times and message ids), so that a renamed, rotated
//! or compressed file is recognised as content read before, whatever it is called now.

use std::collections::HashMap;

use crate::read::checkpoint::{HEAD_LEN, content_hash};
use crate::store::content::Content;

/// The store's contents, findable by their first bytes.
pub struct ContentIndex {
    pub contents: Vec<Content>,
    /// (head length, head hash) -> index in `contents`.
    by_head: HashMap<(u64, i64), usize>,
    /// The distinct head lengths, longest first.
    head_lens: Vec<u64>,
}

impl ContentIndex {
    pub fn new(contents: Vec<Content>) -> Self {
        let mut index = ContentIndex {
            contents: Vec::new(),
            by_head: HashMap::new(),
            head_lens: Vec::new(),
        };
        for content in contents {
            index.add(content);
        }
        index
    }

    /// Adds a content; returns its index.
    pub fn add(&mut self, content: Content) -> usize {
        let at = self.contents.len();
        self.register(content.head_len, content.head_hash, at);
        self.contents.push(content);
        at
    }

    fn register(&mut self, head_len: u64, head_hash: i64, at: usize) {
        self.by_head.insert((head_len, head_hash), at);
        if !self.head_lens.contains(&head_len) {
            self.head_lens.push(head_len);
            self.head_lens.sort_unstable_by(|a, b| b.cmp(a));
        }
    }

    /// The content a file starting with `head` continues, if any (the longest match).
    pub fn find(&self, head: &[u8]) -> Option<usize> {
        self.head_lens
            .iter()
            .filter(|&&len| len > 0 && len as usize <= head.len())
            .find_map(|&len| {
                let hash = content_hash(&head[..len as usize]);
                self.by_head.get(&(len, hash)).copied()
            })
    }

    /// Lengthens a content's identifying head when it was shorter than [`HEAD_LEN`] (the
    /// file was small when first read) and `head` now has more of it.
    pub fn extend_head(&mut self, at: usize, head: &[u8]) {
        let content = &self.contents[at];
        let len = head.len().min(HEAD_LEN).min(content.end.offset as usize) as u64;
        if len <= content.head_len {
            return;
        }
        self.by_head.remove(&(content.head_len, content.head_hash));
        let hash = content_hash(&head[..len as usize]);
        let content = &mut self.contents[at];
        content.head_len = len;
        content.head_hash = hash;
        self.register(len, hash, at);
    }
}
