//! Waiting times as reports give them: how many waited, the median and the 90th
//! percentile, in days.

/// The `p`th percentile (0–100) of `values`, interpolating between the two nearest ranks
/// (the common "linear" definition: NumPy's default, R's type 7). `None` for no values.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() || !(0.0..=100.0).contains(&p) {
        return None;
    }
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let rank = p / 100.0 * (v.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    Some(v[low] + (v[high] - v[low]) * (rank - low as f64))
}

/// A wait: how many waited, and the median and 90th percentile of their waits in days.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Wait {
    pub n: u64,
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
}

/// The wait over `days` (one value a person or referral).
pub fn wait(days: &[f64]) -> Wait {
    Wait { n: days.len() as u64, median_days: percentile(days, 50.0), p90_days: percentile(days, 90.0) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn percentiles_match_numpy() {
        // numpy.percentile([1, 2, 3, 4, 10], [50, 90]) == [3.0, 7.6]
        let v = [10.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(percentile(&v, 50.0), Some(3.0));
        assert!((percentile(&v, 90.0).unwrap() - 7.6).abs() < 1e-12);
        assert_eq!(percentile(&[5.0], 90.0), Some(5.0));
        assert_eq!(percentile(&[], 50.0), None);
        let w = wait(&[1.0, 3.0]);
        assert_eq!((w.n, w.median_days), (2, Some(2.0)));
        assert!((w.p90_days.unwrap() - 2.8).abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn a_percentile_lies_within_the_values(v in prop::collection::vec(0.0f64..1000.0, 1..50), p in 0.0f64..=100.0) {
            let x = percentile(&v, p).unwrap();
            let (lo, hi) = v.iter().fold((f64::MAX, f64::MIN), |(l, h), x| (l.min(*x), h.max(*x)));
            prop_assert!(lo <= x && x <= hi);
            prop_assert!(percentile(&v, 50.0).unwrap() <= percentile(&v, 90.0).unwrap());
        }
    }
}
