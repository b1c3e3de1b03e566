//! What a report says of a measure's change between each person's baseline and latest
//! score: how many pairs, the mean change with its 95% confidence interval (Student's t),
//! the share improving by at least the meaningful-change threshold, and the two-sided
//! Wilcoxon signed-rank p-value — exact for up to 25 pairs without tied differences,
//! otherwise the normal approximation with the tie correction (no continuity correction),
//! as SciPy computes them. Pairs with no change leave the signed-rank test (Wilcoxon's
//! method) but count everywhere else.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use super::instruments::Measure;
use super::scoring::improved_by;

/// Up to this many non-zero differences without ties, the signed-rank p-value is exact.
const EXACT_UP_TO: usize = 25;

/// A measure's change over paired scores.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PairedChange {
    pub n: usize,
    /// After minus before (for a measure where lower is better, a fall is an improvement).
    pub mean_change: f64,
    /// The 95% confidence interval of the mean change; `None` under two pairs.
    pub ci95: Option<(f64, f64)>,
    /// The share of pairs improving by at least `threshold`.
    pub improved_share: f64,
    pub threshold: f64,
    /// `None` when every pair is unchanged (or there are none).
    pub wilcoxon_p: Option<f64>,
}

/// The change over `pairs` of (before, after) on `measure`, judged against `threshold`.
/// `None` for no pairs.
pub fn paired_change(measure: &Measure, pairs: &[(f64, f64)], threshold: f64) -> Option<PairedChange> {
    let n = pairs.len();
    if n == 0 {
        return None;
    }
    let d: Vec<f64> = pairs.iter().map(|(b, a)| a - b).collect();
    let mean = d.iter().sum::<f64>() / n as f64;
    let ci95 = (n >= 2).then(|| {
        let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).map(|t| t.inverse_cdf(0.975)).unwrap_or(f64::NAN);
        let half = t * (var / n as f64).sqrt();
        (mean - half, mean + half)
    });
    let improved = pairs.iter().filter(|(b, a)| improved_by(measure, *b, *a, threshold)).count();
    Some(PairedChange {
        n,
        mean_change: mean,
        ci95,
        improved_share: improved as f64 / n as f64,
        threshold,
        wilcoxon_p: wilcoxon_signed_rank(&d),
    })
}

/// The two-sided p-value of the Wilcoxon signed-rank test of differences `d` against no
/// change.
pub fn wilcoxon_signed_rank(d: &[f64]) -> Option<f64> {
    let mut nonzero: Vec<f64> = d.iter().copied().filter(|x| *x != 0.0 && x.is_finite()).collect();
    let n = nonzero.len();
    if n == 0 {
        return None;
    }
    nonzero.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    // Average ranks of equal magnitudes; each tie group's size for the correction.
    let mut ranks = vec![0.0; n];
    let mut ties: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && nonzero[j + 1].abs() == nonzero[i].abs() {
            j += 1;
        }
        let rank = (i + j + 2) as f64 / 2.0;
        ranks[i..=j].iter_mut().for_each(|r| *r = rank);
        ties.push(j - i + 1);
        i = j + 1;
    }
    let w_plus: f64 = nonzero.iter().zip(&ranks).filter(|(x, _)| **x > 0.0).map(|(_, r)| r).sum();
    let nf = n as f64;
    let tied = ties.iter().any(|t| *t > 1);
    if n <= EXACT_UP_TO && !tied {
        return Some(exact_p(n, w_plus));
    }
    let mean = nf * (nf + 1.0) / 4.0;
    let correction: f64 = ties.iter().map(|t| (*t as f64).powi(3) - *t as f64).sum::<f64>() / 48.0;
    let sd = (nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - correction).sqrt();
    if sd == 0.0 {
        return Some(1.0);
    }
    let z = (w_plus - mean) / sd;
    let normal = Normal::new(0.0, 1.0).ok()?;
    Some((2.0 * (1.0 - normal.cdf(z.abs()))).min(1.0))
}

