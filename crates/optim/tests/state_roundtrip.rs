//! For every optimizer (and its momentum / amsgrad / centered / decoupled variants):
//! - saving the state after k steps, sending it through serde_json, restoring it into a fresh
//!   optimizer over fresh params with the same values and continuing gives, bit for bit, the
//!   params and state of an uninterrupted run;
//! - a param without a gradient is skipped (value and state untouched);
//! - a NaN or infinite gradient makes `step` fail with `NonFiniteGradient` and changes no
//!   param and no state, not even of params whose gradients were finite;
//! - invalid hyperparameters are refused with PyTorch's messages.
//!
//! Every optimizer in the registry must appear in [`variants`] (checked), so a new optimizer
//! gets these tests by adding a line there.

use serde_json::{json, Value};
use tapegrad_optim::{
    optimizer_names, optimizer_with_groups, OptimError, Optimizer, OptimizerState,
};
use tapegrad_tensor::parallel::PAR_THRESHOLD;
use tapegrad_tensor::{Param, Tensor};

/// Every optimizer with the option sets that change its state layout or code path.
fn variants() -> Vec<(&'static str, Value)> {
    vec![
        ("SGD", json!({"lr": 0.1})),
        (
            "SGD",
            json!({"lr": 0.05, "momentum": 0.9, "nesterov": true, "weight_decay": 0.01}),
        ),
        (
            "SGD",
            json!({"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "maximize": true}),
        ),
        ("Adagrad", json!({"lr": 0.1})),
        (
            "Adagrad",
            json!({"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.01}),
        ),
        ("RMSprop", json!({})),
        ("RMSprop", json!({"momentum": 0.5})),
        ("RMSprop", json!({"centered": true})),
        (
            "RMSprop",
            json!({"centered": true, "momentum": 0.5, "weight_decay": 0.01, "alpha": 0.9}),
        ),
        ("Adam", json!({"lr": 0.01})),
        (
            "Adam",
            json!({"lr": 0.01, "amsgrad": true, "weight_decay": 0.1}),
        ),
        (
            "Adam",
            json!({"lr": 0.01, "decoupled_weight_decay": true, "weight_decay": 0.1, "maximize": true}),
        ),
        ("AdamW", json!({"lr": 0.01})),
        (
            "AdamW",
            json!({"lr": 0.01, "amsgrad": true, "betas": [0.8, 0.99]}),
        ),
        ("Adadelta", json!({})),
        ("Adadelta", json!({"rho": 0.8, "weight_decay": 0.01})),
        ("NAdam", json!({"lr": 0.01})),
        (
            "NAdam",
            json!({"lr": 0.01, "decoupled_weight_decay": true, "weight_decay": 0.05}),
        ),
        ("RAdam", json!({"lr": 0.01})),
        (
            "RAdam",
            json!({"lr": 0.01, "decoupled_weight_decay": true, "weight_decay": 0.1}),
        ),
        ("Adamax", json!({"lr": 0.02, "weight_decay": 0.01})),
        ("Rprop", json!({})),
        (
            "Rprop",
            json!({"lr": 0.05, "etas": [0.3, 1.5], "step_sizes": [1e-4, 1.0], "maximize": true}),
        ),
        ("ASGD", json!({"lr": 0.05})),
        (
            "ASGD",
            json!({"lr": 0.05, "t0": 3.0, "lambd": 0.01, "weight_decay": 0.01}),
        ),
        ("Adafactor", json!({})),
        (
            "Adafactor",
            json!({"lr": 0.05, "eps": [1e-30, 1e-3], "d": 1.5, "weight_decay": 0.01, "maximize": true}),
        ),
        ("Lion", json!({"lr": 1e-3})),
        (
            "Lion",
            json!({"lr": 1e-3, "betas": [0.8, 0.95], "weight_decay": 0.1, "decoupled_weight_decay": true}),
        ),
        ("Lamb", json!({})),
        (
            "Lamb",
            json!({"lr": 0.01, "weight_decay": 0.01, "clamp_value": 2.0, "debias": true}),
        ),
        ("AdamWScheduleFree", json!({})),
        (
            "AdamWScheduleFree",
            json!({"lr": 0.01, "warmup_steps": 3, "r": 0.5, "weight_decay": 0.01}),
        ),
        ("LARS", json!({})),
        (
            "LARS",
            json!({"lr": 1.0, "momentum": 0.0, "weight_decay": 0.01, "trust_coefficient": 0.02}),
        ),
    ]
}

/// Shapes: two small params and one large enough for the parallel path.
const SHAPES: [&[usize]; 3] = [&[3, 4], &[5], &[PAR_THRESHOLD + 1000]];
const STEPS: usize = 10;
const SAVE_AT: usize = 4;

/// A small deterministic generator (xorshift64*), so the test needs no RNG API.
struct Gen(u64);

impl Gen {
    fn normalish(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let u = (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32;
        (u - 0.5) * 4.0
    }

    fn tensor(&mut self, shape: &[usize]) -> Tensor {
        let n = shape.iter().product();
        Tensor::from_vec((0..n).map(|_| self.normalish()).collect(), shape)
    }
}

fn initial_values() -> Vec<Tensor> {
    let mut g = Gen(0x5EED);
    SHAPES.iter().map(|s| g.tensor(s)).collect()
}

/// The gradients of step t: random, with an all-zero gradient (param 1 at step 2) and a
/// missing one (param 0 at step 5, `None`: skipped).
fn grads(t: usize) -> Vec<Option<Tensor>> {
    let mut g = Gen(0xC0FFEE + t as u64 * 7919);
    SHAPES
        .iter()
        .enumerate()
        .map(|(i, s)| match (t, i) {
            (2, 1) => Some(Tensor::zeros(s)),
            (5, 0) => None,
            _ => Some(g.tensor(s)),
        })
        .collect()
}

fn fresh_params(values: &[Tensor]) -> Vec<Param> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| Param::new(format!("p{i}"), v.clone()))
        .collect()
}

/// Two groups (params 0 and 2; param 1 with half the learning rate where there is one).
fn build(name: &str, options: &Value, params: &[Param]) -> Box<dyn Optimizer> {
    let lr = options
        .get("lr")
        .and_then(Value::as_f64)
        .unwrap_or_else(|| {
            let p = Param::new("probe", Tensor::zeros(&[1]));
            optimizer_with_groups(name, vec![(vec![p], Value::Null)], options)
                .unwrap()
                .lr(0)
        });
    optimizer_with_groups(
        name,
        vec![
            (vec![params[0].clone(), params[2].clone()], Value::Null),
            (vec![params[1].clone()], json!({"lr": lr * 0.5})),
        ],
        options,
    )
    .map(|mut opt| {
        opt.train(); // Schedule-Free steps in train mode only
        opt
    })
    .unwrap_or_else(|e| panic!("{name} {options}: {e}"))
}

fn run_steps(opt: &mut dyn Optimizer, params: &[Param], steps: std::ops::Range<usize>) {
    run_steps_with(opt, params, steps, false)
}

/// Runs steps `steps`; with `decay`, each step first multiplies every group's learning rate
/// by 0.95^(1/3), as a schedule would, so the rates are no longer short decimals.
fn run_steps_with(
    opt: &mut dyn Optimizer,
    params: &[Param],
    steps: std::ops::Range<usize>,
    decay: bool,
) {
    for t in steps {
        if decay {
            for g in 0..opt.num_groups() {
                let lr = opt.lr(g) * 0.95f64.powf(1.0 / 3.0);
                opt.set_lr(g, lr).unwrap();
            }
        }
        for (p, g) in params.iter().zip(grads(t)) {
            p.set_grad(g);
        }
        opt.step().unwrap();
    }
}

fn bits(params: &[Param]) -> Vec<Vec<u32>> {
    params
        .iter()
        .map(|p| p.value().as_slice().iter().map(|x| x.to_bits()).collect())
        .collect()
}

#[test]
fn every_registered_optimizer_is_covered() {
    let covered: Vec<&str> = variants().iter().map(|(n, _)| *n).collect();
    // Muon takes 2-D params only, LBFGS steps through a closure: their round trips are
    // tested in muon.rs and lbfgs.rs.
    for name in optimizer_names()
        .into_iter()
        .filter(|&n| n != "Muon" && n != "LBFGS")
    {
        assert!(
            covered.contains(&name),
            "{name} is registered but has no round-trip variant here"
        );
    }
}

/// k steps, state through JSON text into a fresh optimizer over fresh params, the rest of
/// the steps: params and state must equal an uninterrupted run bit for bit.
fn check_resume(decay: bool) {
    for (name, options) in variants() {
        let init = initial_values();
        // Uninterrupted.
        let pa = fresh_params(&init);
        let mut a = build(name, &options, &pa);
        run_steps_with(a.as_mut(), &pa, 0..STEPS, decay);
        // Interrupted at SAVE_AT, saved as JSON text, restored into fresh objects.
        let pb = fresh_params(&init);
        let mut b = build(name, &options, &pb);
        run_steps_with(b.as_mut(), &pb, 0..SAVE_AT, decay);
        let text = serde_json::to_string(&b.state()).unwrap();
        let values: Vec<Tensor> = pb.iter().map(|p| p.value()).collect();
        drop(b);
        let pc = fresh_params(&values);
        let mut c = build(name, &options, &pc);
        let saved: OptimizerState = serde_json::from_str(&text).unwrap();
        c.load_state(&saved)
            .unwrap_or_else(|e| panic!("{name} {options}: {e}"));
        run_steps_with(c.as_mut(), &pc, SAVE_AT..STEPS, decay);
        assert!(
            bits(&pa) == bits(&pc),
            "{name} {options}: resumed params differ from the uninterrupted run"
        );
        assert!(
            a.state() == c.state(),
            "{name} {options}: resumed state differs from the uninterrupted run"
        );
        // The run did move every param.
        assert!(
            bits(&pa) != bits(&fresh_params(&init)),
            "{name}: nothing moved"
        );
    }
}

#[test]
fn resume_through_json_is_bit_exact() {
    check_resume(false);
}

/// The same with learning rates decayed by a schedule (arbitrary f64s, and NAdam's
/// `mu_product`, must survive the JSON text exactly). serde_json parses f64 exactly only with
/// its `float_roundtrip` feature; without it about a third of arbitrary f64s come back one
/// ulp off (the group options are stored as JSON text inside `OptimizerState`, so this also
/// affects a binary checkpoint). The workspace enables that feature.
#[test]
fn resume_with_decayed_lr_through_json_is_bit_exact() {
    check_resume(true);
}

#[test]
fn state_of_another_optimizer_is_refused() {
    let init = initial_values();
    let p = fresh_params(&init);
    let mut adam = build("Adam", &json!({}), &p);
    run_steps(adam.as_mut(), &p, 0..1);
    let mut adamw = build("AdamW", &json!({}), &p);
    let before = adamw.state();
    let err = adamw.load_state(&adam.state()).unwrap_err();
    assert!(matches!(err, OptimError::StateMismatch(_)), "{err}");
    assert_eq!(adamw.state(), before);
}

#[test]
fn param_without_gradient_is_skipped() {
    for (name, options) in variants() {
        let init = initial_values();
        let p = fresh_params(&init);
        let mut opt = build(name, &options, &p);
        run_steps(opt.as_mut(), &p, 0..2);
        // Now param 1 (alone in group 1) gets no gradient; the others do.
        let before_state = opt.state();
        let before_value = p[1].value().to_vec();
        for (i, (param, g)) in p.iter().zip(grads(7)).enumerate() {
            param.set_grad(if i == 1 { None } else { g });
        }
        opt.step().unwrap();
        assert_eq!(p[1].value().to_vec(), before_value, "{name} {options}");
        let after = opt.state();
        // (Group-level values may move: Schedule-Free counts the group's steps, as PyTorch's.)
        assert_eq!(
            after.groups[1].params, before_state.groups[1].params,
            "{name} {options}: state of a param without gradient changed"
        );
        assert_ne!(after.groups[0], before_state.groups[0], "{name} {options}");
        // A param that never had a gradient has no state at all.
        let q = Param::new("never", Tensor::ones(&[4]));
        let mut opt = build(name, &options, &[q.clone(), p[0].clone(), p[2].clone()]);
        p[0].set_grad(Some(Tensor::ones(&[3, 4])));
        opt.step().unwrap();
        assert!(opt.state().groups[0].params[0].state.is_none(), "{name}");
        assert_eq!(q.value().to_vec(), vec![1.0; 4], "{name}");
    }
}

#[test]
fn non_finite_gradient_changes_nothing() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        for (name, options) in variants() {
            let init = initial_values();
            let p = fresh_params(&init);
            let mut opt = build(name, &options, &p);
            run_steps(opt.as_mut(), &p, 0..3);
            let state = opt.state();
            let values = bits(&p);
            // Finite gradients for params 0 and 2 (group 0, stepped first), a poisoned one
            // for param 1 (group 1, last).
            let g = grads(8);
            p[0].set_grad(g[0].clone());
            p[2].set_grad(g[2].clone());
            let mut poisoned = g[1].clone().unwrap().to_vec();
            poisoned[3] = bad;
            p[1].set_grad(Some(Tensor::from_vec(poisoned, &[5])));
            let err = opt.step().unwrap_err();
            match &err {
                OptimError::NonFiniteGradient { param, group } => {
                    assert_eq!((param.as_str(), *group), ("p1", 1), "{name}")
                }
                other => panic!("{name} {options}: {other}"),
            }
            assert!(bits(&p) == values, "{name} {options}: a param changed");
            assert!(opt.state() == state, "{name} {options}: the state changed");
            // The caller skips the batch and goes on.
            opt.zero_grad();
            run_steps(opt.as_mut(), &p, 9..10);
            assert!(
                bits(&p) != values,
                "{name}: no progress after the skipped batch"
            );
        }
    }
}

/// Several invalid values per optimizer, each refused with PyTorch's wording.
#[test]
fn invalid_hyperparameters_are_refused() {
    let cases: &[(&str, Value, &str)] = &[
        ("SGD", json!({"lr": -0.1}), "invalid learning rate: -0.1"),
        (
            "SGD",
            json!({"momentum": -1.0}),
            "invalid momentum value: -1",
        ),
        (
            "SGD",
            json!({"weight_decay": -1.0}),
            "invalid weight_decay value: -1",
        ),
        ("Adagrad", json!({"lr": -1.0}), "invalid learning rate: -1"),
        (
            "Adagrad",
            json!({"lr_decay": -1.0}),
            "invalid lr_decay value: -1",
        ),
        (
            "Adagrad",
            json!({"initial_accumulator_value": -0.1}),
            "invalid initial_accumulator_value value: -0.1",
        ),
        ("Adagrad", json!({"eps": -1.0}), "invalid epsilon value: -1"),
        ("RMSprop", json!({"lr": -1.0}), "invalid learning rate: -1"),
        (
            "RMSprop",
            json!({"alpha": -0.9}),
            "invalid alpha value: -0.9",
        ),
        (
            "RMSprop",
            json!({"momentum": -0.9}),
            "invalid momentum value: -0.9",
        ),
        (
            "RMSprop",
            json!({"eps": -1e-8}),
            "invalid epsilon value: -0.00000001",
        ),
        ("Adam", json!({"lr": -1.0}), "invalid learning rate: -1"),
        (
            "Adam",
            json!({"betas": [1.5, 0.999]}),
            "invalid beta parameter at index 0: 1.5",
        ),
        (
            "Adam",
            json!({"betas": [0.9, 1.0]}),
            "invalid beta parameter at index 1: 1",
        ),
        ("Adam", json!({"eps": -1.0}), "invalid epsilon value: -1"),
        (
            "Adam",
            json!({"weight_decay": -0.01}),
            "invalid weight_decay value: -0.01",
        ),
        (
            "AdamW",
            json!({"betas": [-0.1, 0.999]}),
            "invalid beta parameter at index 0: -0.1",
        ),
        ("AdamW", json!({"lr": -1.0}), "invalid learning rate: -1"),
        (
            "AdamW",
            json!({"weight_decay": -1.0}),
            "invalid weight_decay value: -1",
        ),
        ("Adadelta", json!({"rho": 1.1}), "invalid rho value: 1.1"),
        ("Adadelta", json!({"lr": -1.0}), "invalid learning rate: -1"),
        (
            "Adadelta",
            json!({"eps": -1.0}),
            "invalid epsilon value: -1",
        ),
        (
            "NAdam",
            json!({"momentum_decay": -1.0}),
            "invalid momentum_decay value: -1",
        ),
        (
            "NAdam",
            json!({"betas": [0.9, 1.5]}),
            "invalid beta parameter at index 1: 1.5",
        ),
        ("NAdam", json!({"lr": -1.0}), "invalid learning rate: -1"),
        (
            "RAdam",
            json!({"betas": [1.0, 0.999]}),
            "invalid beta parameter at index 0: 1",
        ),
        ("RAdam", json!({"eps": -1.0}), "invalid epsilon value: -1"),
        (
            "RAdam",
            json!({"weight_decay": -1.0}),
            "invalid weight_decay value: -1",
        ),
        (
            "Adamax",
            json!({"betas": [0.9, -0.1]}),
            "invalid beta parameter at index 1: -0.1",
        ),
        ("Adamax", json!({"lr": -1.0}), "invalid learning rate: -1"),
        ("Adamax", json!({"eps": -1.0}), "invalid epsilon value: -1"),
        ("LARS", json!({"lr": -1.0}), "invalid learning rate: -1"),
        (
            "LARS",
            json!({"momentum": -0.5}),
            "invalid momentum value: -0.5",
        ),
        (
            "LARS",
            json!({"trust_coefficient": 0.0}),
            "invalid trust_coefficient value: 0",
        ),
    ];
    for (name, options, want) in cases {
        let err = optimizer_with_groups(name, vec![(vec![], Value::Null)], options)
            .err()
            .unwrap_or_else(|| panic!("{name} {options} was accepted"));
        assert!(
            matches!(err, OptimError::InvalidHyperparameter { .. }),
            "{name} {options}: {err:?}"
        );
        assert!(
            err.to_string().starts_with(want),
            "{name} {options}: got '{err}', want '{want}...'"
        );
        // The same value as a group override is refused too.
        let err = optimizer_with_groups(
            name,
            vec![(vec![], Value::Null), (vec![], options.clone())],
            &json!({}),
        )
        .err()
        .unwrap_or_else(|| panic!("{name} {options} accepted as a group override"));
        assert!(err.to_string().starts_with(want), "{name}: {err}");
    }
    // Wrong types and unknown names are option errors, not panics.
    for (name, options) in [
        ("Adam", json!({"betas": 0.9})),
        ("Adam", json!({"lr": "fast"})),
        ("RMSprop", json!({"betas": [0.9, 0.99]})),
        ("AdamW", json!({"decoupled_weight_decay": true})),
    ] {
        let err = optimizer_with_groups(name, vec![(vec![], Value::Null)], &options)
            .err()
            .unwrap();
        assert!(
            matches!(err, OptimError::InvalidOptions { .. }),
            "{name} {options}: {err:?}"
        );
    }
}
