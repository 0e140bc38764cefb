//! The config file (`--config FILE`, TOML): ISP mappings, user rules and status thresholds.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use std::time::Duration;

use serde::Deserialize;

use crate::analyze::status::Thresholds;
use crate::classify::{Classifier, UserRule};
use crate::error::Error;
use crate::isp::{ISP_ID_SYNTAX, IspResolver, is_domain_pattern, is_isp_id};
use crate::read::acct_csv::AcctCsv;
use crate::read::time::Plausible;

/// The config file as written by the user.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub isp: IspSection,
    #[serde(default, rename = "rule")]
    pub rules: Vec<UserRule>,
    #[serde(default)]
    pub thresholds: Thresholds,
    #[serde(default)]
    pub input: InputSection,
}

/// The largest config file read: a config is kilobytes.
const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// The text of a file the user named (a config, a corpus): a regular file of at most
/// `limit` bytes. A FIFO would block and `/dev/zero` never end.
pub fn read_user_file(path: &Path, limit: u64) -> Result<String, Error> {
    let io_error = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io_error)?;
    if !meta.is_file() {
        return Err(Error::Config {
            message: format!(
                "{}: not a regular file (a FIFO or a device?); give the file itself",
                path.display()
            ),
        });
    }
    if meta.len() > limit {
        return Err(Error::Config {
            message: format!(
                "{}: larger than {} MiB; is it the right file?",
                path.display(),
                limit >> 20
            ),
        });
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(limit).read_to_end(&mut bytes))
        .map_err(io_error)?;
    String::from_utf8(bytes).map_err(|_| Error::Config {
        message: format!("{}: not UTF-8 text", path.display()),
    })
}

/// `[input]`: how rows are read.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InputSection {
    /// Rows timed more than this many hours ahead of this machine's clock (or before 2000)
    /// are counted as `time_out_of_range` and not used.
    pub max_future_hours: u32,
    /// A stream (stdin, a FIFO) that sends nothing for this many seconds is an error.
    pub stall_timeout_seconds: u64,
}

impl Default for InputSection {
    fn default() -> Self {
        InputSection {
            max_future_hours: crate::read::time::DEFAULT_MAX_FUTURE_HOURS,
            stall_timeout_seconds: crate::read::stream::DEFAULT_STALL_TIMEOUT.as_secs(),
        }
    }
}

/// `[isp]`: extra recipient domains (`name.*` for every public suffix) and MX suffixes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IspSection {
    #[serde(default)]
    pub domains: BTreeMap<String, String>,
    #[serde(default)]
    pub mx_suffixes: BTreeMap<String, String>,
    /// The PowerMTA config whose `<mx-rollup-list>` entries name rollup queues.
    #[serde(default)]
    pub pmta_config: Option<PathBuf>,
}

impl ConfigFile {
    pub fn load(path: Option<&Path>) -> Result<Self, Error> {
        let Some(path) = path else {
            return Ok(ConfigFile::default());
        };
        let text = read_user_file(path, MAX_CONFIG_BYTES)?;
        ConfigFile::parse(&text, &path.display().to_string())
    }

    /// The config file's text, read from `origin` (for messages).
    pub fn parse(text: &str, origin: &str) -> Result<Self, Error> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| Error::Config {
            message: format!("{origin}: {e}"),
        })?;
        file.validate().map_err(|why| Error::Config {
            message: format!("{origin}: {why}"),
        })?;
        Ok(file)
    }

    /// The checks TOML types cannot make: thresholds in range, ISP ids and domains that
    /// are names, input limits that can be met.
    fn validate(&self) -> Result<(), String> {
        self.thresholds.validate()?;
        for (section, map) in [
            ("isp.domains", &self.isp.domains),
            ("isp.mx_suffixes", &self.isp.mx_suffixes),
        ] {
            for (key, isp) in map {
                if !is_domain_pattern(key) {
                    return Err(format!(
                        "[{section}] key {key:?} is not a domain name (letters, digits, `.`, `-`, `_`, and `*` for any suffix)"
                    ));
                }
                if !is_isp_id(isp) {
                    return Err(format!(
                        "[{section}] {key:?} = {isp:?}: an ISP id is letters, digits, `.`, `-` and `_` ({ISP_ID_SYNTAX})"
                    ));
                }
            }
        }
        if !(1..=3600).contains(&self.input.stall_timeout_seconds) {
            return Err(format!(
                "[input] stall_timeout_seconds = {}: give 1 to 3600 seconds",
                self.input.stall_timeout_seconds
            ));
        }
        Ok(())
    }

    /// How acct files are read under this config.
    pub fn acct_csv(&self) -> AcctCsv {
        AcctCsv {
            plausible: Plausible::up_to_hours_ahead(self.input.max_future_hours),
            stall_timeout: Duration::from_secs(self.input.stall_timeout_seconds),
            ..AcctCsv::default()
        }
    }

    pub fn isp_resolver(&self) -> Result<IspResolver, Error> {
        let pairs = |m: &BTreeMap<String, String>| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.to_ascii_lowercase()))
                .collect::<Vec<_>>()
        };
        let resolver = IspResolver::new(&pairs(&self.isp.domains), &pairs(&self.isp.mx_suffixes));
        Ok(resolver.with_rollups(&self.rollups()?))
    }

    /// The `<mx-rollup-list>` entries of `[isp] pmta_config`; its unusable lines are
    /// printed as warnings.
    fn rollups(&self) -> Result<Vec<(String, String)>, Error> {
        let Some(path) = &self.isp.pmta_config else {
            return Ok(Vec::new());
        };
        let pmta = crate::audit::pmta::PmtaConfig::load(path)?;
        for warning in &pmta.warnings {
            eprintln!("warning: {warning}");
        }
        let (rollups, bad): (Vec<_>, Vec<_>) = pmta
            .rollups
            .into_iter()
            .partition(|(_, name)| is_isp_id(name));
        for (pattern, name) in bad {
            eprintln!(
                "warning: {}: the rollup {name:?} of `mx {pattern}` cannot be an ISP id ({ISP_ID_SYNTAX}); its rows are placed as if it were not there",
                path.display()
            );
        }
        Ok(rollups)
    }

    /// A fingerprint of what decides ISPs and classes (not thresholds), so a store can tell
    /// when rows were ingested under other rules.
    pub fn classification_fingerprint(&self) -> String {
        let rollups = self.rollups().unwrap_or_default();
        let described = format!("{:?}{:?}{:?}", self.isp, rollups, self.rules);
        format!(
            "{:016x}",
            crate::read::checkpoint::content_hash(described.as_bytes())
        )
    }

    pub fn classifier(&self) -> Result<Classifier, Error> {
        Classifier::new(&self.rules)
    }
}
