//! where_cond: `y = where(cond, a, b)` is `a` where `cond` is true and `b` elsewhere
//! (PyTorch's `torch.where(cond, a, b)`; `where` is a Rust keyword). `dy/da = cond`,
//! `dy/db = !cond`; all three broadcast together and each gradient is summed back to its
//! operand's shape.
//!
//! As PyTorch: the unselected operand gets gradient 0 there even when it is NaN or infinite
//! (a `where` guarding a division does not leak NaN into the value, though the gradient of
//! the guarded branch itself may still be NaN, as in PyTorch).

use crate::broadcast::{broadcast_shapes, for_each_broadcast};
use crate::{BoolTensor, Tensor, Var};

/// The selected values and the condition at the output's shape.
#[track_caller]
fn select(cond: &BoolTensor, a: &Tensor, b: &Tensor) -> (Tensor, Vec<bool>) {
    let shape =
        broadcast_shapes(cond.shape(), a.shape()).and_then(|s| broadcast_shapes(&s, b.shape()));
    let Some(shape) = shape else {
        panic!(
            "where_cond: shapes {:?} (cond), {:?} and {:?} do not broadcast",
            cond.shape(),
            a.shape(),
            b.shape()
        );
    };
    let n: usize = shape.iter().product();
    let (cs, av, bv) = (cond.as_slice(), a.as_slice(), b.as_slice());
    let (mut out, mut c) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for_each_broadcast(&shape, [cond.shape(), a.shape(), b.shape()], |[k, i, j]| {
        out.push(if cs[k] { av[i] } else { bv[j] });
        c.push(cs[k]);
    });
    (Tensor::from_vec(out, &shape), c)
}

impl Tensor {
    /// `a` where `cond` is true, `b` elsewhere (all three broadcast).
    #[track_caller]
    pub fn where_cond(cond: &BoolTensor, a: &Tensor, b: &Tensor) -> Tensor {
        select(cond, a, b).0
    }
}

impl Var {
    /// `a` where `cond` is true, `b` elsewhere; each gradient flows only where selected.
    #[track_caller]
    pub fn where_cond(cond: &BoolTensor, a: &Var, b: &Var) -> Var {
        let (y, c) = select(cond, a.value(), b.value());
        Var::from_broadcast(&[a, b], y, move |g, needs| {
            let part = |take: bool| {
                let d: Vec<f32> = g
                    .as_slice()
                    .iter()
                    .zip(&c)
                    .map(|(&g, &ci)| if ci == take { g } else { 0.0 })
                    .collect();
                Tensor::from_vec(d, g.shape())
            };
            [needs[0].then(|| part(true)), needs[1].then(|| part(false))]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{BoolTensor, Tape, Tensor, Var};

    #[test]
    fn matches_pytorch() {
        check_cases("where");
    }

    #[test]
    fn gradcheck_with_broadcast() {
        let cond = BoolTensor::from_vec(vec![true, false, false, true], &[4, 1]);
        assert_gradcheck(
            |v| Var::where_cond(&cond, &v[0], &v[1]),
            &inputs("mul_bcast_outer"),
        );
    }

    #[test]
    fn broadcast_like_pytorch() {
        // torch.where([[T], [F]], [1, 2, 3], [5]) = [[1, 2, 3], [5, 5, 5]]; grads [1,1,1], [3].
        let tape = Tape::new();
        let a = tape.leaf(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]));
        let b = tape.leaf(Tensor::from_vec(vec![5.0], &[1]));
        let cond = BoolTensor::from_vec(vec![true, false], &[2, 1]);
        let y = Var::where_cond(&cond, &a, &b);
        assert_eq!(y.value().to_vec(), vec![1.0, 2.0, 3.0, 5.0, 5.0, 5.0]);
        let g = y.backward_with(Tensor::ones(&[2, 3]));
        assert_eq!(g.get(&a).unwrap().to_vec(), vec![1.0, 1.0, 1.0]);
        assert_eq!(g.get(&b).unwrap().to_vec(), vec![3.0]);
    }
}
