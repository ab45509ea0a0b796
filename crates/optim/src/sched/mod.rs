//! Learning-rate schedulers that drive their optimizer, as PyTorch's do.
//!
//! Building a scheduler on an optimizer sets that optimizer's rate (and, for the cyclical
//! schedules, its momentum) for step 0, exactly as PyTorch's constructor does; then one call
//! per step advances the schedule and writes the new rate into the optimizer. There is no
//! separate "apply" to forget. The loop is PyTorch's:
//!
//! ```text
//! let mut sched = StepLR::new(&mut opt, StepLRConfig::new(30))?;   // opt's rate is now step 0's
//! for each step: forward, backward, opt.step()?, sched.step(&mut opt)?
//! ```
//!
//! ```
//! use tapegrad_optim::sched::{LrScheduler, StepLR, StepLRConfig};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let w = Param::new("w", Tensor::zeros(&[2]));
//! let mut opt = Sgd::new(vec![w], SgdConfig { lr: 0.1, ..Default::default() }).unwrap();
//! let mut sched = StepLR::new(&mut opt, StepLRConfig { step_size: 2, gamma: 0.5 }).unwrap();
//! for _ in 0..4 {
//!     opt.step().unwrap();
//!     sched.step(&mut opt).unwrap();
//! }
//! assert!((opt.lr(0) - 0.025).abs() < 1e-12);
//! ```
//!
//! ReduceLROnPlateau and the loss- or gradient-driven schedules take their metric in
//! [`LrScheduler::step_with`]; the others refuse one (a metric given to a schedule that
//! ignores it is a mistake worth hearing about).
//!
//! **How composition works.** Every scheduler here reproduces PyTorch's mechanics, not only
//! its formulas: the chainable schedules read the optimizer's current rate and scale it, the
//! first scheduler built on an optimizer records each group's `initial_lr` there (later ones
//! take it as their base rate), OneCycleLR and CyclicLR write `initial_lr`, `max_lr`,
//! `min_lr`, `max_momentum` and `base_momentum` into the groups and read them back, and
//! [`SequentialLR`] and [`ChainedScheduler`] call their children's steps exactly as PyTorch's
//! do (see [`LrScheduler::initial_step`]). So a composite built here from children built in
//! the same order as in PyTorch gives PyTorch's rates at every step, including the effects
//! children have on each other through the optimizer.
//!
//! Orientation:
//! - this file: the [`LrScheduler`] trait and the [`SchedulerState`] record;
//! - `base.rs`: the state every scheduler shares (PyTorch's `LRScheduler` attributes);
//! - `rule.rs`: [`Scheduled`], the container for the schedules that are one formula per
//!   group (`StepLR`, `CosineAnnealingLR`, ...: each file implements [`Rule`]);
//! - one file per scheduler; `registry.rs`: [`scheduler_from_options`] (by PyTorch name);
//! - `exact.rs`: how rates are written so that a JSON round trip restores them bit for bit.

mod base;
mod chained;
mod constant;
mod cosine;
mod cosine_warm_restarts;
mod cyclic;
pub(crate) mod exact;
mod exponential;
mod grad_norm_scaled;
mod inverse_time;
mod lambda;
mod linear;
mod loss_scaled;
mod multiplicative;
mod multistep;
mod one_cycle;
mod plateau;
mod polynomial;
mod registry;
mod rule;
mod sequential;
mod step;
mod swalr;

