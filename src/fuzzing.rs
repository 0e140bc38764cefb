//! What the fuzz targets run (`fuzz/`, with cargo fuzz) and `tests/fuzz.rs` runs for a
//! bounded time on every build: each takes arbitrary bytes and must neither panic nor hang,
//! and checks what must hold whatever the input.

use std::path::Path;
use std::sync::LazyLock;

use crate::audit::pmta::PmtaConfig;
use crate::classify::normalize::{mask_local_part, recipient_local_part};
use crate::classify::{Classifier, RawReply};
use crate::config::file::ConfigFile;
use crate::read::acct_csv::{AcctCsv, Splitter};
use crate::read::checkpoint::Checkpoint;
use crate::read::record::{AcctRecord, RecordSink};
use crate::read::source::Source;
use crate::store::packed::{pack, unpack};

/// The built-in rules, compiled once.
static CLASSIFIER: LazyLock<Classifier> =
    LazyLock::new(|| Classifier::new(&[]).expect("the built-in rules compile"));

/// Every record a read passed on, as text.
#[derive(Default)]
struct Recorded(Vec<String>);

impl RecordSink for Recorded {
    fn record(&mut self, record: &AcctRecord<'_>) {
        self.0.push(format!("{record:?}"));
    }
}

/// Reads `data` as an acct file through both row splitters: the same records, the same
/// counts, the same checkpoint.
pub fn acct_reader(data: &[u8]) {
    let read = |splitter| {
        let mut sink = Recorded::default();
        let stats = AcctCsv {
            splitter,
            ..AcctCsv::default()
        }
        .read_from(
            "input".into(),
            data,
            &mut sink,
            &Checkpoint::default(),
            true,
        );
        (sink.0, format!("{stats:?}"))
    };
    assert_eq!(read(Splitter::Fast), read(Splitter::Plain));
}

/// Classifies `data` as a reply (its first line the recipient, the rest the reply) at a
/// few ISPs, and masks the recipient's local part in it. A verdict always names a rule.
pub fn reply(data: &[u8]) {
    let (rcpt, diag) = match memchr::memchr(b'\n', data) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&b""[..], data),
    };
    let mut mask_buf = Vec::new();
    for isp in ["gmail", "microsoft", "yahoo", "other"] {
        let raw = RawReply {
            diag,
            dsn_status: b"4.0.0 (undefined status)",
            expired_bounce: false,
        };
        let verdict = CLASSIFIER.classify_reply(isp, raw, &mut mask_buf);
        assert!(!verdict.rule.is_empty());
        if let Some(local) = recipient_local_part(rcpt) {
            let masked = mask_local_part(&verdict.text, local);
            assert!(masked.len() <= verdict.text.len());
        }
    }
}

/// Parses `data` as a PowerMTA config (its includes looked for next to a file that does
/// not exist).
pub fn pmta_config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = PmtaConfig::parse(&text, Path::new("/nonexistent/deferwatch-fuzz/config"));
}

/// Parses `data` as deferwatch's TOML config file and compiles its rules.
pub fn config_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(file) = ConfigFile::parse(&text, "fuzz.toml") {
        let _ = file.classifier();
        let _ = file.isp_resolver();
    }
}

/// Unpacks `data` as a store's packed hour (its first byte the number of cells it claims):
/// a blob that unpacks packs again to the same cells.
pub fn packed_hour(data: &[u8]) {
    let Some((&cells, blob)) = data.split_first() else {
        return;
    };
    if let Some(mut unpacked) = unpack(blob, usize::from(cells)) {
        let original = unpacked.clone();
        let repacked = pack(&mut unpacked);
        let mut sorted = original;
        sorted.sort_unstable();
        assert_eq!(unpack(&repacked, sorted.len()), Some(sorted));
    }
}
