//! The reference row splitter: one byte at a time, plainly, with the csv crate's reading
//! of RFC 4180 (a quote opens a quoted field only at the start of a field, `""` inside
//! one is a quote, CR, LF and CRLF all end a row, empty lines are skipped). The fast
//! splitter falls back to it for any row it does not handle itself, and tests check the
//! two agree.

use super::row::{RowBuf, Split};

#[derive(Clone, Copy)]
enum State {
    StartField,
    InField,
    InQuoted,
    /// A quote inside a quoted field: the field's end, or the first of `""`.
    QuoteInQuoted,
}

/// Splits the row at the start of `data`. `eof` says no bytes follow `data`; a row
/// without its terminator is incomplete even then (the file is still being written).
pub fn split_plain(data: &[u8], eof: bool, row: &mut RowBuf) -> Split {
    row.clear();
    match data {
        [] => return Split::Incomplete,
        [b'\n', ..] => {
            return Split::Blank {
                len: 1,
                newlines: 1,
            };
        }
        [b'\r', rest @ ..] => {
            return match rest.first() {
                Some(b'\n') => Split::Blank {
                    len: 2,
                    newlines: 1,
                },
                Some(_) => Split::Blank {
                    len: 1,
                    newlines: 0,
                },
                None if eof => Split::Blank {
                    len: 1,
                    newlines: 0,
                },
                None => Split::Incomplete,
            };
        }
        _ => {}
    }
    let mut state = State::StartField;
    let mut field_start = 0;
    let mut newlines = 0;
    for (i, &byte) in data.iter().enumerate() {
        newlines += u64::from(byte == b'\n');
        let is_end = byte == b'\n' || byte == b'\r';
        state = match state {
            State::StartField | State::InField | State::QuoteInQuoted if byte == b',' || is_end => {
                row.push_scratch(field_start);
                field_start = row.scratch().len();
                if is_end {
                    return end_of_row(data, i, eof, newlines);
                }
                State::StartField
            }
            State::StartField if byte == b'"' => State::InQuoted,
            State::InQuoted if byte == b'"' => State::QuoteInQuoted,
            State::QuoteInQuoted if byte == b'"' => {
                row.scratch().push(b'"');
                State::InQuoted
            }
            State::InQuoted => {
                row.scratch().push(byte);
                State::InQuoted
            }
            State::StartField | State::InField | State::QuoteInQuoted => {
                row.scratch().push(byte);
                State::InField
            }
        };
    }
    Split::Incomplete
}

/// The row ends with the CR or LF at `at`; a CR followed by LF ends it as one terminator.
fn end_of_row(data: &[u8], at: usize, eof: bool, newlines: u64) -> Split {
    if data[at] == b'\r' {
        match data.get(at + 1) {
            Some(b'\n') => {
                return Split::Row {
                    len: at + 2,
                    newlines: newlines + 1,
                };
            }
            None if !eof => return Split::Incomplete,
            _ => {}
        }
    }
    Split::Row {
        len: at + 1,
        newlines,
    }
}
