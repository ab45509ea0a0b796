//! `ChainedScheduler`, as PyTorch's: every child steps at every step, each starting from the
//! rate the previous one left in the optimizer, so chainable forms multiply (ExponentialLR
//! under a ConstantLR warm-up gives `base * factor * gamma^t` during the warm-up). Build the
//! children on the optimizer first, in order (each construction has its effects on it, as in
//! PyTorch); building the ChainedScheduler itself changes nothing.
//!
//! ```
//! use tapegrad_optim::sched::*;
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let warm = ConstantLR::new(&mut opt, ConstantLRConfig { factor: 0.5, total_iters: 2 }).unwrap();
//! let decay = ExponentialLR::new(&mut opt, ExponentialLRConfig { gamma: 0.9 }).unwrap();
//! let mut s = ChainedScheduler::new(&opt, vec![Box::new(warm), Box::new(decay)]).unwrap();
//! assert!((opt.lr(0) - 0.5).abs() < 1e-12);
//! s.step(&mut opt).unwrap();
//! assert!((opt.lr(0) - 0.45).abs() < 1e-12);
//! s.step(&mut opt).unwrap(); // the warm-up ends
//! assert!((opt.lr(0) - 0.81).abs() < 1e-12);
//! ```

use super::base::{check_groups, check_metric, unsupported};
use super::sequential::{check_children, composite_options, load_children};
use super::{group_lrs, LrScheduler, SchedulerState};
use crate::{OptimError, Optimizer};

/// Children composed at every step.
pub struct ChainedScheduler {
    children: Vec<Box<dyn LrScheduler>>,
    last_lr: Vec<f64>,
    steps: i64,
}

const NAME: &str = "ChainedScheduler";

impl ChainedScheduler {
    /// `schedulers` (built on `opt`, in this order), all stepped at every step.
    pub fn new(
        opt: &dyn Optimizer,
        schedulers: Vec<Box<dyn LrScheduler>>,
    ) -> Result<Self, OptimError> {
        check_children(NAME, opt, &schedulers)?;
        Ok(ChainedScheduler {
            children: schedulers,
            last_lr: group_lrs(opt),
            steps: 0,
        })
    }

    /// The children, in order.
    pub fn children(&self) -> &[Box<dyn LrScheduler>] {
        &self.children
    }
}

impl LrScheduler for ChainedScheduler {
    fn name(&self) -> &'static str {
        NAME
    }

    /// Steps every child in order. A child that fails leaves the ones before it stepped (as
    /// an exception in PyTorch's loop would).
    fn step_metric(
        &mut self,
        opt: &mut dyn Optimizer,
        metric: Option<f64>,
    ) -> Result<(), OptimError> {
        check_metric(NAME, None, metric)?;
        check_groups(NAME, opt, self.last_lr.len())?;
        for c in self.children.iter_mut() {
            c.step(opt)?;
        }
        self.steps += 1;
        self.last_lr = group_lrs(opt);
        Ok(())
    }

    fn last_lr(&self) -> Vec<f64> {
        self.last_lr.clone()
    }

    /// Steps taken by the chain (PyTorch's ChainedScheduler keeps no count of its own).
    fn last_epoch(&self) -> i64 {
        self.steps
    }

    fn state(&self) -> SchedulerState {
        SchedulerState {
            scheduler: NAME.into(),
            options: composite_options(&self.children, None),
            base_lrs: Vec::new(),
            last_epoch: self.steps,
            step_count: 0,
            lrs: self.last_lr.clone(),
            scalars: Vec::new(),
            children: self.children.iter().map(|c| c.state()).collect(),
        }
    }

    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        state.check(
            NAME,
            &composite_options(&self.children, None),
            self.last_lr.len(),
        )?;
        load_children(NAME, &mut self.children, &state.children)?;
        self.steps = state.last_epoch;
        self.last_lr = state.lrs.clone();
        Ok(())
    }

    /// PyTorch's inherited `_initial_step`: one ordinary step of every child.
    fn initial_step(&mut self, opt: &mut dyn Optimizer) -> Result<(), OptimError> {
        self.step(opt)
    }

    fn restart_at(&mut self, _opt: &mut dyn Optimizer, _epoch: i64) -> Result<(), OptimError> {
        Err(unsupported(
            NAME,
            "a ChainedScheduler cannot restart at a milestone of an enclosing SequentialLR \
             (PyTorch raises NotImplementedError there too)",
        ))
    }

    fn undo(&mut self) {
        for c in self.children.iter_mut() {
            c.undo();
        }
    }
}
