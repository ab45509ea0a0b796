//! `ReduceLROnPlateau`, as PyTorch's: when the watched metric has not improved for more than
//! `patience` steps, every group's rate becomes `max(lr * factor, min_lr)` (changes smaller
//! than `eps` are skipped), then `cooldown` steps pass before bad steps count again.
//!
//! "Improved" (PyTorch's `is_better`): in `min` mode with `rel` thresholds,
//! `a < best * (1 - threshold)`; `min`/`abs`: `a < best - threshold`; `max`/`rel`:
//! `a > best * (1 + threshold)`; `max`/`abs`: `a > best + threshold`.
//!
//! ```
//! use tapegrad_optim::sched::{LrScheduler, ReduceLROnPlateau, ReduceLROnPlateauConfig};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let cfg = ReduceLROnPlateauConfig { patience: 1, factor: 0.5, ..Default::default() };
//! let mut s = ReduceLROnPlateau::new(&mut opt, cfg).unwrap();
//! for loss in [1.0, 1.0, 1.0] { s.step_with(&mut opt, loss).unwrap(); }
//! assert!((opt.lr(0) - 0.5).abs() < 1e-12); // two steps without improvement
//! assert!(s.step(&mut opt).is_err()); // the metric is required
//! ```

use super::base::{check_groups, check_metric, unsupported, write_lrs, Base};
use super::{group_lrs, options_json, LrScheduler, PerGroup, SchedulerState};
use crate::error::{check, OptimError};
use crate::Optimizer;
use serde::{Deserialize, Serialize};

/// Whether the metric should go down (a loss) or up (an accuracy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PlateauMode {
    /// Lower is better.
    #[default]
    Min,
    /// Higher is better.
    Max,
}

/// How `threshold` defines a significant improvement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdMode {
    /// Relative to the best value.
    #[default]
    Rel,
    /// Absolute.
    Abs,
}

/// ReduceLROnPlateau's options (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReduceLROnPlateauConfig {
    /// `"min"` (default) or `"max"`.
    pub mode: PlateauMode,
    /// Factor of each reduction (0 <= factor < 1; default 0.1).
    pub factor: f64,
    /// Steps without improvement tolerated before a reduction (default 10).
    pub patience: u64,
    /// Minimum significant improvement (>= 0; default 1e-4).
    pub threshold: f64,
    /// `"rel"` (default) or `"abs"`.
    pub threshold_mode: ThresholdMode,
    /// Steps after a reduction during which bad steps are not counted (default 0).
    pub cooldown: u64,
    /// Lower bound on the rate (one value, or one per group; default 0).
    pub min_lr: PerGroup,
    /// Reductions smaller than this are skipped (default 1e-8).
    pub eps: f64,
}

impl Default for ReduceLROnPlateauConfig {
    fn default() -> Self {
        ReduceLROnPlateauConfig {
            mode: PlateauMode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: PerGroup::All(0.0),
            eps: 1e-8,
        }
    }
}

/// Reduces the rate when a metric stops improving.
#[derive(Clone, Debug)]
pub struct ReduceLROnPlateau {
    config: ReduceLROnPlateauConfig,
    min_lrs: Vec<f64>,
    base: Base,
    best: f64,
    num_bad_epochs: u64,
    cooldown_counter: u64,
}

const NAME: &str = "ReduceLROnPlateau";

impl ReduceLROnPlateau {
    /// Over `opt`'s groups, from their current rates (which construction leaves as they are,
    /// as PyTorch's does). Refuses invalid options.
    pub fn new(opt: &dyn Optimizer, config: ReduceLROnPlateauConfig) -> Result<Self, OptimError> {
        check(
            config.factor.is_finite() && config.factor < 1.0,
            "factor",
            config.factor,
            "factor should be < 1.0",
        )?;
        check(
            config.threshold.is_finite(),
            "threshold",
            config.threshold,
            "must be finite",
        )?;
        check(config.eps >= 0.0, "eps", config.eps, "must be >= 0")?;
        let min_lrs = config.min_lr.expand("min_lr", opt.num_groups())?;
        for &m in &min_lrs {
            check(
                m.is_finite() && m >= 0.0,
                "min_lr",
                m,
                "must be finite and >= 0",
            )?;
        }
        let mut s = ReduceLROnPlateau {
            config,
            min_lrs,
            base: Base::detached(opt, 0),
            best: 0.0,
            num_bad_epochs: 0,
            cooldown_counter: 0,
        };
        s.reset();
        Ok(s)
    }

    fn reset(&mut self) {
        self.best = self.worst();
        self.num_bad_epochs = 0;
        self.cooldown_counter = 0;
    }

