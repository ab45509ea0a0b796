//! Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"), as its authors'
//! reference package `lion-pytorch` (0.2.5) computes it: the sign of an interpolation of the
//! momentum and the gradient, with decoupled weight decay.
//!
//! ```text
//! state: exp_avg = 0
//! p = p * (1 - lr * wd)          wd = weight_decay, or weight_decay / initial lr when
//!                                 decoupled_weight_decay (the constructor's lr)
//! p = p - lr * sign(beta1 * exp_avg + (1 - beta1) * g)
//! exp_avg = beta2 * exp_avg + (1 - beta2) * g
//! ```
//!
//! Lion's steps all have the same size per element, so its rate is usually 3-10x smaller than
//! AdamW's and its weight decay 3-10x larger (the package's advice).

use crate::error::{check, OptimError};
use crate::per_param::{lr_and_momentum, Algorithm, PerParam};
use serde::{Deserialize, Serialize};
use tapegrad_tensor::parallel::fused;

/// Lion's hyperparameters (lion-pytorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LionConfig {
    /// Learning rate (> 0; default 1e-4).
    pub lr: f64,
    /// `(beta1, beta2)`: the interpolation of the update and the momentum decay (each in
    /// [0, 1]; default (0.9, 0.99)).
    pub betas: (f64, f64),
    /// Decoupled weight decay (default 0).
    pub weight_decay: f64,
    /// Divide `weight_decay` by the optimizer's initial rate (lion-pytorch's
    /// `decoupled_weight_decay`; default false).
    pub decoupled_weight_decay: bool,
}

impl Default for LionConfig {
    fn default() -> Self {
        LionConfig {
            lr: 1e-4,
            betas: (0.9, 0.99),
            weight_decay: 0.0,
            decoupled_weight_decay: false,
        }
    }
}

crate::optimizer_state! {
    /// Lion's per-parameter state.
    pub struct LionState {
        /// The momentum.
        exp_avg: Vec<f32>,
        /// The optimizer's initial rate (what `decoupled_weight_decay` divides by).
        init_lr: f64,
    }
}

/// The Lion algorithm (use it as [`Lion`]).
#[derive(Clone, Copy, Debug)]
pub struct LionKind;

/// Lion: `Lion::new(params, LionConfig {..})`.
pub type Lion = PerParam<LionKind>;

impl Algorithm for LionKind {
    const NAME: &'static str = "Lion";
    type Config = LionConfig;
    type State = LionState;

    fn validate(c: &LionConfig) -> Result<(), OptimError> {
        check(c.lr > 0.0, "learning rate", c.lr, "must be > 0")?;
        for (i, b) in [c.betas.0, c.betas.1].into_iter().enumerate() {
            check(
                (0.0..=1.0).contains(&b),
                if i == 0 {
                    "beta parameter at index 0"
                } else {
                    "beta parameter at index 1"
                },
                b,
                "must be in [0, 1]",
            )?;
        }
        check(
            c.weight_decay.is_finite(),
            "weight_decay value",
            c.weight_decay,
            "must be finite",
        )
    }

    lr_and_momentum!(LionConfig, betas.0);

    fn new_state(_c: &LionConfig, defaults: &LionConfig, shape: &[usize]) -> LionState {
        LionState {
            step: 0,
            exp_avg: vec![0.0; shape.iter().product()],
            init_lr: defaults.lr,
        }
    }

    fn update(c: &LionConfig, s: &mut LionState, value: &mut [f32], grad: &[f32]) {
        s.step += 1;
        let wd = if c.decoupled_weight_decay {
            c.weight_decay / s.init_lr
        } else {
            c.weight_decay
        };
        let keep = (1.0 - c.lr * wd) as f32;
        let lr = c.lr as f32;
        let (b1, b2) = (c.betas.0 as f32, c.betas.1 as f32);
        let (g1, g2) = ((1.0 - c.betas.0) as f32, (1.0 - c.betas.1) as f32);
        fused(value, grad, [s.exp_avg.as_mut_slice()], move |v, g, [m]| {
            for ((p, &g), m) in v.iter_mut().zip(g).zip(m.iter_mut()) {
                let u = b1 * *m + g1 * g;
                let sign = if u > 0.0 {
                    1.0
                } else if u < 0.0 {
                    -1.0
                } else {
                    0.0
                };
                *p = *p * keep - lr * sign;
                *m = b2 * *m + g2 * g;
            }
        });
    }
}
