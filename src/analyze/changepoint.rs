//! Change points in an hourly series of failures out of attempts: a binomial CUSUM finds
//! where the rate left its baseline for a higher one, and a second CUSUM, run the other
//! way once it has, finds where it came back (docs/metrics.md, "Incidents").
//!
//! Each hour adds the log-likelihood ratio of "rate `raised`" against "rate `baseline`"
//! given its counts. The sum, floored at zero, crossing `alarm` is a change; it began in
//! the hour after the sum last stood at zero. Hours without attempts add nothing, so night
//! hours neither raise nor clear an incident.

/// One hour of a series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HourCounts {
    pub attempts: u64,
    pub failures: u64,
}

/// What a series is tested against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hypotheses {
    /// The rate in normal times.
    pub baseline: f64,
    /// The least rate that counts as an incident.
    pub raised: f64,
    /// Evidence (natural log of the likelihood ratio) that starts an incident...
    pub alarm: f64,
    /// ...and that ends one.
    pub recovery: f64,
}

/// A change found in a series; hours are indexes into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The first hour of the raised rate.
    pub onset: usize,
    /// The hour the evidence crossed the alarm.
    pub detected: usize,
    /// The last hour whose rate was nearer the raised rate than the baseline.
    pub last_seen: usize,
    /// The first hour of the run of normal hours that ended it, once that run is long
    /// enough to be sure; `None` while it goes on.
    pub recovered_at: Option<usize>,
}

impl Hypotheses {
    /// The log-likelihood ratio of one hour: positive when its rate is nearer `raised`.
    pub fn evidence(&self, hour: HourCounts) -> f64 {
        let p0 = self.baseline.clamp(MIN_RATE, 1.0 - MIN_RATE);
        let p1 = self.raised.clamp(p0, 1.0 - MIN_RATE);
        let failures = hour.failures.min(hour.attempts) as f64;
        let successes = hour.attempts as f64 - failures;
        failures * (p1 / p0).ln() + successes * ((1.0 - p1) / (1.0 - p0)).ln()
    }
}

/// What the hours of an incident are tested against once it is found: its end is a return
/// to the baseline from the level it rose to, not from the least rise that counts. Halfway
/// to its level, so that a partial easing is not taken for a recovery; with a least rise
/// of two points, clean hours of a small IP gave so little evidence that recoveries took
/// days to confirm.
fn incident_level(series: &[HourCounts], change: &Change, hypotheses: &Hypotheses) -> Hypotheses {
    let (n, x) = series[change.onset..=change.detected]
        .iter()
        .fold((0, 0), |(n, x), h| (n + h.attempts, x + h.failures));
    let observed = x as f64 / n.max(1) as f64;
    let halfway = hypotheses.baseline + (observed - hypotheses.baseline) / 2.0;
    Hypotheses {
        raised: hypotheses.raised.max(halfway),
        ..*hypotheses
    }
}

/// Rates are kept off 0 and 1, where the ratio has no finite logarithm.
pub const MIN_RATE: f64 = 1e-5;

