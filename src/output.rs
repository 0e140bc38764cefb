//! Where command output goes: stdout, or a file replaced atomically.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Runs `write` against stdout, or against a temporary file next to `file` that replaces
/// it only once complete, so a reader never sees a partial file. `write` gets whether the
/// output is a terminal (for colour).
pub fn write_output(
    file: Option<&Path>,
    write: impl FnOnce(&mut dyn Write, bool) -> Result<()>,
) -> Result<()> {
    let Some(file) = file else {
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        write(&mut out, stdout.is_terminal())?;
        out.flush()?;
        return Ok(());
    };
    let temp = temp_path(file);
    let result = (|| -> Result<()> {
        let mut out = BufWriter::new(File::create(&temp)?);
        write(&mut out, false)?;
        let handle = out.into_inner().map_err(|e| e.into_error())?;
        handle.sync_all()?;
        std::fs::rename(&temp, file)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.with_context(|| format!("writing {}", file.display()))
}

fn temp_path(file: &Path) -> PathBuf {
    let name = file
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    file.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}
