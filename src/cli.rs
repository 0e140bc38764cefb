//! Command-line arguments: only what the user typed.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::chart::ChartKind;
use crate::render::Format;
use crate::render::audit::AuditFormat;

#[derive(Debug, Parser)]
#[command(
    name = "deferwatch",
    version,
    about = "Deferral and bounce analytics for PowerMTA accounting logs",
    long_about = "Reads PowerMTA accounting files (acct CSV, plain or .gz/.zst/.xz/.bz2), classifies every \
deferral and bounce reply per ISP and sending IP, and reports hourly and daily deferral rates \
against the previous day, the seven-day average and the four-week trend.",
    after_help = "Examples:\n  deferwatch report /var/log/pmta\n  deferwatch report --day 2026-10-14 --format markdown /var/log/pmta\n  deferwatch hourly --by isp,source_ip --from 2026-10-14T00:00:00Z /var/log/pmta\n  deferwatch ingest --store /var/lib/deferwatch/pmta.db /var/log/pmta\n  deferwatch check --store /var/lib/deferwatch/pmta.db\n  deferwatch classify '550 5.7.1 Client host rejected: cannot find your reverse hostname'\n\nExit codes: 0 success, 1 error (bad arguments, unreadable input, malformed rows under --strict).\n`check` follows the monitoring-plugin convention instead: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN;
