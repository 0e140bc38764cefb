//! Unit tests: every built-in rule with replies it must decide, and near-misses it must not.

use super::*;

/// The verdict on a reply text, taken the way production takes it (masked, then normalized).
fn verdict(isp: &str, diag: &str) -> Verdict {
    verdict_of(&Classifier::new(&[]).unwrap(), isp, diag)
}

fn verdict_of(classifier: &Classifier, isp: &str, diag: &str) -> Verdict {
    classifier.classify_reply(isp, RawReply::text(diag.as_bytes()), &mut Vec::new())
}

/// (isp, reply, rule that must decide it, class)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "gmail",
        "550 5.7.25 The sending IP does not match the IP address of the hostname specified in the pointer (PTR) record.",
        "gmail-ptr-mismatch",
        "rdns_mismatch",
    ),
    (
        "gmail",
        "421-4.7.0 [203.0.113.7] This message does not have a PTR record and has been temporarily rate limited.",
        "gmail-ptr",
        "rdns_missing",
    ),
    (
        "gmail",
        "550 This mail is unauthenticated.",
        "gmail-auth",
        "auth_failure",
    ),
    (
        "gmail",
        "421-4.7.0 [203.0.113.7] Our system has detected that this message is suspicious: very low reputation of the sending domain.",
        "gmail-reputation",
        "reputation",
    ),
    (
        "gmail",
        "421 [203.0.113.7] Our system has detected an unusual rate of unsolicited mail originating from your IP address.",
        "gmail-rate",
        "rate_limited",
    ),
    (
        "microsoft",
        "550 DY-003 Mail rejected by Outlook.com for policy reasons.",
        "microsoft-dynamic",
        "rdns_generic",
    ),
    (
        "microsoft",
        "550 5.7.1 Access denied, banned sending IP [203.0.113.7]",
        "microsoft-blocklist",
        "blocklisted",
    ),
    (
        "microsoft365",
        "550 5.7.708 Access denied, traffic not accepted from this IP",
        "microsoft-reputation",
        "reputation",
    ),
    (
        "microsoft",
        "451 Server busy. Please try again later from [203.0.113.7].",
        "microsoft-rate",
        "rate_limited",
    ),
    (
        "microsoft",
        "550 Access Denied, Bad HELO",
        "microsoft-helo",
        "rdns_mismatch",
    ),
    (
        "microsoft",
        "550 5.4.1 Recipient address rejected: Access denied",
        "microsoft-recipient-denied",
        "user_unknown",
    ),
    (
        "yahoo",
        "553 5.7.2 [TS03] All messages from 203.0.113.7 will be permanently deferred; Retrying will NOT succeed.",
        "yahoo-reputation",
        "reputation",
    ),
    (
        "yahoo",
        "421 4.7.0 [TSS05] Messages from 203.0.113.7 temporarily deferred due to unexpected volume or user complaints",
        "yahoo-rate",
        "rate_limited",
    ),
    (
        "yahoo",
        "554 Message not allowed - [PH02] Email not accepted for policy reasons.",
        "yahoo-content",
        "content_spam",
    ),
    (
        "yahoo",
        "553 5.7.1 [BL22] Connections will not be accepted from 203.0.113.7",
        "yahoo-blocklist",
        "blocklisted",
    ),
    (
        "orange",
        "421 mwinf5c77 ME Too many connections, slow down.",
        "orange-rate",
        "rate_limited",
    ),
    (
        "orange",
        "550 mwinf5c04 ME Adresse IP source bloquee. OFR005_102 [102]",
        "orange-blocklist",
        "blocklisted",
    ),
    (
        "apple",
        "554 5.7.1 [HME2] This message was blocked.",
        "apple-auth",
        "auth_failure",
    ),
    (
        "apple",
        "550 5.7.1 [CS03] Message rejected.",
        "apple-policy",
        "policy",
    ),
    (
        "other",
        "550 5.7.1 Client host rejected: HELO hostname does not match PTR record",
        "rdns-mismatch",
        "rdns_mismatch",
    ),
    (
        "other",
        "450 4.7.1 Client host rejected: cannot find your hostname, [203.0.113.7]",
        "rdns-mismatch",
        "rdns_mismatch",
    ),
    (
        "other",
        "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
        "rdns-mismatch",
        "rdns_mismatch",
    ),
    (
        "other",
        "554 Refused. Your reverse DNS entry contains your IP address and a country code.",
        "rdns-shape",
        "rdns_generic",
    ),
    (
        "other",
        "500 5.5.1 Too many unrecognized commands",
        "protocol",
        "other",
    ),
    ("other", "554 5.4.6 Too many hops", "protocol", "other"),
    (
        "other",
        "550 5.1.8 Sender address rejected: Domain not found",
        "sender-refused",
        "policy",
    ),
    (
        "microsoft",
        "450 4.7.3 Organization queue quota exceeded.",
        "rate-quota",
        "rate_limited",
    ),
    (
        "other",
        "422 4.2.2 Quota limit exceeded (Speicherplatz des Kontos ueberschritten)",
        "mailbox-full",
        "mailbox_full",
    ),
    (
        "other",
        "421 Refused because of a missing reverse DNS (PTR) entry, try later",
        "cause-rdns",
        "rdns_missing",
    ),
    (
        "other",
        "421 4.7.0 Rate limited because you're not using a TLS connection",
        "cause-tls",
        "tls",
    ),
    (
        "other",
        "421 4.7.0 Rate limited because DKIM authentication didn't pass",
        "cause-auth",
        "auth_failure",
    ),
    (
        "other",
        "554 Rejected due to spam classification",
        "cause-content",
        "content_spam",
    ),
    (
        "other",
        "553 [TSS07] Connections not accepted, because the ip is in Spamhaus's list",
        "cause-blocklist",
        "blocklisted",
    ),
    (
        "other",
        "421 Deferred due to the poor reputation of your IP",
        "cause-reputation",
        "reputation",
    ),
    (
        "att",
        "421-failure in DNS look-up.",
        "att-rdns",
        "rdns_missing",
    ),
    (
        "att",
        "521 <203.0.113.7> is blocked",
        "att-blocked",
        "blocklisted",
    ),
    (
        "other",
        "550 Su IP esta en lista negra en SPAMBAG",
        "blocklist",
        "blocklisted",
    ),
    (
        "other",
        "550 5.1.1 Benutzer unbekannt",
        "user-unknown",
        "user_unknown",
    ),
    ("other", "550 IP not in DNS", "rdns-missing", "rdns_missing"),
    (
        "other",
        "450 4.7.1 Client host rejected: cannot find your reverse hostname, [203.0.113.7]",
        "rdns-missing",
        "rdns_missing",
    ),
    (
        "other",
        "421 You have no reverse DNS, greylisted, come back later",
        "rdns-missing",
        "rdns_missing",
    ),
    (
        "other",
        "450 4.7.1 Greylisted, please try again in 5 minutes",
        "greylisted",
        "other",
    ),
    (
        "other",
        "554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org",
        "blocklist",
        "blocklisted",
    ),
    (
        "other",
        "550 5.7.1 blocked using dul.dnsbl.example.net; Dynamic IP range",
        "blocklist",
        "blocklisted",
    ),
    (
        "other",
        "550 5.7.1 Your IP looks like a residential connection",
        "rdns-generic",
        "rdns_generic",
    ),
    (
        "other",
        "550 Your PTR record looks odd",
        "rdns-ptr",
        "rdns_missing",
    ),
    (
        "other",
        "550 5.7.1 Email rejected per DMARC policy for example.com",
        "auth",
        "auth_failure",
    ),
    (
        "other",
        "554 Your sending IP has a poor reputation",
        "reputation",
        "reputation",
    ),
    (
        "other",
        "421 4.7.0 Too many concurrent connections from your IP",
        "rate",
        "rate_limited",
    ),
    (
        "other",
        "454 4.7.0 TLS not available due to local problem",
        "tls",
        "tls",
    ),
    (
        "other",
        "554 4.4.7 Message expired: unable to deliver in 840 minutes",
        "expired",
        "message_expired",
    ),
    (
        "other",
        "552 5.3.4 Message size exceeds fixed limit",
        "too-large",
        "too_large",
    ),
    (
        "other",
        "550 5.2.1 The email account that you tried to reach is disabled",
        "mailbox-disabled",
        "mailbox_disabled",
    ),
    (
        "other",
        "452 4.2.2 Mailbox full",
        "mailbox-full",
        "mailbox_full",
    ),
    (
        "other",
        "550 5.1.1 <someone@example.com>: Recipient address rejected: User unknown",
        "user-unknown",
        "user_unknown",
    ),
    (
        "other",
        "550 5.1.2 Host unknown (Name server: example.invalid: host not found)",
        "domain-invalid",
        "domain_invalid",
    ),
    (
        "other",
        "connect to mx.example.com[192.0.2.1]:25: Connection timed out",
        "connection",
        "connection",
    ),
    (
        "other",
        "550 5.7.1 Message rejected by policy",
        "policy-stated",
        "policy",
    ),
    (
        "other",
        "554 5.7.1 Message content rejected",
        "content",
        "content_spam",
    ),
    (
        "other",
        "554 5.7.1 Relay access denied",
        "relay-denied",
        "policy",
    ),
    ("other", "550 Not allowed here", "policy", "policy"),
    (
        "other",
        "550 5.7.1 Unable to relay",
        "relay-denied",
        "policy",
    ),
    (
        "other",
        "554 IP 203.0.113.7 is blocked. For assistance forward this email to abuse_rbl@example.net",
        "blocklist",
        "blocklisted",
    ),
    (
        "other",
        "all relevant MX records point to non-existent hosts",
        "domain-invalid",
        "domain_invalid",
    ),
    (
        "other",
        "host lookup did not complete",
        "connection",
        "connection",
    ),
    (
        "other",
        "451 4.3.0 Mail server temporarily rejected message.",
        "temporary-rejection",
        "other",
    ),
    ("other", "550 5.7.25 Go away", "status-rdns", "rdns_missing"),
    ("other", "550 5.7.23 Go away", "status-auth", "auth_failure"),
    ("other", "450 4.7.28 Go away", "status-rate", "rate_limited"),
    ("other", "530 5.7.10 Go away", "status-tls", "tls"),
    (
        "other",
        "550 5.1.1 Go away",
        "status-user-unknown",
        "user_unknown",
    ),
    (
        "other",
        "550 5.1.2 Go away",
        "status-domain",
        "domain_invalid",
    ),
    (
        "other",
        "550 5.2.1 Go away",
        "status-mailbox-disabled",
        "mailbox_disabled",
    ),
    (
        "other",
        "452 4.2.2 Go away",
        "status-mailbox-full",
        "mailbox_full",
    ),
    (
        "other",
        "552 5.3.4 Go away",
        "status-too-large",
        "too_large",
    ),
    (
        "other",
        "451 4.4.7 Go away",
        "status-expired",
        "message_expired",
    ),
    (
        "other",
        "451 4.4.1 Go away",
        "status-connection",
        "connection",
    ),
    ("other", "550 5.7.1 Go away", "status-policy", "policy"),
];

