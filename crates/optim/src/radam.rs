//! RAdam (rectified Adam), as PyTorch's `torch.optim.RAdam`:
//!
//! ```text
//! state: exp_avg = 0, exp_avg_sq = 0, step = 0
//! step += 1
//! g = -grad if maximize else grad
//! if weight_decay != 0:
//!     p = p * (1 - lr * weight_decay)            (decoupled_weight_decay)
//!     g = g + weight_decay * p                   (otherwise)
//! exp_avg = exp_avg + (1 - beta1) * (g - exp_avg)          (lerp)
//! exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g
//! bias_correction1 = 1 - beta1^step;  bias_correction2 = 1 - beta2^step
//! rho_inf = 2 / (1 - beta2) - 1
//! rho_t = rho_inf - 2 * step * beta2^step / bias_correction2
//! if rho_t > 5:
//!     rect = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
//!     p = p - exp_avg / bias_correction1 * lr * sqrt(bias_correction2) / (sqrt(exp_avg_sq) + eps) * rect
//! else:
//!     p = p - exp_avg / bias_correction1 * lr
//! ```
//!
//! The branch depends on the step only, so it is taken once per step, outside the loop.

use crate::adam::check_adam_family;
use crate::error::OptimError;
use crate::per_param::{lr_and_momentum, Algorithm, PerParam};
use serde::{Deserialize, Serialize};
use tapegrad_tensor::parallel::fused;

/// RAdam's hyperparameters (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RadamConfig {
    /// Learning rate (default 1e-3).
    pub lr: f64,
    /// Decay rates of the first and second moment averages (default (0.9, 0.999)).
    pub betas: (f64, f64),
    /// Added to the denominator for numerical stability (default 1e-8).
    pub eps: f64,
    /// Weight decay (default 0): L2 penalty, or decoupled when `decoupled_weight_decay`.
    pub weight_decay: f64,
    /// Decay the weights directly, as AdamW does (default false).
    pub decoupled_weight_decay: bool,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for RadamConfig {
    fn default() -> Self {
        RadamConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled_weight_decay: false,
            maximize: false,
        }
    }
}

crate::optimizer_state! {
    /// RAdam's per-parameter state.
    pub struct RadamState {
        /// First moment.
        exp_avg: Vec<f32>,
        /// Second moment.
        exp_avg_sq: Vec<f32>,
    }
}

/// The RAdam algorithm (use it as [`Radam`]).
#[derive(Clone, Copy, Debug)]
pub struct RadamKind;

/// RAdam: `Radam::new(params, RadamConfig {..})`.
pub type Radam = PerParam<RadamKind>;

impl Algorithm for RadamKind {
    const NAME: &'static str = "RAdam";
    type Config = RadamConfig;
    type State = RadamState;

    fn validate(c: &RadamConfig) -> Result<(), OptimError> {
        check_adam_family(c.lr, c.eps, c.betas, c.weight_decay)
    }

    lr_and_momentum!(RadamConfig, betas.0);

    fn new_state(_c: &RadamConfig, _defaults: &RadamConfig, shape: &[usize]) -> RadamState {
        let len = shape.iter().product();
        RadamState {
            step: 0,
            exp_avg: vec![0.0; len],
            exp_avg_sq: vec![0.0; len],
        }
    }

    fn update(c: &RadamConfig, s: &mut RadamState, value: &mut [f32], grad: &[f32]) {
        s.step += 1;
        let (beta1, beta2) = c.betas;
        let t = s.step as f64;
        let bias_correction1 = 1.0 - beta1.powf(t);
        let bias_correction2 = 1.0 - beta2.powf(t);
        let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
        let rho_t = rho_inf - 2.0 * t * beta2.powf(t) / bias_correction2;
        // rect * sqrt(bias_correction2), or None for the un-adapted (SGD with momentum) step.
        let adapt = (rho_t > 5.0).then(|| {
            let rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                .sqrt();
            (bias_correction2.sqrt() as f32, rect as f32)
        });
        let bc1 = bias_correction1 as f32;
        let lr = c.lr as f32;
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
                let corrected = *m / bc1 * lr;
                match adapt {
                    Some((bc2_sqrt, rect)) => {
                        *p -= corrected * (bc2_sqrt / (v.sqrt() + eps)) * rect;
                    }
                    None => *p -= corrected,
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Optimizer;
    use tapegrad_tensor::{Param, Tensor};

    fn err(c: RadamConfig) -> String {
        Radam::new(vec![], c).unwrap_err().to_string()
    }

    #[test]
    fn validation() {
        let d = RadamConfig::default;
        assert!(err(RadamConfig { lr: -1.0, ..d() }).starts_with("invalid learning rate: -1"));
        assert!(err(RadamConfig { eps: -1.0, ..d() }).starts_with("invalid epsilon value: -1"));
        assert!(err(RadamConfig {
            betas: (1.0, 0.9),
            ..d()
        })
        .starts_with("invalid beta parameter at index 0: 1"));
        assert!(err(RadamConfig {
            betas: (0.9, -0.5),
            ..d()
        })
        .starts_with("invalid beta parameter at index 1: -0.5"));
        assert!(err(RadamConfig {
            weight_decay: -1.0,
            ..d()
        })
        .starts_with("invalid weight_decay value: -1"));
    }

    /// The first steps are un-adapted (rho_t <= 5): step 1 moves by lr * g exactly.
    #[test]
    fn first_step_is_momentum_sgd() {
        let p = Param::new("w", Tensor::from_vec(vec![1.0, 1.0], &[2]));
        let mut opt = Radam::new(
            vec![p.clone()],
            RadamConfig {
                lr: 0.5,
                ..Default::default()
            },
        )
        .unwrap();
        p.set_grad(Some(Tensor::from_vec(vec![0.25, -2.0], &[2])));
        opt.step().unwrap();
        let v = p.value().to_vec();
        assert!(
            (v[0] - 0.875).abs() < 1e-6 && (v[1] - 2.0).abs() < 1e-6,
            "{v:?}"
        );
    }
}
