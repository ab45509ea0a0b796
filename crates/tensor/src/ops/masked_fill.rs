//! masked_fill: `y = x.masked_fill(mask, v)` is `v` where `mask` is true and `x` elsewhere;
//! `dy/dx` is 1 where the mask is false and 0 where it is true (the filled value is a
//! constant).
//!
//! As PyTorch's out-of-place `masked_fill`: `mask` is a [`BoolTensor`] that broadcasts with `x`,
//! and the result has the broadcast shape (the gradient is summed back to `x`'s shape).

use crate::broadcast::{broadcast_shapes, for_each_broadcast};
use crate::{BoolTensor, Tensor, Var};

/// The value and the mask broadcast to the output's shape.
#[track_caller]
fn fill(x: &Tensor, mask: &BoolTensor, v: f32) -> (Tensor, Vec<bool>) {
    let Some(shape) = broadcast_shapes(x.shape(), mask.shape()) else {
        panic!(
            "masked_fill: mask of shape {:?} does not broadcast with the tensor of shape {:?}",
            mask.shape(),
            x.shape()
        );
    };
    let n: usize = shape.iter().product();
    let (xs, ms) = (x.as_slice(), mask.as_slice());
    let (mut out, mut m) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for_each_broadcast(&shape, [x.shape(), mask.shape()], |[i, j]| {
        out.push(if ms[j] { v } else { xs[i] });
        m.push(ms[j]);
    });
    (Tensor::from_vec(out, &shape), m)
}

impl Tensor {
    /// `value` where `mask` is true, `self` elsewhere (broadcasting).
    #[track_caller]
    pub fn masked_fill(&self, mask: &BoolTensor, value: f32) -> Tensor {
        fill(self, mask, value).0
    }
}

impl Var {
    /// `value` where `mask` is true, `self` elsewhere; no gradient flows where filled.
    #[track_caller]
    pub fn masked_fill(&self, mask: &BoolTensor, value: f32) -> Var {
        let (y, m) = fill(self.value(), mask, value);
        Var::from_broadcast(&[self], y, move |g, _| {
            let d: Vec<f32> = g
                .as_slice()
                .iter()
                .zip(&m)
                .map(|(&g, &hit)| if hit { 0.0 } else { g })
                .collect();
            [Some(Tensor::from_vec(d, g.shape()))]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, BoolTensor, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("masked_fill");
    }

    #[test]
    fn gradcheck_with_broadcast_mask() {
        let x = Tensor::randn(&[3], 0.0, 1.0, &mut rng_from_seed(14));
        let mask = BoolTensor::from_vec(vec![true, false], &[2, 1]);
        assert_gradcheck(|v| v[0].masked_fill(&mask, 2.5), &[x]);
    }

    #[test]
    fn fills_the_broadcast_shape() {
        let y =
            Tensor::zeros(&[3]).masked_fill(&BoolTensor::from_vec(vec![true, false], &[2, 1]), 1.0);
        assert_eq!(y.shape(), &[2, 3]);
        assert_eq!(y.to_vec(), vec![1.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
    }
}
