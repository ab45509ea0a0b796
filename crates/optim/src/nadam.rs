//! NAdam (Adam with Nesterov momentum and momentum decay), as PyTorch's `torch.optim.NAdam`:
//!
//! ```text
//! state: exp_avg = 0, exp_avg_sq = 0, mu_product = 1 (a scalar), step = 0
//! step += 1
//! g = -grad if maximize else grad
//! if weight_decay != 0:
//!     p = p * (1 - lr * weight_decay)            (decoupled_weight_decay)
//!     g = g + weight_decay * p                   (otherwise)
//! mu      = beta1 * (1 - 0.5 * 0.96^(step * momentum_decay))
//! mu_next = beta1 * (1 - 0.5 * 0.96^((step + 1) * momentum_decay))
//! mu_product = mu_product * mu
//! exp_avg = exp_avg + (1 - beta1) * (g - exp_avg)          (lerp)
//! exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g
//! denom = sqrt(exp_avg_sq / (1 - beta2^step)) + eps
//! p = p - lr * (1 - mu) / (1 - mu_product) * g / denom
//!       - lr * mu_next / (1 - mu_product * mu_next) * exp_avg / denom
//! ```
//!
//! `mu_product` is kept in f64 and saved as the scalar `mu_product` of the state record.

use crate::adam::check_adam_family;
use crate::error::{check, OptimError};
use crate::per_param::{lr_and_momentum, Algorithm, PerParam};
use serde::{Deserialize, Serialize};
use tapegrad_tensor::parallel::fused;

/// NAdam's hyperparameters (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NadamConfig {
    /// Learning rate (default 2e-3).
    pub lr: f64,
    /// Decay rates of the first and second moment averages (default (0.9, 0.999)).
    pub betas: (f64, f64),
    /// Added to the denominator for numerical stability (default 1e-8).
    pub eps: f64,
    /// Weight decay (default 0): L2 penalty, or decoupled when `decoupled_weight_decay`.
    pub weight_decay: f64,
    /// Momentum decay psi of the momentum schedule (default 4e-3).
    pub momentum_decay: f64,
    /// Decay the weights directly, as AdamW does (default false).
    pub decoupled_weight_decay: bool,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for NadamConfig {
    fn default() -> Self {
        NadamConfig {
            lr: 2e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            momentum_decay: 4e-3,
            decoupled_weight_decay: false,
            maximize: false,
        }
    }
}

crate::optimizer_state! {
    /// NAdam's per-parameter state.
    pub struct NadamState {
        /// Product of the momentum schedule's `mu` over the steps taken (starts at 1).
        mu_product: f64,
        /// First moment.
        exp_avg: Vec<f32>,
        /// Second moment.
        exp_avg_sq: Vec<f32>,
    }
}

/// The NAdam algorithm (use it as [`Nadam`]).
#[derive(Clone, Copy, Debug)]
pub struct NadamKind;

/// NAdam: `Nadam::new(params, NadamConfig {..})`.
pub type Nadam = PerParam<NadamKind>;

impl Algorithm for NadamKind {
    const NAME: &'static str = "NAdam";
    type Config = NadamConfig;
    type State = NadamState;

    fn validate(c: &NadamConfig) -> Result<(), OptimError> {
        // PyTorch's order: lr, eps, betas, weight_decay, then momentum_decay.
        check_adam_family(c.lr, c.eps, c.betas, c.weight_decay)?;
        check(
            c.momentum_decay >= 0.0,
            "momentum_decay value",
            c.momentum_decay,
            "must be >= 0",
        )
    }

    lr_and_momentum!(NadamConfig, betas.0);

    fn new_state(_c: &NadamConfig, _defaults: &NadamConfig, shape: &[usize]) -> NadamState {
        let len = shape.iter().product();
        NadamState {
            step: 0,
            mu_product: 1.0,
            exp_avg: vec![0.0; len],
            exp_avg_sq: vec![0.0; len],
        }
    }

