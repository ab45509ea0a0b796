//! prod: the product over all elements (`prod()`) or over a set of axes (`prod_axes`; PyTorch
//! takes one `dim`, tapegrad any set). `y = Π_i x_i`; `dy/dx_i = Π_{j≠i} x_j`.
//!
//! As PyTorch: when no input element is 0 the gradient is `g · y / x_i` (so a NaN anywhere in
//! a lane makes the lane's gradient NaN); when some element is 0 (anywhere in the tensor)
//! every lane uses the exact product of the others, from prefix and suffix products, so one
//! zero gets the product of the rest and two zeros give zeros. The product of nothing is 1.

use super::reduce::Reduce;
use crate::{Tensor, Var};

/// The product of each lane, accumulated in f64.
fn lane_prod(l: &[f32]) -> f32 {
    l.iter().map(|&x| x as f64).product::<f64>() as f32
}

fn backward(r: &Reduce, x: &Tensor, y: &Tensor, g: &Tensor) -> Tensor {
    if x.as_slice().contains(&0.0) {
        r.backward_lanes(x, y, g, |xs, _, g, d| {
            // d_i = g * prefix(i) * suffix(i), the exact product of the others.
            let mut acc = 1.0f64;
            for (di, &v) in d.iter_mut().zip(xs) {
                *di = acc as f32;
                acc *= v as f64;
            }
            let mut acc = 1.0f64;
            for (di, &v) in d.iter_mut().zip(xs).rev() {
                *di = (g as f64 * *di as f64 * acc) as f32;
                acc *= v as f64;
            }
        })
    } else {
        r.backward_lanes(x, y, g, |xs, y, g, d| {
            for (di, &v) in d.iter_mut().zip(xs) {
                *di = g * (y / v);
            }
        })
    }
}

impl Tensor {
    /// The product of all elements, as a scalar tensor.
    pub fn prod_all(&self) -> Tensor {
        Tensor::scalar(lane_prod(self.as_slice()))
    }

    /// The product over `axes` (empty: all); `keepdim` keeps them as length 1.
    #[track_caller]
    pub fn prod_axes(&self, axes: &[isize], keepdim: bool) -> Tensor {
        Reduce::new(self.shape(), axes, keepdim, "prod").map_lanes(self, lane_prod)
    }
}

impl Var {
    /// The product of all elements (a scalar).
    #[track_caller]
    pub fn prod(&self) -> Var {
        self.prod_axes(&[], false)
    }

    /// The product over `axes` (empty: all); `keepdim` keeps them as length 1.
    #[track_caller]
    pub fn prod_axes(&self, axes: &[isize], keepdim: bool) -> Var {
        let r = Reduce::new(self.shape(), axes, keepdim, "prod");
        let y = r.map_lanes(self.value(), lane_prod);
        let (x, yv) = (self.value().clone(), y.clone());
        self.from_unary(y, move |g| backward(&r, &x, &yv, g))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("prod");
    }

    #[test]
    fn gradcheck_with_and_without_zeros() {
        let x = Tensor::randn(&[3, 4], 0.0, 1.0, &mut rng_from_seed(17));
        assert_gradcheck(|v| v[0].prod(), std::slice::from_ref(&x));
        assert_gradcheck(|v| v[0].prod_axes(&[1], true), &[x]);
        let z = Tensor::from_vec(vec![0.0, 2.0, 3.0, 1.5, -0.5, 2.0], &[2, 3]);
        assert_gradcheck(|v| v[0].prod_axes(&[-1], false), &[z]);
    }
}
