//! `SequentialLR`, as PyTorch's: runs its children one after another, switching at the
//! milestones. At construction the first child restarts from the base rates; at milestone `m`
//! the next child takes PyTorch's `step(0)` (its closed form at step 0 where PyTorch has one,
//! else its step-0 rule on the current rate: see [`LrScheduler::restart`]); between milestones
//! only the active child steps. `ReduceLROnPlateau` is refused as a child, as in PyTorch.
//!
//! ```
//! use tapegrad_optim::sched::*;
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let warmup = LinearLR::new(&opt, LinearLRConfig { start_factor: 0.1, end_factor: 1.0, total_iters: 5 }).unwrap();
//! let decay = CosineAnnealingLR::new(&opt, CosineAnnealingLRConfig { t_max: 10, eta_min: 0.0 }).unwrap();
//! let mut s = SequentialLR::new(vec![Box::new(warmup), Box::new(decay)], vec![5]).unwrap();
//! assert!((s.lrs()[0] - 0.1).abs() < 1e-12);
//! for _ in 0..5 { s.step(None).unwrap(); }
//! assert!((s.lrs()[0] - 1.0).abs() < 1e-12); // the cosine starts from the base rate
//! for _ in 0..10 { s.step(None).unwrap(); }
//! assert!(s.lrs()[0].abs() < 1e-12);
//! ```

use super::multistep::check_increasing;
use super::{check_len, LrScheduler, SchedulerState};
use crate::OptimError;

/// Children in sequence.
pub struct SequentialLR {
    children: Vec<Box<dyn LrScheduler>>,
    milestones: Vec<u64>,
    lrs: Vec<f64>,
    last_epoch: u64,
}

const NAME: &str = "SequentialLR";

/// Checks children for a composite: at least one, the same number of groups each.
pub(crate) fn check_children(
    name: &'static str,
    children: &[Box<dyn LrScheduler>],
) -> Result<usize, OptimError> {
    let groups = children
        .first()
        .ok_or_else(|| OptimError::InvalidOptions {
            optimizer: name,
            message: "needs at least one scheduler".into(),
        })?
        .lrs()
        .len();
    for c in children {
        if c.lrs().len() != groups {
            return Err(OptimError::InvalidOptions {
                optimizer: name,
                message: format!(
                    "{} has {} groups, the first scheduler {groups}; all must drive the same optimizer",
                    c.name(),
                    c.lrs().len()
                ),
            });
        }
    }
    Ok(groups)
}

/// Loads children's states all or nothing (rolls back on error).
pub(crate) fn load_children(
    name: &str,
    children: &mut [Box<dyn LrScheduler>],
    states: &[SchedulerState],
) -> Result<(), OptimError> {
    if states.len() != children.len() {
        return Err(OptimError::StateMismatch(format!(
            "{name}: {} child states saved, the scheduler has {} children",
            states.len(),
            children.len()
        )));
    }
    let saved: Vec<SchedulerState> = children.iter().map(|c| c.state()).collect();
    for (i, (c, s)) in children.iter_mut().zip(states).enumerate() {
        if let Err(e) = c.load_state(s) {
            for (c, s) in children.iter_mut().zip(&saved).take(i) {
                c.load_state(s)
                    .expect("a state this child exported loads back");
            }
            return Err(e);
        }
    }
    Ok(())
}

/// The options of a composite: its children's names (and milestones).
fn options(children: &[Box<dyn LrScheduler>], milestones: Option<&[u64]>) -> String {
    let names: Vec<&str> = children.iter().map(|c| c.name()).collect();
    let mut v = serde_json::json!({ "schedulers": names });
    if let Some(m) = milestones {
        v["milestones"] = serde_json::json!(m);
    }
    v.to_string()
}

pub(crate) fn composite_options(children: &[Box<dyn LrScheduler>]) -> String {
    options(children, None)
}

impl SequentialLR {
    /// `schedulers` in order (built on the same optimizer), switching at `milestones` (one
    /// fewer than the schedulers, strictly increasing).
    pub fn new(
        mut schedulers: Vec<Box<dyn LrScheduler>>,
        milestones: Vec<u64>,
    ) -> Result<Self, OptimError> {
        check_children(NAME, &schedulers)?;
        if milestones.len() + 1 != schedulers.len() {
            return Err(OptimError::InvalidOptions {
                optimizer: NAME,
                message: format!(
                    "expects one more scheduler than milestones, got {} schedulers and {} milestones",
                    schedulers.len(),
                    milestones.len()
                ),
            });
        }
        check_increasing("milestones", &milestones)?;
        if let Some(p) = schedulers.iter().find(|s| s.name() == "ReduceLROnPlateau") {
            return Err(OptimError::InvalidOptions {
                optimizer: NAME,
                message: format!("does not support {} as a child", p.name()),
            });
        }
        let base = schedulers[0].state().base_lrs;
        schedulers[0].restart(&base, true)?;
        let lrs = schedulers[0].lrs();
        Ok(SequentialLR {
            children: schedulers,
            milestones,
            lrs,
            last_epoch: 0,
        })
    }

    fn active(&self) -> usize {
        self.milestones.partition_point(|&m| m <= self.last_epoch)
    }
}

impl LrScheduler for SequentialLR {
    fn name(&self) -> &'static str {
        NAME
    }

    fn step(&mut self, metric: Option<f64>) -> Result<(), OptimError> {
        self.last_epoch += 1;
        let idx = self.active();
        let child = &mut self.children[idx];
        let r = if idx > 0 && self.milestones[idx - 1] == self.last_epoch {
            child.restart(&self.lrs, true)
        } else {
            child.step(metric)
        };
        if let Err(e) = r {
            self.last_epoch -= 1;
            return Err(e);
        }
        self.lrs = child.lrs();
        Ok(())
    }

    fn lrs(&self) -> Vec<f64> {
        self.lrs.clone()
    }

    fn momenta(&self) -> Option<Vec<f64>> {
        self.children[self.active()].momenta()
    }

    fn last_epoch(&self) -> u64 {
        self.last_epoch
    }

    fn state(&self) -> SchedulerState {
        SchedulerState {
            scheduler: NAME.into(),
            options: options(&self.children, Some(&self.milestones)),
            base_lrs: self.children[0].state().base_lrs,
            last_epoch: self.last_epoch,
            lrs: self.lrs.clone(),
            scalars: Vec::new(),
            children: self.children.iter().map(|c| c.state()).collect(),
        }
    }

    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        let opts = options(&self.children, Some(&self.milestones));
        state.check(NAME, &opts, self.lrs.len())?;
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
        let idx = self.active();
        self.children[idx].set_lrs(lrs);
    }

    fn restart(&mut self, current: &[f64], from_base: bool) -> Result<(), OptimError> {
        check_len(NAME, current.len(), self.lrs.len())?;
        self.children[0].restart(current, from_base)?;
        self.last_epoch = 0;
        self.lrs = self.children[0].lrs();
        Ok(())
    }
}
