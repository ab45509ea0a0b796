//! mse_loss: `L = mean((x - y)^2)`; `dL/dx = 2 (x - y) / n`, `dL/dy = -dL/dx`.
//! Composed from `sub`, `square` and `mean`, so it needs no backward rule of its own.

use crate::Var;

impl Var {
    /// Mean squared error between `self` (prediction) and `target`, same shape (mean
    /// reduction, as PyTorch's default). Panics naming both shapes if they differ.
    #[track_caller]
    pub fn mse_loss(&self, target: &Var) -> Var {
        if self.shape() != target.shape() {
            panic!(
                "mse_loss: prediction shape {:?} does not match target shape {:?}",
                self.shape(),
                target.shape()
            );
        }
        self.sub(target).square().mean()
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_reference("mse_loss", |v| v[0].mse_loss(&v[1]));
        check_reference("mse_loss_2d", |v| v[0].mse_loss(&v[1]));
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].mse_loss(&v[1]), &inputs("mse_loss_2d"));
    }

    #[test]
    #[should_panic(expected = "mse_loss: prediction shape [2, 1] does not match target shape [2]")]
    fn shape_mismatch() {
        let t = crate::Tape::new();
        let a = t.leaf(crate::Tensor::zeros(&[2, 1]));
        let b = t.constant(crate::Tensor::zeros(&[2]));
        a.mse_loss(&b);
    }
}
