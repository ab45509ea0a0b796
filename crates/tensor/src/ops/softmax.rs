//! softmax along one axis: `y_k = e^(x_k - m) / Σ_j e^(x_j - m)` with `m = max_j x_j`;
//! `dx = y (g - Σ_k g_k y_k)` along the axis.
//!
//! Why a dedicated rule rather than `exp(x) / sum(exp(x))` composed: `e^x` overflows to `inf`
//! for logits above ~88 in f32 (so `inf / inf = NaN`); subtracting the lane's maximum first
//! makes every exponent <= 0, so the sum is in [1, n] and the result is finite for any finite
//! logits (PyTorch does the same). The backward needs only the saved output.

use super::lanes::Lanes;
use crate::{Tensor, Var};

/// Writes `e^(x - m)` into `out` for one lane and returns the lane's sum of them and `m`.
#[inline]
pub(crate) fn shifted_exp_lane(
    x: &[f32],
    out: &mut [f32],
    start: usize,
    stride: usize,
    n: usize,
) -> (f32, f32) {
    let mut m = f32::NEG_INFINITY;
    for k in 0..n {
        m = m.max(x[start + k * stride]);
    }
    let mut s = 0.0f32;
    for k in 0..n {
        let i = start + k * stride;
        let e = (x[i] - m).exp();
        out[i] = e;
        s += e;
    }
    (s, m)
}

impl Tensor {
    /// Softmax along `axis` (negative counts from the end), computed stably.
    #[track_caller]
    pub fn softmax(&self, axis: isize) -> Tensor {
        let lanes = Lanes::new(self.shape(), axis, "softmax");
        let x = self.as_slice();
        let mut y = vec![0.0f32; x.len()];
        lanes.for_each(|_, start, stride| {
            let (s, _) = shifted_exp_lane(x, &mut y, start, stride, lanes.n);
            let inv = 1.0 / s;
            for k in 0..lanes.n {
                y[start + k * stride] *= inv;
            }
        });
        Tensor::from_vec(y, self.shape())
    }
}

impl Var {
    /// Softmax along `axis`, computed stably, with the dedicated backward
    /// `dx = y (g - Σ g y)`.
    #[track_caller]
    pub fn softmax(&self, axis: isize) -> Var {
        let lanes = Lanes::new(self.shape(), axis, "softmax");
        let y = self.value().softmax(axis);
        let saved = y.clone();
        self.from_unary(y, move |g| {
            let (ys, gs) = (saved.as_slice(), g.as_slice());
            let mut dx = vec![0.0f32; ys.len()];
            lanes.for_each(|_, start, stride| {
                let mut dot = 0.0f32;
                for k in 0..lanes.n {
                    let i = start + k * stride;
                    dot += gs[i] * ys[i];
                }
                for k in 0..lanes.n {
                    let i = start + k * stride;
                    dx[i] = ys[i] * (gs[i] - dot);
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
    fn matches_pytorch_including_large_logits() {
        check_reference("softmax", |v| v[0].softmax(-1));
        check_reference("softmax", |v| v[0].softmax(1));
        check_reference("softmax_large", |v| v[0].softmax(-1));
    }

    #[test]
    fn gradcheck_every_axis() {
        let x = inputs("softmax");
        assert_gradcheck(|v| v[0].softmax(-1), &x);
        assert_gradcheck(|v| v[0].softmax(0), &x);
        let mut rng = crate::rng_from_seed(9);
        let x3 = Tensor::randn(&[2, 3, 4], 0.0, 2.0, &mut rng);
        assert_gradcheck(|v| v[0].softmax(1), &[x3]);
    }

    #[test]
    fn finite_for_huge_logits_and_rows_sum_to_one() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(
            vec![500.0, 501.0, -1e4, 1e4, 0.0, -1e4],
            &[2, 3],
        ));
        let y = x.softmax(1);
        assert!(y.value().all_finite(), "{y}");
        for row in y.value().as_slice().chunks(3) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
        let g = y.backward_with(Tensor::from_vec(
            vec![1.0, -2.0, 3.0, 0.5, 1.0, 2.0],
            &[2, 3],
        ));
        assert!(g.get(&x).unwrap().all_finite());
    }
}
