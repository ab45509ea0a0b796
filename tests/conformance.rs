//! PyTorch conformance: runs every case of every fixture file (tests/fixtures/reference, or the
//! folder in `TAPEGRAD_REFERENCE_DIR`) and prints `conformance KIND: passed P of N` per file.
//! A case it cannot run (an unknown op, optimizer or scheduler) is a failure, never a skip.
//!
//! Run: `cargo test --test conformance` (all files) or `cargo test --test conformance -- optim`
//! (only the kinds named). Exits non-zero on any failure.

/// The tensor API the shared registry and case runner use.
mod api {
    pub use tapegrad::tensor::*;
}
#[path = "conformance/case.rs"]
mod case;
#[path = "conformance/common.rs"]
mod common;
#[path = "conformance/lbfgs.rs"]
mod lbfgs;
#[path = "conformance/metrics.rs"]
mod metrics;
#[path = "conformance/ops.rs"]
mod ops;
#[path = "conformance/optim.rs"]
mod optim;
#[path = "conformance/random_ops.rs"]
mod random_ops;
#[path = "conformance/registry.rs"]
mod registry;
#[path = "conformance/sched.rs"]
mod sched;
#[path = "conformance/simplenet.rs"]
mod simplenet;
#[path = "conformance/swa.rs"]
mod swa;

type Runner = fn(&std::path::Path) -> common::Report;

fn main() {
    let runners: &[(&str, Runner)] = &[
        ("ops", ops::run),
        ("random_ops", random_ops::run),
        ("optim", optim::run),
        ("random_optim", optim::run_random),
        ("lbfgs", lbfgs::run),
        ("sched", sched::run),
        ("random_sched", sched::run_random),
        ("simplenet", simplenet::run),
        ("swa", swa::run),
        ("metrics", metrics::run),
    ];
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let dir = common::fixture_dir();
    println!("conformance: fixtures from {}", dir.display());
    let (mut passed, mut failed) = (0, 0);
    for (kind, run) in runners {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == kind) {
            continue;
        }
        let report = run(&dir);
        report.print();
        failed += report.failures.len();
        passed += report.total - report.failures.len();
    }
    println!("conformance: {passed} passed, {failed} failed");
    if failed > 0 || passed == 0 {
        std::process::exit(1);
    }
}
