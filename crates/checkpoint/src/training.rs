//! Capturing and restoring a whole training run in one call each: the model's params, the
//! optimizer's and the scheduler's state, every module's random generator (Dropout masks), and
//! the epoch and step counters.
//!
//! - [`Checkpoint::capture`] reads everything from the live objects.
//! - [`Checkpoint::restore`] writes it back into freshly built objects of the same shape
//!   (same architecture, same optimizer and scheduler kinds and options), so training goes on
//!   exactly as if it had never stopped.
//! - The caller's own generators (data shuffling, augmentation) go into
//!   [`Checkpoint::rngs`] by name ([`Checkpoint::with_rng`]) and come back with
//!   [`Checkpoint::rng`].
//!
//! Module generators are stored in [`Checkpoint::rngs`] under [`MODULE_RNG_PREFIX`] followed by
//! the module's dotted path (`"module:block.drop"`; the root module's own generator is
//! `"module:"`); other names are the caller's.
//!
//! **Exact resume.** Checkpoint at a step boundary (after `opt.step()` and
//! `sched.step(&mut opt)`): the optimizer's saved options already hold the rate the scheduler
//! set, and restoring brings both back as they were (build the fresh scheduler before
//! restoring: building one sets the optimizer's rate, restoring puts the saved one back). For data order, save the shuffling generator
//! as it was *before* the current epoch was shuffled, with the step; on resume, shuffle again
//! from it and skip the batches already done (as `tests/resume.rs` does).
//!
//! ```
//! use tapegrad_checkpoint::{load, save, Checkpoint};
//! use tapegrad_nn::{Dropout, Linear, Module, Sequential};
//! use tapegrad_optim::sched::{LrScheduler, StepLR, StepLRConfig};
//! use tapegrad_optim::{Adam, AdamConfig, Optimizer};
//! use tapegrad_tensor::{rng_from_seed, Tensor};
//!
//! fn build(seed: u64) -> (Sequential, Adam, StepLR) {
//!     let mut rng = rng_from_seed(seed);
//!     let model = Sequential::new()
//!         .append(Linear::new(3, 4, &mut rng))
//!         .append(Dropout::new(0.5, rng_from_seed(seed + 1)));
//!     let mut opt = Adam::new(model.params(), AdamConfig::default()).unwrap();
//!     let sched = StepLR::new(&mut opt, StepLRConfig { step_size: 2, gamma: 0.5 }).unwrap();
//!     (model, opt, sched)
//! }
//!
//! let (model, mut opt, mut sched) = build(0);
//! // ... train; then, at a step boundary:
//! for _ in 0..3 {
//!     opt.step().unwrap();
//!     sched.step(&mut opt).unwrap();
//! }
//! let shuffle = rng_from_seed(7);
//! let cp = Checkpoint::capture(&model, &opt, Some(&sched), 1, 3).with_rng("shuffle", &shuffle);
//! assert_eq!(cp.rngs.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["module:1", "shuffle"]);
//! let dir = std::env::temp_dir().join(format!("tapegrad-training-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! save(dir.join("run.ckpt"), &cp).unwrap();
//!
//! // Later, in a new process: build fresh objects (any init), then restore.
//! let (model2, mut opt2, mut sched2) = build(99);
//! let cp = load(dir.join("run.ckpt")).unwrap();
//! let report = cp.restore(&model2, &mut opt2, Some(&mut sched2), true).unwrap();
//! assert!(report.is_empty());
//! assert_eq!(model2.state_dict(), model.state_dict());
//! assert_eq!(opt2.lr(0), opt.lr(0));
//! assert_eq!(sched2.state(), sched.state());
//! let x = Tensor::ones(&[2, 3]);
//! assert_eq!(model2.predict(&x), model.predict(&x), "same dropout masks");
//! assert_eq!(cp.rng("shuffle"), Some(&shuffle));
//! assert_eq!((cp.epoch, cp.step), (1, 3));
//! # std::fs::remove_dir_all(&dir).ok();
//! ```

use crate::{Checkpoint, CheckpointError, MismatchReport};
use tapegrad_nn::Module;
use tapegrad_optim::sched::LrScheduler;
use tapegrad_optim::Optimizer;
use tapegrad_tensor::Rng;

/// The prefix of module generators' names in [`Checkpoint::rngs`]: `"module:"` + dotted path.
/// Names with this prefix are reserved for [`Checkpoint::capture`].
pub const MODULE_RNG_PREFIX: &str = "module:";

