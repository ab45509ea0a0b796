//! gelu, PyTorch's `gelu(x, approximate)`. With `approximate = 'tanh'`:
//! `y = x/2 (1 + tanh u)` with `u = √(2/π) (x + 0.044715 x³)`;
//! `dy/dx = (1 + tanh u)/2 + x/2 (1 - tanh² u) √(2/π) (1 + 3 · 0.044715 x²)`.
//! The exact erf form (PyTorch's default, `approximate = 'none'`):
//! `y = x Φ(x)` with `Φ(x) = (1 + erf(x / √2)) / 2` the standard normal CDF;
//! `dy/dx = Φ(x) + x φ(x)` with `φ(x) = e^(-x²/2) / √(2π)`.
//!
//! Computed in f64 and rounded once, with the `erf`/`erfc` of `erf.rs`.
//! Trap: for very negative x, `Φ(x) = erfc(-x/√2) / 2` is taken from the continued fraction
//! directly, so `1 - erf` never cancels and tiny outputs keep their relative precision.

use super::erf::erfc;
use crate::{Tensor, Var};

const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// The standard normal CDF `Φ(x) = erfc(-x/√2) / 2`.
#[inline]
fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x * std::f64::consts::FRAC_1_SQRT_2)
}

/// Which GELU: PyTorch's `approximate` argument.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GeluApproximate {
    /// The exact form `x Φ(x)` (PyTorch's default, `'none'`).
    #[default]
    None,
    /// The tanh approximation (`'tanh'`).
    Tanh,
}

/// √(2/π)
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
const TANH_COEF: f64 = 0.044_715;

#[inline]
fn gelu_tanh(x: f64) -> (f64, f64) {
    let u = SQRT_2_OVER_PI * (x + TANH_COEF * x * x * x);
    let t = u.tanh();
    let y = 0.5 * x * (1.0 + t);
    let d = 0.5 * (1.0 + t)
        + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * TANH_COEF * x * x);
    (y, d)
}

impl Tensor {
    /// GELU elementwise, exact or tanh-approximated.
    pub fn gelu_with(&self, approximate: GeluApproximate) -> Tensor {
        match approximate {
            GeluApproximate::None => self.gelu(),
            GeluApproximate::Tanh => self.map(|x| gelu_tanh(x as f64).0 as f32),
        }
    }

    /// `x Φ(x)` elementwise (exact GELU).
    pub fn gelu(&self) -> Tensor {
        self.map(|x| {
            let x = x as f64;
            (x * normal_cdf(x)) as f32
        })
    }
}

impl Var {
    /// GELU elementwise, exact or tanh-approximated.
    pub fn gelu_with(&self, approximate: GeluApproximate) -> Var {
        if approximate == GeluApproximate::None {
            return self.gelu();
        }
        let x = self.value().clone();
        self.from_unary(x.gelu_with(approximate), move |g| {
            g.zip_map(&x, "gelu", |g, x| (g as f64 * gelu_tanh(x as f64).1) as f32)
        })
    }

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
    use super::GeluApproximate;
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("gelu", |v| v[0].gelu());
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].gelu(), &inputs("gelu"));
        assert_gradcheck(|v| v[0].gelu_with(GeluApproximate::Tanh), &inputs("gelu"));
    }

    #[test]
    fn matches_pytorch_tanh() {
        check_cases("gelu");
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
