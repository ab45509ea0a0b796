//! logsumexp over a set of axes: `y = ln Σ_i e^(x_i)`, computed as `m + ln Σ_i e^(x_i - m)`
//! with `m` the lane's maximum (every exponent <= 0, so it is finite for any finite input);
//! `dy/dx_i = e^(x_i - y)` (the softmax of the lane).
//!
//! Why a dedicated rule: the composed `log(sum(exp(x)))` overflows for x above ~88 in f32.
//! Infinities as PyTorch, which takes `m = 0` when the maximum is infinite: a lane of all
//! `-inf` gives `-inf` (gradient NaN, `e^(-inf + inf)`), a `+inf` gives `+inf` (gradient NaN
//! at the inf, 0 elsewhere); an empty lane gives `-inf`; NaN propagates.

use super::max::lane_extremum;
use super::reduce::Reduce;
use crate::{Tensor, Var};

fn lane_lse(l: &[f32]) -> f32 {
    if l.is_empty() {
        return f32::NEG_INFINITY;
    }
    let m = lane_extremum(l, 0, 1, l.len(), true).0;
    let m = if m.is_infinite() { 0.0 } else { m as f64 };
    let s: f64 = l.iter().map(|&x| (x as f64 - m).exp()).sum();
    (s.ln() + m) as f32
}

impl Tensor {
    /// `ln Σ e^x` over `axes` (empty: all), computed stably.
    #[track_caller]
    pub fn logsumexp(&self, axes: &[isize], keepdim: bool) -> Tensor {
        Reduce::new(self.shape(), axes, keepdim, "logsumexp").map_lanes(self, lane_lse)
    }
}

impl Var {
    /// `ln Σ e^x` over `axes` (empty: all), computed stably; the gradient is the softmax.
    #[track_caller]
    pub fn logsumexp(&self, axes: &[isize], keepdim: bool) -> Var {
        let r = Reduce::new(self.shape(), axes, keepdim, "logsumexp");
        let y = r.map_lanes(self.value(), lane_lse);
        let (x, yv) = (self.value().clone(), y.clone());
        self.from_unary(y, move |g| {
            r.backward_lanes(&x, &yv, g, |xs, y, g, d| {
                for (di, &v) in d.iter_mut().zip(xs) {
                    *di = g * (v - y).exp();
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("logsumexp");
    }

    #[test]
    fn gradcheck() {
        let x = Tensor::randn(&[2, 3, 4], 0.0, 2.0, &mut rng_from_seed(19));
        assert_gradcheck(|v| v[0].logsumexp(&[1], false), std::slice::from_ref(&x));
        assert_gradcheck(|v| v[0].logsumexp(&[0, 2], true), &[x]);
    }

    #[test]
    fn finite_for_huge_inputs() {
        let x = Tensor::from_vec(vec![1000.0, 1000.0, -1e4], &[3]);
        let y = x.logsumexp(&[0], false).item();
        assert!((y - (1000.0 + 2f32.ln())).abs() < 1e-3, "{y}");
    }
}
