//! deferwatch: deferral and bounce analytics for PowerMTA accounting logs.
//!
//! Data flows one way: files -> records ([`read`]) -> classes ([`classify`]) -> hourly
//! aggregates ([`aggregate`]) -> counts per question ([`query`]) -> rates, baselines and
//! findings ([`analyze`]) -> the review ([`review`]) -> output ([`render`], [`chart`]). [`cli`] holds what the user typed,
//! [`config`] turns it into validated values once, and [`cmd`] holds one small glue module
//! per subcommand. Each module imports only modules below it (ARCHITECTURE.md).

pub mod aggregate;
pub mod analyze;
pub mod audit;
pub mod chart;
pub mod classify;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod error;
pub mod fuzzing;
pub mod generate;
pub mod ingest;
pub mod isp;
pub mod load;
pub mod numfmt;
pub mod output;
pub mod palette;
pub mod query;
pub mod read;
pub mod render;
pub mod review;
pub mod store;
pub mod timefmt;
