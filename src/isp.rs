//! ISP grouping: MX host suffix, recipient domain or queue domain -> a stable ISP id.

use std::collections::HashMap;

/// MX host suffixes (matched against the host part of `dsnMta`), checked first.
const BUILTIN_MX_SUFFIXES: &[(&str, &str)] = &[
    (".google.com", "gmail"),
    (".googlemail.com", "gmail"),
    (".olc.protection.outlook.com", "microsoft"),
    (".mail.protection.outlook.com", "microsoft365"),
    (".mx.microsoft", "microsoft365"),
    (".yahoodns.net", "yahoo"),
    (".icloud.com", "apple"),
    (".comcast.net", "comcast"),
    (".att.net", "att"),
    (".gmx.net", "gmx"),
    (".web.de", "webde"),
    (".orange.fr", "orange"),
    (".mail.ru", "mailru"),
    (".yandex.net", "yandex"),
    (".yandex.ru", "yandex"),
    (".protonmail.ch", "proton"),
];

/// Recipient domains. `name.*` matches that first label under any public suffix
/// (`hotmail.co.uk`, and MX rollup queue names such as `yahoo.rollup`).
const BUILTIN_DOMAINS: &[(&str, &str)] = &[
    ("gmail.com", "gmail"),
    ("googlemail.com", "gmail"),
    ("hotmail.*", "microsoft"),
    ("outlook.*", "microsoft"),
    ("live.*", "microsoft"),
    ("msn.com", "microsoft"),
    ("windowslive.com", "microsoft"),
    ("passport.com", "microsoft"),
    ("yahoo.*", "yahoo"),
    ("ymail.com", "yahoo"),
    ("rocketmail.com", "yahoo"),
    ("aol.*", "yahoo"),
    ("aim.com", "yahoo"),
    ("verizon.net", "yahoo"),
    ("icloud.com", "apple"),
    ("me.com", "apple"),
    ("mac.com", "apple"),
    ("comcast.net", "comcast"),
    ("att.net", "att"),
    ("sbcglobal.net", "att"),
    ("bellsouth.net", "att"),
    ("pacbell.net", "att"),
    ("swbell.net", "att"),
    ("flash.net", "att"),
    ("prodigy.net", "att"),
    ("ameritech.net", "att"),
    ("wans.net", "att"),
    ("nvbell.net", "att"),
    ("snet.net", "att"),
    ("gmx.*", "gmx"),
    ("web.de", "webde"),
    ("orange.fr", "orange"),
    ("wanadoo.fr", "orange"),
    ("mail.ru", "mailru"),
    ("bk.ru", "mailru"),
    ("inbox.ru", "mailru"),
    ("list.ru", "mailru"),
    ("internet.ru", "mailru"),
    ("yandex.*", "yandex"),
    ("ya.ru", "yandex"),
    ("proton.me", "proton"),
    ("protonmail.com", "proton"),
    ("pm.me", "proton"),
];

/// The ISP id for rows no table knows.
pub const OTHER: &str = "other";

/// Decides ISP ids. Built from the built-in tables plus the user's config, which wins.
#[derive(Debug, Clone)]
pub struct IspResolver {
    /// Longest suffix first, so a user's more specific suffix wins.
    mx_suffixes: Vec<(String, String)>,
    exact_domains: HashMap<String, String>,
    first_label_domains: HashMap<String, String>,
}

impl IspResolver {
    /// `extra_domains` and `extra_mx_suffixes` come from the config file and override the
    /// built-in entries with the same key.
    pub fn new(extra_domains: &[(String, String)], extra_mx_suffixes: &[(String, String)]) -> Self {
        let mut exact_domains = HashMap::new();
        let mut first_label_domains = HashMap::new();
        let builtin = BUILTIN_DOMAINS
            .iter()
            .map(|(d, i)| (d.to_string(), i.to_string()));
        for (domain, isp) in builtin.chain(extra_domains.iter().cloned()) {
            let domain = domain.to_ascii_lowercase();
            match domain.strip_suffix(".*") {
                Some(label) => first_label_domains.insert(label.to_string(), isp),
                None => exact_domains.insert(domain, isp),
            };
        }
        let mut suffixes: HashMap<String, String> = BUILTIN_MX_SUFFIXES
            .iter()
            .map(|(s, i)| (s.to_string(), i.to_string()))
            .collect();
        for (suffix, isp) in extra_mx_suffixes {
            let suffix = suffix.to_ascii_lowercase();
            let suffix = if suffix.starts_with('.') {
                suffix
            } else {
                format!(".{suffix}")
            };
            suffixes.insert(suffix, isp.clone());
        }
        let mut mx_suffixes: Vec<(String, String)> = suffixes.into_iter().collect();
        mx_suffixes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        IspResolver {
            mx_suffixes,
            exact_domains,
            first_label_domains,
        }
    }

    /// The ISP of a row, from its `dsnMta`, `rcpt` and `queue` fields (docs/isps.md).
    pub fn resolve(&self, dsn_mta: &str, rcpt: &str, queue: &str) -> &str {
        if let Some(isp) = self.by_mx_host(mx_host(dsn_mta)) {
            return isp;
        }
        if let Some(isp) = rcpt_domain(rcpt).and_then(|d| self.by_domain(d)) {
            return isp;
        }
        if let Some(isp) = self.by_domain(queue_domain(queue)) {
            return isp;
        }
        OTHER
    }