/// The exact two-sided p-value of a signed-rank sum `w` over `n` untied ranks: how many
/// of the 2ⁿ sign patterns give a sum as far from the middle.
fn exact_p(n: usize, w: f64) -> f64 {
    let max = n * (n + 1) / 2;
    // ways[s]: how many subsets of the ranks 1..=n sum to s.
    let mut ways = vec![0f64; max + 1];
    ways[0] = 1.0;
    for r in 1..=n {
        for s in (r..=max).rev() {
            ways[s] += ways[s - r];
        }
    }
    let total = 2f64.powi(n as i32);
    let w = w.round() as usize;
    let low: f64 = ways[..=w.min(max)].iter().sum();
    let high: f64 = ways[w.min(max)..].iter().sum();
    (2.0 * low.min(high) / total).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::instruments::Instrument;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// Twelve people's SWEMWBS at baseline and latest, one unchanged and two changes the
    /// same size; the expected figures were computed independently with SciPy 1.17
    /// (`scipy.stats.t.ppf`, `scipy.stats.wilcoxon(..., zero_method="wilcox",
    /// correction=False, method="approx")`).
    #[test]
    fn figures_match_an_independent_computation_with_ties() {
        let before = [17.43, 19.25, 14.08, 20.73, 15.84, 17.98, 19.98, 16.36, 21.54, 18.59, 13.33, 19.25];
        let after = [20.73, 19.98, 17.43, 20.73, 19.25, 18.59, 23.21, 16.88, 22.35, 21.54, 17.98, 19.98];
        let pairs: Vec<(f64, f64)> = before.iter().zip(&after).map(|(b, a)| (*b, *a)).collect();
        let swemwbs = Instrument::Swemwbs.measures()[0].clone();
        let c = paired_change(&swemwbs, &pairs, 3.0).unwrap();
        assert_eq!(c.n, 12);
        assert!(close(c.mean_change, 2.024166666666667), "{}", c.mean_change);
        let (lo, hi) = c.ci95.unwrap();
        assert!(close(lo, 1.0159872542339972) && close(hi, 3.0323460790993364), "{lo} {hi}");
        assert!(close(c.improved_share, 5.0 / 12.0), "{}", c.improved_share);
        assert!((c.wilcoxon_p.unwrap() - 0.0033300139117459797).abs() < 1e-12, "{:?}", c.wilcoxon_p);
    }

    /// Eight pairs with no tie and no zero: the exact p-value (SciPy, `method="exact"`).
    #[test]
    fn small_untied_samples_get_the_exact_p_value() {
        let before = [10.0, 12.0, 9.0, 14.0, 11.0, 8.0, 13.0, 15.0];
        let after = [13.0, 12.5, 14.0, 13.0, 15.5, 15.0, 19.0, 15.25];
        let pairs: Vec<(f64, f64)> = before.iter().zip(&after).map(|(b, a)| (*b, *a)).collect();
        let wemwbs = Instrument::Wemwbs.measures()[0].clone();
        let c = paired_change(&wemwbs, &pairs, 3.0).unwrap();
        assert!(close(c.mean_change, 3.15625), "{}", c.mean_change);
        let (lo, hi) = c.ci95.unwrap();
        assert!(close(lo, 0.691006949258913) && close(hi, 5.621493050741087), "{lo} {hi}");
        assert!(close(c.wilcoxon_p.unwrap(), 0.0390625), "{:?}", c.wilcoxon_p);
    }

    proptest::proptest! {
        /// The p-value is a probability, the same whichever way round the change is, and
        /// the interval holds the mean.
        #[test]
        fn the_figures_are_well_formed(quarters in proptest::collection::vec(-40i32..40, 1..40)) {
            let d: Vec<f64> = quarters.iter().map(|q| f64::from(*q) / 4.0).collect();
            let flipped: Vec<f64> = d.iter().map(|x| -x).collect();
            let (p, q) = (wilcoxon_signed_rank(&d), wilcoxon_signed_rank(&flipped));
            proptest::prop_assert_eq!(p.is_none(), d.iter().all(|x| *x == 0.0));
            if let (Some(p), Some(q)) = (p, q) {
                proptest::prop_assert!(p > 0.0 && p <= 1.0 && (p - q).abs() < 1e-12, "{} {}", p, q);
            }
            let pairs: Vec<(f64, f64)> = d.iter().map(|x| (10.0, 10.0 + x)).collect();
            let c = paired_change(&Instrument::Wemwbs.measures()[0], &pairs, 3.0).unwrap();
            if let Some((lo, hi)) = c.ci95 {
                proptest::prop_assert!(lo <= c.mean_change + 1e-9 && c.mean_change <= hi + 1e-9);
            }
        }
    }

    #[test]
    fn edge_cases_give_nothing_to_report_rather_than_nonsense() {
        let ucla = Instrument::Ucla3.measures()[0].clone();
        assert_eq!(paired_change(&ucla, &[], 1.0), None);
        let one = paired_change(&ucla, &[(8.0, 6.0)], 1.0).unwrap();
        assert_eq!((one.ci95, one.improved_share), (None, 1.0), "lonelier is worse: a fall of 2 improves");
        let same = paired_change(&ucla, &[(5.0, 5.0), (6.0, 6.0)], 1.0).unwrap();
        assert_eq!(same.wilcoxon_p, None);
    }
}