fn restore_error(what: &'static str, message: impl Into<String>) -> CheckpointError {
    CheckpointError::Restore {
        what,
        message: message.into(),
    }
}

impl Checkpoint {
    /// Everything needed to resume: `model`'s params by dotted name, `opt`'s state, `sched`'s
    /// state (if any), every module's random generator (by [`MODULE_RNG_PREFIX`] + path), and
    /// the counters `epoch` (epochs completed) and `step` (optimizer steps completed).
    pub fn capture(
        model: &dyn Module,
        opt: &dyn Optimizer,
        sched: Option<&dyn LrScheduler>,
        epoch: u64,
        step: u64,
    ) -> Checkpoint {
        let mut cp = Checkpoint::from_params(&model.named_params());
        cp.optimizer = Some(opt.state());
        cp.scheduler = sched.map(|s| s.state());
        cp.epoch = epoch;
        cp.step = step;
        cp.rngs = model
            .named_rngs()
            .into_iter()
            .map(|(path, rng)| (format!("{MODULE_RNG_PREFIX}{path}"), rng))
            .collect();
        cp
    }

    /// Adds (or replaces) the caller's generator `name` (data shuffling, augmentation...).
    /// Panics if `name` starts with [`MODULE_RNG_PREFIX`] (reserved for module generators).
    pub fn with_rng(mut self, name: impl Into<String>, rng: &Rng) -> Checkpoint {
        let name = name.into();
        assert!(
            !name.starts_with(MODULE_RNG_PREFIX),
            "Checkpoint::with_rng: names starting with {MODULE_RNG_PREFIX:?} are reserved for \
             module generators, got {name:?}"
        );
        match self.rngs.iter_mut().find(|(n, _)| *n == name) {
            Some((_, r)) => *r = rng.clone(),
            None => self.rngs.push((name, rng.clone())),
        }
        self
    }

