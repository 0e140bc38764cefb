//! A seeded generator of realistic acct logs with injected incidents, and the ground truth
//! of what it wrote: for tests, benchmarks and trying deferwatch out.
//!
//! The incidents come from a scenario (`scenario.rs`): by default the sample's PTR loss,
//! slow rise and throttling spike.

pub mod scenario;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use scenario::{Action, Injected, Scenario};

/// The server's local zone: ISO offsets change at DST, as on real PowerMTA hosts.
const SERVER_TZ: Tz = chrono_tz::America::New_York;
/// The default number of sending IPs: 203.0.113.10 onwards.
pub const DEFAULT_SOURCE_IPS: usize = 6;
/// The most sending IPs the generator spreads rows over.
pub const MAX_SOURCE_IPS: usize = 5_000;
/// Beyond this many IPs the fleet layout is used (see [`GenerateOptions::fleet`]).
pub const SMALL_FLEET_IPS: usize = 240;

/// The sending IP with index `i`: 203.0.113.10 to .249 for the first 240; beyond them one
/// in four is IPv6 (2001:db8:25::/64), the rest IPv4 in 198.18.0.0/15.
fn source_ip(i: usize) -> String {
    if i < SMALL_FLEET_IPS {
        format!("203.0.113.{}", 10 + i)
    } else if i % 4 == 3 {
        format!("2001:db8:25::{i:x}")
    } else {
        format!("198.{}.{}.{}", 18 + i / 62_500, i / 250 % 250, i % 250 + 1)
    }
}

/// The VirtualMTA and pool of the IP with index `i`. A small fleet has a VirtualMTA per IP
/// and two pools; a large one VirtualMTAs of 8 IPs and pools of 64, as large
/// configurations group them.
fn vmta_and_pool(i: usize, fleet: bool) -> (String, String) {
    if fleet {
        (
            format!("vmta-{}", i / 8 + 1),
            format!("pool-{}", i / 64 + 1),
        )
    } else {
        let pool = if i < 3 { "pool-a" } else { "pool-b" };
        (format!("vmta-{}", i + 1), pool.to_string())
    }
}

/// The IP a row goes out of. In a large fleet volume is skewed, as ESPs' is: the density
/// falls as 1/sqrt(index), so the first tenth of the IPs carries about a third of the mail.
fn pick_ip(rng: &mut Rng, ips: usize, fleet: bool) -> usize {
    if fleet {
        let u = rng.unit();
        ((u * u * ips as f64) as usize).min(ips - 1)
    } else {
        rng.below(ips)
    }
}
const HEADER: &str = "type,timeLogged,timeQueued,orig,rcpt,orcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,srcType,srcMta,dlvType,dlvSourceIp,dlvDestinationIp,dlvEsmtpAvailable,dlvSize,vmta,jobId,envId,queue,vmtaPool";

struct IspProfile {
    isp: &'static str,
    share: f64,
    domains: &'static [&'static str],
    mx: &'static str,
    deferral_rate: f64,
    deferral_reply: &'static str,
}

const PROFILES: &[IspProfile] = &[
    IspProfile {
        isp: "gmail",
        share: 0.38,
        domains: &["gmail.com", "googlemail.com"],
        mx: "gmail-smtp-in.l.google.com (142.250.102.27)",
        deferral_rate: 0.02,
        deferral_reply: "smtp;421-4.7.28 [{ip}] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. {id} - gsmtp",
    },
    IspProfile {
        isp: "microsoft",
        share: 0.22,
        domains: &["hotmail.com", "outlook.com", "live.com"],
        mx: "hotmail-com.olc.protection.outlook.com (52.101.40.29)",
        deferral_rate: 0.025,
        deferral_reply: "smtp;451 4.7.500 Server busy. Please try again later from [{ip}]. (AS761) [{id}.namprd11.prod.outlook.com]",
    },
    IspProfile {
        isp: "yahoo",
        share: 0.18,
        domains: &["yahoo.com", "aol.com", "ymail.com"],
        mx: "mta6.am0.yahoodns.net (67.195.204.72)",
        deferral_rate: 0.03,
        deferral_reply: "smtp;421 4.7.0 [TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
    },
    IspProfile {
        isp: "apple",
        share: 0.07,
        domains: &["icloud.com", "me.com"],
        mx: "mx01.mail.icloud.com (17.57.154.6)",
        deferral_rate: 0.015,
        deferral_reply: "smtp;421 4.7.1 Messages to <{rcpt}> deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137",
    },
    IspProfile {
        isp: "comcast",
        share: 0.05,
        domains: &["comcast.net"],
        mx: "mx2c1.comcast.net (96.114.157.81)",
        deferral_rate: 0.02,
        deferral_reply: "smtp;421 resimta-po-27v.sys.comcast.net {ip} Too many sessions opened",
    },
    IspProfile {
        isp: "gmx",
        share: 0.04,
        domains: &["gmx.de", "gmx.net"],
        mx: "mx00.emig.gmx.net (212.227.15.9)",
        deferral_rate: 0.02,
        deferral_reply: "smtp;451 4.3.0 Mail server temporarily rejected message. [{id}]",
    },
    IspProfile {
        isp: "microsoft365",
        share: 0.03,
        domains: &["contoso-mail.com"],
        mx: "contoso-mail-com.mail.protection.outlook.com (52.101.68.1)",
        deferral_rate: 0.02,
        deferral_reply: "smtp;451 4.7.500 Server busy. Please try again later from [{ip}]. (AS761)",
    },
    IspProfile {
        isp: "other",
        share: 0.03,
        domains: &["example-shop.com", "kleinfirma.example"],
        mx: "mx1.example-shop.com (198.51.100.20)",
        deferral_rate: 0.02,
        deferral_reply: "smtp;450 4.7.1 Greylisted, please try again in 300 seconds",
    },
];

