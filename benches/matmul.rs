//! Square f32 matrix products `C = A B` through `Tensor::matmul` (the crate's GEMM path).
//!
//! Throughput is reported as `Elements(2 n^3)`: a product of two n×n matrices is n^3
//! multiply-adds, 2 n^3 floating-point operations, so criterion's "elem/s" reads as FLOP/s
//! (e.g. "85 Gelem/s" = 85 GFLOP/s). Sample counts are kept small so the bench finishes in
//! about a minute. Run: `cargo bench --bench matmul`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use tapegrad::tensor::{rng_from_seed, Tensor};

fn matmul(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let mut rng = rng_from_seed(0);
    for n in [64usize, 128, 256, 512, 1024, 2048] {
        let a = Tensor::randn(&[n, n], 0.0, 1.0, &mut rng);
        let b = Tensor::randn(&[n, n], 0.0, 1.0, &mut rng);
        // 2 n^3 FLOP per product: elements/s here are FLOP/s.
        group.throughput(Throughput::Elements(2 * (n as u64).pow(3)));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |bench, _| {
            bench.iter(|| black_box(black_box(&a).matmul(black_box(&b))))
        });
    }
    group.finish();
}

criterion_group!(benches, matmul);
criterion_main!(benches);
