//! Adamax (Adam with the infinity norm), as PyTorch's `torch.optim.Adamax`:
//!
//! ```text
//! state: exp_avg = 0, exp_inf = 0, step = 0
//! step += 1
//! g = -grad if maximize else grad
//! g = g + weight_decay * p                          (if weight_decay != 0)
//! exp_avg = exp_avg + (1 - beta1) * (g - exp_avg)   (lerp)
//! exp_inf = max(beta2 * exp_inf, |g| + eps)
//! p = p - lr / (1 - beta1^step) * exp_avg / exp_inf
//! ```

use crate::adam::check_adam_family;
use crate::error::OptimError;
use crate::per_param::{lr_and_momentum, Algorithm, PerParam};
use serde::{Deserialize, Serialize};
use tapegrad_tensor::parallel::fused;

/// Adamax's hyperparameters (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdamaxConfig {
    /// Learning rate (default 2e-3).
    pub lr: f64,
    /// Decay rates of the first moment and of the infinity norm (default (0.9, 0.999)).
    pub betas: (f64, f64),
    /// Added to |g| for numerical stability (default 1e-8).
    pub eps: f64,
    /// L2 penalty added to the gradient (default 0).
    pub weight_decay: f64,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for AdamaxConfig {
    fn default() -> Self {
        AdamaxConfig {
            lr: 2e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            maximize: false,
        }
    }
}

crate::optimizer_state! {
    /// Adamax's per-parameter state.
    pub struct AdamaxState {
        /// First moment.
        exp_avg: Vec<f32>,
        /// Exponentially weighted infinity norm.
        exp_inf: Vec<f32>,
    }
}

/// The Adamax algorithm (use it as [`Adamax`]).
#[derive(Clone, Copy, Debug)]
pub struct AdamaxKind;

/// Adamax: `Adamax::new(params, AdamaxConfig {..})`.
pub type Adamax = PerParam<AdamaxKind>;

impl Algorithm for AdamaxKind {
    const NAME: &'static str = "Adamax";
    type Config = AdamaxConfig;
    type State = AdamaxState;

    fn validate(c: &AdamaxConfig) -> Result<(), OptimError> {
        check_adam_family(c.lr, c.eps, c.betas, c.weight_decay)
    }

    lr_and_momentum!(AdamaxConfig, betas.0);

    fn new_state(_c: &AdamaxConfig, _defaults: &AdamaxConfig, shape: &[usize]) -> AdamaxState {
        let len = shape.iter().product();
        AdamaxState {
            step: 0,
            exp_avg: vec![0.0; len],
            exp_inf: vec![0.0; len],
        }
    }

    fn update(c: &AdamaxConfig, s: &mut AdamaxState, value: &mut [f32], grad: &[f32]) {
        s.step += 1;
        let (beta1, beta2) = c.betas;
        let bias_correction = 1.0 - beta1.powf(s.step as f64);
        let neg_clr = (-c.lr / bias_correction) as f32;
        let w1 = (1.0 - beta1) as f32;
        let b2 = beta2 as f32;
        let eps = c.eps as f32;
        let wd = c.weight_decay as f32;
        let decay = c.weight_decay != 0.0;
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        let bufs = [s.exp_avg.as_mut_slice(), s.exp_inf.as_mut_slice()];
        fused(value, grad, bufs, move |p, g, [m, u]| {
            for (((p, &g), m), u) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(u.iter_mut()) {
                let mut g = sign * g;
                if decay {
                    g += wd * *p;
                }
                *m += w1 * (g - *m);
                *u = (*u * b2).max(g.abs() + eps);
                *p += neg_clr * (*m / *u);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Optimizer;
    use tapegrad_tensor::{Param, Tensor};

    fn err(c: AdamaxConfig) -> String {
        Adamax::new(vec![], c).unwrap_err().to_string()
    }

    #[test]
    fn validation() {
        let d = AdamaxConfig::default;
        assert!(err(AdamaxConfig { lr: -1.0, ..d() }).starts_with("invalid learning rate: -1"));
        assert!(err(AdamaxConfig { eps: -1.0, ..d() }).starts_with("invalid epsilon value: -1"));
        assert!(err(AdamaxConfig {
            betas: (1.5, 0.9),
            ..d()
        })
        .starts_with("invalid beta parameter at index 0: 1.5"));
        assert!(err(AdamaxConfig {
            betas: (0.5, 1.0),
            ..d()
        })
        .starts_with("invalid beta parameter at index 1: 1"));
        assert!(err(AdamaxConfig {
            weight_decay: -1.0,
            ..d()
        })
        .starts_with("invalid weight_decay value: -1"));
    }

    /// The first step moves by lr * g / (|g| + eps), i.e. about lr against the sign.
    #[test]
    fn first_step_by_hand() {
        let p = Param::new("w", Tensor::from_vec(vec![0.0, 0.0], &[2]));
        let mut opt = Adamax::new(vec![p.clone()], AdamaxConfig::default()).unwrap();
        p.set_grad(Some(Tensor::from_vec(vec![4.0, -0.5], &[2])));
        opt.step().unwrap();
        let v = p.value().to_vec();
        assert!(
            (v[0] + 2e-3).abs() < 1e-7 && (v[1] - 2e-3).abs() < 1e-7,
            "{v:?}"
        );
    }
}
