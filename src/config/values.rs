//! Parsers for the values users type in flags: time zones, days, hours, groupings, classes,
//! IP addresses and DNS servers. Each error says what to write instead.

use std::net::{IpAddr, SocketAddr};

use chrono::DateTime;
use chrono_tz::Tz;

use crate::analyze::metrics::Dim;
use crate::classify::Class;
use crate::error::Error;
use crate::timefmt::parse_day;

/// An IANA time zone name.
pub fn time_zone(name: &str) -> Result<Tz, Error> {
    name.parse::<Tz>().map_err(|_| {
        Error::Usage(format!(
            "unknown time zone `{name}`; use an IANA name such as UTC, Europe/Berlin or America/New_York"
        ))
    })
}

/// `--day YYYY-MM-DD`, `today` or `yesterday` (in `tz`) -> days since the epoch.
pub fn day(text: &str, tz: Tz) -> Result<i64, Error> {
    let today = || {
        let date = chrono::Utc::now().with_timezone(&tz).date_naive();
        parse_day(&date.format("%Y-%m-%d").to_string()).unwrap_or_default()
    };
    match text.trim() {
        "today" => return Ok(today()),
        "yesterday" => return Ok(today() - 1),
        _ => {}
    }
    parse_day(text).ok_or_else(|| {
        Error::Usage(format!(
            "--day `{text}` is not a date; write it as YYYY-MM-DD, today or yesterday"
        ))
    })
}

/// `--from`/`--to` (RFC 3339 or a UTC date) -> an epoch hour (rounded down).
fn hour(flag: &str, text: &str) -> Result<i64, Error> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.timestamp().div_euclid(3600));
    }
    if let Some(day) = parse_day(text) {
        return Ok(day * 24);
    }
    Err(Error::Usage(format!(
        "{flag} `{text}` is not a time; write 2026-10-01T13:00:00Z or 2026-10-01"
    )))
}

/// `--from` and `--to` -> epoch hours, either end open; an empty window is refused.
pub fn window(from: Option<&str>, to: Option<&str>) -> Result<(Option<i64>, Option<i64>), Error> {
    let from = from.map(|t| hour("--from", t)).transpose()?;
    let to = to.map(|t| hour("--to", t)).transpose()?;
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Err(Error::Usage(
            "--from must be before --to (the window is empty); swap them, or leave one out".into(),
        ));
    }
    Ok((from, to))
}

/// `--by`: a comma-separated list of dimensions, each at most once.
pub fn dims(text: &str) -> Result<Vec<Dim>, Error> {
    let mut dims = Vec::new();
    for name in text.split(',').filter(|s| !s.trim().is_empty()) {
        let dim = Dim::parse(name).ok_or_else(|| {
            Error::Usage(format!(
                "--by: unknown grouping `{name}`; use any of isp, source_ip, vmta, pool, class"
            ))
        })?;
        if !dims.contains(&dim) {
            dims.push(dim);
        }
    }
    Ok(dims)
}

/// `--class ID`.
pub fn class(id: &str) -> Result<Class, Error> {
    Class::from_id(id).ok_or_else(|| {
        let known: Vec<&str> = Class::ALL.iter().map(|c| c.id()).collect();
        Error::Usage(format!(
            "--class `{id}` is not a class; use one of {}",
            known.join(", ")
        ))
    })
}

/// `--ip 203.0.113.7` or `--ip 203.0.113.7=mta7.example.net`.
pub fn ip_with_ehlo(text: &str) -> Result<(IpAddr, Option<String>), Error> {
    let (ip, ehlo) = match text.split_once('=') {
        Some((ip, ehlo)) => (ip, Some(ehlo.trim().to_string())),
        None => (text, None),
    };
    let ip = ip.trim().parse::<IpAddr>().map_err(|_| {
        Error::Usage(format!(
            "--ip `{text}`: `{ip}` is not an IPv4 or IPv6 address; write --ip 203.0.113.7 or --ip 203.0.113.7=mta7.example.net"
        ))
    })?;
    Ok((ip, ehlo.filter(|e| !e.is_empty())))
}

/// `--resolver`: `IP:PORT`, `[IPv6]:PORT`, or an IP alone (port 53).
pub fn resolver(text: &str) -> Result<SocketAddr, Error> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    if let Ok(ip) = text.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    Err(Error::Usage(format!(
        "--resolver `{text}` is not IP:PORT; write e.g. 192.0.2.53:53 or [2001:db8::53]:53"
    )))
}

/// `--last`: `3h`, `90m` (rounded up to whole hours) or a number of hours, 1 to 24.
pub fn last_hours(text: &str) -> Result<i64, Error> {
    let text = text.trim();
    let parsed = if let Some(minutes) = text.strip_suffix('m') {
        minutes.parse::<i64>().ok().map(|m| (m + 59) / 60)
    } else {
        text.strip_suffix('h').unwrap_or(text).parse::<i64>().ok()
    };
    match parsed {
        Some(hours) if (1..=24).contains(&hours) => Ok(hours),
        _ => Err(Error::Usage(format!(
            "--last `{text}` is not a duration of 1 to 24 hours; write e.g. 3h or 90m"
        ))),
    }
}

/// `--threads`: the user's choice, or every core.
pub fn threads(choice: Option<usize>) -> usize {
    choice.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ip_and_resolver_arguments() {
        assert_eq!(
            ip_with_ehlo("203.0.113.7=MTA7.example.net").unwrap(),
            (
                "203.0.113.7".parse().unwrap(),
                Some("MTA7.example.net".into())
            )
        );
        assert_eq!(ip_with_ehlo("2001:db8::25").unwrap().1, None);
        assert!(ip_with_ehlo("mta7.example.net").is_err());
        assert_eq!(
            resolver("127.0.0.1:5353").unwrap(),
            "127.0.0.1:5353".parse().unwrap()
        );
        assert_eq!(resolver("2001:db8::53").unwrap().port(), 53);
        assert!(resolver("dns.example.net").is_err());
    }

    #[test]
    fn parses_intraday_durations() {
        assert_eq!(last_hours("3h").unwrap(), 3);
        assert_eq!(last_hours("90m").unwrap(), 2);
        assert_eq!(last_hours("6").unwrap(), 6);
        assert!(last_hours("0h").is_err());
        assert!(last_hours("2d").is_err());
        assert!(last_hours("25h").is_err());
    }

    #[test]
    fn parses_windows_and_groupings() {
        let (from, to) = window(Some("2026-10-01"), Some("2026-10-01T13:30:00+02:00")).unwrap();
        assert_eq!(to.unwrap() - from.unwrap(), 11);
        assert!(window(Some("yesterday"), None).is_err());
        assert_eq!(dims("isp,class,isp").unwrap(), vec![Dim::Isp, Dim::Class]);
        assert!(dims("country").is_err());
        assert!(class("rdns_missing").is_ok());
        assert!(class("rdns").is_err());
        let today = day("today", Tz::UTC).unwrap();
        assert_eq!(day("yesterday", Tz::UTC).unwrap(), today - 1);
        assert_eq!(day("2026-10-14", Tz::UTC).unwrap(), 20_740);
        assert!(day("14.10.2026", Tz::UTC).is_err());
    }
}
