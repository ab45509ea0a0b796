//! `ExponentialLR`, as PyTorch's: `lr_t = base * gamma^t`.
//!
//! Chainable form: `lr * gamma` at every step after the first.
//!
//! ```
//! use tapegrad_optim::sched::{ExponentialLR, ExponentialLRConfig, LrScheduler};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = ExponentialLR::new(&mut opt, ExponentialLRConfig { gamma: 0.5 }).unwrap();
//! s.step(&mut opt).unwrap();
//! s.step(&mut opt).unwrap();
//! assert!((opt.lr(0) - 0.25).abs() < 1e-12);
//! ```

use super::step::check_gamma;
use super::{Rule, RuleStep, Scheduled};
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

    fn validate(&self, _groups: usize) -> Result<(), OptimError> {
        check_gamma(self.gamma)
    }

    fn lr(&self, s: &RuleStep) -> f64 {
        if s.initial {
            s.current
        } else {
            s.current * self.gamma
        }
    }

    fn closed_form(&self, s: &RuleStep) -> Option<f64> {
        Some(s.base * self.gamma.powf(s.epoch as f64))
    }
}
