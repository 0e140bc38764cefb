//! Reply normalization: raw reply bytes -> variable tokens masked (what a memo of decisions
//! is keyed by) -> the one-line text the rules match.

use std::sync::LazyLock;

use regex::Regex;

/// `smtp;`, `SMTP; `, `X-Postfix; `, `X-Outbound-Mail-Relay;` ... at the start of `dsnDiag`.
static DIAG_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i)\s*(?:smtp|x-[a-z0-9-]+|dns|mailbox)\s*;\s*").unwrap());
/// The reply code and enhanced status code at the start of a reply.
static LEADING_CODES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:([2-5][0-9]{2})(?:[ ;-]+|$))?(?:([245]\.[0-9]{1,3}\.[0-9]{1,3})(?:\s|$|[^0-9.]))?",
    )
    .unwrap()
});
/// An enhanced status code at the start of `dsnStatus` (`4.0.0 (undefined status)`).
static STATUS_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*([245]\.[0-9]{1,3}\.[0-9]{1,3})").unwrap());

/// A row's reply as the log has it.
#[derive(Debug, Clone, Copy)]
pub struct RawReply<'a> {
    /// The `dsnDiag` field.
    pub diag: &'a [u8],
    /// The `dsnStatus` field.
    pub dsn_status: &'a [u8],
    /// A `b` row PowerMTA gave up on after the retry period (`bounceCat` `message-expired`).
    pub expired_bounce: bool,
}

impl<'a> RawReply<'a> {
    /// A reply text on its own, without `dsnStatus`: what `deferwatch classify` is given.
    pub fn text(diag: &'a [u8]) -> Self {
        RawReply {
            diag,
            dsn_status: b"",
            expired_bounce: false,
        }
    }

    /// This reply with its variable tokens masked, written into `buf`.
    pub fn mask<'b>(&self, buf: &'b mut Vec<u8>) -> MaskedReply<'b>
    where
        'a: 'b,
    {
        mask_variable_tokens(self.diag, buf);
        MaskedReply {
            diag: buf,
            dsn_status: self.dsn_status,
            expired_bounce: self.expired_bounce,
        }
    }
}

/// A reply with its variable tokens masked: everything its class depends on, so also the
/// key under which a decision can be memoized. Made only by [`RawReply::mask`], so the rules
/// never see text that production does not.
#[derive(Debug, Clone, Copy)]
pub struct MaskedReply<'a> {
    diag: &'a [u8],
    dsn_status: &'a [u8],
    expired_bounce: bool,
}

impl MaskedReply<'_> {
    /// `dsnDiag` with its variable tokens masked.
    pub fn diag(&self) -> &[u8] {
        self.diag
    }

    /// `dsnStatus` as the row has it.
    pub fn dsn_status(&self) -> &[u8] {
        self.dsn_status
    }

    pub fn is_expired_bounce(&self) -> bool {
        self.expired_bounce
    }

    /// The reply as the rules see it.
    pub fn normalize(&self) -> Reply {
        normalize(
            &String::from_utf8_lossy(self.diag),
            &String::from_utf8_lossy(self.dsn_status),
        )
    }
}

/// A reply ready for the rules: one line, prefix stripped, continuations joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    /// Enhanced status code (`5.7.1`): from the reply text first, else from `dsnStatus`.
    pub status: Option<String>,
}

/// Normalizes a `dsnDiag` text; `dsn_status` supplies the code when the text has none, and
/// the text itself when `dsnDiag` is empty (queue-level `tq` rows often have no reply).
fn normalize(diag: &str, dsn_status: &str) -> Reply {
    let one_line: String = diag
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let mut text = DIAG_PREFIX.replace(&one_line, "").trim().to_string();
    if let Some(remote) = remote_reply(&text) {
        text = remote.to_string();
    }
    if text.is_empty() {
        text = dsn_status.trim().to_string();
    }
    let leading = LEADING_CODES.captures(&text);
    let basic = leading
        .as_ref()
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string());
    let mut status = leading
        .as_ref()
        .and_then(|c| c.get(2))
        .map(|m| m.as_str().to_string());
    if let Some(code) = &basic {
        text = join_continuations(&text, code, status.as_deref());
    }
    if status.is_none() {
        status = STATUS_CODE.captures(dsn_status).map(|c| c[1].to_string());
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Reply { text, status }
}

