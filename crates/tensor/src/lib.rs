//! # tapegrad-tensor
//!
//! The base of tapegrad: an f32 n-dimensional [`Tensor`] on ndarray, tape-based reverse-mode
//! autograd ([`Tape`], [`Var`]), and the [`Param`] handle that layers and optimizers share.
//!
//! Orientation:
//! - `tensor.rs`: storage, constructors, elementwise helpers; `dtypes.rs`: [`IntTensor`] (i64
//!   indices, class targets) and [`BoolTensor`] (masks); `display.rs`: printing as PyTorch
//!   does; `broadcast.rs`: numpy broadcasting and its reverse (`sum_to`); `gemm/`: the
//!   matrix-multiply kernels; `parallel.rs`: when loops go parallel.
//! - `tape.rs`: the Wengert list (nodes of any number of inputs), the backward sweep and the
//!   graph's lifetime; `var.rs`: values on a tape and [`Var::from_op`] /
//!   [`Var::from_broadcast`], the one place ops are wired to the tape; `param.rs`: [`Param`].
//! - `shape_check.rs`: shapes read from files, checked once for every loader
//!   ([`check_shape`], [`Tensor::try_from_vec`]).
//! - `ops/`: one file per op (forward, backward rule, PyTorch cases, gradcheck), with the
//!   shared plumbing `lanes.rs` (one axis) and `reduce.rs` (a set of axes);
//!   `gradcheck.rs`: finite-difference checks.
//!
//! ```
//! use tapegrad_tensor::{Tape, Tensor};
//! let tape = Tape::new();
//! let x = tape.leaf(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]));
//! let y = (&x * &x).sum(); // y = sum(x^2)
//! let grads = y.backward();
//! assert_eq!(grads.get(&x).unwrap().to_vec(), vec![2.0, 4.0, 6.0]);
//! ```
#![warn(missing_docs)]

pub mod axis;
mod broadcast;
mod display;
mod dtypes;
pub mod gemm;
mod gradcheck;
mod ops;
pub mod parallel;
mod param;
pub mod pool;
mod shape_check;
mod tape;
mod tensor;
mod var;

pub use broadcast::broadcast_shapes;
pub use dtypes::{BoolTensor, IntTensor, TensorOf};
pub use gradcheck::{gradcheck, ElementReport, GradcheckOptions, GradcheckReport, InputReport};
pub use ops::GeluApproximate;
pub use param::{Param, Slot};
pub use shape_check::{check_shape, InvalidShape, MAX_DIMS};
pub use tape::{BackwardFn, Gradients, Grads, Needs, Tape};
pub use tensor::{slice_is_finite, Tensor};
pub use var::Var;

/// The seedable random generator tapegrad uses everywhere (ChaCha8: fast, portable, and its
/// state serializes, so a checkpoint can resume the exact random stream).
pub type Rng = rand_chacha::ChaCha8Rng;

/// A [`Rng`] from a seed.
pub fn rng_from_seed(seed: u64) -> Rng {
    <Rng as rand::SeedableRng>::seed_from_u64(seed)
}
