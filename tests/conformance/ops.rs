//! ops.json: forward values and input gradients of every tensor op.

use crate::common::{load, Report};
use serde_json::Value;
use std::path::Path;

/// Runs every case of ops.json.
pub fn run(dir: &Path) -> Report {
    let file = load(dir, "ops.json");
    let cases = file["cases"].as_array().cloned().unwrap_or_default();
    Report::run("ops", &cases, check)
}

fn check(case: &Value) -> Result<(), String> {
    Err(format!("op {} not wired into the runner yet", case["op"]))
}
