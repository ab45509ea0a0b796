//! `OneCycleLR`, as PyTorch's (Smith & Topin 2018, "Super-Convergence"): the rate rises from
//! `max_lr / div_factor` to `max_lr` over the first `pct_start` of `total_steps`, then falls
//! to `initial_lr / final_div_factor` (with `three_phase`, it first falls back to the initial
//! rate, symmetrically, and only then to the minimum). Each phase anneals with a cosine
//! (`anneal_strategy: "cos"`, `end + (start - end) / 2 * (1 + cos(pi * pct))`) or linearly.
//! Phases end at steps `pct_start * total - 1` (and `2 * pct_start * total - 2`) and
//! `total - 1`, as in PyTorch. With `cycle_momentum` (the default) the momentum moves the
//! other way between `max_momentum` and `base_momentum`. Stepping more than `total_steps`
//! times is an error, as in PyTorch.
//!
//! Trap (PyTorch's too): the last phase ends at step `total_steps - 1`, yet a step numbered
//! `total_steps` is allowed and extrapolates past the end, below `min_lr` (with linear
//! annealing the rate can even turn negative, which is refused as an error here). In the
//! usual loop that last rate is never used by an optimizer step; if you read it, size
//! `total_steps` one larger.
//!
//! As in PyTorch, construction writes each group's `initial_lr` (`max_lr / div_factor`),
//! `max_lr` and `min_lr` (and `max_momentum`, `base_momentum`) into the optimizer, and every
//! step reads them back from there: schedulers built on the same optimizer see each other's
//! values, exactly as PyTorch's do.
//!
//! ```
//! use tapegrad_optim::sched::{LrScheduler, OneCycleLR, OneCycleLRConfig};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 0.5, momentum: 0.9, ..Default::default() }).unwrap();
//! let cfg = OneCycleLRConfig { total_steps: Some(100), ..OneCycleLRConfig::new(1.0) };
//! let mut s = OneCycleLR::new(&mut opt, cfg).unwrap();
//! assert!((opt.lr(0) - 1.0 / 25.0).abs() < 1e-12); // max_lr / div_factor
//! for _ in 0..29 { s.step(&mut opt).unwrap(); }
//! assert!((opt.lr(0) - 1.0).abs() < 1e-12); // the peak, at pct_start * total - 1
//! ```

use super::base::{check_groups, check_metric, write_lrs, write_momenta, Base};
use super::{group_lrs, options_json, LrScheduler, PerGroup, SchedulerState};
use crate::error::{check, OptimError};
use crate::Optimizer;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// How each phase moves between its end points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AnnealStrategy {
    /// Cosine annealing.
    #[default]
    Cos,
    /// Linear annealing.
    Linear,
}

/// OneCycleLR's options (PyTorch's names and defaults; `max_lr` and either `total_steps` or
/// `epochs` with `steps_per_epoch` are required).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OneCycleLRConfig {
    /// Peak rate (one value, or one per group).
    pub max_lr: PerGroup,
    /// Total steps of the cycle.
    #[serde(default)]
    pub total_steps: Option<u64>,
    /// With `steps_per_epoch`, gives `total_steps = epochs * steps_per_epoch`.
    #[serde(default)]
    pub epochs: Option<u64>,
    /// See `epochs`.
    #[serde(default)]
    pub steps_per_epoch: Option<u64>,
    /// Fraction of the cycle spent rising (in [0, 1]; default 0.3).
    #[serde(default = "default_pct")]
    pub pct_start: f64,
    /// `"cos"` (default) or `"linear"`.
    #[serde(default)]
    pub anneal_strategy: AnnealStrategy,
    /// Cycle the momentum inversely to the rate (default true).
    #[serde(default = "default_true")]
    pub cycle_momentum: bool,
    /// Lower momentum (default 0.85).
    #[serde(default = "default_base_momentum")]
    pub base_momentum: PerGroup,
    /// Upper momentum (default 0.95).
    #[serde(default = "default_max_momentum")]
    pub max_momentum: PerGroup,
    /// `initial_lr = max_lr / div_factor` (default 25).
    #[serde(default = "default_div")]
    pub div_factor: f64,
    /// `min_lr = initial_lr / final_div_factor` (default 1e4).
    #[serde(default = "default_final_div")]
    pub final_div_factor: f64,
    /// Three phases (up, back down to the initial rate, down to the minimum) instead of two.
    #[serde(default)]
    pub three_phase: bool,
}

