//! [`Scheduled`]: the container for schedules that are one formula per group.
//!
//! A file such as `step.rs` defines a config (`StepLRConfig`: public fields, serde names =
//! PyTorch's keywords) and implements [`Rule`] for it: validation, PyTorch's `get_lr` for one
//! group, and its `_get_closed_form_lr` where PyTorch has one. `pub type StepLR =
//! Scheduled<StepLRConfig>` names the scheduler; construction, stepping, writing the rates,
//! state export/import and the composition protocol are written once, here.

use super::base::{check_groups, check_metric, write_lrs, Base};
use super::{group_lrs, options_json, LrScheduler, SchedulerState};
use crate::{OptimError, Optimizer};
use serde::Serialize;
use std::fmt::Debug;

/// What a [`Rule`] sees when it computes one group's rate (PyTorch's `get_lr` reads these
/// from the scheduler and the optimizer).
#[derive(Clone, Copy)]
pub struct RuleStep<'a> {
    /// `last_epoch` after this step (0 at construction).
    pub epoch: i64,
    /// True for the step taken at construction (PyTorch's `_is_initial`).
    pub initial: bool,
    /// PyTorch's `_step_count` after this step.
    pub step_count: u64,
    /// The group's index.
    pub group: usize,
    /// The group's current rate, in the optimizer (what the chainable forms scale).
    pub current: f64,
    /// The group's base rate.
    pub base: f64,
    /// The metric passed to this step, for the schedules that take one.
    pub metric: Option<f64>,
    /// The group's named values in the optimizer (SWALR reads `swa_lr` there, as PyTorch's).
    pub values: &'a dyn Fn(&str) -> Option<f64>,
}

impl std::fmt::Debug for RuleStep<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleStep")
            .field("epoch", &self.epoch)
            .field("initial", &self.initial)
            .field("step_count", &self.step_count)
            .field("group", &self.group)
            .field("current", &self.current)
            .field("base", &self.base)
            .field("metric", &self.metric)
            .finish()
    }
}

/// One formula per group: what a simple schedule file implements.
pub trait Rule: Clone + Debug + Serialize + Send + Sync + 'static {
    /// PyTorch's class name (`"StepLR"`).
    const NAME: &'static str;
    /// What the schedule adapts to at each step (`Some("loss")`), if anything.
    const METRIC: Option<&'static str> = None;

    /// Refuses invalid options with a message naming the value (`groups`: the optimizer's
    /// number of param groups).
    fn validate(&self, groups: usize) -> Result<(), OptimError>;

    /// What the constructor writes into the optimizer before anything else (SWALR's
    /// `swa_lr` group values). Default: nothing.
    fn attach(&self, _opt: &mut dyn Optimizer, _last_epoch: i64) -> Result<(), OptimError> {
        Ok(())
    }

    /// Refuses a metric outside the schedule's domain (a NaN or negative loss would make the
    /// rate NaN). Only called for schedules with a [`Rule::METRIC`].
    fn check_metric(&self, _metric: f64) -> Result<(), OptimError> {
        Ok(())
    }

    /// PyTorch's `get_lr()` for one group.
    fn lr(&self, step: &RuleStep) -> f64;

    /// PyTorch's `_get_closed_form_lr()` for one group, if PyTorch has one (used when a
    /// SequentialLR restarts this schedule at a milestone).
    fn closed_form(&self, _step: &RuleStep) -> Option<f64> {
        None
    }
}

/// A scheduler driven by a [`Rule`]; use it through the aliases (`StepLR`, ...).
#[derive(Clone, Debug)]
pub struct Scheduled<R: Rule> {
    rule: R,
    base: Base,
}

impl<R: Rule> Scheduled<R> {
    /// A new schedule on `opt` (PyTorch's `last_epoch=-1`): sets `opt`'s rates for step 0.
    /// Refuses invalid options.
    pub fn new(opt: &mut dyn Optimizer, rule: R) -> Result<Self, OptimError> {
        Self::with_last_epoch(opt, rule, -1)
    }

    /// PyTorch's constructor with `last_epoch`: `-1` for a new schedule, or the number of
    /// steps already taken when resuming from an optimizer whose groups hold their
    /// `initial_lr` (then the construction step is step `last_epoch + 1`).
    pub fn with_last_epoch(
        opt: &mut dyn Optimizer,
        rule: R,
        last_epoch: i64,
    ) -> Result<Self, OptimError> {
        rule.validate(opt.num_groups())?;
        rule.attach(opt, last_epoch)?;
        let base = Base::attach(R::NAME, opt, last_epoch)?;
        let mut s = Scheduled { rule, base };
        s.initial_step(opt)?;
        Ok(s)
    }

    /// The options.
    pub fn config(&self) -> &R {
        &self.rule
    }

    /// The base rate of each group.
    pub fn base_lrs(&self) -> &[f64] {
        &self.base.base_lrs
    }

    /// One step: to `jump_to` through the closed form (or `last_epoch + 1` by `get_lr`),
    /// committed only if every rate is valid.
    fn advance(
        &mut self,
        opt: &mut dyn Optimizer,
        jump_to: Option<i64>,
        initial: bool,
        step_count: u64,
        metric: Option<f64>,
    ) -> Result<(), OptimError> {
        check_groups(R::NAME, opt, self.base.last_lr.len())?;
        let epoch = jump_to.unwrap_or(self.base.last_epoch + 1);
        let lrs: Vec<f64> = (0..opt.num_groups())
            .map(|group| {
                let values = |key: &str| opt.group_value(group, key);
                let step = RuleStep {
                    epoch,
                    initial,
                    step_count,
                    group,
                    current: opt.lr(group),
                    base: self.base.base_lrs[group],
                    metric,
                    values: &values,
                };
                match jump_to {
                    Some(_) => self
                        .rule
                        .closed_form(&step)
                        .unwrap_or_else(|| self.rule.lr(&step)),
                    None => self.rule.lr(&step),
                }
            })
            .collect();
        write_lrs(R::NAME, opt, &lrs)?;
        self.base.last_epoch = epoch;
        self.base.step_count = step_count;
        self.base.last_lr = group_lrs(opt);
        Ok(())
    }
}

impl<R: Rule> LrScheduler for Scheduled<R> {
    fn name(&self) -> &'static str {
        R::NAME
    }

    fn metric(&self) -> Option<&'static str> {
        R::METRIC
    }

    fn step_metric(
        &mut self,
        opt: &mut dyn Optimizer,
        metric: Option<f64>,
    ) -> Result<(), OptimError> {
        check_metric(R::NAME, R::METRIC, metric)?;
        if let Some(m) = metric {
            self.rule.check_metric(m)?;
        }
        self.advance(opt, None, false, self.base.step_count + 1, metric)
    }

    fn last_lr(&self) -> Vec<f64> {
        self.base.last_lr.clone()
    }

    fn last_epoch(&self) -> i64 {
        self.base.last_epoch
    }

    fn state(&self) -> SchedulerState {
        self.base.record(R::NAME, options_json(&self.rule))
    }

    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        state.check(R::NAME, &options_json(&self.rule), self.base.last_lr.len())?;
        self.base.restore(state)
    }

    fn initial_step(&mut self, opt: &mut dyn Optimizer) -> Result<(), OptimError> {
        self.advance(opt, None, true, 1, None)
    }

    fn restart_at(&mut self, opt: &mut dyn Optimizer, epoch: i64) -> Result<(), OptimError> {
        self.advance(opt, Some(epoch), false, self.base.step_count, None)
    }

    fn undo(&mut self) {
        self.base.last_epoch -= 1;
    }
}
