//! Quick performance snapshot: the workloads of issue 7 in well under a minute, printed as one
//! JSON object that `benches/compare.py` sets beside `benches/pytorch_baseline.py`'s.
//!
//! ```text
//! cargo run --release --example bench -- --threads 1 > rust1.json
//! /work/venv/bin/python benches/pytorch_baseline.py --threads 1 > torch1.json
//! python3 benches/compare.py rust1.json torch1.json
//! ```
//!
//! Workloads (identical in the PyTorch script):
//! - `simplenet_adam_step_us`: Linear(10,5) -> sigmoid -> Linear(5,1), MSE, batch 100, one
//!   forward + backward + Adam step (lr 1e-3), fresh tape per step;
//! - `mlp784_adam_step_us`: 784-256-128-10 ReLU, batch 128, cross-entropy, Adam;
//! - `matmul_gflops`: square f32 `A @ B`, n = 64..2048, 2 n^3 / time;
//! - `optim_4m_melem_per_s` (and `optim_4m_x64_melem_per_s`): one step of each optimizer
//!   over 4M params as one tensor (as 64 tensors), in millions of params per second;
//! - `digits_epoch_ms`: one epoch over the 1,437 training rows of `data/digits.csv`
//!   (MLP 64-128-64-10 ReLU, batch 32, Adam lr 1e-3, shuffled), `null` without the file.
//!
//! The training workloads run inside `parallel::run` (what a user's training loop should do
//! with more than one thread: parallel loops then start from a pool thread).
//!
//! Every figure is the median over several timed samples after a warm-up. `--threads T`
//! sizes the thread pool (default: `RAYON_NUM_THREADS`, else one per core);
//! `--quick` shortens the runs (for smoke tests).

use serde_json::{json, Map, Value};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tapegrad::nn::{Linear, Module};
use tapegrad::optim::{optimizer_from_options, Optimizer};
use tapegrad::tensor::{parallel, rng_from_seed, IntTensor, Param, Rng, Tape, Tensor, Var};

/// Median seconds per call of `f`: warm up for a tenth of `budget`, then take `samples`
/// timings of enough calls each that a sample lasts about `budget / samples`.
fn time_per_call(budget: Duration, samples: usize, mut f: impl FnMut()) -> f64 {
    let warm = budget / 10;
    let t0 = Instant::now();
    let mut calls = 0usize;
    while t0.elapsed() < warm || calls < 2 {
        f();
        calls += 1;
    }
    let per_call = t0.elapsed().as_secs_f64() / calls as f64;
    let per_sample = budget.as_secs_f64() / samples as f64;
    let reps = ((per_sample / per_call).ceil() as usize).max(1);
    let mut times: Vec<f64> = (0..samples)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() / reps as f64
        })
        .collect();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    times[samples / 2]
}

/// A stack of Linear layers with an activation between them (none after the last).
struct Mlp {
    layers: Vec<Linear>,
    act: fn(&Var) -> Var,
}

impl Mlp {
    fn new(sizes: &[usize], act: fn(&Var) -> Var, rng: &mut Rng) -> Mlp {
        let layers = sizes
            .windows(2)
            .map(|w| Linear::new(w[0], w[1], rng))
            .collect();
        Mlp { layers, act }
    }

    fn forward(&self, x: &Var) -> Var {
        let mut h = x.clone();
        for (i, l) in self.layers.iter().enumerate() {
            h = l.forward(&h);
            if i + 1 < self.layers.len() {
                h = (self.act)(&h);
            }
        }
        h
    }

    fn params(&self) -> Vec<Param> {
        self.layers.iter().flat_map(|l| l.params()).collect()
    }
}

fn adam(params: Vec<Param>) -> Box<dyn Optimizer> {
    optimizer_from_options("Adam", params, &json!({"lr": 1e-3})).expect("Adam options")
}

