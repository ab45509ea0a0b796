//! cross_entropy: logits `x` of shape `[N, C]` and class targets `t` (an [`IntTensor`] of N
//! indices); `L = (1/n) Σ_{i valid} (lse_i - x[i, t_i])` with `lse_i = m_i + ln Σ_c
//! e^(x[i, c] - m_i)`, `m_i = max_c x[i, c]` and `n` the number of valid targets (PyTorch's
//! `cross_entropy` with mean reduction, no weights).
//! `dL/dx[i, c] = (softmax(x_i)_c - [c == t_i]) / n` for a valid row, 0 for an ignored one.
//!
//! As PyTorch: a target equal to `ignore_index` (-100, PyTorch's default) is ignored (its row
//! adds nothing and is not counted); if every target is ignored the loss is NaN (0/0) and the
//! gradient 0. Any other target outside `[0, C)` panics naming the sample and the class count.
//!
//! Why fused rather than `-log_softmax(x)[t]` composed: one pass, and the backward is the
//! single expression above, using the softmax saved by the forward (no one-hot or gather
//! tensors on the tape). The log-sum-exp shift keeps it finite for any finite logits.

use crate::{IntTensor, Tensor, Var};

/// PyTorch's default `ignore_index`.
pub const IGNORE_INDEX: i64 = -100;

/// Checks the shapes and targets; returns `(N, C)`.
#[track_caller]
fn check(logits: &Tensor, targets: &IntTensor) -> (usize, usize) {
    let s = logits.shape();
    if s.len() != 2 || targets.ndim() != 1 || s[0] != targets.len() {
        panic!(
            "cross_entropy: expects logits [N, C] and N targets, got logits of shape {s:?} and targets of shape {:?}",
            targets.shape()
        );
    }
    let c = s[1];
    for (i, &t) in targets.as_slice().iter().enumerate() {
        if t != IGNORE_INDEX && (t < 0 || t as u64 >= c as u64) {
            panic!("cross_entropy: target {t} of sample {i} is out of range for {c} classes");
        }
    }
    (s[0], c)
}

/// The mean loss, the row softmax (saved for the backward) and the number of valid targets.
#[track_caller]
fn forward(logits: &Tensor, targets: &IntTensor) -> (f32, Tensor, usize) {
    let (_, c) = check(logits, targets);
    let x = logits.as_slice();
    let t = targets.as_slice();
    let mut p = vec![0.0f32; x.len()];
    let (mut total, mut valid) = (0.0f64, 0usize);
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
            if t[i] != IGNORE_INDEX {
                total += (m + s.ln() - row[t[i] as usize]) as f64;
                valid += 1;
            }
        }
    }
    (
        (total / valid as f64) as f32,
        Tensor::from_vec(p, logits.shape()),
        valid,
    )
}

impl Tensor {
    /// Mean cross-entropy of logits `[N, C]` against class targets (see the module notes).
    #[track_caller]
    pub fn cross_entropy(&self, targets: &IntTensor) -> Tensor {
        Tensor::scalar(forward(self, targets).0)
    }
}

impl Var {
    /// Mean cross-entropy of logits `[N, C]` against class targets (`-100` ignored), with the
    /// fused backward `(softmax - onehot) / n`. Panics naming the op if the shapes disagree or
    /// a target is out of range.
    #[track_caller]
    pub fn cross_entropy(&self, targets: &IntTensor) -> Var {
        let (loss, p, valid) = forward(self.value(), targets);
        let targets = targets.clone();
        self.from_unary(Tensor::scalar(loss), move |g| {
            let mut dx = p.clone();
            let c = p.shape()[1];
            let scale = if valid == 0 {
                0.0
            } else {
                g.item() / valid as f32
            };
            let d = dx.as_slice_mut();
            for (i, &t) in targets.as_slice().iter().enumerate() {
                let row = &mut d[i * c..(i + 1) * c];
                if t == IGNORE_INDEX {
                    row.fill(0.0);
                } else {
                    row[t as usize] -= 1.0;
                }
            }
            d.iter_mut().for_each(|v| *v *= scale);
            dx
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{IntTensor, Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("cross_entropy");
    }

    #[test]
    fn gradcheck() {
        let x = inputs("cross_entropy")[0].clone();
        let t = IntTensor::from_vec(
            (0..x.shape()[0] as i64)
                .map(|i| i % x.shape()[1] as i64)
                .collect(),
            &[x.shape()[0]],
        );
        assert_gradcheck(|v| v[0].cross_entropy(&t), std::slice::from_ref(&x));
        let mut ignored = t.to_vec();
        ignored[0] = -100;
        let ignored = IntTensor::from(ignored);
        assert_gradcheck(|v| v[0].cross_entropy(&ignored), &[x]);
    }

    #[test]
    fn equals_composed_log_softmax_form() {
        let mut rng = crate::rng_from_seed(21);
        let x = Tensor::randn(&[5, 3], 0.0, 2.0, &mut rng);
        let t = [0usize, 2, 1, 1, 0];
        let ls = x.log_softmax(1);
        let want = -t
            .iter()
            .enumerate()
            .map(|(i, &c)| ls.as_slice()[i * 3 + c])
            .sum::<f32>()
            / 5.0;
        assert!((x.cross_entropy(&IntTensor::from_indices(&t)).item() - want).abs() < 1e-6);
    }

    #[test]
    fn finite_for_huge_logits() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![1e4, -1e4, 500.0, 0.0], &[2, 2]));
        let loss = x.cross_entropy(&IntTensor::from(vec![1, 0]));
        // Row 0 is wrong by 2e4, row 1 right with certainty: mean 1e4.
        assert_eq!(loss.value().item(), 1e4);
        let g = loss.backward().get(&x).unwrap().to_vec();
        assert_eq!(g, vec![0.5, -0.5, 0.0, 0.0]);
    }

    #[test]
    fn all_ignored_is_nan_with_zero_gradient() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]));
        let loss = x.cross_entropy(&IntTensor::from(vec![-100, -100]));
        assert!(loss.value().item().is_nan());
        assert_eq!(loss.backward().get(&x).unwrap().to_vec(), vec![0.0; 4]);
    }

    #[test]
    #[should_panic(expected = "cross_entropy: target 4 of sample 1 is out of range for 4 classes")]
    fn target_out_of_range() {
        Tensor::zeros(&[2, 4]).cross_entropy(&IntTensor::from(vec![0, 4]));
    }

    #[test]
    #[should_panic(expected = "cross_entropy: target -1 of sample 0 is out of range for 4 classes")]
    fn negative_target() {
        Tensor::zeros(&[2, 4]).cross_entropy(&IntTensor::from(vec![-1, 0]));
    }

    #[test]
    #[should_panic(
        expected = "cross_entropy: expects logits [N, C] and N targets, got logits of shape [3, 4] and targets of shape [2]"
    )]
    fn wrong_target_count() {
        let t = Tape::new();
        t.leaf(Tensor::zeros(&[3, 4]))
            .cross_entropy(&IntTensor::from(vec![0, 1]));
    }
}
