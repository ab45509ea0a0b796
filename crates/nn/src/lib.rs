//! # tapegrad-nn
//!
//! PyTorch-shaped neural-network building blocks on `tapegrad-tensor`: the [`Module`] trait,
//! layers, losses, initialisers, and weights interchange with PyTorch through safetensors.
//!
//! Orientation:
//! - `module.rs`: [`Module`] (forward, params by dotted name, train/eval, `state_dict`) and
//!   the [`children!`] macro that makes composing modules one line;
//! - `linear.rs`: [`Linear`] (weight `[out, in]`, PyTorch's layout and default init);
//!   `activation.rs`: [`Sigmoid`], [`ReLU`], [`Tanh`], [`LeakyReLU`], [`GELU`], [`Softplus`],
//!   [`Softmax`], [`LogSoftmax`]; `dropout.rs`: [`Dropout`] (seeded, resumable);
//!   `sequential.rs`: [`Sequential`];
//! - `loss.rs`: [`MSELoss`], [`L1Loss`], [`CrossEntropyLoss`], [`BCEWithLogitsLoss`] with a
//!   [`Reduction`]; `init.rs`: [`init`] (xavier, kaiming, uniform, normal; seeded);
//! - `averaged.rs`: [`AveragedModel`] (SWA and EMA averages of a model's params);
//! - `state.rs`: loading named tensors strictly or not ([`LoadReport`]);
//!   `safetensors_io.rs`: [`save_safetensors`] / [`load_safetensors`].
//!
//! ```
//! use tapegrad_nn::{children, Linear, Module, MSELoss};
//! use tapegrad_tensor::{rng_from_seed, Tape, Tensor, Var};
//!
//! // PyTorch: class SimpleNet(nn.Module): fc1 = Linear(10, 5); fc2 = Linear(5, 1)
//! struct SimpleNet { fc1: Linear, fc2: Linear }
//! impl Module for SimpleNet {
//!     fn forward(&self, x: &Var) -> Var {
//!         self.fc2.forward(&self.fc1.forward(x).sigmoid())
//!     }
//!     children!(fc1, fc2);
//! }
//!
//! let mut rng = rng_from_seed(0);
//! let net = SimpleNet { fc1: Linear::new(10, 5, &mut rng), fc2: Linear::new(5, 1, &mut rng) };
//! let tape = Tape::new();
//! let x = tape.constant(Tensor::randn(&[8, 10], 0.0, 1.0, &mut rng));
//! let y = tape.constant(Tensor::zeros(&[8, 1]));
//! let loss = MSELoss::new().forward(&net.forward(&x), &y);
//! loss.backward();
//! assert!(net.params().iter().all(|p| p.grad().is_some()));
//! ```
#![warn(missing_docs)]

mod activation;
mod averaged;
mod dropout;
pub mod init;
mod linear;
mod loss;
mod module;
mod safetensors_io;
mod sequential;
mod state;
#[cfg(test)]
mod testing;

pub use activation::{LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh, GELU};
pub use averaged::{AveragedModel, Averaging};
pub use dropout::Dropout;
pub use linear::Linear;
pub use loss::{BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, Reduction};
pub use module::Module;
pub use safetensors_io::{
    load_safetensors, load_safetensors_bytes, load_safetensors_non_strict, parse_safetensors,
    read_safetensors, save_safetensors, to_safetensors_bytes, SafetensorsError,
};
pub use sequential::Sequential;
pub use state::{LoadReport, ShapeMismatch, StateDictError};
