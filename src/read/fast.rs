//! The fast row splitter. It looks at 64 bytes at a time: bit masks of the commas,
//! quotes, CRs and LFs (SSE2 compares on x86-64), quoted regions from a prefix XOR of
//! the quote mask, and the field ends from the commas and LFs outside them. Fields are
//! handed over as spans of the input, without copying. Anything unusual (a quote inside
//! an unquoted field, text after a closing quote, a bare CR, no LF before the input ends)
//! sends the row to the plain splitter, which reads it the csv way.

use memchr::{memchr, memchr_iter};

use super::plain::split_plain;
use super::row::{RowBuf, Split};

const BLOCK: usize = 64;

/// Splits the row at the start of `data`, as [`split_plain`] would.
pub fn split_fast(data: &[u8], eof: bool, row: &mut RowBuf) -> Split {
    match scan_row(data, row) {
        Some(split) => split,
        None => split_plain(data, eof, row),
    }
}

/// The row at the start of `data` when it is an ordinary one ending in LF; `None` for the
/// plain splitter to decide.
fn scan_row(data: &[u8], row: &mut RowBuf) -> Option<Split> {
    row.clear();
    let mut field_start = 0;
    // Whether a quote, CR or quoted LF occurs in the blocks before this one of a field
    // that spans blocks.
    let mut field_is_special = false;
    let mut quoted_newlines = 0;
    // All ones while inside quotes at the end of the previous block.
    let mut inside_carry = 0u64;
    let mut base = 0;
    while base < data.len() {
        let block = Masks::of(block_at(data, base));
        if block.quote | block.cr | inside_carry == 0 && !field_is_special {
            // Most blocks hold no quote and no CR: every comma and LF ends a plain field.
            let newlines = block.newline;
            let mut separators = block.comma | newlines;
            while separators != 0 {
                let bit = separators.trailing_zeros();
                let end = base + bit as usize;
                row.push_input(field_start, end);
                if newlines & (1 << bit) != 0 {
                    let len = end + 1;
                    let newlines = 1 + quoted_newlines;
                    if row.field_count() == 1 && end == 0 {
                        row.clear();
                        return Some(Split::Blank { len, newlines });
                    }
                    return Some(Split::Row { len, newlines });
                }
                field_start = end + 1;
                separators &= separators - 1;
            }
            base += BLOCK;
            continue;
        }
        let inside = prefix_xor(block.quote) ^ inside_carry;
        inside_carry = ((inside as i64) >> 63) as u64;
        let newlines = block.newline & !inside;
        let mut separators = (block.comma & !inside) | newlines;
        let quoted_newline = block.newline & inside;
        // Quotes, and CRs and quoted LFs, not yet assigned to a field.
        let mut quotes = block.quote;
        let mut others = block.cr | quoted_newline;
        while separators != 0 {
            let bit = separators.trailing_zeros();
            let end = base + bit as usize;
            let up_to_bit = u64::MAX >> (63 - bit);
            let field_quotes = quotes & (up_to_bit >> 1);
            let mut field_others = others & (up_to_bit >> 1);
            quotes &= !up_to_bit;
            others &= !up_to_bit;
            let is_last = newlines & (1 << bit) != 0;
            let field_end = if is_last && end > field_start && data[end - 1] == b'\r' {
                if bit > 0 {
                    field_others &= !(1 << (bit - 1)); // the CR of CRLF ends the row
                }
                end - 1
            } else {
                end
            };
            if field_start >= base {
                // The whole field is in this block: its bits say what it holds.
                let at = |pos: usize| 1u64 << (pos - base);
                if field_quotes | field_others == 0 {
                    row.push_input(field_start, field_end);
                } else if field_others == 0
                    && field_end - field_start >= 2
                    && field_quotes == at(field_start) | at(field_end - 1)
                {
                    row.push_input(field_start + 1, field_end - 1); // "plain quoted"
                } else {
                    push_special(data, field_start, field_end, row)?;
                }
            } else if field_is_special || field_quotes | field_others != 0 {
                push_special(data, field_start, field_end, row)?;
            } else {
                row.push_input(field_start, field_end);
            }
            if is_last {
                let len = end + 1;
                let newlines = 1 + quoted_newlines + count_set(quoted_newline & up_to_bit);
                if row.field_count() == 1 && field_end == 0 {
                    row.clear();
                    return Some(Split::Blank { len, newlines });
                }
                return Some(Split::Row { len, newlines });
            }
            field_start = end + 1;
            field_is_special = false;
            separators &= separators - 1;
        }
        field_is_special |= quotes | others != 0;
        quoted_newlines += count_set(quoted_newline);
        base += BLOCK;
    }
    None
}

