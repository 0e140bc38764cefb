//! Parsing of acct timestamps (ISO with any offset, or `time_t`) into UTC seconds.

/// Seconds since the Unix epoch, UTC.
pub type EpochSeconds = i64;

/// 2000-01-01T00:00:00Z: no acct row is older.
pub const EARLIEST_PLAUSIBLE: EpochSeconds = 946_684_800;
/// How far ahead of this machine's clock a row may be, by default: a day covers any zone
/// offset mistaken for UTC and any honest clock skew.
pub const DEFAULT_MAX_FUTURE_HOURS: u32 = 24;

/// The times a row may have. A row outside is counted as malformed and used for nothing:
/// one row from a host with a wrong clock must not move the review day, the baselines or
/// what the store prunes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plausible {
    pub earliest: EpochSeconds,
    pub latest: EpochSeconds,
}

impl Plausible {
    /// From 2000 to `max_future_hours` ahead of now.
    pub fn up_to_hours_ahead(max_future_hours: u32) -> Plausible {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as EpochSeconds);
        Plausible {
            earliest: EARLIEST_PLAUSIBLE,
            latest: now + EpochSeconds::from(max_future_hours) * 3600,
        }
    }

    pub fn contains(&self, time: EpochSeconds) -> bool {
        (self.earliest..=self.latest).contains(&time)
    }
}

impl Default for Plausible {
    fn default() -> Self {
        Plausible::up_to_hours_ahead(DEFAULT_MAX_FUTURE_HOURS)
    }
}

/// Parses `2026-10-01 13:04:05-0400`, `2026-10-01T13:04:05+04:00`, `...Z`, a time without an
/// offset (taken as UTC), or a `time_t` integer. Returns `None` for anything else.
pub fn parse_time(field: &[u8]) -> Option<EpochSeconds> {
    let field = trim(field);
    if field.is_empty() {
        return None;
    }
    if field.iter().all(u8::is_ascii_digit) {
        return parse_digits(field).map(|n| n as i64);
    }
    parse_iso(field)
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

fn parse_digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 18 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

fn parse_iso(s: &[u8]) -> Option<EpochSeconds> {
    // YYYY-MM-DD[ T]HH:MM:SS
    if s.len() < 19 || s[4] != b'-' || s[7] != b'-' || !(s[10] == b' ' || s[10] == b'T') {
        return None;
    }
    if s[13] != b':' || s[16] != b':' {
        return None;
    }
    let year = parse_digits(&s[0..4])? as i64;
    let month = parse_digits(&s[5..7])? as u32;
    let day = parse_digits(&s[8..10])? as u32;
    let hour = parse_digits(&s[11..13])? as i64;
    let minute = parse_digits(&s[14..16])? as i64;
    let second = parse_digits(&s[17..19])? as i64;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // A leap second (`23:59:60`) counts in the minute it names, not the next one (which
    // can be the next hour and the next day).
    let second = second.min(59);
    let mut rest = &s[19..];
    // optional fractional seconds
    if let [b'.', tail @ ..] = rest {
        let digits = tail.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &tail[digits..];
    }
    let rest = trim(rest);
    let offset = parse_offset(rest)?;
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// `-0400`, `+04:00`, `+04`, `Z`, `UTC`, `GMT` or nothing; returns seconds east of UTC.
fn parse_offset(s: &[u8]) -> Option<i64> {
    match s {
        b"" | b"Z" | b"z" | b"UTC" | b"GMT" => return Some(0),
        _ => {}
    }
    let (sign, digits) = match s.split_first()? {
        (b'+', rest) => (1, rest),
        (b'-', rest) => (-1, rest),
        _ => return None,
    };
    let (hours, minutes) = match digits {
        [h1, h2] => (&[*h1, *h2][..], &b"00"[..]),
        [h1, h2, m1, m2] => (&[*h1, *h2][..], &[*m1, *m2][..]),
        [h1, h2, b':', m1, m2] => (&[*h1, *h2][..], &[*m1, *m2][..]),
        _ => return None,
    };
    let h = parse_digits(hours)? as i64;
    let m = parse_digits(minutes)? as i64;
    if h > 18 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_with_offsets_normalizes_to_utc() {
        let utc = parse_time(b"2026-10-01 17:04:05+0000").unwrap();
        assert_eq!(utc, 1_790_874_245);
        assert_eq!(parse_time(b"2026-10-01 13:04:05-0400"), Some(utc));
        assert_eq!(parse_time(b"2026-10-01T13:04:05-04:00"), Some(utc));
        assert_eq!(parse_time(b"2026-10-01T17:04:05Z"), Some(utc));
        assert_eq!(parse_time(b"2026-10-01 17:04:05"), Some(utc));
        assert_eq!(parse_time(b"2026-10-01 22:34:05+05:30"), Some(utc));
        assert_eq!(parse_time(b"2026-10-01 17:04:05.250+0000"), Some(utc));
    }

    #[test]
    fn time_t_integers_are_accepted() {
        assert_eq!(parse_time(b"1790874245"), Some(1_790_874_245));
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in [
            &b""[..],
            b"yesterday",
            b"2026-13-01 00:00:00+0000",
            b"2026-02-30 00:00:00+0000",
            b"2026-10-01 25:00:00+0000",
            b"2026-10-01 10:00:00 EST5",
            b"2026-10-01",
        ] {
            assert_eq!(parse_time(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn a_leap_second_counts_in_the_minute_it_names() {
        let leap = parse_time(b"2016-12-31 23:59:60+0000").unwrap();
        assert_eq!(leap, parse_time(b"2016-12-31 23:59:59+0000").unwrap());
        assert_eq!(leap.div_euclid(86_400), days_from_civil(2016, 12, 31));
        let local = parse_time(b"2016-12-31T18:59:60-05:00").unwrap();
        assert_eq!(local, leap);
    }

    #[test]
    fn leap_day_is_valid() {
        assert!(parse_time(b"2028-02-29 00:00:00+0000").is_some());
    }
}
