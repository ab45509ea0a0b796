//! `GradNormScaledLR` (not in PyTorch): the rate shrinks while gradients are large,
//! `lr_t = base / (1 + beta * ||g_t||^2)` where `||g_t||` is the global gradient norm passed to
//! step `t` (the rate before any step is `base`); the closed form of sched.json's
//! `grad_norm_scaled` case.
//!
//! ```
//! use tapegrad_optim::sched::{GradNormScaledLR, GradNormScaledLRConfig, LrScheduler};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = GradNormScaledLR::new(&mut opt, GradNormScaledLRConfig { beta: 1.0 }).unwrap();
//! s.step_with(&mut opt, 1.0).unwrap();
//! assert!((opt.lr(0) - 0.5).abs() < 1e-12);
//! ```

use super::{Rule, RuleStep, Scheduled};
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
    const METRIC: Option<&'static str> = Some("global gradient norm of the step");

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
            "the gradient norm must be finite and >= 0; the rate is unchanged",
        )
    }

    fn lr(&self, s: &RuleStep) -> f64 {
        match s.metric {
            None => s.base,
            Some(g) => s.base / (1.0 + self.beta * g * g),
        }
    }
}
