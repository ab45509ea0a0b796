//! `MultiplicativeLR`, as PyTorch's: each step multiplies the current rate by
//! `lr_lambda(t)` (`lr_t = lr_{t-1} * lr_lambda(t)` for `t > 0`). A saved state holds
//! `last_epoch` and the rates; restore it into a scheduler built with the same closures.
//!
//! ```
//! use tapegrad_optim::sched::{LrScheduler, MultiplicativeLR};
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = MultiplicativeLR::new(&opt, |_| 0.5);
//! s.step(None).unwrap();
//! s.step(None).unwrap();
//! assert!((s.lrs()[0] - 0.25).abs() < 1e-12);
//! ```

use super::lambda::{check_lambdas, closure_state, LrLambda};
use super::{check_len, group_lrs, LrScheduler, SchedulerState};
use crate::OptimError;
use crate::Optimizer;
use std::sync::Arc;

/// Multiplies the rate by a closure's value at each step.
#[derive(Clone)]
pub struct MultiplicativeLR {
    lambdas: Vec<LrLambda>,
    base_lrs: Vec<f64>,
    lrs: Vec<f64>,
    last_epoch: u64,
}

const NAME: &str = "MultiplicativeLR";

impl MultiplicativeLR {
    /// One closure for every group of `opt`.
    pub fn new(opt: &dyn Optimizer, f: impl Fn(u64) -> f64 + Send + Sync + 'static) -> Self {
        let f: LrLambda = Arc::new(f);
        let lambdas = vec![f; opt.num_groups()];
        Self::per_group(opt, lambdas).expect("one closure per group")
    }

    /// One closure per group; refuses a count that differs from the number of groups.
    pub fn per_group(opt: &dyn Optimizer, lambdas: Vec<LrLambda>) -> Result<Self, OptimError> {
        check_lambdas(NAME, lambdas.len(), opt.num_groups())?;
        let base_lrs = group_lrs(opt);
        Ok(MultiplicativeLR {
            lambdas,
            lrs: base_lrs.clone(),
            base_lrs,
            last_epoch: 0,
        })
    }
}

impl LrScheduler for MultiplicativeLR {
    fn name(&self) -> &'static str {
        NAME
    }

    fn step(&mut self, _metric: Option<f64>) -> Result<(), OptimError> {
        self.last_epoch += 1;
        let t = self.last_epoch;
        for (lr, f) in self.lrs.iter_mut().zip(&self.lambdas) {
            *lr *= f(t);
        }
        Ok(())
    }

    fn lrs(&self) -> Vec<f64> {
        self.lrs.clone()
    }

    fn last_epoch(&self) -> u64 {
        self.last_epoch
    }

    fn state(&self) -> SchedulerState {
        closure_state(NAME, &self.base_lrs, &self.lrs, self.last_epoch)
    }

    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        state.check(NAME, "{}", self.lrs.len())?;
        self.base_lrs = state.base_lrs.clone();
        self.lrs = state.lrs.clone();
        self.last_epoch = state.last_epoch;
        Ok(())
    }

    fn set_lrs(&mut self, lrs: &[f64]) {
        assert_eq!(
            lrs.len(),
            self.lrs.len(),
            "{NAME}::set_lrs: one rate per group"
        );
        self.lrs = lrs.to_vec();
    }

    fn restart(&mut self, current: &[f64], _from_base: bool) -> Result<(), OptimError> {
        check_len(NAME, current.len(), self.lrs.len())?;
        self.last_epoch = 0;
        self.lrs = current.to_vec();
        Ok(())
    }
}
