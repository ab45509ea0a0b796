//! Lanes along one axis: the plumbing shared by the reductions and normalisations over an
//! axis (`max_axis`, `softmax`, `log_softmax`). A row-major shape seen along axis `ax` is
//! `[outer, n, inner]`; lane `(o, i)` holds the `n` elements at `(o * n + k) * inner + i`,
//! `k = 0..n`, i.e. a start `o * n * inner + i` and a stride `inner`. The last axis is the
//! common case (`inner == 1`, contiguous lanes).

use crate::axis::normalize_axis;

/// A row-major shape viewed as `[outer, n, inner]` around one axis.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lanes {
    pub outer: usize,
    pub n: usize,
    pub inner: usize,
}

impl Lanes {
    /// The lanes of `shape` along `axis` (negative counts from the end); panics naming `op`
    /// when the axis is out of range.
    #[track_caller]
    pub fn new(shape: &[usize], axis: isize, op: &str) -> Lanes {
        let ax = normalize_axis(axis, shape.len(), op);
        Lanes {
            outer: shape[..ax].iter().product(),
            n: shape[ax],
            inner: shape[ax + 1..].iter().product(),
        }
    }

    /// Calls `f(lane, start, stride)` for every lane, where `lane = o * inner + i` is the
    /// lane's index in the reduced (row-major) output.
    #[inline]
    pub fn for_each(&self, mut f: impl FnMut(usize, usize, usize)) {
        for o in 0..self.outer {
            for i in 0..self.inner {
                f(o * self.inner + i, o * self.n * self.inner + i, self.inner);
            }
        }
    }
}

/// Rows picked along the axis: `out[o, k, i] = x[o, picks[k], i]` (each `inner` block copied
/// whole). `picks` must be below `lanes.n` (callers check and name their op).
#[track_caller]
pub(crate) fn take_along(x: &[f32], lanes: Lanes, picks: &[usize]) -> Vec<f32> {
    let w = lanes.inner;
    let mut out = Vec::with_capacity(lanes.outer * picks.len() * w);
    for o in 0..lanes.outer {
        let base = o * lanes.n * w;
        for &p in picks {
            out.extend_from_slice(&x[base + p * w..base + (p + 1) * w]);
        }
    }
    out
}

/// The adjoint of [`take_along`]: a buffer of the source's size (`outer * n * inner`) with
/// `dx[o, picks[k], i] += g[o, k, i]` (repeated picks accumulate).
#[track_caller]
pub(crate) fn put_along(g: &[f32], lanes: Lanes, picks: &[usize]) -> Vec<f32> {
    let w = lanes.inner;
    let mut dx = vec![0.0f32; lanes.outer * lanes.n * w];
    let mut src = g.chunks_exact(w.max(1));
    for o in 0..lanes.outer {
        let base = o * lanes.n * w;
        for &p in picks {
            if w == 0 {
                continue;
            }
            let row = src.next().expect("g holds outer * picks * inner values");
            for (d, &v) in dx[base + p * w..base + (p + 1) * w].iter_mut().zip(row) {
                *d += v;
            }
        }
    }
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_cover_every_element_once() {
        for (shape, axis) in [(vec![2, 3, 4], 1), (vec![2, 3, 4], -1), (vec![5], 0)] {
            let l = Lanes::new(&shape, axis, "test");
            let total: usize = shape.iter().product();
            let mut seen = vec![0; total];
            l.for_each(|_, start, stride| {
                for k in 0..l.n {
                    seen[start + k * stride] += 1;
                }
            });
            assert!(seen.iter().all(|&c| c == 1), "{shape:?} {axis}");
        }
    }

    #[test]
    fn take_and_put_are_adjoint() {
        let l = Lanes::new(&[2, 3, 2], 1, "test");
        let x: Vec<f32> = (0..12).map(|i| i as f32).collect();
        let picks = [2, 0, 2];
        let y = take_along(&x, l, &picks);
        assert_eq!(y, vec![4., 5., 0., 1., 4., 5., 10., 11., 6., 7., 10., 11.]);
        let dx = put_along(&[1.0; 12], l, &picks);
        assert_eq!(dx, vec![1., 1., 0., 0., 2., 2., 1., 1., 0., 0., 2., 2.]);
    }
}
