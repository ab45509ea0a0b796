//! cross_entropy: logits `x` of shape `[N, C]` and class indices `t` (length N);
//! `L = (1/N) Σ_i (lse_i - x[i, t_i])` with `lse_i = m_i + ln Σ_c e^(x[i, c] - m_i)` and
//! `m_i = max_c x[i, c]` (PyTorch's `cross_entropy` with mean reduction, no weights).
//! `dL/dx[i, c] = (softmax(x_i)_c - [c == t_i]) / N`.
//!
//! Why fused rather than `-log_softmax(x)[t]` composed: one pass, and the backward is the
//! single expression above, using the softmax saved by the forward (no one-hot or gather
//! tensors on the tape). The log-sum-exp shift keeps it finite for any finite logits.
//! Out-of-range targets and wrong shapes panic with the op's name (PyTorch raises too).

use crate::{Tensor, Var};

/// Checks the shapes and targets; returns `(N, C)`.
fn check(logits: &Tensor, targets: &[usize]) -> (usize, usize) {
    let s = logits.shape();
    assert!(
        s.len() == 2 && s[0] == targets.len(),
        "cross_entropy: expects logits [N, C] and N targets, got logits of shape {s:?} and {} targets",
        targets.len()
    );
    let c = s[1];
    if let Some((i, &t)) = targets.iter().enumerate().find(|(_, &t)| t >= c) {
        panic!("cross_entropy: target {t} of sample {i} is out of range for {c} classes");
    }
    (s[0], c)
}

/// The mean loss and the row softmax (saved for the backward).
fn forward(logits: &Tensor, targets: &[usize]) -> (f32, Tensor) {
    let (n, c) = check(logits, targets);
    let x = logits.as_slice();
    let mut p = vec![0.0f32; x.len()];
    let mut total = 0.0f64;
    if c > 0 {
        for (i, (row, prow)) in x.chunks_exact(c).zip(p.chunks_exact_mut(c)).enumerate() {
            let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut s = 0.0f32;
            for (pc, &xc) in prow.iter_mut().zip(row) {
                *pc = super::exp::exp_fast(xc - m);
                s += *pc;
            }
            let inv = 1.0 / s;
            prow.iter_mut().for_each(|pc| *pc *= inv);
            let lse = m + s.ln();
            total += (lse - row[targets[i]]) as f64;
        }
    }
    (
        (total / n as f64) as f32,
        Tensor::from_vec(p, logits.shape()),
    )
}

impl Tensor {
    /// Mean cross-entropy of logits `[N, C]` against class indices (see the module notes).
    pub fn cross_entropy(&self, targets: &[usize]) -> Tensor {
        Tensor::scalar(forward(self, targets).0)
    }
}

impl Var {
    /// Mean cross-entropy of logits `[N, C]` against class indices, with the fused backward
    /// `(softmax - onehot) / N`. Panics naming the op if the shapes disagree or a target is
    /// not below C.
    pub fn cross_entropy(&self, targets: &[usize]) -> Var {
        let (loss, p) = forward(self.value(), targets);
        let targets = targets.to_vec();
        self.from_unary(Tensor::scalar(loss), move |g| {
            let mut dx = p.clone();
            let c = p.shape()[1];
            let scale = g.item() / targets.len() as f32;
            let d = dx.as_slice_mut();
            for (i, &t) in targets.iter().enumerate() {
                d[i * c + t] -= 1.0;
            }
            d.iter_mut().for_each(|v| *v *= scale);
            dx
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    /// The fixture stores class indices as floats in its second input.
    fn targets(case: &str) -> Vec<usize> {
        inputs(case)[1]
            .as_slice()
            .iter()
            .map(|&t| t as usize)
            .collect()
    }

    #[test]
    fn matches_pytorch() {
        let t = targets("cross_entropy");
        check_reference("cross_entropy", |v| v[0].cross_entropy(&t));
    }

    #[test]
    fn gradcheck() {
        let t = targets("cross_entropy");
        let x = inputs("cross_entropy")[0].clone();
        assert_gradcheck(|v| v[0].cross_entropy(&t), &[x]);
    }

    #[test]
    fn equals_composed_log_softmax_form() {
        let mut rng = crate::rng_from_seed(21);
        let x = Tensor::randn(&[5, 3], 0.0, 2.0, &mut rng);
        let t = [0, 2, 1, 1, 0];
        let ls = x.log_softmax(1);
        let want = -t
            .iter()
            .enumerate()
            .map(|(i, &c)| ls.as_slice()[i * 3 + c])
            .sum::<f32>()
            / 5.0;
        assert!((x.cross_entropy(&t).item() - want).abs() < 1e-6);
    }

    #[test]
    fn finite_for_huge_logits() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![1e4, -1e4, 500.0, 0.0], &[2, 2]));
        let loss = x.cross_entropy(&[1, 0]);
        // Row 0 is wrong by 2e4, row 1 right with certainty: mean 1e4.
        assert_eq!(loss.value().item(), 1e4);
        let g = loss.backward().get(&x).unwrap().to_vec();
        assert_eq!(g, vec![0.5, -0.5, 0.0, 0.0]);
    }

    #[test]
    #[should_panic(expected = "cross_entropy: target 4 of sample 1 is out of range for 4 classes")]
    fn target_out_of_range() {
        Tensor::zeros(&[2, 4]).cross_entropy(&[0, 4]);
    }

    #[test]
    #[should_panic(
        expected = "cross_entropy: expects logits [N, C] and N targets, got logits of shape [3, 4] and 2 targets"
    )]
    fn wrong_target_count() {
        let t = Tape::new();
        t.leaf(Tensor::zeros(&[3, 4])).cross_entropy(&[0, 1]);
    }

    #[test]
    #[should_panic(expected = "cross_entropy: expects logits [N, C]")]
    fn wrong_rank() {
        Tensor::zeros(&[4]).cross_entropy(&[0, 1, 2, 3]);
    }
}