fn default_pct() -> f64 {
    0.3
}
fn default_true() -> bool {
    true
}
fn default_base_momentum() -> PerGroup {
    PerGroup::All(0.85)
}
fn default_max_momentum() -> PerGroup {
    PerGroup::All(0.95)
}
fn default_div() -> f64 {
    25.0
}
fn default_final_div() -> f64 {
    1e4
}

impl OneCycleLRConfig {
    /// `max_lr` for every group, PyTorch's defaults elsewhere (set `total_steps` or
    /// `epochs` and `steps_per_epoch`).
    pub fn new(max_lr: f64) -> Self {
        OneCycleLRConfig {
            max_lr: max_lr.into(),
            total_steps: None,
            epochs: None,
            steps_per_epoch: None,
            pct_start: default_pct(),
            anneal_strategy: AnnealStrategy::Cos,
            cycle_momentum: true,
            base_momentum: default_base_momentum(),
            max_momentum: default_max_momentum(),
            div_factor: default_div(),
            final_div_factor: default_final_div(),
            three_phase: false,
        }
    }
}

/// One phase: its last step and the group values its rate and momentum move between.
#[derive(Clone, Copy, Debug)]
struct Phase {
    end_step: f64,
    lr: (&'static str, &'static str),
    momentum: (&'static str, &'static str),
}

/// The 1cycle policy.
#[derive(Clone, Debug)]
pub struct OneCycleLR {
    config: OneCycleLRConfig,
    total_steps: u64,
    phases: Vec<Phase>,
    base: Base,
}

const NAME: &str = "OneCycleLR";

impl OneCycleLR {
    /// A new cycle on `opt`: writes each group's `initial_lr`, `max_lr`, `min_lr` (and
    /// momenta) and sets its rate for step 0. Refuses invalid options, and `cycle_momentum`
    /// with an optimizer that has no momentum.
    pub fn new(opt: &mut dyn Optimizer, config: OneCycleLRConfig) -> Result<Self, OptimError> {
        Self::with_last_epoch(opt, config, -1)
    }

