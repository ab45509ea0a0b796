//! `SequentialLR`, as PyTorch's: runs its children one after another, switching at the
//! milestones. Build the children on the optimizer first (each construction has its effects
//! on it, as in PyTorch), then the SequentialLR, which (as PyTorch's constructor does) puts
//! every group's rate back to its `initial_lr`, steps every child back by one
//! (`recursive_undo`) and takes the construction step of the child that starts. At milestone
//! `m` the next child jumps to step 0 (PyTorch's `_update_lr(0)`: its closed form where
//! PyTorch has one, else its rule on the current rate); between milestones only the active
//! child steps. `ReduceLROnPlateau` and the metric-driven schedules are refused as children,
//! as PyTorch refuses ReduceLROnPlateau.
//!
//! ```
//! use tapegrad_optim::sched::*;
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let warmup = LinearLR::new(&mut opt, LinearLRConfig { start_factor: 0.1, end_factor: 1.0, total_iters: 5 }).unwrap();
//! let decay = CosineAnnealingLR::new(&mut opt, CosineAnnealingLRConfig { t_max: 10, eta_min: 0.0 }).unwrap();
//! let mut s = SequentialLR::new(&mut opt, vec![Box::new(warmup), Box::new(decay)], vec![5]).unwrap();
//! assert!((opt.lr(0) - 0.1).abs() < 1e-12); // step 0 runs at the warm-up's rate
//! for _ in 0..5 { s.step(&mut opt).unwrap(); }
//! assert!((opt.lr(0) - 1.0).abs() < 1e-12); // the cosine starts from the base rate
//! for _ in 0..10 { s.step(&mut opt).unwrap(); }
//! assert!(opt.lr(0).abs() < 1e-12);
//! ```

use super::base::{check_groups, check_metric, unsupported, write_lrs};
use super::{bisect_right, LrScheduler, SchedulerState};
use crate::{OptimError, Optimizer};

/// Children in sequence.
pub struct SequentialLR {
    children: Vec<Box<dyn LrScheduler>>,
    milestones: Vec<i64>,
    last_epoch: i64,
    last_lr: Vec<f64>,
}

const NAME: &str = "SequentialLR";

