//! Text helpers the review's formats share: escaping for HTML and markdown, clipping and
//! wrapping for the 80-column terminal, and the page style of the HTML outputs.

/// The width of the terminal table.
pub const WIDTH: usize = 80;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The style sheet of the HTML pages (the review, the audit, hourly rows).
pub const STYLE: &str = "
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #212121;
  max-width: 1180px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px;
  border-bottom: 1px solid #e0e0e0; padding-bottom: 4px; }
.sub { color: #616161; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eeeeee; text-align: left; vertical-align: middle; }
th { background: #fafafa; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.watch td { background: #fff8e1; } tr.alert td { background: #ffebee; }
.status { font-weight: 600; text-transform: uppercase; font-size: 12px; }
.status.alert { color: #c62828; } .status.watch { color: #ef6c00; } .status.ok { color: #2e7d32; }
.finding { margin: 6px 0; padding: 6px 10px; border-left: 4px solid #bdbdbd; background: #fafafa; }
.finding.alert { border-color: #c62828; } .finding.watch { border-color: #ef6c00; }
.code { margin: -4px 0 6px 14px; font-size: 90%; color: #424242; overflow-wrap: anywhere; }
.notice { padding: 8px 12px; background: #fff3e0; border: 1px solid #ffcc80; }
.reply { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 12px; word-break: break-all; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: baseline; }
.legend span { margin-right: 14px; white-space: nowrap; }
svg.spark { display: block; } .nowrap { white-space: nowrap; }
@media print { body { margin: 0; max-width: none; font-size: 11px; } h2 { break-after: avoid; }
  tr, .finding { break-inside: avoid; } }
";

/// Text from the logs as a terminal or a mail reader may show it: control characters (a
/// terminal escape, a newline that would break a table row) and the invisible characters
/// that reorder text (bidi overrides) are written as `\u{1b}`. Every table and markdown
/// output passes logged text through here, by [`clip`], [`wrap`] and [`markdown_cell`].
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A CSV cell of text from the logs that a spreadsheet will not run as a formula: a cell
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`
/// (OWASP's rule against CSV injection).
pub fn csv_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Escapes text from the logs so it cannot break the table or inject markup.
pub fn markdown_cell(text: &str) -> String {
    visible(text)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('`', "\\`")
}

/// Cuts text to `width` characters, marking the cut with `~`.
pub fn clip(text: &str, width: usize) -> String {
    let text = visible(text);
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('~');
    s
}

/// Wraps text to the table width with a hanging indent.
pub fn wrap(text: &str, first: &str, indent: usize) -> String {
    let text = visible(text);
    let mut out = String::from(first);
    let mut line_len = first.chars().count();
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if line_len + len + 1 > WIDTH && line_len > indent {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            line_len = indent;
        } else if line_len > indent || (line_len == indent && !out.ends_with(' ')) {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += len;
    }
    out
}
