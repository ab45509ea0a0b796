//! `SWALR`, as PyTorch's (`torch.optim.swa_utils.SWALR`): anneals each group's rate to its
//! `swa_lr` over `anneal_epochs` steps (cosine or linear), then holds it; the rate for
//! stochastic weight averaging (pair it with `AveragedModel` in `tapegrad::nn`).
//!
//! PyTorch's `get_lr`, from the current rate (so it composes): with `s = _step_count - 1`
//! (`max(1, s)` when `anneal_epochs` is 0), `a(t)` = `(1 - cos(pi t)) / 2` or `t`,
//! `prev = a(clamp((s - 1) / max(1, E)))`, `alpha = a(clamp(s / max(1, E)))`:
//! `lr0 = swa_lr if prev == 1 else (lr - prev swa_lr) / (1 - prev)`, then
//! `lr = swa_lr alpha + lr0 (1 - alpha)`.
//!
//! ```
//! use tapegrad_optim::sched::{LrScheduler, SWALR, SwalrConfig};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 0.1, ..Default::default() }).unwrap();
//! let mut s = SWALR::new(&mut opt, SwalrConfig::new(0.01)).unwrap();
//! for _ in 0..10 { s.step(&mut opt).unwrap(); }
//! assert!((opt.lr(0) - 0.01).abs() < 1e-12); // annealed to swa_lr after anneal_epochs
//! ```

use super::one_cycle::AnnealStrategy;
use super::{PerGroup, Rule, RuleStep, Scheduled};
use crate::error::OptimError;
use crate::Optimizer;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// SWALR's options (PyTorch's names and defaults; `swa_lr` is required).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwalrConfig {
    /// The rate to anneal to (one value, or one per group).
    pub swa_lr: PerGroup,
    /// Steps of the annealing (default 10).
    #[serde(default = "default_epochs")]
    pub anneal_epochs: u64,
    /// `"cos"` (default) or `"linear"`.
    #[serde(default)]
    pub anneal_strategy: AnnealStrategy,
}

fn default_epochs() -> u64 {
    10
}

impl SwalrConfig {
    /// `swa_lr` for every group, PyTorch's defaults for the rest.
    pub fn new(swa_lr: f64) -> Self {
        SwalrConfig {
            swa_lr: swa_lr.into(),
            anneal_epochs: default_epochs(),
            anneal_strategy: AnnealStrategy::Cos,
        }
    }

    fn anneal(&self, t: f64) -> f64 {
        match self.anneal_strategy {
            AnnealStrategy::Cos => (1.0 - (PI * t).cos()) / 2.0,
            AnnealStrategy::Linear => t,
        }
    }
}

/// Annealing to the SWA rate: `SWALR::new(&mut opt, SwalrConfig::new(0.01))`.
#[allow(clippy::upper_case_acronyms)]
pub type SWALR = Scheduled<SwalrConfig>;

impl Rule for SwalrConfig {
    const NAME: &'static str = "SWALR";

    fn validate(&self, groups: usize) -> Result<(), OptimError> {
        for x in self.swa_lr.expand("swa_lr", groups)? {
            crate::error::check(
                x.is_finite() && x >= 0.0,
                "swa_lr",
                x,
                "must be finite and >= 0",
            )?;
        }
        Ok(())
    }

    /// PyTorch's constructor writes each group's `swa_lr` into the optimizer, and `get_lr`
    /// reads it back from there (so a later SWALR on the same optimizer changes it).
    fn attach(&self, opt: &mut dyn Optimizer, _last_epoch: i64) -> Result<(), OptimError> {
        for (g, x) in self
            .swa_lr
            .expand("swa_lr", opt.num_groups())?
            .into_iter()
            .enumerate()
        {
            opt.set_group_value(g, "swa_lr", x);
        }
        Ok(())
    }

    fn lr(&self, s: &RuleStep) -> f64 {
        let own = match &self.swa_lr {
            PerGroup::All(x) => *x,
            PerGroup::Each(v) => v[s.group],
        };
        let swa_lr = (s.values)("swa_lr").unwrap_or(own);
        let epochs = self.anneal_epochs as f64;
        let mut step = s.step_count as f64 - 1.0;
        if self.anneal_epochs == 0 {
            step = step.max(1.0);
        }
        let clamp = |x: f64| x.clamp(0.0, 1.0);
        let prev_alpha = self.anneal(clamp((step - 1.0) / epochs.max(1.0)));
        let prev_lr = if prev_alpha == 1.0 {
            swa_lr
        } else {
            (s.current - prev_alpha * swa_lr) / (1.0 - prev_alpha)
        };
        let alpha = self.anneal(clamp(step / epochs.max(1.0)));
        swa_lr * alpha + prev_lr * (1.0 - alpha)
    }
}