/// The remote server's reply when PowerMTA wrote its own status in front of it:
/// `450 4.0.0 (undefined status);smtp;421 Refused. ...` is decided by `421 Refused. ...`.
fn remote_reply(text: &str) -> Option<&str> {
    let at = text.to_ascii_lowercase().rfind(";smtp;")?;
    let remote = text[at + ";smtp;".len()..].trim();
    (!remote.is_empty()).then_some(remote)
}

/// Turns `550-5.7.1 a 550-5.7.1 b 550 5.7.1 c` into `550 5.7.1 a b c`.
fn join_continuations(text: &str, code: &str, status: Option<&str>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut first = true;
    let mut rest = text;
    while !rest.is_empty() {
        let at_marker = rest.starts_with(code)
            && matches!(rest.as_bytes().get(3), Some(b'-') | Some(b' '))
            && (out.is_empty() || out.ends_with(' '));
        if at_marker {
            let mut after = &rest[4..];
            if let Some(stripped) = status.and_then(|st| after.strip_prefix(st))
                && (stripped.is_empty() || stripped.starts_with(' '))
            {
                after = stripped.trim_start();
            }
            if first {
                out.push_str(code);
                if let Some(status) = status {
                    out.push(' ');
                    out.push_str(status);
                }
                out.push(' ');
                first = false;
            }
            rest = after.trim_start();
            continue;
        }
        let next_space = rest.find(' ').map_or(rest.len(), |i| i + 1);
        out.push_str(&rest[..next_space]);
        rest = &rest[next_space..];
        first = false;
    }
    out.trim().to_string()
}

/// Writes the masked form of a reply into `out`: the raw text with the tokens that change from
/// message to message masked (IPv4 addresses, mail addresses' local parts, long ids such as
/// Gmail's `s142si14934335lfe.256`). Rules never need those tokens, so replies that differ
/// only in them share one memo entry and one line in the unknown-texts list. Also the
/// form shown to users, so recipient local parts never reach a report.
fn mask_variable_tokens(diag: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut start = 0;
    for (i, &b) in diag.iter().enumerate() {
        if is_token_separator(b) {
            push_masked(&diag[start..i], out);
            out.push(if b == b'\r' || b == b'\n' { b' ' } else { b });
            start = i + 1;
        }
    }
    push_masked(&diag[start..], out);
    if memchr::memmem::find(out, b" at ").is_some() {
        let spelled = SPELLED_ADDRESS.replace_all(out, |c: &regex::bytes::Captures<'_>| {
            let local = &c[2];
            let looks_local = local.iter().any(u8::is_ascii_alphabetic)
                && local
                    .iter()
                    .any(|b| matches!(b, b'.' | b'_' | b'+' | b'-' | b'0'..=b'9'));
            let mut kept = c[1].to_vec();
            kept.extend_from_slice(if looks_local { b"*" } else { local });
            kept.extend_from_slice(&c[3]);
            kept
        });
        *out = spelled.into_owned();
    }
}

/// An address with its `@` spelled out: `john.doe at gmx.de`. Masked only when the local
/// part looks like one (a letter, and a dot, digit, `_`, `+` or `-`), so `rejected at
/// mx.example.com` stays as it is.
static SPELLED_ADDRESS: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(
        r"(^|[\s<(\[])([A-Za-z0-9._%+-]+)( at [A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)",
    )
    .expect("valid pattern")
});

/// The local part of a row's recipient (`john.doe` of `<john.doe@gmx.de>`), when it is long
/// enough to mask without masking ordinary words of a reply.
pub fn recipient_local_part(rcpt: &[u8]) -> Option<&[u8]> {
    let rcpt = rcpt.trim_ascii();
    let rcpt = rcpt.strip_prefix(b"<").unwrap_or(rcpt);
    let at = memchr::memrchr(b'@', rcpt)?;
    let local = &rcpt[..at];
    (local.len() >= 3).then_some(local)
}

