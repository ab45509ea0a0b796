//! Numpy broadcasting: the shape two operands broadcast to, the elementwise combination of two
//! broadcast operands, and the reverse step that sums a broadcast gradient back to an input's
//! shape. Written once here; every binary op uses it.

use crate::parallel;
use crate::Tensor;
use ndarray::{Axis, IxDyn, Zip};

/// The shape `a` and `b` broadcast to (numpy rules: align trailing axes; each pair of lengths
/// must be equal or one of them 1). `None` if they do not broadcast.
#[track_caller]
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let db = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

/// Row-major strides of `shape` aligned to the trailing axes of `out` (numpy broadcasting),
/// with stride 0 on the axes where `shape` is broadcast (length 1 or absent).
#[track_caller]
pub(crate) fn broadcast_strides(shape: &[usize], out: &[usize]) -> Vec<usize> {
    let lead = out.len() - shape.len();
    let mut strides = vec![0; out.len()];
    let mut s = 1;
    for i in (0..shape.len()).rev() {
        if shape[i] != 1 {
            strides[lead + i] = s;
        }
        s *= shape[i];
    }
    strides
}

/// Calls `f` with the offsets into each of `K` operands (of `shapes`, each broadcasting to
/// `out`) for every element of `out`, in row-major order. The offsets are updated
/// incrementally, one add per element and axis carry.
#[track_caller]
pub(crate) fn for_each_broadcast<const K: usize>(
    out: &[usize],
    shapes: [&[usize]; K],
    mut f: impl FnMut([usize; K]),
) {
    let n: usize = out.iter().product();
    if n == 0 {
        return;
    }
    let strides: Vec<Vec<usize>> = shapes.iter().map(|s| broadcast_strides(s, out)).collect();
    let nd = out.len();
    let mut idx = vec![0usize; nd];
    let mut off = [0usize; K];
    for _ in 0..n {
        f(off);
        // Increment the multi-index from the last axis, carrying.
        for ax in (0..nd).rev() {
            idx[ax] += 1;
            for k in 0..K {
                off[k] += strides[k][ax];
            }
            if idx[ax] < out[ax] {
                break;
            }
            for k in 0..K {
                off[k] -= strides[k][ax] * out[ax];
            }
            idx[ax] = 0;
        }
    }
}

/// The gradients of a binary elementwise op at the output's shape (that of `g`): per
/// element, `fa(g, a, b)` for the first operand and `fb(g, a, b)` for the second, each
/// computed only where `needs` asks; [`Var::from_broadcast`](crate::Var::from_broadcast) sums
/// them back to the operands' shapes.
#[track_caller]
pub(crate) fn binary_grads(
    g: &Tensor,
    a: &Tensor,
    b: &Tensor,
    needs: crate::Needs<'_>,
    fa: impl Fn(f32, f32, f32) -> f32,
    fb: impl Fn(f32, f32, f32) -> f32,
) -> [Option<Tensor>; 2] {
    let one = |f: &dyn Fn(f32, f32, f32) -> f32| {
        let (gs, av, bv) = (g.as_slice(), a.as_slice(), b.as_slice());
        let mut out = Vec::with_capacity(gs.len());
        if a.shape() == g.shape() && b.shape() == g.shape() {
            out.extend(gs.iter().zip(av).zip(bv).map(|((&g, &a), &b)| f(g, a, b)));
        } else {
            let mut e = 0;
            for_each_broadcast(g.shape(), [a.shape(), b.shape()], |[i, j]| {
                out.push(f(gs[e], av[i], bv[j]));
                e += 1;
            });
        }
        Tensor::from_vec(out, g.shape())
    };
    [needs[0].then(|| one(&fa)), needs[1].then(|| one(&fb))]
}

impl Tensor {
    /// Combines `self` and `other` elementwise with numpy broadcasting. Panics naming `op` and
    /// both shapes if they do not broadcast.
    #[track_caller]
    pub fn broadcast_zip(
        &self,
        other: &Tensor,
        op: &str,
        f: impl Fn(f32, f32) -> f32 + Sync + Send,
    ) -> Tensor {
        if self.shape() == other.shape() {
            return self.zip_map(other, op, f);
        }
        let Some(shape) = broadcast_shapes(self.shape(), other.shape()) else {
            panic!(
                "{op}: shapes {:?} and {:?} do not broadcast",
                self.shape(),
                other.shape()
            )
        };
        // Fast path: `other` is a row repeated over the leading axes (the bias of a Linear).
        if shape == self.shape() && !other.is_empty() && is_trailing_suffix(other.shape(), &shape) {
            let (a, b) = (self.as_slice(), other.as_slice());
            let mut out = crate::pool::take(a.len());
            let w = b.len();
            for (oc, ac) in out.chunks_exact_mut(w).zip(a.chunks_exact(w)) {
                for ((o, &x), &y) in oc.iter_mut().zip(ac).zip(b) {
                    *o = f(x, y);
                }
            }
            return Tensor::from_vec(out, &shape);
        }
        let av = self.view();
        let bv = other.view();
        let av = av.broadcast(IxDyn(&shape)).expect("shape checked");
        let bv = bv.broadcast(IxDyn(&shape)).expect("shape checked");
        let out = if shape.iter().product::<usize>() >= parallel::PAR_THRESHOLD {
            Zip::from(&av).and(&bv).par_map_collect(|&x, &y| f(x, y))
        } else {
            Zip::from(&av).and(&bv).map_collect(|&x, &y| f(x, y))
        };
        Tensor::from_array(out)
    }

