//! [`PerParam`]: the optimizer for every algorithm that updates each param on its own (all of
//! torch.optim's elementwise optimizers), and the [`Algorithm`] trait such an optimizer file
//! implements.
//!
//! An optimizer file defines a `XConfig` (public documented fields, `Default` = PyTorch's
//! defaults, serde names = PyTorch's keyword names), its per-parameter state (declared with
//! [`optimizer_state!`](crate::optimizer_state), which derives the saved form), and a marker
//! type implementing [`Algorithm`] with the fused update; `pub type X = PerParam<XKind>` names
//! the optimizer, and one line in `registry.rs` makes it buildable by name. Everything else
//! (groups, skipping params without a gradient, refusing non-finite gradients and duplicate
//! params, threads, saving and restoring) is written once, here.

use crate::error::{check, OptimError};
pub use crate::optimizer::GroupValues;
use crate::optimizer::{
    check_distinct, check_momentum_value, check_step_lrs, GroupRecord, Optimizer, OptimizerState,
    ParamRecord,
};
use crate::state::StateBuffers;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;
use tapegrad_tensor::{parallel, Param};

/// What [`PerParam`] needs from one optimizer algorithm.
pub trait Algorithm: Send + Sync + 'static {
    /// The name (PyTorch's class name, e.g. `"Adam"`).
    const NAME: &'static str;
    /// Hyperparameters; `Default` gives PyTorch's defaults; serde field names are PyTorch's.
    type Config: Clone + Debug + Default + Serialize + DeserializeOwned + Send + Sync;
    /// Per-parameter state (declare it with [`optimizer_state!`](crate::optimizer_state)).
    type State: Clone + Debug + Send + Sync + StateBuffers;

    /// True if `update` runs parallel work of its own whatever the param's size (matrix
    /// products: Muon): the step then always runs it on the isolated pool.
    const PARALLEL_UPDATE: bool = false;

    /// Refuses invalid hyperparameters with a message naming the value.
    fn validate(config: &Self::Config) -> Result<(), OptimError>;
    /// Refuses a param this algorithm cannot update (Muon takes 2-D params only): the
    /// message says why. Checked when the param joins the optimizer.
    fn check_shape(_shape: &[usize]) -> Result<(), String> {
        Ok(())
    }
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
    /// Once per step and group, after every gradient was checked and before the group's params
    /// are updated: group-level bookkeeping in the group's named values (PyTorch keeps it in
    /// the param group: Schedule-Free's step count and weight sum), and the per-step scalars
    /// the updates read, in the config. `first` is true for group 0. An error here refuses the
    /// step (only group 0 may refuse, before anything changed). Default: nothing.
    fn prepare_group(
        _config: &mut Self::Config,
        _values: &mut GroupValues,
        _first: bool,
    ) -> Result<(), OptimError> {
        Ok(())
    }
    /// True for algorithms whose params hold another point while training than for evaluating
    /// (Schedule-Free): [`Optimizer::train`] and [`Optimizer::eval`] then call
    /// [`Algorithm::swap_mode`] on every param that has a state, and the group's named value
    /// `train_mode` records the mode.
    const HAS_MODES: bool = false;
    /// Moves one param between its training and evaluation points (see
    /// [`Algorithm::HAS_MODES`]).
    fn swap_mode(
        _config: &Self::Config,
        _state: &Self::State,
        _value: &mut [f32],
        _to_train: bool,
    ) {
    }
    /// Fresh state for a param of `shape` (before its first step). `config` is the param's
    /// group's; `defaults` the optimizer's constructor options (PyTorch's Adagrad fills its
    /// accumulator from those, not from the group's).
    fn new_state(config: &Self::Config, defaults: &Self::Config, shape: &[usize]) -> Self::State;
    /// One step for one param: a single fused pass over `value`, `grad` and the state.
    fn update(config: &Self::Config, state: &mut Self::State, value: &mut [f32], grad: &[f32]);
}

