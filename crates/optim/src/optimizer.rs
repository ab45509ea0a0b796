//! The [`Optimizer`] trait every optimizer offers, and the saved form of an optimizer's state
//! ([`OptimizerState`], [`GroupRecord`], [`ParamRecord`]).
//!
//! **Non-finite gradients.** [`Optimizer::step`] first looks at every gradient it is about to
//! use; if one holds a NaN or an infinity it returns [`OptimError::NonFiniteGradient`] and
//! changes nothing, neither params nor state (the check is O(1) per param: the param tracks
//! finiteness as its gradient is written). The caller decides: skip the batch (`zero_grad` and
//! go on), lower the rate, or stop. A rate or momentum that is not finite (or a negative
//! rate) never reaches the parameters either: [`Optimizer::set_lr`] refuses it.
//!
//! **Group values.** Besides its options, a PyTorch param group is a dict that schedulers
//! write into (`initial_lr`, `max_lr`, `min_lr`, `max_momentum`, `base_momentum`): a second
//! scheduler built on the same optimizer reads what the first left there. Here they are the
//! group's named values ([`Optimizer::group_value`]), saved with the optimizer's state.

use crate::state::StateRecord;
use crate::OptimError;
use serde::{Deserialize, Serialize};
use tapegrad_tensor::Param;

/// One parameter group in a saved state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    /// The group's options as JSON with PyTorch's names (e.g. `{"lr":0.001,"betas":[0.9,0.999],...}`).
    pub options: String,
    /// One entry per param of the group, in order.
    pub params: Vec<ParamRecord>,
    /// The group's named values (`initial_lr`, ... : see the module docs).
    #[serde(default)]
    pub values: Vec<(String, f64)>,
}

/// One parameter in a saved state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParamRecord {
    /// The param's name (informative; restoring matches by position).
    pub name: String,
    /// The param's shape when saved (checked on restore).
    pub shape: Vec<usize>,
    /// Its state, `None` if it never took a step.
    pub state: Option<StateRecord>,
}

/// The whole state of an optimizer: serde-serializable, for checkpoints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimizerState {
    /// The optimizer's name (`"Adam"`), checked on restore.
    pub optimizer: String,
    /// The groups, in order.
    pub groups: Vec<GroupRecord>,
}

/// The object-safe interface every optimizer offers (what schedulers, checkpoints and
/// training loops use).
pub trait Optimizer: Send {
    /// The optimizer's name (`"Adam"`).
    fn name(&self) -> &'static str;
    /// One update of every param that has a gradient (params without one are skipped, as in
    /// PyTorch). Refuses a non-finite gradient without changing anything (see module docs).
    ///
    /// A group whose rate is negative or not finite (a schedule can compute one) is refused
    /// the same way, naming the group.
    ///
    /// With several threads the updates of large steps run in parallel on
    /// [`parallel::isolated`](tapegrad_tensor::parallel::isolated)'s pool, so a step may run
    /// on any thread, inside `parallel::run` or not, while other threads use the same params.
    fn step(&mut self) -> Result<(), OptimError>;
    /// PyTorch's `step(closure)`: `closure` re-evaluates the model (zero the gradients, forward,
    /// backward) and returns the loss. Most optimizers call it once, then [`step`]; those that
    /// need several evaluations per step (LBFGS's line search) call it as often as they need.
    /// Returns the loss of the first evaluation, as PyTorch does.
    ///
    /// [`step`]: Optimizer::step
    fn step_with_closure(&mut self, closure: &mut dyn FnMut() -> f64) -> Result<f64, OptimError> {
        let loss = closure();
        self.step()?;
        Ok(loss)
    }
    /// Clears the gradient of every param (sets it to `None`).
    fn zero_grad(&self);
    /// Prepares the params for training. Optimizers whose params hold another point while
    /// training than for evaluating (Schedule-Free) move them here; the others do nothing.
    /// Call it before training and [`eval`](Optimizer::eval) before evaluating or saving a
    /// model, and a loop works with every optimizer.
    fn train(&mut self) {}
    /// Prepares the params for evaluating (see [`train`](Optimizer::train)).
    fn eval(&mut self) {}
    /// Number of parameter groups.
    fn num_groups(&self) -> usize;
    /// The params of group `group`. Panics if there is no such group.
    fn group_params(&self, group: usize) -> &[Param];
    /// The learning rate of group `group`. Panics if there is no such group.
    fn lr(&self, group: usize) -> f64;
    /// Sets the learning rate of group `group`. Refuses a negative or non-finite rate (which
    /// would poison every param at the next step) and changes nothing then. Panics if there
    /// is no such group.
    fn set_lr(&mut self, group: usize, lr: f64) -> Result<(), OptimError> {
        check_lr_value(group, lr)?;
        self.write_lr(group, lr);
        Ok(())
    }
    /// Sets the rate a scheduler computed: refuses a non-finite rate, lets a negative one
    /// through (PyTorch's composite schedules can pass through one within a step, as when a
    /// ChainedScheduler's later child replaces it), which [`step`](Optimizer::step) then
    /// refuses if it is still there.
    fn set_scheduled_lr(&mut self, group: usize, lr: f64) -> Result<(), OptimError> {
        if !lr.is_finite() {
            return Err(OptimError::InvalidHyperparameter {
                name: "learning rate",
                value: lr.to_string(),
                reason: format!("group {group}: a rate must be finite"),
            });
        }
        self.write_lr(group, lr);
        Ok(())
    }
    /// Writes the learning rate of group `group` without any check: what [`set_lr`] and
    /// [`set_scheduled_lr`] call once they have checked it. [`step`](Optimizer::step) refuses
    /// to run with a rate that is negative or not finite.
    ///
    /// [`set_lr`]: Optimizer::set_lr
    /// [`set_scheduled_lr`]: Optimizer::set_scheduled_lr
    fn write_lr(&mut self, group: usize, lr: f64);
    /// The momentum a cyclical schedule may cycle (`momentum`, or `betas.0` for Adam-like
    /// optimizers); `None` if the optimizer has none.
    fn momentum(&self, group: usize) -> Option<f64>;
    /// Sets that momentum. Refuses a non-finite value, or an optimizer without one.
    fn set_momentum(&mut self, group: usize, momentum: f64) -> Result<(), OptimError>;
    /// The named value `key` of group `group` (`"initial_lr"`, ...: see the module docs).
    fn group_value(&self, group: usize, key: &str) -> Option<f64>;
    /// Sets the named value `key` of group `group`.
    fn set_group_value(&mut self, group: usize, key: &str, value: f64);
    /// The options of group `group` as JSON with PyTorch's names.
    fn group_options(&self, group: usize) -> serde_json::Value;
    /// Exports the whole state (options, named values and per-param state of every group).
    fn state(&self) -> OptimizerState;
    /// Restores a state exported from an optimizer of the same kind over params of the same
    /// shapes, group by group. On error nothing is changed.
    fn load_state(&mut self, state: &OptimizerState) -> Result<(), OptimError>;

