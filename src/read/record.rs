//! One acct row as the rest of the program sees it: borrowed fields, resolved type and time.

use super::time::EpochSeconds;

/// The record types deferwatch counts, plus the ones it reads and leaves aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    Delivered,
    Bounced,
    Deferred,
    QueueDeferred,
    /// `r`, `f`, `rb`, `rs`: valid PowerMTA records that carry no delivery outcome.
    NotCounted,
}

impl RecordKind {
    /// Every kind, in the order of their discriminants.
    pub const ALL: [RecordKind; 5] = [
        RecordKind::Delivered,
        RecordKind::Bounced,
        RecordKind::Deferred,
        RecordKind::QueueDeferred,
        RecordKind::NotCounted,
    ];
    pub const COUNT: usize = RecordKind::ALL.len();

    /// Maps the `type` field (short id or long alias) to a kind.
    pub fn parse(field: &[u8]) -> Option<RecordKind> {
        let kind = match super::columns::without_prefix_bytes(field).trim_ascii() {
            b"d" | b"delivery" => RecordKind::Delivered,
            b"b" | b"bounce" => RecordKind::Bounced,
            b"t" | b"transient" => RecordKind::Deferred,
            b"tq" | b"transient-queue" => RecordKind::QueueDeferred,
            b"r" | b"receipt" | b"f" | b"feedback-loop" | b"rb" | b"remote-bounce" | b"rs"
            | b"remote-status" => RecordKind::NotCounted,
            _ => return None,
        };
        Some(kind)
    }

    /// The short id used in outputs.
    pub fn id(self) -> &'static str {
        match self {
            RecordKind::Delivered => "d",
            RecordKind::Bounced => "b",
            RecordKind::Deferred => "t",
            RecordKind::QueueDeferred => "tq",
            RecordKind::NotCounted => "other",
        }
    }

    /// The kind of a short id from [`RecordKind::id`].
    pub fn from_id(id: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|kind| kind.id() == id)
    }

    /// Whether rows of this kind carry a reply to classify.
    pub fn is_classified(self) -> bool {
        matches!(
            self,
            RecordKind::Bounced | RecordKind::Deferred | RecordKind::QueueDeferred
        )
    }

    /// A delivery attempt that failed: a deferral or a bounce from a sending IP.
    pub fn is_failure(self) -> bool {
        matches!(self, RecordKind::Bounced | RecordKind::Deferred)
    }
}

/// A well-formed row, fields borrowed from the reader's buffer.
#[derive(Debug, Clone, Copy)]
pub struct AcctRecord<'a> {
    pub kind: RecordKind,
    pub time: EpochSeconds,
    pub rcpt: &'a [u8],
    pub dsn_status: &'a [u8],
    pub dsn_diag: &'a [u8],
    pub dsn_mta: &'a [u8],
    pub bounce_cat: &'a [u8],
    pub source_ip: &'a [u8],
    pub vmta: &'a [u8],
    pub pool: &'a [u8],
    pub queue: &'a [u8],
}

/// Whatever consumes records: the aggregator, the classifier test harness, ...
pub trait RecordSink {
    fn record(&mut self, record: &AcctRecord<'_>);
}