#[test]
fn every_builtin_rule_decides_its_cases() {
    for (isp, diag, rule, class) in CASES {
        let v = verdict(isp, diag);
        assert_eq!(
            (v.rule.as_str(), v.class.id()),
            (*rule, *class),
            "{isp}: {diag}"
        );
    }
}

#[test]
fn every_builtin_rule_has_a_case() {
    for rule in BUILTIN_TIERS.iter().flat_map(|(_, table)| table.iter()) {
        assert!(
            CASES.iter().any(|(_, _, id, _)| *id == rule.id),
            "built-in rule `{}` has no test case",
            rule.id
        );
    }
}

#[test]
fn near_misses_stay_out() {
    // Provider rules do not fire for other ISPs.
    assert_eq!(
        verdict("other", "554 [PH02] Email not accepted").class,
        Class::Policy
    );
    // A blocklist's code word inside another token is not a blocklist.
    assert_ne!(
        verdict("other", "550 5.1.0 AUP#CDRBL").class,
        Class::Blocklisted
    );
    // An expired certificate is a TLS problem, not an expired message.
    assert_eq!(
        verdict("other", "550 5.7.322 certificate-expired").class,
        Class::Tls
    );
    // Plain greylisting names no cause.
    assert_eq!(
        verdict("other", "451 4.7.1 Please try again later").class,
        Class::Other
    );
    // A stated cause beats the rate-limit wrapper.
    assert_eq!(
        verdict("microsoft", "451 4.7.650 rate limited due to IP reputation").class,
        Class::Reputation
    );
}

