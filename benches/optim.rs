//! One optimizer step over 1M and 4M f32 parameters, as one tensor and as 64 tensors, for
//! every optimizer (built by name through the registry, as a configuration file would).
//!
//! Throughput is `Elements(n)`: criterion's "elem/s" is parameters updated per second. The
//! step is memory-bound; Adam reads and writes param, exp_avg and exp_avg_sq and reads the
//! gradient (7 x 4 = 28 bytes per element), so Adam's elem/s x 28 is its DRAM traffic in
//! bytes/s. LARS reads param and gradient twice (norms, then the update: inherent).
//! Samples are few and short so the whole bench takes a couple of minutes.
//! Run: `cargo bench --bench optim` (or `-- optim/Adam` for one optimizer).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::{json, Value};
use std::time::Duration;
use tapegrad::optim::optimizer_from_options;
use tapegrad::tensor::{Param, Tensor};

/// Each optimizer with the options it is most often used with.
fn optimizers() -> Vec<(&'static str, Value)> {
    vec![
        ("SGD", json!({"lr": 0.01, "momentum": 0.9})),
        ("Adagrad", json!({})),
        ("RMSprop", json!({})),
        ("Adam", json!({})),
        ("AdamW", json!({})),
        ("Adadelta", json!({})),
        ("NAdam", json!({})),
        ("RAdam", json!({})),
        ("Adamax", json!({})),
        ("LARS", json!({})),
    ]
}

/// `pieces` params totalling `total` elements, each with a fixed gradient (a step does not
/// consume the gradient, so every iteration is a full step).
fn params(total: usize, pieces: usize) -> Vec<Param> {
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

fn optim_step(c: &mut Criterion) {
    for (name, options) in optimizers() {
        let mut group = c.benchmark_group(format!("optim/{name}"));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_millis(1200));
        for total in [1usize << 20, 1 << 22] {
            for pieces in [1usize, 64] {
                let ps = params(total, pieces);
                let mut opt = optimizer_from_options(name, ps, &options).unwrap();
                // The first step allocates the state; measure the steady state.
                opt.step().unwrap();
                group.throughput(Throughput::Elements(total as u64));
                let id = format!("{}M_x{pieces}", total >> 20);
                group.bench_function(BenchmarkId::from_parameter(id), |b| {
                    b.iter(|| opt.step().unwrap())
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, optim_step);
criterion_main!(benches);
