//! [`Hypergradient`]: hypergradient descent on the learning rate (Baydin et al. 2018) around
//! any update rule that produces a direction `u_t` (`theta_t = theta_{t-1} - alpha_t u_t`):
//!
//! ```text
//! h_t     = -g_t . u_{t-1}           (over ALL params: d f(theta_{t-1}) / d alpha)
//! alpha_t = alpha_{t-1} - beta * h_t  (beta = hypergrad_lr)
//! theta_t = theta_{t-1} - alpha_t * u_t
//! ```
//!
//! `h_t` is the derivative of the current loss with respect to the rate used in the previous
//! step, since `theta_{t-1} = theta_{t-2} - alpha u_{t-1}`. The rate grows while consecutive
//! directions agree and shrinks when they oppose (overshooting). It is not clamped, as in the
//! paper; a scheduler or `set_lr` may still override it. The dot product spans every param,
//! so this is a direct [`Optimizer`] (one parameter group), not an [`Algorithm`](crate::Algorithm).
//! Dot products accumulate in f64.
//!
//! A rule file (`sgd_hd.rs`, `adam_hd.rs`) implements [`HdRule`]: its config, per-param state
//! and the direction `u_t`.

use crate::error::OptimError;
use crate::optimizer::{
    check_distinct, check_momentum_value, check_step_lrs, GroupRecord, GroupValues, OptimizerState,
    ParamRecord,
};
use crate::state::StateBuffers;
use crate::Optimizer;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;
use tapegrad_tensor::Param;

/// An update rule whose rate hypergradient descent learns.
pub trait HdRule: Clone + Debug + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The optimizer's name (`"SGD-HD"`).
    const NAME: &'static str;
    /// Per-parameter state (moments, buffers), besides the previous direction (declare it
    /// with [`optimizer_state!`](crate::optimizer_state)).
    type State: Clone + Debug + Default + Send + Sync + StateBuffers;
    /// Refuses invalid hyperparameters with a message naming the value.
    fn validate(&self) -> Result<(), OptimError>;
    /// The current rate `alpha`.
    fn lr(&self) -> f64;
    /// Sets the rate.
    fn set_lr(&mut self, lr: f64);
    /// The hypergradient rate `beta`.
    fn hypergrad_lr(&self) -> f64;
    /// The cyclable momentum, if any.
    fn momentum(&self) -> Option<f64> {
        None
    }
    /// Sets it.
    fn set_momentum(&mut self, _momentum: f64) {}
    /// Writes the direction `u_t` into `u` and advances `state` (`state` is `Default` before
    /// the param's first step).
    fn direction(&self, state: &mut Self::State, value: &[f32], grad: &[f32], u: &mut [f32]);
}

#[derive(Clone, Debug)]
struct ParamState<S> {
    rule: S,
    prev_update: Vec<f32>,
}

/// An optimizer that learns its rate by hypergradient descent; use it as [`SgdHd`](super::SgdHd)
/// or [`AdamHd`](super::AdamHd).
#[derive(Clone, Debug)]
pub struct Hypergradient<R: HdRule> {
    config: R,
    params: Vec<Param>,
    states: Vec<Option<ParamState<R::State>>>,
    last_hypergradient: f64,
    values: GroupValues,
}

impl<R: HdRule> Hypergradient<R> {
    /// Over `params` (one group) with `config`; refuses invalid hyperparameters, an empty
    /// list and a param listed twice.
    pub fn new(params: Vec<Param>, config: R) -> Result<Self, OptimError> {
        config.validate()?;
        if params.is_empty() {
            return Err(OptimError::EmptyParams { optimizer: R::NAME });
        }
        check_distinct(R::NAME, [params.as_slice()])?;
        let states = vec![None; params.len()];
        Ok(Hypergradient {
            config,
            params,
            states,
            last_hypergradient: 0.0,
            values: GroupValues::default(),
        })
    }

    /// The config, with the current (learned) rate.
    pub fn config(&self) -> &R {
        &self.config
    }

    /// The hypergradient `h_t` of the last step (0 before the second step).
    pub fn last_hypergradient(&self) -> f64 {
        self.last_hypergradient
    }
}

#[track_caller]
fn check_group(group: usize) {
    assert!(
        group == 0,
        "no parameter group {group} (the optimizer has 1)"
    );
}

