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
pub use tapegrad_io as io;
pub use tapegrad_nn as nn;
pub use tapegrad_optim as optim;
pub use tapegrad_tensor as tensor;

/// Stochastic weight averaging, as PyTorch's `torch.optim.swa_utils`: [`AveragedModel`]
/// (SWA or EMA averages of a model's params) and the [`SWALR`] schedule.
///
/// [`AveragedModel`]: tapegrad_nn::AveragedModel
/// [`SWALR`]: tapegrad_optim::sched::SWALR
pub mod swa_utils {
    pub use tapegrad_nn::{AveragedModel, Averaging};
    pub use tapegrad_optim::sched::{SwalrConfig, SWALR};
}

/// The README's Rust blocks, compiled and run as doctests (`cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The everyday names: `Tensor`, `IntTensor` (indices, class targets), `BoolTensor` (masks),
/// `Tape`, `Var`, `Param`, the `Module` trait and the common layers and losses, the `Optimizer`
/// and `LrScheduler` traits with their registries, and the seeded `Rng`.
///
/// ```
/// use tapegrad::prelude::*;
///
/// let mut rng = rng_from_seed(0);
/// let net = Linear::new(2, 1, &mut rng);
/// let mut opt = optimizer_from_options("Adam", net.params(), &serde_json::json!({"lr": 0.1}))
///     .unwrap();
/// let (x, y) = (Tensor::randn(&[8, 2], 0.0, 1.0, &mut rng), Tensor::zeros(&[8, 1]));
/// let mut losses = Vec::new();
/// for _ in 0..20 {
///     let tape = Tape::new();
///     let loss = net.forward(&tape.constant(x.clone())).mse_loss(&tape.constant(y.clone()));
///     loss.backward();
///     losses.push(loss.value().item());
///     drop(tape);
///     opt.step().unwrap();
///     opt.zero_grad();
/// }
/// assert!(losses[19] < losses[0]);
/// ```
pub mod prelude {
    pub use tapegrad_nn::{CrossEntropyLoss, Linear, MSELoss, Module, ReLU, Sequential, Sigmoid};
    pub use tapegrad_optim::sched::{scheduler_from_options, LrScheduler};
    pub use tapegrad_optim::{optimizer_from_options, Optimizer};
    pub use tapegrad_tensor::{
        rng_from_seed, BoolTensor, GeluApproximate, IntTensor, Param, Rng, Tape, Tensor, Var,
    };
}
