//! # tapegrad-optim
//!
//! Optimizers with PyTorch's semantics to the letter, consuming gradients through the shared
//! [`Param`](tapegrad_tensor::Param) handle (never a layer: this crate depends on
//! `tapegrad-tensor` only).
//!
//! Orientation:
//! - `optimizer.rs`: the [`Optimizer`] trait (what schedulers, checkpoints and training loops
//!   use) and the saved form of an optimizer's state ([`OptimizerState`]).
//! - `per_param.rs`: [`PerParam`], the optimizer for every algorithm that updates each param
//!   on its own (groups, the non-finite-gradient policy, threads, state export/import), and
//!   the [`Algorithm`] trait an optimizer file implements; `state.rs`: per-param state records,
//!   derived by [`optimizer_state!`].
//! - one file per optimizer: `sgd.rs`, `adagrad.rs`, `rmsprop.rs`, `adam.rs` (Adam and
//!   AdamW), `adadelta.rs`, `nadam.rs`, `radam.rs`, `adamax.rs`, `rprop.rs`, `asgd.rs`,
//!   `adafactor.rs`, `muon.rs`, `lbfgs.rs` (all params at once, several evaluations per step);
//!   beyond PyTorch: `lars.rs`, `lamb.rs`, `lion.rs`,
//!   `schedule_free.rs`.
//! - `sched/`: learning-rate schedulers that drive their optimizer, one file each;
//!   `auto_lr/`: the LR range test and hypergradient descent.
//! - `clip.rs`: [`clip_grad_norm`] and [`clip_grad_value`].
//! - `registry.rs`: building an optimizer by name from JSON options
//!   ([`optimizer_from_options`], [`optimizer_with_groups`]).
//! - `error.rs`: [`OptimError`].
//!
//! ```
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tensor};
//! let w = Param::new("w", Tensor::from_vec(vec![1.0, -1.0], &[2]));
//! let mut opt = Sgd::new(vec![w.clone()], SgdConfig { lr: 0.1, momentum: 0.9, ..Default::default() }).unwrap();
//! w.set_grad(Some(Tensor::from_vec(vec![0.5, 0.5], &[2])));
//! opt.step().unwrap();
//! assert!((w.value().to_vec()[0] - 0.95).abs() < 1e-6);
//! ```
#![warn(missing_docs)]

mod adadelta;
mod adafactor;
mod adagrad;
mod adam;
mod adamax;
mod asgd;
pub mod auto_lr;
mod clip;
mod error;
mod lamb;
mod lars;
mod lbfgs;
mod lerp;
mod lion;
mod muon;
mod nadam;
mod optimizer;
mod per_param;
mod radam;
mod registry;
mod rmsprop;
mod rprop;
pub mod sched;
mod schedule_free;
mod sgd;
mod state;

pub use error::OptimError;
pub use optimizer::{GroupRecord, Optimizer, OptimizerState, ParamRecord};
pub use per_param::{Algorithm, GroupValues, ParamGroup, PerParam};
pub use sgd::{Sgd, SgdConfig, SgdKind, SgdState};
pub use state::{RecordField, StateBuffers, StateRecord};

pub use adadelta::{Adadelta, AdadeltaConfig, AdadeltaKind, AdadeltaState};
pub use adafactor::{Adafactor, AdafactorConfig, AdafactorKind, AdafactorState};
pub use adagrad::{Adagrad, AdagradConfig, AdagradKind, AdagradState};
pub use adam::{Adam, AdamConfig, AdamKind, AdamState, AdamW, AdamWConfig, AdamWKind};
pub use adamax::{Adamax, AdamaxConfig, AdamaxKind, AdamaxState};
pub use asgd::{Asgd, AsgdConfig, AsgdKind, AsgdState};
pub use clip::{clip_grad_norm, clip_grad_value};
pub use lamb::{Lamb, LambConfig, LambKind, LambState};
pub use lars::{Lars, LarsConfig, LarsKind, LarsState};
pub use lbfgs::{Lbfgs, LbfgsConfig};
pub use lion::{Lion, LionConfig, LionKind, LionState};
pub use muon::{AdjustLr, Muon, MuonConfig, MuonKind, MuonState};
pub use nadam::{Nadam, NadamConfig, NadamKind, NadamState};
pub use radam::{Radam, RadamConfig, RadamKind, RadamState};
pub use registry::{optimizer_from_options, optimizer_names, optimizer_with_groups};
pub use rmsprop::{Rmsprop, RmspropConfig, RmspropKind, RmspropState};
pub use rprop::{Rprop, RpropConfig, RpropKind, RpropState};
pub use schedule_free::{
    ScheduleFreeAdamW, ScheduleFreeAdamWConfig, ScheduleFreeAdamWKind, ScheduleFreeAdamWState,
};
