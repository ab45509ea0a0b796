//! `StepLR`, as PyTorch's: the rate is multiplied by `gamma` every `step_size` steps,
//! `lr_t = base * gamma^(t / step_size)` (integer division).
//!
//! PyTorch's `get_lr` (chainable): `lr * gamma` when `t > 0` and `t % step_size == 0`, else
//! unchanged. Closed form (at a SequentialLR milestone): `base * gamma^(t // step_size)`.
//!
//! ```
//! use tapegrad_optim::sched::{LrScheduler, StepLR, StepLRConfig};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = StepLR::new(&mut opt, StepLRConfig { step_size: 3, gamma: 0.1 }).unwrap();
//! for _ in 0..3 { s.step(&mut opt).unwrap(); }
//! assert!((opt.lr(0) - 0.1).abs() < 1e-12);
//! ```

use super::{Rule, RuleStep, Scheduled};
use crate::error::{check, OptimError};
use serde::{Deserialize, Serialize};

/// StepLR's options (PyTorch's names; `step_size` is required).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepLRConfig {
    /// Period of the decay, in steps (>= 1).
    pub step_size: u64,
    /// Multiplicative factor (>= 0; PyTorch's default 0.1).
    #[serde(default = "default_gamma")]
    pub gamma: f64,
}

fn default_gamma() -> f64 {
    0.1
}

impl StepLRConfig {
    /// `step_size` with PyTorch's default `gamma` (0.1).
    pub fn new(step_size: u64) -> Self {
        StepLRConfig {
            step_size,
            gamma: default_gamma(),
        }
    }
}

/// Step decay: `StepLR::new(&mut opt, StepLRConfig { step_size, gamma })`.
pub type StepLR = Scheduled<StepLRConfig>;

impl Rule for StepLRConfig {
    const NAME: &'static str = "StepLR";

    fn validate(&self, _groups: usize) -> Result<(), OptimError> {
        check(
            self.step_size >= 1,
            "step_size",
            self.step_size,
            "must be >= 1",
        )?;
        check_gamma(self.gamma)
    }

    fn lr(&self, s: &RuleStep) -> f64 {
        if s.epoch == 0 || s.epoch.rem_euclid(self.step_size as i64) != 0 {
            s.current
        } else {
            s.current * self.gamma
        }
    }

    fn closed_form(&self, s: &RuleStep) -> Option<f64> {
        let k = s.epoch.div_euclid(self.step_size as i64);
        Some(s.base * self.gamma.powf(k as f64))
    }
}

/// `gamma` must be finite and >= 0.
pub(crate) fn check_gamma(gamma: f64) -> Result<(), OptimError> {
    check(
        gamma.is_finite() && gamma >= 0.0,
        "gamma",
        gamma,
        "must be finite and >= 0",
    )
}