    fn update(c: &NadamConfig, s: &mut NadamState, value: &mut [f32], grad: &[f32]) {
        s.step += 1;
        let (beta1, beta2) = c.betas;
        let t = s.step as f64;
        let bias_correction2 = 1.0 - beta2.powf(t);
        let mu = beta1 * (1.0 - 0.5 * 0.96f64.powf(t * c.momentum_decay));
        let mu_next = beta1 * (1.0 - 0.5 * 0.96f64.powf((t + 1.0) * c.momentum_decay));
        s.mu_product *= mu;
        let mu_product_next = s.mu_product * mu_next;
        let c_grad = (-c.lr * (1.0 - mu) / (1.0 - s.mu_product)) as f32;
        let c_avg = ((-c.lr * mu_next) / (1.0 - mu_product_next)) as f32;
        let bc2 = bias_correction2 as f32;
        let w1 = (1.0 - beta1) as f32;
        let b2 = beta2 as f32;
        let w2 = (1.0 - beta2) as f32;
        let eps = c.eps as f32;
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        let has_wd = c.weight_decay != 0.0;
        let decoupled = has_wd && c.decoupled_weight_decay;
        let coupled = has_wd && !c.decoupled_weight_decay;
        let wd = c.weight_decay as f32;
        let shrink = (1.0 - c.lr * c.weight_decay) as f32;
        let bufs = [s.exp_avg.as_mut_slice(), s.exp_avg_sq.as_mut_slice()];
        fused(value, grad, bufs, move |p, g, [m, v]| {
            for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                let mut g = sign * g;
                if decoupled {
                    *p *= shrink;
                } else if coupled {
                    g += wd * *p;
                }
                *m += w1 * (g - *m);
                *v = *v * b2 + w2 * (g * g);
                let denom = (*v / bc2).sqrt() + eps;
                *p += c_grad * (g / denom);
                *p += c_avg * (*m / denom);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Optimizer;
    use tapegrad_tensor::{Param, Tensor};

    fn err(c: NadamConfig) -> String {
        Nadam::new(vec![], c).unwrap_err().to_string()
    }

    #[test]
    fn validation() {
        let d = NadamConfig::default;
        assert!(err(NadamConfig { lr: -1.0, ..d() }).starts_with("invalid learning rate: -1"));
        assert!(err(NadamConfig { eps: -1.0, ..d() }).starts_with("invalid epsilon value: -1"));
        assert!(err(NadamConfig {
            betas: (1.5, 0.9),
            ..d()
        })
        .starts_with("invalid beta parameter at index 0: 1.5"));
        assert!(err(NadamConfig {
            betas: (0.9, 2.0),
            ..d()
        })
        .starts_with("invalid beta parameter at index 1: 2"));
        assert!(err(NadamConfig {
            weight_decay: -1.0,
            ..d()
        })
        .starts_with("invalid weight_decay value: -1"));
        assert!(err(NadamConfig {
            momentum_decay: -1.0,
            ..d()
        })
        .starts_with("invalid momentum_decay value: -1"));
    }

    /// The first step by hand (g = 1): m = 0.1, v = 0.001, denom = 1 + eps,
    /// p = -lr (1 - mu1) / (1 - mu1) - lr mu2 / (1 - mu1 mu2) * 0.1.
    #[test]
    fn first_step_and_mu_product() {
        let p = Param::new("w", Tensor::from_vec(vec![0.0], &[1]));
        let mut opt = Nadam::new(vec![p.clone()], NadamConfig::default()).unwrap();
        p.set_grad(Some(Tensor::from_vec(vec![1.0], &[1])));
        opt.step().unwrap();
        let mu1 = 0.9 * (1.0 - 0.5 * 0.96f64.powf(0.004));
        let mu2 = 0.9 * (1.0 - 0.5 * 0.96f64.powf(0.008));
        let want = (-2e-3 - 2e-3 * mu2 / (1.0 - mu1 * mu2) * 0.1) / (1.0 + 1e-8);
        assert!((p.value().to_vec()[0] as f64 - want).abs() < 1e-8);
        let st = opt.groups()[0].state(0).unwrap();
        assert_eq!(st.mu_product, mu1);
    }
}
