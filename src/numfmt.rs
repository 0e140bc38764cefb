//! Formatting of counts, rates and trends for people: the one place every output, message
//! and summary takes its numbers from.

/// A rate as a percentage with one decimal, or `-` when undefined.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or("-".to_string(), |r| format!("{:.1}", r * 100.0))
}

/// A signed trend in pp/week, or `-`.
pub fn trend(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| format!("{v:+.1}"))
}

/// `1234567` -> `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(percent(Some(0.0312)), "3.1");
        assert_eq!(percent(None), "-");
        assert_eq!(trend(Some(2.46)), "+2.5");
        assert_eq!(trend(None), "-");
    }
}
