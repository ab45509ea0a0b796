//! The `Optimizer` trait, the `Algorithm` trait each optimizer implements, and `Optim<A>`,
//! the container that gives every algorithm parameter groups, the non-finite-gradient policy,
//! and state export/import.
//!
//! An optimizer file defines a `XConfig` (public documented fields, `Default` = PyTorch's
//! defaults, serde names = PyTorch's keyword names), a per-parameter `XState`, and a marker
//! type implementing [`Algorithm`] with the fused update; `pub type X = Optim<XKind>` names the
//! optimizer. Everything else (groups, skipping params without a gradient, refusing
//! non-finite gradients, saving and restoring) is written once, here.
//!
//! **Non-finite gradients.** [`Optimizer::step`] first looks at every gradient it is about to
//! use; if one holds a NaN or an infinity it returns
//! [`OptimError::NonFiniteGradient`] and changes nothing, neither params nor state (the
//! check is O(1) per param: the param tracks finiteness as its gradient is written). The
//! caller decides: skip the batch (`zero_grad` and go on), lower the rate, or stop.

use crate::error::{check, OptimError};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use tapegrad_tensor::{parallel, Param};

/// The per-parameter state of an optimizer in a neutral form (named f32 buffers and named
/// scalars), so saved state does not depend on Rust type layouts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct StateRecord {
    /// Steps taken by this parameter (PyTorch's `step`).
    pub step: u64,
    /// Named buffers with PyTorch's names (`exp_avg`, `momentum_buffer`, ...).
    pub buffers: Vec<(String, Vec<f32>)>,
    /// Named scalars (for state that is not per element).
    pub scalars: Vec<(String, f64)>,
}

impl StateRecord {
    /// A record of `step` and named buffers (copied), without scalars.
    pub fn from_buffers(step: u64, buffers: &[(&str, &[f32])]) -> StateRecord {
        StateRecord {
            step,
            buffers: buffers
                .iter()
                .map(|(name, b)| (name.to_string(), b.to_vec()))
                .collect(),
            scalars: Vec::new(),
        }
    }

    /// The buffer `name`, checked to hold `len` values.
    pub fn buffer(&self, name: &str, len: usize) -> Result<Vec<f32>, OptimError> {
        let b = self
            .buffers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b)
            .ok_or_else(|| OptimError::StateMismatch(format!("state has no buffer '{name}'")))?;
        if b.len() != len {
            return Err(OptimError::StateMismatch(format!(
                "buffer '{name}' holds {} values, the param has {len}",
                b.len()
            )));
        }
        Ok(b.clone())
    }

    /// The buffer `name` if present (checked to hold `len` values).
    pub fn optional_buffer(&self, name: &str, len: usize) -> Result<Option<Vec<f32>>, OptimError> {
        if self.buffers.iter().any(|(n, _)| n == name) {
            self.buffer(name, len).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The scalar `name`.
    pub fn scalar(&self, name: &str) -> Result<f64, OptimError> {
        self.scalars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| OptimError::StateMismatch(format!("state has no scalar '{name}'")))
    }
}

/// One parameter group in a saved state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    /// The group's options as JSON with PyTorch's names (e.g. `{"lr":0.001,"betas":[0.9,0.999],...}`).
    pub options: String,
    /// One entry per param of the group, in order.
    pub params: Vec<ParamRecord>,
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