    /// Every param of every group, in order.
    fn params(&self) -> Vec<Param> {
        (0..self.num_groups())
            .flat_map(|g| self.group_params(g).to_vec())
            .collect()
    }
}

/// Refuses a learning rate that would poison the parameters (negative, NaN or infinite).
pub(crate) fn check_lr_value(group: usize, lr: f64) -> Result<(), OptimError> {
    if lr >= 0.0 && lr.is_finite() {
        Ok(())
    } else {
        Err(OptimError::InvalidHyperparameter {
            name: "learning rate",
            value: lr.to_string(),
            reason: format!("group {group}: a rate must be finite and >= 0"),
        })
    }
}

/// Refuses to step with a rate that would poison the parameters (what `step` checks first).
pub(crate) fn check_step_lrs(opt: &dyn Optimizer) -> Result<(), OptimError> {
    for g in 0..opt.num_groups() {
        let lr = opt.lr(g);
        if !(lr >= 0.0 && lr.is_finite()) {
            return Err(OptimError::InvalidHyperparameter {
                name: "learning rate",
                value: lr.to_string(),
                reason: format!(
                    "group {g}: step refused, no param changed (a rate must be finite and >= 0)"
                ),
            });
        }
    }
    Ok(())
}

/// Refuses a momentum that is not finite.
pub(crate) fn check_momentum_value(group: usize, momentum: f64) -> Result<(), OptimError> {
    if momentum.is_finite() {
        Ok(())
    } else {
        Err(OptimError::InvalidHyperparameter {
            name: "momentum",
            value: momentum.to_string(),
            reason: format!("group {group}: must be finite"),
        })
    }
}

/// The named values of one param group (`initial_lr`, Schedule-Free's `k`, ...: what PyTorch
/// keeps in the group's dict besides the options), in insertion order; saved with the state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupValues(pub(crate) Vec<(String, f64)>);

impl GroupValues {
    /// The value `key`, if set.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// Sets the value `key`.
    pub fn set(&mut self, key: &str, value: f64) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key.to_string(), value)),
        }
    }
}

/// Refuses a param listed twice within `groups` (flattened, in order), naming it, as PyTorch
/// refuses a param in two groups (and warns, on its way to refusing, for one listed twice in
/// a group). `groups` holds the existing groups' params then the new group's.
pub(crate) fn check_distinct<'a>(
    optimizer: &'static str,
    groups: impl IntoIterator<Item = &'a [Param]>,
) -> Result<(), OptimError> {
    let mut seen = std::collections::HashMap::new();
    for (gi, params) in groups.into_iter().enumerate() {
        for p in params {
            if let Some(first) = seen.insert(p.id(), gi) {
                let place = if first == gi {
                    format!("twice in group {gi}")
                } else {
                    format!("in groups {first} and {gi}")
                };
                return Err(OptimError::DuplicateParam {
                    optimizer,
                    param: p.name().to_string(),
                    place,
                });
            }
        }
    }
    Ok(())
}
