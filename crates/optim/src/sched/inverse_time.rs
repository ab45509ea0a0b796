//! `InverseTimeDecay` (not in PyTorch; Keras' `InverseTimeDecay` with `decay_steps = 1`):
//! `lr_t = base / (1 + decay_rate * t)`, the closed form of sched.json's `inverse_time` case.
//!
//! ```
//! use tapegrad_optim::sched::{InverseTimeDecay, InverseTimeDecayConfig, LrScheduler};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = InverseTimeDecay::new(&mut opt, InverseTimeDecayConfig { decay_rate: 0.5 }).unwrap();
//! for _ in 0..2 { s.step(&mut opt).unwrap(); }
//! assert!((opt.lr(0) - 0.5).abs() < 1e-12);
//! ```

use super::{Rule, RuleStep, Scheduled};
use crate::error::{check, OptimError};
use serde::{Deserialize, Serialize};

/// InverseTimeDecay's options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InverseTimeDecayConfig {
    /// Decay per step (>= 0).
    pub decay_rate: f64,
}

/// `base / (1 + decay_rate * t)`: `InverseTimeDecay::new(&opt, InverseTimeDecayConfig { decay_rate })`.
pub type InverseTimeDecay = Scheduled<InverseTimeDecayConfig>;

impl Rule for InverseTimeDecayConfig {
    const NAME: &'static str = "InverseTimeDecay";

    fn validate(&self, _groups: usize) -> Result<(), OptimError> {
        check(
            self.decay_rate.is_finite() && self.decay_rate >= 0.0,
            "decay_rate",
            self.decay_rate,
            "must be finite and >= 0",
        )
    }

    fn lr(&self, s: &RuleStep) -> f64 {
        s.base / (1.0 + self.decay_rate * s.epoch as f64)
    }

    fn closed_form(&self, s: &RuleStep) -> Option<f64> {
        Some(self.lr(s))
    }
}
