//! Shared by the conformance runners: where the fixtures are, how to read them, and the
//! per-file report (tensors and the tolerance: `case.rs`).

pub use crate::case::{close, close_tol, tensor};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The fixture folder: `TAPEGRAD_REFERENCE_DIR` if set, else the copy shipped in the repo.
pub fn fixture_dir() -> PathBuf {
    match std::env::var_os("TAPEGRAD_REFERENCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference"),
    }
}

/// Reads and parses one fixture file. Panics with the path on failure (a missing or broken
/// fixture is a failed run, never a skipped one).
pub fn load(dir: &Path, file: &str) -> Value {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()))
}

/// Outcome of one fixture file.
pub struct Report {
    /// Fixture kind (`ops`, `optim`, ...).
    pub kind: &'static str,
    /// Number of cases in the file.
    pub total: usize,
    /// Failures: case name and what went wrong.
    pub failures: Vec<(String, String)>,
}

impl Report {
    /// Runs `check` on every case in `cases`, catching panics as failures.
    pub fn run(
        kind: &'static str,
        cases: &[Value],
        check: impl Fn(&Value) -> Result<(), String>,
    ) -> Report {
        let mut failures = Vec::new();
        for case in cases {
            let name = case["name"].as_str().unwrap_or("<unnamed>").to_string();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(case)));
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failures.push((name, e)),
                Err(p) => {
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "panic".into());
                    failures.push((name, format!("panicked: {msg}")));
                }
            }
        }
        Report {
            kind,
            total: cases.len(),
            failures,
        }
    }

    /// Prints `conformance KIND: passed P of N` and each failure.
    pub fn print(&self) {
        println!(
            "conformance {}: passed {} of {}",
            self.kind,
            self.total - self.failures.len(),
            self.total
        );
        for (name, why) in &self.failures {
            println!("  FAILED {}/{}: {}", self.kind, name, why);
        }
    }
}
