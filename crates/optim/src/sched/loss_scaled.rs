//! `LossScaledLR` (not in PyTorch): the rate shrinks while the loss is large,
//! `lr_t = base / sqrt(1 + beta * f_t)` where `f_t` is the loss passed to step `t` (the rate
//! before any step is `base`); the closed form of sched.json's `loss_scaled` case.
//!
//! ```
//! use tapegrad_optim::sched::{LossScaledLR, LossScaledLRConfig, LrScheduler};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = LossScaledLR::new(&mut opt, LossScaledLRConfig { beta: 1.0 }).unwrap();
//! s.step_with(&mut opt, 3.0).unwrap();
//! assert!((opt.lr(0) - 0.5).abs() < 1e-12);
//! assert!(s.step(&mut opt).is_err()); // the loss is required
//! ```

use super::{Rule, RuleStep, Scheduled};
use crate::error::{check, OptimError};
use serde::{Deserialize, Serialize};

/// LossScaledLR's options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LossScaledLRConfig {
    /// Sensitivity to the loss (>= 0).
    pub beta: f64,
}

/// `base / sqrt(1 + beta * loss)`: `LossScaledLR::new(&opt, LossScaledLRConfig { beta })`.
pub type LossScaledLR = Scheduled<LossScaledLRConfig>;

impl Rule for LossScaledLRConfig {
    const NAME: &'static str = "LossScaledLR";
    const METRIC: Option<&'static str> = Some("loss of the step");

    fn validate(&self, _groups: usize) -> Result<(), OptimError> {
        check(
            self.beta.is_finite() && self.beta >= 0.0,
            "beta",
            self.beta,
            "must be finite and >= 0",
        )
    }

    fn check_metric(&self, m: f64) -> Result<(), OptimError> {
        check(
            m.is_finite() && m >= 0.0,
            "metric",
            m,
            "the loss must be finite and >= 0; the rate is unchanged",
        )
    }

    fn lr(&self, s: &RuleStep) -> f64 {
        match s.metric {
            None => s.base,
            Some(f) => s.base / (1.0 + self.beta * f).sqrt(),
        }
    }
}