#[test]
fn expired_bounces_are_message_expired() {
    let c = Classifier::new(&[]).unwrap();
    let reply = RawReply {
        expired_bounce: true,
        ..RawReply::text(b"421 4.7.28 unusual rate")
    };
    let v = c.classify_reply("gmail", reply, &mut Vec::new());
    assert_eq!(
        (v.class, v.rule.as_str()),
        (Class::MessageExpired, EXPIRED_BOUNCE_RULE)
    );
}

#[test]
fn user_rules_come_first_and_respect_isp() {
    let rules = vec![UserRule {
        id: "local-ptr".into(),
        class: "rdns_missing".into(),
        pattern: Some("go away".into()),
        status: None,
        isps: vec!["gmail".into()],
    }];
    let c = Classifier::new(&rules).unwrap();
    assert_eq!(
        verdict_of(&c, "gmail", "550 5.7.1 Go away").rule,
        "local-ptr"
    );
    assert_eq!(
        verdict_of(&c, "yahoo", "550 5.7.1 Go away").rule,
        "status-policy"
    );
}

#[test]
fn bad_user_rules_are_config_errors() {
    let bad_class = UserRule {
        id: "x".into(),
        class: "nope".into(),
        pattern: Some("a".into()),
        status: None,
        isps: vec![],
    };
    let err = Classifier::new(&[bad_class]).unwrap_err().to_string();
    assert!(err.contains("unknown class `nope`"), "{err}");
    let bad_regex = UserRule {
        id: "y".into(),
        class: "policy".into(),
        pattern: Some("(".into()),
        status: None,
        isps: vec![],
    };
    let err = Classifier::new(&[bad_regex]).unwrap_err().to_string();
    assert!(err.contains("rule `y`: bad pattern"), "{err}");
    assert!(err.contains("unclosed group"), "{err}");
}

