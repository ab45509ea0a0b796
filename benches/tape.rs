//! Tape overhead: a chain of 100 small elementwise ops on a `[16]` tensor (cycling
//! `mul_scalar`, `sigmoid`, `add`), recorded on a fresh tape and differentiated, against the
//! same 100 ops as plain `Tensor` math with no tape (the baseline, measured in the same run).
//!
//! Throughput is `Elements(100)`, so criterion's "elem/s" reads as ops per second and the
//! time per iteration divided by 100 is the cost per op. With 16 elements the math itself is
//! a few nanoseconds; the rest is allocation, recording and dispatch.
//! Run: `cargo bench --bench tape`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use tapegrad::tensor::{Tape, Tensor, Var};

const OPS: usize = 100;

fn chain_var(x: &Var, c: &Var) -> Var {
    let mut v = x.clone();
    for i in 0..OPS {
        v = match i % 3 {
            0 => v.mul_scalar(0.9),
            1 => v.sigmoid(),
            _ => &v + c,
        };
    }
    v
}

fn chain_plain(x: &Tensor, c: &Tensor) -> Tensor {
    let mut v = x.clone();
    for i in 0..OPS {
        v = match i % 3 {
            0 => v.mul_scalar(0.9),
            1 => v.sigmoid(),
            _ => &v + c,
        };
    }
    v
}

fn tape(c: &mut Criterion) {
    let x = Tensor::from_vec((0..16).map(|i| i as f32 / 8.0 - 1.0).collect(), &[16]);
    let bias = Tensor::full(&[16], 0.1);
    let seed = Tensor::ones(&[16]);
    let mut group = c.benchmark_group("chain100");
    group
        .throughput(Throughput::Elements(OPS as u64))
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("plain_tensor", |b| {
        b.iter(|| black_box(chain_plain(black_box(&x), &bias)))
    });
    group.bench_function("tape_forward_only", |b| {
        b.iter(|| {
            let tape = Tape::new();
            let v = tape.leaf(black_box(&x).clone());
            let c = tape.constant(bias.clone());
            black_box(chain_var(&v, &c).value().clone())
        })
    });
    group.bench_function("tape_forward_backward", |b| {
        b.iter(|| {
            let tape = Tape::new();
            let v = tape.leaf(black_box(&x).clone());
            let c = tape.constant(bias.clone());
            let y = chain_var(&v, &c);
            let g = y.backward_with(seed.clone());
            black_box(g.get(&v).cloned())
        })
    });
    group.finish();
}

criterion_group!(benches, tape);
criterion_main!(benches);