/// The changes in `series`, oldest first.
pub fn changes(series: &[HourCounts], hypotheses: &Hypotheses) -> Vec<Change> {
    let mut found = Vec::new();
    let mut rise = 0.0_f64;
    let mut rise_start = 0;
    // The incident under way: its change, the evidence for its end, the first hour of the
    // clean run that evidence comes from, the last raised hour before that run, and what
    // its hours are tested against.
    let mut open: Option<(Change, f64, usize, usize, Hypotheses)> = None;
    for (hour, &counts) in series.iter().enumerate() {
        if counts.attempts == 0 {
            continue;
        }
        if let Some((change, fall, clean_since, seen_before, level)) = &mut open {
            let evidence = level.evidence(counts);
            let before = *fall;
            *fall = (*fall - evidence).max(0.0);
            if before == 0.0 && *fall > 0.0 {
                *clean_since = hour;
                *seen_before = change.last_seen;
            }
            if evidence > 0.0 {
                change.last_seen = hour;
            }
            if *fall >= hypotheses.recovery {
                change.recovered_at = Some(*clean_since);
                change.last_seen = *seen_before;
                found.push(*change);
                open = None;
                rise = 0.0;
            }
            continue;
        }
        let evidence = hypotheses.evidence(counts);
        if rise == 0.0 {
            rise_start = hour;
        }
        rise = (rise + evidence).max(0.0);
        if rise >= hypotheses.alarm {
            let last_seen = (rise_start..=hour)
                .rev()
                .find(|&h| series[h].attempts > 0 && hypotheses.evidence(series[h]) > 0.0)
                .unwrap_or(hour);
            let change = Change {
                onset: rise_start,
                detected: hour,
                last_seen,
                recovered_at: None,
            };
            open = Some((
                change,
                0.0,
                hour + 1,
                last_seen,
                incident_level(series, &change, hypotheses),
            ));
        }
    }
    found.extend(open.map(|(change, ..)| change));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(hours: &[(u64, u64)]) -> Vec<HourCounts> {
        hours
            .iter()
            .map(|&(attempts, failures)| HourCounts { attempts, failures })
            .collect()
    }

    const TWO_TO_SEVEN: Hypotheses = Hypotheses {
        baseline: 0.02,
        raised: 0.07,
        alarm: 10.0,
        recovery: 5.0,
    };

    #[test]
    fn evidence_is_zero_without_attempts_and_signed_by_the_nearer_rate() {
        let h = TWO_TO_SEVEN;
        assert_eq!(h.evidence(HourCounts::default()), 0.0);
        assert!(
            h.evidence(HourCounts {
                attempts: 100,
                failures: 2
            }) < 0.0
        );
        assert!(
            h.evidence(HourCounts {
                attempts: 100,
                failures: 10
            }) > 0.0
        );
        // 100 attempts, 5 failures: 5 ln(3.5) + 95 ln(0.93/0.98), by hand.
        let by_hand = 5.0 * 3.5_f64.ln() + 95.0 * (0.93_f64 / 0.98).ln();
        assert!(
            (h.evidence(HourCounts {
                attempts: 100,
                failures: 5
            }) - by_hand)
                .abs()
                < 1e-12
        );
    }

    #[test]
    fn a_steady_series_at_its_baseline_has_no_change() {
        let quiet = series(&[(100, 2); 500]);
        assert!(changes(&quiet, &TWO_TO_SEVEN).is_empty());
    }

    #[test]
    fn a_step_is_found_at_its_first_hour_and_its_end_at_the_first_clean_hour() {
        let mut hours = vec![(100, 2); 30];
        hours.extend([(100, 30); 5]);
        hours.extend([(100, 2); 30]);
        let found = changes(&series(&hours), &TWO_TO_SEVEN);
        assert_eq!(found.len(), 1);
        let change = found[0];
        assert_eq!(change.onset, 30);
        assert_eq!(change.detected, 30);
        assert_eq!(change.last_seen, 34);
        assert_eq!(change.recovered_at, Some(35));
    }

    #[test]
    fn a_raised_hour_inside_the_clean_run_does_not_move_last_seen_past_the_recovery() {
        let mut hours = vec![(100, 2); 30];
        hours.extend([(100, 30); 3]);
        hours.extend([(100, 1), (100, 5), (100, 0), (100, 1), (100, 0)]);
        hours.extend([(100, 2); 10]);
        let found = changes(&series(&hours), &TWO_TO_SEVEN);
        assert_eq!(found.len(), 1);
        let change = found[0];
        assert_eq!(change.recovered_at, Some(33));
        assert!(change.last_seen < 33, "{change:?}");
    }

    #[test]
    fn a_change_still_under_way_has_no_recovery() {
        let mut hours = vec![(100, 2); 30];
        hours.extend([(100, 20); 10]);
        let found = changes(&series(&hours), &TWO_TO_SEVEN);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].onset, 30);
        assert_eq!(found[0].last_seen, 39);
        assert_eq!(found[0].recovered_at, None);
    }

    #[test]
    fn empty_hours_neither_raise_nor_end_a_change() {
        let mut hours = vec![(100, 2); 10];
        hours.extend([(100, 20); 3]);
        hours.extend([(0, 0); 8]);
        hours.extend([(100, 20); 2]);
        let found = changes(&series(&hours), &TWO_TO_SEVEN);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].last_seen, 22);
        assert_eq!(found[0].recovered_at, None);
    }

    #[test]
    fn a_small_series_needs_several_hours_of_evidence() {
        // Ten attempts an hour: one hour at 30% is not enough, a run of them is, and the
        // onset is still the first of them.
        let mut hours = vec![(10, 0); 20];
        hours.extend([(10, 3); 6]);
        let found = changes(&series(&hours), &TWO_TO_SEVEN);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].onset, 20);
        assert!(found[0].detected > 20);
    }

    #[test]
    fn two_separate_incidents_are_two_changes() {
        let mut hours = vec![(100, 2); 20];
        hours.extend([(100, 25); 4]);
        hours.extend([(100, 2); 20]);
        hours.extend([(100, 25); 4]);
        hours.extend([(100, 2); 20]);
        let found = changes(&series(&hours), &TWO_TO_SEVEN);
        let onsets: Vec<usize> = found.iter().map(|c| c.onset).collect();
        assert_eq!(onsets, [20, 44]);
        assert!(found.iter().all(|c| c.recovered_at.is_some()));
    }
}
