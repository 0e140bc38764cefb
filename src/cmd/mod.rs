//! One small module per subcommand: glue that builds the command's config, runs the library
//! and writes the output. No command module imports another.

mod audit;
mod chart;
mod check;
pub use check::print_plugin_result;
mod classify;
mod export;
mod generate;
mod hourly;
mod ingest;
mod report;
mod rules;
mod unknown;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::config::{
    ChartConfig, ClassifyConfig, ExportConfig, HourlyConfig, IngestConfig, ReportConfig,
    generate_options,
};
use crate::error::ExitCode;

/// Runs a command; returns the process exit code. `check` and `audit` report their own
/// errors as UNKNOWN, as monitoring plugins do.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Report(args) => return report::run(ReportConfig::new(args)?),
        Command::Hourly(args) => hourly::run(HourlyConfig::new(args)?)?,
        Command::Chart(args) => chart::run(ChartConfig::new(args)?)?,
        Command::Ingest(args) => ingest::run(IngestConfig::new(args)?)?,
        Command::Check(args) => return Ok(check::run(args)),
        Command::Audit(args) => return Ok(audit::run(args)),
        Command::Export(args) => export::run(ExportConfig::new(args))?,
        Command::Classify(args) => classify::run(ClassifyConfig::new(args)?)?,
        Command::Rules(crate::cli::RulesCommand::Check(args)) => return rules::check(args),
        Command::Unknown(args) => unknown::run(args)?,
        Command::Generate(args) => generate::run(generate_options(args)?)?,
    }
    Ok(ExitCode::Success)
}