`audit` too: 0 all pass, 1 warn, 2 fail, 3 unknown."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The daily ISP review: rates against yesterday and the 7-day average, trend, findings.
    #[command(
        after_help = "Examples:\n  deferwatch report /var/log/pmta\n  deferwatch report --day 2026-10-14 --tz America/New_York /var/log/pmta/acct-*.csv.gz\n  deferwatch report --format json /var/log/pmta > review.json\n  deferwatch report --store mta1.db --store mta2.db --quiet\n  deferwatch report --store pmta.db --format prometheus --output /var/lib/node_exporter/textfile/deferwatch.prom\n  deferwatch report --format html -o review.html --pmta-config /etc/pmta/config /var/log/pmta"
    )]
    Report(ReportArgs),
    /// One row per hour and group, in CSV (default), JSON, a table or Prometheus text.
    #[command(
        after_help = "Examples:\n  deferwatch hourly /var/log/pmta > hourly.csv\n  deferwatch hourly --by isp,class --from 2026-10-14 --to 2026-10-15 /var/log/pmta\n  zcat acct-2026-10-14-0000.csv.gz | deferwatch hourly --by source_ip -"
    )]
    Hourly(HourlyArgs),
    /// Charts for incident tickets: hourly deferral rate, deferrals by class, or a per-IP heat map (PNG or SVG).
    #[command(
        after_help = "Examples:\n  deferwatch chart --isp gmail -o gmail.png /var/log/pmta\n  deferwatch chart --store pmta.db --isp gmail --source-ip 203.0.113.14 --from 2026-10-25 -o ip.svg\n  deferwatch chart --store pmta.db --isp microsoft --kind classes -o ms-classes.png\n  deferwatch chart --store pmta.db --isp gmail --kind ips -o gmail-ips.png\n\nThe window defaults to the 7 days up to the newest hour in the data. Times are UTC.\nIn `rate` charts, hours shaded red have status alert: judged like a day with 24 times\nthe hour's volume against the 168 hours before, and more than three standard deviations\nabove what that baseline rate gives for the hour's attempts."
    )]
    Chart(ChartArgs),
    /// Reads only new log bytes into the store (for cron); rotated and compressed files are recognised.
    #[command(
        after_help = "Examples:\n  deferwatch ingest /var/log/pmta\n  deferwatch ingest --store /var/lib/deferwatch/pmta.db --keep-days 120 /var/log/pmta /var/log/pmta/archive\n  deferwatch report --store /var/lib/deferwatch/pmta.db\n\nFiles whose content was read before (grown, renamed, or compressed to .gz/.zst/.xz/.bz2) are read\nfrom where the last run stopped; a partial last row waits for the next run. An ingest\nchanges the store in one transaction: if it is killed, the store is as the last complete\nrun left it. A second ingest on the same store waits 5 s, then exits with status 1."
    )]
    Ingest(IngestArgs),
    /// Monitoring-plugin check (Nagios, Icinga, Zabbix): exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    #[command(
        after_help = "Examples:\n  deferwatch check --store /var/lib/deferwatch/pmta.db\n  deferwatch check --config /etc/deferwatch.toml /var/log/pmta\n  deferwatch check --store /var/lib/deferwatch/pmta.db --pmta-config /etc/pmta/config\n  deferwatch check --store /var/lib/deferwatch/pmta.db --last 3h\n\nThe first line is the summary, e.g.\n  DEFERWATCH CRITICAL - gmail deferral 9.8% (7d avg 3.1%), 203.0.113.7 rdns_missing\nfollowed by one line per finding. Thresholds come from the [thresholds] section of --config."
    )]
    Check(CheckArgs),
    /// Sender identity audit: PTR, FCrDNS and EHLO per sending IP, next to the logs' rdns_* replies.
    #[command(
        after_help = "Examples:\n  deferwatch audit --pmta-config /etc/pmta/config\n  deferwatch audit --pmta-config /etc/pmta/config --store /var/lib/deferwatch/pmta.db\n  deferwatch audit --pmta-config /etc/pmta/config --from 2026-10-20 /var/log/pmta\n  deferwatch audit --ip 203.0.113.7=mta7.example.net --ip 2001:db8::25 --resolver 192.0.2.53:53\n  deferwatch audit --format html -o identity.html --pmta-config /etc/pmta/config /var/log/pmta\n\nSending IPs come from the smtp-source-host lines of --pmta-config (includes followed),\nfrom --ip, and from the source IPs of the logs or stores, so IPs missing from the config\nare audited too. Each check is pass, warn or fail, with the dig command that shows it.\n\nExit codes, as for `check`: 0 all pass, 1 warn, 2 fail, 3 unknown (DNS did not answer,\nor the audit could not run)."
    )]
    Audit(AuditArgs),
    /// Writes the store's hourly aggregates as Parquet files partitioned by day.
    #[command(
        after_help = "Examples:\n  deferwatch export --store pmta.db --format parquet --out /data/deferwatch\n  duckdb -c \"SELECT isp, sum(count) FROM read_parquet('/data/deferwatch/*/*.parquet', hive_partitioning=true) GROUP BY isp\""
    )]
    Export(ExportArgs),
    /// Classifies reply texts (arguments, or one per line on stdin) to test rules.
    #[command(
        after_help = "Examples:\n  deferwatch classify '421-4.7.28 Our system has detected an unusual rate'\n  deferwatch classify --isp yahoo --format json < replies.txt\n  deferwatch classify --explain --isp microsoft '550 5.7.1 Unfortunately, messages from [192.0.2.1] weren'\\''t sent. (S3150)'\n  deferwatch classify --stats < replies.txt\n  deferwatch classify --config rules.toml 'our custom reply'"
    )]
    Classify(ClassifyArgs),
    /// Lists every reply text no rule knows (masked and grouped), for writing rules.
    #[command(
        after_help = "Examples:\n  deferwatch unknown /var/log/pmta\n  deferwatch unknown --store /var/lib/deferwatch/pmta.db --limit 20\n  deferwatch unknown --format json /var/log/pmta > unknown.json\n\nEach line: count, first and last hour seen (UTC), ISPs with counts, source IPs, text.\nAll templates are listed unless --limit is given; the last line then says how many more\nthere are. Stores keep counts per text, ISP and hour, not per source IP: read the logs\nfor the IPs. Then `deferwatch classify --explain TEXT` and a [[rule]] in --config."
    )]
    Unknown(UnknownArgs),
    /// Checks a file of classification rules against the public reply corpus.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Writes realistic, seeded acct logs with injected incidents and their ground truth.
    #[command(
        after_help = "Examples:\n  deferwatch generate --days 35 --out /tmp/acct\n  deferwatch generate --days 30 --rows-per-day 150000 --gzip --out /tmp/big\n  deferwatch generate --days 8 --scenario mixed --seed 7 --out /tmp/incidents\n  deferwatch generate --days 30 --source-ips 2000 --out /tmp/fleet   (large-fleet layout)"
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
    /// Fail with an error when any row is malformed, instead of counting and skipping it.
    #[arg(long)]
    pub strict: bool,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Read the aggregates of a store built by `ingest` instead of log files. Repeat it to
    /// sum stores from several hosts into one view.
    #[arg(long, value_name = "PATH")]
    pub store: Vec<PathBuf>,
}

