//! The fast row splitter against the plain reference splitter. Every shipped test file,
//! generated logs, and random CSV soup from a fixed seed must give the same rows, fields,
//! counts, line numbers and checkpoints through both.

mod common;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use deferwatch::generate::Rng;
use deferwatch::read::acct_csv::{AcctCsv, MAX_ROW_LEN, Splitter};
use deferwatch::read::checkpoint::Checkpoint;
use deferwatch::read::open::decompress;
use deferwatch::read::record::{AcctRecord, RecordSink};
use deferwatch::read::row::{RowBuf, Split};
use deferwatch::read::source::Source;

/// Every record a read passed on, as text.
#[derive(Default)]
struct Recorded(Vec<String>);

impl RecordSink for Recorded {
    fn record(&mut self, record: &AcctRecord<'_>) {
        self.0.push(format!("{record:?}"));
    }
}

/// The records, and the stats (with the end checkpoint), of reading `content` whole.
fn read_with(splitter: Splitter, content: &[u8]) -> (Vec<String>, String) {
    let mut sink = Recorded::default();
    let stats = AcctCsv {
        splitter,
        ..AcctCsv::default()
    }
    .read_from(
        "input".into(),
        content,
        &mut sink,
        &Checkpoint::default(),
        true,
    );
    (sink.0, format!("{stats:?}"))
}

/// Every split of `content` from its start, each with its offset and fields.
fn splits(splitter: Splitter, content: &[u8], eof: bool) -> Vec<(usize, Split, Vec<Vec<u8>>)> {
    let mut row = RowBuf::default();
    let mut pos = 0;
    let mut found = Vec::new();
    loop {
        let data = &content[pos..];
        let split = splitter.split(data, eof, &mut row);
        let fields = row.row(data).iter().map(<[u8]>::to_vec).collect();
        match split {
            Split::Row { len, .. } | Split::Blank { len, .. } => {
                found.push((pos, split, fields));
                pos += len;
            }
            Split::Incomplete => {
                found.push((pos, split, Vec::new()));
                return found;
            }
        }
    }
}

/// Asserts both splitters split `content` the same way, showing the first row they
/// disagree on.
fn assert_same_splits(name: &str, content: &[u8], eof: bool) {
    let fast = splits(Splitter::Fast, content, eof);
    let plain = splits(Splitter::Plain, content, eof);
    if let Some(i) = (0..fast.len().min(plain.len())).find(|&i| fast[i] != plain[i]) {
        let at = plain[i].0;
        let shown = &content[at..content.len().min(at + 200)];
        panic!(
            "{name} (eof {eof}): split {i} at byte {at} differs\n  fast: {:?}\n plain: {:?}\n input: {:?}",
            fast[i],
            plain[i],
            String::from_utf8_lossy(shown)
        );
    }
    assert_eq!(fast.len(), plain.len(), "{name}");
}

fn assert_same_reads(name: &str, content: &[u8]) {
    let (fast_records, fast_stats) = read_with(Splitter::Fast, content);
    let (plain_records, plain_stats) = read_with(Splitter::Plain, content);
    assert_eq!(fast_stats, plain_stats, "{name}");
    assert_eq!(fast_records.len(), plain_records.len(), "{name}");
    for (fast, plain) in fast_records.iter().zip(&plain_records) {
        assert_eq!(fast, plain, "{name}");
    }
}

fn files_under(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

fn content_of(path: &Path) -> Vec<u8> {
    let mut content = Vec::new();
    decompress(Box::new(fs::File::open(path).unwrap()))
        .unwrap()
        .read_to_end(&mut content)
        .unwrap();
    content
}

#[test]
fn every_test_file_reads_the_same_through_both_splitters() {
    let mut files = Vec::new();
    files_under(Path::new("testdata"), &mut files);
    let acct_files: Vec<&PathBuf> = files
        .iter()
        .filter(|p| p.to_string_lossy().contains(".csv"))
        .collect();
    assert!(acct_files.len() > 100, "{}", acct_files.len());
    for path in acct_files {
        let content = content_of(path);
        let name = path.display().to_string();
        assert_same_reads(&name, &content);
        assert_same_splits(&name, &content, true);
    }
}

#[test]
fn generated_logs_read_the_same_through_both_splitters() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    common::run_ok(&[
        "generate",
        "--out",
        out,
        "--days",
        "2",
        "--rows-per-day",
        "30000",
        "--source-ips",
        "12",
    ]);
    let mut files = Vec::new();
    files_under(dir.path(), &mut files);
    let mut read = 0;
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
    {
        let content = content_of(path);
        assert_same_reads(&path.display().to_string(), &content);
        read += 1;
    }
    assert!(read >= 2, "{read}");
}

/// Picks one of `choices`.
fn pick<'a>(random: &mut Rng, choices: &[&'a [u8]]) -> &'a [u8] {
    choices[random.below(choices.len())]
}

/// A CSV-like stream: mostly well-formed rows, with quoted fields holding commas, line
/// breaks and doubled quotes, and now and then stray quotes, bare CRs, text after a
/// closing quote, blank lines and a cut-off end.
fn csv_soup(random: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..random.below(40) {
        let fields = 1 + random.below(30);
        for f in 0..fields {
            if f > 0 {
                out.push(b',');
            }
            match random.below(10) {
                0..=4 => {
                    for _ in 0..random.below(70) {
                        out.extend_from_slice(pick(random, &[b"a", b"5", b" ", b";", b".", b"x"]));
                    }
                }
                5..=7 => {
                    out.push(b'"');
                    for _ in 0..random.below(90) {
                        out.extend_from_slice(pick(
                            random,
                            &[b"a", b"b", b",", b"\"\"", b"\n", b"\r\n", b"\r", b" ", b"z"],
                        ));
                    }
                    out.push(b'"');
                }
                _ => {
                    for _ in 0..random.below(8) {
                        out.extend_from_slice(pick(random, &[b"\"", b"a", b"\r", b",", b"b"]));
                    }
                }
            }
        }
        out.extend_from_slice(pick(
            random,
            &[b"\n", b"\r\n", b"\r\n", b"\r", b"\n\n", b"\r\n\r\n"],
        ));
    }
    let keep = out.len() - random.below(out.len() / 8 + 1);
    out.truncate(keep);
    out
}

#[test]
fn random_csv_soup_splits_the_same_through_both_splitters() {
    let mut random = Rng(20261122);
    for case in 0..3000 {
        let content = csv_soup(&mut random);
        for eof in [true, false] {
            assert_same_splits(&format!("case {case}"), &content, eof);
        }
        assert_same_reads(&format!("case {case}"), &content);
    }
}

#[test]
fn a_row_longer_than_the_limit_is_skipped_the_same_way() {
    let original = common::sample_lines(1).concat().into_bytes();
    let mut content = original.clone();
    let header_end = content.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut runaway = b"t,2026-10-31 10:00:00+0000,\"an unclosed quote".to_vec();
    runaway.extend(std::iter::repeat_n(b'x', MAX_ROW_LEN));
    runaway.extend_from_slice(b"\r\n");
    content.splice(header_end..header_end, runaway);
    assert_same_reads("runaway quote", &content);
    let (records, stats) = read_with(Splitter::Fast, &content);
    // The quote never closes: the row ends where the next row starts.
    assert!(stats.contains("malformed: {UnbalancedQuote: 1}"), "{stats}");
    assert!(
        stats.contains("line: 2, reason: UnbalancedQuote"),
        "{stats}"
    );
    // Only the runaway line is lost: every other row reads as without it.
    assert_eq!(records, read_with(Splitter::Fast, &original).0);
}
