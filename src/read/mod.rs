//! Reading acct files: inputs, decompression, header mapping and time parsing -> records.

pub mod checkpoint;
pub mod columns;
pub mod inputs;
pub mod open;
pub mod record;
pub mod stats;
pub mod time;

use std::io::Read;

use csv::ByteRecord;

use checkpoint::{Checkpoint, TAIL_LEN, content_hash};
use columns::{Columns, TimeColumn, is_header};
use open::TailReader;
use record::{AcctRecord, RecordKind, RecordSink};
use stats::{FileStats, MalformedReason};

/// Reads one acct stream to the end, passing every well-formed row to `sink` and counting
/// everything else in the returned stats. Never fails: an I/O error ends the stream and is
/// recorded in the stats.
pub fn read_stream<R: Read>(name: String, stream: R, sink: &mut dyn RecordSink) -> FileStats {
    read_stream_from(name, stream, sink, &Checkpoint::default(), false)
}

/// Like [`read_stream`], for a stream that starts at checkpoint `start` of its file. The
/// returned stats say where the next read resumes (`end`): after the last complete row.
/// With `fingerprint`, that checkpoint also carries the hash of the bytes before it.
pub fn read_stream_from<R: Read>(
    name: String,
    stream: R,
    sink: &mut dyn RecordSink,
    start: &Checkpoint,
    fingerprint: bool,
) -> FileStats {
    let mut stats = FileStats::new(name);
    let keep = if fingerprint { 2 * READ_BUFFER } else { 1 };
    let mut source = TailReader::new(stream, keep);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(READ_BUFFER)
        .from_reader(&mut source);

    let mut row_reader = RowReader {
        columns: start.header.as_deref().map(Columns::from_header_line),
        first_line: start.line,
        stats: &mut stats,
        sink,
    };
    // One row of lookahead, so the last row can be held back when the stream ends mid-line.
    let mut current = ByteRecord::new();
    let mut next = ByteRecord::new();
    let mut have_current = false;
    // Stream position just after `current`, and just after the last row handled.
    let mut after_current = csv::Position::new();
    let mut consumed = csv::Position::new();
    let mut not_acct = false;
    loop {
        match reader.read_byte_record(&mut next) {
            Ok(true) => {
                if have_current {
                    if !row_reader.handle_row(&current) {
                        not_acct = true;
                        have_current = false;
                        break;
                    }
                    consumed = after_current.clone();
                }
                std::mem::swap(&mut current, &mut next);
                after_current = reader.position().clone();
                have_current = true;
            }
            Ok(false) => break,
            Err(err) => {
                row_reader.stats.read_error = Some(err.to_string());
                break;
            }
        }
    }
    let bytes = reader.position().byte();
    drop(reader);
    if have_current {
        // A row followed by a newline is complete, even when an error followed it.
        if source.ends_with_newline() || row_reader.stats.read_error.is_some() {
            not_acct = !row_reader.handle_row(&current);
            consumed = after_current;
        } else {
            row_reader.stats.partial_last_line = true;
        }
    }
    let header = row_reader.columns.map(|c| c.header);
    stats.bytes = bytes;
    stats.not_acct = not_acct;
    stats.end = end_checkpoint(start, &consumed, header, &source, fingerprint);
    stats
}

/// Read buffer size; the fingerprinting reader keeps twice this many bytes.
const READ_BUFFER: usize = 256 * 1024;

fn end_checkpoint<R: Read>(
    start: &Checkpoint,
    consumed: &csv::Position,
    header: Option<String>,
    source: &TailReader<R>,
    fingerprint: bool,
) -> Checkpoint {
    if consumed.byte() == 0 {
        return Checkpoint {
            header: header.or_else(|| start.header.clone()),
            ..start.clone()
        };
    }
    let tail = if fingerprint {
        source.bytes_before(consumed.byte(), TAIL_LEN)
    } else {
        &[]
    };
    Checkpoint {
        offset: start.offset + consumed.byte(),
        line: start.line + consumed.line() - 1,
        header,
        tail_len: tail.len() as u64,
        tail_hash: content_hash(tail),
    }
}

/// Turns rows into records for one stream, tracking the header in force.
struct RowReader<'a> {
    columns: Option<Columns>,
    /// Lines of the file before the stream started.
    first_line: u64,
    stats: &'a mut FileStats,
    sink: &'a mut dyn RecordSink,
}

impl RowReader<'_> {
    /// Handles one row. Returns false when the stream is not an acct file at all: its first
    /// row is neither a header nor a record of a known type.
    fn handle_row(&mut self, row: &ByteRecord) -> bool {
        let line = self.first_line + row.position().map_or(0, |p| p.line());
        if is_header(row) {
            self.columns = Some(Columns::from_header(row));
            return true;
        }
        if row.len() == 1 && row.get(0).is_some_and(|f| f.is_empty()) {
            return true; // blank line
        }
        if self.columns.is_none() && RecordKind::parse(&row[0]).is_none() {
            return false;
        }
        self.handle_record(row, line);
        true
    }

    fn handle_record(&mut self, row: &ByteRecord, line: u64) {
        let stats = &mut *self.stats;
        let cols = self
            .columns
            .get_or_insert_with(|| Columns::from_header(&Columns::default_header()));
        if row.len() != cols.width {
            stats.count_malformed(line, MalformedReason::WrongFieldCount);
            return;
        }
        let Some(kind) = RecordKind::parse(&row[cols.kind]) else {
            stats.count_malformed(line, MalformedReason::UnknownType);
            return;
        };
        let time_field = match cols.time {
            TimeColumn::Logged(i) => &row[i],
            TimeColumn::Fallback(i, name) => {
                stats.time_fallback = Some(name);
                &row[i]
            }
            TimeColumn::Missing => {
                stats.count_malformed(line, MalformedReason::NoTimeColumn);
                return;
            }
        };
        let Some(time) = time::parse_time(time_field) else {
            stats.count_malformed(line, MalformedReason::BadTime);
            return;
        };
        stats.count_row(kind, time);
        if kind == RecordKind::NotCounted {
            return;
        }
        let field = |index: Option<usize>| index.map_or(&b""[..], |i| &row[i]);
        self.sink.record(&AcctRecord {
            kind,
            time,
            rcpt: field(cols.rcpt),
            dsn_status: field(cols.dsn_status),
            dsn_diag: field(cols.dsn_diag),
            dsn_mta: field(cols.dsn_mta),
            bounce_cat: field(cols.bounce_cat),
            source_ip: field(cols.source_ip),
            vmta: field(cols.vmta),
            pool: field(cols.pool),
            queue: field(cols.queue),
        });
    }
}
