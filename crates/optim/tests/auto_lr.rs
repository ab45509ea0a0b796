//! Automatic learning rates: the LR range test and hypergradient descent (SGD-HD, Adam-HD).

use tapegrad_optim::auto_lr::*;
use tapegrad_optim::{Adam, AdamConfig, OptimError, Optimizer, Sgd, SgdConfig};
use tapegrad_tensor::{Param, Tape, Tensor};

fn lcg(seed: &mut u64) -> f32 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*seed >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
}

/// Least squares `mean((X w - y)^2)` on 32 samples of 4 features of different scales, with
/// noise: a loss floor above 0 and an ill-conditioned Hessian `2/n X^T X`.
struct Regression {
    x: Tensor,
    y: Tensor,
    w: Param,
}

impl Regression {
    fn new() -> Self {
        let (n, d) = (32, 4);
        let mut s = 7u64;
        let scales = [1.0f32, 3.0, 0.3, 2.0];
        let x: Vec<f32> = (0..n * d).map(|i| lcg(&mut s) * scales[i % d]).collect();
        let w_star = [0.5f32, -1.0, 2.0, 0.1];
        let y: Vec<f32> = (0..n)
            .map(|r| (0..d).map(|c| x[r * d + c] * w_star[c]).sum::<f32>() + 0.1 * lcg(&mut s))
            .collect();
        Regression {
            x: Tensor::from_vec(x, &[n, d]),
            y: Tensor::from_vec(y, &[n, 1]),
            w: Param::new("w", Tensor::zeros(&[d, 1])),
        }
    }

    /// Forward + backward: the loss, with the gradient written into `w`.
    fn loss(&self) -> f64 {
        let tape = Tape::new();
        let w = tape.param(&self.w);
        let r = &tape.constant(self.x.clone()).matmul(&w) - &tape.constant(self.y.clone());
        let l = (&r * &r).mean();
        l.backward();
        l.value().item() as f64
    }

    /// The largest eigenvalue of the Hessian `2/n X^T X` (power iteration, in f64).
    fn max_curvature(&self) -> f64 {
        let (n, d) = (self.x.shape()[0], self.x.shape()[1]);
        let x = self.x.as_slice();
        let mut v = vec![1.0f64; d];
        let mut lambda = 0.0;
        for _ in 0..500 {
            let xv: Vec<f64> = (0..n)
                .map(|r| (0..d).map(|c| x[r * d + c] as f64 * v[c]).sum())
                .collect();
            let hv: Vec<f64> = (0..d)
                .map(|c| 2.0 / n as f64 * (0..n).map(|r| x[r * d + c] as f64 * xv[r]).sum::<f64>())
                .collect();
            lambda = hv.iter().map(|h| h * h).sum::<f64>().sqrt();
            v = hv.iter().map(|h| h / lambda).collect();
        }
        lambda
    }
}

fn sgd(params: Vec<Param>, lr: f64, momentum: f64) -> Sgd {
    Sgd::new(
        params,
        SgdConfig {
            lr,
            momentum,
            ..Default::default()
        },
    )
    .unwrap()
}

fn train(opt: &mut dyn Optimizer, steps: usize, mut loss: impl FnMut() -> f64) -> f64 {
    for _ in 0..steps {
        opt.zero_grad();
        loss();
        opt.step().unwrap();
    }
    opt.zero_grad();
    loss()
}

#[test]
fn range_test_restores_model_and_optimizer_exactly() {
    let p = Regression::new();
    let mut opt = sgd(vec![p.w.clone()], 0.01, 0.9);
    train(&mut opt, 3, || p.loss()); // momentum buffers exist, a gradient is present
    let values = p.w.value().to_vec();
    let grad = p.w.grad().unwrap().to_vec();
    let state = opt.state();
    let curve = lr_range_test(&mut opt, &LrRangeTestConfig::default(), || p.loss()).unwrap();
    assert!(curve.lrs.len() > 10);
    assert_eq!(p.w.value().to_vec(), values);
    assert_eq!(p.w.grad().unwrap().to_vec(), grad);
    assert_eq!(opt.state(), state);
    assert_eq!(opt.lr(0), 0.01);
    // and training goes on exactly as for a twin that never ran the test
    let twin = Regression::new();
    twin.w.set_value(Tensor::from_vec(values, &[4, 1]));
    let mut twin_opt = sgd(vec![twin.w.clone()], 0.5, 0.0);
    twin_opt.load_state(&state).unwrap();
    let a = train(&mut opt, 5, || p.loss());
    let b = train(&mut twin_opt, 5, || twin.loss());
    assert_eq!(a.to_bits(), b.to_bits());
    assert_eq!(p.w.value().to_vec(), twin.w.value().to_vec());
}

