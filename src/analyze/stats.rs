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

/// Like [`rise_z`], for a baseline that is itself a sample: `baseline` is the rate of
/// `baseline_attempts` attempts, so its own noise widens the test (the two-proportion z
/// test with the pooled rate). A baseline of a few thousand attempts is not exact, and
/// treating it so made every small IP's lucky week look like a rise.
pub fn rise_z_against_sample(
    deferred: u64,
    attempts: u64,
    baseline: f64,
    baseline_attempts: u64,
) -> f64 {
    if attempts == 0 {
        return 0.0;
    }
    if baseline_attempts == 0 {
        return rise_z(deferred, attempts, baseline);
    }
    let (n1, n0) = (attempts as f64, baseline_attempts as f64);
    let pooled = (deferred as f64 + baseline * n0) / (n1 + n0);
    let sd = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n0)).sqrt() * n1;
    (deferred as f64 - baseline * n1) / sd.max(0.5)
}

/// The probability that a standard normal variable exceeds `z` (from the complementary
/// error function's Chebyshev fit, relative error below 1.2e-7).
pub fn upper_tail(z: f64) -> f64 {
    let x = z / std::f64::consts::SQRT_2;
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.5 * a);
    let poly = -a * a - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    0.5 * if x >= 0.0 { erfc } else { 2.0 - erfc }
}

/// The `z` a standard normal variable exceeds with probability `p` (Acklam's rational
/// approximation, relative error below 1.2e-9).
pub fn z_of_upper_tail(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    // The lower-tail quantile of q = 1 - p, negated.
    let q = 1.0 - p;
    if q < 0.02425 {
        let r = (-2.0 * q.ln()).sqrt();
        (((((C[0] * r + C[1]) * r + C[2]) * r + C[3]) * r + C[4]) * r + C[5])
            / ((((D[0] * r + D[1]) * r + D[2]) * r + D[3]) * r + 1.0)
    } else if q <= 1.0 - 0.02425 {
        let r = q - 0.5;
        let r2 = r * r;
        (((((A[0] * r2 + A[1]) * r2 + A[2]) * r2 + A[3]) * r2 + A[4]) * r2 + A[5]) * r
            / (((((B[0] * r2 + B[1]) * r2 + B[2]) * r2 + B[3]) * r2 + B[4]) * r2 + 1.0)
    } else {
        let r = (-2.0 * p.ln()).sqrt();
        -(((((C[0] * r + C[1]) * r + C[2]) * r + C[3]) * r + C[4]) * r + C[5])
            / ((((D[0] * r + D[1]) * r + D[2]) * r + D[3]) * r + 1.0)
    }
}

/// The test level `z` for one of `tests` sibling groups (the IPs or pools at one ISP):
/// the level whose tail is `z`'s divided by their number (Bonferroni), so that a fleet
/// of 2,000 IPs raises no more false findings per ISP than a fleet of one.
pub fn family_z(z: f64, tests: usize) -> f64 {
    if tests <= 1 {
        return z;
    }
    z_of_upper_tail(upper_tail(z) / tests as f64)
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

    #[test]
    fn normal_tails_and_their_inverse_match_tables() {
        assert!((upper_tail(0.0) - 0.5).abs() < 1e-7);
        assert!((upper_tail(1.959_964) - 0.025).abs() < 1e-7);
        assert!((upper_tail(3.0) - 0.001_349_898).abs() < 1e-8);
        assert!((z_of_upper_tail(0.025) - 1.959_964).abs() < 1e-5);
        assert!((z_of_upper_tail(0.001_349_898) - 3.0).abs() < 1e-5);
        assert!((z_of_upper_tail(2.866_5e-7) - 5.0).abs() < 1e-3);
    }

    #[test]
    fn the_family_level_rises_with_the_number_of_siblings() {
        assert_eq!(family_z(3.0, 1), 3.0);
        assert!(
            (family_z(3.0, 16) - 3.76).abs() < 0.01,
            "{}",
            family_z(3.0, 16)
        );
        assert!(
            (family_z(3.0, 2000) - 4.83).abs() < 0.01,
            "{}",
            family_z(3.0, 2000)
        );
    }

    #[test]
    fn a_sampled_baseline_widens_the_test() {
        // 10 of 260 against 22 of 1,820: pooled 32/2,080; by hand z = 3.24.
        let z = rise_z_against_sample(10, 260, 22.0 / 1820.0, 1820);
        assert!((z - 3.24).abs() < 0.01, "{z}");
        assert!(z < rise_z(10, 260, 22.0 / 1820.0));
        // A huge baseline is as good as an exact one.
        let exact = rise_z(351, 10_000, 0.03);
        assert!((rise_z_against_sample(351, 10_000, 0.03, 100_000_000) - exact).abs() < 0.01);
    }
}