/// `text` with every occurrence of a recipient's local part that stands on its own (not
/// inside a longer word or address) replaced by `*`, whatever the case: replies quote the
/// recipient as `<john.doe>`, `'john.doe'`, `user=john.doe` or `mailbox john.doe`, without
/// the `@` the generic masking looks for.
pub fn mask_local_part(text: &str, local: &[u8]) -> String {
    let Ok(local) = std::str::from_utf8(local) else {
        return text.to_string();
    };
    let lower_text = text.to_ascii_lowercase();
    let lower_local = local.to_ascii_lowercase();
    let part_of_address = |c: Option<char>| {
        c.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-'))
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    let mut from = 0;
    while let Some(found) = lower_text[from..].find(&lower_local) {
        let at = from + found;
        let end = at + lower_local.len();
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        if !part_of_address(before) && !part_of_address(after) {
            out.push_str(&text[rest..at]);
            out.push('*');
            rest = end;
        }
        from = end;
    }
    out.push_str(&text[rest..]);
    out
}

fn is_token_separator(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t'
            | b'\r'
            | b'\n'
            | b'['
            | b']'
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b','
            | b';'
            | b'='
            | b'"'
            | b'\''
    )
}

fn push_masked(token: &[u8], out: &mut Vec<u8>) {
    if token.is_empty() {
        return;
    }
    if let Some(at) = memchr::memchr(b'@', token) {
        out.extend_from_slice(b"*");
        out.extend_from_slice(&token[at..]);
        return;
    }
    // An address URL-encoded: `john.doe%40gmx.de`.
    if let Some(at) = token
        .windows(3)
        .position(|w| w.eq_ignore_ascii_case(b"%40"))
    {
        out.extend_from_slice(b"*");
        out.extend_from_slice(&token[at..]);
        return;
    }
    let is_url = token.windows(3).any(|w| w == b"://");
    if is_url || is_status(token) {
        out.extend_from_slice(token);
    } else if is_ipv4(token) {
        out.extend_from_slice(b"<ip>");
    } else if looks_like_id(token, 12) {
        out.extend_from_slice(b"<id>");
    } else if let Some((before, after)) = hex_id(token) {
        // A queue id in hex (`[aebce0f1acbbcec7]`) has too few digits for the test above.
        out.extend_from_slice(before);
        out.extend_from_slice(b"<id>");
        out.extend_from_slice(after);
    } else if token.contains(&b'.') {
        push_labels_masked(token, out);
    } else {
        out.extend_from_slice(token);
    }
}

/// Masks the id-like labels of a host name, such as the front-end server in Microsoft's
/// `[DM6PR11MB4563.namprd11.prod.outlook.com]`, which changes from reply to reply.
fn push_labels_masked(token: &[u8], out: &mut Vec<u8>) {
    for (i, label) in token.split(|&b| b == b'.').enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        if looks_like_id(label, 8) {
            out.extend_from_slice(b"<id>");
        } else {
            out.extend_from_slice(label);
        }
    }
}

/// A hexadecimal id of 12 or more characters with a digit among them, inside punctuation
/// such as brackets: the punctuation before and after it.
fn hex_id(token: &[u8]) -> Option<(&[u8], &[u8])> {
    let start = token.iter().position(u8::is_ascii_alphanumeric)?;
    let end = token.iter().rposition(u8::is_ascii_alphanumeric)? + 1;
    let core = &token[start..end];
    let is_id = core.len() >= 12
        && core.iter().all(u8::is_ascii_hexdigit)
        && core.iter().any(u8::is_ascii_digit);
    is_id.then(|| (&token[..start], &token[end..]))
}

/// At least `min_len` bytes, of which at least 30% are digits.
fn looks_like_id(token: &[u8], min_len: usize) -> bool {
    let digits = token.iter().filter(|b| b.is_ascii_digit()).count();
    token.len() >= min_len && digits * 10 >= token.len() * 3
}

fn is_ipv4(token: &[u8]) -> bool {
    let token = token.strip_suffix(b".").unwrap_or(token);
    let mut parts = 0;
    for part in token.split(|&b| b == b'.') {
        if part.is_empty() || part.len() > 3 || !part.iter().all(u8::is_ascii_digit) {
            return false;
        }
        parts += 1;
    }
    parts == 4
}

