//! Adam and AdamW (with the AMSGrad variant), as PyTorch's `torch.optim.Adam` and
//! `torch.optim.AdamW`:
//!
//! ```text
//! state: exp_avg = 0, exp_avg_sq = 0, max_exp_avg_sq = 0 (if amsgrad), step = 0
//! step += 1
//! g = -grad if maximize else grad
//! if weight_decay != 0:
//!     p = p * (1 - lr * weight_decay)        (decoupled: AdamW, or Adam's decoupled_weight_decay)
//!     g = g + weight_decay * p               (otherwise: L2 penalty, Adam's default)
//! exp_avg = exp_avg + (1 - beta1) * (g - exp_avg)          (lerp)
//! exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g
//! bias_correction1 = 1 - beta1^step;  bias_correction2 = 1 - beta2^step
//! v = max(max_exp_avg_sq, exp_avg_sq) -> max_exp_avg_sq   (if amsgrad) else exp_avg_sq
//! denom = sqrt(v) / sqrt(bias_correction2) + eps
//! p = p - (lr / bias_correction1) * exp_avg / denom
//! ```
//!
//! Scalars (bias corrections, step size) are computed in f64, per-element math in f32, in one
//! fused pass over param, gradient and state. AdamW is Adam with decoupled weight decay and a
//! default `weight_decay` of 0.01, exactly as in PyTorch (whose `AdamW` is an `Adam` subclass).
//!
//! The Adam-like optimizers (NAdam, RAdam, Adamax) share [`check_betas`] from here.

use crate::error::{check, OptimError};
use crate::per_param::{lr_and_momentum, Algorithm, PerParam};
use serde::{Deserialize, Serialize};
use tapegrad_tensor::parallel::fused;

/// Adam's hyperparameters (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdamConfig {
    /// Learning rate (default 1e-3).
    pub lr: f64,
    /// Decay rates of the first and second moment averages (default (0.9, 0.999)).
    pub betas: (f64, f64),
    /// Added to the denominator for numerical stability (default 1e-8).
    pub eps: f64,
    /// Weight decay (default 0): an L2 penalty added to the gradient, or decoupled (as AdamW)
    /// when `decoupled_weight_decay` is set.
    pub weight_decay: f64,
    /// Use the AMSGrad variant (the running maximum of `exp_avg_sq`) (default false).
    pub amsgrad: bool,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
    /// Decay the weights directly (`p *= 1 - lr * weight_decay`), making this AdamW
    /// (default false).
    pub decoupled_weight_decay: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            maximize: false,
            decoupled_weight_decay: false,
        }
    }
}

/// AdamW's hyperparameters (PyTorch's names and defaults; the weight decay is always
/// decoupled).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdamWConfig {
    /// Learning rate (default 1e-3).
    pub lr: f64,
    /// Decay rates of the first and second moment averages (default (0.9, 0.999)).
    pub betas: (f64, f64),
    /// Added to the denominator for numerical stability (default 1e-8).
    pub eps: f64,
    /// Decoupled weight decay: `p *= 1 - lr * weight_decay` each step (default 0.01).
    pub weight_decay: f64,
    /// Use the AMSGrad variant (default false).
    pub amsgrad: bool,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        AdamWConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 1e-2,
            amsgrad: false,
            maximize: false,
        }
    }
}

impl From<&AdamWConfig> for AdamConfig {
    fn from(c: &AdamWConfig) -> AdamConfig {
        AdamConfig {
            lr: c.lr,
            betas: c.betas,
            eps: c.eps,
            weight_decay: c.weight_decay,
            amsgrad: c.amsgrad,
            maximize: c.maximize,
            decoupled_weight_decay: true,
        }
    }
}