/// Adds a field holding quotes or CRs when it is a well-formed quoted field (or a plain
/// one after all); `None` when the row needs the plain splitter.
fn push_special(data: &[u8], start: usize, end: usize, row: &mut RowBuf) -> Option<()> {
    let field = &data[start..end];
    if memchr(b'"', field).is_none() {
        if memchr(b'\r', field).is_some() {
            return None; // a bare CR ends a row
        }
        row.push_input(start, end);
        return Some(());
    }
    let inner = match field {
        [b'"', inner @ .., b'"'] => inner,
        _ => return None,
    };
    let mut quotes = memchr_iter(b'"', inner).peekable();
    if quotes.peek().is_none() {
        row.push_input(start + 1, end - 1);
        return Some(());
    }
    // Doubled quotes: unescape into scratch.
    let scratch_start = row.scratch().len();
    let mut copied = 0;
    while let Some(first) = quotes.next() {
        if quotes.next() != Some(first + 1) {
            return None;
        }
        row.scratch().extend_from_slice(&inner[copied..=first]);
        copied = first + 2;
    }
    row.scratch().extend_from_slice(&inner[copied..]);
    row.push_scratch(scratch_start);
    Some(())
}

/// The bits set in `mask`; almost always none (line breaks inside quotes are rare), and the
/// x86-64 baseline has no popcount instruction.
#[inline(always)]
fn count_set(mask: u64) -> u64 {
    if mask == 0 {
        0
    } else {
        u64::from(mask.count_ones())
    }
}

/// The 64 bytes at `base`, padded with zeros past the end of `data`.
fn block_at(data: &[u8], base: usize) -> [u8; BLOCK] {
    match data.get(base..base + BLOCK) {
        Some(full) => full.try_into().expect("64 bytes"),
        None => {
            let mut padded = [0u8; BLOCK];
            let tail = &data[base..];
            padded[..tail.len()].copy_from_slice(tail);
            padded
        }
    }
}

/// One bit per byte of a block, for each byte that matters to the splitter.
struct Masks {
    comma: u64,
    quote: u64,
    newline: u64,
    cr: u64,
}

impl Masks {
    fn of(block: [u8; BLOCK]) -> Masks {
        Masks {
            comma: eq_mask(&block, b','),
            quote: eq_mask(&block, b'"'),
            newline: eq_mask(&block, b'\n'),
            cr: eq_mask(&block, b'\r'),
        }
    }
}

/// Bit `i` set when `block[i] == byte`: SSE2 compares, 16 bytes at a time (every x86-64
/// processor has SSE2).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(unsafe_code, reason = "SSE2 intrinsics; see the SAFETY note")]
fn eq_mask(block: &[u8; BLOCK], byte: u8) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let mut mask = 0u64;
    for (i, lane) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of the x86-64 baseline; `lane` is 16 readable bytes and the
        // unaligned load has no alignment requirement.
        let hits = unsafe {
            let lane = _mm_loadu_si128(lane.as_ptr().cast::<__m128i>());
            _mm_movemask_epi8(_mm_cmpeq_epi8(lane, _mm_set1_epi8(byte as i8)))
        };
        mask |= u64::from(hits as u16) << (16 * i);
    }
    mask
}

/// Bit `i` set when `block[i] == byte`.
#[cfg(not(target_arch = "x86_64"))]
fn eq_mask(block: &[u8; BLOCK], byte: u8) -> u64 {
    let mut mask = 0u64;
    for (i, &b) in block.iter().enumerate() {
        mask |= u64::from(b == byte) << i;
    }
    mask
}

/// Bit `i` of the result is the XOR of bits `0..=i`: set from an opening quote up to
/// (not including) its closing quote.
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}
