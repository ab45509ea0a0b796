//! cat: tensors joined along an existing axis, `y = cat([x_0, ..., x_{m-1}], dim)`, with
//! `y[.., o_t + k, ..] = x_t[.., k, ..]` where `o_t` is the total length of the inputs before
//! `t`. One tape node with one input per tensor; the gradient of `x_t` is the slice
//! `dy[.., o_t .. o_t + len_t, ..]`.
//!
//! As PyTorch: every input has the same shape except along `dim`; a 1-d input of shape `[0]`
//! is skipped whatever the others' rank (PyTorch's legacy rule); an empty list panics.

use super::lanes::Lanes;
use crate::axis::normalize_axis;
use crate::{Tensor, Var};

/// The output shape and, per input, its length along the axis (0 for a skipped input).
#[track_caller]
fn plan(shapes: &[&[usize]], dim: isize, op: &str) -> (usize, Vec<usize>, Vec<usize>) {
    let legacy_empty = |s: &[usize]| s.len() == 1 && s[0] == 0;
    let Some(first) = shapes.iter().find(|s| !legacy_empty(s)).or(shapes.first()) else {
        panic!("{op}: expects a non-empty list of tensors");
    };
    let ax = normalize_axis(dim, first.len(), op);
    let mut out = first.to_vec();
    out[ax] = 0;
    let mut lens = Vec::with_capacity(shapes.len());
    for (t, s) in shapes.iter().enumerate() {
        if legacy_empty(s) && first.len() != 1 {
            lens.push(0);
            continue;
        }
        let fits = s.len() == first.len()
            && s.iter()
                .zip(first.iter())
                .enumerate()
                .all(|(a, (x, y))| a == ax || x == y);
        if !fits {
            panic!(
                "{op}: tensor {t} has shape {s:?}, which does not match {first:?} except along dimension {ax}"
            );
        }
        lens.push(s[ax]);
        out[ax] += s[ax];
    }
    (ax, out, lens)
}

/// Joins `parts` (with their lengths along `ax`) into a tensor of shape `out`.
fn join(parts: &[&Tensor], lens: &[usize], ax: usize, out: &[usize]) -> Tensor {
    let lanes = Lanes::new(out, ax as isize, "cat");
    let mut data = Vec::with_capacity(out.iter().product());
    for o in 0..lanes.outer {
        for (p, &len) in parts.iter().zip(lens) {
            let w = len * lanes.inner;
            data.extend_from_slice(&p.as_slice()[o * w..(o + 1) * w]);
        }
    }
    Tensor::from_vec(data, out)
}

impl Tensor {
    /// `tensors` joined along `dim` (see the module notes).
    #[track_caller]
    pub fn cat(tensors: &[&Tensor], dim: isize) -> Tensor {
        let shapes: Vec<&[usize]> = tensors.iter().map(|t| t.shape()).collect();
        let (ax, out, lens) = plan(&shapes, dim, "cat");
        join(tensors, &lens, ax, &out)
    }
}

impl Var {
    /// `vars` joined along `dim`, one tape node; each input's gradient is its slice of the
    /// upstream gradient.
    #[track_caller]
    pub fn cat(vars: &[&Var], dim: isize) -> Var {
        let shapes: Vec<&[usize]> = vars.iter().map(|v| v.shape()).collect();
        let (ax, out, lens) = plan(&shapes, dim, "cat");
        let values: Vec<&Tensor> = vars.iter().map(|v| v.value()).collect();
        let value = join(&values, &lens, ax, &out);
        let in_shapes: Vec<Vec<usize>> = vars.iter().map(|v| v.shape().to_vec()).collect();
        Var::from_op(vars, value, move |g, needs| {
            let lanes = Lanes::new(g.shape(), ax as isize, "cat");
            let mut grads: Vec<Option<Tensor>> = Vec::with_capacity(lens.len());
            let mut offset = 0;
            for (t, &len) in lens.iter().enumerate() {
                grads.push(needs.get(t).then(|| {
                    let w = len * lanes.inner;
                    let mut d = Vec::with_capacity(lanes.outer * w);
                    for o in 0..lanes.outer {
                        let start = (o * lanes.n + offset) * lanes.inner;
                        d.extend_from_slice(&g.as_slice()[start..start + w]);
                    }
                    Tensor::from_vec(d, &in_shapes[t])
                }));
                offset += len;
            }
            grads
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tape, Tensor, Var};

    #[test]
    fn matches_pytorch() {
        check_cases("cat");
    }

    #[test]
    fn gradcheck_three_inputs() {
        let mut rng = rng_from_seed(9);
        let xs = [
            Tensor::randn(&[2, 1, 3], 0.0, 1.0, &mut rng),
            Tensor::randn(&[2, 4, 3], 0.0, 1.0, &mut rng),
            Tensor::randn(&[2, 0, 3], 0.0, 1.0, &mut rng),
        ];
        assert_gradcheck(|v| Var::cat(&[&v[0], &v[1], &v[2]], 1), &xs);
        assert_gradcheck(|v| Var::cat(&[&v[1], &v[0]], -2), &xs[..2]);
    }

    #[test]
    fn constants_and_legacy_empty_inputs() {
        let tape = Tape::new();
        let a = tape.leaf(Tensor::from_vec(vec![1.0, 2.0], &[1, 2]));
        let b = tape.constant(Tensor::from_vec(vec![3.0, 4.0], &[1, 2]));
        let e = tape.constant(Tensor::zeros(&[0]));
        let y = Var::cat(&[&b, &e, &a], 0);
        assert_eq!(y.shape(), &[2, 2]);
        assert_eq!(y.value().to_vec(), vec![3.0, 4.0, 1.0, 2.0]);
        let g = y.backward_with(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]));
        assert_eq!(g.get(&a).unwrap().to_vec(), vec![3.0, 4.0]);
    }

    #[test]
    #[should_panic(
        expected = "cat: tensor 1 has shape [2, 3], which does not match [2, 2] except along dimension 0"
    )]
    fn mismatch() {
        Tensor::cat(&[&Tensor::zeros(&[2, 2]), &Tensor::zeros(&[2, 3])], 0);
    }
}