/// What the container needs from one optimizer algorithm.
pub trait Algorithm: Send + Sync + 'static {
    /// The name (PyTorch's class name, e.g. `"Adam"`).
    const NAME: &'static str;
    /// Hyperparameters; `Default` gives PyTorch's defaults; serde field names are PyTorch's.
    type Config: Clone + Debug + Default + Serialize + DeserializeOwned + Send + Sync;
    /// Per-parameter state.
    type State: Clone + Debug + Send + Sync;

    /// Refuses invalid hyperparameters with a message naming the value.
    fn validate(config: &Self::Config) -> Result<(), OptimError>;
    /// The learning rate.
    fn lr(config: &Self::Config) -> f64;
    /// Sets the learning rate.
    fn set_lr(config: &mut Self::Config, lr: f64);
    /// The momentum a cyclical schedule may cycle (`momentum`, or `betas.0` for Adam-like
    /// algorithms); `None` if the algorithm has none.
    fn momentum(_config: &Self::Config) -> Option<f64> {
        None
    }
    /// Sets that momentum (ignored by algorithms without one).
    fn set_momentum(_config: &mut Self::Config, _momentum: f64) {}
    /// Fresh state for a param of `len` elements (before its first step).
    fn new_state(config: &Self::Config, len: usize) -> Self::State;
    /// One step for one param: a single fused pass over `value`, `grad` and the state.
    fn update(config: &Self::Config, state: &mut Self::State, value: &mut [f32], grad: &[f32]);
    /// The state in neutral form.
    fn to_record(state: &Self::State) -> StateRecord;
    /// The state back from neutral form, for a param of `len` elements.
    fn from_record(record: &StateRecord, len: usize) -> Result<Self::State, OptimError>;
}

/// The object-safe interface every optimizer offers (what schedulers, checkpoints and
/// training loops use).
pub trait Optimizer {
    /// The optimizer's name (`"Adam"`).
    fn name(&self) -> &'static str;
    /// One update of every param that has a gradient (params without one are skipped, as in
    /// PyTorch). Refuses a non-finite gradient without changing anything (see module docs).
    ///
    /// With more than one rayon thread, `step` holds the locks of all its params while the
    /// pool runs the updates; a rayon thread waiting there may pick up other queued work. So
    /// do not run, concurrently in the same pool, tasks that lock these params (reading a
    /// param's value or gradient from another rayon task while the step runs).
    fn step(&mut self) -> Result<(), OptimError>;
    /// Clears the gradient of every param (sets it to `None`).
    fn zero_grad(&self);
    /// Number of parameter groups.
    fn num_groups(&self) -> usize;
    /// The params of group `group`. Panics if there is no such group.
    fn group_params(&self, group: usize) -> &[Param];
    /// The learning rate of group `group`. Panics if there is no such group.
    fn lr(&self, group: usize) -> f64;
    /// Sets the learning rate of group `group`. Panics if there is no such group.
    fn set_lr(&mut self, group: usize, lr: f64);
    /// The cyclable momentum of group `group` (see [`Algorithm::momentum`]).
    fn momentum(&self, group: usize) -> Option<f64>;
    /// Sets the cyclable momentum of group `group`.
    fn set_momentum(&mut self, group: usize, momentum: f64);
    /// The options of group `group` as JSON with PyTorch's names.
    fn group_options(&self, group: usize) -> serde_json::Value;
    /// Exports the whole state (options and per-param state of every group).
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

/// A parameter group: params sharing one config, each with its state.
#[derive(Clone, Debug)]
pub struct ParamGroup<A: Algorithm> {
    config: A::Config,
    params: Vec<Param>,
    states: Vec<Option<A::State>>,
}

impl<A: Algorithm> ParamGroup<A> {
    /// The group's config.
    pub fn config(&self) -> &A::Config {
        &self.config
    }

    /// The group's params.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// The state of param `i` of the group, `None` before its first step.
    pub fn state(&self, i: usize) -> Option<&A::State> {
        self.states.get(i).and_then(|s| s.as_ref())
    }
}

/// An optimizer: an [`Algorithm`] over parameter groups. Use it through the aliases
/// (`Adam`, `Sgd`, ...) and the [`Optimizer`] trait.
#[derive(Clone, Debug)]
pub struct Optim<A: Algorithm> {
    defaults: A::Config,
    groups: Vec<ParamGroup<A>>,
    /// No param appears twice (over all groups): `step` may then update params in parallel.
    distinct: bool,
}

impl<A: Algorithm> Optim<A> {
    /// An optimizer over `params` (one group) with `config`, which is also the default for
    /// groups added later. Refuses invalid hyperparameters.
    pub fn new(params: Vec<Param>, config: A::Config) -> Result<Self, OptimError> {
        A::validate(&config)?;
        let mut opt = Optim {
            defaults: config.clone(),
            groups: Vec::new(),
            distinct: true,
        };
        opt.push_group(params, config);
        Ok(opt)
    }

