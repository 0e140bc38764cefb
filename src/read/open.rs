//! Opening an input with transparent gzip / zstd decompression (decided by magic bytes).

use std::io::{self, BufRead, BufReader, Read};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
const BUFFER_SIZE: usize = 256 * 1024;

/// Wraps a byte stream in the decompressor its first bytes call for.
pub fn decompress(raw: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    let mut buffered = BufReader::with_capacity(BUFFER_SIZE, raw);
    let head = buffered.fill_buf()?;
    if head.starts_with(&GZIP_MAGIC) {
        // Multi-member: logrotate and `cat a.gz b.gz` both produce concatenated members.
        Ok(Box::new(flate2::bufread::MultiGzDecoder::new(buffered)))
    } else if head.starts_with(&ZSTD_MAGIC) {
        Ok(Box::new(zstd::stream::read::Decoder::with_buffer(
            buffered,
        )?))
    } else {
        Ok(Box::new(buffered))
    }
}

/// A reader that remembers the last byte it passed on, so the caller can tell whether the
/// stream ended with a complete line.
pub struct LastByteReader<R> {
    inner: R,
    last: Option<u8>,
}

impl<R: Read> LastByteReader<R> {
    pub fn new(inner: R) -> Self {
        Self { inner, last: None }
    }

    pub fn ends_with_newline(&self) -> bool {
        matches!(self.last, None | Some(b'\n') | Some(b'\r'))
    }
}

impl<R: Read> Read for LastByteReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.last = Some(buf[n - 1]);
        }
        Ok(n)
    }
}
