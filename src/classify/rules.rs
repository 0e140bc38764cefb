//! The built-in rule table, in tiers: provider wording, stated causes, phrases by class
//! (in the languages replies come in), then enhanced status codes. The provider code table
//! (`codes.tsv`) comes before all of them.
//!
//! Order matters: the first rule that matches wins, so a stated cause (reverse DNS,
//! authentication, reputation) comes before the wrapper it arrives in (rate limiting,
//! greylisting, a bare 5.7.1). Patterns are written for lowercased text and follow the
//! wording the providers and MTAs document, not individual log lines.

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
const ATT: &[&str] = &["att"];

/// Where a rule sits in the table; the tiers are read in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// The user's `[[rule]]`s.
    User,
    /// The provider code table.
    Code,
    Cause,
    Provider,
    Phrase,
    Status,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::User => "user rule",
            Tier::Code => "provider code",
            Tier::Provider => "provider wording",
            Tier::Cause => "stated cause",
            Tier::Phrase => "phrase",
            Tier::Status => "enhanced status code",
        }
    }
}

/// The built-in tiers after the code table, in the order they are read.
pub const BUILTIN_TIERS: &[(Tier, &[BuiltinRule])] = &[
    (Tier::Cause, CAUSE_RULES),
    (Tier::Provider, PROVIDER_RULES),
    (Tier::Phrase, PHRASE_RULES),
    (Tier::Status, STATUS_RULES),
];

/// Provider wording: rules read only for the provider's own replies.
pub const PROVIDER_RULES: &[BuiltinRule] = &[
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
        r"\b[45]\.7\.2[67]\b|is unauthenticated|unauthenticated (?:email|mail|message|sender)|\bdmarc\b",
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
        r"\b[45]\.7\.(?:650|651|708)\b|\bS3113\b|\bS3114\b",
    ),
    provider(
        "microsoft-rate",
        MICROSOFT,
        RateLimited,
        r"\b4\.7\.(?:500|652)\b|\bS3115\b|server busy|\b5\.7\.508\b|thread limit",
    ),
    provider(
        "microsoft-helo",
        MICROSOFT,
        RdnsMismatch,
        r"\b5\.7\.506\b|bad helo",
    ),
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
    provider("att-rdns", ATT, RdnsMissing, r"failure in dns look-?up"),
    provider("att-blocked", ATT, Blocklisted, r"\bis blocked\b"),
    provider("apple-auth", APPLE, AuthFailure, r"\[HME\d\]"),
    provider("apple-policy", APPLE, Policy, r"\[CS0\d\]"),
];

/// A cause the reply states for the refusal it wraps it in: "rate limited because you are
/// not using TLS" is a TLS failure, "deferred due to IP reputation" a reputation one.
macro_rules! because {
    ($cause:literal) => {
        concat!(
            r"(?:because|due to|owing to|as a result of|caused by|reason:)[^.;]{0,80}",
            $cause
        )
    };
}

pub const CAUSE_RULES: &[BuiltinRule] = &[
    text(
        "cause-rdns",
        RdnsMissing,
        because!(r"(?:\bptr\b|reverse dns|\brdns\b|reverse (?:lookup|hostname))"),
    ),
    text(
        "cause-tls",
        Tls,
        because!(r"(?:\btls\b|starttls|encrypt|secure connection)"),
    ),
    text(
        "cause-auth",
        AuthFailure,
        because!(r"(?:\bspf\b|\bdkim\b|\bdmarc\b|authenticat|not (?:properly )?aligned|alignment)"),
    ),
    text(
        "cause-content",
        ContentSpam,
        because!(
            r"(?:(?:spam|junk) (?:classification|content|filter|detection|score)|classified as (?:spam|junk)|(?:looks|appears|considered|identified|detected) (?:to be |like |as )?(?:spam|junk))"
        ),
    ),
    text(
        "cause-blocklist",
        Blocklisted,
        because!(
            r"(?:spamhaus|block ?list|black ?list|\bdnsbl|\brbl\b|is (?:listed|in [^.;]{0,30}list))"
        ),
    ),
    text(
        "cause-reputation",
        Reputation,
        because!(r"(?:reputation|sender score)"),
    ),
];

