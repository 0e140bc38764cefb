//! The second stage of the arguments: what the user typed ([`crate::cli`]) and the config
//! file, turned once into validated, typed values per command (time zone, day, window,
//! groupings, sources with their compiled rules, audit inputs, DNS settings, thresholds,
//! outputs). Every cross-flag check happens here; commands only run what they are given.

pub mod file;
pub mod values;

use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::analyze::metrics::Dim;
use crate::analyze::series::Scope;
use crate::analyze::status::Thresholds;
use crate::audit::dns::DnsSettings;
use crate::audit::logs::Window;
use crate::audit::pmta::PmtaConfig;
use crate::chart::{ChartKind, ImageFormat};
use crate::classify::Classifier;
use crate::cli::{
    AuditArgs, ChartArgs, CheckArgs, ClassifyArgs, ClassifyFormat, ExportArgs, ExportFormat,
    GenerateArgs, HourlyArgs, IdentityArgs, IngestArgs, InputArgs, ReportArgs,
};
use crate::error::Error;
use crate::generate::GenerateOptions;
use crate::isp::IspResolver;
use crate::load::Sources;
use crate::read::acct_csv::AcctCsv;
use crate::read::inputs::{Input, expand_inputs};
use crate::render::Format;
use crate::render::audit::AuditFormat;
use crate::review::{IdentityPlan, ReviewPlan};
pub use file::ConfigFile;

/// What every command that reads logs or stores works from.
pub struct InputConfig {
    pub sources: Sources,
    pub tz: Tz,
    pub thresholds: Thresholds,
}

impl InputConfig {
    pub fn new(args: &InputArgs) -> Result<InputConfig, Error> {
        let tz = values::time_zone(&args.tz)?;
        let file = ConfigFile::load(args.config.as_deref())?;
        let sources = if !args.store.is_empty() {
            if !args.paths.is_empty() {
                return Err(Error::Usage(
                    "give either log PATHS or --store, not both (ingest the logs into the store first)"
                        .into(),
                ));
            }
            Sources::Stores(args.store.clone())
        } else if args.paths.is_empty() {
            return Err(Error::NoInput);
        } else {
            Sources::Logs {
                inputs: expand_and_warn(&args.paths)?,
                format: file.acct_csv(),
                classifier: Box::new(file.classifier()?),
                resolver: file.isp_resolver()?,
                threads: values::threads(args.threads),
                strict: args.strict,
            }
        };
        Ok(InputConfig {
            sources,
            tz,
            thresholds: file.thresholds,
        })
    }

    /// Whether the user gave logs or stores at all.
    fn given(args: &InputArgs) -> bool {
        !args.paths.is_empty() || !args.store.is_empty()
    }
}

/// The inputs PATHS name; what directories and globs hold that is not a regular file is
/// left out with a warning.
fn expand_and_warn(paths: &[String]) -> Result<Vec<Input>, Error> {
    let expanded = expand_inputs(paths)?;
    for line in &expanded.skipped {
        eprintln!("warning: {line}");
    }
    Ok(expanded.inputs)
}

/// The sending identities and DNS settings, when the user asked for an audit.
fn identity_plan(args: &IdentityArgs) -> Result<Option<IdentityPlan>, Error> {
    if args.pmta_config.is_none() && args.ips.is_empty() {
        return Ok(None);
    }
    identity_plan_always(args).map(Some)
}

fn identity_plan_always(args: &IdentityArgs) -> Result<IdentityPlan, Error> {
    let pmta = args
        .pmta_config
        .as_deref()
        .map(PmtaConfig::load)
        .transpose()?;
    for warning in pmta.iter().flat_map(|p| &p.warnings) {
        eprintln!("warning: {warning}");
    }
    let by_hand = args
        .ips
        .iter()
        .map(|text| values::ip_with_ehlo(text))
        .collect::<Result<_, _>>()?;
    Ok(IdentityPlan {
        pmta,
        by_hand,
        dns: dns_settings(args)?,
    })
}

fn dns_settings(args: &IdentityArgs) -> Result<DnsSettings, Error> {
    let server = args.resolver.as_deref().map(values::resolver).transpose()?;
    if !(args.dns_timeout >= 0.1 && args.dns_timeout <= 60.0) {
        return Err(Error::Usage(format!(
            "--dns-timeout {}: give 0.1 to 60 seconds",
            args.dns_timeout
        )));
    }
    if !(1..=10).contains(&args.dns_attempts) {
        return Err(Error::Usage(format!(
            "--dns-attempts {}: give 1 to 10 tries (the first included)",
            args.dns_attempts
        )));
    }
    if !(1..=1024).contains(&args.dns_concurrency) {
        return Err(Error::Usage(format!(
            "--dns-concurrency {}: give 1 to 1024 queries in flight",
            args.dns_concurrency
        )));
    }
    Ok(DnsSettings {
        server,
        timeout: Duration::from_secs_f64(args.dns_timeout),
        attempts: args.dns_attempts,
        concurrency: args.dns_concurrency,
    })
}