    /// Like [`Optim::new`], with options as JSON using PyTorch's names (`{"lr": 0.01,
    /// "betas": [0.9, 0.99]}`); options left out take PyTorch's defaults. An unknown name is
    /// an error.
    pub fn from_options(
        params: Vec<Param>,
        options: &serde_json::Value,
    ) -> Result<Self, OptimError> {
        let config = merge_options::<A>(&A::Config::default(), options)?;
        Optim::new(params, config)
    }

    /// Adds a group with its own config.
    pub fn add_group(&mut self, params: Vec<Param>, config: A::Config) -> Result<(), OptimError> {
        A::validate(&config)?;
        self.push_group(params, config);
        Ok(())
    }

    /// Adds a group whose options override the optimizer's defaults (PyTorch's
    /// `{"params": ..., "lr": ...}` dict).
    pub fn add_group_with(
        &mut self,
        params: Vec<Param>,
        overrides: &serde_json::Value,
    ) -> Result<(), OptimError> {
        let config = merge_options::<A>(&self.defaults, overrides)?;
        self.add_group(params, config)
    }

    fn push_group(&mut self, params: Vec<Param>, config: A::Config) {
        let states = vec![None; params.len()];
        self.groups.push(ParamGroup {
            config,
            params,
            states,
        });
        let mut seen = std::collections::HashSet::new();
        self.distinct = self
            .groups
            .iter()
            .flat_map(|g| &g.params)
            .all(|p| seen.insert(p.id()));
    }

    /// Updates every param with a gradient (the path of every optimizer whose params are
    /// distinct), spreading the params over rayon's threads when there are several threads,
    /// several params and enough elements in all (each update may split further if its
    /// param is large). Only for distinct params: they are locked all together, in ascending
    /// [`Param::id`] order (one global order, so two optimizers sharing params cannot
    /// deadlock each other), and the non-finite check is made under those locks, so no
    /// gradient can change between the check and the update.
    fn step_all_locked(&mut self) -> Result<(), OptimError> {
        let owners: Vec<(usize, Param)> = self
            .groups
            .iter()
            .enumerate()
            .flat_map(|(gi, g)| g.params.iter().map(move |p| (gi, p.clone())))
            .collect();
        let mut order: Vec<usize> = (0..owners.len()).collect();
        order.sort_by_key(|&i| owners[i].1.id());
        let mut locked: Vec<Option<_>> = (0..owners.len()).map(|_| None).collect();
        for i in order {
            locked[i] = Some(owners[i].1.lock_slot());
        }
        let mut guards: Vec<_> = locked
            .into_iter()
            .map(|g| g.expect("every param locked"))
            .collect();
        for ((group, p), slot) in owners.iter().zip(&guards) {
            if !slot.grad_is_finite() {
                return Err(OptimError::NonFiniteGradient {
                    param: p.name().to_string(),
                    group: *group,
                });
            }
        }
        let mut slots = guards.iter_mut();
        let mut jobs = Vec::new();
        let mut total = 0;
        for group in &mut self.groups {
            let ParamGroup { config, states, .. } = group;
            for state in states.iter_mut() {
                let slot = &mut **slots.next().expect("one guard per param");
                let (value, grad) = slot.value_and_grad();
                let Some(grad) = grad else { continue };
                total += value.len();
                let state = state.get_or_insert_with(|| A::new_state(config, value.len()));
                jobs.push((&*config, state, value.as_slice_mut(), grad.as_slice()));
            }
        }
        if jobs.len() < 2 || total < parallel::PAR_THRESHOLD || parallel::num_threads() == 1 {
            for (config, state, value, grad) in jobs {
                A::update(config, state, value, grad);
            }
        } else {
            jobs.into_par_iter()
                .for_each(|(config, state, value, grad)| A::update(config, state, value, grad));
        }
        Ok(())
    }

    /// The defaults new groups start from.
    pub fn defaults(&self) -> &A::Config {
        &self.defaults
    }

