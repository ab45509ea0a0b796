//! `LinearLR`, as PyTorch's: the factor moves linearly from `start_factor` to `end_factor`
//! over `total_iters` steps, `lr_t = base * (s + (e - s) * min(t, T) / T)`.
//!
//! Chainable form: at step 0 `lr * s`; for `0 < t <= T`,
//! `lr * (1 + (e - s) / (T * s + (t - 1) * (e - s)))`; afterwards unchanged.
//!
//! ```
//! use tapegrad_optim::sched::{LinearLR, LinearLRConfig, LrScheduler};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let cfg = LinearLRConfig { start_factor: 0.1, end_factor: 1.0, total_iters: 10 };
//! let mut s = LinearLR::new(&mut opt, cfg).unwrap();
//! assert!((opt.lr(0) - 0.1).abs() < 1e-12);
//! for _ in 0..10 { s.step(&mut opt).unwrap(); }
//! assert!((opt.lr(0) - 1.0).abs() < 1e-12);
//! ```

use super::{Rule, RuleStep, Scheduled};
use crate::error::{check, OptimError};
use serde::{Deserialize, Serialize};

/// LinearLR's options (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinearLRConfig {
    /// Factor at step 0 (0 < start_factor <= 1; default 1/3).
    pub start_factor: f64,
    /// Factor from step `total_iters` on (0 <= end_factor <= 1; default 1).
    pub end_factor: f64,
    /// Steps of the ramp (default 5).
    pub total_iters: u64,
}

impl Default for LinearLRConfig {
    fn default() -> Self {
        LinearLRConfig {
            start_factor: 1.0 / 3.0,
            end_factor: 1.0,
            total_iters: 5,
        }
    }
}

/// Linear warm-up or decay of the factor: `LinearLR::new(&opt, LinearLRConfig {..})`.
pub type LinearLR = Scheduled<LinearLRConfig>;

impl Rule for LinearLRConfig {
    const NAME: &'static str = "LinearLR";

    fn validate(&self, _groups: usize) -> Result<(), OptimError> {
        check(
            self.start_factor > 0.0 && self.start_factor <= 1.0,
            "start_factor",
            self.start_factor,
            "starting multiplicative factor expected to be greater than 0 and less or equal to 1",
        )?;
        check(
            (0.0..=1.0).contains(&self.end_factor),
            "end_factor",
            self.end_factor,
            "ending multiplicative factor expected to be between 0 and 1",
        )
    }

    fn lr(&self, s: &RuleStep) -> f64 {
        if s.epoch == 0 {
            return s.current * self.start_factor;
        }
        if s.initial || s.epoch > self.total_iters as i64 {
            return s.current;
        }
        let (a, b) = (self.start_factor, self.end_factor);
        let t = s.epoch as f64;
        s.current * (1.0 + (b - a) / (self.total_iters as f64 * a + (t - 1.0) * (b - a)))
    }

    fn closed_form(&self, s: &RuleStep) -> Option<f64> {
        let (a, b, n) = (self.start_factor, self.end_factor, self.total_iters as i64);
        Some(s.base * (a + (b - a) * s.epoch.min(n) as f64 / n as f64))
    }
}
