//! Rprop (resilient backpropagation, Riedmiller & Braun 1993), as PyTorch's
//! `torch.optim.Rprop`: each element keeps its own step size, grown by `etaplus` while its
//! gradient keeps its sign, shrunk by `etaminus` when the sign flips; only the sign of the
//! gradient is used.
//!
//! ```text
//! state: prev = 0, step_size = lr (per element, from the group's lr at the first step)
//! g = -grad if maximize else grad
//! s = sign(g * prev):  s > 0 -> etaplus,  s < 0 -> etaminus,  s = 0 -> 1
//! step_size = clamp(step_size * s, step_size_min, step_size_max)
//! g = 0 where s was etaminus          (no move, and no sign memory, after a flip)
//! p = p - sign(g) * step_size
//! prev = g
//! ```
//!
//! As in PyTorch, a learning rate changed later (by a scheduler) does not reach the step sizes
//! of params that already took a step.

use crate::error::{check, OptimError};
use crate::per_param::{check_common, Algorithm, PerParam};
use serde::{Deserialize, Serialize};
use tapegrad_tensor::parallel::fused;

/// Rprop's hyperparameters (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RpropConfig {
    /// Initial step size of every element (default 0.01).
    pub lr: f64,
    /// `(etaminus, etaplus)`: the factors on a sign flip and on a kept sign
    /// (`0 < etaminus < 1 < etaplus`; default (0.5, 1.2)).
    pub etas: (f64, f64),
    /// `(min, max)` bounds of the step sizes (default (1e-6, 50)).
    pub step_sizes: (f64, f64),
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for RpropConfig {
    fn default() -> Self {
        RpropConfig {
            lr: 1e-2,
            etas: (0.5, 1.2),
            step_sizes: (1e-6, 50.0),
            maximize: false,
        }
    }
}

crate::optimizer_state! {
    /// Rprop's per-parameter state (PyTorch's names).
    pub struct RpropState {
        /// The last gradient used (zeroed where the sign flipped).
        prev: Vec<f32>,
        /// Each element's step size.
        step_size: Vec<f32>,
    }
}

/// The Rprop algorithm (use it as [`Rprop`]).
#[derive(Clone, Copy, Debug)]
pub struct RpropKind;

/// Rprop: `Rprop::new(params, RpropConfig {..})`.
pub type Rprop = PerParam<RpropKind>;

impl Algorithm for RpropKind {
    const NAME: &'static str = "Rprop";
    type Config = RpropConfig;
    type State = RpropState;

    fn validate(c: &RpropConfig) -> Result<(), OptimError> {
        check_common(c.lr, None, 0.0)?;
        let (minus, plus) = c.etas;
        check(
            0.0 < minus && minus < 1.0 && 1.0 < plus && plus.is_finite(),
            "eta values",
            format!("{minus}, {plus}"),
            "need 0 < etaminus < 1 < etaplus",
        )?;
        let (lo, hi) = c.step_sizes;
        check(
            lo.is_finite() && hi.is_finite() && lo <= hi,
            "step_sizes",
            format!("{lo}, {hi}"),
            "need finite min <= max",
        )
    }

    fn lr(c: &RpropConfig) -> f64 {
        c.lr
    }

    fn set_lr(c: &mut RpropConfig, lr: f64) {
        c.lr = lr;
    }

    fn new_state(c: &RpropConfig, _defaults: &RpropConfig, shape: &[usize]) -> RpropState {
        let len = shape.iter().product();
        RpropState {
            step: 0,
            prev: vec![0.0; len],
            step_size: vec![c.lr as f32; len],
        }
    }

    fn update(c: &RpropConfig, s: &mut RpropState, value: &mut [f32], grad: &[f32]) {
        s.step += 1;
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        let (minus, plus) = (c.etas.0 as f32, c.etas.1 as f32);
        let (lo, hi) = (c.step_sizes.0 as f32, c.step_sizes.1 as f32);
        fused(
            value,
            grad,
            [s.prev.as_mut_slice(), s.step_size.as_mut_slice()],
            move |v, g, [prev, size]| {
                for (((p, &g), prev), size) in v
                    .iter_mut()
                    .zip(g)
                    .zip(prev.iter_mut())
                    .zip(size.iter_mut())
                {
                    let g = sign * g;
                    let prod = g * *prev;
                    let factor = if prod > 0.0 {
                        plus
                    } else if prod < 0.0 {
                        minus
                    } else {
                        1.0
                    };
                    *size = (*size * factor).clamp(lo, hi);
                    let g = if prod < 0.0 { 0.0 } else { g };
                    *p -= signum(g) * *size;
                    *prev = g;
                }
            },
        );
    }
}

/// PyTorch's `sign`: -1, 0 or 1 (0 for 0 and -0; NaN stays NaN).
fn signum(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x * 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Optimizer;
    use tapegrad_tensor::{Param, Tensor};

    #[test]
    fn step_sizes_grow_while_the_sign_holds_and_shrink_on_a_flip() {
        let w = Param::new("w", Tensor::from_vec(vec![0.0], &[1]));
        let mut opt = Rprop::new(vec![w.clone()], RpropConfig::default()).unwrap();
        let mut trace = Vec::new();
        for g in [1.0, 1.0, -1.0, -1.0] {
            w.set_grad(Some(Tensor::from_vec(vec![g], &[1])));
            opt.step().unwrap();
            trace.push(w.value().to_vec()[0]);
        }
        // 0.01 (sign unknown: factor 1), 0.012 (kept), flip: shrink to 0.006 and no move,
        // then prev is 0: factor 1, move +0.006.
        let want = [-0.01f32, -0.022, -0.022, -0.016];
        for (got, want) in trace.iter().zip(want) {
            assert!((got - want).abs() < 1e-7, "{trace:?}");
        }
    }

    #[test]
    fn validation() {
        let e = |c: RpropConfig| Rprop::new(vec![], c).unwrap_err().to_string();
        assert!(e(RpropConfig {
            etas: (1.5, 1.2),
            ..Default::default()
        })
        .starts_with("invalid eta values: 1.5, 1.2"));
        assert!(e(RpropConfig {
            lr: -1.0,
            ..Default::default()
        })
        .starts_with("invalid learning rate: -1"));
    }
}
