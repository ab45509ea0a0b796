//! `CyclicLR`, as PyTorch's (Smith 2017, "Cyclical Learning Rates for Training Neural
//! Networks"): the rate cycles between `base_lr` and `max_lr`, rising for `step_size_up`
//! steps and falling for `step_size_down`:
//! ```text
//! cycle = floor(1 + t / (up + down));  x = 1 + t / (up + down) - cycle
//! scale = x / r if x <= r else (x - 1) / (r - 1)          with r = up / (up + down)
//! lr    = base_lr + (max_lr - base_lr) * scale * f
//! f     = 1 (triangular), 1 / 2^(cycle - 1) (triangular2), gamma^t (exp_range)
//! ```
//! With `cycle_momentum` (PyTorch's default), the momentum cycles the other way between
//! `max_momentum` and `base_momentum`. The rates are absolute: the group's own rate is
//! ignored, and `base_lr` replaces it at construction. A custom `scale_fn` (with its
//! `scale_mode`: the cycle number or the step) replaces `f`, as in PyTorch.
//!
//! PyTorch's construction-time quirk, reproduced: the construction step computes its rate
//! from the base rates `LRScheduler` takes from each group's `initial_lr` (which a scheduler
//! built earlier on the same optimizer may have set), and only then switches to `base_lr`.
//!
//! ```
//! use tapegrad_optim::sched::{CyclicLR, CyclicLRConfig, LrScheduler};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 0.5, momentum: 0.9, ..Default::default() }).unwrap();
//! let cfg = CyclicLRConfig { step_size_up: 2.0, ..CyclicLRConfig::new(0.1, 1.0) };
//! let mut s = CyclicLR::new(&mut opt, cfg).unwrap();
//! assert!((opt.lr(0) - 0.1).abs() < 1e-12);
//! s.step(&mut opt).unwrap();
//! s.step(&mut opt).unwrap(); // top of the cycle
//! assert!((opt.lr(0) - 1.0).abs() < 1e-12);
//! assert!((opt.momentum(0).unwrap() - 0.8).abs() < 1e-12);
//! ```

use super::base::{check_groups, check_metric, write_lrs, write_momenta, Base};
use super::{group_lrs, options_json, LrScheduler, PerGroup, SchedulerState};
use crate::error::{check, OptimError};
use crate::Optimizer;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// The shape of the cycles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CyclicMode {
    /// Constant amplitude.
    #[default]
    Triangular,
    /// Amplitude halved every cycle.
    Triangular2,
    /// Amplitude scaled by `gamma^t`.
    ExpRange,
}

/// What a custom `scale_fn` is given: the cycle number or the step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ScaleMode {
    /// The cycle number (from 1).
    #[default]
    Cycle,
    /// The step (`last_epoch`).
    Iterations,
}

/// A custom amplitude scale (PyTorch's `scale_fn`): `f(x)` with `x` the cycle or the step.
#[derive(Clone)]
pub struct ScaleFn(pub Arc<dyn Fn(f64) -> f64 + Send + Sync>);

impl ScaleFn {
    /// Wraps a closure.
    pub fn new(f: impl Fn(f64) -> f64 + Send + Sync + 'static) -> Self {
        ScaleFn(Arc::new(f))
    }
}

impl fmt::Debug for ScaleFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ScaleFn(..)")
    }
}

impl PartialEq for ScaleFn {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// CyclicLR's options (PyTorch's names and defaults; `base_lr` and `max_lr` are required).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CyclicLRConfig {
    /// Lower rate of the cycle (one value, or one per group).
    pub base_lr: PerGroup,
    /// Upper rate of the cycle (one value, or one per group).
    pub max_lr: PerGroup,
    /// Steps of the rising half (> 0; default 2000).
    #[serde(default = "default_up")]
    pub step_size_up: f64,
    /// Steps of the falling half (default: `step_size_up`).
    #[serde(default)]
    pub step_size_down: Option<f64>,
    /// The shape of the cycles (`"triangular"`, `"triangular2"`, `"exp_range"`).
    #[serde(default)]
    pub mode: CyclicMode,
    /// Decay of `exp_range` (default 1).
    #[serde(default = "default_gamma")]
    pub gamma: f64,
    /// Cycle the momentum inversely to the rate (default true, as in PyTorch).
    #[serde(default = "default_true")]
    pub cycle_momentum: bool,
    /// Lower momentum (default 0.8).
    #[serde(default = "default_base_momentum")]
    pub base_momentum: PerGroup,
    /// Upper momentum (default 0.9).
    #[serde(default = "default_max_momentum")]
    pub max_momentum: PerGroup,
    /// A custom amplitude scale replacing `mode`'s (code: not saved with the options).
    #[serde(skip)]
    pub scale_fn: Option<ScaleFn>,
    /// What `scale_fn` is given (default `"cycle"`; ignored without a `scale_fn`, as in
    /// PyTorch, whose modes fix it).
    #[serde(default)]
    pub scale_mode: ScaleMode,
}

