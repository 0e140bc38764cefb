//! The built-in rule table: per-provider rules, then generic phrases, then status codes.
//!
//! Order matters: the first rule that matches wins, so a stated cause (reverse DNS,
//! authentication, reputation) comes before the wrapper it arrives in (rate limiting,
//! greylisting, a bare 5.7.1). Patterns are case-insensitive and follow the wording the
//! providers document, not individual log lines.

use super::class::Class::{self, *};

/// What a rule looks at.
#[derive(Debug, Clone, Copy)]
pub enum Matcher {
    /// A regex over the normalized reply text.
    Text(&'static str),
    /// A regex over the enhanced status code (`5.7.1`), anchored at both ends.
    Status(&'static str),
}

/// One built-in rule.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinRule {
    pub id: &'static str,
    /// The ISPs this rule is for; empty means every ISP.
    pub isps: &'static [&'static str],
    pub class: Class,
    pub matcher: Matcher,
}

const fn text(id: &'static str, class: Class, pattern: &'static str) -> BuiltinRule {
    BuiltinRule {
        id,
        isps: &[],
        class,
        matcher: Matcher::Text(pattern),
    }
}

const fn provider(
    id: &'static str,
    isps: &'static [&'static str],
    class: Class,
    pattern: &'static str,
) -> BuiltinRule {
    BuiltinRule {
        id,
        isps,
        class,
        matcher: Matcher::Text(pattern),
    }
}

const fn status(id: &'static str, class: Class, pattern: &'static str) -> BuiltinRule {
    BuiltinRule {
        id,
        isps: &[],
        class,
        matcher: Matcher::Status(pattern),
    }
}

const GMAIL: &[&str] = &["gmail"];
const MICROSOFT: &[&str] = &["microsoft", "microsoft365"];
const YAHOO: &[&str] = &["yahoo"];
const ORANGE: &[&str] = &["orange"];
const APPLE: &[&str] = &["apple"];

