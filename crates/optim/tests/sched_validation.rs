//! Schedulers refuse invalid options at construction with a message naming the value.

use serde_json::json;
use tapegrad_optim::sched::*;
use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
use tapegrad_tensor::{Param, Tensor};

fn w() -> Vec<Param> {
    vec![Param::new("w", Tensor::zeros(&[1]))]
}

fn opt() -> Sgd {
    Sgd::new(
        w(),
        SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            ..Default::default()
        },
    )
    .unwrap()
}

fn err(name: &str, options: serde_json::Value) -> String {
    match scheduler_from_options(name, &mut opt(), &options) {
        Ok(_) => panic!("{name} {options} was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn invalid_hyperparameters_are_refused_with_clear_messages() {
    let cases: &[(&str, serde_json::Value, &str)] = &[
        (
            "StepLR",
            json!({"step_size": 0}),
            "invalid step_size: 0 (must be >= 1)",
        ),
        (
            "StepLR",
            json!({"step_size": 3, "gamma": -0.5}),
            "invalid gamma: -0.5",
        ),
        ("ExponentialLR", json!({"gamma": -1.0}), "invalid gamma: -1"),
        ("CosineAnnealingLR", json!({"T_max": 0}), "invalid T_max: 0"),
        (
            "CosineAnnealingLR",
            json!({"T_max": 5, "eta_min": "x"}),
            "invalid type",
        ),
        (
            "StepLR",
            json!({"step_size": 3, "last_epoch": 4}),
            "has no 'initial_lr'",
        ),
        (
            "StepLR",
            json!({"step_size": 3, "last_epoch": -2}),
            "invalid last_epoch: -2",
        ),
        (
            "ReduceLROnPlateau",
            json!({"last_epoch": 3}),
            "unknown option 'last_epoch'",
        ),
        (
            "SequentialLR",
            json!({"schedulers": [{"scheduler": "LossScaledLR", "options": {"beta": 1.0}}], "milestones": []}),
            "does not support LossScaledLR",
        ),
        (
            "CosineAnnealingWarmRestarts",
            json!({"T_0": 0}),
            "invalid T_0: 0",
        ),
        (
            "CosineAnnealingWarmRestarts",
            json!({"T_0": 2, "T_mult": 0}),
            "invalid T_mult: 0",
        ),
        ("ConstantLR", json!({"factor": 1.5}), "invalid factor: 1.5"),
        ("ConstantLR", json!({"factor": 0.0}), "invalid factor: 0"),
        (
            "LinearLR",
            json!({"start_factor": 0.0}),
            "invalid start_factor: 0",
        ),
        (
            "LinearLR",
            json!({"end_factor": 1.5}),
            "invalid end_factor: 1.5",
        ),
        ("PolynomialLR", json!({"power": -1.0}), "invalid power: -1"),
        (
            "ReduceLROnPlateau",
            json!({"factor": 1.0}),
            "invalid factor: 1 (factor should be < 1.0)",
        ),
        (
            "ReduceLROnPlateau",
            json!({"factor": 2.0}),
            "invalid factor: 2",
        ),
        (
            "ReduceLROnPlateau",
            json!({"min_lr": [0.1, 0.2]}),
            "expected 1 values, one per group",
        ),
        (
            "ReduceLROnPlateau",
            json!({"mode": "median"}),
            "unknown variant `median`",
        ),
        (
            "ReduceLROnPlateau",
            json!({"threshold_mode": "pct"}),
            "unknown variant `pct`",
        ),
        (
            "CyclicLR",
            json!({"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 0}),
            "invalid step_size_up: 0",
        ),
        (
            "CyclicLR",
            json!({"base_lr": 0.01, "max_lr": 0.1, "mode": "sawtooth"}),
            "unknown variant `sawtooth`",
        ),
        (
            "CyclicLR",
            json!({"base_lr": -0.01, "max_lr": 0.1}),
            "invalid learning rate: -0.01",
        ),
        (
            "CyclicLR",
            json!({"max_lr": 0.1}),
            "missing field `base_lr`",
        ),
        (
            "OneCycleLR",
            json!({"max_lr": 0.1}),
            "either total_steps or (epochs and steps_per_epoch)",
        ),
        (
            "OneCycleLR",
            json!({"max_lr": 0.1, "total_steps": 0}),
            "invalid total_steps: 0",
        ),
        (
            "OneCycleLR",
            json!({"max_lr": 0.1, "total_steps": 10, "pct_start": 1.5}),
            "invalid pct_start: 1.5",
        ),
        (
            "OneCycleLR",
            json!({"max_lr": 0.1, "total_steps": 10, "anneal_strategy": "exp"}),
            "unknown variant `exp`",
        ),
        (
            "InverseTimeDecay",
            json!({"decay_rate": -0.1}),
            "invalid decay_rate: -0.1",
        ),
        ("LossScaledLR", json!({"beta": -1.0}), "invalid beta: -1"),
        ("GradNormScaledLR", json!({"beta": f64::NAN}), "invalid"),
        ("StepLR", json!({"gamma": 0.5}), "missing field `step_size`"),
        (
            "StepLR",
            json!({"step_size": 2, "gama": 0.5}),
            "unknown field `gama`",
        ),
        (
            "SequentialLR",
            json!({"schedulers": [{"scheduler": "StepLR", "options": {"step_size": 2}}], "milestones": [3]}),
            "one more than the number of milestone points",
        ),
        (
            "SequentialLR",
            json!({"schedulers": [
            {"scheduler": "StepLR", "options": {"step_size": 2}},
            {"scheduler": "ReduceLROnPlateau", "options": {}}], "milestones": [3]}),
            "does not support ReduceLROnPlateau",
        ),
        (
            "SequentialLR",
            json!({"schedulers": [], "milestones": []}),
            "at least one scheduler",
        ),
        (
            "SequentialLR",
            json!({"schedulers": [{"scheduler": "StepLR", "options": {"step_size": 0}}], "milestones": []}),
            "invalid step_size: 0",
        ),
        (
            "ChainedScheduler",
            json!({"schedulers": [{"scheduler": "Nope"}]}),
            "unknown scheduler 'Nope'",
        ),
        ("NoSuchLR", json!({}), "unknown scheduler 'NoSuchLR'"),
        ("LambdaLR", json!({}), "takes a closure"),
        ("StepLR", json!([1, 2]), "options must be an object"),
    ];
    for (name, options, want) in cases {
        let e = err(name, options.clone());
        assert!(
            e.contains(want),
            "{name} {options}: got '{e}', want it to contain '{want}'"
        );
    }
}

#[test]
fn metric_driven_schedules_need_their_metric() {
    for name in ["ReduceLROnPlateau", "LossScaledLR", "GradNormScaledLR"] {
        let opts = if name == "ReduceLROnPlateau" {
            json!({})
        } else {
            json!({"beta": 0.1})
        };
        let mut o = opt();
        let mut s = scheduler_from_options(name, &mut o, &opts).unwrap();
        let e = s.step(&mut o).unwrap_err().to_string();
        assert!(e.contains("needs the"), "{name}: {e}");
        assert_eq!(s.last_epoch(), 0, "{name}: a refused step is not counted");
    }
}

#[test]
fn one_cycle_refuses_to_step_past_its_total() {
    let mut o = opt();
    let mut s = OneCycleLR::new(
        &mut o,
        OneCycleLRConfig {
            total_steps: Some(3),
            ..OneCycleLRConfig::new(1.0)
        },
    )
    .unwrap();
    for _ in 0..3 {
        s.step(&mut o).unwrap();
    }
    let lr = o.lr(0);
    let e = s.step(&mut o).unwrap_err().to_string();
    assert_eq!(o.lr(0), lr, "a refused step changes nothing");
    assert!(e.contains("tried to step 4 times"), "{e}");
}

#[test]
fn cycling_momentum_needs_per_group_values_and_a_momentum() {
    let mut o = opt();
    o.add_group(
        w(),
        SgdConfig {
            lr: 0.2,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(o.num_groups(), 2);
    let e = scheduler_from_options(
        "CyclicLR",
        &mut o,
        &json!({"base_lr": [0.1], "max_lr": 1.0}),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains("invalid base_lr") && e.contains("expected 2 values"),
        "{e}"
    );
    let one = LambdaLR::new(
        &mut o,
        LambdaLRConfig::per_group(vec![std::sync::Arc::new(|_| 1.0)]),
    );
    let e = one.err().unwrap().to_string();
    assert!(e.contains("Expected 2 lr_lambdas, but got 1"), "{e}");
    assert!(LambdaLR::new(&mut o, LambdaLRConfig::new(|_| 1.0)).is_ok());
}

#[test]
fn cycling_momentum_needs_an_optimizer_with_momentum() {
    // Adagrad has no momentum or beta1 to cycle (PyTorch refuses it the same way)
    let mut o = tapegrad_optim::Adagrad::new(w(), Default::default()).unwrap();
    let e = scheduler_from_options(
        "OneCycleLR",
        &mut o,
        &json!({"max_lr": 0.1, "total_steps": 10}),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("cycle_momentum"), "{e}");
    let ok = json!({"max_lr": 0.1, "total_steps": 10, "cycle_momentum": false});
    assert!(scheduler_from_options("OneCycleLR", &mut o, &ok).is_ok());
}
