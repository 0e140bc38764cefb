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

/// The start of an epoch hour in UTC for titles: `2026-10-01 13:00`.
pub fn hour_utc_minutes(hour: i64) -> String {
    DateTime::<Utc>::from_timestamp(hour * 3600, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
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

/// A calendar day, as days since the epoch; shown and serialised as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i64);

impl Day {
    /// The first epoch hour of the day, counted in UTC.
    pub fn first_hour(self) -> i64 {
        self.0 * 24
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&day_string(self.0))
    }
}

impl serde::Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// An instant in epoch seconds; shown and serialised as RFC 3339 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime(pub i64);

impl std::fmt::Display for UtcTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&rfc3339(self.0))
    }
}

impl serde::Serialize for UtcTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_times_show_as_they_serialise() {
        let day = Day(parse_day("2026-10-14").unwrap());
        assert_eq!(day.to_string(), "2026-10-14");
        assert_eq!(serde_json::to_string(&day).unwrap(), "\"2026-10-14\"");
        let midnight = UtcTime(day.first_hour() * 3600);
        assert_eq!(midnight.to_string(), "2026-10-14T00:00:00Z");
        assert_eq!(
            serde_json::to_string(&midnight).unwrap(),
            "\"2026-10-14T00:00:00Z\""
        );
    }
}
