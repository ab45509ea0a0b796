//! Every learning-rate scheduler side by side: the rate at steps 0, 10, 25, 50, 75 and 100 of
//! a 100-step run on SGD (lr 0.1, momentum 0.9), each scheduler driving its own optimizer (the
//! rate shown is the optimizer's, as the training step would use it). The metric-driven schedules
//! (ReduceLROnPlateau, LossScaledLR, GradNormScaledLR) are fed a synthetic loss that decays
//! and then plateaus, and a decaying gradient norm. OneCycleLR gets `total_steps = 101`, the
//! number of rates shown (a cycle of `N` steps covers rates 0..N-1; see its docs).
//!
//! ```text
//! cargo run --release --example lr_schedules [-- --plot FILE.svg]
//! ```
//!
//! `--plot FILE.svg` also draws every schedule's rate at each of the 101 steps as small
//! multiples: one small chart per scheduler, in a grid of three columns; the repository's copy
//! is `docs/lr_schedules.svg`.

use serde_json::json;
use std::path::PathBuf;
use tapegrad::data::plot::{save_charts_svg, LineChart};
use tapegrad::optim::sched::{
    scheduler_from_options, LambdaLR, LambdaLRConfig, LrScheduler, MultiplicativeLR,
    MultiplicativeLRConfig,
};
use tapegrad::optim::{Optimizer, Sgd, SgdConfig};
use tapegrad::tensor::{Param, Tensor};

const STEPS: u64 = 100;
const REPORT_AT: [u64; 6] = [0, 10, 25, 50, 75, 100];

/// A loss that falls quickly, then plateaus (with a little noise) from step 40 on.
fn loss(t: u64) -> f64 {
    if t < 40 {
        2.0 * (-0.08 * t as f64).exp() + 0.05
    } else {
        2.0 * (-3.2f64).exp() + 0.05 + 0.002 * ((t * 7) % 5) as f64
    }
}

/// A global gradient norm that decays.
fn grad_norm(t: u64) -> f64 {
    3.0 * (-0.03 * t as f64).exp() + 0.1
}

const USAGE: &str = "usage: lr_schedules [--plot FILE.svg]
  --plot FILE.svg  also write every schedule's rate at steps 0..=100 as an SVG grid of charts";

/// The `--plot` file, if any.
fn parse_args() -> Result<Option<PathBuf>, String> {
    let mut plot = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--plot" => plot = Some(args.next().ok_or("--plot needs a file name")?.into()),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(plot)
}

/// Builds a scheduler on a fresh optimizer.
type Build = Box<dyn Fn(&mut dyn Optimizer) -> Box<dyn LrScheduler>>;

/// Columns of the `--plot` grid, and each small chart's size in pixels.
const PLOT_COLUMNS: usize = 3;
const PLOT_SIZE: (u32, u32) = (380, 250);