pub const BUILTIN_RULES: &[BuiltinRule] = &[
    // --- Provider rules: codes and wording each provider documents. ---
    provider(
        "gmail-ptr-mismatch",
        GMAIL,
        RdnsMismatch,
        r"does not match the ip address of the hostname",
    ),
    provider("gmail-ptr", GMAIL, RdnsMissing, r"\bptr\b|reverse dns"),
    provider(
        "gmail-auth",
        GMAIL,
        AuthFailure,
        r"\b[45]\.7\.2[67]\b|unauthenticated|\bdmarc\b",
    ),
    provider("gmail-reputation", GMAIL, Reputation, r"reputation"),
    provider(
        "gmail-rate",
        GMAIL,
        RateLimited,
        r"\b[45]\.7\.28\b|unusual rate|receiving mail at a rate|rate limit",
    ),
    provider("microsoft-dynamic", MICROSOFT, RdnsGeneric, r"\bDY-00\d"),
    provider(
        "microsoft-blocklist",
        MICROSOFT,
        Blocklisted,
        r"\bS3140\b|\bS3150\b|banned sending ip|banned sender|\b5\.7\.(?:511|606)\b",
    ),
    provider(
        "microsoft-reputation",
        MICROSOFT,
        Reputation,
        r"\b[45]\.7\.(?:650|651|708|750)\b|\bS3113\b|\bS3114\b",
    ),
    provider(
        "microsoft-rate",
        MICROSOFT,
        RateLimited,
        r"\b4\.7\.(?:500|652)\b|\bS3115\b|server busy|\b5\.7\.508\b|thread limit",
    ),
    provider(
        "microsoft-auth",
        MICROSOFT,
        AuthFailure,
        r"\b[45]\.7\.(?:26|509|515)\b",
    ),
    provider(
        "microsoft-helo",
        MICROSOFT,
        RdnsMismatch,
        r"\b5\.7\.506\b|bad helo",
    ),
    provider("microsoft-rfc5322", MICROSOFT, Policy, r"\b5\.7\.512\b"),
    provider(
        "microsoft-recipient-denied",
        MICROSOFT,
        UserUnknown,
        r"\b5\.4\.1\b.*access denied|RecipientNotFound",
    ),
    provider(
        "yahoo-reputation",
        YAHOO,
        Reputation,
        r"\[?TSS?(?:03|09|11)\]?|permanently deferred",
    ),
    provider(
        "yahoo-rate",
        YAHOO,
        RateLimited,
        r"\[?TSS?0[1-8]\]?|unexpected volume|user complaints",
    ),
    provider("yahoo-content", YAHOO, ContentSpam, r"\[?PH0\d\]?"),
    provider("yahoo-blocklist", YAHOO, Blocklisted, r"\[?BL2\d\]?"),
    provider(
        "orange-rate",
        ORANGE,
        RateLimited,
        r"\bOFR_999\b|\bOFR00\d_104\b|too many connections",
    ),
    provider("orange-blocklist", ORANGE, Blocklisted, r"\bOFR00\d_102\b"),
    provider("apple-auth", APPLE, AuthFailure, r"\[HME\d\]"),
    provider("apple-policy", APPLE, Policy, r"\[CS0\d\]"),
    // --- Generic phrases, most specific cause first. ---
    text(
        "rdns-mismatch",
        RdnsMismatch,
        concat!(
            r"(?:host ?name|\bip\b|\bptr\b|reverse|rdns|dns|helo|ehlo|client)[^.;]{0,60}\b(?:does not|doesn't|do not|did not) match",
            r"|mismatch|possibly forged|\bforged\b|cannot find your hostname",
            r"|\b(?:helo|ehlo)\b[^.;]{0,40}(?:rejected|invalid|not found|not match|fully.qualified)",
            r"|(?:bad|invalid) (?:helo|ehlo)|fully.qualified (?:host ?name|domain)|unverif[iy]able",
            r"|reverse dns validation failed|fcrdns|forward.confirm|does not resolve (?:back )?to",
        ),
    ),
    text(
        "rdns-missing",
        RdnsMissing,
        concat!(
            r"ip not in dns|ip name lookup failed|reverse hostname|no rdns",
            r"|(?:cannot|can't|could not|unable to) (?:find|resolve|determine) your reverse",
            r"|\b(?:no|missing|without|lacks?|invalid|bad|have an?|has no|not have an?|must have an?)(?: valid| proper)?(?: dns)? (?:ptr|reverse|rdns)\b",
            r"|(?:\bptr\b|rdns|reverse dns|reverse lookup)(?: record)? (?:failed|not found|missing|required|lookup failed)",
            r"|reverse dns (?:entry|record)",
        ),
    ),
    text("greylisted", Other, r"grey ?list|gray ?list"),
    text(
        "blocklist",
        Blocklisted,
        concat!(
            r"blocked using|\bdnsbl|\brbl\b|block ?list|black ?list|spamhaus|sorbs\.net|barracuda",
            r"|spamcop|uribl|surbl|\bcbl\b|banned sending ip|banned sender|listed (?:on|in|at|by)",
            r"|found on one or more|\(BL\)|blocked for spam",
        ),
    ),
    text(
        "rdns-generic",
        RdnsGeneric,
        concat!(
            r"generic|dynamic|residential (?:ip|address|connection|range|network)|dial-?up|custom reverse dns|relay via (?:your )?isp",
            r"|consumer (?:ip|range|address)",
        ),
    ),
    text(
        "rdns-ptr",
        RdnsMissing,
        r"\bptr\b|reverse dns|\brdns\b|reverse (?:host|lookup|mapping)",
    ),
    text(
        "auth",
        AuthFailure,
        concat!(
            r"\bspf\b|\bdkim\b|\bdmarc\b|unauthenticated (?:email|mail|message)|sender is unauthenticated",
            r"|authentication (?:checks|information|level|results)|not signed|sender authentication",
        ),
    ),
    text(
        "reputation",
        Reputation,
        r"reputation|\bsbrs\b|sender ?score|score too low|poor .{0,20}score|traffic not accepted from this ip|permanently deferred",
    ),
    text(
        "rate",
        RateLimited,
        concat!(
            r"rate limit|ratelimit|unusual rate|at a rate|too many|too quickly|too fast|slow down|slower",
            r"|unexpected volume|excessive volume|high volume|throttl|frequency limit|server busy",
            r"|maximum number of (?:connections|messages|recipients)|max(?:imum)? (?:message|messages|connections|recipients) per",
            r"|exceeded (?:permitted |the )?limits?|thread limit|limit exceeded|connection limit",
        ),
    ),
    text(
        "tls",
        Tls,
        r"\btls\b|starttls|certificate|mta-sts|\bssl\b|encryption (?:is )?required|\bdane\b",
    ),
    text(
        "expired",
        MessageExpired,
        concat!(
            r"(?:message|delivery time|queue\.?) ?expired|expired:|retry (?:timeout|time|period) (?:exceeded|expired)",
            r"|has expired|too long in (?:the )?queue",
        ),
    ),
    text(
        "too-large",
        TooLarge,
        r"too large|too big|size exceeds|exceeds (?:the )?(?:fixed )?(?:maximum )?(?:message )?size|message size|size limit|length exceeds|RecipSizeLimit",
    ),
    text(
        "mailbox-disabled",
        MailboxDisabled,
        concat!(
            r"disabled|inactive|terminated|deactivated|discontinued|\b(?:temporar(?:y|ily) )?locked\b",
            r"|(?:account|mailbox|user) (?:is |has been )?(?:blocked|suspended)|no longer (?:active|available)",
        ),
    ),
    text(
        "mailbox-full",
        MailboxFull,
        r"over ?quota|quota exceeded|exceeded (?:storage|quota)|mailbox (?:is )?full|insufficient storage|out of storage|pleine",
    ),
    text(
        "user-unknown",
        UserUnknown,
        concat!(
            r"unknown (?:user|recipient|alias|mailbox|address)|user unknown|unknown or illegal alias",
            r"|no such (?:user|mailbox|recipient|address)|does not exist|doesn'?t have an? .{0,30}account",
            r"|(?:recipient|user|mailbox|address) not found|mailbox unavailable|invalid (?:recipient|mailbox|address)",
            r"|RecipientNotFound|not a valid (?:recipient|mailbox|user)",
        ),
    ),
    text(
        "domain-invalid",
        DomainInvalid,
        concat!(
            r"host unknown|host not found|domain (?:name )?not found|no such domain|nxdomain|null ?mx",
            r"|does not accept mail|invalid domain|domain is not reachable|bad destination system",
            r"|unrouteable|dns error|name service error|no relevant answers|no mx record",
        ),
    ),
    text(
        "connection",
        Connection,
        concat!(
            r"timed out|timeout|no route to host|connection (?:was )?(?:refused|reset|closed|timed out|lost|dropped)",
            r"|lost connection|no answer from host|could not be reached|requests to connect|refused to talk",
            r"|unable to connect|network is unreachable|host unreachable|service not available",
        ),
    ),
    text(
        "policy-stated",
        Policy,
        r"rfc ?5322|rfc ?2822|not (?:rfc )?compliant|local policy|policy (?:reasons|violation|rejection)|rejected by policy|administrative prohibition|recipient preferences",
    ),
    text(
        "content",
        ContentSpam,
        r"spam|unsolicited|\bube\b|content|virus|malware|phish|security issue",
    ),
    text(
        "relay-denied",
        Other,
        r"relay(?:ing)? (?:access )?denied|relay not permitted",
    ),
    text(
        "policy",
        Policy,
        r"polic(?:y|ies)|not (?:allowed|permitted|accepted)|prohibited|access denied|authentication required|client host rejected|host network",
    ),
    // --- Status codes last: only when the text says nothing more specific. ---
    status("status-rdns", RdnsMissing, r"5\.7\.25"),
    status("status-auth", AuthFailure, r"[45]\.7\.(?:2[0-4]|2[67])"),
    status("status-rate", RateLimited, r"[45]\.7\.28"),
    status("status-tls", Tls, r"[45]\.7\.1[01]"),
    status("status-user-unknown", UserUnknown, r"5\.1\.[16]"),
    status("status-domain", DomainInvalid, r"5\.1\.2|[45]\.4\.4"),
    status("status-mailbox-disabled", MailboxDisabled, r"[45]\.2\.1"),
    status("status-mailbox-full", MailboxFull, r"[45]\.2\.2"),
    status("status-too-large", TooLarge, r"[45]\.(?:2\.3|3\.4)"),
    status("status-expired", MessageExpired, r"[45]\.4\.7"),
    status("status-connection", Connection, r"[45]\.4\.[0-2]"),
    status("status-policy", Policy, r"5\.7\.1"),
];
