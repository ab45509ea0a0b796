//! LARS (layer-wise adaptive rate scaling), per "Large Batch Training of Convolutional
//! Networks" (You, Gitman, Ginsburg 2017), Algorithm 1, applied per parameter tensor. PyTorch
//! has no LARS; this is the form the reference fixture (`optim.json`, cases `lars*`, see its
//! `note`) was computed with:
//!
//! ```text
//! state: momentum_buffer v = 0
//! local_lr = trust_coefficient * ||w|| / (||g|| + weight_decay * ||w||)
//!            (taken as 1 when ||w|| or ||g|| is 0)
//! v = momentum * v + lr * local_lr * (g + weight_decay * w)
//! w = w - v
//! ```
//!
//! **Two passes.** The trust ratio needs the norms of the whole tensor before any element can
//! be updated, so a LARS step reads the param and its gradient twice: once for the norms, once
//! for the fused update. That is inherent to the algorithm, not a missing fusion. The norms are
//! summed in f64 over fixed blocks of [`CHUNK`] elements, in parallel for large tensors, and the
//! block sums are added in order, so the result does not depend on the thread count.
//!
//! With `momentum == 0` no buffer is kept (`w = w - lr * local_lr * (g + weight_decay * w)`);
//! a buffer created later (a schedule raising the momentum) starts from zero, as on step 1.

use crate::clip::sum_squares;
use crate::error::{check, OptimError};
use crate::per_param::{lr_and_momentum, Algorithm, PerParam};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use tapegrad_tensor::parallel::{chunks_mut, fused, CHUNK};

/// LARS's hyperparameters. PyTorch has no LARS, so the defaults are TensorFlow's
/// `LARSOptimizer`'s (momentum 0.9, weight decay 1e-4, trust coefficient `eeta` 1e-3) with
/// a learning rate of 0.1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LarsConfig {
    /// Global learning rate (default 0.1).
    pub lr: f64,
    /// Momentum factor (default 0.9; 0 disables the buffer).
    pub momentum: f64,
    /// L2 penalty, added to the gradient and to the trust ratio's denominator (default 1e-4).
    pub weight_decay: f64,
    /// The trust coefficient eta of the local learning rate (default 1e-3).
    pub trust_coefficient: f64,
}

impl Default for LarsConfig {
    fn default() -> Self {
        LarsConfig {
            lr: 0.1,
            momentum: 0.9,
            weight_decay: 1e-4,
            trust_coefficient: 1e-3,
        }
    }
}

crate::optimizer_state! {
    /// LARS's per-parameter state.
    pub struct LarsState {
        /// The velocity `v` (when momentum > 0).
        momentum_buffer: Option<Vec<f32>>,
    }
}

/// The LARS algorithm (use it as [`Lars`]).
#[derive(Clone, Copy, Debug)]
pub struct LarsKind;

/// LARS: `Lars::new(params, LarsConfig {..})`.
pub type Lars = PerParam<LarsKind>;

/// `(||w||, ||g||)` in f64: block sums over fixed [`CHUNK`]-element blocks (in parallel for
/// large tensors), added in block order.
fn norms(w: &mut [f32], g: &[f32]) -> (f64, f64) {
    let blocks = w.len().div_ceil(CHUNK);
    let sums = Mutex::new(vec![(0.0f64, 0.0f64); blocks]);
    chunks_mut(w, |offset, chunk| {
        // `chunk` is one block (parallel) or the whole slice (serial): split it the same way.
        let local: Vec<(f64, f64)> = chunk
            .chunks(CHUNK)
            .enumerate()
            .map(|(j, wb)| {
                let start = offset + j * CHUNK;
                (sum_squares(wb), sum_squares(&g[start..start + wb.len()]))
            })
            .collect();
        let mut sums = sums.lock().unwrap_or_else(|e| e.into_inner());
        sums[offset / CHUNK..offset / CHUNK + local.len()].copy_from_slice(&local);
    });
    let sums = sums.into_inner().unwrap_or_else(|e| e.into_inner());
    let (w2, g2) = sums
        .iter()
        .fold((0.0, 0.0), |(a, b), &(x, y)| (a + x, b + y));
    (w2.sqrt(), g2.sqrt())
}

impl Algorithm for LarsKind {
    const NAME: &'static str = "LARS";
    type Config = LarsConfig;
    type State = LarsState;

