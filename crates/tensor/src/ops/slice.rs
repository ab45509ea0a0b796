//! slice / narrow: a strided range along one axis. `x.slice(dim, start, end, step)` is
//! Python's `x[.., start:end:step, ..]`: `y[.., k, ..] = x[.., start + k step, ..]` for
//! `start + k step < end`; `x.narrow(dim, start, length)` is `x.slice(dim, start,
//! start + length, 1)`. The gradient puts the upstream gradient back at those positions
//! (zeros elsewhere).
//!
//! As PyTorch: `slice` bounds are Python's (negative counts from the end, `None` means the
//! start or the end of the axis, out-of-range bounds are clamped, an empty range gives a
//! length-0 axis) and `step` must be positive; `narrow` accepts a negative `start` but panics
//! when `start` or `start + length` is out of range.

use super::lanes::{put_along, take_along, Lanes};
use crate::axis::normalize_axis;
use crate::{Tensor, Var};

/// Positions picked along an axis of length `n` by Python's `start:end:step`.
#[track_caller]
fn python_range(n: usize, start: Option<isize>, end: Option<isize>, step: usize) -> Vec<usize> {
    if step == 0 {
        panic!("slice: step must be positive, got 0");
    }
    let clamp = |b: isize| {
        let b = if b < 0 { b + n as isize } else { b };
        b.clamp(0, n as isize) as usize
    };
    let s = start.map_or(0, clamp);
    let e = end.map_or(n, clamp);
    (s..e.max(s)).step_by(step).collect()
}

/// Positions `start..start + length` along an axis of length `n`, checked as PyTorch does.
#[track_caller]
fn narrow_range(n: usize, start: isize, length: usize) -> Vec<usize> {
    let ni = n as isize;
    if !(-ni..=ni).contains(&start) {
        panic!("narrow: start {start} is out of range for a dimension of size {n} (expected [-{n}, {n}])");
    }
    let s = if start < 0 { start + ni } else { start } as usize;
    if s + length > n {
        panic!("narrow: start ({s}) + length ({length}) exceeds dimension size ({n})");
    }
    (s..s + length).collect()
}

/// The strided pick along `dim`: the value and, for the gradient, the lanes and picks.
fn pick(x: &Tensor, ax: usize, picks: &[usize], op: &str) -> (Tensor, Lanes) {
    let lanes = Lanes::new(x.shape(), ax as isize, op);
    let mut shape = x.shape().to_vec();
    shape[ax] = picks.len();
    (
        Tensor::from_vec(take_along(x.as_slice(), lanes, picks), &shape),
        lanes,
    )
}

fn pick_var(x: &Var, ax: usize, picks: Vec<usize>, op: &str) -> Var {
    let (value, lanes) = pick(x.value(), ax, &picks, op);
    let shape = x.shape().to_vec();
    x.from_unary(value, move |g| {
        Tensor::from_vec(put_along(g.as_slice(), lanes, &picks), &shape)
    })
}

impl Tensor {
    /// Python's `x[.., start:end:step, ..]` along `dim` (see the module notes).
    #[track_caller]
    pub fn slice(
        &self,
        dim: isize,
        start: Option<isize>,
        end: Option<isize>,
        step: usize,
    ) -> Tensor {
        let ax = normalize_axis(dim, self.ndim(), "slice");
        pick(
            self,
            ax,
            &python_range(self.shape()[ax], start, end, step),
            "slice",
        )
        .0
    }

    /// `length` elements from `start` along `dim` (negative `start` counts from the end).
    #[track_caller]
    pub fn narrow(&self, dim: isize, start: isize, length: usize) -> Tensor {
        let ax = normalize_axis(dim, self.ndim(), "narrow");
        pick(
            self,
            ax,
            &narrow_range(self.shape()[ax], start, length),
            "narrow",
        )
        .0
    }
}

impl Var {
    /// Python's `x[.., start:end:step, ..]` along `dim`; the gradient goes back in place.
    #[track_caller]
    pub fn slice(&self, dim: isize, start: Option<isize>, end: Option<isize>, step: usize) -> Var {
        let ax = normalize_axis(dim, self.ndim(), "slice");
        let picks = python_range(self.shape()[ax], start, end, step);
        pick_var(self, ax, picks, "slice")
    }

    /// `length` elements from `start` along `dim`; the gradient goes back in place.
    #[track_caller]
    pub fn narrow(&self, dim: isize, start: isize, length: usize) -> Var {
        let ax = normalize_axis(dim, self.ndim(), "narrow");
        let picks = narrow_range(self.shape()[ax], start, length);
        pick_var(self, ax, picks, "narrow")
    }
}

#[cfg(test)]
mod tests {
    use super::python_range;
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("slice");
        check_cases("narrow");
    }

    #[test]
    fn python_bounds() {
        assert_eq!(python_range(5, None, None, 2), vec![0, 2, 4]);
        assert_eq!(python_range(5, Some(-2), None, 1), vec![3, 4]);
        assert_eq!(python_range(5, Some(-10), Some(2), 1), vec![0, 1]);
        assert_eq!(python_range(5, Some(4), Some(2), 1), Vec::<usize>::new());
        assert_eq!(python_range(5, Some(7), Some(10), 1), Vec::<usize>::new());
    }

    #[test]
    fn gradcheck() {
        let x = Tensor::randn(&[3, 5], 0.0, 1.0, &mut rng_from_seed(8));
        assert_gradcheck(
            |v| v[0].slice(1, Some(1), None, 2),
            std::slice::from_ref(&x),
        );
        assert_gradcheck(|v| v[0].narrow(0, -2, 2), &[x]);
    }

    #[test]
    #[should_panic(expected = "narrow: start (2) + length (2) exceeds dimension size (3)")]
    fn narrow_past_the_end() {
        Tensor::zeros(&[2, 3]).narrow(1, 2, 2);
    }

    #[test]
    #[should_panic(expected = "slice: step must be positive, got 0")]
    fn zero_step() {
        Tensor::zeros(&[2, 3]).slice(1, None, None, 0);
    }
}
