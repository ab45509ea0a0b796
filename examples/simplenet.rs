//! SimpleNet, trained with every optimizer from the same initial weights.
//!
//! `Linear(10, 5) -> sigmoid -> Linear(5, 1)` on seeded random data `X` [100, 10], `y` [100, 1],
//! full-batch MSE, a few hundred steps per optimizer: every optimizer tapegrad has (PyTorch's
//! and LARS, Lion, LAMB, Schedule-Free AdamW). Prints one row per optimizer (learning rate,
//! initial and final loss, time per training step; LBFGS's steps run up to 4 inner
//! iterations) and saves the best model's weights as safetensors, loadable in PyTorch with
//! `model.load_state_dict(safetensors.torch.load_file(path))`.
//!
//! ```text
//! cargo run --release --example simplenet -- [--steps N] [--seed N] [--out PATH] [--checkpoint PATH] [--plot PATH]
//! ```
//!
//! `--checkpoint PATH` also writes a training checkpoint of the Adam run (params, Adam's whole
//! state, step count, metadata) to PATH: look inside with `tapegrad inspect PATH`.
//!
//! `--plot PATH` also writes an SVG line chart of the training loss at every step (the
//! full-batch loss before each step, and after the last) of Adagrad, RMSprop and Adam, one line
//! each, on a logarithmic y axis when the losses span a decade or more; the repository's copy
//! is `docs/simplenet_losses.svg`.

use std::path::{Path, PathBuf};
use std::time::Instant;
use tapegrad::checkpoint::Checkpoint;
use tapegrad::data::plot::{LineChart, PlotError};
use tapegrad::nn::{children, save_safetensors, Linear, MSELoss, Module};
use tapegrad::optim::{optimizer_from_options, Optimizer};
use tapegrad::tensor::{rng_from_seed, Rng, Tape, Tensor, Var};

// ---- The model: PyTorch's
//     class SimpleNet(nn.Module):
//         def __init__(self):
//             super().__init__(); self.fc1 = nn.Linear(10, 5); self.fc2 = nn.Linear(5, 1)
//         def forward(self, x): return self.fc2(torch.sigmoid(self.fc1(x)))
// in Rust:

struct SimpleNet {
    fc1: Linear,
    fc2: Linear,
}

impl SimpleNet {
    fn new(rng: &mut Rng) -> SimpleNet {
        SimpleNet {
            fc1: Linear::new(10, 5, rng),
            fc2: Linear::new(5, 1, rng),
        }
    }
}

impl Module for SimpleNet {
    fn forward(&self, x: &Var) -> Var {
        self.fc2.forward(&self.fc1.forward(x).sigmoid())
    }
    children!(fc1, fc2); // names the params fc1.weight, fc1.bias, fc2.weight, fc2.bias
}

// ---- Command line (hand-written).

struct Args {
    steps: usize,
    seed: u64,
    out: PathBuf,
    checkpoint: Option<PathBuf>,
    plot: Option<PathBuf>,
}

