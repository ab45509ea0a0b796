//! permute: `y = x.permute(dims)`, `y[i_0, ..., i_{n-1}] = x[j]` with `j[dims[k]] = i_k`; the
//! gradient is the upstream gradient permuted back by the inverse permutation. The result is
//! materialised in row-major order (the `Tensor` invariant), one copy; an identity
//! permutation shares the buffer.

use crate::axis::normalize_axis;
use crate::{Tensor, Var};

/// Resolves `dims` into a permutation of `0..ndim`; panics naming `op` otherwise.
#[track_caller]
pub(crate) fn permutation(dims: &[isize], ndim: usize, op: &str) -> Vec<usize> {
    if dims.len() != ndim {
        panic!(
            "{op}: {dims:?} has {} dims, the tensor has {ndim}",
            dims.len()
        );
    }
    let mut seen = vec![false; ndim];
    let mut out = Vec::with_capacity(ndim);
    for &d in dims {
        let a = normalize_axis(d, ndim, op);
        if seen[a] {
            panic!("{op}: axis {a} appears more than once in {dims:?}");
        }
        seen[a] = true;
        out.push(a);
    }
    out
}

/// The inverse of a permutation.
#[track_caller]
pub(crate) fn inverse(p: &[usize]) -> Vec<usize> {
    let mut inv = vec![0; p.len()];
    for (i, &a) in p.iter().enumerate() {
        inv[a] = i;
    }
    inv
}

impl Tensor {
    /// Permutes the axes by a resolved permutation (`perm[k]` is the input axis that becomes
    /// axis k), copying into row-major order unless it is the identity.
    pub(crate) fn permute_axes(&self, perm: &[usize]) -> Tensor {
        if perm.iter().enumerate().all(|(i, &p)| i == p) {
            return self.clone();
        }
        let v = self.view().permuted_axes(ndarray::IxDyn(perm));
        Tensor::from_array(v.as_standard_layout().into_owned())
    }

    /// The axes reordered: axis k of the result is axis `dims[k]` of `self` (negative counts
    /// from the end). Panics unless `dims` is a permutation of the axes.
    #[track_caller]
    pub fn permute(&self, dims: &[isize]) -> Tensor {
        self.permute_axes(&permutation(dims, self.ndim(), "permute"))
    }
}

impl Var {
    /// The axes reordered (see [`Tensor::permute`]).
    #[track_caller]
    pub fn permute(&self, dims: &[isize]) -> Var {
        let p = permutation(dims, self.ndim(), "permute");
        let inv = inverse(&p);
        self.from_unary(self.value().permute_axes(&p), move |g| g.permute_axes(&inv))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("permute");
    }

    #[test]
    fn gradcheck() {
        let x = Tensor::randn(&[2, 3, 4], 0.0, 1.0, &mut rng_from_seed(1));
        assert_gradcheck(|v| v[0].permute(&[2, 0, 1]), std::slice::from_ref(&x));
        assert_gradcheck(|v| v[0].permute(&[-1, 1, 0]), &[x]);
    }

    #[test]
    fn moves_elements() {
        let x = Tensor::from_vec((0..6).map(|i| i as f32).collect(), &[1, 2, 3]);
        let y = x.permute(&[2, 0, 1]);
        assert_eq!(y.shape(), &[3, 1, 2]);
        assert_eq!(y.to_vec(), vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
        assert_eq!(y.permute(&[1, 2, 0]), x);
    }

    #[test]
    #[should_panic(expected = "permute: axis 0 appears more than once in [0, -2]")]
    fn not_a_permutation() {
        Tensor::zeros(&[2, 3]).permute(&[0, -2]);
    }

    #[test]
    #[should_panic(expected = "permute: [0] has 1 dims, the tensor has 2")]
    fn wrong_length() {
        Tensor::zeros(&[2, 3]).permute(&[0]);
    }
}
