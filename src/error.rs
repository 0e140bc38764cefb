//! Typed errors, each saying what to do next, and the process exit codes.

use thiserror::Error;

/// Every exit code the tool uses (documented in the README and `--help`). Most commands exit
/// `Success` or `Error`; `check` and `audit` follow the monitoring-plugin convention
/// (OK is `Success`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitCode {
    /// 0: done; for `check` and `audit`, OK.
    Success,
    /// 1: bad arguments, unreadable input, malformed rows under --strict.
    Error,
    /// 1: `check`/`audit` WARNING.
    Warning,
    /// 2: `check`/`audit` CRITICAL.
    Critical,
    /// 3: `check`/`audit` UNKNOWN: no verdict could be given.
    Unknown,
}

impl ExitCode {
    /// The process exit status.
    pub fn code(self) -> i32 {
        match self {
            ExitCode::Success => 0,
            ExitCode::Error | ExitCode::Warning => 1,
            ExitCode::Critical => 2,
            ExitCode::Unknown => 3,
        }
    }

    /// The monitoring-plugin state name.
    pub fn plugin_state(self) -> &'static str {
        match self {
            ExitCode::Success => "OK",
            ExitCode::Warning => "WARNING",
            ExitCode::Critical => "CRITICAL",
            ExitCode::Error | ExitCode::Unknown => "UNKNOWN",
        }
    }
}

/// The prefix of every error message the binary prints.
pub const ERROR_PREFIX: &str = "deferwatch";

/// The one line the binary prints for an error: `deferwatch: ` and the chain of causes,
/// each cause once (a message that already quotes its cause does not repeat it).
pub fn error_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    format!("{ERROR_PREFIX}: {line}")
}

#[derive(Debug, Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("input `{0}` does not exist; give acct files, directories, globs or `-` for stdin")]
    MissingInput(String),
    #[error(
        "glob `{0}` matched no files; check the pattern (quote it so the shell leaves it alone)"
    )]
    NoMatch(String),
    #[error("bad glob `{pattern}`: {reason}")]
    BadGlob { pattern: String, reason: String },
    #[error(
        "no input given; pass acct files or directories, e.g. `deferwatch report /var/log/pmta`"
    )]
    NoInput,
    #[error("config: {message}")]
    Config { message: String },
    #[error("{0}")]
    Usage(String),
    #[error(
        "{count} malformed row(s) in the input and --strict is set; see the warnings above, or drop --strict to count and skip them"
    )]
    Strict { count: u64 },
    #[error(
        "{} input(s) could not be read ({}); a review without them would show wrong rates: make them readable, or leave them out of the paths",
        files.len(), files.join("; ")
    )]
    Unreadable { files: Vec<String> },
    #[error(
        "{} input(s) could not be read ({}); the others are stored, and the next ingest reads these once they can be",
        files.len(), files.join("; ")
    )]
    IngestIncomplete { files: Vec<String> },
    #[error(
        "{} input(s) were not read into the store ({}); a review without them would show wrong rates: make them readable and run ingest again, or leave them out of its paths",
        files.len(), files.join("; ")
    )]
    StoreIncomplete { files: Vec<String> },
    #[error(
        "no rows with a usable time were read; check that the inputs are PowerMTA acct CSV files"
    )]
    NoRows,
    #[error("store {path}: {message}")]
    Store { path: String, message: String },
    #[error(
        "store {path} is locked: another ingest is running on it (waited {waited} s). The store is unchanged; run again when that ingest has finished"
    )]
    StoreBusy { path: String, waited: u64 },
    #[error(
        "store {0} does not exist; build it first with `deferwatch ingest --store {0} /var/log/pmta`"
    )]
    StoreMissing(String),
    #[error("drawing the chart failed: {0}")]
    Chart(String),
    #[error("analytics failed: {0}")]
    Analytics(String),
    #[error("DNS: {0}")]
    Dns(String),
}

impl From<polars::error::PolarsError> for Error {
    fn from(e: polars::error::PolarsError) -> Self {
        Error::Analytics(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_name_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let err = anyhow::Error::from(Error::Io {
            path: "pmta.conf".into(),
            source: io,
        })
        .context("reading the PowerMTA config");
        assert_eq!(
            error_line(&err),
            "deferwatch: reading the PowerMTA config: pmta.conf: No such file"
        );
    }
}
