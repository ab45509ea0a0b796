//! Save/restore for every scheduler: run `k` steps, export the optimizer's and the
//! scheduler's states through JSON, import them into a fresh optimizer and a freshly built
//! scheduler (in that order: building a scheduler sets the rates, loading the optimizer's
//! state puts the saved ones back), continue; the rates and momenta must equal those of an
//! uninterrupted run bit for bit.

use serde_json::json;
use tapegrad_optim::sched::*;
use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
use tapegrad_tensor::{Param, Tensor};

const STEPS: u64 = 40;

/// SGD with two groups (lr 0.1 and 0.05, momentum 0.9).
fn optimizer() -> Sgd {
    let cfg = |lr| SgdConfig {
        lr,
        momentum: 0.9,
        ..Default::default()
    };
    let mut opt = Sgd::new(vec![Param::new("a", Tensor::zeros(&[2]))], cfg(0.1)).unwrap();
    opt.add_group(vec![Param::new("b", Tensor::zeros(&[3]))], cfg(0.05))
        .unwrap();
    opt
}

/// A loss that falls, then plateaus with noise (drives ReduceLROnPlateau and LossScaledLR).
fn metric(t: u64) -> f64 {
    if t < 10 {
        1.0 / (1.0 + 0.3 * t as f64)
    } else {
        0.25 + 0.001 * ((t * 7) % 5) as f64
    }
}

type Builder = fn(&mut dyn Optimizer) -> Box<dyn LrScheduler>;

fn reg(name: &str, opt: &mut dyn Optimizer, options: serde_json::Value) -> Box<dyn LrScheduler> {
    scheduler_from_options(name, opt, &options).unwrap()
}

