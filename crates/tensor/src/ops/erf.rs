//! erf: the error function `y = erf(x) = (2/√π) ∫_0^x e^(-t²) dt`; `dy/dx = (2/√π) e^(-x²)`.
//! erf(±inf) = ±1 with gradient 0; NaN stays NaN (as PyTorch).
//!
//! Computed in f64 and rounded once. Written here (no dependency): the positive-term series
//! `erf(x) = (2/√π) e^(-x²) Σ (2x²)^n x / (2n+1)!!` (Abramowitz & Stegun 7.1.6) for |x| < 3,
//! which has no cancellation, and the continued fraction of `erfc` (A&S 7.1.14) for |x| >= 3:
//! erf agrees with a correctly rounded one to ~1e-15, erfc to ~1e-11 relative. `gelu` uses the
//! same functions.

use crate::{Tensor, Var};

const FRAC_2_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;

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
#[track_caller]
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

impl Tensor {
    /// The error function elementwise.
    pub fn erf(&self) -> Tensor {
        self.map(|x| erf(x as f64) as f32)
    }
}

impl Var {
    /// The error function elementwise.
    pub fn erf(&self) -> Var {
        let x = self.value().clone();
        self.from_unary(x.erf(), move |g| {
            g.zip_map(&x, "erf", |g, x| {
                let x = x as f64;
                (g as f64 * FRAC_2_SQRT_PI * (-x * x).exp()) as f32
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{erf, erfc};
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_cases("erf");
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].erf(), &inputs("gelu"));
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
}
