//! scatter_add: `y = x.scatter_add(dim, index, src)` is `x` with every element of `src` (at
//! the positions of `index`) added where `gather` would read: for `dim = 0`,
//! `y[index[i][j]][j] += src[i][j]`. Gradients: `dx = dy`; `dsrc[i][j] = dy[index[i][j]][j]`
//! (a gather of `dy`), and 0 where `src` is larger than `index`.
//!
//! As PyTorch: `index` has as many axes as `x` and `src`, is no longer than `src` along any
//! axis and no longer than `x` along every axis but `dim`; out-of-range indices panic naming
//! the op, the index and the axis length.

use super::gather::{check_index, offsets};
use crate::axis::normalize_axis;
use crate::{IntTensor, Tensor, Var};

/// `(offsets into x, offsets into src)` for every element of `index`, checked.
#[track_caller]
fn plan(shape: &[usize], dim: isize, index: &IntTensor, src: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let ax = normalize_axis(dim, shape.len(), "scatter_add");
    check_index(shape, ax, index, "scatter_add");
    let is = index.shape();
    if src.len() != is.len() || is.iter().zip(src).any(|(i, s)| i > s) {
        panic!("scatter_add: index of shape {is:?} does not fit in src of shape {src:?}");
    }
    (
        offsets(shape, is, Some((ax, index.as_slice())), "scatter_add"),
        offsets(src, is, None, "scatter_add"),
    )
}

fn scatter(x: &Tensor, at: &[usize], from: &[usize], src: &Tensor) -> Tensor {
    let mut y = x.to_vec();
    let s = src.as_slice();
    for (&o, &f) in at.iter().zip(from) {
        y[o] += s[f];
    }
    Tensor::from_vec(y, x.shape())
}

impl Tensor {
    /// `self` with `src` added at `index` along `dim` (see the module notes).
    #[track_caller]
    pub fn scatter_add(&self, dim: isize, index: &IntTensor, src: &Tensor) -> Tensor {
        let (at, from) = plan(self.shape(), dim, index, src.shape());
        scatter(self, &at, &from, src)
    }
}

impl Var {
    /// `self` with `src` added at `index` along `dim`; both get gradients.
    #[track_caller]
    pub fn scatter_add(&self, dim: isize, index: &IntTensor, src: &Var) -> Var {
        let (at, from) = plan(self.shape(), dim, index, src.shape());
        let value = scatter(self.value(), &at, &from, src.value());
        let src_shape = src.shape().to_vec();
        Var::from_op(&[self, src], value, move |g, needs| {
            [
                needs[0].then(|| g.clone()),
                needs[1].then(|| {
                    let mut d = vec![0.0f32; src_shape.iter().product()];
                    let gs = g.as_slice();
                    for (&o, &f) in at.iter().zip(&from) {
                        d[f] = gs[o];
                    }
                    Tensor::from_vec(d, &src_shape)
                }),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, IntTensor, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("scatter_add");
    }

    #[test]
    fn gradcheck_with_repeats_and_larger_src() {
        let mut rng = rng_from_seed(13);
        let x = Tensor::randn(&[3, 4], 0.0, 1.0, &mut rng);
        let src = Tensor::randn(&[3, 5], 0.0, 1.0, &mut rng);
        let idx = IntTensor::from_vec(vec![0, 0, 2, 1, 1, 3], &[2, 3]);
        assert_gradcheck(|v| v[0].scatter_add(1, &idx, &v[1]), &[x, src]);
    }

    #[test]
    fn adds_at_the_indices() {
        let x = Tensor::zeros(&[3]);
        let src = Tensor::from_vec(vec![1.0, 2.0, 4.0], &[3]);
        let idx = IntTensor::from_vec(vec![2, 0, 2], &[3]);
        assert_eq!(x.scatter_add(0, &idx, &src).to_vec(), vec![2.0, 0.0, 5.0]);
    }

    #[test]
    #[should_panic(expected = "scatter_add: index 3 is out of bounds for dimension 0 with size 3")]
    fn out_of_range() {
        let idx = IntTensor::from_vec(vec![3], &[1]);
        Tensor::zeros(&[3]).scatter_add(0, &idx, &Tensor::ones(&[1]));
    }
}
