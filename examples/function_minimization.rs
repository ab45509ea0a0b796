//! Learning-rate strategies side by side on two functions of two variables, as the design
//! documents compare them: a fixed rate, inverse-time decay `a / (1 + b t)`, polynomial decay
//! `a (1 - t/T)^p`, a loss-scaled rate `a / sqrt(1 + b f(x_t))`, a gradient-norm-scaled rate
//! `a / (1 + b |g_t|^2)`, AdaGrad, RMSprop, Adam, hypergradient descent (SGD-HD, which
//! learns its rate online), and L-BFGS with a strong-Wolfe line search (one quasi-Newton
//! iteration per iteration of the table; it re-evaluates the function in its line search).
//!
//! - an ill-conditioned quadratic `f(x, y) = (x^2 + 10 y^2) / 2` from (-2, 1);
//! - the Rosenbrock function `f(x, y) = (1 - x)^2 + 100 (y - x^2)^2` from (-1.2, 1), whose
//!   minimum (1, 1) lies at the end of a long curved valley.
//!
//! Every function value and gradient goes through the tape (`tapegrad::tensor`), every update
//! through the crate's optimizers and schedulers. For each strategy the table gives the
//! number of iterations until the error `f(x_t) - f*` first falls below the tolerance, and
//! the error after the whole budget. Settings were chosen by hand per function (the largest
//! base rates that stay stable for the plain-gradient strategies); they are printed with the
//! results.
//!
//! The time-based schedules step after each update, as in PyTorch's loop; the loss- and
//! gradient-scaled ones set the rate from `f(x_t)` and `g_t` at the current point before the
//! update, as the design documents write them.
//!
//! What to look for: scaling the rate down while the loss or the gradient is large lets a
//! larger base rate stay stable (fewer iterations than the fixed rate on both functions);
//! decaying schedules slow down long before the end when the decay is not matched to the
//! problem; AdaGrad's per-coordinate scaling suits the axis-aligned quadratic; SGD-HD starts
//! from a rate 10x too small and learns a good one. On Rosenbrock, Adam gets closest, but
//! near the minimum its second-moment estimate decays with the vanishing gradients, its steps
//! grow back to about `lr`, and it is thrown out of the valley again and again (the spikes in
//! the plot): a constant-rate Adam does not settle without a decaying rate.
//!
//! ```text
//! cargo run --release --example function_minimization [-- --plot FILE.svg]
//! ```

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;
use tapegrad::data::plot::{save_charts_svg, LineChart};
use tapegrad::optim::auto_lr::{SgdHd, SgdHdConfig};
use tapegrad::optim::sched::{
    GradNormScaledLR, GradNormScaledLRConfig, InverseTimeDecay, InverseTimeDecayConfig,
    LossScaledLR, LossScaledLRConfig, LrScheduler, PolynomialLR, PolynomialLRConfig,
};
use tapegrad::optim::{
    Adagrad, AdagradConfig, Adam, AdamConfig, Lbfgs, LbfgsConfig, Optimizer, Rmsprop,
    RmspropConfig, Sgd, SgdConfig,
};
use tapegrad::tensor::{Param, Tape, Tensor, Var};

/// A function to minimise.
struct Problem {
    name: &'static str,
    formula: &'static str,
    start: [f32; 2],
    /// The minimum value `f*`.
    min: f64,
    budget: usize,
    tolerance: f64,
    f: fn(&Var, &Var) -> Var,
    /// Per-strategy settings for this function.
    settings: Settings,
}

/// The hand-chosen hyperparameters of every strategy for one function.
struct Settings {
    fixed: f64,
    inverse_time: (f64, f64),
    polynomial: (f64, f64),
    loss_scaled: (f64, f64),
    grad_scaled: (f64, f64),
    adagrad: f64,
    rmsprop: f64,
    adam: f64,
    hypergradient: (f64, f64),
}

fn quadratic(x: &Var, y: &Var) -> Var {
    &(&x.square() + &(&y.square() * 10.0)) * 0.5
}

