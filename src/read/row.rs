//! One CSV row as the splitters hand it over: field spans into the input, or into a
//! scratch buffer for fields that had to be unescaped.

/// Where one field's bytes are.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
    in_scratch: bool,
}

/// The fields of the row being split, reused from row to row.
#[derive(Debug, Default)]
pub struct RowBuf {
    spans: Vec<Span>,
    scratch: Vec<u8>,
}

impl RowBuf {
    pub fn clear(&mut self) {
        self.spans.clear();
        self.scratch.clear();
    }

    /// Adds a field that is `data[start..end]` of the row's input.
    pub fn push_input(&mut self, start: usize, end: usize) {
        self.spans.push(Span {
            start: start as u32,
            end: end as u32,
            in_scratch: false,
        });
    }

    /// The scratch buffer, for a splitter writing an unescaped field.
    pub fn scratch(&mut self) -> &mut Vec<u8> {
        &mut self.scratch
    }

    /// Adds a field that is the scratch bytes from `start` to the end of scratch.
    pub fn push_scratch(&mut self, start: usize) {
        self.spans.push(Span {
            start: start as u32,
            end: self.scratch.len() as u32,
            in_scratch: true,
        });
    }

    pub fn field_count(&self) -> usize {
        self.spans.len()
    }

    /// The row's fields, with `input` the bytes the splitter was given.
    pub fn row<'a>(&'a self, input: &'a [u8]) -> Row<'a> {
        Row { input, buf: self }
    }
}

/// A split row: its fields, borrowed.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    input: &'a [u8],
    buf: &'a RowBuf,
}

impl<'a> Row<'a> {
    pub fn len(&self) -> usize {
        self.buf.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.spans.is_empty()
    }

    /// Field `i`; empty when the row has fewer fields.
    #[inline]
    pub fn get(&self, i: usize) -> &'a [u8] {
        let Some(span) = self.buf.spans.get(i) else {
            return b"";
        };
        let bytes = if span.in_scratch {
            &self.buf.scratch
        } else {
            self.input
        };
        &bytes[span.start as usize..span.end as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// What a splitter found at the start of its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// A complete row of `len` bytes (terminator included) spanning `newlines` line feeds.
    Row { len: usize, newlines: u64 },
    /// An empty line of `len` bytes, skipped as the csv convention has it.
    Blank { len: usize, newlines: u64 },
    /// The input ends before the row does: more bytes are needed.
    Incomplete,
}