/// Phrases by class, most specific cause first.
pub const PHRASE_RULES: &[BuiltinRule] = &[
    text(
        "rdns-shape",
        RdnsGeneric,
        concat!(
            r"(?:\bptr\b|reverse dns|\brdns\b|host ?name)[^.;]{0,40}(?:contains|includes|looks like|resembles)",
            r" (?:your |the |an? )?(?:ip|banned|generic|dynamic|dial)",
        ),
    ),
    text(
        "rdns-mismatch",
        RdnsMismatch,
        concat!(
            r"(?:host ?name|\bip\b|\bptr\b|reverse|rdns|dns|helo|ehlo|client)[^.;]{0,60}\b(?:does not|doesn't|do not|did not|is not) match",
            r"|mismatch|possibly forged|\bforged\b|cannot find your hostname",
            r"|\b(?:helo|ehlo)\b[^.;]{0,60}(?:invalid|not found|not match|fully.qualified|(?:does not|doesn't|did not|didn't|cannot|can't|could not|not) (?:exist|resolve)|no (?:forward )?dns|no [^.;]{0,20}match)",
            r"|(?:invalid|bad|malformed|bogus)[^.;]{0,30}\b(?:helo|ehlo)\b|resolving your (?:helo|ehlo)|not who you say",
            r"|(?:bad|invalid|malformed|bogus|forged) (?:helo|ehlo)|fully.qualified (?:host ?name|domain)|unverif[iy]able",
            r"|fcrdns|forward.confirm|does not resolve (?:back )?to|not resolve to your|reverse dns validation failed",
            r"|does not identify itself correctly|impersonating|you are not localhost|address literal",
            r"|(?:helo|ehlo|host ?name)[^.;]{0,40}\bfqdn\b|(?:cannot|can't|could not|unable to) (?:resolve|verify) your (?:host ?name|helo|ehlo)",
        ),
    ),
    text(
        "rdns-missing",
        RdnsMissing,
        concat!(
            r"ip not in dns|ip name lookup failed|reverse hostname|no rdns",
            r"|(?:cannot|can't|could not|unable to) (?:find|resolve|determine) your reverse",
            r"|\b(?:no|missing|without|lacks?|invalid|bad|have an?|has no|not have an?|must have an?)(?: valid| proper| usable)?(?: dns)? (?:ptr|reverse|rdns)\b",
            r"|(?:\bptr\b|rdns|reverse dns|reverse lookup)(?: record)? (?:failed|failure|not found|missing|required|lookup failed|does not exist)",
            r"|reverse dns (?:entry|record)|no dns entr|(?:sender|client) ip must resolve",
            r"|dns inverso|dns reverso|dns inverse|r(?:e|é)solution inverse|обратн\S* (?:зон|запис|dns)|逆引き|反向解析|反解",
        ),
    ),
    text(
        "greylisted",
        Other,
        r"grey ?list|gray ?list|greylisting|graylisting",
    ),
    text(
        "protocol",
        Other,
        concat!(
            r"too many (?:errors|unrecognized|nonmail|bad commands|invalid commands|unknown commands|unauthenticated|login)|too many hops",
            r"|too many received",
            r"|loop detected|mail loop|routing loop|bare lf",
        ),
    ),
    text(
        "blocklist",
        Blocklisted,
        concat!(
            r"blocked using [a-z0-9-]+\.[a-z]|\bdnsbl|\brbl\b|block ?list|black ?list|blacklisted|spamhaus|sorbs\.net|barracuda",
            r"|spamcop|uribl|surbl|\bcbl\b|banned sending ip|banned sender|listed (?:on|in|at|by|as)",
            r"|found on one or more|\(BL\)|\bip(?: address)?(?: \S+)? (?:is|has been|was) (?:blocked|banned|blacklisted)|ipcheck\.proofpoint\.com|blocked for (?:spam|abuse)|spam ?list|black ip|spam source|support_bl",
            r"|lista negra|liste noire|schwarze[n]? liste|lista nera|zwarte lijst|черн\S* спис|黑名单|ブラックリスト",
        ),
    ),
    text(
        "rdns-generic",
        RdnsGeneric,
        concat!(
            r"generic|dynamic|residential (?:ip|address|connection|range|network)|dial-?up|custom reverse dns|relay via (?:your )?isp",
            r"|consumer (?:ip|range|address)|dynamisch|dynamique|dinamic",
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
            r"|\barc (?:validation|check|fail)|invalid ip for sending|not (?:allowed|authori[sz]ed|permitted) to send (?:mail |email )?(?:from|for|on behalf)",
        ),
    ),
    text(
        "reputation",
        Reputation,
        r"reputation|\bsbrs\b|sender ?score|score too low|poor .{0,20}score|traffic not accepted from this ip|permanently deferred|spam statistics",
    ),
    text(
        "relay-denied",
        Policy,
        concat!(
            r"relay(?:ing)? (?:access )?(?:denied|not permitted|prohibited)|as a relay|allowed rcpthosts|list of allowed hosts",
            r"|unable to relay|relay(?:ing)? (?:is )?not (?:allowed|permitted)|(?:do|does) not relay|open relay",
            r"|not (?:a )?(?:local|accepted) domain|(?:relay|sending) denied|not accepting (?:e-?mail|mail) for",
        ),
    ),
    text(
        "sender-refused",
        Policy,
        concat!(
            r"sender (?:address |domain )?(?:rejected|refused|not (?:allowed|accepted))|sender's system address",
            r"|domain of (?:the |your )?sender|(?:mail from|sender|from:)[^.;]{0,40}(?:\bmx\b|mail exchanger|does not exist|not found|invalid|unresolvable)",
            r"|valid sender domain|unroutable sender|from domain|sender verif|domain must resolve",
        ),
    ),
    text(
        "rate-quota",
        RateLimited,
        r"(?:queue|relay|sending|daily|hourly|message|submission|recipient|organi[sz]ation) quota",
    ),
    text(
        "mailbox-disabled",
        MailboxDisabled,
        concat!(
            r"disabled|inactive|terminated|deactivated|discontinued|\b(?:temporar(?:y|ily) )?locked\b",
            r"|(?:account|mailbox|user|address)[^.;]{0,20}(?:blocked|suspended|frozen)|no longer (?:active|available)",
            r"|gesperrt|deaktiviert|d(?:e|é)sactiv(?:e|é)|bloqu(?:e|é) |desactivad|disattivat|заблокирован",
        ),
    ),
    text(
        "mailbox-full",
        MailboxFull,
        concat!(
            r"over ?quota|quota (?:limit )?exceeded|exceeded (?:storage|quota)|mailbox (?:is )?full|insufficient storage|out of storage",
            r"|mailbox size limit|disk space limit|storage space|exhausted allowed storage|too many messages on the server",
            r"|pleine|speicherplatz|speichervolumen|postfach (?:ist )?voll|zuviele mails|buz(?:o|ó)n (?:est(?:a|á) )?lleno|casella (?:di posta )?piena",
            r"|caixa (?:postal )?(?:est(?:a|á) )?cheia|mailbox (?:is )?vol\b|ящик переполнен|переполнен|容量|満杯|邮箱已满|空间不足",
        ),
    ),
    text(
        "rate",
        RateLimited,
        concat!(
            r"rate limit|ratelimit|unusual rate|at a rate|too many|too quickly|too fast|slow down|slower",
            r"|unexpected volume|excessive volume|high volume|throttl|frequency limit|\bbusy\b|high load|load too high",
            r"|maximum number of (?:connections|messages|recipients)|max(?:imum)? (?:message|messages|connections|recipients) per",
            r"|exceeded (?:permitted |the )?limits?|thread limit|limit exceeded|connection limit",
            r"|zu viele|trop de|demasiad[oa]s|troppi|troppe|te veel|muit[oa]s|слишком много|频繁|过多",
        ),
    ),
    text(
        "tls",
        Tls,
        r"\btls\b|starttls|certificate|mta-sts|\bssl\b|encryption (?:is )?required|\bdane\b|\btlsa\b",
    ),
    text(
        "expired",
        MessageExpired,
        concat!(
            r"(?:message|delivery time|queue\.?) ?expired|expired:|retry (?:timeout|time|period) (?:exceeded|expired)",
            r"|has expired|too long in (?:the )?queue|in the queue too long|(?:cannot send|could not be delivered)[^.;]{0,20}(?:for \d+ days|for too long)",
        ),
    ),
    text(
        "too-large",
        TooLarge,
        r"too large|too big|size exceeds|exceeds (?:the )?(?:fixed )?(?:maximum )?(?:message )?size|message size|size limit|length exceeds|RecipSizeLimit|line too long|excessive amounts of data|zu gro(?:ss|ß)|trop (?:gros|volumineux)",
    ),
    text(
        "user-unknown",
        UserUnknown,
        concat!(
            r"unknown (?:user|recipient|alias|mailbox|address)|user unknown|unknown or illegal alias",
            r"|no such (?:user|mailbox|recipient|address)|does not exist|doesn'?t have an? .{0,30}account",
            r"|(?:recipient|user|mailbox|address) not found|mailbox unavailable|invalid (?:recipient|mailbox|address)",
            r"|RecipientNotFound|not a valid (?:recipient|mailbox|user)|not (?:a |an )?(?:known|registered|valid|active) (?:user|address|recipient|gateway user)",
            r"|not our (?:user|customer)|user not exist|undeliverable address|(?:user|recipient|mailbox) <[^>]*> (?:unknown|not found|does not exist)|no (?:mail ?box|account)|bad_?recipient|badrcptto|mail-?box not found",
            r"|(?:recipient )?address rejected\.?$|recipient rejected",
            r"|unbekannt|existiert nicht|inconnu|n'existe pas|desconocido|inexistente|no existe|sconosciuto|non esiste",
            r"|onbekend|bestaat niet|desconhecido|n(?:a|ã)o existe|не существует|нет такого|не найден|見つかりません|存在しません|不存在",
        ),
    ),
    text(
        "domain-invalid",
        DomainInvalid,
        concat!(
            r"host unknown|host not found|domain (?:name )?not found|no such domain|nxdomain|null ?mx",
            r"|does not accept mail|invalid domain|domain is not reachable|bad destination system",
            r"|unrouteable|no relevant answers|no mx record|find a mail exchanger|name or service not known",
            r"|mx records point to non-existent|no valid mx",
        ),
    ),
    text(
        "connection",
        Connection,
        concat!(
            r"timed out|timeout|no route to host|connection (?:was )?(?:refused|reset|closed|timed out|lost|dropped|expired)",
            r"|lost connection|no answer from host|could not be reached|requests to connect|refused to talk",
            r"|unable to connect|network is unreachable|host unreachable|service not available",
            r"|establish an smtp connection|not accepting connections|name service error|(?:mx|dns|host ?name|name) lookup (?:error|failure)|dns error",
            r"|lookup did not complete",
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
        r"spam|unsolicited|\bube\b|\bhits=\d|content|virus|malware|phish|security issue|bulk (?:e-?mail|mail)|\bfiltered\b|спам|迷惑メール|垃圾邮件",
    ),
    text(
        "temporary-rejection",
        Other,
        r"temporar(?:y|ily) (?:rejected|refused|not accepted)",
    ),
    text(
        "policy",
        Policy,
        concat!(
            r"polic(?:y|ies)|not (?:allowed|permitted|accepted)|prohibited|access denied|authentication required|smtp authentication",
            r"|client host rejected|host network|white ?list|allow ?list|pre-approved|not verified|\brejected\b",
            r"|naruszenie|richtlinie|politique|pol(?:i|í)tica|politica|beleid|политик",
        ),
    ),
];

/// Enhanced status codes, last: only when the text says nothing more specific.
pub const STATUS_RULES: &[BuiltinRule] = &[
    status("status-rdns", RdnsMissing, r"5\.7\.25"),
    status("status-auth", AuthFailure, r"[45]\.7\.(?:2[0-4]|2[67])"),
    status("status-rate", RateLimited, r"[45]\.7\.28"),
    status("status-tls", Tls, r"[45]\.7\.1[01]"),
    status("status-user-unknown", UserUnknown, r"5\.1\.[16]"),
    status("status-domain", DomainInvalid, r"5\.1\.2|[45]\.4\.4"),
    status("status-mailbox-disabled", MailboxDisabled, r"5\.2\.1"),
    status("status-mailbox-full", MailboxFull, r"[45]\.2\.2"),
    status("status-too-large", TooLarge, r"[45]\.(?:2\.3|3\.4)"),
    status("status-expired", MessageExpired, r"[45]\.4\.7"),
    status("status-connection", Connection, r"[45]\.4\.[0-2]"),
    status("status-policy", Policy, r"5\.7\.1"),
];