    fn validate(c: &LarsConfig) -> Result<(), OptimError> {
        check(c.lr >= 0.0, "learning rate", c.lr, "must be >= 0")?;
        check(
            c.momentum >= 0.0,
            "momentum value",
            c.momentum,
            "must be >= 0",
        )?;
        check(
            c.weight_decay >= 0.0,
            "weight_decay value",
            c.weight_decay,
            "must be >= 0",
        )?;
        check(
            c.trust_coefficient > 0.0 && c.trust_coefficient.is_finite(),
            "trust_coefficient value",
            c.trust_coefficient,
            "must be > 0",
        )
    }

    lr_and_momentum!(LarsConfig, momentum);

    fn new_state(c: &LarsConfig, _defaults: &LarsConfig, shape: &[usize]) -> LarsState {
        let len = shape.iter().product();
        LarsState {
            step: 0,
            momentum_buffer: (c.momentum != 0.0).then(|| vec![0.0; len]),
        }
    }

    fn update(c: &LarsConfig, s: &mut LarsState, value: &mut [f32], grad: &[f32]) {
        s.step += 1;
        // Pass 1: the norms.
        let (wn, gn) = norms(value, grad);
        let local_lr = if wn > 0.0 && gn > 0.0 {
            c.trust_coefficient * wn / (gn + c.weight_decay * wn)
        } else {
            1.0
        };
        // Pass 2: the fused update.
        let scale = (c.lr * local_lr) as f32;
        let wd = c.weight_decay as f32;
        if c.momentum == 0.0 {
            fused(value, grad, [], move |w, g, []| {
                for (w, &g) in w.iter_mut().zip(g) {
                    *w -= scale * (g + wd * *w);
                }
            });
            return;
        }
        let mu = c.momentum as f32;
        let n = value.len();
        let buf = s.momentum_buffer.get_or_insert_with(|| vec![0.0; n]);
        fused(value, grad, [buf.as_mut_slice()], move |w, g, [v]| {
            for ((w, &g), v) in w.iter_mut().zip(g).zip(v.iter_mut()) {
                *v = mu * *v + scale * (g + wd * *w);
                *w -= *v;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Optimizer;
    use tapegrad_tensor::parallel::PAR_THRESHOLD;
    use tapegrad_tensor::{Param, Tensor};

    fn err(c: LarsConfig) -> String {
        Lars::new(vec![], c).unwrap_err().to_string()
    }

    #[test]
    fn validation() {
        let d = LarsConfig::default;
        assert!(err(LarsConfig { lr: -1.0, ..d() }).starts_with("invalid learning rate: -1"));
        assert!(err(LarsConfig {
            momentum: -0.1,
            ..d()
        })
        .starts_with("invalid momentum value: -0.1"));
        assert!(err(LarsConfig {
            weight_decay: -1.0,
            ..d()
        })
        .starts_with("invalid weight_decay value: -1"));
        assert!(err(LarsConfig {
            trust_coefficient: 0.0,
            ..d()
        })
        .starts_with("invalid trust_coefficient value: 0"));
    }

    /// One step by hand: w = (3, 4), g = (0, 1), lr 1, trust 0.1, wd 0, momentum 0:
    /// local = 0.1 * 5 / 1, w = (3, 4 - 0.5).
    #[test]
    fn one_step_by_hand() {
        let p = Param::new("w", Tensor::from_vec(vec![3.0, 4.0], &[2]));
        let cfg = LarsConfig {
            lr: 1.0,
            momentum: 0.0,
            weight_decay: 0.0,
            trust_coefficient: 0.1,
        };
        let mut opt = Lars::new(vec![p.clone()], cfg).unwrap();
        p.set_grad(Some(Tensor::from_vec(vec![0.0, 1.0], &[2])));
        opt.step().unwrap();
        assert_eq!(p.value().to_vec(), vec![3.0, 3.5]);
    }

    /// The blocked norms agree with a plain f64 sum on odd and parallel sizes.
    #[test]
    fn norms_match_a_plain_sum() {
        for n in [0, 1, 63, CHUNK + 5, PAR_THRESHOLD + 17] {
            let mut w: Vec<f32> = (0..n).map(|i| ((i % 13) as f32 - 6.0) * 0.1).collect();
            let g: Vec<f32> = (0..n).map(|i| ((i % 7) as f32 - 3.0) * 0.5).collect();
            let plain = |x: &[f32]| x.iter().map(|&v| v as f64 * v as f64).sum::<f64>().sqrt();
            let (pw, pg) = (plain(&w), plain(&g));
            let (wn, gn) = norms(&mut w, &g);
            assert!((wn - pw).abs() <= 1e-9 * pw.max(1.0), "{n}: {wn} vs {pw}");
            assert!((gn - pg).abs() <= 1e-9 * pg.max(1.0), "{n}: {gn} vs {pg}");
        }
    }
}
