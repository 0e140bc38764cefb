//! Incremental ingest: reads only the bytes of each file content not read before, and adds
//! their hourly aggregates to the store, all in one transaction.
//!
//! A file is skipped without being opened when its path, inode, size and modification
//! time are those recorded after its last read. Otherwise its first bytes say whether it
//! continues a content already read (grown, renamed, or compressed by logrotate): then
//! reading resumes at that content's checkpoint, after checking the bytes just before it.

pub mod content_index;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::aggregate::Aggregates;
use crate::aggregate::parallel::{ReadTask, scan_tasks};
use crate::classify::Classifier;
use crate::error::Error;
use crate::isp::IspResolver;
use crate::read::acct_csv::AcctCsv;
use crate::read::checkpoint::{Checkpoint, content_hash};
use crate::read::inputs::Input;
use crate::read::open::read_head;
use crate::read::stats::FileStats;
use crate::store::content::{Content, ContentTotals};
use crate::store::{FileState, Pruned, RunTotals, Store, UnreadableInput};
use content_index::ContentIndex;

/// What one ingest did.
#[derive(Debug, Default)]
pub struct IngestSummary {
    pub totals: RunTotals,
    /// Files that were new content.
    pub files_new: u64,
    /// Files that continued content read before (grown, renamed or compressed).
    pub files_resumed: u64,
    pub pruned: Pruned,
    /// The stats of every file read, for warnings.
    pub reads: Vec<FileStats>,
    /// Files not read, and why (rewritten in place, vanished while rotated).
    pub skipped: Vec<String>,
    /// Files that could not be read or decoded: the ingest fails, and the store keeps the
    /// list so that reviews of the days they may hold are UNKNOWN.
    pub unreadable: Vec<UnreadableInput>,
}

/// Options of one ingest.
pub struct IngestOptions<'a> {
    pub format: &'a AcctCsv,
    pub classifier: &'a Classifier,
    pub resolver: &'a IspResolver,
    pub threads: usize,
    pub keep_days: u32,
}

/// A file waiting to be read, as planned.
struct Pending {
    path: PathBuf,
    state: FileState,
    head: Vec<u8>,
}

/// Where a planned read's results go.
enum Target {
    Existing(usize),
    New,
}

