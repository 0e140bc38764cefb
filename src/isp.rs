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

/// Every ISP id the built-in tables give, [`OTHER`] included; ids repeat.
pub fn builtin_isp_ids() -> impl Iterator<Item = &'static str> {
    BUILTIN_MX_SUFFIXES
        .iter()
        .chain(BUILTIN_DOMAINS)
        .map(|&(_, isp)| isp)
        .chain([OTHER])
}

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

    /// Places the rollup queues of a PowerMTA config (`mx *.google.com google.rollup`):
    /// each rollup name is the ISP its MX pattern's hosts belong to, or, when they belong
    /// to no ISP, an ISP of its own named after the rollup.
    pub fn with_rollups(mut self, rollups: &[(String, String)]) -> Self {
        for (pattern, name) in rollups {
            let host = pattern.trim_start_matches("*.").trim_start_matches('.');
            let isp = self
                .by_mx_host(&format!("mx.{host}"))
                .or_else(|| self.by_mx_host(host))
                .map_or_else(|| name.clone(), str::to_string);
            self.exact_domains.insert(name.to_ascii_lowercase(), isp);
        }
        self
    }

    /// The ISP of a row, from exactly the parts of its fields that [`IspInputs`] holds
    /// (docs/isps.md): the MX host first, then the recipient domain, then the queue domain.
    pub fn resolve(&self, inputs: &IspInputs<'_>) -> &str {
        let mx_host = String::from_utf8_lossy(inputs.mx_host);
        if let Some(isp) = self.by_mx_host(mx_host.trim()) {
            return isp;
        }
        let rcpt_domain = String::from_utf8_lossy(inputs.rcpt_domain);
        if let Some(isp) = self.by_domain(rcpt_domain.trim().trim_end_matches('>')) {
            return isp;
        }
        let queue_domain = String::from_utf8_lossy(inputs.queue_domain);
        if let Some(isp) = self.by_domain(queue_domain.trim()) {
            return isp;
        }
        if let Some(isp) = rollup_isp(queue_domain.trim()) {
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

/// First labels of MX rollup queue names (`<mx-rollup-list>` in the PowerMTA config,
/// `google.rollup/vmta1` in the `queue` field) that name one ISP without doubt. A rollup is
/// named by the site, so only the names sites use for these providers are here; `mail`
/// (mail.ru? any mail host?) is not.
const ROLLUP_FIRST_LABELS: &[(&str, &str)] = &[
    ("google", "gmail"),
    ("googlemail", "gmail"),
    ("gmail", "gmail"),
    ("yahoo", "yahoo"),
    ("aol", "yahoo"),
    ("hotmail", "microsoft"),
    ("outlook", "microsoft"),
    ("msn", "microsoft"),
    ("microsoft", "microsoft"),
    ("apple", "apple"),
    ("icloud", "apple"),
    ("comcast", "comcast"),
    ("att", "att"),
    ("gmx", "gmx"),
    ("gmxnet", "gmx"),
    ("webde", "webde"),
    ("orange", "orange"),
    ("mailru", "mailru"),
    ("yandex", "yandex"),
    ("proton", "proton"),
    ("protonmail", "proton"),
];

/// The ISP of a queue named `NAME.rollup`, when NAME is one of [`ROLLUP_FIRST_LABELS`].
fn rollup_isp(queue_domain: &str) -> Option<&'static str> {
    let name = queue_domain.to_ascii_lowercase();
    let first = name.strip_suffix(".rollup")?;
    ROLLUP_FIRST_LABELS
        .iter()
        .find(|(label, _)| *label == first)
        .map(|&(_, isp)| isp)
}

/// The parts of a row's fields that decide its ISP. [`IspResolver::resolve`] reads nothing
/// else, so a memo of its decisions keyed by all of [`IspInputs::key_parts`] never hands one
/// row another row's ISP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IspInputs<'a> {
    /// The host part of `dsnMta` (`host (ip)`).
    mx_host: &'a [u8],
    /// What follows the last `@` of `rcpt`; empty when there is none.
    rcpt_domain: &'a [u8],
    /// The domain part of a `domain/vmta` queue name, for rows whose recipient domain no
    /// table knows (queue-level `tq` rows have no recipient).
    queue_domain: &'a [u8],
}

impl<'a> IspInputs<'a> {
    /// The inputs of a row with these `dsnMta`, `rcpt` and `queue` fields.
    pub fn of_row(dsn_mta: &'a [u8], rcpt: &'a [u8], queue: &'a [u8]) -> Self {
        let mx_end = dsn_mta
            .iter()
            .position(|&b| b == b' ' || b == b'(')
            .unwrap_or(dsn_mta.len());
        let queue_end = memchr::memchr(b'/', queue).unwrap_or(queue.len());
        IspInputs {
            mx_host: dsn_mta[..mx_end].trim_ascii(),
            rcpt_domain: memchr::memrchr(b'@', rcpt)
                .map_or(&b""[..], |at| rcpt[at + 1..].trim_ascii()),
            queue_domain: queue[..queue_end].trim_ascii(),
        }
    }

    /// Every input, for a memo key.
    pub fn key_parts(&self) -> [&'a [u8]; 3] {
        [self.mx_host, self.rcpt_domain, self.queue_domain]
    }
}

/// What an ISP id may be made of, as the docs and error messages say it.
pub const ISP_ID_SYNTAX: &str = "[a-z0-9_.-]+, case ignored";

