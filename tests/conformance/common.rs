//! Shared by the conformance runners: where the fixtures are, how to read them, the tolerance,
//! and the per-file report.

use serde_json::Value;
use std::path::{Path, PathBuf};
use tapegrad::tensor::Tensor;

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

/// A fixture tensor `{"shape": [...], "data": [...]}`.
pub fn tensor(v: &Value) -> Result<Tensor, String> {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .ok_or("tensor without shape")?
        .iter()
        .map(|d| d.as_u64().map(|d| d as usize).ok_or("bad dim"))
        .collect::<Result<_, _>>()?;
    let data: Vec<f32> = v["data"]
        .as_array()
        .ok_or("tensor without data")?
        .iter()
        .map(|x| x.as_f64().map(|x| x as f32).ok_or("bad number"))
        .collect::<Result<_, _>>()?;
    if data.len() != shape.iter().product::<usize>() {
        return Err(format!(
            "tensor data of {} values for shape {shape:?}",
            data.len()
        ));
    }
    Ok(Tensor::from_vec(data, &shape))
}

/// Checks `got` against `want` with the fixtures' tolerance `|got - want| <= 1e-4 + 1e-4 |want|`.
pub fn close(got: &Tensor, want: &Tensor, what: &str) -> Result<(), String> {
    close_tol(got, want, 1e-4, 1e-4, what)
}

/// Checks `|got - want| <= atol + rtol |want|` elementwise, with matching shapes.
pub fn close_tol(
    got: &Tensor,
    want: &Tensor,
    atol: f32,
    rtol: f32,
    what: &str,
) -> Result<(), String> {
    if got.shape() != want.shape() {
        return Err(format!(
            "{what}: shape {:?}, want {:?}",
            got.shape(),
            want.shape()
        ));
    }
    for (i, (g, w)) in got.as_slice().iter().zip(want.as_slice()).enumerate() {
        // Negated on purpose: NaN must fail.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !((g - w).abs() <= atol + rtol * w.abs()) {
            return Err(format!("{what}[{i}]: got {g}, want {w}"));
        }
    }
    Ok(())
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
