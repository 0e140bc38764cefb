//! Streams (stdin, a FIFO, a device) read on a thread of their own, so that one that stops
//! sending cannot hang the run: opening a FIFO waits for a writer, and a writer that never
//! writes or never closes would block a plain read forever. A stream that sends nothing for
//! the stall timeout is an error naming it; the blocked thread ends with the process.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::time::Duration;

/// How long a stream may send nothing before its read fails, unless the config says
/// otherwise (`[input] stall_timeout_seconds`).
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Bytes read from the stream at a time.
const CHUNK: usize = 64 * 1024;
/// Chunks read ahead of the reader.
const AHEAD: usize = 16;

/// A stream read by a thread of its own; reading it fails once the stream has sent nothing
/// for `timeout`.
pub struct GuardedStream {
    chunks: Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
    name: String,
    timeout: Duration,
    done: bool,
}

/// Opens (with `open`) and reads a stream on a thread of its own.
pub fn guarded<R: Read>(
    name: String,
    timeout: Duration,
    open: impl FnOnce() -> io::Result<R> + Send + 'static,
) -> GuardedStream {
    let (send, chunks) = sync_channel(AHEAD);
    std::thread::spawn(move || {
        let mut stream = match open() {
            Ok(stream) => stream,
            Err(e) => {
                let _ = send.send(Err(e));
                return;
            }
        };
        loop {
            let mut chunk = vec![0u8; CHUNK];
            match stream.read(&mut chunk) {
                Ok(n) => {
                    chunk.truncate(n);
                    // An empty chunk is the end of the stream; a gone reader ends the thread.
                    if send.send(Ok(chunk)).is_err() || n == 0 {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = send.send(Err(e));
                    return;
                }
            }
        }
    });
    GuardedStream {
        chunks,
        chunk: Vec::new(),
        at: 0,
        name,
        timeout,
        done: false,
    }
}

impl Read for GuardedStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.chunk.len() {
            if self.done {
                return Ok(0);
            }
            match self.chunks.recv_timeout(self.timeout) {
                Ok(Ok(chunk)) => {
                    self.done = chunk.is_empty();
                    self.chunk = chunk;
                    self.at = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(RecvTimeoutError::Disconnected) => self.done = true,
                Err(RecvTimeoutError::Timeout) => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "{} sent nothing for {} s (a FIFO without a writer, or a pipe that stays open?); it was not read to its end",
                            self.name,
                            self.timeout.as_secs()
                        ),
                    ));
                }
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_is_read_to_its_end() {
        let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        let copy = data.clone();
        let mut stream = guarded("test".into(), Duration::from_secs(5), move || {
            Ok(io::Cursor::new(copy))
        });
        let mut read = Vec::new();
        stream.read_to_end(&mut read).unwrap();
        assert_eq!(read, data);
    }

    #[test]
    fn a_stream_that_sends_nothing_fails_naming_it() {
        let (_keep, never) = std::sync::mpsc::channel::<()>();
        let mut stream = guarded(
            "/var/log/pmta/fifo".into(),
            Duration::from_millis(50),
            move || {
                // Blocks like a FIFO with no writer.
                let _ = never.recv();
                Ok(io::empty())
            },
        );
        let err = stream.read(&mut [0u8; 16]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(
            err.to_string()
                .starts_with("/var/log/pmta/fifo sent nothing"),
            "{err}"
        );
    }
}
