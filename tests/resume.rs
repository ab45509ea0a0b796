//! Exact resume, bit for bit.
//!
//! Each scenario trains `N` steps straight through; then, separately, trains `k` steps,
//! captures a checkpoint ([`Checkpoint::capture`]), saves it to a file and drops every object;
//! builds fresh ones (a model with a *different* init and dropout seed, a fresh optimizer and
//! scheduler, a differently seeded data generator), loads the file, restores, and trains the
//! remaining `N - k` steps. The final params (compared as f32 bits), the loss sequence (bits),
//! the learning rates, and the optimizer's and scheduler's final states must all be
//! identical to the straight run's.
//!
//! - (a) MLP, Adam + OneCycleLR (which also cycles Adam's beta1), full batch.
//! - (b) MLP, RMSprop + ReduceLROnPlateau fed the loss, with a threshold strict enough that
//!   the rate is cut several times, both before and after the checkpoint.
//! - (c) MLP with Dropout, mini-batches in a freshly shuffled order each epoch (a seeded
//!   tapegrad `Rng`). Resumed both mid-epoch (step 10 = epoch 2, batch 2 of 4) and at an
//!   epoch boundary (step 8). The data generator is saved as it was *before* the current
//!   epoch's shuffle (`rngs["data"]`, epoch in `cp.epoch`); on resume the epoch's order is
//!   shuffled again from it and the batches already done are skipped.

use rand::seq::SliceRandom;
use std::path::PathBuf;
use tapegrad::checkpoint::{load, save, Checkpoint};
use tapegrad::nn::{Dropout, Linear, MSELoss, Module, Tanh};
use tapegrad::optim::sched::{
    LrScheduler, OneCycleLR, OneCycleLRConfig, ReduceLROnPlateau, ReduceLROnPlateauConfig,
};
use tapegrad::optim::{Adam, AdamConfig, Optimizer, Rmsprop, RmspropConfig};
use tapegrad::tensor::{rng_from_seed, Rng, Tape, Tensor, Var};

const SAMPLES: usize = 24;
const BATCH: usize = 6;
const BATCHES: u64 = (SAMPLES / BATCH) as u64;

/// Two-layer perceptron, optionally with Dropout between the layers.
struct Net {
    fc1: Linear,
    act: Tanh,
    drop: Option<Dropout>,
    fc2: Linear,
}

// `children!(..)` is the usual way to name children; `Net` has an optional one, so it
// writes `children` by hand.
impl Module for Net {
    fn forward(&self, x: &Var) -> Var {
        let h = self.act.forward(&self.fc1.forward(x));
        let h = match &self.drop {
            Some(d) => d.forward(&h),
            None => h,
        };
        self.fc2.forward(&h)
    }
    fn children(&self) -> Vec<(&str, &dyn Module)> {
        let mut c: Vec<(&str, &dyn Module)> = vec![("fc1", &self.fc1), ("act", &self.act)];
        if let Some(d) = &self.drop {
            c.push(("drop", d));
        }
        c.push(("fc2", &self.fc2));
        c
    }
}

fn net(seed: u64, dropout: bool) -> Net {
    let mut rng = rng_from_seed(seed);
    Net {
        fc1: Linear::new(4, 16, &mut rng),
        act: Tanh,
        drop: dropout.then(|| Dropout::new(0.25, rng_from_seed(seed ^ 0xD0))),
        fc2: Linear::new(16, 2, &mut rng),
    }
}

/// A fixed regression set: `SAMPLES` rows of 4 inputs, 2 targets.
fn data() -> (Vec<f32>, Vec<f32>) {
    let mut rng = rng_from_seed(1234);
    let x = Tensor::randn(&[SAMPLES, 4], 0.0, 1.0, &mut rng).to_vec();
    let y = (0..SAMPLES)
        .flat_map(|i| {
            let r = &x[i * 4..i * 4 + 4];
            [(r[0] * r[1] + r[2]).sin(), r[3] * 0.5 - r[0] * r[0] * 0.25]
        })
        .collect();
    (x, y)
}

fn rows(all: &[f32], width: usize, idx: &[usize]) -> Tensor {
    let v = idx
        .iter()
        .flat_map(|&i| all[i * width..(i + 1) * width].iter().copied())
        .collect();
    Tensor::from_vec(v, &[idx.len(), width])
}

/// Mini-batch order: the generator as it was before epoch `epoch`'s shuffle, and that order.
struct Loader {
    epoch: u64,
    start: Rng,
    after: Rng,
    order: Vec<usize>,
}

impl Loader {
    fn at(epoch: u64, start: Rng) -> Loader {
        let mut after = start.clone();
        let mut order: Vec<usize> = (0..SAMPLES).collect();
        order.shuffle(&mut after);
        Loader {
            epoch,
            start,
            after,
            order,
        }
    }

