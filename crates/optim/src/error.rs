//! Errors of optimizers and schedulers.

use thiserror::Error;

/// What went wrong in building, stepping or restoring an optimizer.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum OptimError {
    /// A hyperparameter outside its valid range, refused at construction.
    #[error("invalid {name}: {value}{}", if reason.is_empty() { String::new() } else { format!(" ({reason})") })]
    InvalidHyperparameter {
        /// The option's name (PyTorch's keyword).
        name: &'static str,
        /// The offending value as given.
        value: String,
        /// Why it is refused, if not obvious.
        reason: String,
    },
    /// Options that do not parse into the optimizer's config (an unknown name, a wrong type).
    #[error("invalid options for {optimizer}: {message}")]
    InvalidOptions {
        /// The optimizer's name.
        optimizer: &'static str,
        /// What serde said.
        message: String,
    },
    /// A gradient holding NaN or infinity: the step was refused and nothing was changed.
    #[error("non-finite gradient in param '{param}' (group {group}): step skipped, no param or state changed")]
    NonFiniteGradient {
        /// The param's name.
        param: String,
        /// Its group index.
        group: usize,
    },
    /// A param listed twice (in one group or in two): each param has one state and one
    /// update per step, so PyTorch refuses this too.
    #[error("{optimizer}: param '{param}' is listed {place}; list each param once")]
    DuplicateParam {
        /// The optimizer's name.
        optimizer: &'static str,
        /// The param's name.
        param: String,
        /// Where it appears ("twice in group 0", "in groups 0 and 1").
        place: String,
    },
    /// An optimizer built over no param at all (PyTorch: "optimizer got an empty parameter
    /// list").
    #[error("{optimizer}: optimizer got an empty parameter list")]
    EmptyParams {
        /// The optimizer's name.
        optimizer: &'static str,
    },
    /// A saved state that does not fit this optimizer or its params.
    #[error("optimizer state does not fit: {0}")]
    StateMismatch(String),
    /// A group index past the last group.
    #[error("no parameter group {index} (the optimizer has {count})")]
    NoSuchGroup {
        /// The index asked for.
        index: usize,
        /// The number of groups.
        count: usize,
    },
}

/// Shorthand for a hyperparameter check: `Err(InvalidHyperparameter)` unless `ok`.
pub(crate) fn check(
    ok: bool,
    name: &'static str,
    value: impl std::fmt::Display,
    reason: &str,
) -> Result<(), OptimError> {
    if ok {
        Ok(())
    } else {
        Err(OptimError::InvalidHyperparameter {
            name,
            value: value.to_string(),
            reason: reason.to_string(),
        })
    }
}