/// Ingests `files` into `store` (opened for ingest). The caller commits.
pub fn ingest(
    store: &Store,
    files: &[PathBuf],
    options: &IngestOptions<'_>,
) -> Result<IngestSummary, Error> {
    let run = store.next_run()?;
    let mut index = ContentIndex::new(store.contents()?);
    let states = store.file_states()?;
    let by_id: HashMap<i64, usize> = index
        .contents
        .iter()
        .enumerate()
        .map(|(at, content)| (content.id, at))
        .collect();
    let mut summary = IngestSummary::default();
    let mut pending = Vec::new();
    for path in files {
        let key = path.display().to_string();
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            // Rotated away since the paths were expanded: its content is read under its
            // new name.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                summary.skipped.push(format!("{key}: {e}"));
                continue;
            }
            Err(e) => {
                summary.unreadable.push(UnreadableInput {
                    path: key,
                    error: e.to_string(),
                    modified_day: today(),
                });
                continue;
            }
        };
        let state = FileState::of(&meta);
        let known = states
            .get(&key)
            .filter(|(recorded, _)| *recorded == state)
            .and_then(|(_, id)| by_id.get(id).copied());
        if let Some(at) = known {
            index.contents[at].last_run = run;
            store.mark_seen(index.contents[at].id, run)?;
            summary.totals.files_unchanged += 1;
            continue;
        }
        match read_head(path) {
            Ok(head) if head.is_empty() => {}
            Ok(head) => pending.push(Pending {
                path: path.clone(),
                state,
                head,
            }),
            Err(e) => summary.unreadable.push(UnreadableInput {
                path: key,
                error: e.to_string(),
                modified_day: state.modified_day(),
            }),
        }
    }

    let mut aggregates = Aggregates::default();
    // Files with the same content are read one per wave: the first reads it, the next
    // ones resume after it (and usually find nothing new).
    while !pending.is_empty() {
        let mut claimed = HashSet::new();
        let mut wave = Vec::new();
        let mut later = Vec::new();
        for file in pending {
            let found = index.find(&file.head);
            let claim = found.map_or_else(|| content_hash(&file.head), |at| at as i64);
            if claimed.insert((found.is_some(), claim)) {
                wave.push((file, found.map_or(Target::New, Target::Existing)));
            } else {
                later.push(file);
            }
        }
        pending = later;
        let tasks: Vec<ReadTask> = wave
            .iter()
            .map(|(file, target)| ReadTask {
                input: Input::File(file.path.clone()),
                start: match target {
                    Target::Existing(at) => index.contents[*at].end.clone(),
                    Target::New => Checkpoint::default(),
                },
                head: Some(file.head.clone()),
            })
            .collect();
        let scan = scan_tasks(
            options.format,
            &tasks,
            options.classifier,
            options.resolver,
            options.threads,
            true,
        );
        aggregates.merge(&scan.aggregates);
        for ((file, target), read) in wave.into_iter().zip(scan.files) {
            record_read(store, &mut index, &mut summary, run, file, target, read)?;
        }
    }

    summary.totals.rows = aggregates.total_rows();
    store.add_aggregates(&aggregates)?;
    summary.pruned = store.prune(options.keep_days, today(), run)?;
    summary.totals.pruned_cells = summary.pruned.cells;
    store.record_unreadable(&summary.unreadable)?;
    store.record_run(run, &summary.totals)?;
    Ok(summary)
}

/// Today, UTC, in days since the epoch.
fn today() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
        .div_euclid(86_400)
}

/// Moves a content's checkpoint after a read, and remembers the file's state.
fn record_read(
    store: &Store,
    index: &mut ContentIndex,
    summary: &mut IngestSummary,
    run: i64,
    file: Pending,
    target: Target,
    read: FileStats,
) -> Result<(), Error> {
    let name = file.path.display().to_string();
    if let Some(why) = &read.changed {
        summary.skipped.push(format!(
            "{name}: not read: {why}. Rows counted from it before are kept"
        ));
        summary.reads.push(read);
        return Ok(());
    }
    summary.totals.files_read += 1;
    summary.totals.bytes_read += read.bytes;
    let has_rows = !read.rows.is_empty() || read.malformed_total() > 0;
    let at = match target {
        _ if read.not_acct => None,
        Target::Existing(at) => {
            summary.files_resumed += 1;
            Some(at)
        }
        // A file with no row yet (empty or a header alone) gets no checkpoint: its first
        // bytes do not identify it yet.
        Target::New if !has_rows => None,
        Target::New => {
            summary.files_new += 1;
            let head_len = file.head.len().min(read.end.offset as usize);
            Some(index.add(Content {
                id: 0,
                name: name.clone(),
                head_len: head_len as u64,
                head_hash: content_hash(&file.head[..head_len]),
                end: Checkpoint::default(),
                totals: ContentTotals::default(),
                last_run: run,
            }))
        }
    };
    if let Some(at) = at {
        let content = &mut index.contents[at];
        content.name = name.clone();
        content.end = read.end.clone();
        content.totals.add(&read);
        content.last_run = run;
        index.extend_head(at, &file.head);
        let content = &mut index.contents[at];
        store.save_content(content)?;
        if read.read_error.is_none() {
            store.save_file_state(&name, file.state, content.id)?;
        }
    }
    if let Some(error) = &read.read_error {
        summary.unreadable.push(UnreadableInput {
            path: name,
            error: error.clone(),
            modified_day: file.state.modified_day(),
        });
    }
    summary.reads.push(read);
    Ok(())
}
