//! ops.json: forward values and input gradients of every tensor op.
//!
//! Each case is replayed on a fresh tape (`case::check_op_case`): float inputs with a reference
//! gradient become leaves, the others (loss targets) constants, index and mask inputs
//! `IntTensor`/`BoolTensor`; the op named by `op` is looked up in the registry
//! (`registry.rs`, one line per op) and applied with its `attrs`; the output is compared with
//! `output`, then `backward_with(grad_output)` gives the gradients compared with
//! `grad_inputs`. An op the registry does not know is a failure.

use crate::case::check_op_case;
use crate::common::{load, Report};
use std::path::Path;

/// Runs every case of ops.json.
pub fn run(dir: &Path) -> Report {
    let file = load(dir, "ops.json");
    let cases = file["cases"].as_array().cloned().unwrap_or_default();
    Report::run("ops", &cases, check_op_case)
}