/// Whether `id` can be an ISP id: it becomes a label in Prometheus output, a word in a
/// plugin's first line and a file name in exports, so letters, digits, `.`, `-`, `_` only.
pub fn is_isp_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// Whether `key` can name recipient domains or MX hosts: a domain name, `name.*` for any
/// suffix, or a suffix with its leading dot.
pub fn is_domain_pattern(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> IspResolver {
        IspResolver::new(&[], &[])
    }

    fn isp<'r>(resolver: &'r IspResolver, dsn_mta: &str, rcpt: &str, queue: &str) -> &'r str {
        let inputs = IspInputs::of_row(dsn_mta.as_bytes(), rcpt.as_bytes(), queue.as_bytes());
        resolver.resolve(&inputs)
    }

    #[test]
    fn mx_suffix_comes_first() {
        let r = builtin();
        assert_eq!(
            isp(&r, "aspmx.l.google.com (1.2.3.4)", "x@corp.example", ""),
            "gmail"
        );
        assert_eq!(
            isp(
                &r,
                "corp-com.mail.protection.outlook.com (1.2.3.4)",
                "a@gmail.com",
                ""
            ),
            "microsoft365"
        );
        assert_eq!(
            isp(&r, "mta7.am0.yahoodns.net (1.2.3.4)", "a@aol.com", ""),
            "yahoo"
        );
    }

    #[test]
    fn recipient_domain_table() {
        let r = builtin();
        assert_eq!(isp(&r, "", "a@Hotmail.co.uk", ""), "microsoft");
        assert_eq!(isp(&r, "", "a@sbcglobal.net", ""), "att");
        assert_eq!(isp(&r, "", "a@yahoo.fr", ""), "yahoo");
        assert_eq!(isp(&r, "", "a@gmx.de", ""), "gmx");
        assert_eq!(isp(&r, "", "a@web.de", ""), "webde");
        assert_eq!(isp(&r, "", "a@bk.ru", ""), "mailru");
        assert_eq!(isp(&r, "", "a@example.com", ""), OTHER);
        assert_eq!(isp(&r, "", "a@live.mycompany.example.com", ""), OTHER);
    }

    #[test]
    fn queue_domain_for_rows_without_recipient() {
        let r = builtin();
        assert_eq!(isp(&r, "", "", "gmail.com/vmta-a"), "gmail");
        assert_eq!(isp(&r, "", "", "yahoo.rollup/vmta18"), "yahoo");
        assert_eq!(isp(&r, "", "", "hotmail.queue/vmta1"), "microsoft");
        assert_eq!(
            isp(&r, "mx.xn--bcher-kva.de (1.2.3.4)", "", "bücher.de/v"),
            OTHER
        );
    }

    #[test]
    fn rollup_queues_are_placed_by_an_unambiguous_first_label() {
        let r = builtin();
        for (queue, expected) in [
            ("google.rollup/vmta1", "gmail"),
            ("gmxnet.rollup/vmta1", "gmx"),
            ("webde.rollup/vmta1", "webde"),
            ("apple.rollup/vmta1", "apple"),
            ("Hotmail.Rollup/vmta1", "microsoft"),
            ("aol.rollup/vmta1", "yahoo"),
            // `mail` could be mail.ru or any mail host: not guessed.
            ("mail.rollup/vmta1", OTHER),
            ("google.pool/vmta1", OTHER),
        ] {
            assert_eq!(isp(&r, "", "", queue), expected, "{queue}");
        }
        // The MX host and the recipient domain still come first.
        assert_eq!(isp(&r, "", "a@gmx.de", "google.rollup/vmta1"), "gmx");
    }

    #[test]
    fn rollups_of_a_powermta_config_follow_their_mx_patterns() {
        let rollups: Vec<(String, String)> = [
            ("*.google.com", "google.rollup"),
            ("*.gmx.net", "gmxnet.rollup"),
            ("*.web.de", "webde.rollup"),
            ("*.icloud.com", "apple.rollup"),
            ("*.mail.ru", "mail.rollup"),
            ("*.mx.example.net", "corp.rollup"),
        ]
        .iter()
        .map(|(p, n)| (p.to_string(), n.to_string()))
        .collect();
        let r = builtin().with_rollups(&rollups);
        for (queue, expected) in [
            ("google.rollup/vmta1", "gmail"),
            ("gmxnet.rollup/vmta1", "gmx"),
            ("webde.rollup/vmta1", "webde"),
            ("apple.rollup/vmta1", "apple"),
            ("mail.rollup/vmta1", "mailru"),
            ("corp.rollup/vmta1", "corp.rollup"),
        ] {
            assert_eq!(isp(&r, "", "", queue), expected, "{queue}");
        }
    }

    #[test]
    fn queue_domain_when_no_table_knows_the_recipient_domain() {
        let r = builtin();
        assert_eq!(isp(&r, "", "a@corp.example", "gmail.com/vmta-a"), "gmail");
        assert_eq!(isp(&r, "", "<a@>", "yahoo.rollup/vmta18"), "yahoo");
        assert_eq!(isp(&r, "", "a@aol.com", "gmail.com/vmta-a"), "yahoo");
    }

    #[test]
    fn config_overrides_builtin() {
        let r = IspResolver::new(
            &[("corp.example".into(), "microsoft365".into())],
            &[("mx.example.net".into(), "examplenet".into())],
        );
        assert_eq!(isp(&r, "", "a@corp.example", ""), "microsoft365");
        assert_eq!(
            isp(&r, "in1.mx.example.net (1.2.3.4)", "", ""),
            "examplenet"
        );
    }
}