crate::optimizer_state! {
    /// The per-parameter state of Adam and AdamW.
    pub struct AdamState {
        /// First moment (running average of gradients).
        exp_avg: Vec<f32>,
        /// Second moment (running average of squared gradients).
        exp_avg_sq: Vec<f32>,
        /// Running maximum of `exp_avg_sq` (AMSGrad only).
        max_exp_avg_sq: Option<Vec<f32>>,
    }
}

/// The Adam algorithm (use it as [`Adam`]).
#[derive(Clone, Copy, Debug)]
pub struct AdamKind;

/// The AdamW algorithm (use it as [`AdamW`]).
#[derive(Clone, Copy, Debug)]
pub struct AdamWKind;

/// Adam: `Adam::new(params, AdamConfig {..})`.
pub type Adam = PerParam<AdamKind>;

/// AdamW (Adam with decoupled weight decay): `AdamW::new(params, AdamWConfig {..})`.
pub type AdamW = PerParam<AdamWKind>;

/// Checks Adam-style `betas`: each in [0, 1) (PyTorch's "Invalid beta parameter at index i").
pub(crate) fn check_betas(betas: (f64, f64)) -> Result<(), OptimError> {
    check(
        (0.0..1.0).contains(&betas.0),
        "beta parameter at index 0",
        betas.0,
        "must be in [0, 1)",
    )?;
    check(
        (0.0..1.0).contains(&betas.1),
        "beta parameter at index 1",
        betas.1,
        "must be in [0, 1)",
    )
}

/// The checks the Adam family (Adam, AdamW, Adamax, NAdam, RAdam) shares, in PyTorch's order:
/// lr, eps, betas, weight_decay.
pub(crate) fn check_adam_family(
    lr: f64,
    eps: f64,
    betas: (f64, f64),
    weight_decay: f64,
) -> Result<(), OptimError> {
    check(lr >= 0.0, "learning rate", lr, "must be >= 0")?;
    check(eps >= 0.0, "epsilon value", eps, "must be >= 0")?;
    check_betas(betas)?;
    check(
        weight_decay >= 0.0,
        "weight_decay value",
        weight_decay,
        "must be >= 0",
    )
}

/// Adam's checks.
fn validate_adam(c: &AdamConfig) -> Result<(), OptimError> {
    check_adam_family(c.lr, c.eps, c.betas, c.weight_decay)
}

fn new_adam_state(amsgrad: bool, len: usize) -> AdamState {
    AdamState {
        step: 0,
        exp_avg: vec![0.0; len],
        exp_avg_sq: vec![0.0; len],
        max_exp_avg_sq: amsgrad.then(|| vec![0.0; len]),
    }
}

/// Weight-decay modes, as a const parameter so the per-element loop has no branch.
const NO_DECAY: u8 = 0;
const L2: u8 = 1;
const DECOUPLED: u8 = 2;

/// The per-step scalars of Adam's per-element update.
#[derive(Clone, Copy)]
struct AdamScalars {
    sign: f32,
    weight_decay: f32,
    shrink: f32,
    w1: f32,
    b2: f32,
    w2: f32,
    eps: f32,
    bc2_sqrt: f32,
    neg_step_size: f32,
}

impl AdamScalars {
    /// The gradient after maximize and weight decay; decays `p` itself when decoupled.
    #[inline(always)]
    fn grad<const MODE: u8>(&self, g: f32, p: &mut f32) -> f32 {
        let g = self.sign * g;
        match MODE {
            L2 => g + self.weight_decay * *p,
            DECOUPLED => {
                *p *= self.shrink;
                g
            }
            _ => g,
        }
    }

    /// Updates both moments; returns the new `exp_avg_sq`.
    #[inline(always)]
    fn moments(&self, g: f32, m: &mut f32, v: &mut f32) -> f32 {
        *m += self.w1 * (g - *m);
        *v = *v * self.b2 + self.w2 * (g * g);
        *v
    }

    #[inline(always)]
    fn apply(&self, p: &mut f32, m: f32, v: f32) {
        let denom = v.sqrt() / self.bc2_sqrt + self.eps;
        *p += self.neg_step_size * (m / denom);
    }
}

