//! `ConstantLR`, as PyTorch's `torch.optim.lr_scheduler.ConstantLR`: the rate is
//! `base * factor` for the first `total_iters` steps, then `base`.
//!
//! Chainable form (PyTorch's `get_lr`): at step 0 `lr * factor`; at step `total_iters`
//! `lr / factor`; otherwise unchanged.
//!
//! ```
//! use tapegrad_optim::sched::{ConstantLR, ConstantLRConfig, LrScheduler};
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 0.1, ..Default::default() }).unwrap();
//! let mut s = ConstantLR::new(&opt, ConstantLRConfig { factor: 0.5, total_iters: 2 }).unwrap();
//! assert!((s.lrs()[0] - 0.05).abs() < 1e-12);
//! s.step(None).unwrap();
//! s.step(None).unwrap();
//! assert!((s.lrs()[0] - 0.1).abs() < 1e-12);
//! ```

use super::{Rule, Scheduled};
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
    const CLOSED_FORM: bool = true;

    fn validate(&self) -> Result<(), OptimError> {
        check(
            self.factor > 0.0 && self.factor <= 1.0,
            "factor",
            self.factor,
            "constant multiplicative factor expected to be in (0, 1]; the rate is divided by it at total_iters",
        )
    }

    fn lr(&self, epoch: u64, current: f64, _base: f64, _metric: Option<f64>) -> f64 {
        if epoch == 0 {
            current * self.factor
        } else if epoch != self.total_iters {
            current
        } else {
            current * (1.0 / self.factor)
        }
    }
}
