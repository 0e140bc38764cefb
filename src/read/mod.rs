//! Reading acct files: inputs, decompression, header mapping and time parsing -> records.

pub mod columns;
pub mod inputs;
pub mod open;
pub mod record;
pub mod stats;
pub mod time;

use std::io::Read;

use csv::ByteRecord;

use columns::{Columns, TimeColumn, is_header};
use open::LastByteReader;
use record::{AcctRecord, RecordKind, RecordSink};
use stats::{FileStats, MalformedReason};

/// Reads one acct stream to the end, passing every well-formed row to `sink` and counting
/// everything else in the returned stats. Never fails: an I/O error ends the stream and is
/// recorded in the stats.
pub fn read_stream<R: Read>(name: String, stream: R, sink: &mut dyn RecordSink) -> FileStats {
    let mut stats = FileStats::new(name);
    let mut source = LastByteReader::new(stream);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(&mut source);

    let mut columns: Option<Columns> = None;
    // One row of lookahead, so the last row can be held back when the stream ends mid-line.
    let mut current = ByteRecord::new();
    let mut next = ByteRecord::new();
    let mut have_current = false;
    loop {
        match reader.read_byte_record(&mut next) {
            Ok(true) => {
                if have_current && !handle_row(&current, &mut columns, &mut stats, sink) {
                    stats.not_acct = true;
                    have_current = false;
                    break;
                }
                std::mem::swap(&mut current, &mut next);
                have_current = true;
            }
            Ok(false) => break,
            Err(err) => {
                stats.read_error = Some(err.to_string());
                break;
            }
        }
    }
    stats.bytes = reader.position().byte();
    drop(reader);
    if stats.not_acct {
        return stats;
    }
    if have_current {
        if source.ends_with_newline() || stats.read_error.is_some() {
            stats.not_acct = !handle_row(&current, &mut columns, &mut stats, sink);
        } else {
            stats.partial_last_line = true;
        }
    }
    stats
}

/// Handles one row. Returns false when the stream is not an acct file at all: its first
/// row is neither a header nor a record of a known type.
fn handle_row(
    row: &ByteRecord,
    columns: &mut Option<Columns>,
    stats: &mut FileStats,
    sink: &mut dyn RecordSink,
) -> bool {
    let line = row.position().map_or(0, |p| p.line());
    if is_header(row) {
        *columns = Some(Columns::from_header(row));
        return true;
    }
    if row.len() == 1 && row.get(0).is_some_and(|f| f.is_empty()) {
        return true; // blank line
    }
    if columns.is_none() && RecordKind::parse(&row[0]).is_none() {
        return false;
    }
    handle_record(row, line, columns, stats, sink);
    true
}

fn handle_record(
    row: &ByteRecord,
    line: u64,
    columns: &mut Option<Columns>,
    stats: &mut FileStats,
    sink: &mut dyn RecordSink,
) {
    let cols = columns.get_or_insert_with(|| Columns::from_header(&Columns::default_header()));
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
    sink.record(&AcctRecord {
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
