//! linear: `y = x W^T + b`, PyTorch's `F.linear`, with `x` [n, in], `W` [out, in] (PyTorch's
//! layout) and `b` [out].
//!
//! Built on `matmul_t` (`C = A B^T`; `dA = dC B`, `dB = dC^T A`), whose transposes are strided
//! views handed to GEMM: no copy of `W` per step, and one tape node instead of three. The
//! bias is an ordinary broadcast `add`.

use crate::gemm::product;
use crate::{Tensor, Var};
use ndarray::{ArrayView2, Ix2};

fn view2<'a>(t: &'a Tensor, op: &str) -> ArrayView2<'a, f32> {
    t.view()
        .into_dimensionality::<Ix2>()
        .unwrap_or_else(|_| panic!("{op}: expected a 2-D tensor, got shape {:?}", t.shape()))
}

fn mm(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>) -> Tensor {
    Tensor::from_array(product(a, b).into_dyn())
}

impl Tensor {
    /// `self @ other^T` for `self` [m, k] and `other` [n, k]. Panics naming both shapes if
    /// they do not fit.
    pub fn matmul_t(&self, other: &Tensor) -> Tensor {
        let (a, b) = (view2(self, "matmul_t"), view2(other, "matmul_t"));
        assert_eq!(
            a.ncols(),
            b.ncols(),
            "matmul_t: shapes {:?} and {:?} do not multiply as A @ B^T",
            self.shape(),
            other.shape()
        );
        mm(a, b.t())
    }

    /// `self @ weight^T + bias` (PyTorch's `F.linear`).
    pub fn linear(&self, weight: &Tensor, bias: Option<&Tensor>) -> Tensor {
        let y = self.matmul_t(weight);
        match bias {
            Some(b) => y.add(b),
            None => y,
        }
    }
}

impl Var {
    /// `self @ other^T` for `self` [m, k] and `other` [n, k].
    pub fn matmul_t(&self, other: &Var) -> Var {
        let value = self.value().matmul_t(other.value());
        let (a, b) = (self.value().clone(), other.value().clone());
        Var::from_op(&[self, other], value, move |g, needs| {
            let gv = view2(g, "matmul_t");
            [
                needs[0].then(|| mm(gv, view2(&b, "matmul_t"))),
                needs[1].then(|| mm(gv.t(), view2(&a, "matmul_t"))),
            ]
        })
    }

    /// `self @ weight^T + bias` (PyTorch's `F.linear`): `self` [n, in], `weight` [out, in],
    /// `bias` `[out]`. Panics naming the shapes if they do not fit.
    pub fn linear(&self, weight: &Var, bias: Option<&Var>) -> Var {
        let y = self.matmul_t(weight);
        match bias {
            Some(b) => {
                assert_eq!(
                    b.shape(),
                    &weight.shape()[..1],
                    "linear: bias shape {:?} does not match weight shape {:?}",
                    b.shape(),
                    weight.shape()
                );
                y.add(b)
            }
            None => y,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn equals_matmul_with_transposed_weight() {
        // Inputs of ops.json's "matmul" case, the right operand stored transposed (as a Linear
        // weight is): values and gradients must equal matmul's (itself checked against PyTorch).
        let x = inputs("matmul");
        let wt = Tensor::from_array(x[1].view().t().to_owned());
        let tape = crate::Tape::new();
        let (a, b, bt) = (
            tape.leaf(x[0].clone()),
            tape.leaf(x[1].clone()),
            tape.leaf(wt),
        );
        let (y1, y2) = (a.matmul(&b), a.matmul_t(&bt));
        assert!(y1.value().max_abs_diff(y2.value()) < 1e-5);
        let g = Tensor::randn(y1.shape(), 0.0, 1.0, &mut rng_from_seed(5));
        let (g1, g2) = (y1.backward_with(g.clone()), y2.backward_with(g));
        assert!(g1.get(&a).unwrap().max_abs_diff(g2.get(&a).unwrap()) < 1e-5);
        let gbt = Tensor::from_array(g2.get(&bt).unwrap().view().t().to_owned());
        assert!(g1.get(&b).unwrap().max_abs_diff(&gbt) < 1e-5);
    }

    #[test]
    fn gradcheck_with_bias() {
        let mut rng = rng_from_seed(11);
        let x = Tensor::randn(&[4, 3], 0.0, 1.0, &mut rng);
        let w = Tensor::randn(&[2, 3], 0.0, 1.0, &mut rng);
        let b = Tensor::randn(&[2], 0.0, 1.0, &mut rng);
        assert_gradcheck(|v| v[0].matmul_t(&v[1]), &[x.clone(), w.clone()]);
        let bt = b.clone();
        assert_gradcheck(
            move |v| {
                let b = v[0].tape().leaf(bt.clone());
                v[0].linear(&v[1], Some(&b))
            },
            &[x, w],
        );
    }

    #[test]
    #[should_panic(expected = "matmul_t: shapes [4, 3] and [2, 5] do not multiply as A @ B^T")]
    fn mismatch() {
        Tensor::zeros(&[4, 3]).matmul_t(&Tensor::zeros(&[2, 5]));
    }
}
