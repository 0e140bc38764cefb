//! PowerMTA's acct CSV files as a [`Source`]: the read loop over a reused buffer, the row
//! splitter, header mapping by name (again at every repeated header line) and time parsing.

use std::io::{self, Read};
use std::time::Duration;

use super::checkpoint::{Checkpoint, TAIL_LEN, content_hash};
use super::columns::{Columns, DEFAULT_HEADER, TimeColumn, is_header};
use super::record::{AcctRecord, RecordKind, RecordSink};
use super::row::{Row, RowBuf, Split};
use super::source::Source;
use super::stats::{FileStats, MalformedReason};
use super::stream::DEFAULT_STALL_TIMEOUT;
use super::{fast, plain, time};

/// How rows are split into fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Splitter {
    /// 64 bytes at a time with bit masks; what every command uses.
    #[default]
    Fast,
    /// One byte at a time; the reference the fast splitter is tested against.
    Plain,
}

impl Splitter {
    pub fn split(self, data: &[u8], eof: bool, row: &mut RowBuf) -> Split {
        match self {
            Splitter::Fast => fast::split_fast(data, eof, row),
            Splitter::Plain => plain::split_plain(data, eof, row),
        }
    }
}

/// The acct CSV format. Rows without a header line before them are read with PowerMTA's
/// default header; an input whose first row is neither a header nor a record is not an
/// acct file and is left unread.
#[derive(Debug, Clone, Copy)]
pub struct AcctCsv {
    pub splitter: Splitter,
    /// Rows timed outside it are counted as `time_out_of_range` and not used.
    pub plausible: time::Plausible,
    /// A stream (stdin, a FIFO) that sends nothing for this long is an error.
    pub stall_timeout: Duration,
}

impl Default for AcctCsv {
    fn default() -> Self {
        AcctCsv {
            splitter: Splitter::default(),
            plausible: time::Plausible::default(),
            stall_timeout: DEFAULT_STALL_TIMEOUT,
        }
    }
}

/// Bytes read from the stream at a time.
const BUFFER_LEN: usize = 1 << 20;
/// The longest row accepted. A longer one (an unbalanced quote, or binary data) is counted
/// as malformed and only its first line is skipped, so memory stays bounded and the rows
/// after it are read as usual.
pub const MAX_ROW_LEN: usize = 256 * 1024;