/// A parameter group: params sharing one config, each with its state.
#[derive(Clone, Debug)]
pub struct ParamGroup<A: Algorithm> {
    config: A::Config,
    params: Vec<Param>,
    shapes: Vec<Vec<usize>>,
    states: Vec<Option<A::State>>,
    values: GroupValues,
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

/// An optimizer that updates each param on its own with algorithm `A`, over parameter
/// groups. Use it through the aliases (`Adam`, `Sgd`, ...) and the [`Optimizer`] trait.
#[derive(Clone, Debug)]
pub struct PerParam<A: Algorithm> {
    defaults: A::Config,
    groups: Vec<ParamGroup<A>>,
    /// Every param as (group, index in group), in ascending [`Param::id`] order: the order
    /// `step` locks them in (one global order, so optimizers sharing params cannot deadlock).
    lock_order: Vec<(usize, usize)>,
    /// Elements over all params (shapes are fixed).
    total_len: usize,
}

impl<A: Algorithm> PerParam<A> {
    /// An optimizer over `params` (one group) with `config`, which is also the default for
    /// groups added later. Refuses invalid hyperparameters, an empty list and a param listed
    /// twice.
    pub fn new(params: Vec<Param>, config: A::Config) -> Result<Self, OptimError> {
        Self::with_groups(config.clone(), vec![(params, config)])
    }

    /// An optimizer over several groups, each with its own config, and `defaults` for groups
    /// added later (PyTorch's `Adam([{"params": ..., "lr": ...}, ...], **defaults)` once the
    /// overrides are laid over the defaults). Refuses invalid hyperparameters, an optimizer
    /// without any param and a param listed twice.
    pub fn with_groups(
        defaults: A::Config,
        groups: Vec<(Vec<Param>, A::Config)>,
    ) -> Result<Self, OptimError> {
        A::validate(&defaults)?;
        for (_, config) in &groups {
            A::validate(config)?;
        }
        if groups.iter().all(|(params, _)| params.is_empty()) {
            return Err(OptimError::EmptyParams { optimizer: A::NAME });
        }
        let mut opt = PerParam {
            defaults,
            groups: Vec::new(),
            lock_order: Vec::new(),
            total_len: 0,
        };
        for (params, config) in groups {
            opt.add_group(params, config)?;
        }
        Ok(opt)
    }

    /// Like [`PerParam::new`], with options as JSON using PyTorch's names (`{"lr": 0.01,
    /// "betas": [0.9, 0.99]}`); options left out take PyTorch's defaults. An unknown name is
    /// an error.
    pub fn from_options(
        params: Vec<Param>,
        options: &serde_json::Value,
    ) -> Result<Self, OptimError> {
        let config = merge_options::<A>(&A::Config::default(), options)?;
        PerParam::new(params, config)
    }

