//! Adadelta, as PyTorch's `torch.optim.Adadelta`:
//!
//! ```text
//! state: square_avg = 0, acc_delta = 0, step = 0
//! g = -grad if maximize else grad
//! g = g + weight_decay * p                          (if weight_decay != 0)
//! square_avg = rho * square_avg + (1 - rho) * g * g
//! delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g
//! acc_delta = rho * acc_delta + (1 - rho) * delta * delta
//! p = p - lr * delta
//! ```

use crate::error::{check, OptimError};
use crate::per_param::{check_common, Algorithm, PerParam};
use serde::{Deserialize, Serialize};
use tapegrad_tensor::parallel::fused;

/// Adadelta's hyperparameters (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdadeltaConfig {
    /// Scale of the computed delta (default 1.0).
    pub lr: f64,
    /// Decay rate of the running averages, in [0, 1] (default 0.9).
    pub rho: f64,
    /// Added inside both square roots for numerical stability (default 1e-6).
    pub eps: f64,
    /// L2 penalty added to the gradient (default 0).
    pub weight_decay: f64,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for AdadeltaConfig {
    fn default() -> Self {
        AdadeltaConfig {
            lr: 1.0,
            rho: 0.9,
            eps: 1e-6,
            weight_decay: 0.0,
            maximize: false,
        }
    }
}

crate::optimizer_state! {
    /// Adadelta's per-parameter state.
    pub struct AdadeltaState {
        /// Running average of squared gradients.
        square_avg: Vec<f32>,
        /// Running average of squared updates.
        acc_delta: Vec<f32>,
    }
}

/// The Adadelta algorithm (use it as [`Adadelta`]).
#[derive(Clone, Copy, Debug)]
pub struct AdadeltaKind;

/// Adadelta: `Adadelta::new(params, AdadeltaConfig {..})`.
pub type Adadelta = PerParam<AdadeltaKind>;

impl Algorithm for AdadeltaKind {
    const NAME: &'static str = "Adadelta";
    type Config = AdadeltaConfig;
    type State = AdadeltaState;

    fn validate(c: &AdadeltaConfig) -> Result<(), OptimError> {
        // PyTorch's order: lr, rho, eps, weight_decay.
        check(c.lr >= 0.0, "learning rate", c.lr, "must be >= 0")?;
        check(
            (0.0..=1.0).contains(&c.rho),
            "rho value",
            c.rho,
            "must be in [0, 1]",
        )?;
        check_common(c.lr, Some(c.eps), c.weight_decay)
    }

    fn lr(c: &AdadeltaConfig) -> f64 {
        c.lr
    }

    fn set_lr(c: &mut AdadeltaConfig, lr: f64) {
        c.lr = lr;
    }

    fn new_state(
        _c: &AdadeltaConfig,
        _defaults: &AdadeltaConfig,
        shape: &[usize],
    ) -> AdadeltaState {
        let len = shape.iter().product();
        AdadeltaState {
            step: 0,
            square_avg: vec![0.0; len],
            acc_delta: vec![0.0; len],
        }
    }

    fn update(c: &AdadeltaConfig, s: &mut AdadeltaState, value: &mut [f32], grad: &[f32]) {
        s.step += 1;
        let rho = c.rho as f32;
        let one_minus_rho = (1.0 - c.rho) as f32;
        let eps = c.eps as f32;
        let neg_lr = -c.lr as f32;
        let wd = c.weight_decay as f32;
        let decay = c.weight_decay != 0.0;
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        let bufs = [s.square_avg.as_mut_slice(), s.acc_delta.as_mut_slice()];
        fused(value, grad, bufs, move |v, g, [sq, acc]| {
            let it = v.iter_mut().zip(g).zip(sq.iter_mut()).zip(acc.iter_mut());
            for (((p, &g), sq), acc) in it {
                let mut g = sign * g;
                if decay {
                    g += wd * *p;
                }
                *sq = *sq * rho + one_minus_rho * (g * g);
                let std = (*sq + eps).sqrt();
                let delta = (*acc + eps).sqrt() / std * g;
                *acc = *acc * rho + one_minus_rho * (delta * delta);
                *p += neg_lr * delta;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Optimizer;
    use tapegrad_tensor::{Param, Tensor};

    fn err(c: AdadeltaConfig) -> String {
        Adadelta::new(vec![], c).unwrap_err().to_string()
    }

    #[test]
    fn validation() {
        let d = AdadeltaConfig::default;
        assert!(err(AdadeltaConfig { lr: -1.0, ..d() }).starts_with("invalid learning rate: -1"));
        assert!(err(AdadeltaConfig { rho: 1.5, ..d() }).starts_with("invalid rho value: 1.5"));
        assert!(err(AdadeltaConfig { rho: -0.1, ..d() }).starts_with("invalid rho value: -0.1"));
        assert!(err(AdadeltaConfig { eps: -1.0, ..d() }).starts_with("invalid epsilon value: -1"));
        assert!(err(AdadeltaConfig {
            weight_decay: -1.0,
            ..d()
        })
        .starts_with("invalid weight_decay value: -1"));
        // rho = 1 is allowed, as in PyTorch.
        assert!(Adadelta::new(
            vec![Param::new("w", Tensor::zeros(&[1]))],
            AdadeltaConfig { rho: 1.0, ..d() }
        )
        .is_ok());
    }

    /// First step by hand: g = 1, rho 0.9, eps 1e-6: delta = sqrt(eps) / sqrt(0.1 + eps).
    #[test]
    fn first_step_by_hand() {
        let p = Param::new("w", Tensor::from_vec(vec![0.0], &[1]));
        let mut opt = Adadelta::new(vec![p.clone()], AdadeltaConfig::default()).unwrap();
        p.set_grad(Some(Tensor::from_vec(vec![1.0], &[1])));
        opt.step().unwrap();
        let want = -(1e-6f64.sqrt() / (0.1f64 + 1e-6).sqrt());
        assert!((p.value().to_vec()[0] as f64 - want).abs() < 1e-7);
    }
}
