//! Comparisons: `gt`, `ge`, `lt`, `le`, `eq`, `ne` elementwise with broadcasting, returning a
//! [`BoolTensor`] mask (PyTorch's `>`, `>=`, `<`, `<=`, `==`, `!=`), and their `_scalar` forms.
//! A mask takes no gradient (use it with `masked_fill` or `where_cond`); on a `Var` they
//! compare the values.
//!
//! NaN as PyTorch (IEEE): every comparison with NaN is false except `ne`, which is true.

use crate::broadcast::{broadcast_shapes, for_each_broadcast};
use crate::{BoolTensor, Tensor, Var};

/// `f(a, b)` elementwise with broadcasting, naming `op` if the shapes do not broadcast.
#[track_caller]
fn compare(a: &Tensor, b: &Tensor, op: &str, f: impl Fn(f32, f32) -> bool) -> BoolTensor {
    let Some(shape) = broadcast_shapes(a.shape(), b.shape()) else {
        panic!(
            "{op}: shapes {:?} and {:?} do not broadcast",
            a.shape(),
            b.shape()
        );
    };
    let (av, bv) = (a.as_slice(), b.as_slice());
    let mut out = Vec::with_capacity(shape.iter().product());
    for_each_broadcast(&shape, [a.shape(), b.shape()], |[i, j]| {
        out.push(f(av[i], bv[j]))
    });
    BoolTensor::from_vec(out, &shape)
}

macro_rules! comparisons {
    ($($name:ident, $scalar:ident, $sym:literal, $f:expr;)*) => {
        impl Tensor {
            $(
                #[doc = concat!("`self ", $sym, " other` elementwise with broadcasting, as a mask.")]
                #[track_caller]
                #[allow(clippy::should_implement_trait)]
                pub fn $name(&self, other: &Tensor) -> BoolTensor {
                    compare(self, other, stringify!($name), $f)
                }

                #[doc = concat!("`self ", $sym, " c` elementwise, as a mask.")]
                #[track_caller]
                pub fn $scalar(&self, c: f32) -> BoolTensor {
                    let f = $f;
                    BoolTensor::from_vec(self.as_slice().iter().map(|&x| f(x, c)).collect(), self.shape())
                }
            )*
        }

        impl Var {
            $(
                #[doc = concat!("`self ", $sym, " other` on the values, as a mask (no gradient).")]
                #[track_caller]
                pub fn $name(&self, other: &Var) -> BoolTensor {
                    self.value().$name(other.value())
                }

                #[doc = concat!("`self ", $sym, " c` on the values, as a mask (no gradient).")]
                #[track_caller]
                pub fn $scalar(&self, c: f32) -> BoolTensor {
                    self.value().$scalar(c)
                }
            )*
        }
    };
}

comparisons! {
    gt, gt_scalar, ">", |a: f32, b: f32| a > b;
    ge, ge_scalar, ">=", |a: f32, b: f32| a >= b;
    lt, lt_scalar, "<", |a: f32, b: f32| a < b;
    le, le_scalar, "<=", |a: f32, b: f32| a <= b;
    eq, eq_scalar, "==", |a: f32, b: f32| a == b;
    ne, ne_scalar, "!=", |a: f32, b: f32| a != b;
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::Tensor;

    #[test]
    fn matches_pytorch() {
        for op in ["gt", "ge", "lt", "le", "eq", "ne"] {
            check_cases(op);
        }
    }

    #[test]
    fn nan_and_broadcast() {
        let a = Tensor::from_vec(vec![1.0, f32::NAN, 3.0], &[3]);
        let b = Tensor::from_vec(vec![1.0, 2.0], &[2, 1]);
        let m = a.ge(&b);
        assert_eq!(m.shape(), &[2, 3]);
        assert_eq!(m.to_vec(), vec![true, false, true, false, false, true]);
        assert_eq!(a.ne_scalar(f32::NAN).to_vec(), vec![true; 3]);
        assert_eq!(a.eq_scalar(3.0).to_vec(), vec![false, false, true]);
    }
}
