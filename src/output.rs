//! Where command output goes: stdout (no `--output`, or `-`), or a file. A regular file is
//! replaced atomically and keeps its owner and mode; a symbolic link is followed and its
//! target written; a device, FIFO or socket (`/dev/null`), or any path under `/dev` or
//! `/proc` (`/dev/stdout` onto a redirected file), is written in place, never replaced.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The most symbolic links followed from an output path (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Runs `write` against stdout, or against the file `file` names (see the module docs).
/// `write` gets whether the output is a terminal (for colour).
pub fn write_output(
    file: Option<&Path>,
    write: impl FnOnce(&mut dyn Write, bool) -> Result<()>,
) -> Result<()> {
    let Some(file) = file.filter(|file| *file != Path::new("-")) else {
        let stdout = io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        write(&mut out, stdout.is_terminal())?;
        out.flush()?;
        return Ok(());
    };
    let target = follow_links(file).with_context(|| format!("writing {}", file.display()))?;
    let existing = match fs::metadata(&target) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("writing {}", target.display())),
    };
    // `/dev/stdout` or `/proc/self/fd/1` may lead to the file a shell opened for us, maybe
    // to append to: it is written through, never replaced.
    let through_a_descriptor = file.starts_with("/dev") || file.starts_with("/proc");
    match existing {
        Some(meta) if meta.is_dir() => bail!(
            "{} is a directory; give the output a file name in it",
            file.display()
        ),
        Some(meta) if !meta.is_file() || through_a_descriptor => write_in_place(&target, write),
        existing => replace(&target, existing.as_ref(), write),
    }
    .with_context(|| format!("writing {}", target.display()))
}

/// [`write_output`] for output that is already bytes (a chart).
pub fn write_bytes(file: Option<&Path>, bytes: &[u8]) -> Result<()> {
    write_output(file, |out, _| Ok(out.write_all(bytes)?))
}

/// The path a chain of symbolic links ends at (the path itself when it is none).
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links; is there a loop?"
    )))
}

/// Writes a device, FIFO or socket (or a file that cannot be replaced) directly.
fn write_in_place(
    target: &Path,
    write: impl FnOnce(&mut dyn Write, bool) -> Result<()>,
) -> Result<()> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(target)?;
    let mut out = BufWriter::new(file);
    write(&mut out, false)?;
    out.flush()?;
    Ok(())
}

/// Writes a temporary file next to `target` and renames it over `target` once complete, so a
/// reader never sees a partial file. The temporary file first takes the owner and mode of
/// the file it replaces; where this process cannot give it that owner (not root, another
/// user's file), the file is written in place instead, keeping both.
fn replace(
    target: &Path,
    existing: Option<&Metadata>,
    write: impl FnOnce(&mut dyn Write, bool) -> Result<()>,
) -> Result<()> {
    let temp = temp_path(target);
    let handle = match File::create(&temp) {
        Ok(handle) => handle,
        // A file we may write in a directory we may not: written in place.
        Err(e) if existing.is_some() && e.kind() == io::ErrorKind::PermissionDenied => {
            return write_in_place(target, write);
        }
        Err(e) => return Err(e.into()),
    };
    let result = match take_owner_and_mode(&handle, existing) {
        Ok(true) => fill_and_rename(handle, &temp, target, write),
        Ok(false) => {
            drop(handle);
            let _ = fs::remove_file(&temp);
            return write_in_place(target, write);
        }
        Err(e) => Err(e.into()),
    };
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Writes the temporary file `temp` through `handle`, makes it durable and renames it over
/// `target`.
fn fill_and_rename(
    handle: File,
    temp: &Path,
    target: &Path,
    write: impl FnOnce(&mut dyn Write, bool) -> Result<()>,
) -> Result<()> {
    let mut out = BufWriter::new(handle);
    write(&mut out, false)?;
    let handle = out.into_inner().map_err(|e| e.into_error())?;
    handle.sync_all()?;
    fs::rename(temp, target)?;
    Ok(())
}

/// Gives `file` the owner and mode of the file it replaces, if any; false when this
/// process may not give it that owner.
fn take_owner_and_mode(file: &File, existing: Option<&Metadata>) -> io::Result<bool> {
    let Some(like) = existing else {
        return Ok(true);
    };
    if !take_owner(file, like)? {
        return Ok(false);
    }
    file.set_permissions(like.permissions())?;
    Ok(true)
}

/// Gives `file` the owner and group of `like`; false when this process may not.
#[cfg(unix)]
fn take_owner(file: &File, like: &Metadata) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let own = file.metadata()?;
    if (own.uid(), own.gid()) == (like.uid(), like.gid()) {
        return Ok(true);
    }
    match std::os::unix::fs::fchown(file, Some(like.uid()), Some(like.gid())) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn take_owner(_file: &File, _like: &Metadata) -> io::Result<bool> {
    Ok(true)
}

fn temp_path(file: &Path) -> PathBuf {
    let name = file
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    file.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}