const BOUNCES: &[(&str, &str, &str)] = &[
    (
        "bad-mailbox",
        "5.1.1 (bad destination mailbox address)",
        "smtp;550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown",
    ),
    (
        "quota-issues",
        "5.2.2 (mailbox full)",
        "smtp;552 5.2.2 <{rcpt}> Mailbox full",
    ),
    (
        "inactive-mailbox",
        "5.2.1 (mailbox disabled)",
        "smtp;550 5.2.1 The email account that you tried to reach is disabled",
    ),
    (
        "message-expired",
        "4.4.7 (delivery time expired)",
        "smtp;421 4.4.2 Connection timed out",
    ),
];

/// A small, fast, seedable PRNG (SplitMix64): the generator needs no crypto and no crate.
/// Tests use it too, so their random inputs reproduce from a seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// What the generator was asked for.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub out: PathBuf,
    pub days: u32,
    pub rows_per_day: u64,
    pub seed: u64,
    pub end: NaiveDate,
    pub rotate_rows: u64,
    pub gzip: bool,
    /// Sending IPs (at most [`MAX_SOURCE_IPS`]).
    pub source_ips: usize,
    /// The large-fleet layout: VirtualMTAs of 8 IPs, pools of 64, skewed volume per IP.
    pub fleet: bool,
    pub scenario: Scenario,
}

/// Counts per UTC hour and ISP: the ground truth `hourly --by isp` must reproduce.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TruthCounts {
    pub delivered: u64,
    pub deferred: u64,
    pub bounced: u64,
    pub queue_deferrals: u64,
}

#[derive(Debug, Serialize)]
pub struct Truth {
    /// Total rows written (every type).
    pub records: u64,
    pub rows: BTreeMap<&'static str, u64>,
    pub files: Vec<String>,
    pub bytes: u64,
    pub incidents: Vec<Injected>,
}

struct Row {
    time: i64,
    kind: &'static str,
    isp: &'static str,
    fields: [String; 23],
}