const USAGE: &str =
    "usage: simplenet [--steps N] [--seed N] [--out PATH] [--checkpoint PATH] [--plot PATH]
  --steps N    full-batch training steps per optimizer (default 300)
  --seed N     seed of the data and the initial weights (default 0)
  --out PATH   where to save the best model's weights (default target/simplenet_best.safetensors)
  --checkpoint PATH  also write a training checkpoint of the Adam run to PATH
  --plot PATH  also write an SVG chart of the per-step training loss of Adagrad, RMSprop, Adam";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        steps: 300,
        seed: 0,
        out: PathBuf::from("target/simplenet_best.safetensors"),
        checkpoint: None,
        plot: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--steps" => {
                let v = value("--steps")?;
                args.steps = v
                    .parse()
                    .map_err(|_| format!("--steps: not a count: {v}"))?;
            }
            "--seed" => {
                let v = value("--seed")?;
                args.seed = v
                    .parse()
                    .map_err(|_| format!("--seed: not a number: {v}"))?;
            }
            "--out" => args.out = PathBuf::from(value("--out")?),
            "--checkpoint" => args.checkpoint = Some(PathBuf::from(value("--checkpoint")?)),
            "--plot" => args.plot = Some(PathBuf::from(value("--plot")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(args)
}

// ---- Training

/// The optimizers compared: a label, PyTorch's class name (or the reference package's) and
/// its options. Muon takes the 2-D weights only; its row pairs it with AdamW for the biases,
/// as PyTorch documents.
fn optimizers() -> Vec<(&'static str, &'static str, serde_json::Value)> {
    use serde_json::json;
    vec![
        ("SGD", "SGD", json!({"lr": 0.1})),
        ("SGD+momentum", "SGD", json!({"lr": 0.05, "momentum": 0.9})),
        ("Adagrad", "Adagrad", json!({"lr": 0.1})),
        ("RMSprop", "RMSprop", json!({"lr": 0.01})),
        ("Adam", "Adam", json!({"lr": 0.01})),
        ("AdamW", "AdamW", json!({"lr": 0.01})),
        ("Adadelta", "Adadelta", json!({"lr": 1.0})),
        ("NAdam", "NAdam", json!({"lr": 0.01})),
        ("RAdam", "RAdam", json!({"lr": 0.01})),
        ("Adamax", "Adamax", json!({"lr": 0.02})),
        ("Rprop", "Rprop", json!({"lr": 0.01})),
        ("ASGD", "ASGD", json!({"lr": 0.1})),
        ("Adafactor", "Adafactor", json!({"lr": 0.05})),
        ("Muon+AdamW", "Muon", json!({"lr": 0.02})),
        (
            "LBFGS",
            "LBFGS",
            json!({"lr": 1.0, "max_iter": 4, "line_search_fn": "strong_wolfe"}),
        ),
        (
            "LARS",
            "LARS",
            json!({"lr": 1.0, "momentum": 0.9, "trust_coefficient": 0.02}),
        ),
        ("Lion", "Lion", json!({"lr": 1e-3})),
        ("LAMB", "Lamb", json!({"lr": 0.02})),
        ("ScheduleFree", "AdamWScheduleFree", json!({"lr": 0.01})),
    ]
}

struct Outcome {
    label: &'static str,
    lr: f64,
    initial: f32,
    last: f32,
    /// The full-batch loss before each step, then after the last one (`steps + 1` values).
    losses: Vec<f32>,
    micros_per_step: f64,
    net: SimpleNet,
    opt: Box<dyn Optimizer>,
}

/// The full-batch MSE loss of `net` (recorded on a fresh tape when `train`).
fn loss(net: &SimpleNet, x: &Tensor, y: &Tensor, train: bool) -> f32 {
    let tape = if train { Tape::new() } else { Tape::no_grad() };
    let l = MSELoss::new().forward(
        &net.forward(&tape.constant(x.clone())),
        &tape.constant(y.clone()),
    );
    if train {
        l.backward();
    }
    l.value().item()
}

/// A row's optimizer, and a second one for what the first does not take (Muon's biases).
type Pair = (Box<dyn Optimizer>, Option<Box<dyn Optimizer>>);

/// The optimizer of a row over `net`, and a second one for what the first does not take
/// (Muon: the biases, to AdamW).
fn build(name: &str, options: &serde_json::Value, net: &SimpleNet) -> Result<Pair, String> {
    let err = |e: tapegrad::optim::OptimError| e.to_string();
    if name != "Muon" {
        return Ok((
            optimizer_from_options(name, net.params(), options).map_err(err)?,
            None,
        ));
    }
    let (matrices, rest): (Vec<_>, Vec<_>) =
        net.params().into_iter().partition(|p| p.shape().len() == 2);
    let muon = optimizer_from_options("Muon", matrices, options).map_err(err)?;
    let adamw =
        optimizer_from_options("AdamW", rest, &serde_json::json!({"lr": 0.01})).map_err(err)?;
    Ok((muon, Some(adamw)))
}

fn train(
    label: &'static str,
    name: &str,
    options: &serde_json::Value,
    init: &[(String, Tensor)],
    (x, y): (&Tensor, &Tensor),
    steps: usize,
) -> Result<Outcome, String> {
    // Same initial weights for every optimizer.
    let net = SimpleNet::new(&mut rng_from_seed(0));
    net.load_state_dict(init.to_vec(), true)
        .map_err(|e| e.to_string())?;
    let (mut opt, mut second) = build(name, options, &net)?;
    let initial = loss(&net, x, y, false);
    let mut losses = Vec::with_capacity(steps + 1);
    // Schedule-Free trains at its interpolated point and evaluates at its average; for the
    // others train/eval do nothing.
    opt.train();
    let start = Instant::now();
    for step in 0..steps {
        // The closure re-evaluates the loss: once per step for most optimizers, as often as
        // its line search needs for LBFGS.
        let mut closure = || {
            net.zero_grad();
            loss(&net, x, y, true) as f64
        };
        let l = opt
            .step_with_closure(&mut closure)
            .map_err(|e| format!("{label}, step {step}: {e}"))?;
        if let Some(second) = &mut second {
            second
                .step()
                .map_err(|e| format!("{label}, step {step}: {e}"))?;
        }
        losses.push(l as f32);
    }
    let micros_per_step = start.elapsed().as_secs_f64() * 1e6 / steps.max(1) as f64;
    opt.eval();
    let last = loss(&net, x, y, false);
    losses.push(last);
    Ok(Outcome {
        label,
        lr: opt.lr(0),
        initial,
        last,
        losses,
        micros_per_step,
        net,
        opt,
    })
}

fn main() {
    let args = parse_args().unwrap_or_else(|e| {
        eprintln!("simplenet: {e}\n{USAGE}");
        std::process::exit(2);
    });
    let mut rng = rng_from_seed(args.seed);
    let x = Tensor::randn(&[100, 10], 0.0, 1.0, &mut rng);
    let y = Tensor::randn(&[100, 1], 0.0, 1.0, &mut rng);
    let init = SimpleNet::new(&mut rng).state_dict();

    println!(
        "SimpleNet (Linear(10, 5) -> sigmoid -> Linear(5, 1)), MSE, X [100, 10], y [100, 1], {} full-batch steps, seed {}\n",
        args.steps, args.seed
    );
    println!(
        "{:<14} {:>8} {:>13} {:>13} {:>12}",
        "optimizer", "lr", "initial loss", "final loss", "us/step"
    );
    println!("{}", "-".repeat(64));
    let mut results = Vec::new();
    for (label, name, options) in optimizers() {
        match train(label, name, &options, &init, (&x, &y), args.steps) {
            Ok(r) => {
                println!(
                    "{:<14} {:>8} {:>13.6} {:>13.6} {:>12.2}",
                    r.label, r.lr, r.initial, r.last, r.micros_per_step
                );
                results.push(r);
            }
            Err(e) => println!("{label:<14} failed: {e}"),
        }
    }
    if let Some(path) = &args.checkpoint {
        let Some(adam) = results.iter().find(|r| r.label == "Adam") else {
            eprintln!("simplenet: the Adam run failed; no checkpoint written");
            std::process::exit(1);
        };
        let cp = Checkpoint::capture(&adam.net, adam.opt.as_ref(), None, 0, args.steps as u64)
            .with_meta("example", "simplenet")
            .with_meta("seed", args.seed.to_string())
            .with_meta("final_loss", adam.last.to_string());
        if let Err(e) = tapegrad::checkpoint::save(path, &cp) {
            eprintln!("simplenet: {e}");
            std::process::exit(1);
        }
        println!("checkpoint of the Adam run written to {}", path.display());
    }
    let Some(best) = results
        .iter()
        .filter(|r| r.last.is_finite())
        .min_by(|a, b| a.last.total_cmp(&b.last))
    else {
        eprintln!("simplenet: no optimizer finished");
        std::process::exit(1);
    };
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("simplenet: cannot create {}: {e}", dir.display());
            std::process::exit(1);
        }
    }
    match save_safetensors(&best.net, &args.out) {
        Ok(()) => println!(
            "\nbest: {} (final loss {:.6}); weights saved to {}",
            best.label,
            best.last,
            args.out.display()
        ),
        Err(e) => {
            eprintln!("simplenet: {e}");
            std::process::exit(1);
        }
    }
    if let Some(path) = &args.plot {
        if let Err(e) = plot(path, &results, args.steps) {
            eprintln!("simplenet: {e}");
            std::process::exit(1);
        }
        println!("loss curves written to {}", path.display());
    }
}