    /// The groups.
    pub fn groups(&self) -> &[ParamGroup<A>] {
        &self.groups
    }

    /// Replaces the config of group `group`, after validating it.
    pub fn set_group_config(&mut self, group: usize, config: A::Config) -> Result<(), OptimError> {
        A::validate(&config)?;
        let count = self.groups.len();
        self.groups
            .get_mut(group)
            .ok_or(OptimError::NoSuchGroup {
                index: group,
                count,
            })?
            .config = config;
        Ok(())
    }

    fn group(&self, group: usize) -> &ParamGroup<A> {
        self.groups.get(group).unwrap_or_else(|| {
            panic!(
                "no parameter group {group} (the optimizer has {})",
                self.groups.len()
            )
        })
    }

    fn group_mut(&mut self, group: usize) -> &mut ParamGroup<A> {
        let n = self.groups.len();
        self.groups
            .get_mut(group)
            .unwrap_or_else(|| panic!("no parameter group {group} (the optimizer has {n})"))
    }
}

/// The JSON form of `base` with `overrides` laid over it, parsed back into a config.
fn merge_options<A: Algorithm>(
    base: &A::Config,
    overrides: &serde_json::Value,
) -> Result<A::Config, OptimError> {
    let invalid = |message: String| OptimError::InvalidOptions {
        optimizer: A::NAME,
        message,
    };
    let mut merged = serde_json::to_value(base).map_err(|e| invalid(e.to_string()))?;
    match overrides {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if k == "params" {
                    continue;
                }
                if merged.get(k).is_none() {
                    return Err(invalid(format!("unknown option '{k}'")));
                }
                merged[k] = v.clone();
            }
        }
        serde_json::Value::Null => {}
        other => return Err(invalid(format!("options must be an object, got {other}"))),
    }
    serde_json::from_value(merged).map_err(|e| invalid(e.to_string()))
}

