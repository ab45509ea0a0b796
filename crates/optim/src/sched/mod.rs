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
//!
//! ```
//! use tapegrad_optim::sched::{LrScheduler, StepLR, StepLRConfig};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let w = Param::new("w", Tensor::zeros(&[2]));
//! let mut opt = Sgd::new(vec![w], SgdConfig { lr: 0.1, ..Default::default() }).unwrap();
//! let mut sched = StepLR::new(&opt, StepLRConfig { step_size: 2, gamma: 0.5 }).unwrap();
//! for _ in 0..4 {
//!     opt.step().unwrap();
//!     sched.step(None).unwrap();
//!     sched.apply(&mut opt);
//! }
//! assert!((opt.lr(0) - 0.025).abs() < 1e-12);
//! ```
//!
//! Orientation:
//! - this file: the [`LrScheduler`] trait and the [`SchedulerState`] record;
//! - `rule.rs`: [`Scheduled`], the container for the schedules that are one formula per
//!   group (`StepLR`, `CosineAnnealingLR`, ...: each file implements [`Rule`]);
//! - one file per scheduler; `registry.rs`: [`scheduler_from_options`] (by PyTorch name);
//! - `exact.rs`: how rates are written so that a JSON round trip restores them bit for bit.
//!
//! **Chainable forms.** Where PyTorch computes a rate from the group's current rate
//! (`get_lr`'s "chainable" form: `ExponentialLR` multiplies the current rate by `gamma`), so
//! does this crate, in `f64`, so sequences agree with PyTorch's to the last bits and compose
//! the same way in [`ChainedScheduler`] and [`SequentialLR`].

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

pub use chained::ChainedScheduler;
pub use constant::{ConstantLR, ConstantLRConfig};
pub use cosine::{CosineAnnealingLR, CosineAnnealingLRConfig};
pub use cosine_warm_restarts::{CosineAnnealingWarmRestarts, CosineAnnealingWarmRestartsConfig};
pub use cyclic::{CyclicLR, CyclicLRConfig, CyclicMode};
pub use exponential::{ExponentialLR, ExponentialLRConfig};
pub use grad_norm_scaled::{GradNormScaledLR, GradNormScaledLRConfig};
pub use inverse_time::{InverseTimeDecay, InverseTimeDecayConfig};
pub use lambda::{LambdaLR, LrLambda};
pub use linear::{LinearLR, LinearLRConfig};
pub use loss_scaled::{LossScaledLR, LossScaledLRConfig};
pub use multiplicative::MultiplicativeLR;
pub use multistep::{MultiStepLR, MultiStepLRConfig};
pub use one_cycle::{AnnealStrategy, OneCycleLR, OneCycleLRConfig};
pub use plateau::{PlateauMode, ReduceLROnPlateau, ReduceLROnPlateauConfig, ThresholdMode};
pub use polynomial::{PolynomialLR, PolynomialLRConfig};
pub use registry::{scheduler_from_options, SCHEDULER_NAMES};
pub use rule::{Rule, Scheduled};
pub use sequential::SequentialLR;
pub use step::{StepLR, StepLRConfig};

use crate::{OptimError, Optimizer};
use serde::{Deserialize, Serialize};

/// The saved state of a scheduler: serde-serializable, for checkpoints.
///
/// Rates are written so that they come back bit for bit through JSON (see `exact.rs`: a
/// number when serde_json reads it back exactly, else its exact decimal as a string;
/// infinities and NaN as `"inf"`, `"-inf"`, `"NaN"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct SchedulerState {
    /// The scheduler's name (`"StepLR"`), checked on restore.
    pub scheduler: String,
    /// Its options as JSON with PyTorch's names (informative; restoring keeps the options the
    /// scheduler was built with and checks they agree).
    pub options: String,
    /// The base rate of each group.
    #[serde(with = "exact::vec")]
    pub base_lrs: Vec<f64>,
    /// Scheduler steps taken (PyTorch's `last_epoch`).
    pub last_epoch: u64,
    /// The current rate of each group.
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

    /// The scalar `name` if present.
    pub fn optional_scalar(&self, name: &str) -> Option<f64> {
        self.scalars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
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
        if self.base_lrs.len() != groups || self.lrs.len() != groups {
            return mismatch(format!(
                "{name}: state for {} groups, the scheduler has {groups}",
                self.lrs.len()
            ));
        }
        Ok(())
    }
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

    /// Composition hook: tells the scheduler that the groups' current rates are `lrs` (as
    /// another schedule left them). PyTorch's chainable forms read the current rate from the
    /// optimizer, so the next [`step`](LrScheduler::step) continues from these; closed forms
    /// ignore them. [`ChainedScheduler`] calls it before stepping each child.
    fn set_lrs(&mut self, lrs: &[f64]);

    /// Composition hook: back to step 0 over groups whose current rates are `current`.
    ///
    /// With `from_base`, this is PyTorch's `scheduler.step(0)` (what [`SequentialLR`] does at
    /// a milestone): schedules that have a closed form in PyTorch restart from their base
    /// rates, the others run their step-0 rule on `current`. Without it, this is the step a
    /// PyTorch scheduler takes when it is built on an optimizer that another scheduler has
    /// already set (what [`ChainedScheduler`] does to its later children).
    fn restart(&mut self, current: &[f64], from_base: bool) -> Result<(), OptimError>;

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

/// Checks that a composition hook got one rate per group.
pub(crate) fn check_len(name: &str, got: usize, groups: usize) -> Result<(), OptimError> {
    if got == groups {
        Ok(())
    } else {
        Err(OptimError::StateMismatch(format!(
            "{name}: {got} rates given for {groups} groups"
        )))
    }
}

/// The error of a metric-driven schedule stepped without its metric.
pub(crate) fn missing_metric(scheduler: &'static str, what: &str) -> OptimError {
    OptimError::InvalidHyperparameter {
        name: "metric",
        value: "None".into(),
        reason: format!("{scheduler}.step needs the {what}"),
    }
}

/// The JSON text of a config (configs always serialize).
pub(crate) fn options_json<T: Serialize>(config: &T) -> String {
    serde_json::to_string(config).expect("scheduler configs serialize")
}
