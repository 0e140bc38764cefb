//! One read per content: `acct.csv` next to its rotated `acct.csv.gz` or `.csv.old` copy is
//! the same rows under two names, and a review that read both would count them twice.
//! Files are recognised by their first bytes, decompressed, as `ingest` recognises content
//! it has read before: a file whose first bytes begin another's is an earlier copy of the
//! same log, and only the longest copy is read.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::checkpoint::{HEAD_LEN, content_hash};
use super::inputs::Input;
use super::open::{decompress, read_head};

/// A copy left unread, and the file read for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SameContent {
    pub skipped: String,
    pub read: String,
}

impl SameContent {
    pub fn describe(&self) -> String {
        format!(
            "{}: the same content as {} (a rotated or compressed copy); read once",
            self.skipped, self.read
        )
    }
}

/// `inputs` with each content read once (the longest copy, in the original order), and
/// the copies left out. Files that cannot be read are kept: reading them reports why.
pub fn distinct_contents(inputs: Vec<Input>) -> (Vec<Input>, Vec<SameContent>) {
    let heads: Vec<Option<Vec<u8>>> = inputs
        .iter()
        .map(|input| match input {
            Input::File(path) => read_head(path).ok().filter(|head| identifies(head)),
            Input::Stdin | Input::Stream(_) => None,
        })
        .collect();
    // Shortest heads first: a longer file then finds the shorter copies it continues.
    let mut order: Vec<usize> = (0..inputs.len()).filter(|&i| heads[i].is_some()).collect();
    order.sort_by_key(|&i| heads[i].as_ref().map_or(0, Vec::len));
    // (head length, head hash) -> the group's slot in `groups`.
    let mut by_head: HashMap<(usize, i64), usize> = HashMap::new();
    let mut lens: Vec<usize> = Vec::new();
    // Each group: the input read for it, and its copies.
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for i in order {
        let head = heads[i]
            .as_ref()
            .expect("only inputs with a head are ordered");
        let found = lens
            .iter()
            .rev()
            .filter(|&&len| len <= head.len())
            .find_map(|&len| by_head.get(&(len, content_hash(&head[..len]))).copied());
        let group = match found {
            Some(group) => {
                let (read, copies) = &mut groups[group];
                if is_longer(&inputs[i], &inputs[*read], head, heads[*read].as_deref()) {
                    copies.push(*read);
                    *read = i;
                } else {
                    copies.push(i);
                }
                group
            }
            None => {
                groups.push((i, Vec::new()));
                groups.len() - 1
            }
        };
        by_head.insert((head.len(), content_hash(head)), group);
        if !lens.contains(&head.len()) {
            lens.push(head.len());
            lens.sort_unstable();
        }
    }
    let mut left_out = vec![None; inputs.len()];
    for (read, copies) in &groups {
        for &copy in copies {
            left_out[copy] = Some(*read);
        }
    }
    let mut same = Vec::new();
    let mut kept = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        match left_out[i] {
            Some(read) => same.push(SameContent {
                skipped: input.display_name(),
                read: inputs[read].display_name(),
            }),
            None => kept.push(input.clone()),
        }
    }
    (kept, same)
}

/// Whether a head says enough to tell a content: at least two lines (a header and a row,
/// or two rows, which carry times and message ids). A file of just a header line begins
/// every acct file and is no copy of any.
fn identifies(head: &[u8]) -> bool {
    head.iter().filter(|&&b| b == b'\n').count() >= 2
}

/// Whether `candidate` holds more of the content than `current`: a longer head, or, when
/// both heads are full, more bytes once decompressed.
fn is_longer(candidate: &Input, current: &Input, head: &[u8], current_head: Option<&[u8]>) -> bool {
    let current_len = current_head.map_or(0, <[u8]>::len);
    if head.len() != current_len || head.len() < HEAD_LEN {
        return head.len() > current_len;
    }
    match (candidate, current) {
        (Input::File(a), Input::File(b)) => {
            content_len(a).unwrap_or(0) > content_len(b).unwrap_or(0)
        }
        _ => false,
    }
}

/// The length of a file's content, decompressed.
fn content_len(path: &Path) -> io::Result<u64> {
    let mut content = decompress(Box::new(File::open(path)?))?;
    io::copy(&mut content.by_ref(), &mut io::sink())
}
