//! `CosineAnnealingWarmRestarts`, as PyTorch's (SGDR, Loshchilov & Hutter 2017):
//! `lr = eta_min + (base - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2`, where `T_cur` counts
//! steps since the last restart and the period `T_i` starts at `T_0` and is multiplied by
//! `T_mult` at each restart. A closed form: it ignores the rate it is given.
//!
//! ```
//! use tapegrad_optim::sched::{CosineAnnealingWarmRestarts, CosineAnnealingWarmRestartsConfig, LrScheduler};
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let cfg = CosineAnnealingWarmRestartsConfig { t_0: 2, t_mult: 2, eta_min: 0.0 };
//! let mut s = CosineAnnealingWarmRestarts::new(&opt, cfg).unwrap();
//! s.step(None).unwrap(); // half way down the first cycle
//! assert!((s.lrs()[0] - 0.5).abs() < 1e-12);
//! s.step(None).unwrap(); // restart
//! assert!((s.lrs()[0] - 1.0).abs() < 1e-12);
//! ```

use super::{check_len, group_lrs, options_json, LrScheduler, SchedulerState};
use crate::error::{check, OptimError};
use crate::Optimizer;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// CosineAnnealingWarmRestarts' options (PyTorch's names; `T_0` is required).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CosineAnnealingWarmRestartsConfig {
    /// Steps until the first restart (>= 1).
    #[serde(rename = "T_0")]
    pub t_0: u64,
    /// Growth of the period at each restart (>= 1; default 1).
    #[serde(rename = "T_mult", default = "one")]
    pub t_mult: u64,
    /// Minimum rate (>= 0; default 0).
    #[serde(default)]
    pub eta_min: f64,
}

fn one() -> u64 {
    1
}

/// Cosine annealing with warm restarts.
#[derive(Clone, Debug)]
pub struct CosineAnnealingWarmRestarts {
    config: CosineAnnealingWarmRestartsConfig,
    base_lrs: Vec<f64>,
    lrs: Vec<f64>,
    last_epoch: u64,
    t_cur: u64,
    t_i: u64,
}

const NAME: &str = "CosineAnnealingWarmRestarts";

impl CosineAnnealingWarmRestarts {
    /// Over `opt`'s groups, their current rates as base rates. Refuses invalid options.
    pub fn new(
        opt: &dyn Optimizer,
        config: CosineAnnealingWarmRestartsConfig,
    ) -> Result<Self, OptimError> {
        check(
            config.t_0 >= 1,
            "T_0",
            config.t_0,
            "expected a positive integer",
        )?;
        check(
            config.t_mult >= 1,
            "T_mult",
            config.t_mult,
            "expected an integer >= 1",
        )?;
        check(
            config.eta_min.is_finite() && config.eta_min >= 0.0,
            "eta_min",
            config.eta_min,
            "must be finite and >= 0",
        )?;
        let base_lrs = group_lrs(opt);
        let mut s = CosineAnnealingWarmRestarts {
            t_i: config.t_0,
            config,
            lrs: base_lrs.clone(),
            base_lrs,
            last_epoch: 0,
            t_cur: 0,
        };
        s.compute();
        Ok(s)
    }

    fn compute(&mut self) {
        let eta = self.config.eta_min;
        let frac = self.t_cur as f64 / self.t_i as f64;
        self.lrs = self
            .base_lrs
            .iter()
            .map(|&b| eta + (b - eta) * (1.0 + (PI * frac).cos()) / 2.0)
            .collect();
    }
}

impl LrScheduler for CosineAnnealingWarmRestarts {
    fn name(&self) -> &'static str {
        NAME
    }

    fn step(&mut self, _metric: Option<f64>) -> Result<(), OptimError> {
        self.last_epoch += 1;
        self.t_cur += 1;
        if self.t_cur >= self.t_i {
            self.t_cur -= self.t_i;
            self.t_i *= self.config.t_mult;
        }
        self.compute();
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
                ("T_cur".into(), self.t_cur as f64),
                ("T_i".into(), self.t_i as f64),
            ],
            children: Vec::new(),
        }
    }

    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        state.check(NAME, &options_json(&self.config), self.lrs.len())?;
        let t_cur = state.scalar("T_cur")?;
        let t_i = state.scalar("T_i")?;
        if !(t_cur >= 0.0 && t_i >= 1.0 && t_cur < t_i) {
            return Err(OptimError::StateMismatch(format!(
                "{NAME}: T_cur {t_cur} and T_i {t_i} out of range"
            )));
        }
        self.t_cur = t_cur as u64;
        self.t_i = t_i as u64;
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
        self.t_cur = 0;
        self.t_i = self.config.t_0;
        self.compute();
        Ok(())
    }
}
