//! `MultiStepLR`, as PyTorch's: the rate is multiplied by `gamma` at each milestone,
//! `lr_t = base * gamma^(number of milestones <= t)`. Milestones may repeat and need not be
//! sorted, as in PyTorch (which counts them): a milestone listed twice multiplies by
//! `gamma^2` there.
//!
//! PyTorch's `get_lr`: `lr * gamma^count(t)` when `t` is a milestone, else unchanged. Closed
//! form: `base * gamma^bisect_right(sorted(milestones), t)`.
//!
//! ```
//! use tapegrad_optim::sched::{LrScheduler, MultiStepLR, MultiStepLRConfig};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let cfg = MultiStepLRConfig { milestones: vec![3, 1, 3], gamma: 0.5 };
//! let mut s = MultiStepLR::new(&mut opt, cfg).unwrap();
//! for _ in 0..3 { s.step(&mut opt).unwrap(); }
//! assert!((opt.lr(0) - 0.125).abs() < 1e-12); // once at 1, twice at 3
//! ```

use super::step::check_gamma;
use super::{bisect_right, Rule, RuleStep, Scheduled};
use crate::error::OptimError;
use serde::{Deserialize, Serialize};

/// MultiStepLR's options (PyTorch's names; `milestones` is required).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiStepLRConfig {
    /// Steps at which the rate is multiplied by `gamma` (once per occurrence).
    pub milestones: Vec<i64>,
    /// Multiplicative factor (>= 0; PyTorch's default 0.1).
    #[serde(default = "default_gamma")]
    pub gamma: f64,
}

fn default_gamma() -> f64 {
    0.1
}

/// Decay at milestones: `MultiStepLR::new(&mut opt, MultiStepLRConfig { milestones, gamma })`.
pub type MultiStepLR = Scheduled<MultiStepLRConfig>;

impl Rule for MultiStepLRConfig {
    const NAME: &'static str = "MultiStepLR";

    fn validate(&self, _groups: usize) -> Result<(), OptimError> {
        check_gamma(self.gamma)
    }

    fn lr(&self, s: &RuleStep) -> f64 {
        let count = self.milestones.iter().filter(|&&m| m == s.epoch).count();
        if count == 0 {
            s.current
        } else {
            s.current * self.gamma.powf(count as f64)
        }
    }

    fn closed_form(&self, s: &RuleStep) -> Option<f64> {
        let mut sorted = self.milestones.clone();
        sorted.sort_unstable();
        Some(s.base * self.gamma.powf(bisect_right(&sorted, s.epoch) as f64))
    }
}