    fn by_mx_host(&self, host: &str) -> Option<&str> {
        if host.is_empty() {
            return None;
        }
        let host = host.to_ascii_lowercase();
        let host = host.trim_end_matches('.');
        self.mx_suffixes
            .iter()
            .find(|(suffix, _)| host.ends_with(suffix.as_str()) || host == &suffix[1..])
            .map(|(_, isp)| isp.as_str())
    }

    fn by_domain(&self, domain: &str) -> Option<&str> {
        if domain.is_empty() {
            return None;
        }
        let domain = domain.to_lowercase();
        let domain = domain.trim_end_matches('.');
        if let Some(isp) = self.exact_domains.get(domain) {
            return Some(isp);
        }
        // `hotmail.co.uk`, `yahoo.rollup`: first label, then at most two more labels.
        let (first, rest) = domain.split_once('.')?;
        if rest.split('.').count() <= 2 {
            return self.first_label_domains.get(first).map(String::as_str);
        }
        None
    }
}

/// The host part of `host (ip)`.
pub fn mx_host(dsn_mta: &str) -> &str {
    dsn_mta.split([' ', '(']).next().unwrap_or("").trim()
}

/// The domain of a recipient address, if it has one.
pub fn rcpt_domain(rcpt: &str) -> Option<&str> {
    let domain = rcpt.rsplit_once('@')?.1.trim().trim_end_matches('>');
    (!domain.is_empty()).then_some(domain)
}

/// The domain part of a `domain/vmta` queue name.
pub fn queue_domain(queue: &str) -> &str {
    queue.split('/').next().unwrap_or("").trim()
}

/// Byte form of [`mx_host`], for the per-row cache key.
pub fn mx_host_bytes(dsn_mta: &[u8]) -> &[u8] {
    let end = dsn_mta
        .iter()
        .position(|&b| b == b' ' || b == b'(')
        .unwrap_or(dsn_mta.len());
    dsn_mta[..end].trim_ascii()
}

/// Byte form of [`rcpt_domain`] (empty when there is none), for the per-row cache key.
pub fn rcpt_domain_bytes(rcpt: &[u8]) -> &[u8] {
    memchr::memrchr(b'@', rcpt).map_or(&b""[..], |at| rcpt[at + 1..].trim_ascii())
}

/// Byte form of [`queue_domain`], for the per-row cache key.
pub fn queue_domain_bytes(queue: &[u8]) -> &[u8] {
    let end = memchr::memchr(b'/', queue).unwrap_or(queue.len());
    queue[..end].trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> IspResolver {
        IspResolver::new(&[], &[])
    }

    #[test]
    fn mx_suffix_comes_first() {
        let r = builtin();
        assert_eq!(
            r.resolve("aspmx.l.google.com (1.2.3.4)", "x@corp.example", ""),
            "gmail"
        );
        assert_eq!(
            r.resolve(
                "corp-com.mail.protection.outlook.com (1.2.3.4)",
                "a@gmail.com",
                ""
            ),
            "microsoft365"
        );
        assert_eq!(
            r.resolve("mta7.am0.yahoodns.net (1.2.3.4)", "a@aol.com", ""),
            "yahoo"
        );
    }

    #[test]
    fn recipient_domain_table() {
        let r = builtin();
        assert_eq!(r.resolve("", "a@Hotmail.co.uk", ""), "microsoft");
        assert_eq!(r.resolve("", "a@sbcglobal.net", ""), "att");
        assert_eq!(r.resolve("", "a@yahoo.fr", ""), "yahoo");
        assert_eq!(r.resolve("", "a@gmx.de", ""), "gmx");
        assert_eq!(r.resolve("", "a@web.de", ""), "webde");
        assert_eq!(r.resolve("", "a@bk.ru", ""), "mailru");
        assert_eq!(r.resolve("", "a@example.com", ""), OTHER);
        assert_eq!(r.resolve("", "a@live.mycompany.example.com", ""), OTHER);
    }

    #[test]
    fn queue_domain_for_rows_without_recipient() {
        let r = builtin();
        assert_eq!(r.resolve("", "", "gmail.com/vmta-a"), "gmail");
        assert_eq!(r.resolve("", "", "yahoo.rollup/vmta18"), "yahoo");
        assert_eq!(r.resolve("", "", "hotmail.queue/vmta1"), "microsoft");
        assert_eq!(
            r.resolve("mx.xn--bcher-kva.de (1.2.3.4)", "", "bücher.de/v"),
            OTHER
        );
    }

    #[test]
    fn config_overrides_builtin() {
        let r = IspResolver::new(
            &[("corp.example".into(), "microsoft365".into())],
            &[("mx.example.net".into(), "examplenet".into())],
        );
        assert_eq!(r.resolve("", "a@corp.example", ""), "microsoft365");
        assert_eq!(
            r.resolve("in1.mx.example.net (1.2.3.4)", "", ""),
            "examplenet"
        );
    }
}
