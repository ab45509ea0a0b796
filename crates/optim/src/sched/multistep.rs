//! `MultiStepLR`, as PyTorch's: the rate is multiplied by `gamma` at each milestone,
//! `lr_t = base * gamma^(number of milestones <= t)`.
//!
//! Chainable form: `lr * gamma` when `t` is a milestone, else unchanged.
//!
//! ```
//! use tapegrad_optim::sched::{LrScheduler, MultiStepLR, MultiStepLRConfig};
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let cfg = MultiStepLRConfig { milestones: vec![1, 3], gamma: 0.5 };
//! let mut s = MultiStepLR::new(&opt, cfg).unwrap();
//! for _ in 0..3 { s.step(None).unwrap(); }
//! assert!((s.lrs()[0] - 0.25).abs() < 1e-12);
//! ```

use super::step::check_gamma;
use super::{Rule, Scheduled};
use crate::error::{check, OptimError};
use serde::{Deserialize, Serialize};

/// MultiStepLR's options (PyTorch's names; `milestones` is required).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiStepLRConfig {
    /// Steps at which the rate is multiplied by `gamma` (strictly increasing).
    pub milestones: Vec<u64>,
    /// Multiplicative factor (>= 0; PyTorch's default 0.1).
    #[serde(default = "default_gamma")]
    pub gamma: f64,
}

fn default_gamma() -> f64 {
    0.1
}

/// Decay at milestones: `MultiStepLR::new(&opt, MultiStepLRConfig { milestones, gamma })`.
pub type MultiStepLR = Scheduled<MultiStepLRConfig>;

impl Rule for MultiStepLRConfig {
    const NAME: &'static str = "MultiStepLR";
    const CLOSED_FORM: bool = true;

    fn validate(&self) -> Result<(), OptimError> {
        check_increasing("milestones", &self.milestones)?;
        check_gamma(self.gamma)
    }

    fn lr(&self, epoch: u64, current: f64, _base: f64, _metric: Option<f64>) -> f64 {
        if self.milestones.binary_search(&epoch).is_ok() {
            current * self.gamma
        } else {
            current
        }
    }
}

/// Milestones must be strictly increasing.
pub(crate) fn check_increasing(name: &'static str, v: &[u64]) -> Result<(), OptimError> {
    check(
        v.windows(2).all(|w| w[0] < w[1]),
        name,
        format!("{v:?}"),
        "must be strictly increasing",
    )
}
