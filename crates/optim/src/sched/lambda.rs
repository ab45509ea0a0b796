//! `LambdaLR`, as PyTorch's: `lr_t = base * lr_lambda(t)`, with a closure per group (or one
//! for all). The closures are code, so a saved state holds `last_epoch` and the rates; restore
//! it into a scheduler built with the same closures.
//!
//! ```
//! use tapegrad_optim::sched::{LambdaLR, LrScheduler};
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = LambdaLR::new(&opt, |t| 1.0 / (1.0 + t as f64));
//! s.step(None).unwrap();
//! assert!((s.lrs()[0] - 0.5).abs() < 1e-12);
//! ```

use super::{check_len, group_lrs, LrScheduler, SchedulerState};
use crate::OptimError;
use crate::Optimizer;
use std::sync::Arc;

/// A rate multiplier as a function of the step (`Fn(u64) -> f64`).
pub type LrLambda = Arc<dyn Fn(u64) -> f64 + Send + Sync>;

/// Rates from closures: `LambdaLR::new(&opt, |t| 0.95f64.powi(t as i32))`.
#[derive(Clone)]
pub struct LambdaLR {
    lambdas: Vec<LrLambda>,
    base_lrs: Vec<f64>,
    lrs: Vec<f64>,
    last_epoch: u64,
}

const NAME: &str = "LambdaLR";

impl LambdaLR {
    /// One closure for every group of `opt` (their current rates are the base rates).
    pub fn new(opt: &dyn Optimizer, f: impl Fn(u64) -> f64 + Send + Sync + 'static) -> Self {
        let f: LrLambda = Arc::new(f);
        let lambdas = vec![f; opt.num_groups()];
        Self::per_group(opt, lambdas).expect("one closure per group")
    }

    /// One closure per group; refuses a count that differs from the number of groups.
    pub fn per_group(opt: &dyn Optimizer, lambdas: Vec<LrLambda>) -> Result<Self, OptimError> {
        check_lambdas(NAME, lambdas.len(), opt.num_groups())?;
        let base_lrs = group_lrs(opt);
        let lrs = base_lrs
            .iter()
            .zip(&lambdas)
            .map(|(&b, f)| b * f(0))
            .collect();
        Ok(LambdaLR {
            lambdas,
            base_lrs,
            lrs,
            last_epoch: 0,
        })
    }

    fn compute(&mut self) {
        let t = self.last_epoch;
        self.lrs = self
            .base_lrs
            .iter()
            .zip(&self.lambdas)
            .map(|(&b, f)| b * f(t))
            .collect();
    }
}

/// One closure per group.
pub(crate) fn check_lambdas(name: &str, got: usize, groups: usize) -> Result<(), OptimError> {
    if got == groups {
        Ok(())
    } else {
        Err(OptimError::InvalidHyperparameter {
            name: "lr_lambda",
            value: format!("{got} closures"),
            reason: format!("{name} expected {groups} closures, one per group"),
        })
    }
}

/// The state of a closure-driven schedule: steps and rates, no options.
pub(crate) fn closure_state(name: &str, base: &[f64], lrs: &[f64], t: u64) -> SchedulerState {
    SchedulerState {
        scheduler: name.into(),
        options: "{}".into(),
        base_lrs: base.to_vec(),
        last_epoch: t,
        lrs: lrs.to_vec(),
        scalars: Vec::new(),
        children: Vec::new(),
    }
}

impl LrScheduler for LambdaLR {
    fn name(&self) -> &'static str {
        NAME
    }

    fn step(&mut self, _metric: Option<f64>) -> Result<(), OptimError> {
        self.last_epoch += 1;
        self.compute();
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
        self.compute();
        Ok(())
    }
}
