//! ASGD (averaged stochastic gradient descent, Polyak & Juditsky 1992), as PyTorch's
//! `torch.optim.ASGD`: SGD with a decaying rate `eta` and weight shrinkage `lambd`, keeping a
//! running average `ax` of the iterates from step `t0` on (read it with [`Asgd::ax`]).
//!
//! ```text
//! state: step = 0, eta = lr, mu = 1, ax = 0
//! step += 1
//! g = -grad if maximize else grad
//! g = g + weight_decay * p                      (if weight_decay != 0)
//! p = p * (1 - lambd * eta) - eta * g
//! ax = ax + (p - ax) * mu   if mu != 1,  else ax = p
//! eta = lr / (1 + lambd * lr * step)^alpha
//! mu = 1 / max(1, step - t0)
//! ```
//!
//! `eta` and `mu` are per-param scalars kept in f64 (PyTorch keeps them as scalar tensors of
//! the default float type).

use crate::error::{check, OptimError};
use crate::per_param::{check_common, Algorithm, PerParam};
use serde::{Deserialize, Serialize};
use tapegrad_tensor::parallel::fused;
use tapegrad_tensor::{Param, Tensor};

/// ASGD's hyperparameters (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsgdConfig {
    /// Learning rate (default 0.01).
    pub lr: f64,
    /// Decay term (default 1e-4).
    pub lambd: f64,
    /// Power of the rate decay (default 0.75).
    pub alpha: f64,
    /// Step from which averaging starts (default 1e6).
    pub t0: f64,
    /// L2 penalty added to the gradient (default 0).
    pub weight_decay: f64,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for AsgdConfig {
    fn default() -> Self {
        AsgdConfig {
            lr: 1e-2,
            lambd: 1e-4,
            alpha: 0.75,
            t0: 1e6,
            weight_decay: 0.0,
            maximize: false,
        }
    }
}

crate::optimizer_state! {
    /// ASGD's per-parameter state (PyTorch's names).
    pub struct AsgdState {
        /// The current rate.
        eta: f64,
        /// The averaging weight.
        mu: f64,
        /// The running average of the iterates.
        ax: Vec<f32>,
    }
}

/// The ASGD algorithm (use it as [`Asgd`]).
#[derive(Clone, Copy, Debug)]
pub struct AsgdKind;

/// ASGD: `Asgd::new(params, AsgdConfig {..})`.
pub type Asgd = PerParam<AsgdKind>;

impl Asgd {
    /// The running average `ax` of `param` (shaped like it), `None` if the param is not in
    /// this optimizer or has not taken a step yet. Evaluate with these values for the
    /// averaged model (`param.set_value(opt.ax(&param).unwrap())`).
    pub fn ax(&self, param: &Param) -> Option<Tensor> {
        self.groups().iter().find_map(|g| {
            let i = g.params().iter().position(|p| p.same(param))?;
            let state = g.state(i)?;
            Some(Tensor::from_vec(state.ax.clone(), &param.shape()))
        })
    }
}

impl Algorithm for AsgdKind {
    const NAME: &'static str = "ASGD";
    type Config = AsgdConfig;
    type State = AsgdState;

    fn validate(c: &AsgdConfig) -> Result<(), OptimError> {
        check_common(c.lr, None, c.weight_decay)?;
        check(c.lambd >= 0.0, "lambd value", c.lambd, "must be >= 0")?;
        check(c.alpha >= 0.0, "alpha value", c.alpha, "must be >= 0")?;
        check(!c.t0.is_nan(), "t0 value", c.t0, "must be a number")
    }

    fn lr(c: &AsgdConfig) -> f64 {
        c.lr
    }

    fn set_lr(c: &mut AsgdConfig, lr: f64) {
        c.lr = lr;
    }

    fn new_state(c: &AsgdConfig, _defaults: &AsgdConfig, shape: &[usize]) -> AsgdState {
        AsgdState {
            step: 0,
            eta: c.lr,
            mu: 1.0,
            ax: vec![0.0; shape.iter().product()],
        }
    }

    fn update(c: &AsgdConfig, s: &mut AsgdState, value: &mut [f32], grad: &[f32]) {
        s.step += 1;
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        let wd = c.weight_decay as f32;
        let shrink = (1.0 - c.lambd * s.eta) as f32;
        let eta = s.eta as f32;
        let (mu, average) = (s.mu as f32, s.mu != 1.0);
        fused(value, grad, [s.ax.as_mut_slice()], move |v, g, [ax]| {
            for ((p, &g), ax) in v.iter_mut().zip(g).zip(ax.iter_mut()) {
                let g = sign * g + wd * *p;
                *p = *p * shrink - eta * g;
                *ax = if average { *ax + (*p - *ax) * mu } else { *p };
            }
        });
        let step = s.step as f64;
        s.eta = c.lr / (1.0 + c.lambd * c.lr * step).powf(c.alpha);
        s.mu = 1.0 / (step - c.t0).max(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Optimizer;

    #[test]
    fn averages_from_t0_on() {
        let w = Param::new("w", Tensor::from_vec(vec![1.0], &[1]));
        let cfg = AsgdConfig {
            lr: 0.1,
            t0: 1.0,
            lambd: 0.0,
            ..Default::default()
        };
        let mut opt = Asgd::new(vec![w.clone()], cfg).unwrap();
        assert!(opt.ax(&w).is_none());
        let mut values = Vec::new();
        for _ in 0..4 {
            w.set_grad(Some(Tensor::ones(&[1])));
            opt.step().unwrap();
            values.push(w.value().to_vec()[0]);
        }
        // mu = 1 / max(1, step - t0) after each step: 1, 1, 1/2. So ax copies p at steps 1-3
        // and averages from step 4: ax = p3 + (p4 - p3) / 2.
        let ax = opt.ax(&w).unwrap().to_vec()[0];
        assert!(
            (ax - (values[2] + values[3]) / 2.0).abs() < 1e-6,
            "{ax} {values:?}"
        );
    }
}