/// One training step: fresh tape, forward, loss, backward, optimizer step. The tape is
/// dropped before the step so the optimizer updates the params' buffers in place.
fn step(opt: &mut dyn Optimizer, loss: impl FnOnce(&Tape) -> Var) -> f32 {
    let l = {
        let tape = Tape::new();
        let l = loss(&tape);
        l.backward();
        l.value().item()
    };
    opt.step().expect("finite step");
    opt.zero_grad();
    l
}

fn simplenet(budget: Duration) -> f64 {
    let mut rng = rng_from_seed(0);
    let net = Mlp::new(&[10, 5, 1], |h| h.sigmoid(), &mut rng);
    let x = Tensor::randn(&[100, 10], 0.0, 1.0, &mut rng);
    let y = Tensor::randn(&[100, 1], 0.0, 1.0, &mut rng);
    let mut opt = adam(net.params());
    let s = time_per_call(budget, 15, || {
        black_box(step(opt.as_mut(), |t| {
            net.forward(&t.constant(x.clone()))
                .mse_loss(&t.constant(y.clone()))
        }));
    });
    s * 1e6
}

fn mlp784(budget: Duration) -> f64 {
    let mut rng = rng_from_seed(1);
    let net = Mlp::new(&[784, 256, 128, 10], |h| h.relu(), &mut rng);
    let x = Tensor::randn(&[128, 784], 0.0, 1.0, &mut rng);
    let targets = IntTensor::from_vec((0..128).map(|i| (i * 7) % 10).collect(), &[128]);
    let mut opt = adam(net.params());
    let s = time_per_call(budget, 15, || {
        black_box(step(opt.as_mut(), |t| {
            net.forward(&t.constant(x.clone())).cross_entropy(&targets)
        }));
    });
    s * 1e6
}

fn matmul(budget: Duration) -> Value {
    let mut rng = rng_from_seed(2);
    let mut out = Map::new();
    for n in [64usize, 128, 256, 512, 1024, 2048] {
        let a = Tensor::randn(&[n, n], 0.0, 1.0, &mut rng);
        let b = Tensor::randn(&[n, n], 0.0, 1.0, &mut rng);
        let samples = if n >= 1024 { 5 } else { 9 };
        let s = time_per_call(budget, samples, || {
            black_box(black_box(&a).matmul(black_box(&b)));
        });
        let gflops = 2.0 * (n as f64).powi(3) / s / 1e9;
        out.insert(n.to_string(), json!(round(gflops, 1)));
    }
    Value::Object(out)
}

/// The optimizers of the issue: (key, registry name, options).
fn optimizers() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("sgd", "SGD", json!({"lr": 0.01})),
        ("sgd_momentum", "SGD", json!({"lr": 0.01, "momentum": 0.9})),
        ("adagrad", "Adagrad", json!({})),
        ("rmsprop", "RMSprop", json!({})),
        ("adam", "Adam", json!({})),
        ("adamw", "AdamW", json!({})),
        ("adadelta", "Adadelta", json!({})),
        ("nadam", "NAdam", json!({})),
        ("radam", "RAdam", json!({})),
        ("adamax", "Adamax", json!({})),
        ("lars", "LARS", json!({})),
    ]
}

/// `pieces` params totalling `total` elements, each with a fixed gradient.
fn optim_params(total: usize, pieces: usize) -> Vec<Param> {
    (0..pieces)
        .map(|k| {
            let n = total / pieces;
            let v = (0..n)
                .map(|i| ((i * 2_654_435_761 + k) % 1000) as f32 / 1000.0 - 0.5)
                .collect();
            let g = (0..n)
                .map(|i| ((i * 40_503 + 7 * k) % 997) as f32 / 997.0 - 0.5)
                .collect();
            let p = Param::new(format!("p{k}"), Tensor::from_vec(v, &[n]));
            p.set_grad(Some(Tensor::from_vec(g, &[n])));
            p
        })
        .collect()
}

