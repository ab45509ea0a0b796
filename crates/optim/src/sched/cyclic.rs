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
//! `max_momentum` and `base_momentum` (see [`LrScheduler::momenta`]). The rates are
//! absolute: the group's own rate is ignored, and `base_lr` replaces it at construction.
//!
//! ```
//! use tapegrad_optim::sched::{CyclicLR, CyclicLRConfig, LrScheduler};
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 0.5, momentum: 0.9, ..Default::default() }).unwrap();
//! let cfg = CyclicLRConfig { step_size_up: 2.0, ..CyclicLRConfig::new(0.1, 1.0) };
//! let mut s = CyclicLR::new(&opt, cfg).unwrap();
//! assert!((s.lrs()[0] - 0.1).abs() < 1e-12);
//! s.step(None).unwrap();
//! s.step(None).unwrap(); // top of the cycle
//! assert!((s.lrs()[0] - 1.0).abs() < 1e-12);
//! assert!((s.momenta().unwrap()[0] - 0.8).abs() < 1e-12);
//! ```

use super::{check_len, options_json, LrScheduler, PerGroup, SchedulerState};
use crate::error::{check, OptimError};
use crate::Optimizer;
use serde::{Deserialize, Serialize};

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
        }
    }
}

/// Cyclical learning rate (and momentum).
#[derive(Clone, Debug)]
pub struct CyclicLR {
    config: CyclicLRConfig,
    base_lrs: Vec<f64>,
    max_lrs: Vec<f64>,
    momenta: Option<(Vec<f64>, Vec<f64>)>,
    lrs: Vec<f64>,
    last_epoch: u64,
}

const NAME: &str = "CyclicLR";

impl CyclicLR {
    /// Over `opt`'s groups. Refuses invalid options, and `cycle_momentum` with an optimizer
    /// that has no momentum.
    pub fn new(opt: &dyn Optimizer, config: CyclicLRConfig) -> Result<Self, OptimError> {
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
        check(
            config.step_size_up.is_finite() && config.step_size_up > 0.0,
            "step_size_up",
            config.step_size_up,
            "must be > 0",
        )?;
        if let Some(d) = config.step_size_down {
            check(
                d.is_finite() && d >= 0.0,
                "step_size_down",
                d,
                "must be >= 0",
            )?;
        }
        check(
            config.gamma.is_finite() && config.gamma > 0.0,
            "gamma",
            config.gamma,
            "must be finite and > 0",
        )?;
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
        let mut s = CyclicLR {
            config,
            lrs: base_lrs.clone(),
            base_lrs,
            max_lrs,
            momenta,
            last_epoch: 0,
        };
        s.lrs = s.compute().0;
        Ok(s)
    }

    /// (lrs, momenta) at `last_epoch`.
    fn compute(&self) -> (Vec<f64>, Option<Vec<f64>>) {
        let c = &self.config;
        let up = c.step_size_up;
        let total = up + c.step_size_down.unwrap_or(up);
        let ratio = up / total;
        let t = self.last_epoch as f64;
        let cycle = (1.0 + t / total).floor();
        let x = 1.0 + t / total - cycle;
        let scale = if x <= ratio {
            x / ratio
        } else {
            (x - 1.0) / (ratio - 1.0)
        };
        let f = match c.mode {
            CyclicMode::Triangular => 1.0,
            CyclicMode::Triangular2 => 1.0 / 2f64.powf(cycle - 1.0),
            CyclicMode::ExpRange => c.gamma.powf(t),
        };
        let lrs = self
            .base_lrs
            .iter()
            .zip(&self.max_lrs)
            .map(|(&b, &m)| b + (m - b) * scale * f)
            .collect();
        let momenta = self.momenta.as_ref().map(|(base, max)| {
            base.iter()
                .zip(max)
                .map(|(&b, &m)| m - (m - b) * scale * f)
                .collect()
        });
        (lrs, momenta)
    }
}

impl LrScheduler for CyclicLR {
    fn name(&self) -> &'static str {
        NAME
    }

    fn step(&mut self, _metric: Option<f64>) -> Result<(), OptimError> {
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
            base_lrs: self.base_lrs.clone(),
            last_epoch: self.last_epoch,
            lrs: self.lrs.clone(),
            scalars: Vec::new(),
            children: Vec::new(),
        }
    }

    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        state.check(NAME, &options_json(&self.config), self.lrs.len())?;
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
        self.lrs = self.compute().0;
        Ok(())
    }
}