#[test]
fn range_test_suggests_a_sensible_rate() {
    let p = Regression::new();
    let limit = 2.0 / p.max_curvature(); // SGD diverges above this rate
    let mut opt = sgd(vec![p.w.clone()], 1e-3, 0.0);
    let cfg = LrRangeTestConfig {
        start_lr: 1e-5,
        end_lr: 10.0,
        num_steps: 100,
        ..Default::default()
    };
    let curve = lr_range_test(&mut opt, &cfg, || p.loss()).unwrap();
    assert!(curve.diverged, "the loss must blow up before 10");
    let lr = curve.suggestion.unwrap();
    eprintln!("suggested {lr}, limit {limit}, {} points", curve.lrs.len());
    assert!(
        lr < limit && lr > limit / 100.0,
        "suggested {lr}, stable below {limit}"
    );
    assert_eq!(curve.lrs.len(), curve.losses.len());
    assert_eq!(curve.lrs.len(), curve.smoothed.len());
    assert!(curve.lrs.windows(2).all(|w| w[1] > w[0]));
    // training at the suggestion beats training at the range's start by far
    let start = p.loss();
    opt.set_lr(0, lr).unwrap();
    let end = train(&mut opt, 100, || p.loss());
    assert!(
        end < start / 10.0,
        "loss {start} -> {end} at the suggested {lr}"
    );
}

#[test]
fn range_test_restores_after_a_failed_step_and_validates() {
    let p = Regression::new();
    let mut opt = sgd(vec![p.w.clone()], 0.01, 0.9);
    let values = p.w.value().to_vec();
    let mut calls = 0;
    let r = lr_range_test(&mut opt, &LrRangeTestConfig::default(), || {
        calls += 1;
        let l = p.loss();
        if calls == 5 {
            p.w.set_grad(Some(Tensor::full(&[4, 1], f32::NAN)));
        }
        l
    });
    assert!(
        matches!(r, Err(OptimError::NonFiniteGradient { .. })),
        "{r:?}"
    );
    assert_eq!(p.w.value().to_vec(), values);
    assert_eq!(opt.lr(0), 0.01);
    for bad in [
        LrRangeTestConfig {
            start_lr: 0.0,
            ..Default::default()
        },
        LrRangeTestConfig {
            end_lr: 1e-8,
            ..Default::default()
        },
        LrRangeTestConfig {
            num_steps: 1,
            ..Default::default()
        },
        LrRangeTestConfig {
            divergence_factor: 1.0,
            ..Default::default()
        },
        LrRangeTestConfig {
            smoothing: 0.0,
            ..Default::default()
        },
    ] {
        let e = lr_range_test(&mut opt, &bad, || p.loss()).unwrap_err();
        assert!(e.to_string().starts_with("invalid "), "{e}");
    }
}

/// `f(w) = 0.5 * sum(a_i w_i^2)` with curvatures 1 and 100 (condition number 100).
fn quadratic(w: &Param) -> impl FnMut() -> f64 + '_ {
    move || {
        let v = w.value().to_vec();
        let a = [1.0f32, 100.0];
        w.set_grad(Some(Tensor::from_vec(vec![a[0] * v[0], a[1] * v[1]], &[2])));
        0.5 * (a[0] * v[0] * v[0] + a[1] * v[1] * v[1]) as f64
    }
}

fn start() -> Param {
    Param::new("w", Tensor::from_vec(vec![1.0, 1.0], &[2]))
}

