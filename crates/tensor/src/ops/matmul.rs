//! matmul with PyTorch's full semantics (`torch.matmul`): `C = A B` over the last two axes,
//! every leading (batch) axis broadcast.
//! - a 1-D left operand `[k]` is a row `[1, k]` and a 1-D right operand `[k]` a column
//!   `[k, 1]`, and that axis is removed from the result (`[k] @ [k]` is a scalar);
//! - `[..., m, k] @ [..., k, n]` gives `[batch, m, n]`, `batch` the numpy broadcast of the
//!   two batch shapes.
//!
//! `dA = dC B^T`, `dB = A^T dC`, each summed over the batch axes its operand was broadcast
//! along. The transposes are strided views handed to GEMM, never copies; a broadcast operand
//! is never copied either (each product reads its matrix in place, each gradient product
//! accumulates into its matrix). When the right operand has no batch axes (the common
//! `[..., m, k] @ [k, n]`, or a 2-D product) the whole product is one GEMM of
//! `[batch·m, k] @ [k, n]`, and `dB` one GEMM too.

use crate::broadcast::{broadcast_shapes, for_each_broadcast};
use crate::gemm::{gemm, product as mm};
use crate::{Tensor, Var};
use ndarray::{Array3, ArrayView2, ArrayView3, Axis, Ix2};

/// How a product of two shapes runs.
struct Plan {
    a_shape: Vec<usize>,
    b_shape: Vec<usize>,
    m: usize,
    k: usize,
    n: usize,
    /// `[batch, m, n]` before removing the axes of 1-D operands.
    full: Vec<usize>,
    /// The result's shape.
    out: Vec<usize>,
    /// Per result matrix, the indices of its left and right matrices (empty when the right
    /// operand has no batch axes).
    pairs: Vec<(usize, usize)>,
}

/// The batch axes of an operand (none for 1-D and 2-D).
fn batch_of(s: &[usize]) -> &[usize] {
    &s[..s.len().saturating_sub(2)]
}

impl Plan {
    #[track_caller]
    fn new(a: &[usize], b: &[usize]) -> Plan {
        if a.is_empty() || b.is_empty() {
            panic!("matmul: both operands need at least one dimension, got shapes {a:?} and {b:?}");
        }
        // A 1-D left operand is a row [1, k], a 1-D right one a column [k, 1].
        let (m, ka) = if a.len() == 1 {
            (1, a[0])
        } else {
            (a[a.len() - 2], a[a.len() - 1])
        };
        let (kb, n) = if b.len() == 1 {
            (b[0], 1)
        } else {
            (b[b.len() - 2], b[b.len() - 1])
        };
        let (a_batch, b_batch) = (batch_of(a), batch_of(b));
        let batch = if b_batch.is_empty() {
            Some(a_batch.to_vec())
        } else {
            broadcast_shapes(a_batch, b_batch)
        };
        let (Some(batch), true) = (batch, ka == kb) else {
            panic!("matmul: shapes {a:?} and {b:?} do not multiply");
        };
        let mut full = batch.clone();
        full.extend([m, n]);
        let mut out = batch;
        if a.len() > 1 {
            out.push(m);
        }
        if b.len() > 1 {
            out.push(n);
        }
        let mut pairs = Vec::new();
        if !b_batch.is_empty() {
            let batch = &full[..full.len() - 2];
            for_each_broadcast(batch, [a_batch, b_batch], |[i, j]| pairs.push((i, j)));
        }
        Plan {
            a_shape: a.to_vec(),
            b_shape: b.to_vec(),
            m,
            k: ka,
            n,
            full,
            out,
            pairs,
        }
    }

    /// The right operand has no batch axes: one GEMM over all the left rows.
    fn flat(&self) -> bool {
        batch_of(&self.b_shape).is_empty()
    }

    /// Rows of the left operand seen as `[rows, k]`.
    fn rows(&self) -> usize {
        batch_of(&self.a_shape).iter().product::<usize>() * self.m
    }

    fn a3<'a>(&self, a: &'a Tensor) -> ArrayView3<'a, f32> {
        let ba = batch_of(&self.a_shape).iter().product();
        view3(a, [ba, self.m, self.k])
    }

    fn b3<'a>(&self, b: &'a Tensor) -> ArrayView3<'a, f32> {
        let bb = batch_of(&self.b_shape).iter().product();
        view3(b, [bb, self.k, self.n])
    }
}

fn view3(t: &Tensor, s: [usize; 3]) -> ArrayView3<'_, f32> {
    ArrayView3::from_shape(s, t.as_slice()).expect("row-major buffer of that size")
}

fn view2(t: &Tensor, r: usize, c: usize) -> ArrayView2<'_, f32> {
    ArrayView2::from_shape((r, c), t.as_slice()).expect("row-major buffer of that size")
}

fn tensor2(a: ndarray::Array2<f32>, shape: &[usize]) -> Tensor {
    Tensor::from_array(a.into_dyn()).reshape(shape)
}