impl<A: Algorithm> Optimizer for Optim<A> {
    fn name(&self) -> &'static str {
        A::NAME
    }

    fn step(&mut self) -> Result<(), OptimError> {
        if self.distinct {
            return self.step_all_locked();
        }
        // A param listed twice (PyTorch allows it, with a warning) is stepped twice, so it
        // cannot be locked all at once: one lock at a time, after checking every gradient.
        for (gi, group) in self.groups.iter().enumerate() {
            for p in &group.params {
                if !p.with_slot(|s| s.grad_is_finite()) {
                    return Err(OptimError::NonFiniteGradient {
                        param: p.name().to_string(),
                        group: gi,
                    });
                }
            }
        }
        for group in &mut self.groups {
            let config = &group.config;
            for (p, state) in group.params.iter().zip(group.states.iter_mut()) {
                p.with_slot(|slot| {
                    let (value, grad) = slot.value_and_grad();
                    let Some(grad) = grad else { return };
                    let state = state.get_or_insert_with(|| A::new_state(config, value.len()));
                    A::update(config, state, value.as_slice_mut(), grad.as_slice());
                });
            }
        }
        Ok(())
    }

    fn zero_grad(&self) {
        for g in &self.groups {
            for p in &g.params {
                p.zero_grad();
            }
        }
    }

    fn num_groups(&self) -> usize {
        self.groups.len()
    }

    fn group_params(&self, group: usize) -> &[Param] {
        &self.group(group).params
    }

    fn lr(&self, group: usize) -> f64 {
        A::lr(&self.group(group).config)
    }

    fn set_lr(&mut self, group: usize, lr: f64) {
        A::set_lr(&mut self.group_mut(group).config, lr);
    }

    fn momentum(&self, group: usize) -> Option<f64> {
        A::momentum(&self.group(group).config)
    }

    fn set_momentum(&mut self, group: usize, momentum: f64) {
        A::set_momentum(&mut self.group_mut(group).config, momentum);
    }

    fn group_options(&self, group: usize) -> serde_json::Value {
        serde_json::to_value(&self.group(group).config).expect("configs serialize")
    }

    fn state(&self) -> OptimizerState {
        OptimizerState {
            optimizer: A::NAME.to_string(),
            groups: self
                .groups
                .iter()
                .map(|g| GroupRecord {
                    options: serde_json::to_string(&g.config).expect("configs serialize"),
                    params: g
                        .params
                        .iter()
                        .zip(&g.states)
                        .map(|(p, s)| ParamRecord {
                            name: p.name().to_string(),
                            shape: p.shape(),
                            state: s.as_ref().map(A::to_record),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn load_state(&mut self, state: &OptimizerState) -> Result<(), OptimError> {
        let mismatch = |m: String| Err(OptimError::StateMismatch(m));
        if state.optimizer != A::NAME {
            return mismatch(format!(
                "saved by {}, loading into {}",
                state.optimizer,
                A::NAME
            ));
        }
        if state.groups.len() != self.groups.len() {
            return mismatch(format!(
                "{} groups saved, the optimizer has {}",
                state.groups.len(),
                self.groups.len()
            ));
        }
        // Parse and check everything first, then commit: an error changes nothing.
        let mut parsed = Vec::with_capacity(self.groups.len());
        for (gi, (rec, group)) in state.groups.iter().zip(&self.groups).enumerate() {
            let config: A::Config =
                serde_json::from_str(&rec.options).map_err(|e| OptimError::InvalidOptions {
                    optimizer: A::NAME,
                    message: format!("group {gi}: {e}"),
                })?;
            A::validate(&config)?;
            if rec.params.len() != group.params.len() {
                return mismatch(format!(
                    "group {gi}: {} params saved, the group has {}",
                    rec.params.len(),
                    group.params.len()
                ));
            }
            let mut states = Vec::with_capacity(rec.params.len());
            for (pi, (pr, p)) in rec.params.iter().zip(&group.params).enumerate() {
                let shape = p.shape();
                if pr.shape != shape {
                    return mismatch(format!(
                        "group {gi} param {pi} ('{}'): saved shape {:?}, param shape {:?}",
                        pr.name, pr.shape, shape
                    ));
                }
                let len = shape.iter().product();
                states.push(match &pr.state {
                    Some(s) => Some(A::from_record(s, len).map_err(|e| {
                        OptimError::StateMismatch(format!(
                            "group {gi} param {pi} ('{}'): {e}",
                            pr.name
                        ))
                    })?),
                    None => None,
                });
            }
            parsed.push((config, states));
        }
        for (group, (config, states)) in self.groups.iter_mut().zip(parsed) {
            group.config = config;
            group.states = states;
        }
        Ok(())
    }
}

/// Implements [`Algorithm`]'s `lr`, `set_lr`, `momentum` and `set_momentum` inside an
/// `impl Algorithm`, for a config with an `lr` field and the momentum a cyclical schedule
/// cycles at the given field path: `lr_and_momentum!(SgdConfig, momentum)`, or
/// `lr_and_momentum!(AdamConfig, betas.0)` for the Adam family (as in PyTorch).
macro_rules! lr_and_momentum {
    ($config:ty, $($momentum:tt)+) => {
        fn lr(c: &$config) -> f64 {
            c.lr
        }

        fn set_lr(c: &mut $config, lr: f64) {
            c.lr = lr;
        }

        fn momentum(c: &$config) -> Option<f64> {
            Some(c.$($momentum)+)
        }

        fn set_momentum(c: &mut $config, m: f64) {
            c.$($momentum)+ = m;
        }
    };
}
pub(crate) use lr_and_momentum;

/// Common checks: `lr >= 0`, `eps >= 0`, `weight_decay >= 0` (PyTorch's messages).
pub(crate) fn check_common(lr: f64, eps: Option<f64>, weight_decay: f64) -> Result<(), OptimError> {
    check(lr >= 0.0, "learning rate", lr, "must be >= 0")?;
    if let Some(eps) = eps {
        check(eps >= 0.0, "epsilon value", eps, "must be >= 0")?;
    }
    check(
        weight_decay >= 0.0,
        "weight_decay value",
        weight_decay,
        "must be >= 0",
    )
}
