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
//! annealing the rate can even turn negative). In the usual loop that last rate is never
//! used by an optimizer step; if you read it, size `total_steps` one larger.
//!
//! ```
//! use tapegrad_optim::sched::{LrScheduler, OneCycleLR, OneCycleLRConfig};
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 0.5, momentum: 0.9, ..Default::default() }).unwrap();
//! let cfg = OneCycleLRConfig { total_steps: Some(100), ..OneCycleLRConfig::new(1.0) };
//! let mut s = OneCycleLR::new(&opt, cfg).unwrap();
//! assert!((s.lrs()[0] - 1.0 / 25.0).abs() < 1e-12); // max_lr / div_factor
//! for _ in 0..29 { s.step(None).unwrap(); }
//! assert!((s.lrs()[0] - 1.0).abs() < 1e-12); // the peak, at pct_start * total - 1
//! ```

use super::{check_len, options_json, LrScheduler, PerGroup, SchedulerState};
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

#[derive(Clone, Copy, Debug)]
enum Level {
    Initial,
    Max,
    Min,
}

/// One phase: its last step, rate end points, momentum end points (true = max momentum).
#[derive(Clone, Copy, Debug)]
struct Phase {
    end_step: f64,
    lr: (Level, Level),
    momentum: (bool, bool),
}

/// The 1cycle policy.
#[derive(Clone, Debug)]
pub struct OneCycleLR {
    config: OneCycleLRConfig,
    total_steps: u64,
    phases: Vec<Phase>,
    /// (initial, max, min) rate per group.
    levels: Vec<(f64, f64, f64)>,
    momenta: Option<(Vec<f64>, Vec<f64>)>,
    lrs: Vec<f64>,
    last_epoch: u64,
}

const NAME: &str = "OneCycleLR";

impl OneCycleLR {
    /// Over `opt`'s groups (whose own rates are replaced by `max_lr / div_factor`). Refuses
    /// invalid options, and `cycle_momentum` with an optimizer that has no momentum.
    pub fn new(opt: &dyn Optimizer, config: OneCycleLRConfig) -> Result<Self, OptimError> {
        let total_steps = match (config.total_steps, config.epochs, config.steps_per_epoch) {
            (Some(t), _, _) => {
                check(t >= 1, "total_steps", t, "expected a positive integer")?;
                t
            }
            (None, Some(e), Some(s)) => {
                check(e >= 1, "epochs", e, "expected a positive integer")?;
                check(s >= 1, "steps_per_epoch", s, "expected a positive integer")?;
                e * s
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
        let levels = max_lrs
            .iter()
            .map(|&m| {
                let initial = m / config.div_factor;
                (initial, m, initial / config.final_div_factor)
            })
            .collect();
        let momenta = if config.cycle_momentum {
            if (0..groups).any(|g| opt.momentum(g).is_none()) {
                return Err(OptimError::InvalidHyperparameter {
                    name: "cycle_momentum",
                    value: "true".into(),
                    reason: format!(
                        "{} has no momentum or beta1 to cycle; pass cycle_momentum: false",
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
        let total = total_steps as f64;
        let p = config.pct_start;
        let phases = if config.three_phase {
            vec![
                Phase {
                    end_step: p * total - 1.0,
                    lr: (Level::Initial, Level::Max),
                    momentum: (true, false),
                },
                Phase {
                    end_step: 2.0 * p * total - 2.0,
                    lr: (Level::Max, Level::Initial),
                    momentum: (false, true),
                },
                Phase {
                    end_step: total - 1.0,
                    lr: (Level::Initial, Level::Min),
                    momentum: (true, true),
                },
            ]
        } else {
            vec![
                Phase {
                    end_step: p * total - 1.0,
                    lr: (Level::Initial, Level::Max),
                    momentum: (true, false),
                },
                Phase {
                    end_step: total - 1.0,
                    lr: (Level::Max, Level::Min),
                    momentum: (false, true),
                },
            ]
        };
        let mut s = OneCycleLR {
            config,
            total_steps,
            phases,
            levels,
            momenta,
            lrs: Vec::new(),
            last_epoch: 0,
        };
        s.lrs = s.compute().0;
        Ok(s)
    }

    /// The total number of steps of the cycle.
    pub fn total_steps(&self) -> u64 {
        self.total_steps
    }

    fn anneal(&self, start: f64, end: f64, pct: f64) -> f64 {
        match self.config.anneal_strategy {
            AnnealStrategy::Cos => end + (start - end) / 2.0 * ((PI * pct).cos() + 1.0),
            AnnealStrategy::Linear => (end - start) * pct + start,
        }
    }

    /// (lrs, momenta) at `last_epoch`.
    fn compute(&self) -> (Vec<f64>, Option<Vec<f64>>) {
        let step = self.last_epoch as f64;
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
        let level = |l: Level, (i, m, n): (f64, f64, f64)| match l {
            Level::Initial => i,
            Level::Max => m,
            Level::Min => n,
        };
        let lrs = self
            .levels
            .iter()
            .map(|&lv| self.anneal(level(phase.lr.0, lv), level(phase.lr.1, lv), pct))
            .collect();
        let momenta = self.momenta.as_ref().map(|(base, max)| {
            base.iter()
                .zip(max)
                .map(|(&b, &m)| {
                    let pick = |hi: bool| if hi { m } else { b };
                    self.anneal(pick(phase.momentum.0), pick(phase.momentum.1), pct)
                })
                .collect()
        });
        (lrs, momenta)
    }
}

impl LrScheduler for OneCycleLR {
    fn name(&self) -> &'static str {
        NAME
    }

    fn step(&mut self, _metric: Option<f64>) -> Result<(), OptimError> {
        if self.last_epoch + 1 > self.total_steps {
            return Err(OptimError::InvalidHyperparameter {
                name: "total_steps",
                value: self.total_steps.to_string(),
                reason: format!(
                    "tried to step {} times; the cycle has total_steps = {}",
                    self.last_epoch + 1,
                    self.total_steps
                ),
            });
        }
        self.last_epoch += 1;
        self.lrs = self.compute().0;
        Ok(())
    }

    fn lrs(&self) -> Vec<f64> {
        self.lrs.clone()
    }

    fn momenta(&self) -> Option<Vec<f64>> {
        self.compute().1
    }

    fn last_epoch(&self) -> u64 {
        self.last_epoch
    }

    fn state(&self) -> SchedulerState {
        SchedulerState {
            scheduler: NAME.into(),
            options: options_json(&self.config),
            base_lrs: self.levels.iter().map(|l| l.0).collect(),
            last_epoch: self.last_epoch,
            lrs: self.lrs.clone(),
            scalars: Vec::new(),
            children: Vec::new(),
        }
    }

    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        state.check(NAME, &options_json(&self.config), self.lrs.len())?;
        if state.last_epoch > self.total_steps {
            return Err(OptimError::StateMismatch(format!(
                "{NAME}: saved at step {}, past total_steps {}",
                state.last_epoch, self.total_steps
            )));
        }
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
        self.lrs = self.compute().0;
        Ok(())
    }
}
