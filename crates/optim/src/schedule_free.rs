//! Schedule-Free AdamW (Defazio et al. 2024, "The Road Less Scheduled"), as its authors'
//! package `schedulefree` (1.4.1, `AdamWScheduleFree`) computes it: no learning-rate schedule
//! to set, because the iterate interpolates between a fast sequence `z` and its running
//! average `x`; the param holds the interpolation `y` while training.
//!
//! ```text
//! per step and group: k = step count; sched = (k + 1) / warmup_steps while k < warmup_steps
//!   lr = lr * sched;  lr_max = max(lr, lr_max);  weight = (k + 1)^r * lr_max^weight_lr_power
//!   weight_sum += weight;  ckp1 = weight / weight_sum
//! per param (z = p at its first step):
//!   exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g^2
//!   u = g / (sqrt(exp_avg_sq / (1 - beta2^(k + 1))) + eps) + weight_decay * y
//!   y = lerp(y, z, ckp1);   y = y + lr * (beta1 * (1 - ckp1) - 1) * u;   z = z - lr * u
//! ```
//!
//! **Train and eval.** The params hold `y` for training and must hold `x` for evaluating (and
//! for saving a model to use): call [`Optimizer::train`](crate::Optimizer::train) before
//! training and [`Optimizer::eval`](crate::Optimizer::eval) before evaluating, as with the
//! package (`y = lerp(x, z,
//! 1 - beta1)`, and back). As there, a new optimizer starts in eval mode and `step` refuses to
//! run outside train mode. The group's step count, weight sum and mode are saved with the
//! optimizer's state.
//!
//! ```
//! use tapegrad_optim::{Optimizer, ScheduleFreeAdamW, ScheduleFreeAdamWConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let w = Param::new("w", Tensor::ones(&[3]));
//! let mut opt = ScheduleFreeAdamW::new(vec![w.clone()], ScheduleFreeAdamWConfig::default()).unwrap();
//! w.set_grad(Some(Tensor::ones(&[3])));
//! assert!(opt.step().is_err()); // not in train mode yet
//! opt.train();
//! opt.step().unwrap();
//! opt.eval(); // w now holds the averaged iterate x
//! ```

use crate::error::{check, OptimError};
use crate::lerp::lerp;
use crate::per_param::{
    check_common, lr_and_momentum, Algorithm, GroupValues, PerParam, TRAIN_MODE,
};
use serde::{Deserialize, Serialize};
use tapegrad_tensor::parallel::fused;

/// Schedule-Free AdamW's hyperparameters (the package's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleFreeAdamWConfig {
    /// Learning rate (default 0.0025).
    pub lr: f64,
    /// `(beta1, beta2)`: the interpolation weight and the second-moment decay (default (0.9,
    /// 0.999)).
    pub betas: (f64, f64),
    /// Added to the root of the second moment (default 1e-8).
    pub eps: f64,
    /// Weight decay, applied at `y` (default 0).
    pub weight_decay: f64,
    /// Linear warm-up of the rate over this many steps (default 0).
    pub warmup_steps: u64,
    /// Polynomial weighting of the average (default 0).
    pub r: f64,
    /// Weighting of the average by the largest rate so far (default 2).
    pub weight_lr_power: f64,
    /// This step's scalars, computed once per group before the updates (leave it default).
    #[doc(hidden)]
    #[serde(skip)]
    pub step: StepScalars,
}

/// The per-step scalars of a group (internal).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct StepScalars {
    lr: f64,
    ckp1: f64,
    bias_correction2: f64,
}

impl Default for ScheduleFreeAdamWConfig {
    fn default() -> Self {
        ScheduleFreeAdamWConfig {
            lr: 0.0025,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            warmup_steps: 0,
            r: 0.0,
            weight_lr_power: 2.0,
            step: StepScalars::default(),
        }
    }
}

crate::optimizer_state! {
    /// Schedule-Free AdamW's per-parameter state (the package's names).
    pub struct ScheduleFreeAdamWState {
        /// The fast sequence.
        z: Vec<f32>,
        /// Second moment.
        exp_avg_sq: Vec<f32>,
    }
}

/// The Schedule-Free AdamW algorithm (use it as [`ScheduleFreeAdamW`]).
#[derive(Clone, Copy, Debug)]
pub struct ScheduleFreeAdamWKind;

/// Schedule-Free AdamW: `ScheduleFreeAdamW::new(params, ScheduleFreeAdamWConfig {..})`; call
/// `train()` before training and `eval()` before evaluating.
pub type ScheduleFreeAdamW = PerParam<ScheduleFreeAdamWKind>;

