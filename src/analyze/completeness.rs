//! Whether the review day's data is whole: no rows, part of a day, or no deferral rows where
//! the days before had them (a diag file left out). A verdict on such a day would be a
//! verdict on missing data, so the review says so, `check` is UNKNOWN and `report` fails.

use std::collections::HashMap;

use crate::aggregate::Aggregates;
use crate::query::calendar::first_hour_of_day;
use crate::query::{Dims, Lookback, Query, Window};
use chrono_tz::Tz;

/// Days before the review day that tell which hours normally have rows.
const PROFILE_DAYS: i64 = 7;
/// What the completeness test reads before the review day.
pub const LOOKBACK: Lookback = Lookback::days(PROFILE_DAYS);
/// An hour normally has rows when it had some on at least this many of those days...
const USUAL_ON_DAYS: usize = 6;
/// ...and this many attempts on average: an hour so busy is empty by chance less than
/// once in 20,000 days (Poisson), so its silence means missing data.
const USUAL_ATTEMPTS: u64 = 10;
/// A gap of fewer usual hours than this is a quiet spell, not missing data.
const MISSING_HOURS: usize = 2;
/// Deferral rows the days before must have had for their absence to be a gap.
const USUAL_DEFERRALS: u64 = 10;

/// What is missing from the review day; the sentence that says it and what to check is
/// written by the output layer (`render::wording`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataGap {
    /// No row at all on the review day.
    NoRows,
    /// Hours that had rows on most of the days before have none.
    MissingHours {
        hours: usize,
        first: i64,
        last: i64,
        tz: Tz,
    },
    /// Attempts but no deferral rows, where the days before had them.
    NoDeferrals { days_before: u64 },
}

impl DataGap {
    /// `no_rows`, `missing_hours` or `no_deferrals`.
    pub fn kind(&self) -> &'static str {
        match self {
            DataGap::NoRows => "no_rows",
            DataGap::MissingHours { .. } => "missing_hours",
            DataGap::NoDeferrals { .. } => "no_deferrals",
        }
    }
}

/// The gaps of review day `day` (in `tz`).
pub fn gaps(aggregates: &Aggregates, day: i64, tz: Tz) -> Vec<DataGap> {
    let day_start = first_hour_of_day(day, tz);
    let day_end = first_hour_of_day(day + 1, tz);
    let profile_start = first_hour_of_day(day - PROFILE_DAYS, tz);
    // Attempts per hour, and deferrals on the day and before it.
    let mut attempts: HashMap<i64, u64> = HashMap::new();
    let (mut deferrals_today, mut deferrals_before) = (0, 0);
    Query::hourly(Window::new(profile_start, day_end), Dims::ISP).fold_each(
        aggregates,
        |_, key, counts| {
            if counts.attempts() > 0 {
                *attempts.entry(key.time).or_insert(0) += counts.attempts();
            }
            if key.time >= day_start {
                deferrals_today += counts.deferred;
            } else {
                deferrals_before += counts.deferred;
            }
        },
    );
    let today: u64 = (day_start..day_end)
        .map(|h| attempts.get(&h).copied().unwrap_or(0))
        .sum();
    if today == 0 {
        return vec![DataGap::NoRows];
    }
    let mut out = Vec::new();
    // Hours still to come (a review of today) are not missing.
    let now_hour = chrono::Utc::now().timestamp().div_euclid(3600);
    let missing: Vec<i64> = (day_start..day_end.min(now_hour))
        .filter(|h| !attempts.contains_key(h))
        .filter(|h| {
            let before: Vec<u64> = (1..=PROFILE_DAYS)
                .filter_map(|back| attempts.get(&(h - back * 24)).copied())
                .collect();
            before.len() >= USUAL_ON_DAYS
                && before.iter().sum::<u64>() >= USUAL_ATTEMPTS * PROFILE_DAYS as u64
        })
        .collect();
    if missing.len() >= MISSING_HOURS {
        out.push(DataGap::MissingHours {
            hours: missing.len(),
            first: missing[0],
            last: missing[missing.len() - 1],
            tz,
        });
    }
    if deferrals_today == 0 && deferrals_before >= USUAL_DEFERRALS {
        out.push(DataGap::NoDeferrals {
            days_before: deferrals_before,
        });
    }
    out
}
