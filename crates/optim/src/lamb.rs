//! LAMB (You et al. 2020, "Large Batch Optimization for Deep Learning"), as the
//! `torch-optimizer` package (0.3.0) computes it: Adam's direction scaled per param tensor by
//! the trust ratio `||w|| / ||adam_step||`, as LARS scales SGD's.
//!
//! ```text
//! exp_avg = beta1 * exp_avg + (1 - beta1) * g
//! exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g^2
//! step_size = lr * (sqrt(1 - beta2^t) / (1 - beta1^t) if debias else 1)
//! adam_step = exp_avg / (sqrt(exp_avg_sq) + eps) + weight_decay * p
//! trust = min(||p||, clamp_value) / ||adam_step||    (1 if either norm is 0, or if adam)
//! p = p - step_size * trust * adam_step
//! ```
//!
//! **Two passes**, as LARS: the norms come before any element can be updated. Norms
//! accumulate in f64.

use crate::clip::sum_squares;
use crate::error::{check, OptimError};
use crate::per_param::{check_common, lr_and_momentum, Algorithm, PerParam};
use serde::{Deserialize, Serialize};

/// LAMB's hyperparameters (torch-optimizer's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LambConfig {
    /// Learning rate (> 0; default 1e-3).
    pub lr: f64,
    /// Decay rates of the moment averages (default (0.9, 0.999)).
    pub betas: (f64, f64),
    /// Added to the root of the second moment (default 1e-6).
    pub eps: f64,
    /// L2 term added to the Adam step (default 0).
    pub weight_decay: f64,
    /// Upper bound of the weight norm in the trust ratio (default 10).
    pub clamp_value: f64,
    /// Plain Adam steps (trust ratio 1; default false).
    pub adam: bool,
    /// Bias-correct the step size (default false).
    pub debias: bool,
}

impl Default for LambConfig {
    fn default() -> Self {
        LambConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-6,
            weight_decay: 0.0,
            clamp_value: 10.0,
            adam: false,
            debias: false,
        }
    }
}

crate::optimizer_state! {
    /// LAMB's per-parameter state (torch-optimizer's names).
    pub struct LambState {
        /// First moment.
        exp_avg: Vec<f32>,
        /// Second moment.
        exp_avg_sq: Vec<f32>,
    }
}

/// The LAMB algorithm (use it as [`Lamb`]).
#[derive(Clone, Copy, Debug)]
pub struct LambKind;

/// LAMB: `Lamb::new(params, LambConfig {..})`.
pub type Lamb = PerParam<LambKind>;

impl Algorithm for LambKind {
    const NAME: &'static str = "Lamb";
    type Config = LambConfig;
    type State = LambState;

    fn validate(c: &LambConfig) -> Result<(), OptimError> {
        check(c.lr > 0.0, "learning rate", c.lr, "must be > 0")?;
        check_common(c.lr, Some(c.eps), c.weight_decay)?;
        crate::adam::check_betas(c.betas)?;
        check(
            c.clamp_value >= 0.0,
            "clamp value",
            c.clamp_value,
            "must be >= 0",
        )
    }

    lr_and_momentum!(LambConfig, betas.0);

    fn new_state(_c: &LambConfig, _d: &LambConfig, shape: &[usize]) -> LambState {
        let len = shape.iter().product();
        LambState {
            step: 0,
            exp_avg: vec![0.0; len],
            exp_avg_sq: vec![0.0; len],
        }
    }

    fn update(c: &LambConfig, s: &mut LambState, value: &mut [f32], grad: &[f32]) {
        s.step += 1;
        let (b1, b2) = c.betas;
        let (k1, k2) = (b1 as f32, b2 as f32);
        let (g1, g2) = ((1.0 - b1) as f32, (1.0 - b2) as f32);
        let (eps, wd) = (c.eps as f32, c.weight_decay as f32);
        let adam_step = |m: f32, v: f32, p: f32| m / (v.sqrt() + eps) + wd * p;
        // Pass 1: the moments, and the norms of the weights and of the Adam step.
        let mut step_sq = 0.0f64;
        for (((m, v), &g), &p) in s
            .exp_avg
            .iter_mut()
            .zip(s.exp_avg_sq.iter_mut())
            .zip(grad)
            .zip(value.iter())
        {
            *m = k1 * *m + g1 * g;
            *v = k2 * *v + g2 * g * g;
            let a = adam_step(*m, *v, p) as f64;
            step_sq += a * a;
        }
        let weight_norm = sum_squares(value).sqrt().min(c.clamp_value);
        let adam_norm = step_sq.sqrt();
        let trust = if weight_norm == 0.0 || adam_norm == 0.0 || c.adam {
            1.0
        } else {
            weight_norm / adam_norm
        };
        let correction = if c.debias {
            let t = s.step as f64;
            (1.0 - b2.powf(t)).sqrt() / (1.0 - b1.powf(t))
        } else {
            1.0
        };
        // Pass 2: the update.
        let scale = (c.lr * correction * trust) as f32;
        for ((p, &m), &v) in value.iter_mut().zip(&s.exp_avg).zip(&s.exp_avg_sq) {
            *p -= scale * adam_step(m, v, *p);
        }
    }
}