    /// Copies `self` broadcast up to `shape` (numpy rules). Panics if it does not broadcast.
    #[track_caller]
    pub fn expand_to(&self, shape: &[usize]) -> Tensor {
        if self.shape() == shape {
            return self.clone();
        }
        let v = self.view();
        let Some(b) = v.broadcast(IxDyn(shape)) else {
            panic!(
                "expand_to: shape {:?} does not broadcast to {:?}",
                self.shape(),
                shape
            )
        };
        Tensor::from_array(b.to_owned())
    }

    /// Sums a broadcast result back to `shape` (the reverse of broadcasting `shape` up to
    /// `self.shape()`): leading extra axes are summed away, axes where `shape` has length 1
    /// are summed with keepdim. Returns `self` unchanged (shared) when the shapes are equal.
    #[track_caller]
    pub fn sum_to(&self, shape: &[usize]) -> Tensor {
        if self.shape() == shape {
            return self.clone();
        }
        let Some(lead) = self.ndim().checked_sub(shape.len()) else {
            panic!("sum_to: cannot reduce {:?} to {:?}", self.shape(), shape)
        };
        // Fast path: summing leading rows onto a trailing row.
        if is_trailing_suffix(shape, self.shape()) && !shape.is_empty() {
            let w: usize = shape.iter().product();
            let mut out = vec![0.0f32; w];
            if w > 0 {
                for row in self.as_slice().chunks_exact(w) {
                    for (o, &x) in out.iter_mut().zip(row) {
                        *o += x;
                    }
                }
            }
            return Tensor::from_vec(out, shape);
        }
        let mut a = self.to_array();
        for _ in 0..lead {
            a = a.sum_axis(Axis(0));
        }
        for (i, &d) in shape.iter().enumerate() {
            if d == 1 && a.shape()[i] != 1 {
                a = a.sum_axis(Axis(i)).insert_axis(Axis(i));
            } else {
                if a.shape()[i] != d {
                    panic!("sum_to: cannot reduce {:?} to {:?}", self.shape(), shape);
                }
            }
        }
        Tensor::from_array(a)
    }
}

/// True if `small` equals the trailing axes of `big` after dropping leading length-1 axes,
/// i.e. `big` is `small` repeated over its leading axes.
fn is_trailing_suffix(small: &[usize], big: &[usize]) -> bool {
    let s: &[usize] = {
        let first = small.iter().position(|&d| d != 1).unwrap_or(small.len());
        &small[first..]
    };
    s.len() <= big.len() && big[big.len() - s.len()..] == *s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(broadcast_shapes(&[5, 3], &[3]), Some(vec![5, 3]));
        assert_eq!(broadcast_shapes(&[4, 1], &[1, 2]), Some(vec![4, 2]));
        assert_eq!(broadcast_shapes(&[2, 3, 4], &[3, 1]), Some(vec![2, 3, 4]));
        assert_eq!(broadcast_shapes(&[], &[3]), Some(vec![3]));
        assert_eq!(broadcast_shapes(&[2, 3], &[4]), None);
    }

    #[test]
    fn zip_and_sum_to_are_adjoint() {
        let a = Tensor::from_vec((0..6).map(|x| x as f32).collect(), &[2, 3]);
        let b = Tensor::from_vec(vec![10.0, 20.0], &[2, 1]);
        let c = a.broadcast_zip(&b, "add", |x, y| x + y);
        assert_eq!(c.to_vec(), vec![10.0, 11.0, 12.0, 23.0, 24.0, 25.0]);
        assert_eq!(c.sum_to(&[2, 1]).to_vec(), vec![33.0, 72.0]);
        assert_eq!(c.sum_to(&[3]).to_vec(), vec![33.0, 35.0, 37.0]);
        assert_eq!(c.sum_to(&[1, 3]).to_vec(), vec![33.0, 35.0, 37.0]);
        assert_eq!(c.sum_to(&[]).to_vec(), vec![105.0]);
        let row = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]);
        assert_eq!(
            a.broadcast_zip(&row, "mul", |x, y| x * y).to_vec(),
            vec![0.0, 2.0, 6.0, 3.0, 8.0, 15.0]
        );
        assert_eq!(
            row.broadcast_zip(&a, "sub", |x, y| x - y).to_vec(),
            vec![1.0, 1.0, 1.0, -2.0, -2.0, -2.0]
        );
    }

    #[test]
    #[should_panic(expected = "add: shapes [2, 3] and [4] do not broadcast")]
    fn mismatch_names_op_and_shapes() {
        Tensor::zeros(&[2, 3]).broadcast_zip(&Tensor::zeros(&[4]), "add", |x, y| x + y);
    }
}