#[test]
fn sgd_hd_beats_the_same_rate_fixed() {
    // from a rate 100x too small ...
    let (fixed_w, hd_w) = (start(), start());
    let mut fixed = sgd(vec![fixed_w.clone()], 1e-4, 0.0);
    let cfg = SgdHdConfig {
        lr: 1e-4,
        hypergrad_lr: 1e-6,
        ..Default::default()
    };
    let mut hd = SgdHd::new(vec![hd_w.clone()], cfg).unwrap();
    let fixed_loss = train(&mut fixed, 200, quadratic(&fixed_w));
    let hd_loss = train(&mut hd, 200, quadratic(&hd_w));
    eprintln!("SGD-HD {hd_loss:e} (lr {}) vs SGD {fixed_loss:e}", hd.lr(0));
    assert!(
        hd_loss < fixed_loss / 10.0,
        "SGD-HD {hd_loss} vs SGD {fixed_loss}"
    );
    assert!(hd.lr(0) > 1e-3, "learned rate {}", hd.lr(0));
    // ... and from a rate that makes plain SGD diverge (2/100 is the limit)
    let (fixed_w, hd_w) = (start(), start());
    let mut fixed = sgd(vec![fixed_w.clone()], 0.021, 0.0);
    let cfg = SgdHdConfig {
        lr: 0.021,
        hypergrad_lr: 1e-6,
        ..Default::default()
    };
    let mut hd = SgdHd::new(vec![hd_w.clone()], cfg).unwrap();
    let fixed_loss = train(&mut fixed, 200, quadratic(&fixed_w));
    let hd_loss = train(&mut hd, 200, quadratic(&hd_w));
    eprintln!("SGD-HD {hd_loss:e} (lr {}) vs SGD {fixed_loss:e}", hd.lr(0));
    assert!(
        hd_loss < fixed_loss && hd_loss < 1e-2,
        "SGD-HD {hd_loss} vs SGD {fixed_loss}"
    );
    assert!(hd.lr(0) < 0.02, "learned rate {}", hd.lr(0));
}

#[test]
fn adam_hd_beats_the_same_rate_fixed_and_is_adam_without_hypergradient() {
    let (fixed_w, hd_w, adam_w) = (start(), start(), start());
    let cfg = AdamHdConfig {
        lr: 1e-4,
        hypergrad_lr: 1e-4,
        ..Default::default()
    };
    let mut hd = AdamHd::new(vec![hd_w.clone()], cfg.clone()).unwrap();
    let mut fixed = AdamHd::new(
        vec![fixed_w.clone()],
        AdamHdConfig {
            hypergrad_lr: 0.0,
            ..cfg
        },
    )
    .unwrap();
    let adam_cfg = AdamConfig {
        lr: 1e-4,
        ..Default::default()
    };
    let mut adam = Adam::new(vec![adam_w.clone()], adam_cfg).unwrap();
    let fixed_loss = train(&mut fixed, 200, quadratic(&fixed_w));
    let hd_loss = train(&mut hd, 200, quadratic(&hd_w));
    let adam_loss = train(&mut adam, 200, quadratic(&adam_w));
    eprintln!(
        "Adam-HD {hd_loss:e} (lr {}) vs Adam {fixed_loss:e} / {adam_loss:e}",
        hd.lr(0)
    );
    assert!(
        hd_loss < fixed_loss / 10.0,
        "Adam-HD {hd_loss} vs Adam {fixed_loss}"
    );
    assert!(hd.lr(0) > 1e-3, "learned rate {}", hd.lr(0));
    assert_eq!(fixed.lr(0), 1e-4);
    let (a, b) = (fixed_w.value().to_vec(), adam_w.value().to_vec());
    for (x, y) in a.iter().zip(&b) {
        assert!(
            (x - y).abs() < 1e-5,
            "Adam-HD with beta 0 {a:?} vs Adam {b:?}"
        );
    }
    assert!((fixed_loss - adam_loss).abs() < 1e-4);
}

