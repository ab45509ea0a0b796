//! # tapegrad
//!
//! PyTorch's semantics without Python's overhead: tape-based reverse-mode autograd on ndarray
//! ([`tensor`]), PyTorch-shaped layers and losses ([`nn`]), and adaptive optimizers and
//! learning-rate schedulers checked against PyTorch's own numbers ([`optim`]).
//!
//! This crate only re-exports; `use tapegrad::prelude::*` brings the everyday names.
#![warn(missing_docs)]

pub use tapegrad_checkpoint as checkpoint;
pub use tapegrad_data as data;
pub use tapegrad_nn as nn;
pub use tapegrad_optim as optim;
pub use tapegrad_tensor as tensor;

/// The everyday names: `Tensor`, `Tape`, `Var`, `Param`.
pub mod prelude {
    pub use tapegrad_tensor::{Param, Tape, Tensor, Var};
}
