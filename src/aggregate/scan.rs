//! Reading many inputs on several threads into one set of aggregates.

use std::io::{IsTerminal, Read};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

use super::{Aggregates, Aggregator};
use crate::classify::Classifier;
use crate::isp::IspResolver;
use crate::read::inputs::Input;
use crate::read::open::decompress;
use crate::read::read_stream;
use crate::read::stats::FileStats;

/// The result of reading every input.
#[derive(Debug, Default)]
pub struct Scan {
    pub aggregates: Aggregates,
    /// One entry per input, in input order.
    pub files: Vec<FileStats>,
}

/// Reads `inputs` with up to `threads` threads (one input per thread at a time).
pub fn scan_inputs(
    inputs: &[Input],
    classifier: &Classifier,
    resolver: &IspResolver,
    threads: usize,
) -> Scan {
    let progress = progress_bar(inputs);
    let next = AtomicUsize::new(0);
    let files: Mutex<Vec<Option<FileStats>>> = Mutex::new(vec![None; inputs.len()]);
    let threads = threads.clamp(1, inputs.len().max(1));
    let partials: Vec<Aggregates> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut aggregator = Aggregator::new(classifier, resolver);
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(input) = inputs.get(index) else {
                            break;
                        };
                        let stats = read_one(input, &mut aggregator, &progress);
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
    let mut partials = partials.into_iter();
    let mut aggregates = partials.next().unwrap_or_default();
    for partial in partials {
        aggregates.merge(&partial);
    }
    let files = files
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .flatten()
        .collect();
    Scan { aggregates, files }
}

fn read_one(input: &Input, aggregator: &mut Aggregator<'_>, progress: &ProgressBar) -> FileStats {
    let name = input.display_name();
    let raw: Box<dyn Read + Send> = match input {
        Input::Stdin => Box::new(std::io::stdin()),
        Input::File(path) => match std::fs::File::open(path) {
            Ok(file) => Box::new(progress.wrap_read(file)),
            Err(e) => return failed(name, e),
        },
    };
    match decompress(raw) {
        Ok(stream) => read_stream(name, stream, aggregator),
        Err(e) => failed(name, e),
    }
}

fn failed(name: String, error: std::io::Error) -> FileStats {
    let mut stats = FileStats::new(name);
    stats.read_error = Some(error.to_string());
    stats
}

/// A byte-count progress bar on stderr, only when stderr is a terminal.
fn progress_bar(inputs: &[Input]) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let total: u64 = inputs
        .iter()
        .filter_map(|i| match i {
            Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Stdin => None,
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