fn main() {
    let plot = parse_args().unwrap_or_else(|e| {
        eprintln!("lr_schedules: {e}\n{USAGE}");
        std::process::exit(2);
    });
    let optimizer = || {
        let p = Param::new("w", Tensor::zeros(&[1]));
        let config = SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            ..Default::default()
        };
        Sgd::new(vec![p], config).expect("valid SGD options")
    };
    let from = |name: &'static str, options: serde_json::Value| -> Build {
        Box::new(move |opt| {
            scheduler_from_options(name, opt, &options)
                .unwrap_or_else(|e| panic!("{name} {options}: {e}"))
        })
    };
    let rows: Vec<(&str, Build)> = vec![
        (
            "ConstantLR",
            from("ConstantLR", json!({"factor": 0.5, "total_iters": 20})),
        ),
        (
            "StepLR",
            from("StepLR", json!({"step_size": 30, "gamma": 0.5})),
        ),
        (
            "MultiStepLR",
            from(
                "MultiStepLR",
                json!({"milestones": [20, 60, 90], "gamma": 0.3}),
            ),
        ),
        (
            "ExponentialLR",
            from("ExponentialLR", json!({"gamma": 0.97})),
        ),
        (
            "PolynomialLR",
            from("PolynomialLR", json!({"total_iters": 100, "power": 2.0})),
        ),
        (
            "LinearLR (warm-up)",
            from("LinearLR", json!({"start_factor": 0.1, "total_iters": 25})),
        ),
        (
            "CosineAnnealingLR",
            from("CosineAnnealingLR", json!({"T_max": 100, "eta_min": 0.001})),
        ),
        (
            "CosineAnnealingWarmRestarts",
            from(
                "CosineAnnealingWarmRestarts",
                json!({"T_0": 10, "T_mult": 2, "eta_min": 0.001}),
            ),
        ),
        (
            "CyclicLR triangular",
            from(
                "CyclicLR",
                json!({"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 20}),
            ),
        ),
        (
            "CyclicLR triangular2",
            from(
                "CyclicLR",
                json!({"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10, "step_size_down": 15, "mode": "triangular2"}),
            ),
        ),
        (
            "CyclicLR exp_range",
            from(
                "CyclicLR",
                json!({"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 20, "mode": "exp_range", "gamma": 0.99}),
            ),
        ),
        (
            "OneCycleLR cos",
            from(
                "OneCycleLR",
                json!({"max_lr": 0.5, "total_steps": STEPS + 1}),
            ),
        ),
        (
            "OneCycleLR linear 3-phase",
            from(
                "OneCycleLR",
                json!({"max_lr": 0.5, "total_steps": STEPS + 1, "anneal_strategy": "linear", "three_phase": true}),
            ),
        ),
        (
            "LambdaLR 0.5^(t/25)",
            Box::new(|opt| {
                let f = LambdaLRConfig::new(|t| 0.5f64.powf(t as f64 / 25.0));
                Box::new(LambdaLR::new(opt, f).expect("valid LambdaLR"))
            }),
        ),
        (
            "MultiplicativeLR x0.98",
            Box::new(|opt| {
                let f = MultiplicativeLRConfig::new(|_| 0.98);
                Box::new(MultiplicativeLR::new(opt, f).expect("valid MultiplicativeLR"))
            }),
        ),
        (
            "SequentialLR warm-up+cosine",
            from(
                "SequentialLR",
                json!({"schedulers": [
                {"scheduler": "LinearLR", "options": {"start_factor": 0.01, "total_iters": 10}},
                {"scheduler": "CosineAnnealingLR", "options": {"T_max": 90}}], "milestones": [10]}),
            ),
        ),
        (
            "ChainedScheduler const+exp",
            from(
                "ChainedScheduler",
                json!({"schedulers": [
                {"scheduler": "ConstantLR", "options": {"factor": 0.5, "total_iters": 10}},
                {"scheduler": "ExponentialLR", "options": {"gamma": 0.98}}]}),
            ),
        ),
        (
            "ReduceLROnPlateau (loss)",
            from(
                "ReduceLROnPlateau",
                json!({"factor": 0.5, "patience": 5, "threshold": 0.01, "cooldown": 3}),
            ),
        ),
        (
            "InverseTimeDecay",
            from("InverseTimeDecay", json!({"decay_rate": 0.05})),
        ),
        (
            "LossScaledLR (loss)",
            from("LossScaledLR", json!({"beta": 0.5})),
        ),
        (
            "GradNormScaledLR (|g|)",
            from("GradNormScaledLR", json!({"beta": 0.2})),
        ),
    ];

    let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(10);
    print!("{:width$}", "scheduler");
    for t in REPORT_AT {
        print!("  {:>9}", format!("step {t}"));
    }
    println!();
    println!("{}", "-".repeat(width + REPORT_AT.len() * 11));
    let mut charts = Vec::new();
    for (name, build) in rows {
        let mut opt = optimizer();
        let mut sched = build(&mut opt);
        let metric = |t: u64| match sched_metric(name) {
            Metric::None => None,
            Metric::Loss => Some(loss(t)),
            Metric::GradNorm => Some(grad_norm(t)),
        };
        let mut row = Vec::new();
        let mut curve = Vec::new();
        for t in 0..=STEPS {
            let lr = opt.lr(0);
            curve.push((t as f64, lr));
            if REPORT_AT.contains(&t) {
                row.push(lr);
            }
            if t < STEPS {
                sched
                    .step_metric(&mut opt, metric(t))
                    .unwrap_or_else(|e| panic!("{name} at step {}: {e}", t + 1));
            }
        }
        print!("{name:width$}");
        for lr in row {
            print!("  {lr:>9.6}");
        }
        println!();
        charts.push(
            LineChart::new(name)
                .x_label("step")
                .y_label("lr")
                .series(name, curve),
        );
    }
    println!(
        "\nbase rate {} (SGD, momentum 0.9); CyclicLR and OneCycleLR set their own ranges.",
        optimizer().lr(0)
    );
    if let Some(path) = plot {
        let (w, h) = PLOT_SIZE;
        if let Err(e) = save_charts_svg(&path, &charts, PLOT_COLUMNS, w, h) {
            eprintln!("lr_schedules: {e}");
            std::process::exit(1);
        }
        println!("schedules drawn to {}", path.display());
    }
}

enum Metric {
    None,
    Loss,
    GradNorm,
}

fn sched_metric(row: &str) -> Metric {
    if row.contains("(loss)") {
        Metric::Loss
    } else if row.contains("(|g|)") {
        Metric::GradNorm
    } else {
        Metric::None
    }
}
