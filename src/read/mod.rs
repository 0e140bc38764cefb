//! Reading log files: inputs, decompression, and the [`Source`](source::Source) that turns
//! an input's bytes into records. The acct CSV format is [`acct_csv`], with its row
//! splitters (`fast`, `plain`, [`row`]), header mapping ([`columns`]) and time parsing
//! ([`time`]).

pub mod acct_csv;
pub mod checkpoint;
pub mod columns;
pub mod distinct;
mod fast;
pub mod inputs;
pub mod open;
mod plain;
pub mod record;
pub mod row;
pub mod source;
pub mod stats;
pub mod stream;
pub mod summary;
pub mod time;