/// The fused loop for one weight-decay mode.
///
/// Trap: the closures are `move`, so they hold the scalars by value. Capturing them by
/// reference (a plain closure) kept LLVM from vectorising the loop (scalar `sqrtss`/`divss`,
/// about 4x slower per element); every optimizer's loop here follows the same rule.
fn adam_loop<const MODE: u8>(
    k: AdamScalars,
    value: &mut [f32],
    grad: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    vmax: Option<&mut [f32]>,
) {
    match vmax {
        Some(vmax) => fused(value, grad, [m, v, vmax], move |p, g, [m, v, vmax]| {
            let it = p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut());
            for ((((p, &g), m), v), vmax) in it.zip(vmax.iter_mut()) {
                let g = k.grad::<MODE>(g, p);
                let v = k.moments(g, m, v);
                *vmax = vmax.max(v);
                k.apply(p, *m, *vmax);
            }
        }),
        None => fused(value, grad, [m, v], move |p, g, [m, v]| {
            for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                let g = k.grad::<MODE>(g, p);
                let v = k.moments(g, m, v);
                k.apply(p, *m, v);
            }
        }),
    }
}

/// One Adam/AdamW step for one param (see the module docs).
fn adam_update(c: &AdamConfig, s: &mut AdamState, value: &mut [f32], grad: &[f32]) {
    s.step += 1;
    let (beta1, beta2) = c.betas;
    let t = s.step as f64;
    let bias_correction1 = 1.0 - beta1.powf(t);
    let bias_correction2 = 1.0 - beta2.powf(t);
    let k = AdamScalars {
        sign: if c.maximize { -1.0 } else { 1.0 },
        weight_decay: c.weight_decay as f32,
        shrink: (1.0 - c.lr * c.weight_decay) as f32,
        w1: (1.0 - beta1) as f32,
        b2: beta2 as f32,
        w2: (1.0 - beta2) as f32,
        eps: c.eps as f32,
        bc2_sqrt: bias_correction2.sqrt() as f32,
        neg_step_size: (-c.lr / bias_correction1) as f32,
    };
    let n = value.len();
    let vmax = if c.amsgrad {
        Some(
            s.max_exp_avg_sq
                .get_or_insert_with(|| vec![0.0; n])
                .as_mut_slice(),
        )
    } else {
        None
    };
    let (m, v) = (s.exp_avg.as_mut_slice(), s.exp_avg_sq.as_mut_slice());
    match (c.weight_decay != 0.0, c.decoupled_weight_decay) {
        (false, _) => adam_loop::<NO_DECAY>(k, value, grad, m, v, vmax),
        (true, false) => adam_loop::<L2>(k, value, grad, m, v, vmax),
        (true, true) => adam_loop::<DECOUPLED>(k, value, grad, m, v, vmax),
    }
}

impl Algorithm for AdamKind {
    const NAME: &'static str = "Adam";
    type Config = AdamConfig;
    type State = AdamState;

    fn validate(c: &AdamConfig) -> Result<(), OptimError> {
        validate_adam(c)
    }

    lr_and_momentum!(AdamConfig, betas.0);

    fn new_state(c: &AdamConfig, _defaults: &AdamConfig, shape: &[usize]) -> AdamState {
        let len = shape.iter().product();
        new_adam_state(c.amsgrad, len)
    }

    fn update(c: &AdamConfig, s: &mut AdamState, value: &mut [f32], grad: &[f32]) {
        adam_update(c, s, value, grad);
    }
}

impl Algorithm for AdamWKind {
    const NAME: &'static str = "AdamW";
    type Config = AdamWConfig;
    type State = AdamState;

    fn validate(c: &AdamWConfig) -> Result<(), OptimError> {
        validate_adam(&c.into())
    }

    lr_and_momentum!(AdamWConfig, betas.0);