    /// PyTorch's constructor with `last_epoch` (see [`Scheduled::with_last_epoch`](super::Scheduled::with_last_epoch)):
    /// resuming reads the group values the optimizer's saved state holds.
    pub fn with_last_epoch(
        opt: &mut dyn Optimizer,
        config: OneCycleLRConfig,
        last_epoch: i64,
    ) -> Result<Self, OptimError> {
        let total_steps = match (config.total_steps, config.epochs, config.steps_per_epoch) {
            (Some(t), _, _) => {
                check(t >= 1, "total_steps", t, "expected a positive integer")?;
                t
            }
            (None, Some(e), Some(s)) => {
                check(e >= 1, "epochs", e, "expected a positive integer")?;
                check(s >= 1, "steps_per_epoch", s, "expected a positive integer")?;
                e.checked_mul(s)
                    .ok_or_else(|| OptimError::InvalidHyperparameter {
                        name: "epochs",
                        value: e.to_string(),
                        reason: "epochs * steps_per_epoch overflows".into(),
                    })?
            }
            _ => {
                return Err(OptimError::InvalidOptions {
                    optimizer: NAME,
                    message: "you must define either total_steps or (epochs and steps_per_epoch)"
                        .into(),
                })
            }
        };
        check(
            (0.0..=1.0).contains(&config.pct_start),
            "pct_start",
            config.pct_start,
            "expected a float between 0 and 1",
        )?;
        check(
            config.div_factor.is_finite() && config.div_factor > 0.0,
            "div_factor",
            config.div_factor,
            "must be > 0",
        )?;
        check(
            config.final_div_factor.is_finite() && config.final_div_factor > 0.0,
            "final_div_factor",
            config.final_div_factor,
            "must be > 0",
        )?;
        let groups = opt.num_groups();
        let max_lrs = config.max_lr.expand("max_lr", groups)?;
        for &m in &max_lrs {
            check(
                m.is_finite() && m >= 0.0,
                "max_lr",
                m,
                "must be finite and >= 0",
            )?;
        }
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
                config.max_momentum.expand("max_momentum", groups)?,
                config.base_momentum.expand("base_momentum", groups)?,
            ))
        } else {
            None
        };
        let total = total_steps as f64;
        let p = config.pct_start;
        let phases = if config.three_phase {
            vec![
                Phase {
                    end_step: p * total - 1.0,
                    lr: ("initial_lr", "max_lr"),
                    momentum: ("max_momentum", "base_momentum"),
                },
                Phase {
                    end_step: 2.0 * p * total - 2.0,
                    lr: ("max_lr", "initial_lr"),
                    momentum: ("base_momentum", "max_momentum"),
                },
                Phase {
                    end_step: total - 1.0,
                    lr: ("initial_lr", "min_lr"),
                    momentum: ("max_momentum", "max_momentum"),
                },
            ]
        } else {
            vec![
                Phase {
                    end_step: p * total - 1.0,
                    lr: ("initial_lr", "max_lr"),
                    momentum: ("max_momentum", "base_momentum"),
                },
                Phase {
                    end_step: total - 1.0,
                    lr: ("max_lr", "min_lr"),
                    momentum: ("base_momentum", "max_momentum"),
                },
            ]
        };
        if last_epoch == -1 {
            for (g, &m) in max_lrs.iter().enumerate() {
                let initial = m / config.div_factor;
                opt.set_group_value(g, "initial_lr", initial);
                opt.set_group_value(g, "max_lr", m);
                opt.set_group_value(g, "min_lr", initial / config.final_div_factor);
            }
            if let Some((max, base)) = &momenta {
                write_momenta(NAME, opt, max)?;
                for g in 0..groups {
                    opt.set_group_value(g, "max_momentum", max[g]);
                    opt.set_group_value(g, "base_momentum", base[g]);
                }
            }
        }
        let base = Base::attach(NAME, opt, last_epoch)?;
        let mut s = OneCycleLR {
            config,
            total_steps,
            phases,
            base,
        };
        s.initial_step(opt)?;
        Ok(s)
    }

    /// The total number of steps of the cycle.
    pub fn total_steps(&self) -> u64 {
        self.total_steps
    }

    fn anneal(&self, start: f64, end: f64, pct: f64) -> f64 {
        match self.config.anneal_strategy {
            AnnealStrategy::Cos => {
                let cos_out = (PI * pct).cos() + 1.0;
                end + (start - end) / 2.0 * cos_out
            }
            AnnealStrategy::Linear => (end - start) * pct + start,
        }
    }

    /// PyTorch's `get_lr` at step `epoch`: each group's rate (and momentum) from the values
    /// its group holds in `opt`.
    fn compute(
        &self,
        opt: &dyn Optimizer,
        epoch: i64,
    ) -> Result<(Vec<f64>, Option<Vec<f64>>), OptimError> {
        if epoch > self.total_steps as i64 {
            return Err(OptimError::InvalidHyperparameter {
                name: "total_steps",
                value: self.total_steps.to_string(),
                reason: format!(
                    "tried to step {epoch} times; the cycle has total_steps = {}",
                    self.total_steps
                ),
            });
        }
        let value = |g: usize, key: &str| {
            opt.group_value(g, key)
                .ok_or_else(|| OptimError::InvalidOptions {
                    optimizer: NAME,
                    message: format!(
                        "param group {g} has no '{key}' (restore the optimizer's state)"
                    ),
                })
        };
        let step = epoch as f64;
        let mut start_step = 0.0;
        let mut found = (self.phases[self.phases.len() - 1], 0.0);
        for (i, phase) in self.phases.iter().enumerate() {
            if step <= phase.end_step || i == self.phases.len() - 1 {
                found = (*phase, (step - start_step) / (phase.end_step - start_step));
                break;
            }
            start_step = phase.end_step;
        }
        let (phase, pct) = found;
        let mut lrs = Vec::new();
        let mut momenta = Vec::new();
        for g in 0..opt.num_groups() {
            lrs.push(self.anneal(value(g, phase.lr.0)?, value(g, phase.lr.1)?, pct));
            if self.config.cycle_momentum {
                let (a, b) = (value(g, phase.momentum.0)?, value(g, phase.momentum.1)?);
                momenta.push(self.anneal(a, b, pct));
            }
        }
        Ok((lrs, self.config.cycle_momentum.then_some(momenta)))
    }

    /// Computes step `epoch` and writes it, all or nothing.
    fn commit(
        &mut self,
        opt: &mut dyn Optimizer,
        epoch: i64,
        step_count: u64,
    ) -> Result<(), OptimError> {
        check_groups(NAME, opt, self.base.last_lr.len())?;
        let (lrs, momenta) = self.compute(opt, epoch)?;
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

impl LrScheduler for OneCycleLR {
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
        if state.last_epoch > self.total_steps as i64 {
            return Err(OptimError::StateMismatch(format!(
                "{NAME}: saved at step {}, past total_steps {}",
                state.last_epoch, self.total_steps
            )));
        }
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
