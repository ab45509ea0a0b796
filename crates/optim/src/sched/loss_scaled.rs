//! `LossScaledLR` (not in PyTorch): the rate shrinks while the loss is large,
//! `lr_t = base / sqrt(1 + beta * f_t)` where `f_t` is the loss passed to step `t` (the rate
//! before any step is `base`); the closed form of sched.json's `loss_scaled` case.
//!
//! ```
//! use tapegrad_optim::sched::{LossScaledLR, LossScaledLRConfig, LrScheduler};
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = LossScaledLR::new(&opt, LossScaledLRConfig { beta: 1.0 }).unwrap();
//! s.step(Some(3.0)).unwrap();
//! assert!((s.lrs()[0] - 0.5).abs() < 1e-12);
//! assert!(s.step(None).is_err()); // the loss is required
//! ```

use super::{Rule, Scheduled};
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
    const CLOSED_FORM: bool = true;
    const METRIC: Option<&'static str> = Some("loss of the step");

    fn validate(&self) -> Result<(), OptimError> {
        check(
            self.beta.is_finite() && self.beta >= 0.0,
            "beta",
            self.beta,
            "must be finite and >= 0",
        )
    }

    fn lr(&self, _epoch: u64, _current: f64, base: f64, metric: Option<f64>) -> f64 {
        match metric {
            None => base,
            Some(f) => base / (1.0 + self.beta * f).sqrt(),
        }
    }
}