impl Algorithm for ScheduleFreeAdamWKind {
    const NAME: &'static str = "AdamWScheduleFree";
    type Config = ScheduleFreeAdamWConfig;
    type State = ScheduleFreeAdamWState;

    fn validate(c: &ScheduleFreeAdamWConfig) -> Result<(), OptimError> {
        check_common(c.lr, Some(c.eps), c.weight_decay)?;
        crate::adam::check_betas(c.betas)?;
        check(c.r.is_finite(), "r", c.r, "must be finite")?;
        check(
            c.weight_lr_power.is_finite(),
            "weight_lr_power",
            c.weight_lr_power,
            "must be finite",
        )
    }

    const HAS_MODES: bool = true;

    lr_and_momentum!(ScheduleFreeAdamWConfig, betas.0);

    /// `y = lerp(x, z, 1 - beta1)` to train, `x = lerp(y, z, 1 - 1/beta1)` to evaluate.
    fn swap_mode(
        c: &ScheduleFreeAdamWConfig,
        s: &ScheduleFreeAdamWState,
        value: &mut [f32],
        to_train: bool,
    ) {
        let beta1 = c.betas.0;
        let weight = if to_train {
            1.0 - beta1
        } else {
            1.0 - 1.0 / beta1
        } as f32;
        for (y, &z) in value.iter_mut().zip(&s.z) {
            *y = lerp(*y, z, weight);
        }
    }

    fn prepare_group(
        c: &mut ScheduleFreeAdamWConfig,
        values: &mut GroupValues,
        first: bool,
    ) -> Result<(), OptimError> {
        if first && values.get(TRAIN_MODE) != Some(1.0) {
            return Err(OptimError::InvalidOptions {
                optimizer: Self::NAME,
                message: "the optimizer is not in train mode: call train() before stepping \
                          (and eval() before evaluating)"
                    .into(),
            });
        }
        let k = values.get("k").unwrap_or(0.0);
        let sched = if k < c.warmup_steps as f64 {
            (k + 1.0) / c.warmup_steps as f64
        } else {
            1.0
        };
        let lr = c.lr * sched;
        let lr_max = lr.max(values.get("lr_max").unwrap_or(-1.0));
        let weight = (k + 1.0).powf(c.r) * lr_max.powf(c.weight_lr_power);
        let weight_sum = values.get("weight_sum").unwrap_or(0.0) + weight;
        let ckp1 = if weight_sum == 0.0 {
            0.0
        } else {
            weight / weight_sum
        };
        c.step = StepScalars {
            lr,
            ckp1,
            bias_correction2: 1.0 - c.betas.1.powf(k + 1.0),
        };
        values.set("scheduled_lr", lr);
        values.set("lr_max", lr_max);
        values.set("weight_sum", weight_sum);
        values.set("k", k + 1.0);
        Ok(())
    }

    fn new_state(
        _c: &ScheduleFreeAdamWConfig,
        _d: &ScheduleFreeAdamWConfig,
        shape: &[usize],
    ) -> ScheduleFreeAdamWState {
        // `z` starts as the param: filled at the first update, which sees the value.
        ScheduleFreeAdamWState {
            step: 0,
            z: Vec::new(),
            exp_avg_sq: vec![0.0; shape.iter().product()],
        }
    }

    fn update(
        c: &ScheduleFreeAdamWConfig,
        s: &mut ScheduleFreeAdamWState,
        value: &mut [f32],
        grad: &[f32],
    ) {
        if s.step == 0 {
            s.z = value.to_vec();
        }
        s.step += 1;
        let StepScalars {
            lr,
            ckp1,
            bias_correction2,
        } = c.step;
        let (b2, g2) = (c.betas.1 as f32, (1.0 - c.betas.1) as f32);
        let bc2 = bias_correction2 as f32;
        let (eps, decay) = (c.eps as f32, c.weight_decay as f32);
        let to_z = ckp1 as f32;
        let y_step = (lr * (c.betas.0 * (1.0 - ckp1) - 1.0)) as f32;
        let z_step = lr as f32;
        fused(
            value,
            grad,
            [s.z.as_mut_slice(), s.exp_avg_sq.as_mut_slice()],
            move |v, g, [z, v2]| {
                for (((y, &g), z), v2) in v.iter_mut().zip(g).zip(z.iter_mut()).zip(v2.iter_mut()) {
                    *v2 = *v2 * b2 + g2 * g * g;
                    let u = g / ((*v2 / bc2).sqrt() + eps) + decay * *y;
                    *y = lerp(*y, *z, to_z);
                    *y += y_step * u;
                    *z -= z_step * u;
                }
            },
        );
    }
}