/// Writes the logs, `truth.json` and `truth-hourly.txt` into `options.out`.
pub fn generate(options: &GenerateOptions) -> io::Result<Truth> {
    std::fs::create_dir_all(&options.out)?;
    let mut rng = Rng(options.seed);
    let mut hourly: BTreeMap<(i64, &'static str), TruthCounts> = BTreeMap::new();
    let mut truth = Truth {
        records: 0,
        rows: BTreeMap::new(),
        files: Vec::new(),
        bytes: 0,
        incidents: scenario::incidents(
            options.scenario,
            options.seed,
            options.end,
            options.days,
            options.source_ips,
        ),
    };
    for day_index in 0..options.days {
        let date = options.end - chrono::Duration::days(i64::from(options.days - 1 - day_index));
        let mut rows = day_rows(&mut rng, options, date, &truth.incidents);
        rows.sort_by_key(|r| r.time);
        for row in &rows {
            let counts = hourly
                .entry((row.time.div_euclid(3600), row.isp))
                .or_default();
            match row.kind {
                "d" => counts.delivered += 1,
                "t" => counts.deferred += 1,
                "b" => counts.bounced += 1,
                _ => counts.queue_deferrals += 1,
            }
            *truth.rows.entry(row.kind).or_insert(0) += 1;
            truth.records += 1;
        }
        let (acct, diag): (Vec<Row>, Vec<Row>) = rows
            .into_iter()
            .partition(|r| r.kind == "d" || r.kind == "b");
        for (prefix, rows) in [("acct", acct), ("diag", diag)] {
            for (part, chunk) in rows.chunks(options.rotate_rows.max(1) as usize).enumerate() {
                let name = format!(
                    "{prefix}-{}-{part:04}.csv{}",
                    date.format("%Y-%m-%d"),
                    if options.gzip { ".gz" } else { "" }
                );
                truth.bytes += write_file(&options.out.join(&name), chunk, options.gzip)?;
                truth.files.push(name);
            }
        }
    }
    write_truth(&options.out, &truth, &hourly)?;
    Ok(truth)
}

fn day_rows(
    rng: &mut Rng,
    o: &GenerateOptions,
    date: NaiveDate,
    incidents: &[Injected],
) -> Vec<Row> {
    let mut rows = Vec::with_capacity(o.rows_per_day as usize + 64);
    let day_start = Utc
        .from_utc_datetime(&date.and_hms_opt(0, 0, 0).expect("valid time"))
        .timestamp();
    for n in 0..o.rows_per_day {
        // Diurnal volume: more mail in the (UTC) afternoon.
        let hour_weight = loop {
            let h = rng.below(24) as f64;
            let w = 0.5 + 0.5 * ((h - 15.0) * std::f64::consts::PI / 12.0).cos();
            if rng.unit() < 0.3 + 0.7 * w {
                break h as i64;
            }
        };
        let time = day_start + hour_weight * 3600 + rng.below(3600) as i64;
        let profile = pick_profile(rng);
        let ip_index = pick_ip(rng, o.source_ips.clamp(1, MAX_SOURCE_IPS), o.fleet);
        let ip = source_ip(ip_index);
        let ip = ip.as_str();
        let domain = profile.domains[rng.below(profile.domains.len())];
        let rcpt = format!("user{}@{domain}", rng.below(5_000_000));
        let mut deferral_rate = profile.deferral_rate;
        let mut reply = profile.deferral_reply;
        let mut failure = None;
        let touching = || {
            incidents
                .iter()
                .map(|i| &i.effect)
                .filter(|e| e.touches(profile.isp, ip_index, time))
        };
        for effect in touching() {
            match effect.action {
                Action::Rate(rate) => deferral_rate = rate,
                Action::Ramp { from, to, days } => {
                    let days_in = (time - effect.start).div_euclid(86_400).min(days);
                    deferral_rate = from + (to - from) * days_in as f64 / days as f64;
                }
                Action::Fail(..) => {}
            }
        }
        for effect in touching() {
            if let Action::Fail(share, reply_of) = effect.action
                && rng.unit() < share
            {
                let chosen = reply_of(profile.isp);
                if chosen.kind == "t" {
                    deferral_rate = 1.0;
                    reply = chosen.diag;
                }
                failure = Some(chosen);
                break;
            }
        }
        let roll = rng.unit();
        let (kind, status, diag, cat) = if let Some(f) = failure {
            (f.kind, f.status, f.diag, f.bounce_cat)
        } else if roll < deferral_rate {
            ("t", "4.0.0 (undefined status)", reply, "")
        } else if roll < deferral_rate + 0.012 {
            let (cat, status, diag) = BOUNCES[rng.below(BOUNCES.len())];
            ("b", status, diag, cat)
        } else if roll < deferral_rate + 0.0125 {
            (
                "t",
                "4.0.0 (undefined status)",
                "smtp;451 4.3.2 Please retry, temporary local problem [{id}]",
                "",
            )
        } else {
            (
                "d",
                "2.0.0 (success)",
                "smtp;250 2.0.0 OK {id} - accepted",
                "",
            )
        };
        let id = format!("{:016x}", rng.next_u64());
        let diag = diag
            .replace("{ip}", ip)
            .replace("{rcpt}", &rcpt)
            .replace("{id}", &id);
        let (vmta, pool) = vmta_and_pool(ip_index, o.fleet);
        let pool = pool.as_str();
        rows.push(Row {
            time,
            kind,
            isp: profile.isp,
            fields: acct_fields(AcctFields {
                kind,
                time,
                queued: time - rng.below(600) as i64,
                rcpt: &rcpt,
                action: match kind {
                    "d" => "relayed",
                    "b" => "failed",
                    _ => "delayed",
                },
                status,
                diag: &diag,
                mx: profile.mx,
                cat,
                ip,
                vmta: &vmta,
                job: n % 977,
                queue: format!("{domain}/{vmta}"),
                pool,
            }),
        });
    }
    // Queue-level failures: a handful of connection timeouts toward one small domain.
    for _ in 0..(o.rows_per_day / 2000).max(1) {
        let time = day_start + rng.below(86_400) as i64;
        let mut fields: [String; 23] = Default::default();
        fields[0] = "tq".into();
        fields[1] = server_time(time);
        fields[7] = "4.4.1 (no answer from host)".into();
        fields[13] = "smtp".into();
        fields[14] = "0.0.0.0".into();
        fields[15] = "198.51.100.20".into();
        fields[18] = "vmta-2".into();
        fields[21] = "example-shop.com/vmta-2".into();
        rows.push(Row {
            time,
            kind: "tq",
            isp: "other",
            fields,
        });
    }
    rows
}

fn pick_profile(rng: &mut Rng) -> &'static IspProfile {
    let mut x = rng.unit();
    for p in PROFILES {
        if x < p.share {
            return p;
        }
        x -= p.share;
    }
    &PROFILES[PROFILES.len() - 1]
}

