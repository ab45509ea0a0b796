//! Adagrad, as PyTorch's `torch.optim.Adagrad` (the square-root form; some papers write the
//! accumulator without the root, PyTorch's is the one built here):
//!
//! ```text
//! state: sum = initial_accumulator_value (per element), step = 0
//! step += 1
//! g = -grad if maximize else grad
//! g = g + weight_decay * p                          (if weight_decay != 0)
//! clr = lr / (1 + (step - 1) * lr_decay)
//! sum = sum + g * g
//! p = p - clr * g / (sqrt(sum) + eps)
//! ```

use crate::error::{check, OptimError};
use crate::per_param::{check_common, Algorithm, PerParam};
use serde::{Deserialize, Serialize};
use tapegrad_tensor::parallel::fused;

/// Adagrad's hyperparameters (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdagradConfig {
    /// Learning rate (default 0.01).
    pub lr: f64,
    /// Learning-rate decay: step t uses `lr / (1 + (t - 1) * lr_decay)` (default 0).
    pub lr_decay: f64,
    /// L2 penalty added to the gradient (default 0).
    pub weight_decay: f64,
    /// Starting value of every element of the `sum` accumulator (default 0).
    pub initial_accumulator_value: f64,
    /// Added to the root of the accumulator for numerical stability (default 1e-10).
    pub eps: f64,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for AdagradConfig {
    fn default() -> Self {
        AdagradConfig {
            lr: 1e-2,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            maximize: false,
        }
    }
}

crate::optimizer_state! {
    /// Adagrad's per-parameter state.
    pub struct AdagradState {
        /// Running sum of squared gradients (PyTorch's `sum`).
        sum: Vec<f32>,
    }
}

/// The Adagrad algorithm (use it as [`Adagrad`]).
#[derive(Clone, Copy, Debug)]
pub struct AdagradKind;

/// Adagrad: `Adagrad::new(params, AdagradConfig {..})`.
pub type Adagrad = PerParam<AdagradKind>;

impl Algorithm for AdagradKind {
    const NAME: &'static str = "Adagrad";
    type Config = AdagradConfig;
    type State = AdagradState;

    fn validate(c: &AdagradConfig) -> Result<(), OptimError> {
        // PyTorch's order: lr, lr_decay, weight_decay, initial_accumulator_value, eps.
        check(c.lr >= 0.0, "learning rate", c.lr, "must be >= 0")?;
        check(
            c.lr_decay >= 0.0,
            "lr_decay value",
            c.lr_decay,
            "must be >= 0",
        )?;
        check_common(c.lr, None, c.weight_decay)?;
        check(
            c.initial_accumulator_value >= 0.0,
            "initial_accumulator_value value",
            c.initial_accumulator_value,
            "must be >= 0",
        )?;
        check(c.eps >= 0.0, "epsilon value", c.eps, "must be >= 0")
    }

    fn lr(c: &AdagradConfig) -> f64 {
        c.lr
    }

    fn set_lr(c: &mut AdagradConfig, lr: f64) {
        c.lr = lr;
    }

    fn new_state(_c: &AdagradConfig, defaults: &AdagradConfig, shape: &[usize]) -> AdagradState {
        let len = shape.iter().product();
        AdagradState {
            step: 0,
            // PyTorch fills `sum` from the constructor's value, not the group's.
            sum: vec![defaults.initial_accumulator_value as f32; len],
        }
    }

    fn update(c: &AdagradConfig, s: &mut AdagradState, value: &mut [f32], grad: &[f32]) {
        s.step += 1;
        let clr = c.lr / (1.0 + (s.step - 1) as f64 * c.lr_decay);
        let neg_clr = -clr as f32;
        let eps = c.eps as f32;
        let wd = c.weight_decay as f32;
        let decay = c.weight_decay != 0.0;
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        fused(value, grad, [s.sum.as_mut_slice()], move |v, g, [sum]| {
            for ((p, &g), sum) in v.iter_mut().zip(g).zip(sum.iter_mut()) {
                let mut g = sign * g;
                if decay {
                    g += wd * *p;
                }
                *sum += g * g;
                *p += neg_clr * (g / (sum.sqrt() + eps));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Optimizer;
    use tapegrad_tensor::{Param, Tensor};

    fn err(c: AdagradConfig) -> String {
        Adagrad::new(vec![], c).unwrap_err().to_string()
    }

    #[test]
    fn validation() {
        let d = AdagradConfig::default;
        assert_eq!(
            err(AdagradConfig { lr: -1.0, ..d() }),
            "invalid learning rate: -1 (must be >= 0)"
        );
        assert!(err(AdagradConfig {
            lr_decay: -0.5,
            ..d()
        })
        .starts_with("invalid lr_decay value: -0.5"));
        assert!(err(AdagradConfig {
            initial_accumulator_value: -1.0,
            ..d()
        })
        .starts_with("invalid initial_accumulator_value value: -1"));
        assert!(
            err(AdagradConfig { eps: -1e-3, ..d() }).starts_with("invalid epsilon value: -0.001")
        );
        assert!(err(AdagradConfig {
            weight_decay: -1.0,
            ..d()
        })
        .starts_with("invalid weight_decay value: -1"));
        assert!(err(AdagradConfig {
            lr: f64::NAN,
            ..d()
        })
        .starts_with("invalid learning rate: NaN"));
    }

    /// Two steps by hand: p=1, g=0.5 then g=-1, lr 0.1, lr_decay 0.5, init acc 0.25.
    #[test]
    fn two_steps_by_hand() {
        let p = Param::new("w", Tensor::from_vec(vec![1.0], &[1]));
        let cfg = AdagradConfig {
            lr: 0.1,
            lr_decay: 0.5,
            initial_accumulator_value: 0.25,
            ..Default::default()
        };
        let mut opt = Adagrad::new(vec![p.clone()], cfg).unwrap();
        p.set_grad(Some(Tensor::from_vec(vec![0.5], &[1])));
        opt.step().unwrap();
        // sum = 0.5, p = 1 - 0.1 * 0.5 / sqrt(0.5)
        let p1 = 1.0 - 0.1 * 0.5 / 0.5f64.sqrt();
        assert!((p.value().to_vec()[0] as f64 - p1).abs() < 1e-6);
        p.set_grad(Some(Tensor::from_vec(vec![-1.0], &[1])));
        opt.step().unwrap();
        // clr = 0.1 / 1.5, sum = 1.5
        let p2 = p1 + 0.1 / 1.5 / 1.5f64.sqrt();
        assert!((p.value().to_vec()[0] as f64 - p2).abs() < 1e-6);
    }
}
