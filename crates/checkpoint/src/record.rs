//! What a training checkpoint holds, and moving params in and out of it by name.

use crate::CheckpointError;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;
use tapegrad_optim::sched::SchedulerState;
use tapegrad_optim::OptimizerState;
use tapegrad_tensor::{check_shape, InvalidShape, Param, Rng, Tensor};

/// A named f32 tensor (row-major), as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedTensor {
    /// PyTorch-style dotted name (`fc1.weight`).
    pub name: String,
    /// Shape.
    pub shape: Vec<u64>,
    /// Values, row-major.
    pub data: Vec<f32>,
}

impl NamedTensor {
    /// A named copy of `t`.
    pub fn new(name: impl Into<String>, t: &Tensor) -> NamedTensor {
        NamedTensor {
            name: name.into(),
            shape: t.shape().iter().map(|&d| d as u64).collect(),
            data: t.to_vec(),
        }
    }

    /// The shape as `usize`s, checked against the data with the loaders' shared rules
    /// ([`tapegrad_tensor::check_shape`]): never panics on hostile values, and a shape that
    /// passes always builds a tensor.
    pub fn checked_shape(&self) -> Result<Vec<usize>, CheckpointError> {
        let bad = |source| CheckpointError::Shape {
            name: self.name.clone(),
            source,
        };
        let (shape, needed) = check_shape(&self.shape).map_err(bad)?;
        if needed != self.data.len() {
            return Err(bad(InvalidShape::LengthMismatch {
                shape: format!("{:?}", self.shape),
                needed,
                found: self.data.len(),
            }));
        }
        Ok(shape)
    }

    /// The tensor (after checking shape against data).
    pub fn to_tensor(&self) -> Result<Tensor, CheckpointError> {
        Tensor::try_from_vec(self.data.clone(), &self.shape).map_err(|source| {
            CheckpointError::Shape {
                name: self.name.clone(),
                source,
            }
        })
    }
}

/// Everything needed to resume training exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Checkpoint {
    /// The model's params by name.
    pub params: Vec<NamedTensor>,
    /// The optimizer's whole state (groups, options, per-param state, step counts).
    pub optimizer: Option<OptimizerState>,
    /// The learning-rate scheduler's state.
    pub scheduler: Option<SchedulerState>,
    /// Epochs completed.
    pub epoch: u64,
    /// Optimizer steps completed.
    pub step: u64,
    /// Random generators in use (data shuffling, dropout), by name.
    pub rngs: Vec<(String, Rng)>,
    /// User metadata.
    pub metadata: Vec<(String, String)>,
}

/// How a checkpoint's params and a model's params disagree.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MismatchReport {
    /// In the model, not in the checkpoint.
    pub missing: Vec<String>,
    /// In the checkpoint, not in the model.
    pub unexpected: Vec<String>,
    /// In both, with different shapes: (name, checkpoint shape, model shape).
    pub mismatched: Vec<(String, Vec<usize>, Vec<usize>)>,
}

impl MismatchReport {
    /// True if everything fitted.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.mismatched.is_empty()
    }
}

impl fmt::Display for MismatchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!("missing {}", self.missing.join(", ")));
        }
        if !self.unexpected.is_empty() {
            parts.push(format!("unexpected {}", self.unexpected.join(", ")));
        }
        for (n, c, m) in &self.mismatched {
            parts.push(format!("{n}: checkpoint shape {c:?}, model shape {m:?}"));
        }
        write!(f, "{}", parts.join("; "))
    }
}

impl Checkpoint {
    /// A checkpoint of `named` params (e.g. a module's `named_params()`), nothing else yet.
    pub fn from_params(named: &[(String, Param)]) -> Checkpoint {
        Checkpoint {
            params: named
                .iter()
                .map(|(n, p)| NamedTensor::new(n.clone(), &p.value()))
                .collect(),
            ..Default::default()
        }
    }

    /// The saved params by name (the first of any repeated name), for lookups in linear time.
    pub(crate) fn by_name(&self) -> HashMap<&str, &NamedTensor> {
        let mut map = HashMap::with_capacity(self.params.len());
        for t in &self.params {
            map.entry(t.name.as_str()).or_insert(t);
        }
        map
    }

    /// The saved params' names that `named` does not have, in order.
    pub(crate) fn unexpected(&self, named: &[(String, Param)]) -> Vec<String> {
        let model: HashSet<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
        self.params
            .iter()
            .filter(|t| !model.contains(t.name.as_str()))
            .map(|t| t.name.clone())
            .collect()
    }

    /// The random generator saved under `name`.
    pub fn rng(&self, name: &str) -> Option<&Rng> {
        self.rngs.iter().find(|(n, _)| n == name).map(|(_, r)| r)
    }

    /// The metadata value under `key`.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Copies the saved values into `named` params. Strict: every model param must be in the
    /// checkpoint with its shape and nothing else may be there, otherwise an error listing
    /// the missing, unexpected and mismatched entries and nothing is loaded. Non-strict (as
    /// PyTorch's `strict=False`): loads what fits and returns the rest.
    pub fn load_params(
        &self,
        named: &[(String, Param)],
        strict: bool,
    ) -> Result<MismatchReport, CheckpointError> {
        let mut report = MismatchReport::default();
        let mut loads = Vec::new();
        let saved = self.by_name();
        for (name, p) in named {
            match saved.get(name.as_str()) {
                None => report.missing.push(name.clone()),
                Some(t) => {
                    let shape = t.checked_shape()?;
                    if shape != p.shape() {
                        report.mismatched.push((name.clone(), shape, p.shape()));
                    } else {
                        loads.push((p, t));
                    }
                }
            }
        }
        report.unexpected = self.unexpected(named);
        if strict && !report.is_empty() {
            return Err(CheckpointError::Mismatch(report));
        }
        for (p, t) in loads {
            p.set_value(t.to_tensor()?);
        }
        Ok(report)
    }
}