    fn new_state(c: &AdamWConfig, _defaults: &AdamWConfig, shape: &[usize]) -> AdamState {
        let len = shape.iter().product();
        new_adam_state(c.amsgrad, len)
    }

    fn update(c: &AdamWConfig, s: &mut AdamState, value: &mut [f32], grad: &[f32]) {
        adam_update(&c.into(), s, value, grad);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Optimizer;
    use tapegrad_tensor::{Param, Tensor};

    fn err(c: AdamConfig) -> String {
        Adam::new(vec![], c).unwrap_err().to_string()
    }

    #[test]
    fn validation() {
        let d = AdamConfig::default;
        assert!(err(AdamConfig { lr: -1.0, ..d() }).starts_with("invalid learning rate: -1"));
        assert!(
            err(AdamConfig { eps: -1e-8, ..d() }).starts_with("invalid epsilon value: -0.00000001")
        );
        assert_eq!(
            err(AdamConfig {
                betas: (1.5, 0.999),
                ..d()
            }),
            "invalid beta parameter at index 0: 1.5 (must be in [0, 1))"
        );
        assert!(err(AdamConfig {
            betas: (0.9, 1.0),
            ..d()
        })
        .starts_with("invalid beta parameter at index 1: 1"));
        assert!(err(AdamConfig {
            betas: (-0.1, 0.9),
            ..d()
        })
        .starts_with("invalid beta parameter at index 0: -0.1"));
        assert!(err(AdamConfig {
            weight_decay: -0.1,
            ..d()
        })
        .starts_with("invalid weight_decay value: -0.1"));
        let e = AdamW::new(
            vec![],
            AdamWConfig {
                betas: (0.9, f64::NAN),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(e
            .to_string()
            .starts_with("invalid beta parameter at index 1: NaN"));
    }

    #[test]
    fn defaults_are_pytorchs() {
        assert_eq!(AdamWConfig::default().weight_decay, 0.01);
        assert_eq!(AdamConfig::default().weight_decay, 0.0);
        let opt = AdamW::from_options(
            vec![Param::new("w", Tensor::zeros(&[1]))],
            &serde_json::json!({"lr": 0.01}),
        )
        .unwrap();
        assert_eq!(
            opt.group_options(0),
            serde_json::json!({"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8,
                "weight_decay": 0.01, "amsgrad": false, "maximize": false})
        );
        assert_eq!(opt.momentum(0), Some(0.9));
    }

    /// Adam's first step moves every element by about `lr` against the gradient's sign.
    #[test]
    fn first_step_is_lr_times_sign() {
        let p = Param::new("w", Tensor::from_vec(vec![1.0, 1.0, 1.0], &[3]));
        let mut opt = Adam::new(
            vec![p.clone()],
            AdamConfig {
                lr: 0.1,
                ..Default::default()
            },
        )
        .unwrap();
        p.set_grad(Some(Tensor::from_vec(vec![3.0, -0.01, 0.0], &[3])));
        opt.step().unwrap();
        let v = p.value().to_vec();
        assert!(
            (v[0] - 0.9).abs() < 1e-6 && (v[1] - 1.1).abs() < 1e-5 && v[2] == 1.0,
            "{v:?}"
        );
    }

    /// AdamW with a zero gradient only decays the weights: p * (1 - lr * wd).
    #[test]
    fn adamw_zero_grad_decays() {
        let p = Param::new("w", Tensor::from_vec(vec![2.0], &[1]));
        let mut opt = AdamW::new(
            vec![p.clone()],
            AdamWConfig {
                lr: 0.1,
                weight_decay: 0.5,
                amsgrad: true,
                ..Default::default()
            },
        )
        .unwrap();
        p.set_grad(Some(Tensor::from_vec(vec![0.0], &[1])));
        opt.step().unwrap();
        assert_eq!(p.value().to_vec(), vec![2.0 * 0.95]);
    }
}