#[test]
fn built_in_patterns_are_lowercased_but_their_escapes_are_not() {
    assert_eq!(
        lowercase_pattern(r"\bDY-00\d|\[?TSS?0[1-8]\]?|\S+[A-Z]\\B"),
        r"\bdy-00\d|\[?tss?0[1-8]\]?|\S+[a-z]\\b"
    );
    assert_eq!(
        verdict("microsoft", "550 5.7.1 ... (DY-003)").rule,
        "microsoft-dynamic"
    );
}

#[test]
fn user_patterns_still_fold_case() {
    let rule = UserRule {
        id: "custom".into(),
        class: "policy".into(),
        pattern: Some("Our Custom REPLY".into()),
        status: None,
        isps: Vec::new(),
    };
    let classifier = Classifier::new(&[rule]).unwrap();
    let verdict = verdict_of(&classifier, "other", "550 our custom reply here");
    assert_eq!(verdict.rule, "custom");
}

#[test]
fn every_isp_a_rule_names_is_an_isp_id() {
    let isp_ids: std::collections::HashSet<&str> = crate::isp::builtin_isp_ids().collect();
    for rule in BUILTIN_TIERS.iter().flat_map(|(_, table)| table.iter()) {
        for isp in rule.isps {
            assert!(
                isp_ids.contains(isp),
                "rule `{}` names ISP `{isp}`, which no ISP table gives",
                rule.id
            );
        }
    }
}