fn default_up() -> f64 {
    2000.0
}
fn default_gamma() -> f64 {
    1.0
}
fn default_true() -> bool {
    true
}
fn default_base_momentum() -> PerGroup {
    PerGroup::All(0.8)
}
fn default_max_momentum() -> PerGroup {
    PerGroup::All(0.9)
}

impl CyclicLRConfig {
    /// `base_lr` and `max_lr` for every group, PyTorch's defaults for the rest.
    pub fn new(base_lr: f64, max_lr: f64) -> Self {
        CyclicLRConfig {
            base_lr: base_lr.into(),
            max_lr: max_lr.into(),
            step_size_up: default_up(),
            step_size_down: None,
            mode: CyclicMode::default(),
            gamma: default_gamma(),
            cycle_momentum: true,
            base_momentum: default_base_momentum(),
            max_momentum: default_max_momentum(),
            scale_fn: None,
            scale_mode: ScaleMode::Cycle,
        }
    }
}

/// Cyclical learning rate (and momentum).
#[derive(Clone, Debug)]
pub struct CyclicLR {
    config: CyclicLRConfig,
    max_lrs: Vec<f64>,
    /// (base, max) momentum per group, when cycled.
    momenta: Option<(Vec<f64>, Vec<f64>)>,
    total_size: f64,
    step_ratio: f64,
    base: Base,
}

const NAME: &str = "CyclicLR";

impl CyclicLR {
    /// A new cycle on `opt`: sets its rates to `base_lr` (and momenta to `max_momentum`).
    /// Refuses invalid options, and `cycle_momentum` with an optimizer that has no momentum.
    pub fn new(opt: &mut dyn Optimizer, config: CyclicLRConfig) -> Result<Self, OptimError> {
        Self::with_last_epoch(opt, config, -1)
    }

    /// PyTorch's constructor with `last_epoch` (see [`Scheduled::with_last_epoch`](super::Scheduled::with_last_epoch)).
    pub fn with_last_epoch(
        opt: &mut dyn Optimizer,
        config: CyclicLRConfig,
        last_epoch: i64,
    ) -> Result<Self, OptimError> {
        let groups = opt.num_groups();
        let base_lrs = config.base_lr.expand("base_lr", groups)?;
        let max_lrs = config.max_lr.expand("max_lr", groups)?;
        for &x in base_lrs.iter().chain(&max_lrs) {
            check(
                x.is_finite() && x >= 0.0,
                "learning rate",
                x,
                "must be finite and >= 0",
            )?;
        }
        let up = config.step_size_up;
        let down = config.step_size_down.unwrap_or(up);
        check(
            up.is_finite() && up > 0.0,
            "step_size_up",
            up,
            "must be > 0",
        )?;
        check(
            down.is_finite() && down >= 0.0,
            "step_size_down",
            down,
            "must be >= 0",
        )?;
        check(
            config.gamma.is_finite() && config.gamma >= 0.0,
            "gamma",
            config.gamma,
            "must be finite and >= 0",
        )?;
        let momenta = if config.cycle_momentum {
            if (0..groups).any(|g| opt.momentum(g).is_none()) {
                return Err(OptimError::InvalidHyperparameter {
                    name: "cycle_momentum",
                    value: "true".into(),
                    reason: format!(
                        "optimizer must support momentum or beta1 with `cycle_momentum` option \
                         enabled ({} has neither); pass cycle_momentum: false",
                        opt.name()
                    ),
                });
            }
            Some((
                config.base_momentum.expand("base_momentum", groups)?,
                config.max_momentum.expand("max_momentum", groups)?,
            ))
        } else {
            None
        };
        if last_epoch == -1 {
            write_lrs(NAME, opt, &base_lrs)?;
            if let Some((base, max)) = &momenta {
                write_momenta(NAME, opt, max)?;
                for g in 0..groups {
                    opt.set_group_value(g, "max_momentum", max[g]);
                    opt.set_group_value(g, "base_momentum", base[g]);
                }
            }
        }
        let total_size = up + down;
        let mut s = CyclicLR {
            config,
            max_lrs,
            momenta,
            total_size,
            step_ratio: up / total_size,
            base: Base::attach(NAME, opt, last_epoch)?,
        };
        // PyTorch takes the construction step with LRScheduler's base rates (the groups'
        // `initial_lr`), and only then sets its own.
        s.initial_step(opt)?;
        s.base.base_lrs = base_lrs;
        Ok(s)
    }

