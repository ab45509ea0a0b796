//! `ChainedScheduler`, as PyTorch's: every child steps at every step, each starting from the
//! rate the previous one produced, so chainable forms multiply (ExponentialLR under a
//! ConstantLR warm-up gives `base * factor * gamma^t` during the warm-up). At construction
//! the later children redo their construction step over the rate the earlier ones set, as
//! happens in PyTorch when several schedulers are built on one optimizer; pass freshly built
//! children. The metric, if any, is passed to every child.
//!
//! ```
//! use tapegrad_optim::sched::*;
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let warm = ConstantLR::new(&opt, ConstantLRConfig { factor: 0.5, total_iters: 2 }).unwrap();
//! let decay = ExponentialLR::new(&opt, ExponentialLRConfig { gamma: 0.9 }).unwrap();
//! let mut s = ChainedScheduler::new(vec![Box::new(warm), Box::new(decay)]).unwrap();
//! assert!((s.lrs()[0] - 0.5).abs() < 1e-12);
//! s.step(None).unwrap();
//! assert!((s.lrs()[0] - 0.45).abs() < 1e-12);
//! s.step(None).unwrap(); // the warm-up ends
//! assert!((s.lrs()[0] - 0.81).abs() < 1e-12);
//! ```

use super::sequential::{check_children, composite_options, load_children};
use super::{check_len, LrScheduler, SchedulerState};
use crate::OptimError;

/// Children composed at every step.
pub struct ChainedScheduler {
    children: Vec<Box<dyn LrScheduler>>,
    lrs: Vec<f64>,
    last_epoch: u64,
}

const NAME: &str = "ChainedScheduler";

impl ChainedScheduler {
    /// Composes `schedulers` (freshly built on the same optimizer), in order.
    pub fn new(mut schedulers: Vec<Box<dyn LrScheduler>>) -> Result<Self, OptimError> {
        check_children(NAME, &schedulers)?;
        let mut lrs = schedulers[0].lrs();
        for c in schedulers.iter_mut().skip(1) {
            c.restart(&lrs, false)?;
            lrs = c.lrs();
        }
        Ok(ChainedScheduler {
            children: schedulers,
            lrs,
            last_epoch: 0,
        })
    }
}

impl LrScheduler for ChainedScheduler {
    fn name(&self) -> &'static str {
        NAME
    }

    fn step(&mut self, metric: Option<f64>) -> Result<(), OptimError> {
        let mut lrs = self.lrs.clone();
        for c in &mut self.children {
            c.set_lrs(&lrs);
            c.step(metric)?;
            lrs = c.lrs();
        }
        self.lrs = lrs;
        self.last_epoch += 1;
        Ok(())
    }

    fn lrs(&self) -> Vec<f64> {
        self.lrs.clone()
    }

    fn momenta(&self) -> Option<Vec<f64>> {
        self.children.iter().rev().find_map(|c| c.momenta())
    }

    fn last_epoch(&self) -> u64 {
        self.last_epoch
    }

    fn state(&self) -> SchedulerState {
        SchedulerState {
            scheduler: NAME.into(),
            options: composite_options(&self.children),
            base_lrs: self.children[0].state().base_lrs,
            last_epoch: self.last_epoch,
            lrs: self.lrs.clone(),
            scalars: Vec::new(),
            children: self.children.iter().map(|c| c.state()).collect(),
        }
    }

    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        state.check(NAME, &composite_options(&self.children), self.lrs.len())?;
        load_children(NAME, &mut self.children, &state.children)?;
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

    fn restart(&mut self, current: &[f64], from_base: bool) -> Result<(), OptimError> {
        check_len(NAME, current.len(), self.lrs.len())?;
        let mut lrs = current.to_vec();
        for (i, c) in self.children.iter_mut().enumerate() {
            c.restart(&lrs, from_base && i == 0)?;
            lrs = c.lrs();
        }
        self.lrs = lrs;
        self.last_epoch = 0;
        Ok(())
    }
}
