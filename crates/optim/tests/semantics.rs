//! Mistakes that used to pass silently are errors that name what is wrong, and the rules
//! PyTorch follows where tapegrad used to differ (issue 12, sections 1 and 2). PyTorch's own
//! numbers for the schedules are in the fixtures (sched.json's `repro_*` cases); these tests
//! check the errors and the invariants around them.

use serde_json::json;
use tapegrad_optim::sched::*;
use tapegrad_optim::{
    optimizer_from_options, optimizer_with_groups, Adagrad, AdagradConfig, OptimError, Optimizer,
    Sgd, SgdConfig,
};
use tapegrad_tensor::{Param, Tensor};

fn param(name: &str) -> Param {
    Param::new(name, Tensor::from_vec(vec![1.0, -2.0], &[2]))
}

fn sgd(params: Vec<Param>, lr: f64) -> Sgd {
    Sgd::new(
        params,
        SgdConfig {
            lr,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn a_param_listed_twice_is_refused_by_name() {
    let w = param("fc2.weight");
    let e = Sgd::new(vec![w.clone(), w.clone()], SgdConfig::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "SGD: param 'fc2.weight' is listed twice in group 0; list each param once"
    );
    let mut opt = sgd(vec![w.clone()], 0.1);
    let e = opt
        .add_group(vec![param("b"), w.clone()], SgdConfig::default())
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("'fc2.weight' is listed in groups 0 and 1"),
        "{e}"
    );
    assert_eq!(opt.num_groups(), 1, "the refused group was not added");
    let e = optimizer_with_groups(
        "Adam",
        vec![(vec![w.clone()], json!({})), (vec![w], json!({"lr": 0.1}))],
        &json!({}),
    )
    .err()
    .unwrap();
    assert!(matches!(e, OptimError::DuplicateParam { .. }), "{e:?}");
}

#[test]
fn an_empty_parameter_list_is_refused() {
    let e = Sgd::new(vec![], SgdConfig::default()).unwrap_err();
    assert_eq!(e.to_string(), "SGD: optimizer got an empty parameter list");
    let e = optimizer_from_options("Adam", vec![], &json!({}))
        .err()
        .unwrap();
    assert!(matches!(e, OptimError::EmptyParams { .. }), "{e:?}");
    // As in PyTorch, a group may be empty when the optimizer has params elsewhere.
    let mut opt = sgd(vec![param("w")], 0.1);
    opt.add_group(vec![], SgdConfig::default()).unwrap();
}

#[test]
fn set_lr_refuses_rates_that_would_poison_the_params() {
    let w = param("w");
    let mut opt = sgd(vec![w.clone()], 0.1);
    for bad in [-0.1, f64::NAN, f64::INFINITY] {
        let e = opt.set_lr(0, bad).unwrap_err();
        assert!(e.to_string().starts_with("invalid learning rate"), "{e}");
        assert_eq!(opt.lr(0), 0.1, "a refused rate changes nothing");
    }
    assert!(opt.set_momentum(0, f64::NAN).is_err());
    // Whatever wrote it, a negative rate is refused by step, which then changes nothing.
    opt.write_lr(0, -1.0);
    w.set_grad(Some(Tensor::ones(&[2])));
    let e = opt.step().unwrap_err();
    assert!(e.to_string().contains("step refused"), "{e}");
    assert_eq!(w.value().to_vec(), vec![1.0, -2.0]);
}

#[test]
fn a_lambda_returning_a_bad_factor_is_an_error_that_changes_nothing() {
    let mut opt = sgd(vec![param("w")], 0.1);
    let mut s = LambdaLR::new(
        &mut opt,
        LambdaLRConfig::new(|t| if t < 2 { 1.0 } else { f64::NAN }),
    )
    .unwrap();
    s.step(&mut opt).unwrap();
    let e = s.step(&mut opt).unwrap_err();
    assert!(
        e.to_string().contains("LambdaLR computed it for group 0"),
        "{e}"
    );
    assert_eq!(opt.lr(0), 0.1);
    assert_eq!(s.last_epoch(), 1, "the refused step is not counted");
    let mut m =
        MultiplicativeLR::new(&mut opt, MultiplicativeLRConfig::new(|_| f64::INFINITY)).unwrap();
    assert!(m.step(&mut opt).is_err());
    assert_eq!(opt.lr(0), 0.1);
    // A negative factor leaves a negative rate, as PyTorch's would; the step refuses it.
    let mut n = MultiplicativeLR::new(&mut opt, MultiplicativeLRConfig::new(|_| -0.5)).unwrap();
    n.step(&mut opt).unwrap();
    assert_eq!(opt.lr(0), -0.05);
    assert!(opt.step().is_err());
}

#[test]
fn loss_and_gradient_norm_schedules_refuse_bad_metrics() {
    for name in ["LossScaledLR", "GradNormScaledLR"] {
        let mut opt = sgd(vec![param("w")], 0.1);
        let mut s = scheduler_from_options(name, &mut opt, &json!({"beta": 0.5})).unwrap();
        s.step_with(&mut opt, 1.0).unwrap();
        let (lr, epoch) = (opt.lr(0), s.last_epoch());
        for bad in [f64::NAN, -1.0, f64::INFINITY] {
            let e = s.step_with(&mut opt, bad).unwrap_err();
            assert!(e.to_string().contains("invalid metric"), "{name}: {e}");
            assert_eq!((opt.lr(0), s.last_epoch()), (lr, epoch), "{name}");
        }
    }
}

#[test]
fn a_metric_given_to_a_schedule_that_ignores_it_is_refused() {
    let mut opt = sgd(vec![param("w")], 0.1);
    let mut s = StepLR::new(&mut opt, StepLRConfig::new(2)).unwrap();
    let e = s.step_with(&mut opt, 0.3).unwrap_err();
    assert!(e.to_string().contains("StepLR takes no metric"), "{e}");
    assert_eq!(s.last_epoch(), 0);
}

#[test]
fn a_scheduler_stepped_with_another_optimizer_is_refused() {
    let mut opt = sgd(vec![param("w")], 0.1);
    let mut s = StepLR::new(&mut opt, StepLRConfig::new(2)).unwrap();
    let mut other = sgd(vec![param("a")], 0.1);
    other
        .add_group(vec![param("b")], SgdConfig::default())
        .unwrap();
    let e = s.step(&mut other).unwrap_err();
    assert!(e.to_string().contains("drives 1 param groups"), "{e}");
}

#[test]
fn the_first_step_runs_at_the_scheduled_rate() {
    // A 50-step linear warm-up then cosine on lr 1e-3: step 0 must run at 1e-3 * 0.02, the
    // rate PyTorch's constructor sets (sched.json's repro_warmup_cosine_first_step).
    let w = Param::new("w", Tensor::from_vec(vec![0.0], &[1]));
    let mut opt = sgd(vec![w.clone()], 1e-3);
    let warmup = LinearLR::new(
        &mut opt,
        LinearLRConfig {
            start_factor: 0.02,
            end_factor: 1.0,
            total_iters: 50,
        },
    )
    .unwrap();
    let cosine = CosineAnnealingLR::new(
        &mut opt,
        CosineAnnealingLRConfig {
            t_max: 150,
            eta_min: 0.0,
        },
    )
    .unwrap();
    let mut s =
        SequentialLR::new(&mut opt, vec![Box::new(warmup), Box::new(cosine)], vec![50]).unwrap();
    w.set_grad(Some(Tensor::ones(&[1])));
    opt.step().unwrap();
    let moved = -w.value().to_vec()[0] as f64;
    assert!((moved - 2e-5).abs() < 1e-12, "first step moved {moved}");
    s.step(&mut opt).unwrap();
}

#[test]
fn adagrad_fills_its_accumulator_from_the_constructor_value() {
    // PyTorch 2.15: Adagrad(params=[{"params": [p], "initial_accumulator_value": 0.13496}])
    // (constructor default 0) gives state['sum'] = g^2 after one step with g = 0.91953 (the
    // group's value is ignored for the state); the random_optim fixtures cover trajectories.
    let w = Param::new("w", Tensor::from_vec(vec![0.5], &[1]));
    let mut opt = Adagrad::with_groups(
        AdagradConfig::default(),
        vec![(
            vec![w.clone()],
            AdagradConfig {
                initial_accumulator_value: 0.13496,
                ..Default::default()
            },
        )],
    )
    .unwrap();
    w.set_grad(Some(Tensor::from_vec(vec![0.91953], &[1])));
    opt.step().unwrap();
    let sum = opt.groups()[0].state(0).unwrap().sum[0];
    assert!((sum - 0.91953f32 * 0.91953).abs() < 1e-6, "sum {sum}");
}
