//! `LambdaLR`, as PyTorch's: `lr_t = base * lr_lambda(t)`, with a closure per group (or one
//! for all). PyTorch has no closed form for it: at a SequentialLR milestone it is
//! `base * lr_lambda(0)`. The closures are code, so a saved state holds the step count and
//! the rates; restore it into a scheduler built with the same closures.
//!
//! A closure that returns a negative or non-finite factor is refused at that step (an error,
//! nothing changed) instead of poisoning the parameters.
//!
//! ```
//! use tapegrad_optim::sched::{LambdaLR, LambdaLRConfig, LrScheduler};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = LambdaLR::new(&mut opt, LambdaLRConfig::new(|t| 1.0 / (1.0 + t as f64))).unwrap();
//! s.step(&mut opt).unwrap();
//! assert!((opt.lr(0) - 0.5).abs() < 1e-12);
//! ```

use super::{Rule, RuleStep, Scheduled};
use crate::OptimError;
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fmt;
use std::sync::Arc;

/// A rate factor as a function of the step (PyTorch's `lr_lambda(epoch)`).
pub type LrLambda = Arc<dyn Fn(i64) -> f64 + Send + Sync>;

/// The closures of a [`LambdaLR`] or [`MultiplicativeLR`](super::MultiplicativeLR): one for
/// every group, or one per group (PyTorch's `lr_lambda`: a function or a list).
#[derive(Clone)]
pub enum LambdaLRConfig {
    /// One closure for every group.
    All(LrLambda),
    /// One closure per group (refused at construction unless there is one per group).
    PerGroup(Vec<LrLambda>),
}

impl LambdaLRConfig {
    /// One closure for every group.
    pub fn new(f: impl Fn(i64) -> f64 + Send + Sync + 'static) -> Self {
        LambdaLRConfig::All(Arc::new(f))
    }

    /// One closure per group.
    pub fn per_group(lr_lambdas: Vec<LrLambda>) -> Self {
        LambdaLRConfig::PerGroup(lr_lambdas)
    }

    /// The factor of group `group` at step `epoch`.
    pub(crate) fn factor(&self, group: usize, epoch: i64) -> f64 {
        match self {
            LambdaLRConfig::All(f) => f(epoch),
            LambdaLRConfig::PerGroup(fs) => fs[group](epoch),
        }
    }

    fn count(&self) -> Option<usize> {
        match self {
            LambdaLRConfig::All(_) => None,
            LambdaLRConfig::PerGroup(fs) => Some(fs.len()),
        }
    }

    /// One closure per group, if given per group.
    pub(crate) fn check(&self, name: &'static str, groups: usize) -> Result<(), OptimError> {
        match self.count() {
            Some(n) if n != groups => Err(OptimError::InvalidOptions {
                optimizer: name,
                message: format!("Expected {groups} lr_lambdas, but got {n}"),
            }),
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for LambdaLRConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.count() {
            None => f.write_str("LambdaLRConfig(one closure)"),
            Some(n) => write!(f, "LambdaLRConfig({n} closures)"),
        }
    }
}

/// The options as saved: closures are code, so only their number (`null` for one shared).
impl Serialize for LambdaLRConfig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("lr_lambdas", &self.count())?;
        m.end()
    }
}

/// Rates from closures: `LambdaLR::new(&mut opt, LambdaLRConfig::new(|t| 0.95f64.powi(t as i32)))`.
pub type LambdaLR = Scheduled<LambdaLRConfig>;

impl Rule for LambdaLRConfig {
    const NAME: &'static str = "LambdaLR";

    fn validate(&self, groups: usize) -> Result<(), OptimError> {
        self.check(Self::NAME, groups)
    }

    fn lr(&self, s: &RuleStep) -> f64 {
        s.base * self.factor(s.group, s.epoch)
    }
}