    /// Adds a group with its own config. Refuses a param already in the optimizer.
    pub fn add_group(&mut self, params: Vec<Param>, config: A::Config) -> Result<(), OptimError> {
        A::validate(&config)?;
        self.push_group(params, config)
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

    fn push_group(&mut self, params: Vec<Param>, config: A::Config) -> Result<(), OptimError> {
        check_distinct(
            A::NAME,
            self.groups
                .iter()
                .map(|g| g.params.as_slice())
                .chain([params.as_slice()]),
        )?;
        let shapes: Vec<Vec<usize>> = params.iter().map(|p| p.shape()).collect();
        for (p, shape) in params.iter().zip(&shapes) {
            A::check_shape(shape).map_err(|reason| OptimError::InvalidOptions {
                optimizer: A::NAME,
                message: format!("param '{}' of shape {shape:?}: {reason}", p.name()),
            })?;
        }
        self.total_len += shapes
            .iter()
            .map(|s| s.iter().product::<usize>())
            .sum::<usize>();
        self.groups.push(ParamGroup {
            config,
            states: vec![None; params.len()],
            params,
            shapes,
            values: GroupValues::default(),
        });
        let mut order: Vec<(usize, usize)> = self
            .groups
            .iter()
            .enumerate()
            .flat_map(|(gi, g)| (0..g.params.len()).map(move |pi| (gi, pi)))
            .collect();
        order.sort_by_key(|&(gi, pi)| self.groups[gi].params[pi].id());
        self.lock_order = order;
        Ok(())
    }

    /// Locks every param (in [`Param::id`] order), checks every gradient under those locks
    /// (so none can change between the check and the update), then updates each param that
    /// has one; with `spread`, on the isolated pool, whole params spread over its threads.
    fn step_locked(&mut self, spread: bool) -> Result<(), OptimError> {
        let owners: Vec<Vec<Param>> = self.groups.iter().map(|g| g.params.clone()).collect();
        let mut guards: Vec<Vec<Option<_>>> = owners
            .iter()
            .map(|ps| ps.iter().map(|_| None).collect())
            .collect();
        for &(gi, pi) in &self.lock_order {
            guards[gi][pi] = Some(owners[gi][pi].lock_slot());
        }
        for (gi, gs) in guards.iter().enumerate() {
            for (pi, slot) in gs.iter().enumerate() {
                if !slot.as_ref().is_some_and(|s| s.grad_is_finite()) {
                    return Err(OptimError::NonFiniteGradient {
                        param: owners[gi][pi].name().to_string(),
                        group: gi,
                    });
                }
            }
        }
        for (gi, group) in self.groups.iter_mut().enumerate() {
            A::prepare_group(&mut group.config, &mut group.values, gi == 0)?;
        }
        let defaults = &self.defaults;
        let mut jobs = Vec::new();
        for (group, gs) in self.groups.iter_mut().zip(guards.iter_mut()) {
            let ParamGroup {
                config,
                states,
                shapes,
                ..
            } = group;
            for ((state, shape), slot) in states.iter_mut().zip(shapes.iter()).zip(gs.iter_mut()) {
                let slot = &mut **slot.as_mut().expect("every param locked");
                let (value, grad) = slot.value_and_grad();
                let Some(grad) = grad else { continue };
                let state = state.get_or_insert_with(|| A::new_state(config, defaults, shape));
                jobs.push((&*config, state, value.as_slice_mut(), grad.as_slice()));
            }
        }
        let run = move || {
            if jobs.len() > 1 && spread {
                jobs.into_par_iter()
                    .for_each(|(config, state, value, grad)| A::update(config, state, value, grad));
            } else {
                for (config, state, value, grad) in jobs {
                    A::update(config, state, value, grad);
                }
            }
        };
        // The locks are held here, on the calling thread, which waits without running other
        // work; the parallel updates run on the isolated pool, where every job is lock-free
        // update work (see `parallel::isolated`).
        if spread {
            parallel::isolated(run);
        } else {
            run();
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

    /// Moves every group not in the mode asked for (see [`Algorithm::HAS_MODES`]).
    fn swap_modes(&mut self, to_train: bool) {
        if !A::HAS_MODES {
            return;
        }
        for group in &mut self.groups {
            if (group.values.get(TRAIN_MODE) == Some(1.0)) == to_train {
                continue;
            }
            for (p, state) in group.params.iter().zip(&group.states) {
                let Some(state) = state else { continue };
                p.with_slot(|slot| {
                    A::swap_mode(&group.config, state, slot.value.as_slice_mut(), to_train)
                });
            }
            group
                .values
                .set(TRAIN_MODE, if to_train { 1.0 } else { 0.0 });
        }
    }

    /// True if group 0 is in train mode (for algorithms with modes; see
    /// [`Algorithm::HAS_MODES`]).
    pub fn is_training(&self) -> bool {
        self.groups
            .first()
            .is_some_and(|g| g.values.get(TRAIN_MODE) == Some(1.0))
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

    #[track_caller]
    fn group(&self, group: usize) -> &ParamGroup<A> {
        let n = self.groups.len();
        self.groups
            .get(group)
            .unwrap_or_else(|| panic!("no parameter group {group} (the optimizer has {n})"))
    }

    #[track_caller]
    fn group_mut(&mut self, group: usize) -> &mut ParamGroup<A> {
        let n = self.groups.len();
        self.groups
            .get_mut(group)
            .unwrap_or_else(|| panic!("no parameter group {group} (the optimizer has {n})"))
    }
}

/// The group value that records an algorithm's mode (1 training, 0 evaluating).
pub(crate) const TRAIN_MODE: &str = "train_mode";

/// The JSON form of `base` with `overrides` laid over it, parsed back into a config.
pub(crate) fn merge_options<A: Algorithm>(
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

impl<A: Algorithm> Optimizer for PerParam<A> {
    fn name(&self) -> &'static str {
        A::NAME
    }

    fn step(&mut self) -> Result<(), OptimError> {
        check_step_lrs(self)?;
        // Large steps update in parallel: the locks are taken on this thread, the updates run
        // on the isolated pool, so no thread holding these locks ever waits where it could
        // pick up unrelated work (see `parallel::isolated`).
        let large = self.total_len >= parallel::PAR_THRESHOLD || A::PARALLEL_UPDATE;
        self.step_locked(large && parallel::num_threads() > 1)
    }

    fn zero_grad(&self) {
        for g in &self.groups {
            for p in &g.params {
                p.zero_grad();
            }
        }
    }

    fn train(&mut self) {
        self.swap_modes(true);
    }

    fn eval(&mut self) {
        self.swap_modes(false);
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

    fn write_lr(&mut self, group: usize, lr: f64) {
        A::set_lr(&mut self.group_mut(group).config, lr);
    }

    fn momentum(&self, group: usize) -> Option<f64> {
        A::momentum(&self.group(group).config)
    }

    fn set_momentum(&mut self, group: usize, momentum: f64) -> Result<(), OptimError> {
        let config = &mut self.group_mut(group).config;
        check_momentum_value(group, momentum)?;
        check(
            A::momentum(config).is_some(),
            "momentum",
            momentum,
            &format!("{} has no momentum to set", A::NAME),
        )?;
        A::set_momentum(config, momentum);
        Ok(())
    }

    fn group_value(&self, group: usize, key: &str) -> Option<f64> {
        self.group(group).values.get(key)
    }

    fn set_group_value(&mut self, group: usize, key: &str, value: f64) {
        self.group_mut(group).values.set(key, value);
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
                        .zip(&g.shapes)
                        .map(|((p, s), shape)| ParamRecord {
                            name: p.name().to_string(),
                            shape: shape.clone(),
                            state: s.as_ref().map(StateBuffers::to_record),
                        })
                        .collect(),
                    values: g.values.0.clone(),
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
            let lr = A::lr(&config);
            if !lr.is_finite() {
                return mismatch(format!("group {gi}: saved learning rate {lr}"));
            }
            if rec.params.len() != group.params.len() {
                return mismatch(format!(
                    "group {gi}: {} params saved, the group has {}",
                    rec.params.len(),
                    group.params.len()
                ));
            }
            let mut states = Vec::with_capacity(rec.params.len());
            for (pi, (pr, shape)) in rec.params.iter().zip(&group.shapes).enumerate() {
                if &pr.shape != shape {
                    return mismatch(format!(
                        "group {gi} param {pi} ('{}'): saved shape {:?}, param shape {:?}",
                        pr.name, pr.shape, shape
                    ));
                }
                states.push(match &pr.state {
                    Some(s) => Some(A::State::from_record(s, shape).map_err(|e| {
                        OptimError::StateMismatch(format!(
                            "group {gi} param {pi} ('{}'): {e}",
                            pr.name
                        ))
                    })?),
                    None => None,
                });
            }
            parsed.push((config, states, GroupValues(rec.values.clone())));
        }
        for (group, (config, states, values)) in self.groups.iter_mut().zip(parsed) {
            group.config = config;
            group.states = states;
            group.values = values;
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
