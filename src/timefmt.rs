//! Formatting of times and days for outputs: RFC 3339 UTC for machines, the user's zone
//! for people.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// `2026-10-01T13:00:00Z`.
pub fn rfc3339(epoch_seconds: i64) -> String {
    DateTime::<Utc>::from_timestamp(epoch_seconds, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// The start of an epoch hour as RFC 3339 UTC.
pub fn hour_rfc3339(hour: i64) -> String {
    rfc3339(hour * 3600)
}

/// The start of an epoch hour in `tz`, for tables (`2026-10-01 09:00 EDT`).
pub fn hour_local(hour: i64, tz: Tz) -> String {
    Utc.timestamp_opt(hour * 3600, 0)
        .single()
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string())
        .unwrap_or_default()
}

/// Days since the epoch -> `YYYY-MM-DD`.
pub fn day_string(day: i64) -> String {
    epoch_date()
        .checked_add_signed(chrono::Duration::days(day))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// `YYYY-MM-DD` -> days since the epoch.
pub fn parse_day(text: &str) -> Option<i64> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    Some((date - epoch_date()).num_days())
}

fn epoch_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")
}
