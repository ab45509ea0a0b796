//! Training steps: one forward + backward + Adam step (fresh tape per step, as a training loop
//! does) for the two networks of the targets. PyTorch's figures for the identical
//! workloads come from `benches/pytorch_baseline.py`; `examples/bench.rs` runs both quickly.
//!
//! - `simplenet`: Linear(10,5) -> sigmoid -> Linear(5,1), MSE, batch 100 (overhead-bound);
//! - `mlp784`: 784-256-128-10 ReLU, batch 128, cross-entropy (GEMM-bound).
//!
//! Run: `cargo bench --bench training` (threads follow `RAYON_NUM_THREADS`).

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use std::hint::black_box;
use std::time::Duration;
use tapegrad::nn::{Linear, Module};
use tapegrad::optim::{optimizer_from_options, Optimizer};
use tapegrad::tensor::{rng_from_seed, IntTensor, Param, Tape, Tensor, Var};

fn layers(sizes: &[usize], seed: u64) -> Vec<Linear> {
    let mut rng = rng_from_seed(seed);
    sizes
        .windows(2)
        .map(|w| Linear::new(w[0], w[1], &mut rng))
        .collect()
}

fn forward(layers: &[Linear], x: &Var, act: fn(&Var) -> Var) -> Var {
    let mut h = x.clone();
    for (i, l) in layers.iter().enumerate() {
        h = l.forward(&h);
        if i + 1 < layers.len() {
            h = act(&h);
        }
    }
    h
}

fn adam(layers: &[Linear]) -> Box<dyn Optimizer> {
    let params: Vec<Param> = layers.iter().flat_map(|l| l.params()).collect();
    optimizer_from_options("Adam", params, &json!({"lr": 1e-3})).unwrap()
}

/// Forward, backward (tape dropped before the update), Adam step, zero_grad.
fn step(opt: &mut dyn Optimizer, loss: impl FnOnce(&Tape) -> Var) -> f32 {
    let l = {
        let tape = Tape::new();
        let l = loss(&tape);
        l.backward();
        l.value().item()
    };
    opt.step().unwrap();
    opt.zero_grad();
    l
}

fn training(c: &mut Criterion) {
    let mut group = c.benchmark_group("train_step");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));

    let net = layers(&[10, 5, 1], 0);
    let mut rng = rng_from_seed(10);
    let x = Tensor::randn(&[100, 10], 0.0, 1.0, &mut rng);
    let y = Tensor::randn(&[100, 1], 0.0, 1.0, &mut rng);
    let mut opt = adam(&net);
    group.bench_function("simplenet_b100_adam", |b| {
        b.iter(|| {
            black_box(step(opt.as_mut(), |t| {
                forward(&net, &t.constant(x.clone()), |h| h.sigmoid())
                    .mse_loss(&t.constant(y.clone()))
            }))
        })
    });

    let net = layers(&[784, 256, 128, 10], 1);
    let x = Tensor::randn(&[128, 784], 0.0, 1.0, &mut rng);
    let targets = IntTensor::from_vec((0..128).map(|i| (i * 7) % 10).collect(), &[128]);
    let mut opt = adam(&net);
    group.bench_function("mlp784_b128_adam", |b| {
        b.iter(|| {
            black_box(step(opt.as_mut(), |t| {
                forward(&net, &t.constant(x.clone()), |h| h.relu()).cross_entropy(&targets)
            }))
        })
    });
    group.finish();
}

criterion_group!(benches, training);
criterion_main!(benches);
