//! stack: tensors of one shape joined along a new axis, `y = stack([x_0, ..., x_{m-1}], dim)`
//! with `y[.., t, ..] = x_t`. Composed as `cat` of the inputs unsqueezed at `dim`, so it needs
//! no rule of its own; the gradient of `x_t` is `dy[.., t, ..]`.
//!
//! As PyTorch: every input has the same shape (panics naming both otherwise); `dim` ranges
//! over `-ndim - 1 ..= ndim`.

use crate::axis::normalize_axis;
use crate::{Tensor, Var};

#[track_caller]
fn check(shapes: &[&[usize]], dim: isize) -> isize {
    let Some(first) = shapes.first() else {
        panic!("stack: expects a non-empty list of tensors");
    };
    for (t, s) in shapes.iter().enumerate() {
        if s != first {
            panic!("stack: tensor {t} has shape {s:?}, tensor 0 has {first:?}; all must be equal");
        }
    }
    normalize_axis(dim, first.len() + 1, "stack") as isize
}

impl Tensor {
    /// `tensors` (all of one shape) joined along a new axis `dim`.
    #[track_caller]
    pub fn stack(tensors: &[&Tensor], dim: isize) -> Tensor {
        let shapes: Vec<&[usize]> = tensors.iter().map(|t| t.shape()).collect();
        let ax = check(&shapes, dim);
        let parts: Vec<Tensor> = tensors.iter().map(|t| t.unsqueeze(ax)).collect();
        Tensor::cat(&parts.iter().collect::<Vec<_>>(), ax)
    }
}

impl Var {
    /// `vars` (all of one shape) joined along a new axis `dim`.
    #[track_caller]
    pub fn stack(vars: &[&Var], dim: isize) -> Var {
        let shapes: Vec<&[usize]> = vars.iter().map(|v| v.shape()).collect();
        let ax = check(&shapes, dim);
        let parts: Vec<Var> = vars.iter().map(|v| v.unsqueeze(ax)).collect();
        Var::cat(&parts.iter().collect::<Vec<_>>(), ax)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor, Var};

    #[test]
    fn matches_pytorch() {
        check_cases("stack");
    }

    #[test]
    fn gradcheck() {
        let mut rng = rng_from_seed(10);
        let xs = [
            Tensor::randn(&[2, 3], 0.0, 1.0, &mut rng),
            Tensor::randn(&[2, 3], 0.0, 1.0, &mut rng),
        ];
        assert_gradcheck(|v| Var::stack(&[&v[0], &v[1]], -1), &xs);
        assert_gradcheck(|v| Var::stack(&[&v[1], &v[0], &v[1]], 0), &xs);
    }

    #[test]
    fn new_axis_anywhere() {
        let a = Tensor::from_vec(vec![1.0, 2.0], &[2]);
        let b = Tensor::from_vec(vec![3.0, 4.0], &[2]);
        assert_eq!(
            Tensor::stack(&[&a, &b], 0).to_vec(),
            vec![1.0, 2.0, 3.0, 4.0]
        );
        let y = Tensor::stack(&[&a, &b], 1);
        assert_eq!(y.shape(), &[2, 2]);
        assert_eq!(y.to_vec(), vec![1.0, 3.0, 2.0, 4.0]);
    }

    #[test]
    #[should_panic(expected = "stack: tensor 1 has shape [3], tensor 0 has [2]; all must be equal")]
    fn mismatch() {
        Tensor::stack(&[&Tensor::zeros(&[2]), &Tensor::zeros(&[3])], 0);
    }
}
