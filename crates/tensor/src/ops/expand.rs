//! expand / broadcast_to: `x` repeated along axes of length 1 and new leading axes, to a
//! broadcast shape (numpy rules). The gradient sums the upstream gradient back over the
//! repeated axes (`sum_to`). PyTorch returns a view; tapegrad copies (the `Tensor`
//! invariant: row-major storage), so the result is an independent tensor.
//!
//! `expand(sizes)` takes PyTorch's arguments: `-1` keeps an existing axis's length (not
//! allowed for a new leading axis); `broadcast_to(shape)` takes the target shape.

use crate::broadcast::broadcast_shapes;
use crate::{Tensor, Var};

#[track_caller]
fn expanded(shape: &[usize], sizes: &[isize]) -> Vec<usize> {
    if sizes.len() < shape.len() {
        panic!(
            "expand: the number of sizes ({}) must be at least the number of dimensions ({}) of shape {shape:?}",
            sizes.len(),
            shape.len()
        );
    }
    let lead = sizes.len() - shape.len();
    let mut out = Vec::with_capacity(sizes.len());
    for (i, &s) in sizes.iter().enumerate() {
        let d = match s {
            -1 if i >= lead => shape[i - lead],
            -1 => panic!("expand: -1 is not allowed for the new leading axis {i} ({sizes:?})"),
            s if s < 0 => panic!("expand: size {s} is negative ({sizes:?})"),
            s => s as usize,
        };
        out.push(d);
    }
    check(shape, &out, "expand");
    out
}

#[track_caller]
fn check(shape: &[usize], target: &[usize], op: &str) {
    if target.len() < shape.len() || broadcast_shapes(shape, target).as_deref() != Some(target) {
        panic!("{op}: shape {shape:?} cannot be broadcast to {target:?}");
    }
}

impl Tensor {
    /// Repeated to `sizes` (`-1` keeps an axis); see the module notes.
    #[track_caller]
    pub fn expand(&self, sizes: &[isize]) -> Tensor {
        self.expand_to(&expanded(self.shape(), sizes))
    }

    /// Repeated to the broadcast shape `shape`. Panics if `self` does not broadcast to it.
    #[track_caller]
    pub fn broadcast_to(&self, shape: &[usize]) -> Tensor {
        check(self.shape(), shape, "broadcast_to");
        self.expand_to(shape)
    }
}

impl Var {
    /// Repeated to `sizes` (`-1` keeps an axis); the gradient sums back.
    #[track_caller]
    pub fn expand(&self, sizes: &[isize]) -> Var {
        let shape = expanded(self.shape(), sizes);
        self.broadcast_to(&shape)
    }

    /// Repeated to the broadcast shape `shape`; the gradient sums back.
    #[track_caller]
    pub fn broadcast_to(&self, shape: &[usize]) -> Var {
        let value = self.value().broadcast_to(shape);
        let back = self.shape().to_vec();
        self.from_unary(value, move |g| g.sum_to(&back))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("expand");
        check_cases("broadcast_to");
    }

    #[test]
    fn shapes_and_values() {
        let x = Tensor::from_vec(vec![1.0, 2.0], &[2, 1]);
        let y = x.expand(&[3, -1, 4]);
        assert_eq!(y.shape(), &[3, 2, 4]);
        assert_eq!(&y.to_vec()[..8], &[1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]);
        assert_eq!(x.broadcast_to(&[2, 0]).shape(), &[2, 0]);
    }

    #[test]
    fn gradcheck() {
        let x = Tensor::randn(&[3, 1], 0.0, 1.0, &mut rng_from_seed(6));
        assert_gradcheck(|v| v[0].expand(&[2, -1, 4]), std::slice::from_ref(&x));
        assert_gradcheck(|v| v[0].broadcast_to(&[3, 5]), &[x]);
    }

    #[test]
    #[should_panic(expected = "broadcast_to: shape [3, 2] cannot be broadcast to [3, 4]")]
    fn mismatch() {
        Tensor::zeros(&[3, 2]).broadcast_to(&[3, 4]);
    }

    #[test]
    #[should_panic(expected = "expand: -1 is not allowed for the new leading axis 0")]
    fn minus_one_on_new_axis() {
        Tensor::zeros(&[3]).expand(&[-1, 3]);
    }
}