impl<R: HdRule> Optimizer for Hypergradient<R> {
    fn name(&self) -> &'static str {
        R::NAME
    }

    fn step(&mut self) -> Result<(), OptimError> {
        check_step_lrs(self)?;
        for p in &self.params {
            if !p.with_slot(|s| s.grad_is_finite()) {
                return Err(OptimError::NonFiniteGradient {
                    param: p.name().to_string(),
                    group: 0,
                });
            }
        }
        // h_t = -g_t . u_{t-1} over every param that has both.
        let mut dot = 0.0f64;
        for (p, st) in self.params.iter().zip(&self.states) {
            let Some(st) = st else { continue };
            p.with_slot(|s| {
                if let Some(g) = s.grad() {
                    dot += g
                        .as_slice()
                        .iter()
                        .zip(&st.prev_update)
                        .map(|(&g, &u)| g as f64 * u as f64)
                        .sum::<f64>();
                }
            });
        }
        let h = -dot;
        let alpha = self.config.lr() - self.config.hypergrad_lr() * h;
        if !alpha.is_finite() {
            // Not reachable from finite gradients short of overflow; never let it through.
            return Err(OptimError::InvalidHyperparameter {
                name: "learning rate",
                value: alpha.to_string(),
                reason: format!(
                    "{}: the hypergradient step made the rate non-finite",
                    R::NAME
                ),
            });
        }
        self.last_hypergradient = h;
        self.config.set_lr(alpha);
        let lr = alpha as f32;
        let config = &self.config;
        for (p, st) in self.params.iter().zip(self.states.iter_mut()) {
            p.with_slot(|slot| {
                let (value, grad) = slot.value_and_grad();
                let Some(grad) = grad else { return };
                let st = st.get_or_insert_with(|| ParamState {
                    rule: R::State::default(),
                    prev_update: vec![0.0; value.len()],
                });
                let value = value.as_slice_mut();
                config.direction(&mut st.rule, value, grad.as_slice(), &mut st.prev_update);
                for (v, &u) in value.iter_mut().zip(&st.prev_update) {
                    *v -= lr * u;
                }
            });
        }
        Ok(())
    }

    fn zero_grad(&self) {
        for p in &self.params {
            p.zero_grad();
        }
    }

    fn num_groups(&self) -> usize {
        1
    }

    fn group_params(&self, group: usize) -> &[Param] {
        check_group(group);
        &self.params
    }

    fn lr(&self, group: usize) -> f64 {
        check_group(group);
        self.config.lr()
    }

    fn write_lr(&mut self, group: usize, lr: f64) {
        check_group(group);
        self.config.set_lr(lr);
    }

    fn momentum(&self, group: usize) -> Option<f64> {
        check_group(group);
        self.config.momentum()
    }

    fn set_momentum(&mut self, group: usize, momentum: f64) -> Result<(), OptimError> {
        check_group(group);
        check_momentum_value(group, momentum)?;
        if self.config.momentum().is_none() {
            return Err(OptimError::InvalidHyperparameter {
                name: "momentum",
                value: momentum.to_string(),
                reason: format!("{} has no momentum to set", R::NAME),
            });
        }
        self.config.set_momentum(momentum);
        Ok(())
    }

    fn group_value(&self, group: usize, key: &str) -> Option<f64> {
        check_group(group);
        self.values.get(key)
    }

    fn set_group_value(&mut self, group: usize, key: &str, value: f64) {
        check_group(group);
        self.values.set(key, value);
    }

    fn group_options(&self, group: usize) -> serde_json::Value {
        check_group(group);
        serde_json::to_value(&self.config).expect("configs serialize")
    }

    fn state(&self) -> OptimizerState {
        let params = self
            .params
            .iter()
            .zip(&self.states)
            .map(|(p, s)| ParamRecord {
                name: p.name().to_string(),
                shape: p.shape(),
                state: s.as_ref().map(|s| {
                    let mut r = s.rule.to_record();
                    r.buffers
                        .push(("prev_update".into(), s.prev_update.clone()));
                    r
                }),
            })
            .collect();
        OptimizerState {
            optimizer: R::NAME.to_string(),
            groups: vec![GroupRecord {
                options: serde_json::to_string(&self.config).expect("configs serialize"),
                params,
                values: self.values.0.clone(),
            }],
        }
    }

    fn load_state(&mut self, state: &OptimizerState) -> Result<(), OptimError> {
        let mismatch = |m: String| Err(OptimError::StateMismatch(m));
        if state.optimizer != R::NAME {
            return mismatch(format!(
                "saved by {}, loading into {}",
                state.optimizer,
                R::NAME
            ));
        }
        let [group] = state.groups.as_slice() else {
            return mismatch(format!(
                "{} groups saved, the optimizer has 1",
                state.groups.len()
            ));
        };
        let config: R =
            serde_json::from_str(&group.options).map_err(|e| OptimError::InvalidOptions {
                optimizer: R::NAME,
                message: e.to_string(),
            })?;
        config.validate()?;
        if group.params.len() != self.params.len() {
            return mismatch(format!(
                "{} params saved, the optimizer has {}",
                group.params.len(),
                self.params.len()
            ));
        }
        let mut states = Vec::with_capacity(self.params.len());
        for (i, (rec, p)) in group.params.iter().zip(&self.params).enumerate() {
            let shape = p.shape();
            if rec.shape != shape {
                return mismatch(format!(
                    "param {i} ('{}'): saved shape {:?}, param shape {shape:?}",
                    rec.name, rec.shape
                ));
            }
            let len = shape.iter().product();
            states.push(match &rec.state {
                None => None,
                Some(r) => Some(ParamState {
                    rule: R::State::from_record(r, &shape)?,
                    prev_update: r.buffer("prev_update", len)?,
                }),
            });
        }
        self.config = config;
        self.states = states;
        self.values = GroupValues(group.values.clone());
        Ok(())
    }
}