fn forward(p: &Plan, a: &Tensor, b: &Tensor) -> Tensor {
    if p.flat() {
        let rows = p.rows();
        return tensor2(mm(view2(a, rows, p.k), view2(b, p.k, p.n)), &p.out);
    }
    let (a3, b3) = (p.a3(a), p.b3(b));
    let mut c = Array3::zeros((p.pairs.len(), p.m, p.n));
    for (e, &(i, j)) in p.pairs.iter().enumerate() {
        gemm(
            a3.index_axis(Axis(0), i),
            b3.index_axis(Axis(0), j),
            0.0,
            c.index_axis_mut(Axis(0), e),
        );
    }
    Tensor::from_array(c.into_dyn()).reshape(&p.out)
}

fn backward(
    p: &Plan,
    a: &Tensor,
    b: &Tensor,
    g: &Tensor,
    needs: crate::Needs<'_>,
) -> [Option<Tensor>; 2] {
    let g = g.reshape(&p.full);
    let rows = p.rows();
    if p.flat() {
        let g2 = view2(&g, rows, p.n);
        return [
            needs[0].then(|| tensor2(mm(g2, view2(b, p.k, p.n).t()), &p.a_shape)),
            needs[1].then(|| tensor2(mm(view2(a, rows, p.k).t(), g2), &p.b_shape)),
        ];
    }
    let g3 = view3(&g, [p.pairs.len(), p.m, p.n]);
    let (a3, b3) = (p.a3(a), p.b3(b));
    [
        needs[0].then(|| {
            let mut d = Array3::zeros(a3.dim());
            for (e, &(i, j)) in p.pairs.iter().enumerate() {
                let bt = b3.index_axis(Axis(0), j).reversed_axes();
                gemm(
                    g3.index_axis(Axis(0), e),
                    bt,
                    1.0,
                    d.index_axis_mut(Axis(0), i),
                );
            }
            Tensor::from_array(d.into_dyn()).reshape(&p.a_shape)
        }),
        needs[1].then(|| {
            let mut d = Array3::zeros(b3.dim());
            for (e, &(i, j)) in p.pairs.iter().enumerate() {
                let at = a3.index_axis(Axis(0), i).reversed_axes();
                gemm(
                    at,
                    g3.index_axis(Axis(0), e),
                    1.0,
                    d.index_axis_mut(Axis(0), j),
                );
            }
            Tensor::from_array(d.into_dyn()).reshape(&p.b_shape)
        }),
    ]
}

impl Tensor {
    /// Matrix product with PyTorch's `matmul` semantics (see the module notes). Panics naming
    /// both shapes when they do not multiply.
    #[track_caller]
    pub fn matmul(&self, other: &Tensor) -> Tensor {
        forward(&Plan::new(self.shape(), other.shape()), self, other)
    }

    /// `self` as a 2-D view (for GEMM helpers); panics naming `op` otherwise.
    #[track_caller]
    pub(crate) fn view2d(&self, op: &str) -> ArrayView2<'_, f32> {
        match self.view().into_dimensionality::<Ix2>() {
            Ok(v) => v,
            Err(_) => panic!("{op}: expected a 2-D tensor, got shape {:?}", self.shape()),
        }
    }
}

impl Var {
    /// Matrix product with PyTorch's `matmul` semantics (see [`Tensor::matmul`]).
    #[track_caller]
    pub fn matmul(&self, other: &Var) -> Var {
        let plan = Plan::new(self.shape(), other.shape());
        let value = forward(&plan, self.value(), other.value());
        let (a, b) = (self.value().clone(), other.value().clone());
        Var::from_op(&[self, other], value, move |g, needs| {
            backward(&plan, &a, &b, g, needs)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn matches_pytorch() {
        for case in ["matmul", "matmul_vec_like", "matmul_tall", "matmul_batched"] {
            check_reference(case, |v| v[0].matmul(&v[1]));
        }
        check_cases("matmul");
    }

    #[test]
    fn gradcheck_every_form() {
        let mut rng = rng_from_seed(3);
        let mut t = |s: &[usize]| Tensor::randn(s, 0.0, 1.0, &mut rng);
        for (a, b) in [
            (vec![3, 4], vec![4, 5]),
            (vec![2, 3, 4], vec![4, 5]),
            (vec![2, 3, 4], vec![2, 4, 5]),
            (vec![4], vec![4]),
            (vec![4], vec![2, 4, 3]),
            (vec![2, 3, 4], vec![4]),
            (vec![2, 1, 3, 4], vec![3, 4, 2]),
            (vec![3, 4], vec![2, 4, 2]),
        ] {
            let (x, y) = (t(&a), t(&b));
            assert_gradcheck(|v| v[0].matmul(&v[1]), &[x, y]);
        }
    }

    #[test]
    fn shapes_as_pytorch() {
        let s =
            |a: &[usize], b: &[usize]| Tensor::zeros(a).matmul(&Tensor::zeros(b)).shape().to_vec();
        assert_eq!(s(&[3], &[3]), Vec::<usize>::new());
        assert_eq!(s(&[2, 1, 3, 4], &[5, 4, 2]), vec![2, 5, 3, 2]);
        assert_eq!(s(&[3], &[2, 3, 4]), vec![2, 4]);
        assert_eq!(s(&[2, 3, 4], &[4]), vec![2, 3]);
        assert_eq!(s(&[0, 3], &[3, 2]), vec![0, 2]);
        assert_eq!(s(&[2, 0], &[0, 2]), vec![2, 2]);
    }

    #[test]
    fn broadcast_batch_equals_expanded() {
        let mut rng = rng_from_seed(4);
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