fn optim(budget: Duration, pieces: usize) -> Value {
    const TOTAL: usize = 1 << 22;
    let mut out = Map::new();
    for (key, name, options) in optimizers() {
        let mut opt = optimizer_from_options(name, optim_params(TOTAL, pieces), &options)
            .expect("optimizer options");
        opt.step().expect("first step"); // allocates the state
        let s = time_per_call(budget, 7, || opt.step().expect("step"));
        out.insert(key.into(), json!(round(TOTAL as f64 / s / 1e6, 1)));
    }
    Value::Object(out)
}

/// The training rows of data/digits.csv: pixels scaled by 1/16 and labels.
fn load_digits() -> Option<(Vec<f32>, Vec<i64>)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv");
    let text = std::fs::read_to_string(path).ok()?;
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let mut cols = line.split(',');
        let label: i64 = cols.next()?.parse().ok()?;
        if cols.next()? != "train" {
            continue;
        }
        ys.push(label);
        for c in cols {
            xs.push(c.parse::<f32>().ok()? / 16.0);
        }
    }
    (xs.len() == ys.len() * 64).then_some((xs, ys))
}

fn digits(budget: Duration) -> Option<f64> {
    let (xs, ys) = load_digits()?;
    let mut rng = rng_from_seed(3);
    let net = Mlp::new(&[64, 128, 64, 10], |h| h.relu(), &mut rng);
    let mut opt = adam(net.params());
    let n = ys.len();
    let mut order: Vec<usize> = (0..n).collect();
    let mut shuffle_state = 0x9E37_79B9_7F4A_7C15u64;
    let s = time_per_call(budget, 7, || {
        // Fisher-Yates with a small xorshift generator (a fresh order each epoch).
        for i in (1..n).rev() {
            shuffle_state ^= shuffle_state << 13;
            shuffle_state ^= shuffle_state >> 7;
            shuffle_state ^= shuffle_state << 17;
            order.swap(i, (shuffle_state % (i as u64 + 1)) as usize);
        }
        for batch in order.chunks(32) {
            let mut bx = Vec::with_capacity(batch.len() * 64);
            let mut by = Vec::with_capacity(batch.len());
            for &i in batch {
                bx.extend_from_slice(&xs[i * 64..(i + 1) * 64]);
                by.push(ys[i]);
            }
            let bx = Tensor::from_vec(bx, &[batch.len(), 64]);
            let by = IntTensor::from(by);
            black_box(step(opt.as_mut(), |t| {
                net.forward(&t.constant(bx)).cross_entropy(&by)
            }));
        }
    });
    Some(s * 1e3)
}

/// Peak single-precision FMA rate in GFLOP/s: 10 independent chains of 8-lane `vfmadd`
/// (enough to cover the FMA latency on both FMA pipes), on one core (`all_cores` false) or on
/// every thread of the pool at once (the rate the threads reach together). `None` without
/// AVX2+FMA.
fn fma_peak_gflops(all_cores: bool) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        if !parallel::has_avx2_fma() {
            return None;
        }
        const ITERS: usize = 20_000_000;
        // SAFETY: only called after checking that the CPU has AVX2 and FMA.
        #[target_feature(enable = "avx2,fma")]
        unsafe fn chains() -> f32 {
            use std::arch::x86_64::*;
            let mut acc = [_mm256_set1_ps(0.0); 10];
            let a = _mm256_set1_ps(black_box(0.999_999));
            let b = _mm256_set1_ps(black_box(1e-7));
            for _ in 0..ITERS {
                for r in acc.iter_mut() {
                    *r = _mm256_fmadd_ps(*r, a, b);
                }
            }
            let mut s = _mm256_setzero_ps();
            for r in acc {
                s = _mm256_add_ps(s, r);
            }
            let mut out = [0.0f32; 8];
            _mm256_storeu_ps(out.as_mut_ptr(), s);
            out.iter().sum()
        }
        let copies = if all_cores {
            parallel::num_threads()
        } else {
            1
        };
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let t = Instant::now();
            if all_cores {
                // SAFETY: AVX2 and FMA were detected above.
                black_box(rayon::broadcast(|_| unsafe { chains() }));
            } else {
                // SAFETY: AVX2 and FMA were detected above.
                black_box(unsafe { chains() });
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        // 10 chains x 8 lanes x 2 FLOP per iteration, per copy.
        Some(round((copies * ITERS * 10 * 8 * 2) as f64 / best / 1e9, 1))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = all_cores;
        None
    }
}

