//! Command-line arguments: only what the user typed.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::render::Format;

#[derive(Debug, Parser)]
#[command(
    name = "deferwatch",
    version,
    about = "Deferral and bounce analytics for PowerMTA accounting logs",
    long_about = "Reads PowerMTA accounting files (acct CSV, plain or .gz/.zst), classifies every \
deferral and bounce reply per ISP and sending IP, and reports hourly and daily deferral rates \
against the previous day, the seven-day average and the four-week trend.",
    after_help = "Examples:\n  deferwatch report /var/log/pmta\n  deferwatch report --day 2026-10-14 --format markdown /var/log/pmta\n  deferwatch hourly --by isp,source_ip --from 2026-10-14T00:00:00Z /var/log/pmta\n  deferwatch classify '550 5.7.1 Client host rejected: cannot find your reverse hostname'\n\nExit codes: 0 success, 1 error (bad arguments, unreadable input, malformed rows under --strict)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The daily ISP review: rates against yesterday and the 7-day average, trend, findings.
    #[command(
        after_help = "Examples:\n  deferwatch report /var/log/pmta\n  deferwatch report --day 2026-10-14 --tz America/New_York /var/log/pmta/acct-*.csv.gz\n  deferwatch report --format json /var/log/pmta > review.json"
    )]
    Report(ReportArgs),
    /// One row per hour and group, in CSV (default), JSON or a table.
    #[command(
        after_help = "Examples:\n  deferwatch hourly /var/log/pmta > hourly.csv\n  deferwatch hourly --by isp,class --from 2026-10-14 --to 2026-10-15 /var/log/pmta\n  zcat acct-2026-10-14-0000.csv.gz | deferwatch hourly --by source_ip -"
    )]
    Hourly(HourlyArgs),
    /// Classifies reply texts (arguments, or one per line on stdin) to test rules.
    #[command(
        after_help = "Examples:\n  deferwatch classify '421-4.7.28 Our system has detected an unusual rate'\n  deferwatch classify --isp yahoo --format json < replies.txt\n  deferwatch classify --config rules.toml 'our custom reply'"
    )]
    Classify(ClassifyArgs),
    /// Writes realistic, seeded acct logs with injected incidents and their ground truth.
    #[command(
        after_help = "Examples:\n  deferwatch generate --days 35 --out /tmp/acct\n  deferwatch generate --days 30 --rows-per-day 150000 --gzip --out /tmp/big"
    )]
    Generate(GenerateArgs),
}

/// Options every command that reads logs shares.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// acct files, directories (read recursively), globs, or `-` for stdin.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<String>,
    /// Config file (TOML): ISP mappings, classification rules, thresholds.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// IANA time zone for day boundaries and displayed times (machine formats stay UTC).
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub tz: String,
    /// Fail (exit 1) when any row is malformed, instead of counting and skipping it.
    #[arg(long)]
    pub strict: bool,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The day to review (default: the last complete day in the logs).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub day: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct HourlyArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Grouping: any of isp, source_ip, vmta, pool, class (comma-separated).
    #[arg(long, value_name = "DIMS", default_value = "isp")]
    pub by: String,
    /// First hour to show (RFC 3339 time or YYYY-MM-DD); earlier hours still feed baselines.
    #[arg(long, value_name = "T")]
    pub from: Option<String>,
    /// Show hours before this time (RFC 3339 time or YYYY-MM-DD, exclusive).
    #[arg(long, value_name = "T")]
    pub to: Option<String>,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClassifyFormat {
    Tsv,
    Json,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Reply texts; without any, one reply per line is read from stdin.
    #[arg(value_name = "TEXT")]
    pub texts: Vec<String>,
    /// ISP id giving the provider context (gmail, microsoft, yahoo, ...).
    #[arg(long, value_name = "ID", default_value = "other")]
    pub isp: String,
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "tsv")]
    pub format: ClassifyFormat,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[arg(long, default_value_t = 35)]
    pub days: u32,
    /// Delivery attempts per day, across all ISPs.
    #[arg(long, default_value_t = 20_000)]
    pub rows_per_day: u64,
    /// Seed of the random generator: the same seed gives the same files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Last day generated (YYYY-MM-DD); the others precede it.
    #[arg(long, value_name = "YYYY-MM-DD", default_value = "2026-10-31")]
    pub end: String,
    /// Files rotate after this many rows (like PowerMTA's max-size).
    #[arg(long, default_value_t = 50_000)]
    pub rotate_rows: u64,
    /// Compress the files with gzip, as logrotate does.
    #[arg(long)]
    pub gzip: bool,
}
