//! Reductions over a set of axes: the plumbing shared by `sum_axes`, `mean_axes`,
//! `amax`/`amin`, `prod_axes`, `var`/`std`, `logsumexp` and `norm` (not an op itself).
//!
//! The input is seen as `lanes` lanes of `n` elements each: one lane per output element, its
//! elements being those the reduction combines. When the reduced axes are the trailing ones
//! (the common case) the lanes are contiguous in the input already; otherwise the input is
//! permuted once (kept axes first, reduced axes last) and [`Reduce::unlanes`] undoes that
//! permutation for the gradient.

use crate::axis::axes_mask;
use crate::Tensor;
use std::borrow::Cow;

/// How one reduction sees its input (see the module notes).
#[derive(Clone, Debug)]
pub(crate) struct Reduce {
    /// The input's shape.
    pub shape: Vec<usize>,
    /// Kept axes then reduced axes, when that is not the identity.
    perm: Option<Vec<usize>>,
    /// Number of lanes (output elements).
    pub lanes: usize,
    /// Elements per lane.
    pub n: usize,
    /// The output's shape (with or without the reduced axes, per `keepdim`).
    pub out_shape: Vec<usize>,
    /// The output's shape with the reduced axes kept as length 1 (broadcasts to `shape`).
    pub kept_shape: Vec<usize>,
}

impl Reduce {
    /// The reduction of a tensor of `shape` over `axes` (empty: all); panics naming `op` for
    /// a bad axis.
    #[track_caller]
    pub fn new(shape: &[usize], axes: &[isize], keepdim: bool, op: &str) -> Reduce {
        let mask = axes_mask(axes, shape.len(), op);
        let kept: Vec<usize> = (0..shape.len()).filter(|&a| !mask[a]).collect();
        let reduced: Vec<usize> = (0..shape.len()).filter(|&a| mask[a]).collect();
        let perm: Vec<usize> = kept.iter().chain(&reduced).copied().collect();
        let identity = perm.iter().enumerate().all(|(i, &p)| i == p);
        let kept_shape: Vec<usize> = (0..shape.len())
            .map(|a| if mask[a] { 1 } else { shape[a] })
            .collect();
        let out_shape = if keepdim {
            kept_shape.clone()
        } else {
            kept.iter().map(|&a| shape[a]).collect()
        };
        Reduce {
            shape: shape.to_vec(),
            perm: (!identity).then_some(perm),
            lanes: kept.iter().map(|&a| shape[a]).product(),
            n: reduced.iter().map(|&a| shape[a]).product(),
            out_shape,
            kept_shape,
        }
    }

    /// The input's elements lane by lane: lane `l` is `[l * n, (l + 1) * n)`.
    pub fn lanes<'a>(&self, x: &'a Tensor) -> Cow<'a, [f32]> {
        match &self.perm {
            None => Cow::Borrowed(x.as_slice()),
            Some(p) => Cow::Owned(x.permute_axes(p).to_vec()),
        }
    }

    /// A tensor of the input's shape from values laid out lane by lane.
    pub fn unlanes(&self, data: Vec<f32>) -> Tensor {
        match &self.perm {
            None => Tensor::from_vec(data, &self.shape),
            Some(p) => {
                let permuted: Vec<usize> = p.iter().map(|&a| self.shape[a]).collect();
                let mut inv = vec![0; p.len()];
                for (i, &a) in p.iter().enumerate() {
                    inv[a] = i;
                }
                Tensor::from_vec(data, &permuted).permute_axes(&inv)
            }
        }
    }

    /// Reduces each lane with `f`, giving the output tensor.
    pub fn map_lanes(&self, x: &Tensor, f: impl Fn(&[f32]) -> f32) -> Tensor {
        let data = self.lanes(x);
        let out: Vec<f32> = if self.n == 0 {
            (0..self.lanes).map(|_| f(&[])).collect()
        } else {
            data.chunks_exact(self.n).map(f).collect()
        };
        Tensor::from_vec(out, &self.out_shape)
    }

    /// The gradient of the input, lane by lane: `f(lane values, lane output, lane upstream
    /// gradient, lane gradient to write)` for each lane.
    pub fn backward_lanes(
        &self,
        x: &Tensor,
        y: &Tensor,
        g: &Tensor,
        f: impl Fn(&[f32], f32, f32, &mut [f32]),
    ) -> Tensor {
        let data = self.lanes(x);
        let mut dx = vec![0.0f32; data.len()];
        if self.n > 0 {
            for (l, (xs, d)) in data
                .chunks_exact(self.n)
                .zip(dx.chunks_exact_mut(self.n))
                .enumerate()
            {
                f(xs, y.as_slice()[l], g.as_slice()[l], d);
            }
        }
        self.unlanes(dx)
    }

    /// `g` (of the output's shape) broadcast back over the reduced axes.
    pub fn expand(&self, g: &Tensor) -> Tensor {
        g.reshape(&self.kept_shape).expand_to(&self.shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_and_back_are_inverse() {
        let x = Tensor::from_vec((0..24).map(|i| i as f32).collect(), &[2, 3, 4]);
        for axes in [vec![1], vec![0, 2], vec![-1], vec![], vec![0]] {
            let r = Reduce::new(x.shape(), &axes, false, "test");
            assert_eq!(r.lanes * r.n, 24);
            let lanes = r.lanes(&x).into_owned();
            assert_eq!(r.unlanes(lanes), x, "{axes:?}");
        }
        let r = Reduce::new(&[2, 3, 4], &[0, 2], true, "test");
        assert_eq!((r.lanes, r.n), (3, 8));
        assert_eq!(r.out_shape, vec![1, 3, 1]);
        // Lane 1 holds x[:, 1, :]: 4..8 and 16..20.
        let lanes = r.lanes(&x);
        assert_eq!(&lanes[8..16], &[4., 5., 6., 7., 16., 17., 18., 19.]);
    }
}