pub use chained::ChainedScheduler;
pub use constant::{ConstantLR, ConstantLRConfig};
pub use cosine::{CosineAnnealingLR, CosineAnnealingLRConfig};
pub use cosine_warm_restarts::{CosineAnnealingWarmRestarts, CosineAnnealingWarmRestartsConfig};
pub use cyclic::{CyclicLR, CyclicLRConfig, CyclicMode, ScaleFn, ScaleMode};
pub use exponential::{ExponentialLR, ExponentialLRConfig};
pub use grad_norm_scaled::{GradNormScaledLR, GradNormScaledLRConfig};
pub use inverse_time::{InverseTimeDecay, InverseTimeDecayConfig};
pub use lambda::{LambdaLR, LambdaLRConfig, LrLambda};
pub use linear::{LinearLR, LinearLRConfig};
pub use loss_scaled::{LossScaledLR, LossScaledLRConfig};
pub use multiplicative::{MultiplicativeLR, MultiplicativeLRConfig};
pub use multistep::{MultiStepLR, MultiStepLRConfig};
pub use one_cycle::{AnnealStrategy, OneCycleLR, OneCycleLRConfig};
pub use plateau::{PlateauMode, ReduceLROnPlateau, ReduceLROnPlateauConfig, ThresholdMode};
pub use polynomial::{PolynomialLR, PolynomialLRConfig};
pub use registry::{scheduler_from_options, scheduler_names};
pub use rule::{Rule, RuleStep, Scheduled};
pub use sequential::SequentialLR;
pub use step::{StepLR, StepLRConfig};
pub use swalr::{SwalrConfig, SWALR};

use crate::{OptimError, Optimizer};
use serde::{Deserialize, Serialize};

/// The saved state of a scheduler: serde-serializable, for checkpoints. The rates themselves
/// live in the optimizer (saved with its state); this is what the schedule needs besides.
///
/// Rates are written so that they come back bit for bit through JSON (see `exact.rs`: a
/// number when serde_json reads it back exactly, else its exact decimal as a string;
/// infinities and NaN as `"inf"`, `"-inf"`, `"NaN"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct SchedulerState {
    /// The scheduler's name (`"StepLR"`), checked on restore.
    pub scheduler: String,
    /// Its options as JSON with PyTorch's names (restoring keeps the options the scheduler
    /// was built with and checks they agree).
    pub options: String,
    /// The base rate of each group.
    #[serde(with = "exact::vec")]
    pub base_lrs: Vec<f64>,
    /// PyTorch's `last_epoch`: steps taken (-1 for a child of a SequentialLR that has not
    /// started yet).
    pub last_epoch: i64,
    /// PyTorch's `_step_count` (CosineAnnealingLR's rule reads it).
    #[serde(default)]
    pub step_count: u64,
    /// The rate of each group after the last step (PyTorch's `get_last_lr()`).
    #[serde(with = "exact::vec")]
    pub lrs: Vec<f64>,
    /// Any other state, by name (plateau counters, best metric, cycle position...).
    #[serde(with = "exact::pairs")]
    pub scalars: Vec<(String, f64)>,
    /// The states of child schedulers (SequentialLR, ChainedScheduler).
    pub children: Vec<SchedulerState>,
}

impl SchedulerState {
    /// The scalar `name`.
    pub fn scalar(&self, name: &str) -> Result<f64, OptimError> {
        self.scalars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                OptimError::StateMismatch(format!(
                    "{} state has no scalar '{name}'",
                    self.scheduler
                ))
            })
    }

    /// Checks that this state was saved by scheduler `name` with `options` (compared as JSON
    /// values) over `groups` groups.
    pub fn check(&self, name: &str, options: &str, groups: usize) -> Result<(), OptimError> {
        let mismatch = |m: String| Err(OptimError::StateMismatch(m));
        if self.scheduler != name {
            return mismatch(format!("saved by {}, loading into {name}", self.scheduler));
        }
        let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).ok();
        if parse(&self.options) != parse(options) {
            return mismatch(format!(
                "{name}: saved with options {}, this scheduler has {options}",
                self.options
            ));
        }
        if self.lrs.len() != groups {
            return mismatch(format!(
                "{name}: state for {} groups, the scheduler has {groups}",
                self.lrs.len()
            ));
        }
        Ok(())
    }
}

