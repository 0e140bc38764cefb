//! The sending identity a PowerMTA config declares: `smtp-source-host IP HOSTNAME` lines
//! per `<virtual-mta>`, `<virtual-mta-pool>` membership, with `include` lines followed.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// One `smtp-source-host` line: the IP a VirtualMTA sends from and the EHLO name it gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceHost {
    pub ip: IpAddr,
    pub ehlo: String,
    /// The `<virtual-mta>` block; `None` for a line outside any (PowerMTA's default).
    pub vmta: Option<String>,
    /// `file:line`, for messages.
    pub location: String,
}

/// An `smtp-source-host` line with a range (`smtp-source-host 10/8 mta.example.net`):
/// PowerMTA rotates over the local addresses in it, so it covers the IPs of the range that
/// the logs show sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRange {
    pub network: IpAddr,
    pub prefix_len: u8,
    pub ehlo: String,
    pub vmta: Option<String>,
    pub location: String,
}

impl SourceRange {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix_len))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix_len))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// What the audit needs from a PowerMTA config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PmtaConfig {
    pub source_hosts: Vec<SourceHost>,
    pub source_ranges: Vec<SourceRange>,
    /// Pool name -> its VirtualMTAs, in file order.
    pub pools: BTreeMap<String, Vec<String>>,
    /// `<mx-rollup-list>` entries: (MX pattern such as `*.google.com`, rollup queue name).
    pub rollups: Vec<(String, String)>,
    /// Lines that could not be used (`file:line: why`): a run never stops over one.
    pub warnings: Vec<String>,
}

impl PmtaConfig {
    /// Reads `path` and every file it includes.
    pub fn load(path: &Path) -> Result<PmtaConfig, Error> {
        let mut parser = Parser::default();
        parser.read_file(path, &mut Vec::new())?;
        Ok(parser.config)
    }

    /// Parses a config's text as if read from `path` (whose directory its relative
    /// `include` lines are taken from).
    pub fn parse(text: &str, path: &Path) -> Result<PmtaConfig, Error> {
        let mut parser = Parser::default();
        parser.read_text(text, path, &mut Vec::new())?;
        Ok(parser.config)
    }

    /// The pools a VirtualMTA belongs to.
    pub fn pools_of(&self, vmta: &str) -> Vec<String> {
        self.pools
            .iter()
            .filter(|(_, members)| members.iter().any(|m| m.eq_ignore_ascii_case(vmta)))
            .map(|(pool, _)| pool.clone())
            .collect()
    }
}

/// The block a line is in; blocks nest (`<domain>` inside `<virtual-mta>`).
#[derive(Debug)]
struct Block {
    tag: String,
    name: String,
}

#[derive(Debug, Default)]
struct Parser {
    config: PmtaConfig,
    blocks: Vec<Block>,
}

/// How deep `include` may nest: files past it are not read, with a warning naming them.
/// (A loop is told apart by the files on the way, at any depth.)
pub const MAX_INCLUDE_DEPTH: usize = 64;
/// The most files one include pattern may bring in.
const MAX_INCLUDED_FILES: usize = 1_000;
/// The largest config file read: a config is kilobytes; more is a wrong path.
const MAX_CONFIG_BYTES: u64 = 16 << 20;

fn config_error(location: &str, message: impl std::fmt::Display) -> Error {
    Error::Config {
        message: format!("{location}: {message}"),
    }
}

