//! The statistics behind every status: whether a count of deferrals stands out from what a
//! baseline rate gives for that many attempts (a one-sided binomial score test), so that a
//! handful of deferrals on a quiet day is never a finding.

/// The standard deviations by which `deferred` of `attempts` lies above the `baseline`
/// rate's expectation (the binomial score statistic). The deviation is floored at half a
/// deferral, so a zero baseline does not make one deferral infinitely surprising.
pub fn rise_z(deferred: u64, attempts: u64, baseline: f64) -> f64 {
    let n = attempts as f64;
    let expected = n * baseline;
    let sd = (n * baseline * (1.0 - baseline)).sqrt().max(0.5);
    (deferred as f64 - expected) / sd
}

/// Whether `deferred` of `attempts` lies more than `z` standard deviations above what a
/// deferral rate of `baseline` gives.
pub fn significant_rise(deferred: u64, attempts: u64, baseline: f64, z: f64) -> bool {
    rise_z(deferred, attempts, baseline) > z
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_binomial_cases() {
        // 10,000 attempts at a 3% baseline: expected 300, sd 17.06.
        assert!((rise_z(300, 10_000, 0.03)).abs() < 1e-9);
        assert!((rise_z(351, 10_000, 0.03) - 2.989).abs() < 0.01);
        assert!(significant_rise(352, 10_000, 0.03, 3.0));
        assert!(!significant_rise(351, 10_000, 0.03, 3.0));
        // Two deferrals of 110 attempts against 0.5%: expected 0.55, sd 0.74: under 2 sd.
        assert!(!significant_rise(2, 110, 0.005, 3.0));
        // The same jump in rate on 100 times the volume is far beyond noise.
        assert!(significant_rise(200, 11_000, 0.005, 3.0));
        // A zero baseline: the floor keeps two deferrals at 4 sd, not infinity.
        assert!((rise_z(2, 1_000, 0.0) - 4.0).abs() < 1e-9);
    }
}
