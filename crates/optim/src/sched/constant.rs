//! `ConstantLR`, as PyTorch's `torch.optim.lr_scheduler.ConstantLR`: the rate is
//! `base * factor` for the first `total_iters` steps, then `base`.
//!
//! Chainable form (PyTorch's `get_lr`): at step 0 `lr * factor`; at step `total_iters`
//! `lr / factor`; otherwise unchanged.
//!
//! ```
//! use tapegrad_optim::sched::{ConstantLR, ConstantLRConfig, LrScheduler};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 0.1, ..Default::default() }).unwrap();
//! let mut s = ConstantLR::new(&mut opt, ConstantLRConfig { factor: 0.5, total_iters: 2 }).unwrap();
//! assert!((opt.lr(0) - 0.05).abs() < 1e-12);
//! s.step(&mut opt).unwrap();
//! s.step(&mut opt).unwrap();
//! assert!((opt.lr(0) - 0.1).abs() < 1e-12);
//! ```

use super::{Rule, RuleStep, Scheduled};
use crate::error::{check, OptimError};
use serde::{Deserialize, Serialize};

/// ConstantLR's options (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConstantLRConfig {
    /// The factor applied until `total_iters` (0 < factor <= 1; PyTorch's default 1/3).
    pub factor: f64,
    /// Steps at the reduced rate (default 5).
    pub total_iters: u64,
}

impl Default for ConstantLRConfig {
    fn default() -> Self {
        ConstantLRConfig {
            factor: 1.0 / 3.0,
            total_iters: 5,
        }
    }
}

/// Constant factor for a number of steps: `ConstantLR::new(&opt, ConstantLRConfig {..})`.
pub type ConstantLR = Scheduled<ConstantLRConfig>;

impl Rule for ConstantLRConfig {
    const NAME: &'static str = "ConstantLR";

    fn validate(&self, _groups: usize) -> Result<(), OptimError> {
        check(
            self.factor > 0.0 && self.factor <= 1.0,
            "factor",
            self.factor,
            "constant multiplicative factor expected to be in (0, 1]; the rate is divided by it at total_iters",
        )
    }

    fn lr(&self, s: &RuleStep) -> f64 {
        if s.epoch == 0 {
            s.current * self.factor
        } else if s.epoch != self.total_iters as i64 {
            s.current
        } else {
            s.current * (1.0 / self.factor)
        }
    }

    fn closed_form(&self, s: &RuleStep) -> Option<f64> {
        let reached = if s.epoch >= self.total_iters as i64 {
            1.0
        } else {
            0.0
        };
        Some(s.base * (self.factor + reached * (1.0 - self.factor)))
    }
}
