//! Turning the user's PATHS (files, directories, globs, `-`) into a list of inputs to read.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// One input to read: a file or standard input.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    pub fn display_name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(path) => path.display().to_string(),
        }
    }
}

/// Expands PATHS into inputs: files as given, directories recursively (files whose name
/// contains `.csv`, so `.csv.gz` and `.csv.zst` archives too), glob patterns, and `-`.
/// A file named twice is read once.
pub fn expand_inputs(paths: &[String]) -> Result<Vec<Input>, Error> {
    let mut files = BTreeSet::new();
    let mut stdin = false;
    for arg in paths {
        if arg == "-" {
            stdin = true;
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            walk_dir(path, &mut files, &mut Vec::new())?;
        } else if path.exists() {
            files.insert(canonical(path));
        } else if arg.contains(['*', '?', '[']) {
            let matches = glob::glob(arg).map_err(|e| Error::BadGlob {
                pattern: arg.clone(),
                reason: e.msg.to_string(),
            })?;
            let mut matched = false;
            for entry in matches.flatten() {
                matched = true;
                if entry.is_dir() {
                    walk_dir(&entry, &mut files, &mut Vec::new())?;
                } else {
                    files.insert(canonical(&entry));
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
    if stdin {
        inputs.push(Input::Stdin);
    }
    Ok(inputs)
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Adds the acct files under `dir`; `visited` holds the directories walked so far, by
/// their canonical paths, so a symbolic link back up the tree is not followed forever.
fn walk_dir(
    dir: &Path,
    files: &mut BTreeSet<PathBuf>,
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
            walk_dir(&path, files, visited)?;
        } else if is_acct_file_name(&path) {
            files.insert(canonical(&path));
        }
    }
    Ok(())
}

fn is_acct_file_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.contains(".csv") && !n.starts_with('.'))
}
