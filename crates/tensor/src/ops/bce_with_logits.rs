//! bce_with_logits: binary cross-entropy on logits `x` with targets `t` in [0, 1] (same
//! shape), mean reduction:
//! `L = (1/n) Σ max(x, 0) - x t + ln(1 + e^-|x|)`;
//! `dL/dx = (sigmoid(x) - t) / n`, `dL/dt = -x / n`.
//!
//! Why a dedicated rule: the textbook `-(t ln σ(x) + (1-t) ln(1 - σ(x)))` takes `ln 0` once
//! `σ(x)` rounds to 0 or 1 (|x| > ~17 in f32); the form above never exponentiates a positive
//! number, and the backward is the single stable expression `σ(x) - t`.

use super::sigmoid::sigmoid;
use crate::{Tensor, Var};

#[track_caller]
fn check(x: &Tensor, t: &Tensor) {
    if x.shape() != t.shape() {
        panic!(
            "bce_with_logits: logits shape {:?} does not match target shape {:?}",
            x.shape(),
            t.shape()
        );
    }
}

impl Tensor {
    /// Mean binary cross-entropy of logits `self` against `target` (same shape), stable.
    #[track_caller]
    pub fn bce_with_logits(&self, target: &Tensor) -> Tensor {
        check(self, target);
        let total: f64 = self
            .as_slice()
            .iter()
            .zip(target.as_slice())
            .map(|(&x, &t)| (x.max(0.0) - x * t + (-x.abs()).exp().ln_1p()) as f64)
            .sum();
        Tensor::scalar((total / self.len() as f64) as f32)
    }
}

impl Var {
    /// Mean binary cross-entropy of logits `self` against `target` (same shape), stable, with
    /// the dedicated backward `(sigmoid(x) - t) / n`. Panics naming both shapes if they differ.
    #[track_caller]
    pub fn bce_with_logits(&self, target: &Var) -> Var {
        let value = self.value().bce_with_logits(target.value());
        let (x, t) = (self.value().clone(), target.value().clone());
        Var::from_op(&[self, target], value, move |g, needs| {
            let scale = g.item() / x.len() as f32;
            [
                needs[0].then(|| x.zip_map(&t, "bce_with_logits", |x, t| scale * (sigmoid(x) - t))),
                needs[1].then(|| x.map(|x| -scale * x)),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("bce_with_logits", |v| v[0].bce_with_logits(&v[1]));
    }

    #[test]
    fn gradcheck_logits_and_targets() {
        assert_gradcheck(|v| v[0].bce_with_logits(&v[1]), &inputs("bce_with_logits"));
        let soft = Tensor::from_vec(vec![0.2, 0.9, 0.5], &[3]);
        let x = Tensor::from_vec(vec![-1.0, 0.3, 2.0], &[3]);
        assert_gradcheck(|v| v[0].bce_with_logits(&v[1]), &[x, soft]);
    }

    #[test]
    fn finite_at_extreme_logits() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![-120.0, 120.0, -1e4, 1e4], &[4]));
        let t = tape.constant(Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], &[4]));
        let loss = x.bce_with_logits(&t);
        // Two confidently wrong (120 each) and two confidently right (0 each).
        assert_eq!(loss.value().item(), 60.0);
        let g = loss.backward().get(&x).unwrap().to_vec();
        assert_eq!(g, vec![-0.25, 0.25, 0.0, 0.0]);
    }

    #[test]
    #[should_panic(
        expected = "bce_with_logits: logits shape [3] does not match target shape [3, 1]"
    )]
    fn shape_mismatch() {
        Tensor::zeros(&[3]).bce_with_logits(&Tensor::zeros(&[3, 1]));
    }
}