/// Where a command writes its output.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Write to FILE instead of stdout (`-`): a regular file is replaced atomically and keeps
    /// its owner and mode; a symlink's target is written; a device or FIFO is written in place.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The day to review: YYYY-MM-DD, `today` (so far) or `yesterday`, in --tz (default:
    /// the last complete day in the logs).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub day: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Print nothing when every ISP, IP and pool is ok (for cron, which mails any output).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// With --pmta-config or --ip, the review ends with the sender identity audit of
    /// those IPs and the IPs of the logs (rdns_* replies counted over the last 7 days).
    #[command(flatten)]
    pub identity: IdentityArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// acct files, directories (read recursively) or globs.
    #[arg(value_name = "PATHS", required = true)]
    pub paths: Vec<String>,
    /// The store file (created if missing).
    #[arg(long, value_name = "PATH", default_value = crate::store::DEFAULT_STORE)]
    pub store: PathBuf,
    /// Config file (TOML): ISP mappings and classification rules used for the new rows.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Keep this many days of aggregates, up to the newest day in the store (never past
    /// today); at least 35, the history the review needs, unless --allow-short-history.
    #[arg(long, value_name = "N", default_value_t = 90)]
    pub keep_days: u32,
    /// Accept --keep-days below 35 (at least 1): trends and baselines then lack history.
    #[arg(long)]
    pub allow_short_history: bool,
    /// Fail (exit 1, store unchanged) when any new row is malformed.
    #[arg(long)]
    pub strict: bool,
    /// Print nothing on success (warnings still go to stderr).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The day to check: YYYY-MM-DD, `today` (so far) or `yesterday`, in --tz (default: the
    /// last complete day in the data).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub day: Option<String>,
    /// UNKNOWN when the newest row is older than this many hours (a stalled ingest).
    #[arg(long, value_name = "HOURS")]
    pub max_age: Option<u64>,
    /// Judge the most recent hours up to the newest row (e.g. 3h, 90m; at most 24h) against
    /// the same hours of the seven days before, instead of the last complete day.
    #[arg(long, value_name = "DURATION", conflicts_with = "day")]
    pub last: Option<String>,
    /// With --pmta-config or --ip, the sender identity audit counts too: a failing IP is
    /// CRITICAL, a warning (or no DNS answer) WARNING.
    #[command(flatten)]
    pub identity: IdentityArgs,
}