fn rosenbrock(x: &Var, y: &Var) -> Var {
    let a = &(-x) + 1.0;
    let b = &(y - &x.square()) * 1.0;
    &a.square() + &(&b.square() * 100.0)
}

fn problems() -> Vec<Problem> {
    vec![
        Problem {
            name: "quadratic",
            formula: "(x^2 + 10 y^2) / 2 from (-2, 1)",
            start: [-2.0, 1.0],
            min: 0.0,
            budget: 500,
            tolerance: 1e-8,
            f: quadratic,
            settings: Settings {
                fixed: 0.1,
                inverse_time: (0.1, 0.01),
                polynomial: (0.1, 1.0),
                loss_scaled: (0.19, 1.0),
                grad_scaled: (0.19, 0.1),
                adagrad: 1.0,
                rmsprop: 0.01,
                adam: 0.1,
                hypergradient: (0.01, 1e-3),
            },
        },
        Problem {
            name: "Rosenbrock",
            formula: "(1 - x)^2 + 100 (y - x^2)^2 from (-1.2, 1)",
            start: [-1.2, 1.0],
            min: 0.0,
            budget: 20_000,
            tolerance: 1e-6,
            f: rosenbrock,
            settings: Settings {
                fixed: 1e-3,
                inverse_time: (1e-3, 1e-4),
                polynomial: (1e-3, 1.0),
                loss_scaled: (1.5e-3, 0.1),
                grad_scaled: (1.5e-3, 1e-4),
                adagrad: 0.5,
                rmsprop: 1e-3,
                adam: 0.02,
                hypergradient: (1e-4, 1e-8),
            },
        },
    ]
}

/// What drives a scheduler's rate, if the strategy has one.
enum Metric {
    /// Time only: stepped after each update.
    Time,
    /// `f(x_t)`, before the update.
    Loss,
    /// The global gradient norm `|g_t|`, before the update.
    GradNorm,
}

/// One strategy, set up over a problem's params.
struct Run {
    opt: Box<dyn Optimizer>,
    sched: Option<(Box<dyn LrScheduler>, Metric)>,
    /// Steps through `step_with_closure` (LBFGS re-evaluates the function).
    closure: bool,
}

type Build = Box<dyn Fn(Vec<Param>) -> Result<Run, Box<dyn Error>>>;

fn sgd(params: Vec<Param>, lr: f64) -> Result<Sgd, Box<dyn Error>> {
    Ok(Sgd::new(
        params,
        SgdConfig {
            lr,
            ..Default::default()
        },
    )?)
}

