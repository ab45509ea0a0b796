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
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let cfg = ReduceLROnPlateauConfig { patience: 1, factor: 0.5, ..Default::default() };
//! let mut s = ReduceLROnPlateau::new(&opt, cfg).unwrap();
//! for loss in [1.0, 1.0, 1.0] { s.step(Some(loss)).unwrap(); }
//! assert!((s.lrs()[0] - 0.5).abs() < 1e-12); // two steps without improvement
//! assert!(s.step(None).is_err()); // the metric is required
//! ```

use super::SchedulerState;
use super::{check_len, group_lrs, missing_metric, options_json, LrScheduler, PerGroup};
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
    base_lrs: Vec<f64>,
    lrs: Vec<f64>,
    last_epoch: u64,
    best: f64,
    num_bad_epochs: u64,
    cooldown_counter: u64,
}

const NAME: &str = "ReduceLROnPlateau";

impl ReduceLROnPlateau {
    /// Over `opt`'s groups, from their current rates. Refuses invalid options.
    pub fn new(opt: &dyn Optimizer, config: ReduceLROnPlateauConfig) -> Result<Self, OptimError> {
        check(
            config.factor >= 0.0 && config.factor < 1.0,
            "factor",
            config.factor,
            "factor should be >= 0 and < 1.0",
        )?;
        check(
            config.threshold.is_finite() && config.threshold >= 0.0,
            "threshold",
            config.threshold,
            "must be finite and >= 0",
        )?;
        check(config.eps >= 0.0, "eps", config.eps, "must be >= 0")?;
        let min_lrs = config.min_lr.expand("min_lr", opt.num_groups())?;
        for &m in &min_lrs {
            check(m >= 0.0, "min_lr", m, "must be >= 0")?;
        }
        let base_lrs = group_lrs(opt);
        let mut s = ReduceLROnPlateau {
            config,
            min_lrs,
            lrs: base_lrs.clone(),
            base_lrs,
            last_epoch: 0,
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

    fn step(&mut self, metric: Option<f64>) -> Result<(), OptimError> {
        let current = metric.ok_or_else(|| missing_metric(NAME, "metric it watches"))?;
        self.last_epoch += 1;
        if self.is_better(current) {
            self.best = current;
            self.num_bad_epochs = 0;
        } else {
            self.num_bad_epochs += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.num_bad_epochs = 0;
        }
        if self.num_bad_epochs > self.config.patience {
            for (lr, &min) in self.lrs.iter_mut().zip(&self.min_lrs) {
                let new = (*lr * self.config.factor).max(min);
                if *lr - new > self.config.eps {
                    *lr = new;
                }
            }
            self.cooldown_counter = self.config.cooldown;
            self.num_bad_epochs = 0;
        }
        Ok(())
    }

    fn lrs(&self) -> Vec<f64> {
        self.lrs.clone()
    }

    fn last_epoch(&self) -> u64 {
        self.last_epoch
    }

    fn state(&self) -> SchedulerState {
        SchedulerState {
            scheduler: NAME.into(),
            options: options_json(&self.config),
            base_lrs: self.base_lrs.clone(),
            last_epoch: self.last_epoch,
            lrs: self.lrs.clone(),
            scalars: vec![
                ("best".into(), self.best),
                ("num_bad_epochs".into(), self.num_bad_epochs as f64),
                ("cooldown_counter".into(), self.cooldown_counter as f64),
            ],
            children: Vec::new(),
        }
    }

    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        state.check(NAME, &options_json(&self.config), self.lrs.len())?;
        let best = state.scalar("best")?;
        let bad = state.scalar("num_bad_epochs")?;
        let cool = state.scalar("cooldown_counter")?;
        if best.is_nan() || !(bad >= 0.0 && cool >= 0.0) {
            return Err(OptimError::StateMismatch(format!(
                "{NAME}: best {best}, num_bad_epochs {bad}, cooldown_counter {cool}"
            )));
        }
        self.best = best;
        self.num_bad_epochs = bad as u64;
        self.cooldown_counter = cool as u64;
        self.base_lrs = state.base_lrs.clone();
        self.lrs = state.lrs.clone();
        self.last_epoch = state.last_epoch;
        Ok(())
    }

    fn set_lrs(&mut self, lrs: &[f64]) {
        assert_eq!(
            lrs.len(),
            self.lrs.len(),
            "{NAME}::set_lrs: one rate per group"
        );
        self.lrs = lrs.to_vec();
    }

    fn restart(&mut self, current: &[f64], _from_base: bool) -> Result<(), OptimError> {
        check_len(NAME, current.len(), self.lrs.len())?;
        self.last_epoch = 0;
        self.lrs = current.to_vec();
        self.reset();
        Ok(())
    }
}