/// A learning-rate schedule that drives an optimizer's parameter groups.
///
/// The methods after `load_state` are the protocol composite schedulers use on their
/// children (PyTorch's `_initial_step`, `_update_lr(epoch)` and SequentialLR's
/// `recursive_undo`); a training loop needs only [`step`](LrScheduler::step) or
/// [`step_with`](LrScheduler::step_with).
pub trait LrScheduler: Send {
    /// The scheduler's name (PyTorch's class name where PyTorch has it).
    fn name(&self) -> &'static str;
    /// What the schedule adapts to (`Some("validation loss")`), for the schedules that take a
    /// metric at each step; `None` for the others.
    fn metric(&self) -> Option<&'static str> {
        None
    }
    /// Advances one step with an optional metric and writes the new rates (and momenta)
    /// into `opt`. A schedule that needs a metric and gets none, or gets one it does not
    /// use, returns an error; any error leaves the scheduler and `opt` unchanged.
    fn step_metric(
        &mut self,
        opt: &mut dyn Optimizer,
        metric: Option<f64>,
    ) -> Result<(), OptimError>;
    /// Advances one step (PyTorch's `scheduler.step()`); call it after `opt.step()`.
    fn step(&mut self, opt: &mut dyn Optimizer) -> Result<(), OptimError> {
        self.step_metric(opt, None)
    }
    /// Advances one step given the metric the schedule adapts to (PyTorch's
    /// `ReduceLROnPlateau.step(val_loss)`).
    fn step_with(&mut self, opt: &mut dyn Optimizer, metric: f64) -> Result<(), OptimError> {
        self.step_metric(opt, Some(metric))
    }
    /// The rate of each group after the last step (PyTorch's `get_last_lr()`).
    fn last_lr(&self) -> Vec<f64>;
    /// Steps taken (PyTorch's `last_epoch`).
    fn last_epoch(&self) -> i64;
    /// Exports the state.
    fn state(&self) -> SchedulerState;
    /// Restores a state exported by a scheduler of the same kind and options. On error
    /// nothing is changed. Restore the optimizer's state too: the rates live there.
    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError>;

    /// PyTorch's `_initial_step()`: resets the step count and takes the construction step
    /// (composites call it on the child that starts).
    fn initial_step(&mut self, opt: &mut dyn Optimizer) -> Result<(), OptimError>;
    /// PyTorch's `_update_lr(epoch)`: jumps to `epoch`, through the closed form where PyTorch
    /// has one (what [`SequentialLR`] does to a child at its milestone).
    fn restart_at(&mut self, opt: &mut dyn Optimizer, epoch: i64) -> Result<(), OptimError>;
    /// SequentialLR's `recursive_undo`: `last_epoch -= 1` (composites pass it to their
    /// children).
    fn undo(&mut self);
}

/// A value given once for every group or once per group (PyTorch accepts a float or a list
/// for `base_lr`, `max_lr`, `min_lr`, `base_momentum`, ...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PerGroup {
    /// The same value for every group.
    All(f64),
    /// One value per group.
    Each(Vec<f64>),
}

impl PerGroup {
    /// One value per group for `groups` groups; `name` is the option's name for the error.
    pub fn expand(&self, name: &'static str, groups: usize) -> Result<Vec<f64>, OptimError> {
        match self {
            PerGroup::All(x) => Ok(vec![*x; groups]),
            PerGroup::Each(v) if v.len() == groups => Ok(v.clone()),
            PerGroup::Each(v) => Err(OptimError::InvalidHyperparameter {
                name,
                value: format!("{v:?}"),
                reason: format!("expected {groups} values, one per group, got {}", v.len()),
            }),
        }
    }

    /// Every value.
    pub fn values(&self) -> Vec<f64> {
        match self {
            PerGroup::All(x) => vec![*x],
            PerGroup::Each(v) => v.clone(),
        }
    }
}

impl From<f64> for PerGroup {
    fn from(x: f64) -> Self {
        PerGroup::All(x)
    }
}

/// The current rate of every group of `opt`.
pub(crate) fn group_lrs(opt: &dyn Optimizer) -> Vec<f64> {
    (0..opt.num_groups()).map(|g| opt.lr(g)).collect()
}

/// The JSON text of a config (configs always serialize).
pub(crate) fn options_json<T: Serialize>(config: &T) -> String {
    serde_json::to_string(config).expect("scheduler configs serialize")
}

/// Python's `bisect.bisect_right(v, x)`, step for step (so an unsorted list gives what
/// PyTorch gets from it too).
pub(crate) fn bisect_right(v: &[i64], x: i64) -> usize {
    let (mut lo, mut hi) = (0, v.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if x < v[mid] {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}
