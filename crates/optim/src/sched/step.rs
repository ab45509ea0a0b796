//! `StepLR`, as PyTorch's: the rate is multiplied by `gamma` every `step_size` steps,
//! `lr_t = base * gamma^(t / step_size)` (integer division).
//!
//! Chainable form: `lr * gamma` when `t > 0` and `t % step_size == 0`, else unchanged.
//!
//! ```
//! use tapegrad_optim::sched::{LrScheduler, StepLR, StepLRConfig};
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = StepLR::new(&opt, StepLRConfig { step_size: 3, gamma: 0.1 }).unwrap();
//! for _ in 0..3 { s.step(None).unwrap(); }
//! assert!((s.lrs()[0] - 0.1).abs() < 1e-12);
//! ```

use super::{Rule, Scheduled};
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

/// Step decay: `StepLR::new(&opt, StepLRConfig { step_size, gamma })`.
pub type StepLR = Scheduled<StepLRConfig>;

impl Rule for StepLRConfig {
    const NAME: &'static str = "StepLR";
    const CLOSED_FORM: bool = true;

    fn validate(&self) -> Result<(), OptimError> {
        check(
            self.step_size >= 1,
            "step_size",
            self.step_size,
            "must be >= 1",
        )?;
        check_gamma(self.gamma)
    }

    fn lr(&self, epoch: u64, current: f64, _base: f64, _metric: Option<f64>) -> f64 {
        if epoch == 0 || !epoch.is_multiple_of(self.step_size) {
            current
        } else {
            current * self.gamma
        }
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
