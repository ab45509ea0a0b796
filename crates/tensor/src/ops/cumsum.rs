//! cumsum: the running sum along one axis, `y_k = Σ_{j<=k} x_j`; `dx_j = Σ_{k>=j} dy_k` (the
//! upstream gradient summed from the end). Accumulated in f64 along each lane.

use super::lanes::Lanes;
use crate::{Tensor, Var};

/// The running sums along `axis`, forward or (for the gradient) from the end.
#[track_caller]
fn running(x: &Tensor, axis: isize, reverse: bool) -> Tensor {
    let lanes = Lanes::new(x.shape(), axis, "cumsum");
    let xs = x.as_slice();
    let mut y = vec![0.0f32; xs.len()];
    lanes.for_each(|_, start, stride| {
        let mut acc = 0.0f64;
        for k in 0..lanes.n {
            let k = if reverse { lanes.n - 1 - k } else { k };
            let i = start + k * stride;
            acc += xs[i] as f64;
            y[i] = acc as f32;
        }
    });
    Tensor::from_vec(y, x.shape())
}

impl Tensor {
    /// The running sum along `dim` (negative counts from the end).
    #[track_caller]
    pub fn cumsum(&self, dim: isize) -> Tensor {
        running(self, dim, false)
    }
}

impl Var {
    /// The running sum along `dim`; the gradient is the reversed running sum.
    #[track_caller]
    pub fn cumsum(&self, dim: isize) -> Var {
        let y = running(self.value(), dim, false);
        self.from_unary(y, move |g| running(g, dim, true))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("cumsum");
    }

    #[test]
    fn gradcheck() {
        let x = Tensor::randn(&[3, 4], 0.0, 1.0, &mut rng_from_seed(21));
        assert_gradcheck(|v| v[0].cumsum(1), std::slice::from_ref(&x));
        assert_gradcheck(|v| v[0].cumsum(-2), &[x]);
    }
}