/// The optimizers drawn by `--plot` (labels from [`optimizers`]).
const PLOTTED: [&str; 3] = ["Adagrad", "RMSprop", "Adam"];

/// Writes the per-step training loss of the [`PLOTTED`] runs to `path` as SVG (runs that
/// failed are left out); the y axis is logarithmic when the losses span a decade or more.
fn plot(path: &Path, results: &[Outcome], steps: usize) -> Result<(), PlotError> {
    let curves: Vec<(&str, Vec<(f64, f64)>)> = PLOTTED
        .iter()
        .filter_map(|label| results.iter().find(|r| r.label == *label))
        .map(|r| {
            let points = r
                .losses
                .iter()
                .enumerate()
                .map(|(step, &l)| (step as f64, l as f64))
                .collect();
            (r.label, points)
        })
        .collect();
    let positive = curves
        .iter()
        .flat_map(|(_, pts)| pts.iter().map(|p| p.1))
        .filter(|l| l.is_finite() && *l > 0.0);
    let (lo, hi) = positive.fold((f64::INFINITY, 0.0f64), |(lo, hi), l| {
        (lo.min(l), hi.max(l))
    });
    let mut chart = LineChart::new(format!(
        "SimpleNet: training loss, {steps} full-batch steps"
    ))
    .x_label("step")
    .y_label("MSE loss")
    .log_y(hi >= 10.0 * lo);
    for (label, points) in curves {
        chart = chart.series(label, points);
    }
    chart.save_svg(path, 800, 450)
}
