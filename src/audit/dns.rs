//! The DNS questions of an audit (PTR of each IP, A and AAAA of each name), asked through
//! hickory-resolver with a timeout, retries and a limit on queries in flight. Only DNS
//! queries, and only to the chosen server (or the system's resolvers).

use std::collections::{BTreeSet, HashMap};
use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::task::JoinSet;

use crate::error::Error;

/// Where and how to ask.
#[derive(Debug, Clone)]
pub struct DnsSettings {
    /// The server to ask; `None` for the system's (`/etc/resolv.conf`).
    pub server: Option<SocketAddr>,
    pub timeout: Duration,
    /// Tries per query, the first included.
    pub attempts: usize,
    /// Queries in flight at once.
    pub concurrency: usize,
}

/// The outcome of one lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<T> {
    Found(T),
    /// No record: the name does not exist (NXDOMAIN), or has no record of that type.
    Missing {
        nxdomain: bool,
    },
    /// No usable answer: a timeout, SERVFAIL, REFUSED.
    Failed(String),
}

/// Why a lookup found nothing, for explanations: "NXDOMAIN" or "no record".
pub fn missing_reason(nxdomain: bool) -> &'static str {
    if nxdomain { "NXDOMAIN" } else { "no record" }
}

/// Everything the checks read: PTR names per IP, addresses (A and AAAA) per name. Names are
/// lowercase, without the final dot.
#[derive(Debug, Clone, Default)]
pub struct DnsAnswers {
    pub ptr: HashMap<IpAddr, Lookup<Vec<String>>>,
    pub addresses: HashMap<String, Lookup<Vec<IpAddr>>>,
}

impl DnsAnswers {
    pub fn ptr(&self, ip: IpAddr) -> &Lookup<Vec<String>> {
        self.ptr.get(&ip).unwrap_or(&NOT_ASKED_NAMES)
    }

    pub fn addresses(&self, name: &str) -> &Lookup<Vec<IpAddr>> {
        self.addresses.get(name).unwrap_or(&NOT_ASKED_ADDRESSES)
    }
}

static NOT_ASKED_NAMES: Lookup<Vec<String>> = Lookup::Missing { nxdomain: false };
static NOT_ASKED_ADDRESSES: Lookup<Vec<IpAddr>> = Lookup::Missing { nxdomain: false };

/// The reverse-lookup name: `7.113.0.203.in-addr.arpa`, or the `ip6.arpa` nibble form.
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa")
        }
        IpAddr::V6(v6) => {
            let mut name = String::with_capacity(72);
            for byte in v6.octets().iter().rev() {
                name.push_str(&format!("{:x}.{:x}.", byte & 0xf, byte >> 4));
            }
            name.push_str("ip6.arpa");
            name
        }
    }
}

/// Asks the PTR of every IP and the addresses of every name, then the addresses of the PTR
/// names not asked yet (for FCrDNS).
pub fn resolve(
    settings: &DnsSettings,
    ips: &[IpAddr],
    names: &BTreeSet<String>,
) -> Result<DnsAnswers, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Error::Dns(format!("cannot start the DNS client: {err}")))?;
    let resolver = build_resolver(settings)?;
    let progress = progress_bar(ips.len() + 2 * names.len());
    let answers = runtime.block_on(async {
        let mut answers = DnsAnswers::default();
        let mut questions: Vec<Question> = ips.iter().map(|&ip| Question::Ptr(ip)).collect();
        questions.extend(names.iter().flat_map(|n| addresses_of(n)));
        let limit = settings.concurrency;
        ask_all(&resolver, questions, limit, &mut answers, &progress).await?;
        let ptr_names: BTreeSet<String> = answers
            .ptr
            .values()
            .filter_map(|lookup| match lookup {
                Lookup::Found(names) => Some(names.iter().cloned()),
                _ => None,
            })
            .flatten()
            .filter(|name| !answers.addresses.contains_key(name))
            .collect();
        let questions: Vec<Question> = ptr_names.iter().flat_map(|n| addresses_of(n)).collect();
        progress.inc_length(questions.len() as u64);
        ask_all(&resolver, questions, limit, &mut answers, &progress).await?;
        Ok::<_, Error>(answers)
    });
    progress.finish_and_clear();
    answers
}

/// A count of answered queries on stderr, only when stderr is a terminal.
fn progress_bar(questions: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(questions as u64);
    bar.set_style(
        ProgressStyle::with_template("asking DNS {bar:30} {pos}/{len} queries, eta {eta}")
            .expect("valid template"),
    );
    bar
}

fn build_resolver(settings: &DnsSettings) -> Result<TokioResolver, Error> {
    let mut builder = match settings.server {
        Some(server) => {
            let connections = [ConnectionConfig::udp(), ConnectionConfig::tcp()]
                .into_iter()
                .map(|mut connection| {
                    connection.port = server.port();
                    connection
                })
                .collect();
            let config = ResolverConfig::from_name_servers(vec![NameServerConfig::new(
                server.ip(),
                true,
                connections,
            )]);
            TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        }
        None => TokioResolver::builder_tokio().map_err(|err| {
            Error::Dns(format!(
                "cannot read the system's resolver configuration (/etc/resolv.conf): {err}; give --resolver IP:PORT"
            ))
        })?,
    };
    let options: &mut ResolverOpts = builder.options_mut();
    options.timeout = settings.timeout;
    options.attempts = settings.attempts.max(1);
    options.use_hosts_file = ResolveHosts::Never;
    options.ndots = 0;
    builder
        .build()
        .map_err(|err| Error::Dns(format!("cannot set up the DNS resolver: {err}")))
}