/// A setting for the table: plain decimals for moderate values, else scientific.
fn num(v: f64) -> String {
    if v == 0.0 || (1e-3..1e4).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// (name, settings shown, builder) for every strategy.
fn strategies(s: &Settings, budget: usize) -> Vec<(&'static str, String, Build)> {
    let plain = |opt: Box<dyn Optimizer>| Run {
        opt,
        sched: None,
        closure: false,
    };
    let (fixed, it, poly, ls, gs) = (
        s.fixed,
        s.inverse_time,
        s.polynomial,
        s.loss_scaled,
        s.grad_scaled,
    );
    let (adagrad, rmsprop, adam, hd) = (s.adagrad, s.rmsprop, s.adam, s.hypergradient);
    let total_iters = budget as u64;
    vec![
        (
            "fixed rate",
            format!("lr {}", num(fixed)),
            Box::new(move |p| Ok(plain(Box::new(sgd(p, fixed)?)))),
        ),
        (
            "inverse-time decay",
            format!("lr {} / (1 + {} t)", num(it.0), num(it.1)),
            Box::new(move |p| {
                let mut opt = sgd(p, it.0)?;
                let s =
                    InverseTimeDecay::new(&mut opt, InverseTimeDecayConfig { decay_rate: it.1 })?;
                Ok(Run {
                    opt: Box::new(opt),
                    sched: Some((Box::new(s), Metric::Time)),
                    closure: false,
                })
            }),
        ),
        (
            "polynomial decay",
            format!("lr {} (1 - t/{total_iters})^{}", num(poly.0), num(poly.1)),
            Box::new(move |p| {
                let mut opt = sgd(p, poly.0)?;
                let config = PolynomialLRConfig {
                    total_iters,
                    power: poly.1,
                };
                let s = PolynomialLR::new(&mut opt, config)?;
                Ok(Run {
                    opt: Box::new(opt),
                    sched: Some((Box::new(s), Metric::Time)),
                    closure: false,
                })
            }),
        ),
        (
            "loss-scaled",
            format!("lr {} / sqrt(1 + {} f)", num(ls.0), num(ls.1)),
            Box::new(move |p| {
                let mut opt = sgd(p, ls.0)?;
                let s = LossScaledLR::new(&mut opt, LossScaledLRConfig { beta: ls.1 })?;
                Ok(Run {
                    opt: Box::new(opt),
                    sched: Some((Box::new(s), Metric::Loss)),
                    closure: false,
                })
            }),
        ),
        (
            "gradient-norm-scaled",
            format!("lr {} / (1 + {} |g|^2)", num(gs.0), num(gs.1)),
            Box::new(move |p| {
                let mut opt = sgd(p, gs.0)?;
                let s = GradNormScaledLR::new(&mut opt, GradNormScaledLRConfig { beta: gs.1 })?;
                Ok(Run {
                    opt: Box::new(opt),
                    sched: Some((Box::new(s), Metric::GradNorm)),
                    closure: false,
                })
            }),
        ),
        (
            "AdaGrad",
            format!("lr {}", num(adagrad)),
            Box::new(move |p| {
                let config = AdagradConfig {
                    lr: adagrad,
                    ..Default::default()
                };
                Ok(plain(Box::new(Adagrad::new(p, config)?)))
            }),
        ),
        (
            "RMSprop",
            format!("lr {}, alpha 0.99", num(rmsprop)),
            Box::new(move |p| {
                let config = RmspropConfig {
                    lr: rmsprop,
                    ..Default::default()
                };
                Ok(plain(Box::new(Rmsprop::new(p, config)?)))
            }),
        ),
        (
            "Adam",
            format!("lr {}, betas (0.9, 0.999)", num(adam)),
            Box::new(move |p| {
                let config = AdamConfig {
                    lr: adam,
                    ..Default::default()
                };
                Ok(plain(Box::new(Adam::new(p, config)?)))
            }),
        ),
        (
            "hypergradient (SGD-HD)",
            format!("lr0 {}, beta {}", num(hd.0), num(hd.1)),
            Box::new(move |p| {
                let config = SgdHdConfig {
                    lr: hd.0,
                    hypergrad_lr: hd.1,
                    ..Default::default()
                };
                Ok(plain(Box::new(SgdHd::new(p, config)?)))
            }),
        ),
        (
            "L-BFGS (strong Wolfe)",
            "lr 1, history 10, max_eval 25".to_string(),
            Box::new(move |p| {
                // max_eval must be set: its default, max_iter * 5 / 4 = 1, leaves the line
                // search no evaluation and LBFGS never moves (PyTorch's too).
                let config = LbfgsConfig {
                    max_iter: 1,
                    max_eval: Some(25),
                    history_size: 10,
                    line_search_fn: Some("strong_wolfe".into()),
                    ..Default::default()
                };
                Ok(Run {
                    opt: Box::new(Lbfgs::new(p, config)?),
                    sched: None,
                    closure: true,
                })
            }),
        ),
    ]
}

/// The outcome of one strategy on one problem.
struct Outcome {
    reached: Option<usize>,
    final_error: f64,
    diverged: bool,
    final_lr: f64,
    /// (iteration, error) at every recorded iteration, for the plot.
    curve: Vec<(f64, f64)>,
}

fn minimise(problem: &Problem, build: &Build) -> Result<Outcome, Box<dyn Error>> {
    let x = Param::new("x", Tensor::from_vec(vec![problem.start[0]], &[1]));
    let y = Param::new("y", Tensor::from_vec(vec![problem.start[1]], &[1]));
    let mut run = build(vec![x.clone(), y.clone()])?;
    // At most about 1,000 points per curve in the plot.
    let stride = (problem.budget / 1000).max(1);
    let mut out = Outcome {
        reached: None,
        final_error: f64::NAN,
        diverged: false,
        final_lr: f64::NAN,
        curve: Vec::new(),
    };
    for t in 0..=problem.budget {
        let tape = Tape::new();
        let f = (problem.f)(&tape.param(&x), &tape.param(&y));
        let error = f.value().item() as f64 - problem.min;
        out.final_error = error;
        out.final_lr = run.opt.lr(0);
        if t % stride == 0 || t == problem.budget {
            out.curve.push((t as f64, error));
        }
        if !error.is_finite() {
            out.diverged = true;
            break;
        }
        if out.reached.is_none() && error <= problem.tolerance {
            out.reached = Some(t);
        }
        if t == problem.budget {
            break;
        }
        run.opt.zero_grad();
        f.backward();
        if let Some((sched, metric @ (Metric::Loss | Metric::GradNorm))) = &mut run.sched {
            let value = match metric {
                Metric::Loss => error + problem.min,
                _ => grad_norm(&[&x, &y]),
            };
            sched.step_with(run.opt.as_mut(), value)?;
        }
        let stepped = if run.closure {
            let mut closure = || {
                x.zero_grad();
                y.zero_grad();
                let tape = Tape::new();
                let f = (problem.f)(&tape.param(&x), &tape.param(&y));
                f.backward();
                f.value().item() as f64
            };
            run.opt.step_with_closure(&mut closure).map(|_| ())
        } else {
            run.opt.step()
        };
        if stepped.is_err() {
            // A non-finite gradient: the run has diverged.
            out.diverged = true;
            break;
        }
        if let Some((sched, Metric::Time)) = &mut run.sched {
            sched.step(run.opt.as_mut())?;
        }
    }
    Ok(out)
}

fn grad_norm(params: &[&Param]) -> f64 {
    params
        .iter()
        .filter_map(|p| p.grad())
        .flat_map(|g| g.to_vec())
        .map(|v| (v as f64) * (v as f64))
        .sum::<f64>()
        .sqrt()
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut plot: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--plot" => plot = Some(args.next().ok_or("--plot needs a file name")?.into()),
            "-h" | "--help" => {
                println!(
                    "cargo run --release --example function_minimization [-- --plot FILE.svg]"
                );
                return Ok(());
            }
            other => return Err(format!("unknown option {other:?} (try --help)").into()),
        }
    }

    let started = Instant::now();
    let mut charts = Vec::new();
    for problem in problems() {
        println!(
            "\n{}: f(x, y) = {}; tolerance {:e} on f - f*, budget {} iterations",
            problem.name, problem.formula, problem.tolerance, problem.budget
        );
        println!(
            "{:<24} {:<32} {:>10} {:>12} {:>10}",
            "strategy", "settings", "iters", "final error", "final lr"
        );
        let mut chart = LineChart::new(format!("{}: {}", problem.name, problem.formula))
            .x_label("iteration")
            .y_label("f(x) - f*")
            .log_y(true)
            .y_range(1e-16, 1e2);
        for (name, settings, build) in strategies(&problem.settings, problem.budget) {
            let o = minimise(&problem, &build)?;
            let iters = match (o.reached, o.diverged) {
                (Some(t), _) => t.to_string(),
                (None, true) => "diverged".to_string(),
                (None, false) => "-".to_string(),
            };
            let final_error = if o.diverged {
                "diverged".to_string()
            } else {
                format!("{:.3e}", o.final_error)
            };
            println!(
                "{name:<24} {settings:<32} {iters:>10} {final_error:>12} {:>10.3e}",
                o.final_lr
            );
            chart = chart.series(name, o.curve);
        }
        charts.push(chart);
    }
    println!(
        "\n(iters: first iteration with f - f* below the tolerance; '-': not within the budget)"
    );
    if let Some(path) = plot {
        save_charts_svg(&path, &charts, 1, 900, 520)?;
        println!("plot written to {}", path.display());
    }
    println!("done in {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}