    fn worst(&self) -> f64 {
        match self.config.mode {
            PlateauMode::Min => f64::INFINITY,
            PlateauMode::Max => f64::NEG_INFINITY,
        }
    }

    fn is_better(&self, a: f64) -> bool {
        let (best, th) = (self.best, self.config.threshold);
        match (self.config.mode, self.config.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - th),
            (PlateauMode::Min, ThresholdMode::Abs) => a < best - th,
            (PlateauMode::Max, ThresholdMode::Rel) => a > best * (th + 1.0),
            (PlateauMode::Max, ThresholdMode::Abs) => a > best + th,
        }
    }

    /// The best metric seen so far (`inf` or `-inf` before the first step).
    pub fn best(&self) -> f64 {
        self.best
    }

    /// Steps since the last improvement (reset by a reduction and during cooldown).
    pub fn num_bad_epochs(&self) -> u64 {
        self.num_bad_epochs
    }
}

impl LrScheduler for ReduceLROnPlateau {
    fn name(&self) -> &'static str {
        NAME
    }

    fn metric(&self) -> Option<&'static str> {
        Some("metric it watches")
    }

    /// PyTorch's `step(metrics)`: a metric that is not better (a NaN never is) counts as a bad
    /// step; after more than `patience` of them each group's rate, read from `opt`, becomes
    /// `max(lr * factor, min_lr)` unless that changes it by no more than `eps`.
    fn step_metric(
        &mut self,
        opt: &mut dyn Optimizer,
        metric: Option<f64>,
    ) -> Result<(), OptimError> {
        check_metric(NAME, Some("metric it watches"), metric)?;
        check_groups(NAME, opt, self.min_lrs.len())?;
        let current = metric.expect("checked");
        let (mut best, mut bad, mut cooldown) =
            (self.best, self.num_bad_epochs, self.cooldown_counter);
        if self.is_better(current) {
            best = current;
            bad = 0;
        } else {
            bad += 1;
        }
        if cooldown > 0 {
            cooldown -= 1;
            bad = 0;
        }
        if bad > self.config.patience {
            let lrs: Vec<f64> = (0..opt.num_groups())
                .map(|g| {
                    let old = opt.lr(g);
                    let new = (old * self.config.factor).max(self.min_lrs[g]);
                    if old - new > self.config.eps {
                        new
                    } else {
                        old
                    }
                })
                .collect();
            write_lrs(NAME, opt, &lrs)?;
            cooldown = self.config.cooldown;
            bad = 0;
        }
        (self.best, self.num_bad_epochs, self.cooldown_counter) = (best, bad, cooldown);
        self.base.last_epoch += 1;
        self.base.last_lr = group_lrs(opt);
        Ok(())
    }

    fn last_lr(&self) -> Vec<f64> {
        self.base.last_lr.clone()
    }

    fn last_epoch(&self) -> i64 {
        self.base.last_epoch
    }

    fn state(&self) -> SchedulerState {
        let mut s = self.base.record(NAME, options_json(&self.config));
        s.scalars = vec![
            ("best".into(), self.best),
            ("num_bad_epochs".into(), self.num_bad_epochs as f64),
            ("cooldown_counter".into(), self.cooldown_counter as f64),
        ];
        s
    }

    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        state.check(NAME, &options_json(&self.config), self.base.last_lr.len())?;
        let best = state.scalar("best")?;
        let bad = state.scalar("num_bad_epochs")?;
        let cool = state.scalar("cooldown_counter")?;
        let count = |x: f64| x >= 0.0 && x.fract() == 0.0 && x < 1e15;
        if best.is_nan() || !(count(bad) && count(cool)) {
            return Err(OptimError::StateMismatch(format!(
                "{NAME}: best {best}, num_bad_epochs {bad}, cooldown_counter {cool}"
            )));
        }
        self.base.restore(state)?;
        self.best = best;
        self.num_bad_epochs = bad as u64;
        self.cooldown_counter = cool as u64;
        Ok(())
    }

    fn initial_step(&mut self, _opt: &mut dyn Optimizer) -> Result<(), OptimError> {
        Err(refused())
    }

    fn restart_at(&mut self, _opt: &mut dyn Optimizer, _epoch: i64) -> Result<(), OptimError> {
        Err(refused())
    }

    fn undo(&mut self) {
        self.base.last_epoch -= 1;
    }
}

/// ReduceLROnPlateau inside a composite (PyTorch refuses it there too).
fn refused() -> OptimError {
    unsupported(
        NAME,
        "ReduceLROnPlateau cannot be a child of SequentialLR or ChainedScheduler: it needs its \
         metric at every step",
    )
}
