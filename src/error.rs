//! Typed errors, each saying what to do next, and the process exit codes.

use thiserror::Error;

/// Exit codes (documented in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    Error = 1,
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
