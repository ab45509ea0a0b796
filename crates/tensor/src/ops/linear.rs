//! linear: `y = x W^T + b`, PyTorch's `F.linear`, with `x` `[*, in]` (any leading axes, or
//! none: a 1-D `[in]` gives `[out]`), `W` `[out, in]` (PyTorch's layout) and `b` `[out]`.
//! `dx = dy W`, `dW = dy^T x`, `db = Σ_rows dy`, with `x` and `dy` seen as `[rows, in]` and
//! `[rows, out]` (free reshapes).
//!
//! One tape node with three inputs, built on `matmul_t` (`C = A B^T`; `dA = dC B`,
//! `dB = dC^T A`), whose transposes are strided views handed to GEMM: no copy of `W` per
//! step, and the bias added in the same pass over the output. `nn::Linear` calls this.

use crate::gemm::product;
use crate::{Tensor, Var};
use ndarray::ArrayView2;

fn mm(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>) -> Tensor {
    Tensor::from_array(product(a, b).into_dyn())
}

/// `(rows, in, out)` of `x W^T` for `x` `[*, in]` and `W` `[out, in]`, checked with `b`.
#[track_caller]
fn dims(x: &[usize], w: &[usize], b: Option<&[usize]>) -> (usize, usize, usize) {
    if w.len() != 2 || x.last() != Some(&w[1]) {
        panic!("linear: input of shape {x:?} does not fit weight of shape {w:?} (expected [*, {}] and [out, in])", w.get(1).copied().unwrap_or(0));
    }
    if let Some(b) = b {
        if b != [w[0]] {
            panic!("linear: bias shape {b:?} does not match weight shape {w:?}");
        }
    }
    (x[..x.len() - 1].iter().product(), w[1], w[0])
}

fn out_shape(x: &[usize], out: usize) -> Vec<usize> {
    let mut s = x.to_vec();
    *s.last_mut().expect("at least one axis") = out;
    s
}

/// `x W^T + b` as a tensor of shape `[*, out]`.
fn forward(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Tensor {
    let (rows, i, o) = dims(x.shape(), w.shape(), b.map(|b| b.shape()));
    let x2 = x.reshape(&[rows, i]);
    let mut y = mm(x2.view2d("linear"), w.view2d("linear").t());
    if let Some(b) = b {
        let bs = b.as_slice();
        if o > 0 {
            for row in y.as_slice_mut().chunks_exact_mut(o) {
                for (v, &bi) in row.iter_mut().zip(bs) {
                    *v += bi;
                }
            }
        }
    }
    y.reshape(&out_shape(x.shape(), o))
}

impl Tensor {
    /// `self @ other^T` for `self` [m, k] and `other` [n, k]. Panics naming both shapes if
    /// they do not fit.
    #[track_caller]
    pub fn matmul_t(&self, other: &Tensor) -> Tensor {
        let (a, b) = (self.view2d("matmul_t"), other.view2d("matmul_t"));
        if a.ncols() != b.ncols() {
            panic!(
                "matmul_t: shapes {:?} and {:?} do not multiply as A @ B^T",
                self.shape(),
                other.shape()
            );
        }
        mm(a, b.t())
    }

    /// `self @ weight^T + bias` for `self` `[*, in]` (PyTorch's `F.linear`).
    #[track_caller]
    pub fn linear(&self, weight: &Tensor, bias: Option<&Tensor>) -> Tensor {
        forward(self, weight, bias)
    }
}

impl Var {
    /// `self @ other^T` for `self` [m, k] and `other` [n, k].
    #[track_caller]
    pub fn matmul_t(&self, other: &Var) -> Var {
        let value = self.value().matmul_t(other.value());
        let (a, b) = (self.value().clone(), other.value().clone());
        Var::from_op(&[self, other], value, move |g, needs| {
            let gv = g.view2d("matmul_t");
            [
                needs[0].then(|| mm(gv, b.view2d("matmul_t"))),
                needs[1].then(|| mm(gv.t(), a.view2d("matmul_t"))),
            ]
        })
    }

    /// `self @ weight^T + bias` (PyTorch's `F.linear`): `self` `[*, in]`, `weight`
    /// `[out, in]`, `bias` `[out]`, result `[*, out]`; one tape node. Panics naming the shapes
    /// if they do not fit.
    #[track_caller]
    pub fn linear(&self, weight: &Var, bias: Option<&Var>) -> Var {
        let value = forward(self.value(), weight.value(), bias.map(|b| b.value()));
        let (rows, i, o) = dims(self.shape(), weight.shape(), None);
        let (x, w) = (self.value().clone(), weight.value().clone());
        let x_shape = self.shape().to_vec();
        let rule = move |g: &Tensor, needs: crate::Needs<'_>| {
            let g2 = g.reshape(&[rows, o]);
            let gv = g2.view2d("linear");
            [
                needs[0].then(|| mm(gv, w.view2d("linear")).reshape(&x_shape)),
                needs[1].then(|| mm(gv.t(), x.reshape(&[rows, i]).view2d("linear"))),
                needs[2].then(|| g2.sum_to(&[o])),
            ]
        };
        match bias {
            Some(b) => Var::from_op(&[self, weight, b], value, rule),
            None => Var::from_op(&[self, weight], value, rule),
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
        let wt = x[1].t();
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
        let gbt = g2.get(&bt).unwrap().t();
        assert!(g1.get(&b).unwrap().max_abs_diff(&gbt) < 1e-5);
    }

    #[test]
    fn matches_pytorch() {
        check_cases("linear");
    }

    #[test]
    fn gradcheck_with_bias_any_leading_axes() {
        let mut rng = rng_from_seed(11);
        let w = Tensor::randn(&[2, 3], 0.0, 1.0, &mut rng);
        let b = Tensor::randn(&[2], 0.0, 1.0, &mut rng);
        for xs in [vec![4, 3], vec![3], vec![2, 2, 3]] {
            let x = Tensor::randn(&xs, 0.0, 1.0, &mut rng);
            assert_gradcheck(
                |v| v[0].matmul_t(&v[1]).sum_axis(0, false),
                &[x.reshape(&[xs.iter().product::<usize>() / 3, 3]), w.clone()],
            );
            assert_gradcheck(
                |v| v[0].linear(&v[1], Some(&v[2])),
                &[x.clone(), w.clone(), b.clone()],
            );
            assert_gradcheck(|v| v[0].linear(&v[1], None), &[x, w.clone()]);
        }
        // Only the bias takes a gradient.
        let x = Tensor::randn(&[4, 3], 0.0, 1.0, &mut rng);
        let (xc, wc) = (x.clone(), w.clone());
        assert_gradcheck(
            move |v| {
                let t = v[0].tape();
                t.constant(xc.clone())
                    .linear(&t.constant(wc.clone()), Some(&v[0]))
            },
            &[b],
        );
    }

    #[test]
    #[should_panic(expected = "matmul_t: shapes [4, 3] and [2, 5] do not multiply as A @ B^T")]
    fn mismatch() {
        Tensor::zeros(&[4, 3]).matmul_t(&Tensor::zeros(&[2, 5]));
    }

    #[test]
    #[should_panic(expected = "linear: bias shape [3] does not match weight shape [2, 3]")]
    fn bias_mismatch() {
        Tensor::zeros(&[4, 3]).linear(&Tensor::zeros(&[2, 3]), Some(&Tensor::zeros(&[3])));
    }
}