impl Source for AcctCsv {
    fn read_from<R: Read, S: RecordSink + ?Sized>(
        &self,
        name: String,
        mut stream: R,
        sink: &mut S,
        start: &Checkpoint,
        fingerprint: bool,
    ) -> FileStats {
        let mut stats = FileStats::new(name);
        let mut rows = RowReader {
            columns: start.header.as_deref().map(Columns::from_header_line),
            stats: &mut stats,
            sink,
            plausible: self.plausible,
        };
        let mut buf = vec![0u8; BUFFER_LEN];
        let mut row = RowBuf::default();
        // Stream bytes before `buf[0]`; rows are split from `buf[pos..filled]`.
        let mut buf_offset = 0u64;
        let (mut pos, mut filled) = (0, 0);
        // Line feeds before `pos` in this stream.
        let mut newlines = 0u64;
        let mut eof = false;
        let mut skipping_long_row = false;
        'stream: loop {
            loop {
                let data = &buf[pos..filled];
                if skipping_long_row {
                    let Some(at) = memchr::memchr(b'\n', data) else {
                        pos = filled;
                        break;
                    };
                    pos += at + 1;
                    newlines += 1;
                    skipping_long_row = false;
                    continue;
                }
                let split = self.splitter.split(data, eof, &mut row);
                // A row that spans lines, or never ends, because a quote was left open:
                // it ends where the next row starts, and only it is lost.
                let spanned = match split {
                    Split::Row { len, newlines } if newlines > 1 => Some(&data[..len - 1]),
                    // CR line ends: a CR inside the row.
                    Split::Row { len, newlines: 0 }
                        if memchr::memchr(b'\r', &data[..len - 1]).is_some() =>
                    {
                        Some(&data[..len - 1])
                    }
                    Split::Incomplete if eof || data.len() >= MAX_ROW_LEN => Some(data),
                    _ => None,
                };
                if let Some(end) =
                    spanned.and_then(|bytes| broken_row_end(bytes, rows.columns.as_ref()))
                {
                    let line = start.line + newlines + 1;
                    rows.stats
                        .count_malformed(line, MalformedReason::UnbalancedQuote);
                    pos += end;
                    newlines += memchr::memchr_iter(b'\n', &data[..end]).count() as u64;
                    continue;
                }
                let too_long = match split {
                    Split::Row { len, .. } => len > MAX_ROW_LEN,
                    Split::Incomplete => data.len() >= MAX_ROW_LEN,
                    Split::Blank { .. } => false,
                };
                if too_long && rows.columns.is_none() {
                    // No header and no row before 256 KiB without a line break: binary
                    // data (or an endless device such as /dev/zero), not an acct file.
                    rows.stats.not_acct = true;
                    break 'stream;
                }
                if too_long {
                    let line = start.line + newlines + 1;
                    rows.stats
                        .count_malformed(line, MalformedReason::RowTooLong);
                    skipping_long_row = true;
                    continue;
                }
                match split {
                    Split::Row {
                        len,
                        newlines: spanned,
                    } => {
                        let line = start.line + newlines + 1;
                        if !rows.handle_row(row.row(data), line) {
                            rows.stats.not_acct = true;
                            break 'stream;
                        }
                        pos += len;
                        newlines += spanned;
                    }
                    Split::Blank {
                        len,
                        newlines: spanned,
                    } => {
                        pos += len;
                        newlines += spanned;
                    }
                    Split::Incomplete => break,
                }
            }
            if eof {
                rows.stats.partial_last_line = pos < filled && !skipping_long_row;
                break;
            }
            if rows.stats.read_error.is_some() {
                break;
            }
            // Keep the unsplit bytes, and the bytes before them the checkpoint hashes.
            let keep_from = pos - if fingerprint { pos.min(TAIL_LEN) } else { 0 };
            buf.copy_within(keep_from..filled, 0);
            buf_offset += keep_from as u64;
            (pos, filled) = (pos - keep_from, filled - keep_from);
            let (read, error) = fill(&mut stream, &mut buf[filled..]);
            filled += read;
            match error {
                Some(err) => rows.stats.read_error = Some(err.to_string()),
                None => eof = read == 0,
            }
        }
        let header = rows.columns.map(|c| c.header);
        let consumed = buf_offset + pos as u64;
        stats.settle_rows();
        stats.bytes = consumed;
        let tail = if fingerprint {
            &buf[pos - pos.min(TAIL_LEN)..pos]
        } else {
            &[]
        };
        stats.end = end_checkpoint(start, consumed, newlines, header, tail);
        stats
    }
}

/// Where a row that a quote left open ends: just after the first line break in `bytes`
/// that is followed by what starts a row. `None` when every line break in it is followed by
/// text (a reply that really spans lines).
fn broken_row_end(bytes: &[u8], columns: Option<&Columns>) -> Option<usize> {
    memchr::memchr2_iter(b'\n', b'\r', bytes)
        .map(|at| at + 1)
        .find(|&next| starts_row(&bytes[next..], columns))
}

