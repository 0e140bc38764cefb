//! Opening an input with transparent gzip / zstd / xz / bzip2 decompression (decided by
//! magic bytes), from its start or from a checkpoint.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::checkpoint::{Checkpoint, HEAD_LEN, content_hash};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
const XZ_MAGIC: [u8; 6] = [0xfd, b'7', b'z', b'X', b'Z', 0x00];
const BUFFER_SIZE: usize = 256 * 1024;

/// The compression a content's first bytes say it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Zstd,
    Xz,
    Bzip2,
}

impl Compression {
    fn of(head: &[u8]) -> Compression {
        if head.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else if head.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else if head.starts_with(&XZ_MAGIC) {
            Compression::Xz
        } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
            Compression::Bzip2
        } else {
            Compression::None
        }
    }
}

/// Wraps a byte stream in the decompressor its first bytes call for: gzip, zstd, xz or
/// bzip2 (whatever logrotate's `compresscmd` made), all streaming. Concatenated members
/// (logrotate, `cat a.gz b.gz`) are read as one content.
pub fn decompress(raw: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    let mut buffered = BufReader::with_capacity(BUFFER_SIZE, raw);
    Ok(match Compression::of(buffered.fill_buf()?) {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?),
        Compression::Xz => Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(buffered)),
        Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(buffered)),
        Compression::None => Box::new(buffered),
    })
}

fn is_compressed(head: &[u8]) -> bool {
    Compression::of(head) != Compression::None
}

/// The first [`HEAD_LEN`] bytes of a file's content (fewer when the file is shorter).
pub fn read_head(path: &Path) -> io::Result<Vec<u8>> {
    head_of(&mut File::open(path)?)
}

/// The first [`HEAD_LEN`] bytes of an open file's content; the file is left at its start.
pub fn head_of(file: &mut File) -> io::Result<Vec<u8>> {
    let mut content = decompress(Box::new(file.try_clone()?))?;
    let mut head = Vec::with_capacity(HEAD_LEN);
    content
        .by_ref()
        .take(HEAD_LEN as u64)
        .read_to_end(&mut head)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(head)
}

/// Why a file could not be opened at a checkpoint.
#[derive(Debug)]
pub enum OpenError {
    Io(io::Error),
    /// The content before the checkpoint is not what was read there before.
    Changed(String),
}

impl From<io::Error> for OpenError {
    fn from(e: io::Error) -> Self {
        OpenError::Io(e)
    }
}

/// Opens a file positioned at `at` in its content, after checking that the bytes just
/// before `at` are the ones read there before. Plain files seek; compressed files are
/// decompressed up to that point.
pub fn open_at(
    raw: File,
    at: &Checkpoint,
    wrap: impl FnOnce(File) -> Box<dyn Read + Send>,
) -> Result<Box<dyn Read + Send>, OpenError> {
    let tail_start = at.offset - at.tail_len;
    let mut raw = raw;
    let mut magic = [0u8; 6];
    let n = read_up_to(&mut raw, &mut magic)?;
    raw.seek(SeekFrom::Start(0))?;
    let mut content: Box<dyn Read + Send> = if is_compressed(&magic[..n]) {
        let mut content = decompress(wrap(raw))?;
        let skipped = io::copy(&mut content.by_ref().take(tail_start), &mut io::sink())?;
        if skipped < tail_start {
            return Err(shorter(at));
        }
        content
    } else {
        let len = raw.metadata()?.len();
        if len < at.offset {
            return Err(shorter(at));
        }
        raw.seek(SeekFrom::Start(tail_start))?;
        Box::new(BufReader::with_capacity(BUFFER_SIZE, wrap(raw)))
    };
    let mut tail = Vec::with_capacity(at.tail_len as usize);
    content.by_ref().take(at.tail_len).read_to_end(&mut tail)?;
    if tail.len() as u64 != at.tail_len {
        return Err(shorter(at));
    }
    if content_hash(&tail) != at.tail_hash {
        return Err(OpenError::Changed(format!(
            "the bytes before offset {} differ from those read there before",
            at.offset
        )));
    }
    Ok(content)
}

fn shorter(at: &Checkpoint) -> OpenError {
    OpenError::Changed(format!(
        "it is now shorter than the {} bytes read from it before",
        at.offset
    ))
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}
