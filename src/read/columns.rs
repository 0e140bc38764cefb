//! Header mapping: column indexes by name, resolved once per header line.

/// Where a row's time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeColumn {
    /// `timeLogged`, the time the event was logged (the normal case).
    Logged(usize),
    /// `timeQueued` (or the v4.0 `timeImprinted`), used when a custom field list has no
    /// `timeLogged`; the input summary says so.
    Fallback(usize, &'static str),
    /// No usable time column: every row of this header is unusable.
    Missing,
}

/// Column indexes of one header, by field name.
#[derive(Debug, Clone)]
pub struct Columns {
    /// The header line itself (field names joined by commas), kept in checkpoints.
    pub header: String,
    pub width: usize,
    pub kind: usize,
    pub time: TimeColumn,
    pub rcpt: Option<usize>,
    pub dsn_status: Option<usize>,
    pub dsn_diag: Option<usize>,
    pub dsn_mta: Option<usize>,
    pub bounce_cat: Option<usize>,
    pub source_ip: Option<usize>,
    pub vmta: Option<usize>,
    pub pool: Option<usize>,
    pub queue: Option<usize>,
}

/// The header line PowerMTA writes by default (v4.5+), for input that starts without one.
pub const DEFAULT_HEADER: &str = "type,timeLogged,timeQueued,orig,rcpt,orcpt,dsnAction,dsnStatus,\
     dsnDiag,dsnMta,bounceCat,srcType,srcMta,dlvType,dlvSourceIp,dlvDestinationIp,\
     dlvEsmtpAvailable,dlvSize,vmta,jobId,envId,queue,vmtaPool";

/// True when a row whose first field is `first` is a header line.
pub fn is_header(first: &[u8]) -> bool {
    without_prefix_bytes(first).trim_ascii() == b"type"
}

/// A field without what editors and exports put before a file's first byte: a UTF-8 byte
/// order mark, NUL padding. Only a file's first field can carry them.
pub fn without_prefix_bytes(mut field: &[u8]) -> &[u8] {
    loop {
        if let Some(rest) = field.strip_prefix(b"\xEF\xBB\xBF") {
            field = rest;
        } else if let Some(rest) = field.strip_prefix(b"\0") {
            field = rest;
        } else {
            return field;
        }
    }
}

impl Columns {
    /// Columns of a header row, given its field names.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let header: Vec<&[u8]> = names.into_iter().collect();
        let find = |name: &str| {
            header
                .iter()
                .position(|f| f.trim_ascii().eq_ignore_ascii_case(name.as_bytes()))
        };
        let time = if let Some(i) = find("timeLogged") {
            TimeColumn::Logged(i)
        } else if let Some(i) = find("timeQueued") {
            TimeColumn::Fallback(i, "timeQueued")
        } else if let Some(i) = find("timeImprinted") {
            TimeColumn::Fallback(i, "timeImprinted")
        } else {
            TimeColumn::Missing
        };
        let names: Vec<String> = header
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        Columns {
            header: names.join(","),
            width: header.len(),
            kind: 0,
            time,
            rcpt: find("rcpt"),
            dsn_status: find("dsnStatus"),
            dsn_diag: find("dsnDiag"),
            dsn_mta: find("dsnMta"),
            bounce_cat: find("bounceCat"),
            source_ip: find("dlvSourceIp"),
            vmta: find("vmta"),
            pool: find("vmtaPool"),
            queue: find("queue"),
        }
    }

    /// Columns of a header line kept by [`Columns::header`] (names never contain commas).
    pub fn from_header_line(line: &str) -> Self {
        Columns::from_names(line.split(',').map(str::as_bytes))
    }
}
