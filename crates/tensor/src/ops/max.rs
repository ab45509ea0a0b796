//! max: over all elements (`max()`) or along one axis (`max_axis`).
//!
//! `y = max_i x_i`. The derivative is 1 at the maximum and 0 elsewhere; ties need a rule, and
//! the two forms follow PyTorch's two rules:
//! - over all elements, the gradient is split evenly among the elements equal to the maximum
//!   (`dx_i = g / count` on ties), as `torch.max(x)` does;
//! - along an axis, the whole gradient goes to the first index of the maximum (the index
//!   `torch.max(x, dim)` returns).
//!
//! NaN propagates as in PyTorch: a lane holding a NaN has maximum NaN, and its gradient goes to
//! the (first) NaN. An empty reduction panics (PyTorch raises too).

use super::lanes::Lanes;
use crate::axis::{normalize_axis, reduced_shape};
use crate::{Tensor, Var};

/// `(max, index of the first max)` of `n` elements at `start + k * stride`; NaN wins.
#[inline]
fn lane_max(x: &[f32], start: usize, stride: usize, n: usize) -> (f32, usize) {
    let (mut best, mut arg) = (x[start], 0);
    for k in 1..n {
        if best.is_nan() {
            break;
        }
        let v = x[start + k * stride];
        if v > best || v.is_nan() {
            best = v;
            arg = k;
        }
    }
    (best, arg)
}

/// The maxima along `axis` and, per lane, the index (along the axis) of the first maximum.
fn max_and_argmax(x: &Tensor, axis: isize) -> (Vec<f32>, Vec<usize>, Lanes) {
    let lanes = Lanes::new(x.shape(), axis, "max");
    let count = lanes.outer * lanes.inner;
    assert!(
        lanes.n > 0 || count == 0,
        "max: cannot reduce an axis of length 0 (shape {:?})",
        x.shape()
    );
    let (mut vals, mut args) = (vec![0.0; count], vec![0; count]);
    let xs = x.as_slice();
    lanes.for_each(|lane, start, stride| {
        let (v, a) = lane_max(xs, start, stride, lanes.n);
        vals[lane] = v;
        args[lane] = a;
    });
    (vals, args, lanes)
}

impl Tensor {
    /// The largest element, as a scalar tensor (NaN if any element is NaN). Panics for an
    /// empty tensor.
    pub fn max_all(&self) -> Tensor {
        assert!(
            !self.is_empty(),
            "max: cannot reduce an empty tensor (shape {:?})",
            self.shape()
        );
        Tensor::scalar(lane_max(self.as_slice(), 0, 1, self.len()).0)
    }

    /// The maxima along `axis` (negative counts from the end); `keepdim` keeps the axis as
    /// length 1.
    pub fn max_axis(&self, axis: isize, keepdim: bool) -> Tensor {
        let ax = normalize_axis(axis, self.ndim(), "max");
        let (vals, _, _) = max_and_argmax(self, axis);
        Tensor::from_vec(vals, &reduced_shape(self.shape(), ax, keepdim))
    }
}

impl Var {
    /// The largest element (a scalar); the gradient is shared evenly among ties.
    pub fn max(&self) -> Var {
        let x = self.value().clone();
        let y = x.max_all();
        let best = y.item();
        self.from_unary(y, move |g| {
            let hit = |v: f32| {
                if best.is_nan() {
                    v.is_nan()
                } else {
                    v == best
                }
            };
            let count = x.as_slice().iter().filter(|&&v| hit(v)).count();
            let share = g.item() / count as f32;
            x.map(move |v| if hit(v) { share } else { 0.0 })
        })
    }

    /// The maxima along `axis`; `keepdim` keeps the axis as length 1. The gradient goes to the
    /// first maximum of each lane.
    pub fn max_axis(&self, axis: isize, keepdim: bool) -> Var {
        let shape = self.shape().to_vec();
        let ax = normalize_axis(axis, shape.len(), "max");
        let (vals, args, lanes) = max_and_argmax(self.value(), axis);
        let y = Tensor::from_vec(vals, &reduced_shape(&shape, ax, keepdim));
        self.from_unary(y, move |g| {
            let mut dx = vec![0.0f32; shape.iter().product()];
            let gs = g.as_slice();
            lanes.for_each(|lane, start, stride| {
                dx[start + args[lane] * stride] = gs[lane];
            });
            Tensor::from_vec(dx, &shape)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("max_axis1", |v| v[0].max_axis(1, false));
        check_reference("max_axis1", |v| v[0].max_axis(-1, false));
    }

    #[test]
    fn gradcheck() {
        // The fixture's values are distinct, so max is differentiable there.
        let x = inputs("max_axis1");
        assert_gradcheck(|v| v[0].max(), &x);
        assert_gradcheck(|v| v[0].max_axis(0, true), &x);
        assert_gradcheck(|v| v[0].max_axis(1, false), &x);
        let mut rng = crate::rng_from_seed(5);
        let x3 = Tensor::randn(&[2, 3, 4], 0.0, 1.0, &mut rng);
        assert_gradcheck(|v| v[0].max_axis(1, false), &[x3]);
    }

    #[test]
    fn ties_follow_pytorch() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(
            vec![1.0, 3.0, 3.0, 0.0, 3.0, 2.0],
            &[2, 3],
        ));
        // Over all elements: three tied maxima share the gradient.
        let g = x.max().backward_with(Tensor::scalar(6.0));
        assert_eq!(
            g.get(&x).unwrap().to_vec(),
            vec![0.0, 2.0, 2.0, 0.0, 2.0, 0.0]
        );
        // Along an axis: the first maximum of each lane takes it all.
        let y = x.max_axis(1, true);
        assert_eq!(y.shape(), &[2, 1]);
        assert_eq!(y.value().to_vec(), vec![3.0, 3.0]);
        let g = y.backward_with(Tensor::from_vec(vec![1.0, 2.0], &[2, 1]));
        assert_eq!(
            g.get(&x).unwrap().to_vec(),
            vec![0.0, 1.0, 0.0, 0.0, 2.0, 0.0]
        );
        let g = x.max_axis(0, false).backward_with(Tensor::ones(&[3]));
        assert_eq!(
            g.get(&x).unwrap().to_vec(),
            vec![1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
        );
    }

    #[test]
    fn nan_propagates() {
        let x = Tensor::from_vec(vec![1.0, f32::NAN, 5.0, 2.0], &[2, 2]);
        assert!(x.max_all().item().is_nan());
        let m = x.max_axis(1, false).to_vec();
        assert!(m[0].is_nan() && m[1] == 5.0);
        let tape = Tape::new();
        let v = tape.leaf(x);
        let g = v.max().backward().get(&v).unwrap().to_vec();
        assert_eq!(g[0], 0.0);
        assert_eq!(g[1], 1.0);
    }

    #[test]
    #[should_panic(expected = "max: cannot reduce an empty tensor")]
    fn empty_panics() {
        Tensor::zeros(&[0, 3]).max_all();
    }

    #[test]
    fn empty_lanes_are_fine_when_the_axis_is_not_empty() {
        assert_eq!(Tensor::zeros(&[0, 3]).max_axis(1, false).shape(), &[0]);
    }
}
