//! l1_loss: `L = mean(|x - y|)`; `dL/dx = sign(x - y) / n` (0 where `x == y`, as PyTorch),
//! `dL/dy = -dL/dx`. Composed from `sub`, `abs` and `mean`, so it needs no backward rule.

use crate::Var;

impl Var {
    /// Mean absolute error between `self` (prediction) and `target`, same shape (mean
    /// reduction, as PyTorch's default). Panics naming both shapes if they differ.
    #[track_caller]
    pub fn l1_loss(&self, target: &Var) -> Var {
        if self.shape() != target.shape() {
            panic!(
                "l1_loss: prediction shape {:?} does not match target shape {:?}",
                self.shape(),
                target.shape()
            );
        }
        self.sub(target).abs().mean()
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("l1_loss", |v| v[0].l1_loss(&v[1]));
    }

    #[test]
    fn gradcheck_both_inputs() {
        assert_gradcheck(|v| v[0].l1_loss(&v[1]), &inputs("l1_loss"));
    }

    #[test]
    fn zero_residual_has_zero_gradient() {
        let t = Tape::new();
        let x = t.leaf(Tensor::from_vec(vec![1.0, 2.0], &[2]));
        let y = t.constant(Tensor::from_vec(vec![1.0, 0.0], &[2]));
        let g = x.l1_loss(&y).backward();
        assert_eq!(g.get(&x).unwrap().to_vec(), vec![0.0, 0.5]);
    }

    #[test]
    #[should_panic(expected = "l1_loss: prediction shape [2, 1] does not match target shape [2]")]
    fn shape_mismatch() {
        let t = Tape::new();
        t.leaf(Tensor::zeros(&[2, 1]))
            .l1_loss(&t.constant(Tensor::zeros(&[2])));
    }
}