    /// Adds (or replaces) the metadata entry `key`.
    pub fn with_meta(mut self, key: impl Into<String>, value: impl Into<String>) -> Checkpoint {
        let (key, value) = (key.into(), value.into());
        match self.metadata.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.metadata.push((key, value)),
        }
        self
    }

    /// The module generators, by dotted module path (without the prefix).
    pub fn module_rngs(&self) -> Vec<(String, Rng)> {
        self.rngs
            .iter()
            .filter_map(|(n, r)| {
                n.strip_prefix(MODULE_RNG_PREFIX)
                    .map(|p| (p.to_string(), r.clone()))
            })
            .collect()
    }

    /// Restores a run captured by [`Checkpoint::capture`] into `model`, `opt` and `sched`
    /// (built fresh, with the same architecture, optimizer and scheduler kinds and options).
    /// Epoch, step and the caller's generators stay in the checkpoint for the caller to read.
    ///
    /// Strict: every model param and module generator must be in the checkpoint (params with
    /// their shapes) and nothing else may be there, otherwise
    /// [`CheckpointError::Mismatch`]; a scheduler state in the checkpoint with no scheduler
    /// given is an error too. Non-strict: what fits is loaded and the rest reported (module
    /// generators appear in the report under their `"module:path"` names) and a saved
    /// scheduler state may be ignored.
    ///
    /// An optimizer or scheduler state that does not fit (other kind, other options, other
    /// group count or param shapes), or missing from the checkpoint, is
    /// [`CheckpointError::Restore`]. On any error nothing is changed: everything is checked
    /// before params and generators are written, and the optimizer is put back if the
    /// scheduler refuses its state.
    pub fn restore(
        &self,
        model: &dyn Module,
        opt: &mut dyn Optimizer,
        sched: Option<&mut dyn LrScheduler>,
        strict: bool,
    ) -> Result<MismatchReport, CheckpointError> {
        // 1. Check params and module generators without changing anything.
        let named = model.named_params();
        let mut report = MismatchReport::default();
        let saved = self.by_name();
        for (name, p) in &named {
            match saved.get(name.as_str()) {
                None => report.missing.push(name.clone()),
                Some(t) => {
                    let shape = t.checked_shape()?;
                    if shape != p.shape() {
                        report.mismatched.push((name.clone(), shape, p.shape()));
                    }
                }
            }
        }
        for t in &self.params {
            t.checked_shape()?;
        }
        report.unexpected = self.unexpected(&named);
        let model_rngs: Vec<String> = model.named_rngs().into_iter().map(|(p, _)| p).collect();
        let saved_rngs = self.module_rngs();
        for path in &model_rngs {
            if !saved_rngs.iter().any(|(p, _)| p == path) {
                report.missing.push(format!("{MODULE_RNG_PREFIX}{path}"));
            }
        }
        for (path, _) in &saved_rngs {
            if !model_rngs.contains(path) {
                report.unexpected.push(format!("{MODULE_RNG_PREFIX}{path}"));
            }
        }
        if strict && !report.is_empty() {
            return Err(CheckpointError::Mismatch(report));
        }

        // 2. Optimizer and scheduler: presence first, then load (each load is all or nothing).
        let opt_state = self
            .optimizer
            .as_ref()
            .ok_or_else(|| restore_error("optimizer", "the checkpoint holds no optimizer state"))?;
        let sched_state = match (&sched, &self.scheduler) {
            (Some(_), None) => {
                return Err(restore_error(
                    "scheduler",
                    "the checkpoint holds no scheduler state",
                ))
            }
            (None, Some(s)) if strict => {
                return Err(restore_error(
                    "scheduler",
                    format!(
                        "the checkpoint holds {} state but no scheduler was given \
                         (restore non-strictly to ignore it)",
                        s.scheduler
                    ),
                ))
            }
            (_, s) => s.as_ref(),
        };
        let previous = opt.state();
        opt.load_state(opt_state)
            .map_err(|e| restore_error("optimizer", e.to_string()))?;
        if let (Some(sched), Some(state)) = (sched, sched_state) {
            if let Err(e) = sched.load_state(state) {
                // Put the optimizer back as it was; its own state always fits it.
                let _ = opt.load_state(&previous);
                return Err(restore_error("scheduler", e.to_string()));
            }
        }

        // 3. Commit params and generators (checked above: these cannot fail now).
        self.load_params(&named, false)?;
        let fitting: Vec<(String, Rng)> = saved_rngs
            .into_iter()
            .filter(|(p, _)| model_rngs.contains(p))
            .collect();
        let unmatched = model.load_rngs(&fitting);
        debug_assert!(unmatched.is_empty(), "{unmatched:?}");
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tapegrad_nn::{Dropout, Linear, Sequential};
    use tapegrad_optim::sched::{ExponentialLR, ExponentialLRConfig, StepLR, StepLRConfig};
    use tapegrad_optim::{Adam, AdamConfig, Sgd, SgdConfig};
    use tapegrad_tensor::{rng_from_seed, Tensor};

    fn model(seed: u64, width: usize) -> Sequential {
        let mut rng = rng_from_seed(seed);
        Sequential::new()
            .append(Linear::new(3, width, &mut rng))
            .append(Dropout::new(0.5, rng_from_seed(seed + 1)))
    }

    fn adam(m: &Sequential, lr: f64) -> Adam {
        Adam::new(
            m.params(),
            AdamConfig {
                lr,
                ..Default::default()
            },
        )
        .unwrap()
    }

    fn step_lr(opt: &mut dyn Optimizer, step_size: u64) -> StepLR {
        StepLR::new(
            opt,
            StepLRConfig {
                step_size,
                gamma: 0.5,
            },
        )
        .unwrap()
    }

    /// A checkpoint after a few real steps (so the optimizer has per-param state).
    fn trained() -> Checkpoint {
        let m = model(0, 4);
        let mut opt = adam(&m, 0.1);
        let mut sched = step_lr(&mut opt, 1);
        for _ in 0..2 {
            for p in m.params() {
                p.set_grad(Some(Tensor::ones(&p.shape())));
            }
            opt.step().unwrap();
            sched.step(&mut opt).unwrap();
        }
        Checkpoint::capture(&m, &opt, Some(&sched), 0, 2)
    }

    fn snapshot(m: &Sequential, opt: &dyn Optimizer, s: &dyn LrScheduler) -> impl PartialEq {
        (m.state_dict(), m.named_rngs(), opt.state(), s.state())
    }

    #[test]
    fn mismatches_change_nothing() {
        let cp = trained();
        // Another optimizer kind.
        let m = model(5, 4);
        let mut sgd = Sgd::new(m.params(), SgdConfig::default()).unwrap();
        let mut s = step_lr(&mut sgd, 1);
        let before = snapshot(&m, &sgd, &s);
        let e = cp.restore(&m, &mut sgd, Some(&mut s), true).unwrap_err();
        assert!(
            matches!(
                e,
                CheckpointError::Restore {
                    what: "optimizer",
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("saved by Adam"), "{e}");
        assert!(before == snapshot(&m, &sgd, &s));

        // Other scheduler options: the optimizer (loaded first) is put back.
        let mut opt = adam(&m, 0.1);
        let mut s = step_lr(&mut opt, 3);
        let before = snapshot(&m, &opt, &s);
        let e = cp.restore(&m, &mut opt, Some(&mut s), true).unwrap_err();
        assert!(
            matches!(
                e,
                CheckpointError::Restore {
                    what: "scheduler",
                    ..
                }
            ),
            "{e}"
        );
        assert!(before == snapshot(&m, &opt, &s));

        // Another scheduler kind.
        let mut e_s = ExponentialLR::new(&mut opt, ExponentialLRConfig { gamma: 0.9 }).unwrap();
        let e = cp.restore(&m, &mut opt, Some(&mut e_s), true).unwrap_err();
        assert!(e.to_string().starts_with("restoring scheduler: "), "{e}");

        // A saved scheduler state with no scheduler: strict refuses, non-strict ignores it.
        let e = cp.restore(&m, &mut opt, None, true).unwrap_err();
        assert!(e.to_string().contains("no scheduler was given"), "{e}");
        assert!(cp.restore(&m, &mut opt, None, false).unwrap().is_empty());
    }

    #[test]
    fn strict_and_non_strict_params_and_rngs() {
        let cp = trained();
        let wide = model(5, 6);
        let mut opt = adam(&wide, 0.1);
        let mut s = step_lr(&mut opt, 1);
        let before = snapshot(&wide, &opt, &s);
        let e = cp.restore(&wide, &mut opt, Some(&mut s), true).unwrap_err();
        let CheckpointError::Mismatch(r) = &e else {
            panic!("{e}")
        };
        assert_eq!(r.mismatched.len(), 2, "{e}");
        assert!(before == snapshot(&wide, &opt, &s));

        // No dropout in the model: its saved generator is unexpected.
        let mut rng = rng_from_seed(3);
        let plain = Sequential::new().append(Linear::new(3, 4, &mut rng));
        let mut opt = adam(&plain, 0.1);
        let mut s = step_lr(&mut opt, 1);
        let e = cp
            .restore(&plain, &mut opt, Some(&mut s), true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unexpected module:1"), "{e}");
        let r = cp.restore(&plain, &mut opt, Some(&mut s), false).unwrap();
        assert_eq!(r.unexpected, ["module:1"]);
        assert_eq!(
            plain.state_dict()[0].1.to_vec(),
            cp.params[0].data,
            "what fits is loaded"
        );
        assert_eq!(s.state(), *cp.scheduler.as_ref().unwrap());
    }

    #[test]
    fn missing_optimizer_state_and_rng_helpers() {
        let mut cp = trained();
        cp.optimizer = None;
        let m = model(5, 4);
        let mut opt = adam(&m, 0.1);
        let e = cp.restore(&m, &mut opt, None, false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "restoring optimizer: the checkpoint holds no optimizer state"
        );
        let a = rng_from_seed(1);
        let b = rng_from_seed(2);
        let cp = cp
            .with_rng("data", &a)
            .with_rng("data", &b)
            .with_meta("k", "v");
        assert_eq!(cp.rng("data"), Some(&b));
        assert_eq!(cp.rngs.len(), 2);
        assert_eq!(cp.meta("k"), Some("v"));
        assert_eq!(cp.module_rngs()[0].0, "1");
    }

    #[test]
    fn captured_run_round_trips_through_the_file_format() {
        // Scheduler state is part of the payload: its exact-f64 encoding must decode from
        // bincode (a non-self-describing format) too.
        let cp = trained().with_rng("data", &rng_from_seed(3));
        let back = crate::from_bytes(&crate::to_bytes(&cp).unwrap()).unwrap();
        assert_eq!(back, cp);
    }

    #[test]
    #[should_panic(expected = "reserved for module generators")]
    fn module_prefix_is_reserved() {
        let _ = Checkpoint::default().with_rng("module:x", &rng_from_seed(0));
    }
}
