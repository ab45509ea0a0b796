//! [`Scheduled`]: the container for schedules that are one formula per group.
//!
//! A file such as `step.rs` defines a config (`StepLRConfig`: public fields, serde names =
//! PyTorch's keywords) and implements [`Rule`] for it: validation and the rate at step `t`
//! from the group's current and base rates. `pub type StepLR = Scheduled<StepLRConfig>` names
//! the scheduler; stepping, state export/import and composition are written once, here.

use super::{check_len, group_lrs, options_json, LrScheduler, SchedulerState};
use crate::{OptimError, Optimizer};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

/// One formula per group: what a simple schedule file implements.
pub trait Rule: Clone + Debug + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// PyTorch's class name (`"StepLR"`).
    const NAME: &'static str;
    /// Whether PyTorch has a closed form for it (`_get_closed_form_lr`): then `step(0)`, as
    /// SequentialLR calls it at a milestone, restarts from the base rates.
    const CLOSED_FORM: bool;
    /// The metric the schedule needs at each step (`Some("loss")`), if any.
    const METRIC: Option<&'static str> = None;

    /// Refuses invalid options with a message naming the value.
    fn validate(&self) -> Result<(), OptimError>;

    /// The rate after `epoch` steps, from the group's `current` rate (the rate after
    /// `epoch - 1` steps; PyTorch's chainable form reads it from the optimizer) and its
    /// `base` rate. `epoch == 0` is the step taken at construction. `metric` is the value
    /// passed to this step (`None` at construction).
    fn lr(&self, epoch: u64, current: f64, base: f64, metric: Option<f64>) -> f64;
}

/// A scheduler driven by a [`Rule`]; use it through the aliases (`StepLR`, ...).
#[derive(Clone, Debug)]
pub struct Scheduled<R: Rule> {
    config: R,
    base_lrs: Vec<f64>,
    lrs: Vec<f64>,
    last_epoch: u64,
}

impl<R: Rule> Scheduled<R> {
    /// A scheduler over `opt`'s groups, taking each group's current rate as its base rate.
    /// Refuses invalid options.
    pub fn new(opt: &dyn Optimizer, config: R) -> Result<Self, OptimError> {
        Self::with_base_lrs(group_lrs(opt), config)
    }

    /// A scheduler over groups whose base (and current) rates are `base_lrs`.
    pub fn with_base_lrs(base_lrs: Vec<f64>, config: R) -> Result<Self, OptimError> {
        config.validate()?;
        let lrs = base_lrs.iter().map(|&b| config.lr(0, b, b, None)).collect();
        Ok(Scheduled {
            config,
            base_lrs,
            lrs,
            last_epoch: 0,
        })
    }

    /// The options.
    pub fn config(&self) -> &R {
        &self.config
    }

    /// The base rate of each group.
    pub fn base_lrs(&self) -> &[f64] {
        &self.base_lrs
    }
}

impl<R: Rule> LrScheduler for Scheduled<R> {
    fn name(&self) -> &'static str {
        R::NAME
    }

    fn step(&mut self, metric: Option<f64>) -> Result<(), OptimError> {
        if let (Some(what), None) = (R::METRIC, metric) {
            return Err(super::missing_metric(R::NAME, what));
        }
        self.last_epoch += 1;
        let t = self.last_epoch;
        for (lr, &base) in self.lrs.iter_mut().zip(&self.base_lrs) {
            *lr = self.config.lr(t, *lr, base, metric);
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
            scheduler: R::NAME.to_string(),
            options: options_json(&self.config),
            base_lrs: self.base_lrs.clone(),
            last_epoch: self.last_epoch,
            lrs: self.lrs.clone(),
            scalars: Vec::new(),
            children: Vec::new(),
        }
    }

    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        state.check(R::NAME, &options_json(&self.config), self.lrs.len())?;
        self.base_lrs = state.base_lrs.clone();
        self.lrs = state.lrs.clone();
        self.last_epoch = state.last_epoch;
        Ok(())
    }

    fn set_lrs(&mut self, lrs: &[f64]) {
        assert_eq!(
            lrs.len(),
            self.lrs.len(),
            "{}::set_lrs: one rate per group",
            R::NAME
        );
        self.lrs = lrs.to_vec();
    }

    fn restart(&mut self, current: &[f64], from_base: bool) -> Result<(), OptimError> {
        check_len(R::NAME, current.len(), self.lrs.len())?;
        let src = if from_base && R::CLOSED_FORM {
            &self.base_lrs
        } else {
            current
        };
        self.lrs = src
            .iter()
            .zip(&self.base_lrs)
            .map(|(&c, &b)| self.config.lr(0, c, b, None))
            .collect();
        self.last_epoch = 0;
        Ok(())
    }
}