impl Parser {
    fn read_file(&mut self, path: &Path, including: &mut Vec<PathBuf>) -> Result<(), Error> {
        // A device or a pipe (`include /dev/zero`) would be read forever, and so would the
        // kernel's files, which say they are empty and stream.
        let io_error = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io_error)?;
        if !meta.is_file() {
            return Err(config_error(
                &path.display().to_string(),
                "is not a regular file; include config files only",
            ));
        }
        if meta.len() > MAX_CONFIG_BYTES {
            return Err(config_error(
                &path.display().to_string(),
                format!(
                    "is larger than {} MiB: not a config file",
                    MAX_CONFIG_BYTES >> 20
                ),
            ));
        }
        if meta.len() == 0 {
            return Ok(());
        }
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|file| file.take(MAX_CONFIG_BYTES).read_to_end(&mut bytes))
            .map_err(io_error)?;
        let text = String::from_utf8_lossy(&bytes);
        self.read_text(&text, path, including)
    }

    fn read_text(
        &mut self,
        text: &str,
        path: &Path,
        including: &mut Vec<PathBuf>,
    ) -> Result<(), Error> {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if including.contains(&canonical) {
            return Err(config_error(
                &path.display().to_string(),
                "included from itself (an include loop); remove the include that leads back",
            ));
        }
        if including.len() >= MAX_INCLUDE_DEPTH {
            return Err(config_error(
                &path.display().to_string(),
                format!(
                    "included {MAX_INCLUDE_DEPTH} levels deep, the most deferwatch follows; this file and the ones it includes are not read"
                ),
            ));
        }
        including.push(canonical);
        for (index, raw) in text.lines().enumerate() {
            let location = format!("{}:{}", path.display(), index + 1);
            // A line the audit cannot use (a template placeholder, an include of a file on
            // another machine, a stray closing tag) is reported and skipped.
            if let Err(err) = self.read_line(strip_comment(raw).trim(), path, &location, including)
            {
                let message = match err {
                    Error::Config { message } => message,
                    other => format!("{location}: {other}"),
                };
                self.config.warnings.push(message);
            }
        }
        including.pop();
        Ok(())
    }

    fn read_line(
        &mut self,
        line: &str,
        path: &Path,
        location: &str,
        including: &mut Vec<PathBuf>,
    ) -> Result<(), Error> {
        if line.is_empty() {
            return Ok(());
        }
        if let Some(tag) = line.strip_prefix("</") {
            let tag = tag.trim_end_matches('>').trim().to_ascii_lowercase();
            match self.blocks.pop() {
                Some(open) if open.tag == tag => return Ok(()),
                Some(open) => {
                    return Err(config_error(
                        location,
                        format!("</{tag}> closes <{} {}>", open.tag, open.name),
                    ));
                }
                None => return Err(config_error(location, format!("</{tag}> without <{tag}>"))),
            }
        }
        if let Some(open) = line.strip_prefix('<') {
            let open = open.trim_end_matches('>');
            let (tag, name) = open.split_once(char::is_whitespace).unwrap_or((open, ""));
            self.blocks.push(Block {
                tag: tag.to_ascii_lowercase(),
                name: name.trim().to_string(),
            });
            return Ok(());
        }
        let mut words = line.split_whitespace();
        let directive = words.next().unwrap_or_default().to_ascii_lowercase();
        let args: Vec<&str> = words.collect();
        match directive.as_str() {
            "include" => self.include(&args, path, location, including),
            "smtp-source-host" => self.source_host(&args, location),
            "mx" if self.current("mx-rollup-list").is_some() => match args[..] {
                [pattern, name, ..] => {
                    let entry = (pattern.to_ascii_lowercase(), name.to_ascii_lowercase());
                    self.config.rollups.push(entry);
                    Ok(())
                }
                _ => Err(config_error(
                    location,
                    "mx needs an MX pattern and a rollup name, e.g. `mx *.google.com google.rollup`",
                )),
            },
            "virtual-mta" => {
                if let (Some(pool), Some(member)) = (self.current("virtual-mta-pool"), args.first())
                {
                    let pool = pool.to_string();
                    self.config
                        .pools
                        .entry(pool)
                        .or_default()
                        .push(member.to_string());
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The name of the innermost open block with this tag.
    fn current(&self, tag: &str) -> Option<&str> {
        self.blocks
            .iter()
            .rev()
            .find(|b| b.tag == tag)
            .map(|b| b.name.as_str())
    }

    fn source_host(&mut self, args: &[&str], location: &str) -> Result<(), Error> {
        let [ip, ehlo, ..] = args else {
            return Err(config_error(
                location,
                "smtp-source-host needs an IP and a host name, e.g. `smtp-source-host 203.0.113.7 mta7.example.net`",
            ));
        };
        let ip = ip.trim_start_matches('[').trim_end_matches(']');
        let vmta = self.current("virtual-mta").map(str::to_string);
        if let Some((network, prefix_len)) = parse_range(ip) {
            self.config.source_ranges.push(SourceRange {
                network,
                prefix_len,
                ehlo: ehlo.trim_end_matches('.').to_ascii_lowercase(),
                vmta,
                location: location.to_string(),
            });
            return Ok(());
        }
        let ip: IpAddr = ip.parse().map_err(|_| {
            config_error(
                location,
                format!(
                    "smtp-source-host: `{ip}` is neither an IP address nor a range such as 10/8; the line is not used"
                ),
            )
        })?;
        self.config.source_hosts.push(SourceHost {
            ip,
            ehlo: ehlo.trim_end_matches('.').to_ascii_lowercase(),
            vmta,
            location: location.to_string(),
        });
        Ok(())
    }

    fn include(
        &mut self,
        args: &[&str],
        path: &Path,
        location: &str,
        including: &mut Vec<PathBuf>,
    ) -> Result<(), Error> {
        let Some(target) = args.first() else {
            return Err(config_error(location, "include needs a file name"));
        };
        let target = Path::new(target);
        let target = if target.is_absolute() {
            target.to_path_buf()
        } else {
            path.parent().unwrap_or(Path::new(".")).join(target)
        };
        let pattern = target.to_string_lossy();
        if !pattern.contains(['*', '?', '[']) {
            return self.read_file(&target, including).map_err(|err| match err {
                Error::Io { path, source } => config_error(
                    location,
                    format!("cannot read included file {path}: {source}"),
                ),
                other => other,
            });
        }
        // `**` would walk a whole tree (`include /**` the whole disk); PowerMTA's own
        // patterns match file names in one directory.
        if pattern.contains("**") {
            return Err(config_error(
                location,
                "include patterns match file names in one directory; `**` is not followed",
            ));
        }
        let mut files: Vec<PathBuf> = glob::glob(&pattern)
            .map_err(|err| config_error(location, format!("bad include pattern: {err}")))?
            .filter_map(Result::ok)
            .take(MAX_INCLUDED_FILES + 1)
            .collect();
        if files.len() > MAX_INCLUDED_FILES {
            return Err(config_error(
                location,
                format!(
                    "include pattern matches more than {MAX_INCLUDED_FILES} files; name the config files"
                ),
            ));
        }
        files.sort();
        for file in files {
            self.read_file(&file, including)?;
        }
        Ok(())
    }
}

/// A range as PowerMTA writes it: `10/8`, `192.0.2.0/24`, `2001:db8::/64`; an IPv4
/// network may leave out its trailing zero octets.
fn parse_range(text: &str) -> Option<(IpAddr, u8)> {
    let (address, prefix) = text.split_once('/')?;
    let prefix_len: u8 = prefix.parse().ok()?;
    let network: IpAddr = if address.contains(':') {
        address.parse().ok()?
    } else {
        let mut octets: Vec<u8> = address
            .split('.')
            .map(|o| o.parse().ok())
            .collect::<Option<_>>()?;
        if octets.is_empty() || octets.len() > 4 {
            return None;
        }
        octets.resize(4, 0);
        IpAddr::from([octets[0], octets[1], octets[2], octets[3]])
    };
    let max = if network.is_ipv4() { 32 } else { 128 };
    (prefix_len <= max).then_some((network, prefix_len))
}

/// The line without a `#` comment (at the start, or after white space).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_source_hosts_pools_and_includes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("vmtas")).unwrap();
        write(
            &dir.path().join("vmtas"),
            "b.conf",
            "<virtual-mta mta-b>\n  smtp-source-host 2001:db8::25 MTA-B.example.net.\n  <domain gmail.com>\n    max-smtp-out 10\n  </domain>\n</virtual-mta>\n",
        );
        let main = write(
            dir.path(),
            "config",
            "# PowerMTA\nsmtp-source-host 198.51.100.1 default.example.net\n<virtual-mta mta-a> # first\n  smtp-source-host 203.0.113.7 mta-a.example.net\n</virtual-mta>\ninclude vmtas/*.conf\n<virtual-mta-pool pool1>\n  virtual-mta mta-a\n  virtual-mta mta-b\n</virtual-mta-pool>\n",
        );
        let config = PmtaConfig::load(&main).unwrap();
        let hosts: Vec<(String, &str, Option<&str>)> = config
            .source_hosts
            .iter()
            .map(|h| (h.ip.to_string(), h.ehlo.as_str(), h.vmta.as_deref()))
            .collect();
        assert_eq!(
            hosts,
            vec![
                ("198.51.100.1".into(), "default.example.net", None),
                ("203.0.113.7".into(), "mta-a.example.net", Some("mta-a")),
                ("2001:db8::25".into(), "mta-b.example.net", Some("mta-b")),
            ]
        );
        assert_eq!(config.pools_of("mta-b"), vec!["pool1".to_string()]);
        assert!(config.source_hosts[2].location.ends_with("b.conf:2"));
    }

    /// Each line the audit cannot use is a warning with its file and line; the lines
    /// around it are still read.
    #[test]
    fn lines_that_cannot_be_used_are_warnings_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let warnings_of = |name: &str, text: &str| {
            let path = write(
                dir.path(),
                name,
                &format!("{text}\nsmtp-source-host 192.0.2.9 ok.example.net\n"),
            );
            let config = PmtaConfig::load(&path).unwrap();
            assert_eq!(
                config.source_hosts.len(),
                1,
                "{name}: the next line is read"
            );
            config.warnings
        };
        let w = warnings_of(
            "bad",
            "<virtual-mta x>\nsmtp-source-host 203.0.113.300 x.example.net\n</virtual-mta>",
        );
        assert!(
            w.len() == 1 && w[0].contains("bad:2") && w[0].contains("203.0.113.300"),
            "{w:?}"
        );
        let w = warnings_of(
            "template",
            "smtp-source-host {{ sending_ip }} {{ ehlo_name }}",
        );
        assert!(w.len() == 1 && w[0].contains("template:1"), "{w:?}");
        let w = warnings_of("missing", "include /etc/pmta/not-on-this-machine.conf");
        assert!(
            w.len() == 1 && w[0].contains("missing:1") && w[0].contains("not-on-this-machine.conf"),
            "{w:?}"
        );
        let w = warnings_of("loop", "include loop");
        assert!(w.iter().any(|w| w.contains("include loop")), "{w:?}");
        let w = warnings_of("close", "<virtual-mta a>\n</virtual-mta-pool>");
        assert!(w.len() == 1 && w[0].contains("close:2"), "{w:?}");
        // The file named on the command line must exist.
        assert!(PmtaConfig::load(&dir.path().join("nowhere.conf")).is_err());
    }

    #[test]
    fn reads_mx_rollup_lists() {
        let config = PmtaConfig::parse(
            "<mx-rollup-list>\n  mx *.google.com google.rollup\n  mx *.GMX.net gmxnet.rollup\n  mx broken\n</mx-rollup-list>\nmx outside.example x.rollup\n",
            Path::new("/nonexistent/config"),
        )
        .unwrap();
        assert_eq!(
            config.rollups,
            [
                ("*.google.com".to_string(), "google.rollup".to_string()),
                ("*.gmx.net".to_string(), "gmxnet.rollup".to_string()),
            ]
        );
        assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
    }

    #[test]
    fn a_range_in_smtp_source_host_covers_the_ips_in_it() {
        let config = PmtaConfig::parse(
            "smtp-source-host 10/8 baz.quux.com\n<virtual-mta v6>\nsmtp-source-host 2001:db8:7::/48 v6.example.net\n</virtual-mta>\n",
            Path::new("/nonexistent/config"),
        )
        .unwrap();
        assert!(config.warnings.is_empty(), "{:?}", config.warnings);
        let [ten, v6] = &config.source_ranges[..] else {
            panic!("{config:?}")
        };
        assert_eq!(
            (ten.network.to_string(), ten.prefix_len),
            ("10.0.0.0".into(), 8)
        );
        assert!(ten.contains("10.200.3.4".parse().unwrap()));
        assert!(!ten.contains("11.0.0.1".parse().unwrap()));
        assert!(v6.contains("2001:db8:7:1::25".parse().unwrap()));
        assert!(!v6.contains("2001:db8:8::25".parse().unwrap()));
        assert_eq!(v6.vmta.as_deref(), Some("v6"));
        assert_eq!(
            parse_range("10.1/16"),
            Some(("10.1.0.0".parse().unwrap(), 16))
        );
        assert_eq!(parse_range("10/33"), None);
        assert_eq!(parse_range("{{ip}}/8"), None);
    }
}
