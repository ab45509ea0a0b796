//! Loading named tensors into a module's params (PyTorch's `load_state_dict`), strict or not,
//! and the report of what did not fit.

use std::collections::HashMap;
use std::fmt;
use tapegrad_tensor::{Param, Tensor};

/// An entry whose shape differs from the param's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeMismatch {
    /// The dotted name (`fc1.weight`).
    pub name: String,
    /// The param's shape.
    pub expected: Vec<usize>,
    /// The shape found in the source.
    pub got: Vec<usize>,
}

/// What a load did: which params were set and which entries did not fit (PyTorch's
/// `missing_keys`/`unexpected_keys`, plus the shape mismatches PyTorch raises on).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Params that received a value.
    pub loaded: Vec<String>,
    /// Params of the module with no entry in the source.
    pub missing: Vec<String>,
    /// Entries of the source that name no param of the module.
    pub unexpected: Vec<String>,
    /// Entries whose shape differs from the param's (not loaded).
    pub mismatched: Vec<ShapeMismatch>,
}

impl LoadReport {
    /// True if every param was loaded and every entry was used.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.mismatched.is_empty()
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!("missing: {}", self.missing.join(", ")));
        }
        if !self.unexpected.is_empty() {
            parts.push(format!("unexpected: {}", self.unexpected.join(", ")));
        }
        if !self.mismatched.is_empty() {
            let m: Vec<String> = self
                .mismatched
                .iter()
                .map(|m| format!("{} (expected {:?}, got {:?})", m.name, m.expected, m.got))
                .collect();
            parts.push(format!("shape mismatch: {}", m.join(", ")));
        }
        if parts.is_empty() {
            write!(f, "all {} entries loaded", self.loaded.len())
        } else {
            write!(f, "{}", parts.join("; "))
        }
    }
}

/// A strict load that did not fit: nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("state does not fit the module: {report}")]
pub struct StateDictError {
    /// What did not fit (and what would have loaded).
    pub report: LoadReport,
}

/// Matches `entries` to `params` by name and sets the values that fit. With `strict`, any
/// misfit is an error and no param changes.
pub(crate) fn load_entries(
    params: &[(String, Param)],
    entries: Vec<(String, Tensor)>,
    strict: bool,
) -> Result<LoadReport, StateDictError> {
    let mut report = LoadReport::default();
    let mut to_set: Vec<(&Param, Tensor)> = Vec::new();
    let mut seen = vec![false; params.len()];
    // By name, so a file with many entries loads in linear time.
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(params.len());
    for (i, (n, _)) in params.iter().enumerate() {
        index.entry(n.as_str()).or_insert(i);
    }
    for (name, value) in entries {
        match index.get(name.as_str()).copied() {
            None => report.unexpected.push(name),
            Some(i) => {
                seen[i] = true;
                let p = &params[i].1;
                let expected = p.shape();
                if expected == value.shape() {
                    report.loaded.push(name);
                    to_set.push((p, value));
                } else {
                    report.mismatched.push(ShapeMismatch {
                        name,
                        expected,
                        got: value.shape().to_vec(),
                    });
                }
            }
        }
    }
    for ((name, _), seen) in params.iter().zip(seen) {
        if !seen {
            report.missing.push(name.clone());
        }
    }
    if strict && !report.is_complete() {
        return Err(StateDictError { report });
    }
    for (p, v) in to_set {
        p.set_value(v);
    }
    Ok(report)
}