/// Sustained DRAM bandwidth in GB/s from a triad `a = b + s c` over three 64 MB arrays on the
/// current pool, through tapegrad's own parallel loop (12 bytes per element counted: two reads and a write).
fn dram_gbps() -> f64 {
    const N: usize = 1 << 24;
    let b = vec![1.0f32; N];
    let c = vec![2.0f32; N];
    let mut a = vec![0.0f32; N];
    let s = time_per_call(Duration::from_millis(600), 5, || {
        parallel::zip3(&mut a, &b, &c, |a, &b, &c| *a = b + 0.5 * c);
        black_box(&mut a);
    });
    round(12.0 * N as f64 / s / 1e9, 1)
}

fn round(x: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

const USAGE: &str = "usage: bench [--threads T] [--quick] [--only WORKLOAD]
  --threads T       size of the thread pool (default: RAYON_NUM_THREADS, else one per core)
  --quick           shorter runs (a smoke test)
  --only WORKLOAD   one workload for a long while, for profilers (simplenet, mlp784, ...)";

/// Prints `message` and the usage to stderr and exits with status 2.
fn usage_error(message: &str) -> ! {
    eprintln!("bench: {message}\n{USAGE}");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut threads = None;
    let mut quick = false;
    let mut only: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--threads" => {
                i += 1;
                threads = Some(
                    args.get(i)
                        .and_then(|s| s.parse::<usize>().ok())
                        .filter(|&t| t > 0)
                        .unwrap_or_else(|| usage_error("--threads takes a positive integer")),
                );
            }
            "--quick" => quick = true,
            "--only" => {
                i += 1;
                only = Some(
                    args.get(i)
                        .cloned()
                        .unwrap_or_else(|| usage_error("--only takes a workload name")),
                );
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => usage_error(&format!("unknown argument {other:?}")),
        }
        i += 1;
    }
    if let Some(t) = threads {
        parallel::set_num_threads(t).expect("thread pool");
    }
    let unit = if quick {
        Duration::from_millis(100)
    } else {
        Duration::from_millis(1000)
    };
    if let Some(w) = only {
        // One workload for a long while: for profilers (`perf record`, callgrind).
        let long = unit * 10;
        let v = match w.as_str() {
            "simplenet" => json!(parallel::run(|| simplenet(long))),
            "mlp784" => json!(parallel::run(|| mlp784(long))),
            "matmul" => matmul(long),
            "optim" => optim(long, 1),
            "digits" => json!(parallel::run(|| digits(long))),
            other => usage_error(&format!("unknown workload {other:?}")),
        };
        println!("{v}");
        return;
    }
    let result = json!({
        "framework": "tapegrad",
        "threads": parallel::num_threads(),
        "fma_peak_gflops_1core": fma_peak_gflops(false),
        "fma_peak_gflops_all_threads": fma_peak_gflops(true),
        "dram_triad_gbps": dram_gbps(),
        "simplenet_adam_step_us": round(parallel::run(|| simplenet(unit * 2)), 2),
        "mlp784_adam_step_us": round(parallel::run(|| mlp784(unit * 3)), 1),
        "matmul_gflops": matmul(unit),
        "optim_4m_melem_per_s": optim(unit, 1),
        "optim_4m_x64_melem_per_s": optim(unit / 2, 64),
        "digits_epoch_ms": parallel::run(|| digits(unit * 2)).map(|ms| round(ms, 2)),
    });
    println!("{}", serde_json::to_string_pretty(&result).expect("json"));
}