fn builders() -> Vec<(&'static str, Builder)> {
    vec![
        ("ConstantLR", |o| {
            reg("ConstantLR", o, json!({"factor": 0.5, "total_iters": 5}))
        }),
        ("StepLR", |o| {
            reg("StepLR", o, json!({"step_size": 7, "gamma": 0.5}))
        }),
        ("MultiStepLR", |o| {
            reg(
                "MultiStepLR",
                o,
                json!({"milestones": [5, 12, 30], "gamma": 0.3}),
            )
        }),
        ("ExponentialLR", |o| {
            reg("ExponentialLR", o, json!({"gamma": 0.93}))
        }),
        ("PolynomialLR", |o| {
            reg("PolynomialLR", o, json!({"total_iters": 30, "power": 2.0}))
        }),
        ("LinearLR", |o| {
            reg(
                "LinearLR",
                o,
                json!({"start_factor": 0.1, "total_iters": 10}),
            )
        }),
        ("CosineAnnealingLR", |o| {
            reg(
                "CosineAnnealingLR",
                o,
                json!({"T_max": 15, "eta_min": 0.001}),
            )
        }),
        ("CosineAnnealingWarmRestarts", |o| {
            reg(
                "CosineAnnealingWarmRestarts",
                o,
                json!({"T_0": 3, "T_mult": 2, "eta_min": 0.002}),
            )
        }),
        ("CyclicLR triangular", |o| {
            reg(
                "CyclicLR",
                o,
                json!({"base_lr": 0.01, "max_lr": [0.1, 0.2], "step_size_up": 4}),
            )
        }),
        ("CyclicLR triangular2", |o| {
            reg(
                "CyclicLR",
                o,
                json!({"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 5, "mode": "triangular2"}),
            )
        }),
        ("CyclicLR exp_range", |o| {
            reg(
                "CyclicLR",
                o,
                json!({"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5, "mode": "exp_range", "gamma": 0.97, "cycle_momentum": false}),
            )
        }),
        ("OneCycleLR cos", |o| {
            reg(
                "OneCycleLR",
                o,
                json!({"max_lr": 0.5, "total_steps": STEPS + 1}),
            )
        }),
        ("OneCycleLR linear three_phase", |o| {
            reg(
                "OneCycleLR",
                o,
                json!({"max_lr": [0.5, 0.3], "total_steps": STEPS + 1, "anneal_strategy": "linear", "three_phase": true, "pct_start": 0.25}),
            )
        }),
        ("LambdaLR", |o| {
            Box::new(
                LambdaLR::new(o, LambdaLRConfig::new(|t| 1.0 / (1.0 + 0.1 * t as f64))).unwrap(),
            )
        }),
        ("MultiplicativeLR", |o| {
            Box::new(
                MultiplicativeLR::new(
                    o,
                    MultiplicativeLRConfig::new(|t| if t % 3 == 0 { 0.9 } else { 0.99 }),
                )
                .unwrap(),
            )
        }),
        ("SequentialLR", |o| {
            reg(
                "SequentialLR",
                o,
                json!({"schedulers": [
                {"scheduler": "LinearLR", "options": {"start_factor": 0.01, "total_iters": 5}},
                {"scheduler": "CosineAnnealingLR", "options": {"T_max": 20}},
                {"scheduler": "ExponentialLR", "options": {"gamma": 0.9}}], "milestones": [5, 25]}),
            )
        }),
        ("ChainedScheduler", |o| {
            reg(
                "ChainedScheduler",
                o,
                json!({"schedulers": [
                {"scheduler": "ConstantLR", "options": {"factor": 0.5, "total_iters": 4}},
                {"scheduler": "ExponentialLR", "options": {"gamma": 0.95}},
                {"scheduler": "CyclicLR", "options": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3}}]}),
            )
        }),
        ("ReduceLROnPlateau", |o| {
            reg(
                "ReduceLROnPlateau",
                o,
                json!({"factor": 0.5, "patience": 3, "threshold": 1e-2, "cooldown": 2, "min_lr": [0.001, 0.0]}),
            )
        }),
        ("ReduceLROnPlateau max abs", |o| {
            reg(
                "ReduceLROnPlateau",
                o,
                json!({"mode": "max", "factor": 0.2, "patience": 2, "threshold": 0.05, "threshold_mode": "abs"}),
            )
        }),
        ("SWALR", |o| {
            reg(
                "SWALR",
                o,
                json!({"swa_lr": [0.01, 0.02], "anneal_epochs": 7, "anneal_strategy": "linear"}),
            )
        }),
        ("InverseTimeDecay", |o| {
            reg("InverseTimeDecay", o, json!({"decay_rate": 0.15}))
        }),
        ("LossScaledLR", |o| {
            reg("LossScaledLR", o, json!({"beta": 0.5}))
        }),
        ("GradNormScaledLR", |o| {
            reg("GradNormScaledLR", o, json!({"beta": 0.2}))
        }),
    ]
}

/// The optimizer's rates and momenta and the scheduler's last rates, as bits.
type Snapshot = (Vec<u64>, Vec<Option<u64>>, Vec<u64>);
type Trace = Vec<Snapshot>;

fn snapshot(opt: &dyn Optimizer, s: &dyn LrScheduler) -> Snapshot {
    let groups = 0..opt.num_groups();
    (
        groups.clone().map(|g| opt.lr(g).to_bits()).collect(),
        groups.map(|g| opt.momentum(g).map(f64::to_bits)).collect(),
        s.last_lr().into_iter().map(f64::to_bits).collect(),
    )
}

fn run(opt: &mut dyn Optimizer, s: &mut dyn LrScheduler, from: u64, to: u64, trace: &mut Trace) {
    for t in from..to {
        match s.metric() {
            Some(_) => s.step_with(opt, metric(t)).unwrap(),
            None => s.step(opt).unwrap(),
        }
        trace.push(snapshot(opt, s));
    }
}

#[test]
fn every_scheduler_resumes_exactly() {
    let names: Vec<&str> = builders().iter().map(|(n, _)| *n).collect();
    // every scheduler of the registry (and the two closure ones) is covered
    for known in scheduler_names() {
        assert!(
            names.iter().any(|n| n.starts_with(known)),
            "{known} not covered"
        );
    }
    for (name, build) in builders() {
        let mut opt = optimizer();
        let mut whole = build(&mut opt);
        let mut want = vec![snapshot(&opt, whole.as_ref())];
        run(&mut opt, whole.as_mut(), 0, STEPS, &mut want);
        for k in [0, 1, 4, 5, 13, 26, STEPS - 1, STEPS] {
            let mut opt = optimizer();
            let mut first = build(&mut opt);
            let mut got = vec![snapshot(&opt, first.as_ref())];
            run(&mut opt, first.as_mut(), 0, k, &mut got);
            let json = serde_json::to_string(&first.state()).unwrap();
            let state: SchedulerState = serde_json::from_str(&json).unwrap();
            assert_eq!(state, first.state(), "{name}: state changed through JSON");
            let opt_json = serde_json::to_string(&opt.state()).unwrap();
            let mut fresh = optimizer();
            let mut second = build(&mut fresh);
            fresh
                .load_state(&serde_json::from_str(&opt_json).unwrap())
                .unwrap();
            second.load_state(&state).unwrap();
            assert_eq!(second.last_epoch(), first.last_epoch(), "{name}");
            assert_eq!(
                snapshot(&fresh, second.as_ref()),
                got[k as usize],
                "{name} at {k}"
            );
            run(&mut fresh, second.as_mut(), k, STEPS, &mut got);
            assert_eq!(got, want, "{name}: resumed at step {k}");
        }
    }
}

#[test]
fn construction_writes_rates_and_momenta() {
    let mut opt = optimizer();
    let mut s = scheduler_from_options(
        "CyclicLR",
        &mut opt,
        &json!({"base_lr": [0.01, 0.02], "max_lr": 0.1, "step_size_up": 2}),
    )
    .unwrap();
    assert_eq!((opt.lr(0), opt.lr(1)), (0.01, 0.02));
    assert_eq!(opt.momentum(0), Some(0.9)); // max_momentum at the bottom of the cycle
    s.step(&mut opt).unwrap();
    s.step(&mut opt).unwrap();
    assert_eq!((opt.lr(0), opt.lr(1)), (0.1, 0.1));
    assert_eq!(opt.momentum(1), Some(0.8));
}

#[test]
fn load_state_refuses_a_foreign_state_and_changes_nothing() {
    let mut opt = optimizer();
    let mut step = scheduler_from_options("StepLR", &mut opt, &json!({"step_size": 3})).unwrap();
    let mut other = scheduler_from_options("StepLR", &mut opt, &json!({"step_size": 4})).unwrap();
    for _ in 0..5 {
        other.step(&mut opt).unwrap();
    }
    let exp = scheduler_from_options("ExponentialLR", &mut opt, &json!({"gamma": 0.5})).unwrap();
    let before = step.state();
    let e = step.load_state(&exp.state()).unwrap_err().to_string();
    assert!(e.contains("saved by ExponentialLR"), "{e}");
    let e = step.load_state(&other.state()).unwrap_err().to_string();
    assert!(e.contains("options"), "{e}");
    assert_eq!(step.state(), before);

    // a composite rolls its children back when one of them refuses
    let seq = |o: &mut dyn Optimizer| {
        scheduler_from_options(
            "SequentialLR",
            o,
            &json!({"schedulers": [
                {"scheduler": "LinearLR", "options": {}},
                {"scheduler": "ExponentialLR", "options": {"gamma": 0.9}}], "milestones": [5]}),
        )
        .unwrap()
    };
    let mut a = seq(&mut opt);
    let mut b = seq(&mut opt);
    for _ in 0..7 {
        b.step(&mut opt).unwrap();
    }
    let mut bad = b.state();
    bad.children[1].scheduler = "StepLR".into();
    let before = a.state();
    assert!(a.load_state(&bad).is_err());
    assert_eq!(a.state(), before);
    // plateau's best is infinite before its first step and survives JSON
    let p = scheduler_from_options("ReduceLROnPlateau", &mut opt, &json!({})).unwrap();
    let json = serde_json::to_string(&p.state()).unwrap();
    let back: SchedulerState = serde_json::from_str(&json).unwrap();
    assert_eq!(back.scalar("best").unwrap(), f64::INFINITY);
}

#[test]
fn chained_composes_like_pytorch() {
    // ChainedScheduler([ConstantLR(0.1, 3), ExponentialLR(0.9)]) on lr 1 in PyTorch:
    // 0.1, 0.09, 0.081, 0.729, 0.6561, ...
    let mut opt = Sgd::new(
        vec![Param::new("w", Tensor::zeros(&[1]))],
        SgdConfig {
            lr: 1.0,
            ..Default::default()
        },
    )
    .unwrap();
    let mut s = scheduler_from_options(
        "ChainedScheduler",
        &mut opt,
        &json!({"schedulers": [
            {"scheduler": "ConstantLR", "options": {"factor": 0.1, "total_iters": 3}},
            {"scheduler": "ExponentialLR", "options": {"gamma": 0.9}}]}),
    )
    .unwrap();
    let want = [0.1, 0.09, 0.081, 0.729, 0.6561];
    for (t, w) in want.iter().enumerate() {
        if t > 0 {
            s.step(&mut opt).unwrap();
        }
        assert!(
            (opt.lr(0) - w).abs() < 1e-12,
            "step {t}: {} vs {w}",
            opt.lr(0)
        );
    }
}
