//! `PolynomialLR`, as PyTorch's: `lr_t = base * (1 - min(t, total_iters) / total_iters)^power`.
//!
//! Chainable form: for `0 < t <= total_iters`,
//! `lr * ((1 - t / T) / (1 - (t - 1) / T))^power`; otherwise unchanged.
//!
//! ```
//! use tapegrad_optim::sched::{LrScheduler, PolynomialLR, PolynomialLRConfig};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = PolynomialLR::new(&mut opt, PolynomialLRConfig { total_iters: 4, power: 2.0 }).unwrap();
//! s.step(&mut opt).unwrap();
//! s.step(&mut opt).unwrap();
//! assert!((opt.lr(0) - 0.25).abs() < 1e-12);
//! ```

use super::{Rule, RuleStep, Scheduled};
use crate::error::{check, OptimError};
use serde::{Deserialize, Serialize};

/// PolynomialLR's options (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolynomialLRConfig {
    /// Steps until the rate reaches 0 (default 5).
    pub total_iters: u64,
    /// Power of the polynomial (>= 0; default 1).
    pub power: f64,
}

impl Default for PolynomialLRConfig {
    fn default() -> Self {
        PolynomialLRConfig {
            total_iters: 5,
            power: 1.0,
        }
    }
}

/// Polynomial decay to 0: `PolynomialLR::new(&opt, PolynomialLRConfig {..})`.
pub type PolynomialLR = Scheduled<PolynomialLRConfig>;

impl Rule for PolynomialLRConfig {
    const NAME: &'static str = "PolynomialLR";

    fn validate(&self, _groups: usize) -> Result<(), OptimError> {
        check(
            self.power.is_finite() && self.power >= 0.0,
            "power",
            self.power,
            "must be finite and >= 0",
        )
    }

    fn lr(&self, s: &RuleStep) -> f64 {
        if s.initial || s.epoch > self.total_iters as i64 {
            return s.current;
        }
        let (t, n) = (s.epoch as f64, self.total_iters as f64);
        let decay = ((1.0 - t / n) / (1.0 - (t - 1.0) / n)).powf(self.power);
        s.current * decay
    }

    fn closed_form(&self, s: &RuleStep) -> Option<f64> {
        let n = self.total_iters as i64;
        Some(s.base * (1.0 - s.epoch.min(n) as f64 / n as f64).powf(self.power))
    }
}