#[derive(Debug, Clone)]
enum Question {
    Ptr(IpAddr),
    /// A or AAAA of a name.
    Address(String, RecordType),
}

/// The two questions for the addresses of a name, asked side by side.
fn addresses_of(name: &str) -> [Question; 2] {
    [RecordType::A, RecordType::AAAA].map(|kind| Question::Address(name.to_string(), kind))
}

enum Reply {
    Ptr(IpAddr, Lookup<Vec<String>>),
    Addresses(String, Lookup<Vec<IpAddr>>),
}

/// Asks every question with at most `limit` in flight.
async fn ask_all(
    resolver: &TokioResolver,
    questions: Vec<Question>,
    limit: usize,
    answers: &mut DnsAnswers,
    progress: &ProgressBar,
) -> Result<(), Error> {
    let mut in_flight = JoinSet::new();
    let mut record = |reply: Result<Reply, tokio::task::JoinError>| -> Result<(), Error> {
        match reply.map_err(|err| Error::Dns(format!("a DNS query task failed: {err}")))? {
            Reply::Ptr(ip, lookup) => {
                answers.ptr.insert(ip, lookup);
            }
            Reply::Addresses(name, lookup) => {
                // A and AAAA arrive apart: the second joins the first.
                let lookup = match answers.addresses.remove(&name) {
                    Some(first) => union(first, lookup),
                    None => lookup,
                };
                answers.addresses.insert(name, lookup);
            }
        }
        progress.inc(1);
        Ok(())
    };
    for question in questions {
        if in_flight.len() >= limit.max(1)
            && let Some(reply) = in_flight.join_next().await
        {
            record(reply)?;
        }
        let resolver = resolver.clone();
        in_flight.spawn(async move { ask(&resolver, question).await });
    }
    while let Some(reply) = in_flight.join_next().await {
        record(reply)?;
    }
    Ok(())
}

async fn ask(resolver: &TokioResolver, question: Question) -> Reply {
    match question {
        Question::Ptr(ip) => {
            let lookup = resolver
                .reverse_lookup(format!("{}.", reverse_name(ip)))
                .await;
            let lookup = found(lookup, |data| match data {
                RData::PTR(ptr) => Some(normalize_name(&ptr.0.to_ascii())),
                _ => None,
            });
            Reply::Ptr(ip, lookup)
        }
        Question::Address(name, kind) => {
            let lookup = resolver.lookup(format!("{name}."), kind).await;
            let lookup = found(lookup, |data| match data {
                RData::A(a) => Some(IpAddr::V4(a.0)),
                RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
                _ => None,
            });
            Reply::Addresses(name, lookup)
        }
    }
}

/// The records of one type in an answer, or why there are none.
fn found<T: Ord>(
    result: Result<hickory_resolver::lookup::Lookup, NetError>,
    pick: impl Fn(&RData) -> Option<T>,
) -> Lookup<Vec<T>> {
    match result {
        Ok(lookup) => {
            let mut values: Vec<T> = lookup
                .answers()
                .iter()
                .filter_map(|r| pick(&r.data))
                .collect();
            values.sort();
            values.dedup();
            if values.is_empty() {
                Lookup::Missing { nxdomain: false }
            } else {
                Lookup::Found(values)
            }
        }
        Err(err) if err.is_nx_domain() => Lookup::Missing { nxdomain: true },
        Err(err) if err.is_no_records_found() => Lookup::Missing { nxdomain: false },
        Err(NetError::Timeout) => Lookup::Failed("timed out".into()),
        Err(err) => Lookup::Failed(err.to_string()),
    }
}

/// A and AAAA as one answer: the addresses of both, or the reason there are none.
fn union(v4: Lookup<Vec<IpAddr>>, v6: Lookup<Vec<IpAddr>>) -> Lookup<Vec<IpAddr>> {
    match (v4, v6) {
        (Lookup::Found(mut a), Lookup::Found(b)) => {
            a.extend(b);
            Lookup::Found(a)
        }
        (Lookup::Found(a), _) | (_, Lookup::Found(a)) => Lookup::Found(a),
        (Lookup::Failed(reason), _) | (_, Lookup::Failed(reason)) => Lookup::Failed(reason),
        (Lookup::Missing { nxdomain: a }, Lookup::Missing { nxdomain: b }) => {
            Lookup::Missing { nxdomain: a || b }
        }
    }
}

/// Lowercase, without the final dot: names compare as the DNS compares them.
pub fn normalize_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("203.0.113.7".parse().unwrap()),
            "7.113.0.203.in-addr.arpa"
        );
        assert_eq!(
            reverse_name("2001:db8::25".parse().unwrap()),
            "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }

    #[test]
    fn union_keeps_addresses_and_failures() {
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let missing = || Lookup::Missing { nxdomain: false };
        assert_eq!(
            union(Lookup::Found(vec![a]), missing()),
            Lookup::Found(vec![a])
        );
        assert_eq!(
            union(Lookup::Missing { nxdomain: true }, missing()),
            Lookup::Missing { nxdomain: true }
        );
        assert_eq!(
            union(missing(), Lookup::Failed("timed out".into())),
            Lookup::Failed("timed out".into())
        );
    }
}
