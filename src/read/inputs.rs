//! Turning the user's PATHS (files, directories, globs, `-`) into a list of inputs to read.
//! Directories and globs give regular files only: a FIFO or a device among them would hang
//! the run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// One input to read: a regular file, or a stream read once from its start.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    Stdin,
    File(PathBuf),
    /// A FIFO, device or socket named on the command line, read as a stream like stdin.
    Stream(PathBuf),
}

impl Input {
    pub fn display_name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(path) | Input::Stream(path) => path.display().to_string(),
        }
    }

    /// Whether it is read as a stream (once, from its start, with no rereading).
    pub fn is_stream(&self) -> bool {
        !matches!(self, Input::File(_))
    }
}

/// The inputs PATHS name, and what was left out of them.
#[derive(Debug, Default)]
pub struct Expanded {
    pub inputs: Vec<Input>,
    /// Entries of directories and globs that are not regular files (a FIFO, a device, a
    /// socket, or a link to one): reading them could hang the run. One line each.
    pub skipped: Vec<String>,
}

/// Expands PATHS into inputs: files as given, directories recursively (regular files whose
/// name contains `.csv`, so `.csv.gz` and `.csv.zst` archives too), glob patterns (regular
/// files), and `-`. A FIFO or device named on its own is read as a stream. A file named
/// twice is read once.
pub fn expand_inputs(paths: &[String]) -> Result<Expanded, Error> {
    let mut files = BTreeSet::new();
    let mut streams = BTreeSet::new();
    let mut skipped = Vec::new();
    let mut stdin = false;
    for arg in paths {
        if arg == "-" {
            stdin = true;
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            walk_dir(path, &mut files, &mut skipped, &mut Vec::new())?;
        } else if path.is_file() {
            files.insert(canonical(path));
        } else if path.exists() {
            streams.insert(path.to_path_buf());
        } else if arg.contains(['*', '?', '[']) {
            let matches = glob::glob(arg).map_err(|e| Error::BadGlob {
                pattern: arg.clone(),
                reason: e.msg.to_string(),
            })?;
            let mut matched = false;
            for entry in matches.flatten() {
                matched = true;
                if entry.is_dir() {
                    walk_dir(&entry, &mut files, &mut skipped, &mut Vec::new())?;
                } else {
                    add_regular(&entry, &mut files, &mut skipped);
                }
            }
            if !matched {
                return Err(Error::NoMatch(arg.clone()));
            }
        } else {
            return Err(Error::MissingInput(arg.clone()));
        }
    }
    let mut inputs: Vec<Input> = files.into_iter().map(Input::File).collect();
    inputs.extend(streams.into_iter().map(Input::Stream));
    if stdin {
        inputs.push(Input::Stdin);
    }
    Ok(Expanded { inputs, skipped })
}

/// Adds `path` when it is a regular file (or a link to one); anything else is skipped with a
/// line saying why. A path that cannot be examined is added: reading it reports why.
fn add_regular(path: &Path, files: &mut BTreeSet<PathBuf>, skipped: &mut Vec<String>) {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => skipped.push(format!(
            "{}: not a regular file (a FIFO, device or socket); skipped. Name it on its own to read it as a stream",
            path.display()
        )),
        _ => {
            files.insert(canonical(path));
        }
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Adds the acct files under `dir`; `visited` holds the directories walked so far, by
/// their canonical paths, so a symbolic link back up the tree is not followed forever.
fn walk_dir(
    dir: &Path,
    files: &mut BTreeSet<PathBuf>,
    skipped: &mut Vec<String>,
    visited: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let real = canonical(dir);
    if visited.contains(&real) {
        return Ok(());
    }
    visited.push(real);
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.display().to_string(),
        source,
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk_dir(&path, files, skipped, visited)?;
        } else if is_acct_file_name(&path) {
            add_regular(&path, files, skipped);
        }
    }
    Ok(())
}

fn is_acct_file_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.contains(".csv") && !n.starts_with('.'))
}
