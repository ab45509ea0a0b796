//! `InverseTimeDecay` (not in PyTorch; Keras' `InverseTimeDecay` with `decay_steps = 1`):
//! `lr_t = base / (1 + decay_rate * t)`, the closed form of sched.json's `inverse_time` case.
//!
//! ```
//! use tapegrad_optim::sched::{InverseTimeDecay, InverseTimeDecayConfig, LrScheduler};
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = InverseTimeDecay::new(&opt, InverseTimeDecayConfig { decay_rate: 0.5 }).unwrap();
//! for _ in 0..2 { s.step(None).unwrap(); }
//! assert!((s.lrs()[0] - 0.5).abs() < 1e-12);
//! ```

use super::{Rule, Scheduled};
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
    const CLOSED_FORM: bool = true;

    fn validate(&self) -> Result<(), OptimError> {
        check(
            self.decay_rate.is_finite() && self.decay_rate >= 0.0,
            "decay_rate",
            self.decay_rate,
            "must be finite and >= 0",
        )
    }

    fn lr(&self, epoch: u64, _current: f64, base: f64, _metric: Option<f64>) -> f64 {
        base / (1.0 + self.decay_rate * epoch as f64)
    }
}
