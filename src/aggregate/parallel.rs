//! The parallel read driver: opens every input (decompressing, resuming at checkpoints),
//! reads each through a [`Source`] on one of several worker threads into that thread's own
//! aggregates, and merges them into one set with the per-input read stats.

use std::fs::File;
use std::io::{IsTerminal, Read};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::{Aggregates, Aggregator};
use crate::classify::Classifier;
use crate::isp::IspResolver;
use crate::read::acct_csv::AcctCsv;
use crate::read::checkpoint::Checkpoint;
use crate::read::inputs::Input;
use crate::read::open::{OpenError, decompress, head_of, open_at};
use crate::read::source::Source;
use crate::read::stats::FileStats;
use crate::read::stream::guarded;

/// The result of reading every input.
#[derive(Debug, Default)]
pub struct Scan {
    pub aggregates: Aggregates,
    /// One entry per input, in input order.
    pub files: Vec<FileStats>,
}

/// One input to read, from its start or from a checkpoint in its content.
#[derive(Debug, Clone)]
pub struct ReadTask {
    pub input: Input,
    pub start: Checkpoint,
    /// The first bytes the content must start with (as seen when the read was planned);
    /// a file that no longer does is not read.
    pub head: Option<Vec<u8>>,
}

/// Reads `inputs` from their start with up to `threads` threads.
pub fn scan_inputs(
    source: &AcctCsv,
    inputs: &[Input],
    classifier: &Classifier,
    resolver: &IspResolver,
    threads: usize,
) -> Scan {
    let tasks: Vec<ReadTask> = inputs
        .iter()
        .map(|input| ReadTask {
            input: input.clone(),
            start: Checkpoint::default(),
            head: None,
        })
        .collect();
    scan_tasks(source, &tasks, classifier, resolver, threads, false)
}

/// Reads `tasks` as acct CSV with up to `threads` threads (one input per thread at a time).
/// With `fingerprint`, each file's end checkpoint carries the hash of the bytes before it.
pub fn scan_tasks(
    source: &AcctCsv,
    inputs: &[ReadTask],
    classifier: &Classifier,
    resolver: &IspResolver,
    threads: usize,
    fingerprint: bool,
) -> Scan {
    scan_tasks_with(
        source,
        inputs,
        classifier,
        resolver,
        threads,
        fingerprint,
        source.stall_timeout,
    )
}

/// [`scan_tasks`] for inputs in the format `source` reads; a stream that sends nothing for
/// `stall_timeout` fails.
pub fn scan_tasks_with<S: Source + Sync>(
    source: &S,
    inputs: &[ReadTask],
    classifier: &Classifier,
    resolver: &IspResolver,
    threads: usize,
    fingerprint: bool,
    stall_timeout: Duration,
) -> Scan {
    let progress = progress_bar(inputs);
    let next = AtomicUsize::new(0);
    let files: Mutex<Vec<Option<FileStats>>> = Mutex::new(vec![None; inputs.len()]);
    let threads = threads.clamp(1, inputs.len().max(1));
    let mut partials: Vec<Aggregates> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut aggregator = Aggregator::new(classifier, resolver);
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(input) = inputs.get(index) else {
                            break;
                        };
                        let stats = read_one(
                            source,
                            input,
                            &mut aggregator,
                            &progress,
                            fingerprint,
                            stall_timeout,
                        );
                        files.lock().expect("no worker panics")[index] = Some(stats);
                    }
                    aggregator.aggregates
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker thread panicked"))
            .collect()
    });
    progress.finish_and_clear();
    // The largest table takes in the others: the smaller ones grow it the least.
    partials.sort_by_key(|partial| std::cmp::Reverse(partial.cell_count()));
    let mut partials = partials.into_iter();
    let mut aggregates = partials.next().unwrap_or_default();
    for partial in partials {
        aggregates.merge(&partial);
    }
    aggregates.settle();
    let files = files
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .flatten()
        .collect();
    Scan { aggregates, files }
}

fn read_one(
    source: &impl Source,
    task: &ReadTask,
    aggregator: &mut Aggregator<'_>,
    progress: &ProgressBar,
    fingerprint: bool,
    stall_timeout: Duration,
) -> FileStats {
    let name = task.input.display_name();
    let opened = match &task.input {
        Input::Stdin => open_stream(name.clone(), stall_timeout, || Ok(std::io::stdin())),
        Input::Stream(path) => {
            let path = path.clone();
            open_stream(name.clone(), stall_timeout, move || File::open(path))
        }
        Input::File(path) => open_file(path, task, progress),
    };
    match opened {
        Ok(stream) => source.read_from(name, stream, aggregator, &task.start, fingerprint),
        Err(error) => {
            let mut stats = FileStats::new(name);
            match error {
                OpenError::Io(e) => stats.read_error = Some(e.to_string()),
                OpenError::Changed(why) => stats.changed = Some(why),
            }
            stats.end = task.start.clone();
            stats
        }
    }
}

/// A stream read on a thread of its own (so that it cannot hang the run), decompressed.
fn open_stream<R: Read>(
    name: String,
    stall_timeout: Duration,
    open: impl FnOnce() -> std::io::Result<R> + Send + 'static,
) -> Result<Box<dyn Read + Send>, OpenError> {
    decompress(Box::new(guarded(name, stall_timeout, open))).map_err(OpenError::Io)
}

fn open_file(
    path: &std::path::Path,
    task: &ReadTask,
    progress: &ProgressBar,
) -> Result<Box<dyn Read + Send>, OpenError> {
    let mut file = File::open(path)?;
    if let Some(expected) = &task.head
        && !head_of(&mut file)?.starts_with(expected)
    {
        return Err(OpenError::Changed(
            "it was replaced while this run read it (rotated?); it is read on the next run".into(),
        ));
    }
    let wrap = |file: File| -> Box<dyn Read + Send> { Box::new(progress.wrap_read(file)) };
    if task.start.offset == 0 {
        return Ok(decompress(wrap(file))?);
    }
    open_at(file, &task.start, wrap)
}

/// A byte-count progress bar on stderr, only when stderr is a terminal.
fn progress_bar(tasks: &[ReadTask]) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let total: u64 = tasks
        .iter()
        .filter_map(|task| match &task.input {
            Input::File(p) => std::fs::metadata(p)
                .ok()
                .map(|m| m.len().saturating_sub(task.start.offset)),
            Input::Stdin | Input::Stream(_) => None,
        })
        .sum();
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "reading {bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
        )
        .expect("valid template"),
    );
    bar
}
