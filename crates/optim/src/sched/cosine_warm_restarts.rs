//! `CosineAnnealingWarmRestarts`, as PyTorch's (SGDR, Loshchilov & Hutter 2017):
//! `lr = eta_min + (base - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2`, where `T_cur` counts
//! steps since the last restart and the period `T_i` starts at `T_0` and is multiplied by
//! `T_mult` at each restart. A closed form: it ignores the rate it is given.
//!
//! ```
//! use tapegrad_optim::sched::{CosineAnnealingWarmRestarts, CosineAnnealingWarmRestartsConfig, LrScheduler};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let cfg = CosineAnnealingWarmRestartsConfig { t_0: 2, t_mult: 2, eta_min: 0.0 };
//! let mut s = CosineAnnealingWarmRestarts::new(&mut opt, cfg).unwrap();
//! s.step(&mut opt).unwrap(); // half way down the first cycle
//! assert!((opt.lr(0) - 0.5).abs() < 1e-12);
//! s.step(&mut opt).unwrap(); // restart
//! assert!((opt.lr(0) - 1.0).abs() < 1e-12);
//! ```

use super::base::{check_groups, check_metric, write_lrs, Base};
use super::{group_lrs, options_json, LrScheduler, SchedulerState};
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
    /// Minimum rate (default 0).
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
    base: Base,
    t_cur: i64,
    t_i: i64,
}

const NAME: &str = "CosineAnnealingWarmRestarts";

impl CosineAnnealingWarmRestarts {
    /// A new schedule on `opt`: sets its rates for step 0. Refuses invalid options.
    pub fn new(
        opt: &mut dyn Optimizer,
        config: CosineAnnealingWarmRestartsConfig,
    ) -> Result<Self, OptimError> {
        Self::with_last_epoch(opt, config, -1)
    }

    /// PyTorch's constructor with `last_epoch` (see [`Scheduled::with_last_epoch`](super::Scheduled::with_last_epoch)).
    pub fn with_last_epoch(
        opt: &mut dyn Optimizer,
        config: CosineAnnealingWarmRestartsConfig,
        last_epoch: i64,
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
            config.eta_min.is_finite(),
            "eta_min",
            config.eta_min,
            "must be finite",
        )?;
        let base = Base::attach(NAME, opt, last_epoch)?;
        let mut s = CosineAnnealingWarmRestarts {
            t_i: config.t_0 as i64,
            t_cur: last_epoch,
            config,
            base,
        };
        s.initial_step(opt)?;
        Ok(s)
    }

    /// PyTorch's `get_lr`: the cosine at `T_cur / T_i` from each base rate.
    fn rates(&self) -> Vec<f64> {
        let eta = self.config.eta_min;
        self.base
            .base_lrs
            .iter()
            .map(|&b| {
                eta + (b - eta) * (1.0 + (PI * self.t_cur as f64 / self.t_i as f64).cos()) / 2.0
            })
            .collect()
    }

    /// Writes `rates()` at (`last_epoch`, `t_cur`, `t_i`), committing them only if valid.
    fn commit(
        &mut self,
        opt: &mut dyn Optimizer,
        last_epoch: i64,
        t_cur: i64,
        t_i: i64,
    ) -> Result<(), OptimError> {
        check_groups(NAME, opt, self.base.last_lr.len())?;
        let saved = (self.t_cur, self.t_i);
        (self.t_cur, self.t_i) = (t_cur, t_i);
        if let Err(e) = write_lrs(NAME, opt, &self.rates()) {
            (self.t_cur, self.t_i) = saved;
            return Err(e);
        }
        self.base.last_epoch = last_epoch;
        self.base.last_lr = group_lrs(opt);
        Ok(())
    }
}

impl LrScheduler for CosineAnnealingWarmRestarts {
    fn name(&self) -> &'static str {
        NAME
    }

    /// PyTorch's `step()` (which this schedule overrides): `T_cur` advances and wraps at
    /// `T_i`, which then grows by `T_mult`; a schedule not started yet (`last_epoch < 0`)
    /// starts at the top of its first cycle.
    fn step_metric(
        &mut self,
        opt: &mut dyn Optimizer,
        metric: Option<f64>,
    ) -> Result<(), OptimError> {
        check_metric(NAME, None, metric)?;
        if self.base.last_epoch < 0 {
            return self.commit(opt, 0, 0, self.config.t_0 as i64);
        }
        let (mut t_cur, mut t_i) = (self.t_cur + 1, self.t_i);
        if t_cur >= t_i {
            t_cur = t_cur.rem_euclid(t_i);
            t_i *= self.config.t_mult as i64;
        }
        self.commit(opt, self.base.last_epoch + 1, t_cur, t_i)
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
            ("T_cur".into(), self.t_cur as f64),
            ("T_i".into(), self.t_i as f64),
        ];
        s
    }

    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        state.check(NAME, &options_json(&self.config), self.base.last_lr.len())?;
        let t_cur = state.scalar("T_cur")?;
        let t_i = state.scalar("T_i")?;
        let whole = |x: f64| x.fract() == 0.0 && x.abs() < 1e15;
        if !(whole(t_cur) && whole(t_i) && t_cur >= -1.0 && t_i >= 1.0 && t_cur < t_i) {
            return Err(OptimError::StateMismatch(format!(
                "{NAME}: T_cur {t_cur} and T_i {t_i} out of range"
            )));
        }
        self.base.restore(state)?;
        self.t_cur = t_cur as i64;
        self.t_i = t_i as i64;
        Ok(())
    }

    fn initial_step(&mut self, opt: &mut dyn Optimizer) -> Result<(), OptimError> {
        self.step_metric(opt, None)?;
        self.base.step_count = 0;
        Ok(())
    }

    fn restart_at(&mut self, opt: &mut dyn Optimizer, epoch: i64) -> Result<(), OptimError> {
        // PyTorch's base `_update_lr(epoch)`: no closed form here, so `get_lr` at the current
        // `T_cur` and `T_i`.
        self.commit(opt, epoch, self.t_cur, self.t_i)
    }

    fn undo(&mut self) {
        self.base.last_epoch -= 1;
    }
}
