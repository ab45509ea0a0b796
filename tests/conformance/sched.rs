//! sched.json: placeholder until the runner is written; every case fails.

use crate::common::{load, Report};
use std::path::Path;

/// Runs every case of sched.json.
pub fn run(dir: &Path) -> Report {
    let file = load(dir, "sched.json");
    let cases = file["cases"].as_array().cloned().unwrap_or_default();
    Report::run("sched", &cases, |_| Err("runner not written yet".into()))
}
