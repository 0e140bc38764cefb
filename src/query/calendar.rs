//! Local days and UTC hours: which day of the user's time zone an hour belongs to, and
//! where a local day starts.

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;

use crate::aggregate::Hour;

/// Days since 1970-01-01 of the local date, in `tz`, of the start of a UTC hour.
pub fn local_day(hour: Hour, tz: Tz) -> i32 {
    let utc = Utc
        .timestamp_opt(i64::from(hour) * 3600, 0)
        .single()
        .expect("hour in range");
    let date = utc.with_timezone(&tz).date_naive();
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    (date - epoch).num_days() as i32
}

/// The first UTC hour of local day `day` in `tz`.
pub fn first_hour_of_day(day: i64, tz: Tz) -> i64 {
    let mut hour = day * 24 - 14;
    while i64::from(local_day(hour as Hour, tz)) < day {
        hour += 1;
    }
    hour
}