    /// The amplitude factor: the custom `scale_fn` at the cycle or the step, or the mode's.
    fn scale(&self, cycle: f64, epoch: i64) -> f64 {
        let at = |mode: ScaleMode| match mode {
            ScaleMode::Cycle => cycle,
            ScaleMode::Iterations => epoch as f64,
        };
        match (&self.config.scale_fn, self.config.mode) {
            (Some(f), _) => (f.0)(at(self.config.scale_mode)),
            (None, CyclicMode::Triangular) => 1.0,
            (None, CyclicMode::Triangular2) => 1.0 / 2f64.powf(cycle - 1.0),
            (None, CyclicMode::ExpRange) => self.config.gamma.powf(epoch as f64),
        }
    }

    /// PyTorch's `get_lr` at step `epoch`: (rates, momenta).
    fn compute(&self, epoch: i64) -> (Vec<f64>, Option<Vec<f64>>) {
        let cycle = (1.0 + epoch as f64 / self.total_size).floor();
        let x = 1.0 + epoch as f64 / self.total_size - cycle;
        let scale_factor = if x <= self.step_ratio {
            x / self.step_ratio
        } else {
            (x - 1.0) / (self.step_ratio - 1.0)
        };
        let f = self.scale(cycle, epoch);
        let lrs = self
            .base
            .base_lrs
            .iter()
            .zip(&self.max_lrs)
            .map(|(&b, &m)| {
                let base_height = (m - b) * scale_factor;
                b + base_height * f
            })
            .collect();
        let momenta = self.momenta.as_ref().map(|(base, max)| {
            base.iter()
                .zip(max)
                .map(|(&b, &m)| {
                    let base_height = (m - b) * scale_factor;
                    m - base_height * f
                })
                .collect()
        });
        (lrs, momenta)
    }

    /// Computes step `epoch` and writes it, all or nothing.
    fn commit(
        &mut self,
        opt: &mut dyn Optimizer,
        epoch: i64,
        step_count: u64,
    ) -> Result<(), OptimError> {
        check_groups(NAME, opt, self.base.last_lr.len())?;
        let (lrs, momenta) = self.compute(epoch);
        if let Some(m) = &momenta {
            let saved: Vec<f64> = (0..opt.num_groups())
                .map(|g| opt.momentum(g).unwrap_or(0.0))
                .collect();
            write_momenta(NAME, opt, m)?;
            if let Err(e) = write_lrs(NAME, opt, &lrs) {
                write_momenta(NAME, opt, &saved).expect("the momenta it had are valid");
                return Err(e);
            }
        } else {
            write_lrs(NAME, opt, &lrs)?;
        }
        self.base.last_epoch = epoch;
        self.base.step_count = step_count;
        self.base.last_lr = group_lrs(opt);
        Ok(())
    }
}

impl LrScheduler for CyclicLR {
    fn name(&self) -> &'static str {
        NAME
    }

    fn step_metric(
        &mut self,
        opt: &mut dyn Optimizer,
        metric: Option<f64>,
    ) -> Result<(), OptimError> {
        check_metric(NAME, None, metric)?;
        self.commit(opt, self.base.last_epoch + 1, self.base.step_count + 1)
    }

    fn last_lr(&self) -> Vec<f64> {
        self.base.last_lr.clone()
    }

    fn last_epoch(&self) -> i64 {
        self.base.last_epoch
    }

    fn state(&self) -> SchedulerState {
        self.base.record(NAME, options_json(&self.config))
    }

    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        state.check(NAME, &options_json(&self.config), self.base.last_lr.len())?;
        self.base.restore(state)
    }

    fn initial_step(&mut self, opt: &mut dyn Optimizer) -> Result<(), OptimError> {
        self.commit(opt, self.base.last_epoch + 1, 1)
    }

    fn restart_at(&mut self, opt: &mut dyn Optimizer, epoch: i64) -> Result<(), OptimError> {
        self.commit(opt, epoch, self.base.step_count)
    }

    fn undo(&mut self) {
        self.base.last_epoch -= 1;
    }
}
