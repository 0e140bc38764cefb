//! Where a read stopped (after the last complete row), so the next read of the same content
//! resumes there, and the fingerprints that tell whether content is the one read before.

use xxhash_rust::xxh3::xxh3_64;

/// The first bytes of a file's content that identify it (header plus the first rows).
pub const HEAD_LEN: usize = 8192;
/// The bytes just before a checkpoint that must be unchanged for a read to resume there.
pub const TAIL_LEN: usize = 4096;

/// A stable hash of content bytes (xxh3, 64 bits), stored in checkpoints.
pub fn content_hash(bytes: &[u8]) -> i64 {
    // Stored in SQLite, whose integers are signed.
    xxh3_64(bytes) as i64
}

/// A position in a file's decompressed content, just after a complete row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// Bytes of content before this point.
    pub offset: u64,
    /// Lines before this point (for the line numbers of warnings).
    pub line: u64,
    /// The header line in force at this point (absent before any header).
    pub header: Option<String>,
    /// Length and hash of the content just before `offset`.
    pub tail_len: u64,
    pub tail_hash: i64,
}