    fn batch(&mut self, step: u64) -> Vec<usize> {
        while self.epoch < step / BATCHES {
            *self = Loader::at(self.epoch + 1, self.after.clone());
        }
        let b = (step % BATCHES) as usize;
        self.order[b * BATCH..(b + 1) * BATCH].to_vec()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Scenario {
    AdamOneCycle,
    RmspropPlateau,
    DropoutShuffled,
}

const STEPS: u64 = 40;

/// Everything a run holds. Built fresh from `seed`; only the seeds differ between builds.
struct Run {
    scenario: Scenario,
    model: Net,
    opt: Box<dyn Optimizer>,
    sched: Box<dyn LrScheduler>,
    loader: Option<Loader>,
    data: (Vec<f32>, Vec<f32>),
}

impl Run {
    fn build(scenario: Scenario, seed: u64) -> Run {
        let model = net(seed, scenario == Scenario::DropoutShuffled);
        let (opt, sched): (Box<dyn Optimizer>, Box<dyn LrScheduler>) = match scenario {
            Scenario::AdamOneCycle => {
                let mut opt = Adam::new(
                    model.params(),
                    AdamConfig {
                        lr: 0.01,
                        ..Default::default()
                    },
                )
                .unwrap();
                let cfg = OneCycleLRConfig {
                    total_steps: Some(STEPS),
                    ..OneCycleLRConfig::new(0.05)
                };
                let sched = OneCycleLR::new(&mut opt, cfg).unwrap();
                (Box::new(opt), Box::new(sched))
            }
            Scenario::RmspropPlateau => {
                let opt = Rmsprop::new(
                    model.params(),
                    RmspropConfig {
                        lr: 0.01,
                        momentum: 0.5,
                        ..Default::default()
                    },
                )
                .unwrap();
                // Only a 20% improvement on the best counts: the rate is cut every few steps.
                let cfg = ReduceLROnPlateauConfig {
                    patience: 1,
                    factor: 0.5,
                    threshold: 0.2,
                    ..Default::default()
                };
                let sched = ReduceLROnPlateau::new(&opt, cfg).unwrap();
                (Box::new(opt), Box::new(sched))
            }
            Scenario::DropoutShuffled => {
                let mut opt = Adam::new(
                    model.params(),
                    AdamConfig {
                        lr: 0.02,
                        ..Default::default()
                    },
                )
                .unwrap();
                let cfg = OneCycleLRConfig {
                    total_steps: Some(STEPS),
                    ..OneCycleLRConfig::new(0.03)
                };
                let sched = OneCycleLR::new(&mut opt, cfg).unwrap();
                (Box::new(opt), Box::new(sched))
            }
        };
        let loader = (scenario == Scenario::DropoutShuffled)
            .then(|| Loader::at(0, rng_from_seed(seed.wrapping_mul(31) + 7)));
        Run {
            scenario,
            model,
            opt,
            sched,
            loader,
            data: data(),
        }
    }

    /// Steps `from..to`; returns (loss bits, rate used) per step.
    fn train(&mut self, from: u64, to: u64) -> Vec<(u32, f64)> {
        let mut out = Vec::new();
        for step in from..to {
            let idx: Vec<usize> = match &mut self.loader {
                Some(l) => l.batch(step),
                None => (0..SAMPLES).collect(),
            };
            let x = rows(&self.data.0, 4, &idx);
            let y = rows(&self.data.1, 2, &idx);
            let lr = self.opt.lr(0);
            self.opt.zero_grad();
            let tape = Tape::new();
            let pred = self.model.forward(&tape.constant(x));
            let loss = MSELoss::new().forward(&pred, &tape.constant(y));
            let l = loss.value().item();
            loss.backward();
            self.opt.step().unwrap();
            let metric = (self.scenario == Scenario::RmspropPlateau).then_some(l as f64);
            self.sched.step_metric(&mut *self.opt, metric).unwrap();
            out.push((l.to_bits(), lr));
        }
        out
    }

    fn capture(&self, step: u64) -> Checkpoint {
        let cp = Checkpoint::capture(
            &self.model,
            &*self.opt,
            Some(&*self.sched),
            step / BATCHES,
            step,
        );
        match &self.loader {
            Some(l) => {
                // At an epoch boundary the next epoch has not been shuffled yet.
                let before_shuffle = if step == (l.epoch + 1) * BATCHES {
                    &l.after
                } else {
                    assert_eq!(l.epoch, step / BATCHES);
                    &l.start
                };
                cp.with_rng("data", before_shuffle)
            }
            None => cp,
        }
    }

    fn restore(&mut self, cp: &Checkpoint) {
        let report = cp
            .restore(&self.model, &mut *self.opt, Some(&mut *self.sched), true)
            .unwrap();
        assert!(report.is_empty(), "{report}");
        if self.loader.is_some() {
            self.loader = Some(Loader::at(cp.epoch, cp.rng("data").unwrap().clone()));
        }
    }

    fn param_bits(&self) -> Vec<(String, Vec<u32>)> {
        self.model
            .named_params()
            .into_iter()
            .map(|(n, p)| (n, p.value().to_vec().iter().map(|x| x.to_bits()).collect()))
            .collect()
    }
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tapegrad-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Straight vs. interrupted at `k`; returns the straight run's per-step (loss, lr).
fn check_resume(scenario: Scenario, k: u64, name: &str) -> Vec<(u32, f64)> {
    let mut straight = Run::build(scenario, 1);
    let expected = straight.train(0, STEPS);

    let path = temp_path(name);
    let mut seen = {
        let mut first = Run::build(scenario, 1);
        let seen = first.train(0, k);
        save(&path, &first.capture(k)).unwrap();
        seen
        // `first` (model, optimizer, scheduler, loader) is dropped here.
    };
    let mut second = Run::build(scenario, 2);
    assert_ne!(
        second.param_bits(),
        Run::build(scenario, 1).param_bits(),
        "the fresh model must start elsewhere"
    );
    let cp = load(&path).unwrap();
    assert_eq!(cp.step, k);
    second.restore(&cp);
    seen.extend(second.train(k, STEPS));
    std::fs::remove_file(&path).ok();

    assert_eq!(seen.len(), expected.len());
    for (i, (a, b)) in seen.iter().zip(&expected).enumerate() {
        assert_eq!(
            a,
            b,
            "{name}: step {i}: resumed loss {} lr {}, straight loss {} lr {}",
            f32::from_bits(a.0),
            a.1,
            f32::from_bits(b.0),
            b.1
        );
    }
    assert_eq!(second.param_bits(), straight.param_bits(), "{name}: params");
    assert_eq!(second.opt.state(), straight.opt.state(), "{name}");
    assert_eq!(second.sched.state(), straight.sched.state(), "{name}");
    if let (Some(a), Some(b)) = (&second.loader, &straight.loader) {
        assert_eq!((a.epoch, &a.after), (b.epoch, &b.after));
    }
    expected
}

#[test]
fn adam_one_cycle_resumes_bit_for_bit() {
    let run = check_resume(Scenario::AdamOneCycle, 17, "adam.ckpt");
    // The schedule really moves: the rate rises to the peak and falls again.
    let peak = run.iter().map(|r| r.1).fold(0.0, f64::max);
    assert_eq!(peak, 0.05);
    assert!(run[0].1 < 0.01 && run[STEPS as usize - 1].1 < 1e-4);
}

#[test]
fn rmsprop_plateau_resumes_bit_for_bit() {
    let k = 20;
    let run = check_resume(Scenario::RmspropPlateau, k, "rmsprop.ckpt");
    let cuts = |r: &[(u32, f64)]| r.windows(2).filter(|w| w[1].1 < w[0].1).count();
    let (before, after) = run.split_at(k as usize);
    assert!(
        cuts(before) >= 1 && cuts(&run[k as usize - 1..]) >= 1,
        "the plateau must trigger before and after the checkpoint: {:?}",
        run.iter().map(|r| r.1).collect::<Vec<_>>()
    );
    assert!(after.last().unwrap().1 < 0.01);
}

#[test]
fn dropout_and_shuffled_batches_resume_mid_epoch() {
    // Step 10: epoch 2, batch 2 of 4.
    check_resume(Scenario::DropoutShuffled, 10, "dropout-mid.ckpt");
}

#[test]
fn dropout_and_shuffled_batches_resume_at_epoch_boundary() {
    // Step 8: two epochs done, the third not yet shuffled.
    check_resume(Scenario::DropoutShuffled, 8, "dropout-boundary.ckpt");
}

#[test]
fn dropout_and_shuffling_matter() {
    // Guard against a vacuous pass: without restoring the dropout generator (or the data
    // order) the resumed run diverges.
    let k = 10;
    let mut straight = Run::build(Scenario::DropoutShuffled, 1);
    let expected = straight.train(0, STEPS);
    let mut first = Run::build(Scenario::DropoutShuffled, 1);
    first.train(0, k);
    let cp = first.capture(k);
    for drop_what in ["module:drop", "data"] {
        let mut cp = cp.clone();
        let fresh = Run::build(Scenario::DropoutShuffled, 2);
        let other = match drop_what {
            "data" => fresh.loader.as_ref().unwrap().start.clone(),
            _ => fresh.model.drop.as_ref().unwrap().rng_state(),
        };
        cp.rngs.iter_mut().find(|(n, _)| n == drop_what).unwrap().1 = other;
        let mut second = fresh;
        second.restore(&cp);
        let rest = second.train(k, STEPS);
        assert_ne!(
            rest.as_slice(),
            &expected[k as usize..],
            "replacing {drop_what} changed nothing"
        );
    }
}