/// Checks the children of a composite: at least one, none that needs a metric, the same
/// number of groups as `opt`.
pub(crate) fn check_children(
    name: &'static str,
    opt: &dyn Optimizer,
    children: &[Box<dyn LrScheduler>],
) -> Result<(), OptimError> {
    if children.is_empty() {
        return Err(unsupported(
            name,
            &format!("{name} expects at least one scheduler, but got no scheduler"),
        ));
    }
    for (i, c) in children.iter().enumerate() {
        if let Some(what) = c.metric() {
            return Err(unsupported(
                name,
                &format!(
                    "{name} does not support {} (at index {i}): it needs the {what} at every \
                     step",
                    c.name()
                ),
            ));
        }
        if c.last_lr().len() != opt.num_groups() {
            return Err(unsupported(
                name,
                &format!(
                    "{} (at index {i}) drives {} param groups, the optimizer has {}; all \
                     schedulers must belong to the same optimizer",
                    c.name(),
                    c.last_lr().len(),
                    opt.num_groups()
                ),
            ));
        }
    }
    Ok(())
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
pub(crate) fn composite_options(
    children: &[Box<dyn LrScheduler>],
    milestones: Option<&[i64]>,
) -> String {
    let names: Vec<&str> = children.iter().map(|c| c.name()).collect();
    let mut v = serde_json::json!({ "schedulers": names });
    if let Some(m) = milestones {
        v["milestones"] = serde_json::json!(m);
    }
    v.to_string()
}

impl SequentialLR {
    /// `schedulers` in order (built on `opt`, in this order), switching at `milestones` (one
    /// fewer than the schedulers). Takes the construction step (see the module docs).
    pub fn new(
        opt: &mut dyn Optimizer,
        schedulers: Vec<Box<dyn LrScheduler>>,
        milestones: Vec<i64>,
    ) -> Result<Self, OptimError> {
        Self::with_last_epoch(opt, schedulers, milestones, -1)
    }

    /// PyTorch's constructor with `last_epoch` (its own step count starts at
    /// `last_epoch + 1`).
    pub fn with_last_epoch(
        opt: &mut dyn Optimizer,
        mut schedulers: Vec<Box<dyn LrScheduler>>,
        milestones: Vec<i64>,
        last_epoch: i64,
    ) -> Result<Self, OptimError> {
        check_children(NAME, opt, &schedulers)?;
        if milestones.len() + 1 != schedulers.len() {
            return Err(unsupported(
                NAME,
                &format!(
                    "Sequential Schedulers expects number of schedulers provided to be one more \
                     than the number of milestone points, but got number of schedulers {} and \
                     the number of milestones to be equal to {}",
                    schedulers.len(),
                    milestones.len()
                ),
            ));
        }
        // Reset the rates to their initial values.
        let initial = (0..opt.num_groups())
            .map(|g| {
                opt.group_value(g, "initial_lr").ok_or_else(|| {
                    unsupported(NAME, &format!("param group {g} has no 'initial_lr'"))
                })
            })
            .collect::<Result<Vec<f64>, _>>()?;
        write_lrs(NAME, opt, &initial)?;
        // "Undo" the construction steps of the children, then take the first one's.
        for c in schedulers.iter_mut() {
            c.undo();
        }
        let idx = bisect_right(&milestones, 0);
        schedulers[idx].initial_step(opt)?;
        let last_lr = schedulers[idx].last_lr();
        Ok(SequentialLR {
            children: schedulers,
            milestones,
            last_epoch: last_epoch + 1,
            last_lr,
        })
    }

    /// The children, in order.
    pub fn children(&self) -> &[Box<dyn LrScheduler>] {
        &self.children
    }
}

impl LrScheduler for SequentialLR {
    fn name(&self) -> &'static str {
        NAME
    }

    fn step_metric(
        &mut self,
        opt: &mut dyn Optimizer,
        metric: Option<f64>,
    ) -> Result<(), OptimError> {
        check_metric(NAME, None, metric)?;
        check_groups(NAME, opt, self.last_lr.len())?;
        let epoch = self.last_epoch + 1;
        let idx = bisect_right(&self.milestones, epoch);
        let child = &mut self.children[idx];
        if idx > 0 && self.milestones[idx - 1] == epoch {
            child.restart_at(opt, 0)?;
        } else {
            child.step(opt)?;
        }
        self.last_epoch = epoch;
        self.last_lr = child.last_lr();
        Ok(())
    }

    fn last_lr(&self) -> Vec<f64> {
        self.last_lr.clone()
    }

    fn last_epoch(&self) -> i64 {
        self.last_epoch
    }

    fn state(&self) -> SchedulerState {
        SchedulerState {
            scheduler: NAME.into(),
            options: composite_options(&self.children, Some(&self.milestones)),
            base_lrs: Vec::new(),
            last_epoch: self.last_epoch,
            step_count: 0,
            lrs: self.last_lr.clone(),
            scalars: Vec::new(),
            children: self.children.iter().map(|c| c.state()).collect(),
        }
    }

    fn load_state(&mut self, state: &SchedulerState) -> Result<(), OptimError> {
        state.check(
            NAME,
            &composite_options(&self.children, Some(&self.milestones)),
            self.last_lr.len(),
        )?;
        load_children(NAME, &mut self.children, &state.children)?;
        self.last_epoch = state.last_epoch;
        self.last_lr = state.lrs.clone();
        Ok(())
    }

    /// PyTorch's inherited `_initial_step`: one ordinary step of the sequence.
    fn initial_step(&mut self, opt: &mut dyn Optimizer) -> Result<(), OptimError> {
        self.step(opt)
    }

    fn restart_at(&mut self, _opt: &mut dyn Optimizer, _epoch: i64) -> Result<(), OptimError> {
        Err(unsupported(
            NAME,
            "a SequentialLR cannot restart at a milestone of an enclosing SequentialLR \
             (PyTorch raises NotImplementedError there too)",
        ))
    }

    fn undo(&mut self) {
        for c in self.children.iter_mut() {
            c.undo();
        }
    }
}