/// The review of a day (`report` and `check`).
pub struct ReviewConfig {
    pub input: InputConfig,
    /// Days since the epoch; without it, the last complete day in the data.
    pub day: Option<i64>,
    pub identity: Option<IdentityPlan>,
}

impl ReviewConfig {
    fn new(
        input: &InputArgs,
        day: Option<&str>,
        identity: &IdentityArgs,
    ) -> Result<ReviewConfig, Error> {
        let input = InputConfig::new(input)?;
        Ok(ReviewConfig {
            day: day.map(|text| values::day(text, input.tz)).transpose()?,
            input,
            identity: identity_plan(identity)?,
        })
    }

    /// What [`crate::review::build_review`] needs.
    pub fn plan(&self) -> ReviewPlan<'_> {
        ReviewPlan {
            sources: &self.input.sources,
            tz: self.input.tz,
            thresholds: &self.input.thresholds,
            day: self.day,
            identity: self.identity.as_ref(),
        }
    }
}

/// `deferwatch report`.
pub struct ReportConfig {
    pub review: ReviewConfig,
    pub format: Format,
    pub quiet: bool,
    pub output: Option<PathBuf>,
}

impl ReportConfig {
    pub fn new(args: ReportArgs) -> Result<ReportConfig, Error> {
        Ok(ReportConfig {
            review: ReviewConfig::new(&args.input, args.day.as_deref(), &args.identity)?,
            format: args.format,
            quiet: args.quiet,
            output: args.output.output,
        })
    }
}

/// `deferwatch check`.
pub struct CheckConfig {
    pub review: ReviewConfig,
    pub max_age_hours: Option<u64>,
    /// `--last`: judge this many recent hours instead of the last complete day.
    pub last_hours: Option<i64>,
}

impl CheckConfig {
    pub fn new(args: CheckArgs) -> Result<CheckConfig, Error> {
        Ok(CheckConfig {
            last_hours: args.last.as_deref().map(values::last_hours).transpose()?,
            review: ReviewConfig::new(&args.input, args.day.as_deref(), &args.identity)?,
            max_age_hours: args.max_age,
        })
    }
}

/// `deferwatch hourly`.
pub struct HourlyConfig {
    pub input: InputConfig,
    pub dims: Vec<Dim>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub format: Format,
    pub output: Option<PathBuf>,
}

impl HourlyConfig {
    pub fn new(args: HourlyArgs) -> Result<HourlyConfig, Error> {
        let dims = values::dims(&args.by)?;
        let (from, to) = values::window(args.from.as_deref(), args.to.as_deref())?;
        Ok(HourlyConfig {
            input: InputConfig::new(&args.input)?,
            dims,
            from,
            to,
            format: args.format,
            output: args.output.output,
        })
    }
}

/// `deferwatch chart`.
pub struct ChartConfig {
    pub input: InputConfig,
    pub scope: Scope,
    pub kind: ChartKind,
    /// The window in epoch hours; open ends default to the data.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// The chart file, or `-` for stdout.
    pub output: PathBuf,
    pub format: ImageFormat,
    pub size: (u32, u32),
}

impl ChartConfig {
    pub fn new(args: ChartArgs) -> Result<ChartConfig, Error> {
        let class = args.class.as_deref().map(values::class).transpose()?;
        let (max_width, max_height) = MAX_CHART_SIZE;
        if args.width < 200
            || args.height < 150
            || args.width > max_width
            || args.height > max_height
        {
            return Err(Error::Usage(format!(
                "--width and --height must be from 200 x 150 to {max_width} x {max_height} pixels"
            )));
        }
        let (from, to) = values::window(args.from.as_deref(), args.to.as_deref())?;
        Ok(ChartConfig {
            input: InputConfig::new(&args.input)?,
            scope: Scope {
                isp: args.isp,
                source_ip: args.source_ip,
                pool: args.pool,
                vmta: args.vmta,
                class,
            },
            kind: args.kind,
            from,
            to,
            format: ImageFormat::of_path(&args.output)?,
            output: args.output,
            size: (args.width, args.height),
        })
    }
}

/// `deferwatch audit`.
pub struct AuditConfig {
    /// The logs or stores whose source IPs and rdns_* replies join the audit, if given.
    pub input: Option<InputConfig>,
    pub identity: IdentityPlan,
    pub window: Window,
    pub format: AuditFormat,
    pub output: Option<PathBuf>,
}

