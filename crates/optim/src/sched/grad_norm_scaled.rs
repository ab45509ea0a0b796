//! `GradNormScaledLR` (not in PyTorch): the rate shrinks while gradients are large,
//! `lr_t = base / (1 + beta * ||g_t||^2)` where `||g_t||` is the global gradient norm passed to
//! step `t` (the rate before any step is `base`); the closed form of sched.json's
//! `grad_norm_scaled` case.
//!
//! ```
//! use tapegrad_optim::sched::{GradNormScaledLR, GradNormScaledLRConfig, LrScheduler};
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = GradNormScaledLR::new(&opt, GradNormScaledLRConfig { beta: 1.0 }).unwrap();
//! s.step(Some(1.0)).unwrap();
//! assert!((s.lrs()[0] - 0.5).abs() < 1e-12);
//! ```

use super::{Rule, Scheduled};
use crate::error::{check, OptimError};
use serde::{Deserialize, Serialize};

/// GradNormScaledLR's options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradNormScaledLRConfig {
    /// Sensitivity to the squared gradient norm (>= 0).
    pub beta: f64,
}

/// `base / (1 + beta * ||g||^2)`: `GradNormScaledLR::new(&opt, GradNormScaledLRConfig { beta })`.
pub type GradNormScaledLR = Scheduled<GradNormScaledLRConfig>;

impl Rule for GradNormScaledLRConfig {
    const NAME: &'static str = "GradNormScaledLR";
    const CLOSED_FORM: bool = true;
    const METRIC: Option<&'static str> = Some("global gradient norm of the step");

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
            Some(g) => base / (1.0 + self.beta * g * g),
        }
    }
}
