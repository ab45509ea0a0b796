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
mod argmax;
mod bce_with_logits;
mod cat;
mod clamp;
mod compare;
mod cos;
mod cross_entropy;
mod cumsum;
mod div;
mod embedding;
mod erf;
mod exp;
mod expand;
mod expm1;
mod flatten;
mod gather;
mod gelu;
mod index_select;
mod l1_loss;
mod lanes;
mod leaky_relu;
mod linear;
mod log;
mod log1p;
mod log_softmax;
mod logsumexp;
mod masked_fill;
mod matmul;
mod max;
mod maximum;
mod mean;
mod min;
mod minimum;
mod mse_loss;
mod mul;
mod mul_scalar;
mod neg;
mod norm;
mod permute;
mod pow;
mod powf;
mod prod;
mod reduce;
mod relu;
mod reshape;
mod scatter_add;
mod sigmoid;
mod sign;
mod sin;
mod slice;
mod softmax;
mod softplus;
mod split;
mod sqrt;
mod square;
mod squeeze;
mod stack;
mod sub;
mod sum;
mod tanh;
mod transpose;
mod var;
mod where_cond;

pub use gelu::GeluApproximate;

#[cfg(test)]
pub(crate) mod testing;