struct AcctFields<'a> {
    kind: &'a str,
    time: i64,
    queued: i64,
    rcpt: &'a str,
    action: &'a str,
    status: &'a str,
    diag: &'a str,
    mx: &'a str,
    cat: &'a str,
    ip: &'a str,
    vmta: &'a str,
    job: u64,
    queue: String,
    pool: &'a str,
}

fn acct_fields(f: AcctFields<'_>) -> [String; 23] {
    [
        f.kind.into(),
        server_time(f.time),
        server_time(f.queued),
        "bounces@news.example.com".into(),
        f.rcpt.into(),
        String::new(),
        f.action.into(),
        f.status.into(),
        f.diag.into(),
        f.mx.into(),
        f.cat.into(),
        "smtp".into(),
        "app1.example.com (10.0.0.5)".into(),
        "smtp".into(),
        f.ip.into(),
        f.mx.split('(')
            .nth(1)
            .unwrap_or("")
            .trim_end_matches(')')
            .into(),
        "PIPELINING,8BITMIME,SIZE,STARTTLS,ENHANCEDSTATUSCODES".into(),
        "48213".into(),
        f.vmta.into(),
        format!("job-{}", f.job),
        String::new(),
        f.queue,
        f.pool.into(),
    ]
}

/// ISO time in the server's zone, as PowerMTA writes it (`2026-10-01 13:04:05-0400`).
fn server_time(epoch: i64) -> String {
    SERVER_TZ
        .timestamp_opt(epoch, 0)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%z").to_string())
        .unwrap_or_default()
}

fn write_file(path: &Path, rows: &[Row], gzip: bool) -> io::Result<u64> {
    let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let sink: Box<dyn Write> = if gzip {
        Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::fast(),
        ))
    } else {
        Box::new(file)
    };
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(sink);
    w.write_record(HEADER.split(','))?;
    for row in rows {
        w.write_record(&row.fields)?;
    }
    w.flush()?;
    drop(w);
    Ok(std::fs::metadata(path)?.len())
}

fn write_truth(
    dir: &Path,
    truth: &Truth,
    hourly: &BTreeMap<(i64, &'static str), TruthCounts>,
) -> io::Result<()> {
    let json = serde_json::to_string_pretty(truth)?;
    std::fs::write(dir.join("truth.json"), json + "\n")?;
    let mut w = csv::Writer::from_path(dir.join("truth-hourly.txt"))?;
    w.write_record([
        "hour",
        "isp",
        "attempts",
        "delivered",
        "deferred",
        "bounced",
        "queue_deferrals",
    ])?;
    for ((hour, isp), c) in hourly {
        w.write_record([
            crate::timefmt::hour_rfc3339(*hour),
            isp.to_string(),
            (c.delivered + c.deferred + c.bounced).to_string(),
            c.delivered.to_string(),
            c.deferred.to_string(),
            c.bounced.to_string(),
            c.queue_deferrals.to_string(),
        ])?;
    }
    w.flush()
}
