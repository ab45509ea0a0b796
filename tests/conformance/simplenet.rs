//! simplenet.json: placeholder until the runner is written; every case fails.

use crate::common::{load, Report};
use std::path::Path;

/// Runs every case of simplenet.json.
pub fn run(dir: &Path) -> Report {
    let file = load(dir, "simplenet.json");
    let cases = file["cases"].as_array().cloned().unwrap_or_default();
    Report::run(
        "simplenet",
        &cases,
        |_| Err("runner not written yet".into()),
    )
}