/// `5.7.515`, `4.7.650`: kept even when long enough to look like an id.
fn is_status(token: &[u8]) -> bool {
    token.split(|&b| b == b'.').count() == 3
        && token.iter().all(|b| b.is_ascii_digit() || *b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_queue_ids_are_masked_but_words_are_not() {
        let mut out = Vec::new();
        mask_variable_tokens(
            b"451 4.3.2 retry [aebce0f1acbbcec7] (DEADBEEF0123ab) acceptable",
            &mut out,
        );
        assert_eq!(out, b"451 4.3.2 retry [<id>] (<id>) acceptable");
        mask_variable_tokens(b"decaffeinated facade 0xabc", &mut out);
        assert_eq!(out, b"decaffeinated facade 0xabc");
    }

    #[test]
    fn the_remote_reply_decides_after_powermtas_own_status() {
        let reply = normalize(
            "smtp;450 4.0.0 (undefined status);smtp;421 Refused. Your reverse DNS entry does not resolve.",
            "",
        );
        assert_eq!(
            reply.text,
            "421 Refused. Your reverse DNS entry does not resolve."
        );
        assert_eq!(reply.status, None);
        assert_eq!(normalize("550 5.7.1 a;smtp;", "").text, "550 5.7.1 a;smtp;");
    }

    #[test]
    fn strips_prefix_and_joins_continuations() {
        let reply = normalize(
            "smtp;550-5.7.26 This mail is unauthenticated. 550-5.7.26 Gmail requires\r\n550 5.7.26 SPF or DKIM - gsmtp",
            "5.0.0",
        );
        assert_eq!(
            reply.text,
            "550 5.7.26 This mail is unauthenticated. Gmail requires SPF or DKIM - gsmtp"
        );
        assert_eq!(reply.status.as_deref(), Some("5.7.26"));
    }

    #[test]
    fn joins_continuations_without_enhanced_code() {
        let reply = normalize(
            "554-mail.com Service not available 554-No SMTP service 554-Bad DNS PTR resource record. 554 For explanation",
            "",
        );
        assert_eq!(
            reply.text,
            "554 mail.com Service not available No SMTP service Bad DNS PTR resource record. For explanation"
        );
        assert_eq!(reply.status, None);
    }

    #[test]
    fn status_falls_back_to_dsn_status_and_empty_diag_uses_it() {
        let reply = normalize("", "4.4.1 (no answer from host)");
        assert_eq!(reply.text, "4.4.1 (no answer from host)");
        assert_eq!(reply.status.as_deref(), Some("4.4.1"));
        let reply = normalize(
            "X-Postfix; connect to x[1.2.3.4]:25: Connection timed out",
            "4.4.1 (no answer)",
        );
        assert_eq!(reply.status.as_deref(), Some("4.4.1"));
        assert!(reply.text.starts_with("connect to"));
    }

    #[test]
    fn masks_addresses_written_without_an_at_sign() {
        let mut out = Vec::new();
        mask_variable_tokens(
            b"550 5.1.1 john.doe%40gmx.de unknown; mailbox of john.doe at gmx.de full; rejected at mx.example.com",
            &mut out,
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            "550 5.1.1 *%40gmx.de unknown; mailbox of * at gmx.de full; rejected at mx.example.com"
        );
    }

    #[test]
    fn masks_the_recipients_own_local_part_where_it_stands_alone() {
        let local = recipient_local_part(b"<John.Doe@gmx.de>").unwrap();
        assert_eq!(
            mask_local_part(
                "550 <john.doe>: 'JOHN.DOE' user=john.doe mailbox john.doe; john.doe2 xjohn.doe",
                local
            ),
            "550 <*>: '*' user=* mailbox *; john.doe2 xjohn.doe"
        );
        assert_eq!(recipient_local_part(b"ab@x.example"), None);
        assert_eq!(recipient_local_part(b""), None);
    }

    #[test]
    fn masks_ips_addresses_and_ids_but_not_codes() {
        let mut out = Vec::new();
        mask_variable_tokens(
            b"550 5.1.1 <john.doe@gmail.com> does not exist s142si14934335lfe.256 - gsmtp [203.0.113.7] 5.7.515 OFR005_104",
            &mut out,
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            "550 5.1.1 <*@gmail.com> does not exist <id> - gsmtp [<ip>] 5.7.515 OFR005_104"
        );
        mask_variable_tokens(
            b"451 4.7.500 Server busy. [6bc67cff26372c38.namprd11.prod.outlook.com] [DM6PR11MB4563.namprd11.prod.outlook.com]",
            &mut out,
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            "451 4.7.500 Server busy. [<id>.namprd11.prod.outlook.com] [<id>.namprd11.prod.outlook.com]"
        );
    }
}
