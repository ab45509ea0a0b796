//! The differentiable ops: one file per op, each holding the forward on `Tensor`, the method
//! on `Var` that records the backward rule (through [`Var::from_op`](crate::Var::from_op)),
//! a doc comment with the formula and its derivative, and the op's tests (a finite-difference
//! gradient check and PyTorch reference values from `tests/fixtures/reference/ops.json`).

/// Implements a std operator (`&a + &b`) for `&Var` and `&Tensor` by forwarding to the
/// inherent method of the same name. Only reference forms are provided, so `a.add(&b)` always
/// means the inherent method.
macro_rules! binary_operator {
    ($trait:ident, $method:ident) => {
        impl std::ops::$trait<&crate::Var> for &crate::Var {
            type Output = crate::Var;
            fn $method(self, rhs: &crate::Var) -> crate::Var {
                crate::Var::$method(self, rhs)
            }
        }
        impl std::ops::$trait<&crate::Tensor> for &crate::Tensor {
            type Output = crate::Tensor;
            fn $method(self, rhs: &crate::Tensor) -> crate::Tensor {
                crate::Tensor::$method(self, rhs)
            }
        }
    };
}
pub(crate) use binary_operator;

mod abs;
mod add;
mod add_scalar;
mod bce_with_logits;
mod cross_entropy;
mod div;
mod exp;
mod gelu;
mod l1_loss;
mod lanes;
mod leaky_relu;
mod linear;
mod log;
mod log_softmax;
mod matmul;
mod max;
mod mean;
mod mse_loss;
mod mul;
mod mul_scalar;
mod neg;
mod powf;
mod relu;
mod reshape;
mod sigmoid;
mod softmax;
mod softplus;
mod sqrt;
mod square;
mod sub;
mod sum;
mod tanh;
mod transpose;

#[cfg(test)]
pub(crate) mod testing;
