//! What every scheduler shares: PyTorch's `LRScheduler` attributes (`base_lrs`, `last_epoch`,
//! `_step_count`, `_last_lr`), the construction-time bookkeeping of `initial_lr`, and the one
//! place rates are written into an optimizer.

use super::{group_lrs, SchedulerState};
use crate::{OptimError, Optimizer};

/// PyTorch's `LRScheduler` attributes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Base {
    /// `base_lrs`: each group's `initial_lr` when the scheduler was built (CyclicLR replaces
    /// them by its `base_lr` after its construction step, as PyTorch's does).
    pub base_lrs: Vec<f64>,
    /// `last_epoch`.
    pub last_epoch: i64,
    /// `_step_count`.
    pub step_count: u64,
    /// `_last_lr`.
    pub last_lr: Vec<f64>,
}

impl Base {
    /// PyTorch's `LRScheduler.__init__` up to the construction step: with `last_epoch == -1`
    /// each group's `initial_lr` defaults to its current rate (a group that already has one,
    /// from a scheduler built earlier on the same optimizer, keeps it); resuming
    /// (`last_epoch >= 0`) needs every group to have one. The base rates are the
    /// `initial_lr`s.
    pub fn attach(
        name: &'static str,
        opt: &mut dyn Optimizer,
        last_epoch: i64,
    ) -> Result<Base, OptimError> {
        if last_epoch < -1 {
            return Err(OptimError::InvalidHyperparameter {
                name: "last_epoch",
                value: last_epoch.to_string(),
                reason: format!("{name}: -1 (a new schedule) or a step count >= 0"),
            });
        }
        let groups = opt.num_groups();
        let mut base_lrs = Vec::with_capacity(groups);
        for g in 0..groups {
            match (opt.group_value(g, "initial_lr"), last_epoch) {
                (Some(x), _) => base_lrs.push(x),
                (None, -1) => {
                    let lr = opt.lr(g);
                    opt.set_group_value(g, "initial_lr", lr);
                    base_lrs.push(lr);
                }
                (None, _) => {
                    return Err(OptimError::InvalidOptions {
                        optimizer: name,
                        message: format!(
                            "param group {g} has no 'initial_lr': resuming a schedule with \
                             last_epoch = {last_epoch} needs the optimizer state it was saved \
                             with (or build it with last_epoch = -1)"
                        ),
                    })
                }
            }
        }
        Ok(Base {
            last_lr: group_lrs(opt),
            base_lrs,
            last_epoch,
            step_count: 0,
        })
    }

    /// A base over `groups` groups that touches no optimizer (ReduceLROnPlateau, composites).
    pub fn detached(opt: &dyn Optimizer, last_epoch: i64) -> Base {
        Base {
            base_lrs: group_lrs(opt),
            last_epoch,
            step_count: 0,
            last_lr: group_lrs(opt),
        }
    }

    /// The state record with these attributes (scalars and children left empty).
    pub fn record(&self, name: &str, options: String) -> SchedulerState {
        SchedulerState {
            scheduler: name.to_string(),
            options,
            base_lrs: self.base_lrs.clone(),
            last_epoch: self.last_epoch,
            step_count: self.step_count,
            lrs: self.last_lr.clone(),
            scalars: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Restores the attributes from `state` (checked by the caller).
    pub fn restore(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        if state.base_lrs.len() != self.last_lr.len() {
            return Err(OptimError::StateMismatch(format!(
                "{}: {} base rates saved for {} groups",
                state.scheduler,
                state.base_lrs.len(),
                self.last_lr.len()
            )));
        }
        self.base_lrs = state.base_lrs.clone();
        self.last_epoch = state.last_epoch;
        self.step_count = state.step_count;
        self.last_lr = state.lrs.clone();
        Ok(())
    }
}

/// Writes one rate per group into `opt`, all or nothing: every rate is checked (finite)
/// before any is written. A negative rate goes through, as in PyTorch (a composite's later
/// child may replace it within the step); the optimizer's `step` refuses it if it stays.
/// `name` is the scheduler's, for the error.
pub(crate) fn write_lrs(
    name: &'static str,
    opt: &mut dyn Optimizer,
    lrs: &[f64],
) -> Result<(), OptimError> {
    check_groups(name, opt, lrs.len())?;
    if let Some((g, lr)) = lrs.iter().enumerate().find(|(_, lr)| !lr.is_finite()) {
        return Err(OptimError::InvalidHyperparameter {
            name: "learning rate",
            value: lr.to_string(),
            reason: format!("{name} computed it for group {g}; the optimizer's rate is unchanged"),
        });
    }
    for (g, &lr) in lrs.iter().enumerate() {
        opt.set_scheduled_lr(g, lr)?;
    }
    Ok(())
}

/// Writes one momentum per group into `opt`, all or nothing.
pub(crate) fn write_momenta(
    name: &'static str,
    opt: &mut dyn Optimizer,
    momenta: &[f64],
) -> Result<(), OptimError> {
    check_groups(name, opt, momenta.len())?;
    if let Some((g, m)) = momenta.iter().enumerate().find(|(_, m)| !m.is_finite()) {
        return Err(OptimError::InvalidHyperparameter {
            name: "momentum",
            value: m.to_string(),
            reason: format!("{name} computed it for group {g}"),
        });
    }
    for (g, &m) in momenta.iter().enumerate() {
        opt.set_momentum(g, m)?;
    }
    Ok(())
}

/// Refuses an optimizer whose group count differs from the scheduler's.
pub(crate) fn check_groups(
    name: &'static str,
    opt: &dyn Optimizer,
    groups: usize,
) -> Result<(), OptimError> {
    if opt.num_groups() == groups {
        Ok(())
    } else {
        Err(OptimError::InvalidOptions {
            optimizer: name,
            message: format!(
                "the scheduler drives {groups} param groups, this optimizer has {}: step it \
                 with the optimizer it was built on",
                opt.num_groups()
            ),
        })
    }
}

/// Checks the metric given to a step: required (and finite and >= 0 when `domain` says so)
/// by a schedule that adapts to `needs`, refused by one that does not.
pub(crate) fn check_metric(
    name: &'static str,
    needs: Option<&'static str>,
    metric: Option<f64>,
) -> Result<(), OptimError> {
    match (needs, metric) {
        (None, None) | (Some(_), Some(_)) => Ok(()),
        (Some(what), None) => Err(OptimError::InvalidHyperparameter {
            name: "metric",
            value: "none".into(),
            reason: format!("{name} needs the {what} at each step: call step_with(opt, {what})"),
        }),
        (None, Some(m)) => Err(OptimError::InvalidHyperparameter {
            name: "metric",
            value: m.to_string(),
            reason: format!("{name} takes no metric: call step(opt)"),
        }),
    }
}

/// The error of a composition PyTorch cannot do either.
pub(crate) fn unsupported(name: &'static str, what: &str) -> OptimError {
    OptimError::InvalidOptions {
        optimizer: name,
        message: what.to_string(),
    }
}
