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
}
