//! matmul: `C = A B` for 2-D `[m, k] @ [k, n]`, batched 3-D `[b, m, k] @ [b, k, n]`, and
//! `[b, m, k] @ [k, n]` (the right operand shared by every batch).
//! `dA = dC B^T`, `dB = A^T dC` (summed over batches when `B` is shared). The transposes are
//! strided views handed to GEMM, never copies.

use crate::gemm::gemm;
use crate::{Tensor, Var};
use ndarray::{Array2, Array3, ArrayView2, Axis, Ix2, Ix3};

fn view2(t: &Tensor) -> ArrayView2<'_, f32> {
    t.view().into_dimensionality::<Ix2>().expect("2-D")
}

use crate::gemm::product as mm;

fn check_shapes(a: &[usize], b: &[usize]) {
    let ok = match (a.len(), b.len()) {
        (2, 2) => a[1] == b[0],
        (3, 3) => a[0] == b[0] && a[2] == b[1],
        (3, 2) => a[2] == b[0],
        _ => false,
    };
    assert!(ok, "matmul: shapes {a:?} and {b:?} do not multiply");
}

impl Tensor {
    /// Matrix product: 2-D, batched 3-D, or 3-D by a shared 2-D right operand.
    /// Panics naming both shapes when they do not multiply.
    pub fn matmul(&self, other: &Tensor) -> Tensor {
        check_shapes(self.shape(), other.shape());
        match (self.ndim(), other.ndim()) {
            (2, 2) => Tensor::from_array(mm(view2(self), view2(other)).into_dyn()),
            (3, 2) => {
                // [b, m, k] @ [k, n] is one [b*m, k] @ [k, n] product.
                let s = self.shape();
                let (b, m, k) = (s[0], s[1], s[2]);
                let a2 = self.reshape(&[b * m, k]);
                mm(view2(&a2), view2(other))
                    .into_shape_with_order((b, m, other.shape()[1]))
                    .map(|c| Tensor::from_array(c.into_dyn()))
                    .expect("row-major reshape")
            }
            _ => {
                let a = self.view().into_dimensionality::<Ix3>().expect("3-D");
                let bm = other.view().into_dimensionality::<Ix3>().expect("3-D");
                let (nb, m, _) = a.dim();
                let n = bm.dim().2;
                let mut c = Array3::zeros((nb, m, n));
                for i in 0..nb {
                    gemm(
                        a.index_axis(Axis(0), i),
                        bm.index_axis(Axis(0), i),
                        0.0,
                        c.index_axis_mut(Axis(0), i),
                    );
                }
                Tensor::from_array(c.into_dyn())
            }
        }
    }
}

/// Gradients of `a @ b` for upstream `g`.
fn backward(a: &Tensor, b: &Tensor, g: &Tensor, needs: crate::Needs<'_>) -> [Option<Tensor>; 2] {
    match (a.ndim(), b.ndim()) {
        (2, 2) => {
            let (av, bv, gv) = (view2(a), view2(b), view2(g));
            [
                needs[0].then(|| Tensor::from_array(mm(gv, bv.t()).into_dyn())),
                needs[1].then(|| Tensor::from_array(mm(av.t(), gv).into_dyn())),
            ]
        }
        (3, 2) => {
            let s = a.shape();
            let (nb, m, k) = (s[0], s[1], s[2]);
            let n = b.shape()[1];
            let a2 = a.reshape(&[nb * m, k]);
            let g2 = g.reshape(&[nb * m, n]);
            [
                needs[0].then(|| {
                    Tensor::from_array(mm(view2(&g2), view2(b).t()).into_dyn()).reshape(&[nb, m, k])
                }),
                needs[1].then(|| Tensor::from_array(mm(view2(&a2).t(), view2(&g2)).into_dyn())),
            ]
        }
        _ => {
            let av = a.view().into_dimensionality::<Ix3>().expect("3-D");
            let bv = b.view().into_dimensionality::<Ix3>().expect("3-D");
            let gv = g.view().into_dimensionality::<Ix3>().expect("3-D");
            let batched = |f: &dyn Fn(usize) -> Array2<f32>, shape: (usize, usize, usize)| {
                let mut out = Array3::zeros(shape);
                for i in 0..shape.0 {
                    out.index_axis_mut(Axis(0), i).assign(&f(i));
                }
                Tensor::from_array(out.into_dyn())
            };
            [
                needs[0].then(|| {
                    batched(
                        &|i| mm(gv.index_axis(Axis(0), i), bv.index_axis(Axis(0), i).t()),
                        av.dim(),
                    )
                }),
                needs[1].then(|| {
                    batched(
                        &|i| mm(av.index_axis(Axis(0), i).t(), gv.index_axis(Axis(0), i)),
                        bv.dim(),
                    )
                }),
            ]
        }
    }
}

impl Var {
    /// Matrix product (see [`Tensor::matmul`] for the accepted shapes).
    pub fn matmul(&self, other: &Var) -> Var {
        let value = self.value().matmul(other.value());
        let (a, b) = (self.value().clone(), other.value().clone());
        Var::from_op(&[self, other], value, move |g, needs| {
            backward(&a, &b, g, needs)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::Tensor;

    #[test]
    fn matches_pytorch() {
        for case in ["matmul", "matmul_vec_like", "matmul_tall", "matmul_batched"] {
            check_reference(case, |v| v[0].matmul(&v[1]));
        }
    }

    #[test]
    fn gradcheck_2d_3d_and_shared() {
        assert_gradcheck(|v| v[0].matmul(&v[1]), &inputs("matmul"));
        assert_gradcheck(|v| v[0].matmul(&v[1]), &inputs("matmul_batched"));
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(3);
        let a = Tensor::randn(&[2, 3, 4], 0.0, 1.0, &mut rng);
        let b = Tensor::randn(&[4, 5], 0.0, 1.0, &mut rng);
        assert_gradcheck(|v| v[0].matmul(&v[1]), &[a, b]);
    }

    #[test]
    fn shared_right_operand_equals_batched() {
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(4);
        let a = Tensor::randn(&[3, 2, 4], 0.0, 1.0, &mut rng);
        let b = Tensor::randn(&[4, 5], 0.0, 1.0, &mut rng);
        let b3 = b.expand_to(&[3, 4, 5]);
        assert!(a.matmul(&b).max_abs_diff(&a.matmul(&b3)) < 1e-6);
    }

    #[test]
    #[should_panic(expected = "matmul: shapes [2, 3] and [4, 5] do not multiply")]
    fn mismatch_names_both_shapes() {
        Tensor::zeros(&[2, 3]).matmul(&Tensor::zeros(&[4, 5]));
    }
}
