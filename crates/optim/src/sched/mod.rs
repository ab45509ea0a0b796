//! Learning-rate schedulers.
//!
//! A scheduler computes the learning rate of every parameter group for the next step; it does
//! not reach into the optimizer by itself. [`LrScheduler::apply`] copies its rates (and, for
//! the cyclical schedules, its momenta) into an optimizer's groups. Each group keeps its own
//! base rate, as in PyTorch.
//!
//! The loop is PyTorch's:
//! ```text
//! for each step: forward, backward, opt.step(), sched.step(metric), sched.apply(&mut opt)
//! ```

use crate::{OptimError, Optimizer};
use serde::{Deserialize, Serialize};

/// The saved state of a scheduler: serde-serializable, for checkpoints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct SchedulerState {
    /// The scheduler's name (`"StepLR"`), checked on restore.
    pub scheduler: String,
    /// Its options as JSON with PyTorch's names (informative; restoring keeps the options the
    /// scheduler was built with and checks they agree).
    pub options: String,
    /// The base rate of each group.
    pub base_lrs: Vec<f64>,
    /// Scheduler steps taken (PyTorch's `last_epoch`).
    pub last_epoch: u64,
    /// The current rate of each group.
    pub lrs: Vec<f64>,
    /// Any other state, by name (plateau counters, best metric, cycle position...).
    pub scalars: Vec<(String, f64)>,
    /// The states of child schedulers (SequentialLR, ChainedScheduler).
    pub children: Vec<SchedulerState>,
}

/// A learning-rate schedule over an optimizer's parameter groups.
pub trait LrScheduler {
    /// The scheduler's name (PyTorch's class name where PyTorch has it).
    fn name(&self) -> &'static str;
    /// Advances one step. `metric` is the value the schedule adapts to (ReduceLROnPlateau's
    /// validation loss, LossScaledLR's loss, GradNormScaledLR's gradient norm) and is ignored
    /// by the others; a schedule that needs one and gets `None` returns an error.
    fn step(&mut self, metric: Option<f64>) -> Result<(), OptimError>;
    /// The rate of each group for the next optimizer step.
    fn lrs(&self) -> Vec<f64>;
    /// The momentum of each group, for schedules that cycle it (CyclicLR, OneCycleLR with
    /// `cycle_momentum`); `None` for the others.
    fn momenta(&self) -> Option<Vec<f64>> {
        None
    }
    /// Steps taken.
    fn last_epoch(&self) -> u64;
    /// Exports the state.
    fn state(&self) -> SchedulerState;
    /// Restores a state exported by a scheduler of the same kind and options. On error
    /// nothing is changed.
    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError>;

    /// Writes the current rates (and momenta, if cycled) into `opt`'s groups.
    fn apply(&self, opt: &mut dyn Optimizer) {
        for (g, lr) in self.lrs().into_iter().enumerate().take(opt.num_groups()) {
            opt.set_lr(g, lr);
        }
        if let Some(m) = self.momenta() {
            for (g, m) in m.into_iter().enumerate().take(opt.num_groups()) {
                opt.set_momentum(g, m);
            }
        }
    }
}
