//! The seam between a log format and the rest of the program: a [`Source`] reads one
//! opened input and hands every record it finds to a [`RecordSink`].

use std::io::Read;

use super::checkpoint::Checkpoint;
use super::record::RecordSink;
use super::stats::FileStats;

/// One log format. It is given an input already opened and decompressed, turns its bytes
/// into [`AcctRecord`](super::record::AcctRecord)s for `sink`, and counts everything it could
/// not use in the returned [`FileStats`]. Reading never fails: an I/O error ends the input
/// and is recorded in the stats.
///
/// The methods are generic over the stream and the sink, so the per-record call into the
/// sink is static and can be inlined into the format's loop.
pub trait Source {
    /// Reads `stream`, the content of input `name` from checkpoint `start` on, to its end.
    /// The returned stats say where the next read of this content resumes (`end`: after
    /// the last complete record). With `fingerprint`, that checkpoint also carries the hash
    /// of the bytes just before it.
    fn read_from<R: Read, S: RecordSink + ?Sized>(
        &self,
        name: String,
        stream: R,
        sink: &mut S,
        start: &Checkpoint,
        fingerprint: bool,
    ) -> FileStats;

    /// Reads a whole input from its start.
    fn read<R: Read, S: RecordSink + ?Sized>(
        &self,
        name: String,
        stream: R,
        sink: &mut S,
    ) -> FileStats {
        self.read_from(name, stream, sink, &Checkpoint::default(), false)
    }
}