/// Where the sending identities come from and how DNS is asked (`audit`, and the review).
#[derive(Debug, Args)]
pub struct IdentityArgs {
    /// The PowerMTA config (`include` lines are followed): its smtp-source-host lines give
    /// the sending IPs and their EHLO names.
    #[arg(long, value_name = "FILE")]
    pub pmta_config: Option<PathBuf>,
    /// A sending IP to audit, with the EHLO name it uses if known (repeatable).
    #[arg(long = "ip", value_name = "IP[=EHLO]")]
    pub ips: Vec<String>,
    /// The DNS server to ask (default: the system's, from /etc/resolv.conf).
    #[arg(long, value_name = "IP:PORT")]
    pub resolver: Option<String>,
    /// Seconds to wait for each DNS answer (0.1 to 60).
    #[arg(long, value_name = "SECS", default_value_t = 3.0)]
    pub dns_timeout: f64,
    /// Tries per DNS query, the first included (1 to 10).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub dns_attempts: usize,
    /// DNS queries in flight at once (1 to 1024).
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub dns_concurrency: usize,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub identity: IdentityArgs,
    /// Count the logs' rdns_* replies from this time (RFC 3339 time or YYYY-MM-DD, UTC).
    #[arg(long, value_name = "T")]
    pub from: Option<String>,
    /// ... up to this time (exclusive).
    #[arg(long, value_name = "T")]
    pub to: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: AuditFormat,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ChartArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The ISP to chart (gmail, microsoft, yahoo, ...).
    #[arg(long, value_name = "ID")]
    pub isp: String,
    #[arg(long, value_name = "IP")]
    pub source_ip: Option<String>,
    #[arg(long, value_name = "POOL")]
    pub pool: Option<String>,
    #[arg(long, value_name = "VMTA")]
    pub vmta: Option<String>,
    /// Only this reply class (rdns_missing, rate_limited, ...).
    #[arg(long, value_name = "CLASS")]
    pub class: Option<String>,
    /// First hour (RFC 3339 time or YYYY-MM-DD, UTC); default: 7 days before --to.
    #[arg(long, value_name = "T")]
    pub from: Option<String>,
    /// End of the window (exclusive); default: after the newest hour in the data.
    #[arg(long, value_name = "T")]
    pub to: Option<String>,
    #[arg(long, value_enum, default_value = "rate")]
    pub kind: ChartKind,
    /// The chart file, PNG or SVG by its extension (`-`: a PNG on stdout).
    #[arg(long, short = 'o', value_name = "FILE.png|FILE.svg")]
    pub output: PathBuf,
    /// Width in pixels (200 to 7680).
    #[arg(long, default_value_t = 1200)]
    pub width: u32,
    /// Height in pixels (150 to 4320).
    #[arg(long, default_value_t = 600)]
    pub height: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Parquet,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The store(s) to export; several are summed.
    #[arg(long, value_name = "PATH", required = true)]
    pub store: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: ExportFormat,
    /// Output directory; one `day=YYYY-MM-DD/` directory per UTC day is written in it.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
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
    #[command(flatten)]
    pub output: OutputArgs,
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
    /// Echo each text as given; by default it is echoed as the rules see it, with
    /// addresses, IPs and ids masked.
    #[arg(long)]
    pub raw: bool,
    /// Show the decision path: the rule and the text it matched, the rules after it that
    /// matched too, and what each provider code in the reply means, with its page.
    #[arg(long, conflicts_with = "stats")]
    pub explain: bool,
    /// Instead of a line per reply, count per rule how many replies it decided and how
    /// many it matched, so rules that never fire and rules that shadow others show.
    #[arg(long)]
    pub stats: bool,
}

#[derive(Debug, Args)]
pub struct UnknownArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// List at most this many templates, most frequent first.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    #[arg(long, value_enum, default_value = "tsv")]
    pub format: ClassifyFormat,
}

#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// Compiles the `[[rule]]`s of a config file and runs them, ahead of the built-in
    /// rules, over a labelled reply corpus: prints every reply whose class they change,
    /// and the accuracy per fold before and after.
    #[command(
        after_help = "Examples:\n  deferwatch rules check /etc/deferwatch/rules.toml\n  deferwatch rules check --corpus my-replies.jsonl rules.toml\n\nThe corpus is JSON Lines with fields diag, isp, class and source (the format of\ntestdata/replies/replies.jsonl, which is built in and used without --corpus).\nExit codes: 0 no reply got a wrong class it did not have before, 1 otherwise or on error."
    )]
    Check(RulesCheckArgs),
}

#[derive(Debug, Args)]
pub struct RulesCheckArgs {
    /// Config file (TOML) with the `[[rule]]`s to check.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// A labelled corpus to run them over instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub corpus: Option<PathBuf>,
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
    /// Sending IPs to spread rows over (203.0.113.10 onwards; at most 5,000).
    #[arg(long, value_name = "N", default_value_t = crate::generate::DEFAULT_SOURCE_IPS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=5000))]
    pub source_ips: usize,
    /// Lay the IPs out as a large fleet: VirtualMTAs of 8 IPs, pools of 64, volume skewed
    /// toward a few IPs, one IP in four IPv6 beyond the first 240. Implied above 240 IPs.
    #[arg(long)]
    pub fleet: bool,
    /// The incidents to inject: the sample's three, none, or a mix drawn from the seed
    /// (PTR loss, FCrDNS break, blocklisting, DKIM auth failure, connection outage,
    /// throttling spike; some co-occurring, some recovering). truth.json lists them.
    #[arg(long, value_enum, default_value_t = crate::generate::scenario::Scenario::Sample)]
    pub scenario: crate::generate::scenario::Scenario,
}
