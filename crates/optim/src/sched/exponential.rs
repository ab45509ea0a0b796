//! `ExponentialLR`, as PyTorch's: `lr_t = base * gamma^t`.
//!
//! Chainable form: `lr * gamma` at every step after the first.
//!
//! ```
//! use tapegrad_optim::sched::{ExponentialLR, ExponentialLRConfig, LrScheduler};
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = ExponentialLR::new(&opt, ExponentialLRConfig { gamma: 0.5 }).unwrap();
//! s.step(None).unwrap();
//! s.step(None).unwrap();
//! assert!((s.lrs()[0] - 0.25).abs() < 1e-12);
//! ```

use super::step::check_gamma;
use super::{Rule, Scheduled};
use crate::error::OptimError;
use serde::{Deserialize, Serialize};

/// ExponentialLR's options (`gamma` is required, as in PyTorch).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExponentialLRConfig {
    /// Multiplicative factor per step (>= 0).
    pub gamma: f64,
}

/// Exponential decay: `ExponentialLR::new(&opt, ExponentialLRConfig { gamma })`.
pub type ExponentialLR = Scheduled<ExponentialLRConfig>;

impl Rule for ExponentialLRConfig {
    const NAME: &'static str = "ExponentialLR";
    const CLOSED_FORM: bool = true;

    fn validate(&self) -> Result<(), OptimError> {
        check_gamma(self.gamma)
    }

    fn lr(&self, epoch: u64, current: f64, _base: f64, _metric: Option<f64>) -> f64 {
        if epoch == 0 {
            current
        } else {
            current * self.gamma
        }
    }
}