/// Whether `line` starts a row: a header line, or a known record type and a parsable time
/// where the layout in force (PowerMTA's default without a header) puts them.
fn starts_row(line: &[u8], columns: Option<&Columns>) -> bool {
    let end = memchr::memchr2(b'\n', b'\r', line).unwrap_or(line.len());
    let field = |i: usize| {
        let field = line[..end].split(|&b| b == b',').nth(i)?;
        Some(
            field
                .strip_prefix(b"\"")
                .and_then(|f| f.strip_suffix(b"\""))
                .unwrap_or(field),
        )
    };
    if field(0).is_some_and(is_header) {
        return true;
    }
    let default;
    let columns = match columns {
        Some(columns) => columns,
        None => {
            default = Columns::from_header_line(DEFAULT_HEADER);
            &default
        }
    };
    let time = match columns.time {
        TimeColumn::Logged(i) | TimeColumn::Fallback(i, _) => i,
        TimeColumn::Missing => return false,
    };
    field(columns.kind).is_some_and(|kind| RecordKind::parse(kind).is_some())
        && field(time).is_some_and(|time| time::parse_time(time).is_some())
}

/// Reads until `buf` is full, the stream ends or reading fails; returns the bytes read,
/// and the error that stopped it.
fn fill<R: Read>(stream: &mut R, buf: &mut [u8]) -> (usize, Option<io::Error>) {
    let mut filled = 0;
    while filled < buf.len() {
        match stream.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return (filled, Some(err)),
        }
    }
    (filled, None)
}

/// Where the next read resumes after `consumed` bytes spanning `newlines` line feeds;
/// `tail` holds the last bytes before that point when fingerprinting.
fn end_checkpoint(
    start: &Checkpoint,
    consumed: u64,
    newlines: u64,
    header: Option<String>,
    tail: &[u8],
) -> Checkpoint {
    if consumed == 0 {
        return Checkpoint {
            header: header.or_else(|| start.header.clone()),
            ..start.clone()
        };
    }
    Checkpoint {
        offset: start.offset + consumed,
        line: start.line + newlines,
        header,
        tail_len: tail.len() as u64,
        tail_hash: content_hash(tail),
    }
}

/// Turns rows into records for one stream, tracking the header in force.
struct RowReader<'a, S: ?Sized> {
    columns: Option<Columns>,
    stats: &'a mut FileStats,
    sink: &'a mut S,
    plausible: time::Plausible,
}

impl<S: RecordSink + ?Sized> RowReader<'_, S> {
    /// Handles one row. Returns false when the stream is not an acct file at all: its first
    /// row is neither a header nor a record of a known type.
    fn handle_row(&mut self, row: Row<'_>, line: u64) -> bool {
        if is_header(row.get(0)) {
            self.columns = Some(Columns::from_names(row.iter()));
            return true;
        }
        if self.columns.is_none() && RecordKind::parse(row.get(0)).is_none() {
            return false;
        }
        self.handle_record(row, line);
        true
    }

    fn handle_record(&mut self, row: Row<'_>, line: u64) {
        let stats = &mut *self.stats;
        // No header line (a pipe, a file cut after rotation): PowerMTA's default layout.
        // Its 23 fields come first in every row it writes; fields a `record-fields` line
        // adds (`header_*`) trail them, so a longer row is read by the same layout and its
        // extra fields are left unnamed, whether the layout was assumed or written.
        let cols = self
            .columns
            .get_or_insert_with(|| Columns::from_header_line(DEFAULT_HEADER));
        let fits =
            row.len() == cols.width || (cols.header == DEFAULT_HEADER && row.len() > cols.width);
        if !fits {
            stats.count_malformed(line, MalformedReason::WrongFieldCount);
            return;
        }
        let Some(kind) = RecordKind::parse(row.get(cols.kind)) else {
            stats.count_malformed(line, MalformedReason::UnknownType);
            return;
        };
        let time_field = match cols.time {
            TimeColumn::Logged(i) => row.get(i),
            TimeColumn::Fallback(i, name) => {
                stats.time_fallback = Some(name);
                row.get(i)
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
        if !self.plausible.contains(time) {
            stats.count_malformed(line, MalformedReason::TimeOutOfRange);
            return;
        }
        stats.count_row(kind, time);
        if kind == RecordKind::NotCounted {
            return;
        }
        let field = |index: Option<usize>| index.map_or(&b""[..], |i| row.get(i));
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
