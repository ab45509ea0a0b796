//! `MultiplicativeLR`, as PyTorch's: each step multiplies the current rate by
//! `lr_lambda(t)` (the construction step leaves it). PyTorch has no closed form for it: at a
//! SequentialLR milestone it multiplies by `lr_lambda(0)`. Closures as in
//! [`LambdaLR`](super::LambdaLR), and refused the same way when they return a negative or
//! non-finite factor.
//!
//! ```
//! use tapegrad_optim::sched::{LambdaLRConfig, LrScheduler, MultiplicativeLR};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = MultiplicativeLR::new(&mut opt, MultiplicativeLRConfig::new(|_| 0.5)).unwrap();
//! s.step(&mut opt).unwrap();
//! s.step(&mut opt).unwrap();
//! assert!((opt.lr(0) - 0.25).abs() < 1e-12);
//! # use tapegrad_optim::sched::MultiplicativeLRConfig;
//! ```

use super::lambda::LambdaLRConfig;
use super::{Rule, RuleStep, Scheduled};
use crate::OptimError;
use serde::{Serialize, Serializer};
use std::fmt;

/// MultiplicativeLR's closures (the same form as LambdaLR's).
#[derive(Clone)]
pub struct MultiplicativeLRConfig(pub LambdaLRConfig);

impl MultiplicativeLRConfig {
    /// One closure for every group.
    pub fn new(f: impl Fn(i64) -> f64 + Send + Sync + 'static) -> Self {
        MultiplicativeLRConfig(LambdaLRConfig::new(f))
    }

    /// One closure per group.
    pub fn per_group(lr_lambdas: Vec<super::LrLambda>) -> Self {
        MultiplicativeLRConfig(LambdaLRConfig::per_group(lr_lambdas))
    }
}

impl fmt::Debug for MultiplicativeLRConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Multiplicative{:?}", self.0)
    }
}

impl Serialize for MultiplicativeLRConfig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// Multiplicative rates: `MultiplicativeLR::new(&mut opt, MultiplicativeLRConfig::new(|_| 0.95))`.
pub type MultiplicativeLR = Scheduled<MultiplicativeLRConfig>;

impl Rule for MultiplicativeLRConfig {
    const NAME: &'static str = "MultiplicativeLR";

    fn validate(&self, groups: usize) -> Result<(), OptimError> {
        self.0.check(Self::NAME, groups)
    }

    fn lr(&self, s: &RuleStep) -> f64 {
        if s.initial {
            s.current
        } else {
            s.current * self.0.factor(s.group, s.epoch)
        }
    }
}
