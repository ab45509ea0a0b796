//! gelu (the exact erf form, PyTorch's default `approximate='none'`):
//! `y = x Φ(x)` with `Φ(x) = (1 + erf(x / √2)) / 2` the standard normal CDF;
//! `dy/dx = Φ(x) + x φ(x)` with `φ(x) = e^(-x²/2) / √(2π)`.
//!
//! Computed in f64 and rounded once. `erf` is written here (no dependency): the positive-term
//! series `erf(x) = (2/√π) e^(-x²) Σ (2x²)^n x / (2n+1)!!` (Abramowitz & Stegun 7.1.6) for
//! |x| < 3, which has no cancellation, and the continued fraction of `erfc` (A&S 7.1.14) for
//! |x| >= 3: erf agrees with a correctly rounded one to ~1e-15, erfc to ~1e-11 relative.
//! Trap: for very negative x, `Φ(x) = erfc(-x/√2) / 2` is taken from the continued fraction
//! directly, so `1 - erf` never cancels and tiny outputs keep their relative precision.

use crate::{Tensor, Var};

const FRAC_2_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;
/// 1 / √(2π)
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// `erfc(x)` for `x >= 3` by the continued fraction
/// `erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))`, evaluated bottom-up.
fn erfc_cf(x: f64) -> f64 {
    let mut f = x;
    for k in (1..=60).rev() {
        f = x + (k as f64 / 2.0) / f;
    }
    (-x * x).exp() / (f * std::f64::consts::PI.sqrt())
}

/// `erf(x)` for `|x| < 3` by the series with positive terms.
fn erf_series(x: f64) -> f64 {
    let x2 = 2.0 * x * x;
    let (mut term, mut sum) = (x, x);
    let mut n = 0.0;
    while term.abs() > 1e-17 * sum.abs() {
        n += 1.0;
        term *= x2 / (2.0 * n + 1.0);
        sum += term;
    }
    FRAC_2_SQRT_PI * (-x * x).exp() * sum
}

/// The error function, accurate to about 1e-15 (see the module notes).
pub(crate) fn erf(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x.abs() < 3.0 {
        erf_series(x)
    } else {
        (1.0 - erfc_cf(x.abs())).copysign(x)
    }
}

/// The complementary error function `1 - erf(x)`, with full relative accuracy for large x.
pub(crate) fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x >= 3.0 {
        erfc_cf(x)
    } else if x <= -3.0 {
        2.0 - erfc_cf(-x)
    } else {
        1.0 - erf(x)
    }
}

/// The standard normal CDF `Φ(x) = erfc(-x/√2) / 2`.
#[inline]
fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x * std::f64::consts::FRAC_1_SQRT_2)
}

impl Tensor {
    /// `x Φ(x)` elementwise (exact GELU).
    pub fn gelu(&self) -> Tensor {
        self.map(|x| {
            let x = x as f64;
            (x * normal_cdf(x)) as f32
        })
    }
}

impl Var {
    /// `x Φ(x)` elementwise (exact GELU).
    pub fn gelu(&self) -> Var {
        let x = self.value().clone();
        self.from_unary(x.gelu(), move |g| {
            g.zip_map(&x, "gelu", |g, x| {
                let x = x as f64;
                let d = normal_cdf(x) + x * INV_SQRT_2PI * (-0.5 * x * x).exp();
                (g as f64 * d) as f32
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{erf, erfc};
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("gelu", |v| v[0].gelu());
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].gelu(), &inputs("gelu"));
    }

    #[test]
    #[allow(clippy::excessive_precision)] // reference values copied verbatim
    fn erf_matches_reference_values() {
        // Values from CPython's math.erf / math.erfc (correctly rounded to ~1 ulp).
        let cases: [(f64, f64, f64); 11] = [
            (0.0, 0.0, 1.0),
            (1e-8, 1.1283791670955126e-08, 0.9999999887162083),
            (0.1, 0.1124629160182849, 0.8875370839817152),
            (0.5, 0.5204998778130465, 0.4795001221869535),
            (1.0, 0.8427007929497149, 0.15729920705028513),
            (2.0, 0.9953222650189527, 0.004677734981047265),
            (2.9, 0.9999589021219005, 4.109787809945886e-05),
            (3.0, 0.9999779095030014, 2.2090496998585438e-05),
            (3.5, 0.9999992569016276, 7.430983723414128e-07),
            (5.0, 0.9999999999984626, 1.5374597944280351e-12),
            (-0.7, -0.6778011938374184, 1.6778011938374184),
        ];
        for (x, e, ec) in cases {
            assert!(
                (erf(x) - e).abs() <= 1e-15 + 1e-14 * e.abs(),
                "erf({x}) = {}",
                erf(x)
            );
            assert!(
                (erfc(x) - ec).abs() <= 1e-10 * ec.abs(),
                "erfc({x}) = {}",
                erfc(x)
            );
            assert_eq!(erf(-x), -erf(x));
        }
        assert_eq!(erf(f64::INFINITY), 1.0);
        assert_eq!(erf(f64::NEG_INFINITY), -1.0);
        assert!(erf(f64::NAN).is_nan());
    }

    #[test]
    #[allow(clippy::excessive_precision)] // reference values copied verbatim
    fn tails_keep_relative_accuracy() {
        // gelu(-5) and gelu(-10) from the exact formula in f64 (CPython math.erfc).
        let t = Tape::new();
        let x = t.leaf(Tensor::from_vec(
            vec![-10.0, -5.0, 0.0, 3.0, 1e4, -1e4],
            &[6],
        ));
        let y = x.gelu();
        let v = y.value().to_vec();
        assert!((v[0] / -7.619853024160593e-23 - 1.0).abs() < 1e-6, "{v:?}");
        assert!((v[1] / -1.4332578593959731e-06 - 1.0).abs() < 1e-6, "{v:?}");
        assert_eq!(&v[2..], &[0.0, 2.9959502, 1e4, -0.0]);
        let g = y
            .backward_with(Tensor::ones(&[6]))
            .get(&x)
            .unwrap()
            .to_vec();
        assert!((g[1] / -7.146946001792295e-06 - 1.0).abs() < 1e-6, "{g:?}");
        assert_eq!(&g[2..], &[0.5, 1.0119456, 1.0, 0.0]);
    }
}
