//! log_softmax along one axis: `y_k = x_k - m - ln Σ_j e^(x_j - m)` with `m = max_j x_j`;
//! `dx = g - softmax(x) Σ_k g_k` along the axis, with `softmax(x) = e^y`.
//!
//! Why a dedicated rule rather than `log(softmax(x))`: softmax underflows to 0 for logits far
//! below the maximum, and `ln 0 = -inf` (PyTorch's fixture value would be e.g. -100); the
//! log-sum-exp form stays finite and exact there.

use super::lanes::Lanes;
use super::softmax::shifted_exp_lane;
use crate::{Tensor, Var};

impl Tensor {
    /// Log-softmax along `axis` (negative counts from the end), computed stably.
    #[track_caller]
    pub fn log_softmax(&self, axis: isize) -> Tensor {
        let lanes = Lanes::new(self.shape(), axis, "log_softmax");
        let x = self.as_slice();
        let mut y = vec![0.0f32; x.len()];
        lanes.for_each(|_, start, stride| {
            let (s, m) = shifted_exp_lane(x, &mut y, start, stride, lanes.n);
            let lse = m + s.ln();
            for k in 0..lanes.n {
                let i = start + k * stride;
                y[i] = x[i] - lse;
            }
        });
        Tensor::from_vec(y, self.shape())
    }
}

impl Var {
    /// Log-softmax along `axis`, computed stably, with the dedicated backward
    /// `dx = g - softmax Σ g`.
    #[track_caller]
    pub fn log_softmax(&self, axis: isize) -> Var {
        let lanes = Lanes::new(self.shape(), axis, "log_softmax");
        let y = self.value().log_softmax(axis);
        let saved = y.clone();
        self.from_unary(y, move |g| {
            let (ys, gs) = (saved.as_slice(), g.as_slice());
            let mut dx = vec![0.0f32; ys.len()];
            lanes.for_each(|_, start, stride| {
                let mut sum = 0.0f32;
                for k in 0..lanes.n {
                    sum += gs[start + k * stride];
                }
                for k in 0..lanes.n {
                    let i = start + k * stride;
                    dx[i] = gs[i] - ys[i].exp() * sum;
                }
            });
            Tensor::from_vec(dx, saved.shape())
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("log_softmax", |v| v[0].log_softmax(-1));
        check_reference("log_softmax", |v| v[0].log_softmax(1));
    }

    #[test]
    fn gradcheck_every_axis() {
        let x = inputs("log_softmax");
        assert_gradcheck(|v| v[0].log_softmax(-1), &x);
        assert_gradcheck(|v| v[0].log_softmax(0), &x);
        let mut rng = crate::rng_from_seed(11);
        let x3 = Tensor::randn(&[2, 3, 4], 0.0, 2.0, &mut rng);
        assert_gradcheck(|v| v[0].log_softmax(1), &[x3]);
    }

    #[test]
    fn finite_and_exact_far_below_the_max() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![500.0, 400.0, 0.0, -1e4], &[1, 4]));
        let y = x.log_softmax(-1);
        assert!(y.value().all_finite(), "{y}");
        assert_eq!(y.value().to_vec(), vec![0.0, -100.0, -500.0, -10500.0]);
        let g = y.backward_with(Tensor::ones(&[1, 4]));
        assert!(g.get(&x).unwrap().all_finite());
        // Σ g = 4 and softmax ≈ [1, 0, 0, 0]: dx = [1 - 4, 1, 1, 1].
        assert_eq!(g.get(&x).unwrap().to_vec(), vec![-3.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn agrees_with_log_of_softmax_where_that_is_finite() {
        let mut rng = crate::rng_from_seed(12);
        let x = Tensor::randn(&[3, 5], 0.0, 1.0, &mut rng);
        let a = x.log_softmax(1);
        let b = x.softmax(1).log();
        assert!(a.max_abs_diff(&b) < 1e-6);
    }
}
