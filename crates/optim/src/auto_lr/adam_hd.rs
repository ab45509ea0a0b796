//! Adam-HD: Adam whose rate is learned by hypergradient descent (see `hypergradient.rs`).
//! The direction is Adam's bias-corrected step (PyTorch's `Adam`, L2 weight decay):
//!
//! ```text
//! g = g + weight_decay * theta
//! m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
//! u = (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
//! ```
//!
//! ```
//! use tapegrad_optim::auto_lr::{AdamHd, AdamHdConfig};
//! use tapegrad_optim::Optimizer;
//! use tapegrad_tensor::{Param, Tape, Tensor};
//! // minimise sum(w^2) from a rate far too small for Adam to get anywhere in 100 steps
//! let w = Param::new("w", Tensor::from_vec(vec![3.0, -2.0], &[2]));
//! let cfg = AdamHdConfig { lr: 1e-4, hypergrad_lr: 1e-3, ..Default::default() };
//! let mut opt = AdamHd::new(vec![w.clone()], cfg).unwrap();
//! for _ in 0..100 {
//!     opt.zero_grad();
//!     let tape = Tape::new();
//!     let x = tape.param(&w);
//!     (&x * &x).sum().backward();
//!     opt.step().unwrap();
//! }
//! assert!(opt.lr(0) > 1e-3);
//! assert!(w.value().to_vec().iter().all(|v| v.abs() < 1.0));
//! ```

use super::hypergradient::{HdRule, Hypergradient};
use crate::error::{check, OptimError};
use serde::{Deserialize, Serialize};

/// Adam-HD's hyperparameters (defaults from the paper's reference implementation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdamHdConfig {
    /// Initial rate `alpha_0` (then the learned one; default 1e-3). Saved exactly: see
    /// [`SchedulerState`](crate::sched::SchedulerState) for the encoding.
    #[serde(with = "crate::sched::exact::scalar")]
    pub lr: f64,
    /// Rate of the rate, `beta` (default 1e-8, as the reference implementation).
    pub hypergrad_lr: f64,
    /// Decay of the first and second moments (default (0.9, 0.999)).
    pub betas: (f64, f64),
    /// Added to the denominator (default 1e-8).
    pub eps: f64,
    /// L2 penalty added to the gradient (default 0).
    pub weight_decay: f64,
}

impl Default for AdamHdConfig {
    fn default() -> Self {
        AdamHdConfig {
            lr: 1e-3,
            hypergrad_lr: 1e-8,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
        }
    }
}

crate::optimizer_state! {
    /// Adam-HD's per-parameter state (PyTorch's names).
    pub struct AdamHdState {
        /// First moment.
        exp_avg: Vec<f32>,
        /// Second moment.
        exp_avg_sq: Vec<f32>,
    }
}

/// Adam with hypergradient descent on the rate: `AdamHd::new(params, AdamHdConfig {..})`.
pub type AdamHd = Hypergradient<AdamHdConfig>;

impl HdRule for AdamHdConfig {
    const NAME: &'static str = "Adam-HD";
    type State = AdamHdState;

    fn validate(&self) -> Result<(), OptimError> {
        check(self.lr >= 0.0, "learning rate", self.lr, "must be >= 0")?;
        check(
            self.hypergrad_lr >= 0.0,
            "hypergrad_lr",
            self.hypergrad_lr,
            "must be >= 0",
        )?;
        check(self.eps >= 0.0, "epsilon value", self.eps, "must be >= 0")?;
        check(
            (0.0..1.0).contains(&self.betas.0),
            "beta parameter at index 0",
            self.betas.0,
            "must be in [0, 1)",
        )?;
        check(
            (0.0..1.0).contains(&self.betas.1),
            "beta parameter at index 1",
            self.betas.1,
            "must be in [0, 1)",
        )?;
        check(
            self.weight_decay >= 0.0,
            "weight_decay value",
            self.weight_decay,
            "must be >= 0",
        )
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn hypergrad_lr(&self) -> f64 {
        self.hypergrad_lr
    }

    fn momentum(&self) -> Option<f64> {
        Some(self.betas.0)
    }

    fn set_momentum(&mut self, momentum: f64) {
        self.betas.0 = momentum;
    }

    fn direction(&self, s: &mut AdamHdState, value: &[f32], grad: &[f32], u: &mut [f32]) {
        if s.exp_avg.len() != value.len() {
            s.exp_avg = vec![0.0; value.len()];
            s.exp_avg_sq = vec![0.0; value.len()];
        }
        s.step += 1;
        let (b1, b2) = (self.betas.0 as f32, self.betas.1 as f32);
        let bc1 = 1.0 - self.betas.0.powi(s.step as i32);
        let bc2 = 1.0 - self.betas.1.powi(s.step as i32);
        let (inv_bc1, sqrt_bc2) = ((1.0 / bc1) as f32, bc2.sqrt() as f32);
        let (wd, eps) = (self.weight_decay as f32, self.eps as f32);
        let moments = s.exp_avg.iter_mut().zip(s.exp_avg_sq.iter_mut());
        for (((u, &g), &p), (m, v)) in u.iter_mut().zip(grad).zip(value).zip(moments) {
            let g = g + wd * p;
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            *u = (*m * inv_bc1) / (v.sqrt() / sqrt_bc2 + eps);
        }
    }
}
