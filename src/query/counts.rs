//! What one cell counts, folded from the record kinds of its rows (docs/metrics.md).

use std::ops::{AddAssign, SubAssign};

use crate::read::record::RecordKind;

/// Rows of a cell by what they mean. An attempt is a `d`, `t` or `b` row (from a sending
/// IP); a failure a `t` or `b` row; `tq` rows (queue-level deferrals, no sending IP) are
/// counted apart and are never attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub delivered: u64,
    pub deferred: u64,
    pub bounced: u64,
    pub queue_deferred: u64,
}

impl Counts {
    /// `n` rows of `kind`; `None` for rows that carry no delivery outcome (`r`, `f`, ...).
    pub fn of(kind: RecordKind, n: u64) -> Option<Counts> {
        let mut counts = Counts::default();
        match kind {
            RecordKind::Delivered => counts.delivered = n,
            RecordKind::Deferred => counts.deferred = n,
            RecordKind::Bounced => counts.bounced = n,
            RecordKind::QueueDeferred => counts.queue_deferred = n,
            RecordKind::NotCounted => return None,
        }
        Some(counts)
    }

    pub fn attempts(&self) -> u64 {
        self.delivered + self.deferred + self.bounced
    }

    /// Deferrals and bounces.
    pub fn failures(&self) -> u64 {
        self.deferred + self.bounced
    }
}

impl AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.delivered += other.delivered;
        self.deferred += other.deferred;
        self.bounced += other.bounced;
        self.queue_deferred += other.queue_deferred;
    }
}

impl SubAssign for Counts {
    fn sub_assign(&mut self, other: Counts) {
        self.delivered -= other.delivered;
        self.deferred -= other.deferred;
        self.bounced -= other.bounced;
        self.queue_deferred -= other.queue_deferred;
    }
}