impl AuditConfig {
    pub fn new(args: AuditArgs) -> Result<AuditConfig, Error> {
        let (from, to) = values::window(args.from.as_deref(), args.to.as_deref())?;
        let input = InputConfig::given(&args.input)
            .then(|| InputConfig::new(&args.input))
            .transpose()?;
        let identity = identity_plan_always(&args.identity)?;
        if identity.pmta.is_none() && identity.by_hand.is_empty() && input.is_none() {
            return Err(Error::Usage(
                "nothing to audit: give --pmta-config FILE, --ip IP[=EHLO], or logs (PATHS or --store)"
                    .into(),
            ));
        }
        Ok(AuditConfig {
            input,
            identity,
            window: Window { from, to },
            format: args.format,
            output: args.output.output,
        })
    }
}

/// The fewest days an ingest keeps without `--allow-short-history`: the 28 days of a trend,
/// each with its 7-day baseline.
pub const MIN_KEEP_DAYS: u32 = 35;

/// `deferwatch ingest`.
pub struct IngestConfig {
    pub files: Vec<PathBuf>,
    pub store: PathBuf,
    pub format: AcctCsv,
    pub classifier: Classifier,
    pub resolver: IspResolver,
    /// What decided ISPs and classes, to tell when a store was ingested under other rules.
    pub classification_fingerprint: String,
    pub threads: usize,
    pub keep_days: u32,
    pub strict: bool,
    pub quiet: bool,
}

impl IngestConfig {
    pub fn new(args: IngestArgs) -> Result<IngestConfig, Error> {
        let file = ConfigFile::load(args.config.as_deref())?;
        let mut files = Vec::new();
        for input in expand_and_warn(&args.paths)? {
            match input {
                Input::File(path) => files.push(path),
                Input::Stdin | Input::Stream(_) => {
                    return Err(Error::Usage(format!(
                        "ingest reads regular files, not {}: it must find them again to read only what is new",
                        input.display_name()
                    )));
                }
            }
        }
        let shortest = if args.allow_short_history {
            1
        } else {
            MIN_KEEP_DAYS
        };
        if args.keep_days < shortest {
            return Err(Error::Usage(if args.allow_short_history {
                "--keep-days must be at least 1: 0 would empty the store".to_string()
            } else {
                format!(
                    "--keep-days {} would prune the history the review needs ({MIN_KEEP_DAYS} days: a 28-day trend over days with a 7-day baseline); give --allow-short-history to keep fewer",
                    args.keep_days
                )
            }));
        }
        Ok(IngestConfig {
            files,
            store: args.store,
            format: file.acct_csv(),
            classifier: file.classifier()?,
            resolver: file.isp_resolver()?,
            classification_fingerprint: file.classification_fingerprint(),
            threads: values::threads(args.threads),
            keep_days: args.keep_days,
            strict: args.strict,
            quiet: args.quiet,
        })
    }
}

/// `deferwatch classify`.
pub struct ClassifyConfig {
    pub texts: Vec<String>,
    pub isp: String,
    pub classifier: Classifier,
    pub format: ClassifyFormat,
    pub raw: bool,
    pub explain: bool,
    pub stats: bool,
}

impl ClassifyConfig {
    pub fn new(args: ClassifyArgs) -> Result<ClassifyConfig, Error> {
        let file = ConfigFile::load(args.config.as_deref())?;
        Ok(ClassifyConfig {
            texts: args.texts,
            isp: args.isp,
            classifier: file.classifier()?,
            format: args.format,
            raw: args.raw,
            explain: args.explain,
            stats: args.stats,
        })
    }
}

/// `deferwatch export`.
pub struct ExportConfig {
    pub stores: Vec<PathBuf>,
    pub format: ExportFormat,
    pub out: PathBuf,
}

impl ExportConfig {
    pub fn new(args: ExportArgs) -> ExportConfig {
        ExportConfig {
            stores: args.store,
            format: args.format,
            out: args.out,
        }
    }
}

/// The largest chart drawn: 7,680 x 4,320 (8K), about 100 MB of pixels. Without a bound a
/// typo such as 100000 x 100000 allocated 30 GB before failing.
pub const MAX_CHART_SIZE: (u32, u32) = (7_680, 4_320);

/// `deferwatch generate`.
pub fn generate_options(args: GenerateArgs) -> Result<GenerateOptions, Error> {
    let end = NaiveDate::parse_from_str(&args.end, "%Y-%m-%d").map_err(|_| {
        Error::Usage(format!(
            "--end `{}` is not a date; write YYYY-MM-DD",
            args.end
        ))
    })?;
    if args.days == 0 {
        return Err(Error::Usage("--days must be at least 1".into()));
    }
    Ok(GenerateOptions {
        out: args.out,
        days: args.days,
        rows_per_day: args.rows_per_day,
        seed: args.seed,
        end,
        rotate_rows: args.rotate_rows,
        gzip: args.gzip,
        source_ips: args.source_ips,
        fleet: args.fleet || args.source_ips > crate::generate::SMALL_FLEET_IPS,
        scenario: args.scenario,
    })
}