#[test]
fn hypergradient_is_minus_the_dot_of_consecutive_directions() {
    let w = Param::new("w", Tensor::from_vec(vec![1.0, 2.0], &[2]));
    let v = Param::new("v", Tensor::from_vec(vec![-1.0], &[1]));
    let cfg = SgdHdConfig {
        lr: 0.1,
        hypergrad_lr: 0.01,
        ..Default::default()
    };
    let mut opt = SgdHd::new(vec![w.clone(), v.clone()], cfg).unwrap();
    w.set_grad(Some(Tensor::from_vec(vec![1.0, 2.0], &[2])));
    v.set_grad(Some(Tensor::from_vec(vec![3.0], &[1])));
    opt.step().unwrap();
    assert_eq!(opt.lr(0), 0.1); // no previous direction yet
    w.set_grad(Some(Tensor::from_vec(vec![0.5, -1.0], &[2])));
    v.set_grad(Some(Tensor::from_vec(vec![2.0], &[1])));
    opt.step().unwrap();
    // h = -(0.5*1 - 1*2 + 2*3) = -4.5 over both params; alpha = 0.1 + 0.01 * 4.5
    assert!((opt.last_hypergradient() + 4.5).abs() < 1e-12);
    assert!((opt.lr(0) - 0.145).abs() < 1e-12);
    let want_w = [1.0 - 0.1 * 1.0 - 0.145 * 0.5, 2.0 - 0.1 * 2.0 + 0.145 * 1.0];
    for (g, w) in w.value().to_vec().iter().zip(want_w) {
        assert!((*g as f64 - w).abs() < 1e-6);
    }
}

#[test]
fn hypergradient_optimizers_resume_exactly_through_json() {
    fn run(opt: &mut dyn Optimizer, w: &Param, steps: usize) {
        let mut loss = quadratic(w);
        for _ in 0..steps {
            opt.zero_grad();
            loss();
            opt.step().unwrap();
        }
    }
    type Build = fn(&Param) -> Box<dyn Optimizer>;
    let builds: [Build; 2] = [
        |w| {
            let cfg = SgdHdConfig {
                lr: 1e-3,
                hypergrad_lr: 1e-6,
                momentum: 0.5,
                weight_decay: 0.01,
            };
            Box::new(SgdHd::new(vec![w.clone()], cfg).unwrap())
        },
        |w| {
            let cfg = AdamHdConfig {
                lr: 1e-3,
                hypergrad_lr: 1e-4,
                weight_decay: 0.01,
                ..Default::default()
            };
            Box::new(AdamHd::new(vec![w.clone()], cfg).unwrap())
        },
    ];
    for build in builds {
        let w = start();
        let mut whole = build(&w);
        run(whole.as_mut(), &w, 30);
        let w2 = start();
        let mut first = build(&w2);
        run(first.as_mut(), &w2, 13);
        let json = serde_json::to_string(&first.state()).unwrap();
        let w3 = Param::new("w", w2.value());
        let mut second = build(&w3);
        second
            .load_state(&serde_json::from_str(&json).unwrap())
            .unwrap();
        assert_eq!(second.state(), first.state());
        run(second.as_mut(), &w3, 17);
        assert_eq!(w3.value().to_vec(), w.value().to_vec(), "{}", whole.name());
        assert_eq!(second.lr(0).to_bits(), whole.lr(0).to_bits());
    }
}

#[test]
fn hypergradient_optimizers_refuse_bad_options_and_poisoned_steps() {
    let e = SgdHd::new(
        vec![],
        SgdHdConfig {
            hypergrad_lr: -1.0,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "invalid hypergrad_lr: -1 (must be >= 0)");
    let e = AdamHd::new(
        vec![],
        AdamHdConfig {
            betas: (1.0, 0.999),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("beta parameter at index 0"), "{e}");
    let w = start();
    let mut opt = AdamHd::new(vec![w.clone()], AdamHdConfig::default()).unwrap();
    w.set_grad(Some(Tensor::from_vec(vec![1.0, f32::INFINITY], &[2])));
    assert!(matches!(
        opt.step(),
        Err(OptimError::NonFiniteGradient { .. })
    ));
    assert_eq!(w.value().to_vec(), vec![1.0, 1.0]);
    let sgd_state = sgd(vec![w.clone()], 0.1, 0.0).state();
    assert!(opt.load_state(&sgd_state).is_err());
}
