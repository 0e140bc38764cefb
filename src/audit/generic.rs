//! Whether a PTR host name looks generic (a provider's default, or dynamic) rather than a
//! mail host's own name: the IP's digits embedded, provider suffixes, dynamic-pool words.

use std::net::IpAddr;

/// Suffixes of providers' default reverse names.
const PROVIDER_SUFFIXES: &[&str] = &[
    ".compute.amazonaws.com",
    ".compute.internal",
    ".bc.googleusercontent.com",
    ".cloudapp.net",
    ".cloudapp.azure.com",
    ".your-server.de",
    ".vultrusercontent.com",
    ".linodeusercontent.com",
    ".members.linode.com",
    ".contaboserver.net",
    ".secureserver.net",
    ".hostwindsdns.com",
    ".static.akamaitechnologies.com",
];

/// Labels (or label parts between `-`) that mark dynamic, residential or default names.
const GENERIC_WORDS: &[&str] = &[
    "static",
    "dynamic",
    "dyn",
    "dhcp",
    "dsl",
    "adsl",
    "vdsl",
    "xdsl",
    "cable",
    "pool",
    "ppp",
    "pppoe",
    "dialup",
    "dial",
    "broadband",
    "customer",
    "cust",
    "client",
    "clients",
    "residential",
    "unassigned",
    "unknown",
    "nat",
    "ip",
    "rev",
    "reverse",
    "in-addr",
];

/// Why `name` looks generic for `ip`, or `None` when it looks like a mail host's name.
pub fn generic_reason(name: &str, ip: IpAddr) -> Option<String> {
    let name = name.to_ascii_lowercase();
    if let Some(suffix) = PROVIDER_SUFFIXES.iter().find(|s| name.ends_with(*s)) {
        return Some(format!("(a provider's default name, `*{suffix}`)"));
    }
    if embeds_ip(&name, ip) {
        return Some("(it embeds the IP's digits)".to_string());
    }
    let labels: Vec<&str> = name.split('.').collect();
    // The registered domain (the last two labels) is the operator's choice, not a pattern.
    let host_labels = &labels[..labels.len().saturating_sub(2)];
    for label in host_labels {
        let words = std::iter::once(*label).chain(label.split(['-', '_']));
        for word in words {
            let word = word.trim_end_matches(|c: char| c.is_ascii_digit());
            if GENERIC_WORDS.contains(&word) {
                return Some(format!("(the word `{word}`)"));
            }
        }
    }
    None
}

/// Whether the IP's numbers appear in the name: all four IPv4 octets in either order, or the
/// last two in the first label (`host-113-7.`); for IPv6, the last two groups.
fn embeds_ip(name: &str, ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let octets: Vec<String> = v4.octets().iter().map(u8::to_string).collect();
            let numbers: Vec<&str> = name
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .map(|s| s.trim_start_matches('0'))
                .map(|s| if s.is_empty() { "0" } else { s })
                .collect();
            let forward: Vec<&str> = octets.iter().map(String::as_str).collect();
            let backward: Vec<&str> = forward.iter().rev().copied().collect();
            if contains_run(&numbers, &forward) || contains_run(&numbers, &backward) {
                return true;
            }
            let first_label = name.split('.').next().unwrap_or_default();
            let first_numbers: Vec<&str> = first_label
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .collect();
            contains_run(&first_numbers, &forward[2..]) || name.contains(&hex_v4(v4.octets()))
        }
        IpAddr::V6(v6) => {
            let groups: Vec<String> = v6.segments().iter().map(|g| format!("{g:x}")).collect();
            let tail = &groups[groups.len() - 2..];
            let parts: Vec<&str> = name
                .split(|c: char| !c.is_ascii_hexdigit())
                .filter(|s| !s.is_empty())
                .collect();
            let tail: Vec<&str> = tail.iter().map(String::as_str).collect();
            (tail != ["0", "0"] && contains_run(&parts, &tail)) || name.contains(&groups.join(""))
        }
    }
}

fn hex_v4(octets: [u8; 4]) -> String {
    octets.iter().map(|o| format!("{o:02x}")).collect()
}

fn contains_run(haystack: &[&str], run: &[&str]) -> bool {
    !run.is_empty() && haystack.windows(run.len()).any(|w| w == run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generic(name: &str, ip: &str) -> bool {
        generic_reason(name, ip.parse().unwrap()).is_some()
    }

    #[test]
    fn provider_and_dynamic_names_are_generic() {
        let ip = "203.0.113.7";
        for name in [
            "ip-203-0-113-7.example.net",
            "203-0-113-7.static.example.net",
            "7.113.0.203.in-addr.example.net",
            "host-113-7.example.net",
            "ec2-203-0-113-7.compute-1.amazonaws.com",
            "ip-10-0-0-1.ec2.compute.amazonaws.com",
            "static.7.113.0.203.clients.your-server.de",
            "cpe-dynamic.example.net",
            "dsl-pool.example.net",
            "cb007107.example.net",
            "pool-12.example.org",
        ] {
            assert!(generic(name, ip), "{name} should look generic");
        }
        assert!(generic("2001-db8--7-25.example.net", "2001:db8::7:25"));
    }

    #[test]
    fn mail_host_names_are_not_generic() {
        let ip = "203.0.113.7";
        for name in [
            "mta7.example.net",
            "mail-01.example.net",
            "smtp.pool-example.net",
            "o7.email.example.com",
            "bounce.dynamicmail.com",
            "mx113.example.net",
        ] {
            assert!(!generic(name, ip), "{name} should look like a mail host");
        }
        assert!(!generic("mta6.example.net", "2001:db8::25"));
    }
}
