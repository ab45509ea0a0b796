//! SGD-HD: SGD (with optional momentum and weight decay) whose rate is learned by
//! hypergradient descent (see `hypergradient.rs`). The direction is PyTorch SGD's:
//!
//! ```text
//! d = g + weight_decay * theta
//! u = d                                  (momentum 0)
//! u = buf = momentum * buf + d           (buf = d on the first step)
//! ```
//!
//! With momentum 0 the hypergradient is `h_t = -g_t . g_{t-1}`: the rate grows while
//! successive gradients agree.
//!
//! ```
//! use tapegrad_optim::auto_lr::{SgdHd, SgdHdConfig};
//! use tapegrad_optim::Optimizer;
//! use tapegrad_tensor::{Param, Tape, Tensor};
//! // minimise sum(w^2) from a rate 100 times too small
//! let w = Param::new("w", Tensor::from_vec(vec![3.0, -2.0], &[2]));
//! let cfg = SgdHdConfig { lr: 0.001, hypergrad_lr: 0.01, ..Default::default() };
//! let mut opt = SgdHd::new(vec![w.clone()], cfg).unwrap();
//! for _ in 0..50 {
//!     opt.zero_grad();
//!     let tape = Tape::new();
//!     let x = tape.param(&w);
//!     (&x * &x).sum().backward();
//!     opt.step().unwrap();
//! }
//! assert!(opt.lr(0) > 0.01); // the rate has grown by itself
//! assert!(w.value().to_vec().iter().all(|v| v.abs() < 0.1));
//! ```

use super::hypergradient::{HdRule, Hypergradient};
use crate::error::{check, OptimError};
use serde::{Deserialize, Serialize};

/// SGD-HD's hyperparameters (defaults from the paper's reference implementation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SgdHdConfig {
    /// Initial rate `alpha_0` (then the learned one; default 1e-3). Saved exactly: see
    /// [`SchedulerState`](crate::sched::SchedulerState) for the encoding.
    #[serde(with = "crate::sched::exact::scalar")]
    pub lr: f64,
    /// Rate of the rate, `beta` (default 1e-6; scale it to the loss and gradient magnitudes).
    pub hypergrad_lr: f64,
    /// Momentum (default 0).
    pub momentum: f64,
    /// L2 penalty added to the gradient (default 0).
    pub weight_decay: f64,
}

impl Default for SgdHdConfig {
    fn default() -> Self {
        SgdHdConfig {
            lr: 1e-3,
            hypergrad_lr: 1e-6,
            momentum: 0.0,
            weight_decay: 0.0,
        }
    }
}

crate::optimizer_state! {
    /// SGD-HD's per-parameter state.
    pub struct SgdHdState {
        /// The momentum buffer (when momentum is used).
        momentum_buffer: Option<Vec<f32>>,
    }
}

/// SGD with hypergradient descent on the rate: `SgdHd::new(params, SgdHdConfig {..})`.
pub type SgdHd = Hypergradient<SgdHdConfig>;

impl HdRule for SgdHdConfig {
    const NAME: &'static str = "SGD-HD";
    type State = SgdHdState;

    fn validate(&self) -> Result<(), OptimError> {
        check(self.lr >= 0.0, "learning rate", self.lr, "must be >= 0")?;
        check(
            self.hypergrad_lr >= 0.0,
            "hypergrad_lr",
            self.hypergrad_lr,
            "must be >= 0",
        )?;
        check(
            self.momentum >= 0.0,
            "momentum value",
            self.momentum,
            "must be >= 0",
        )?;
        check(
            self.weight_decay >= 0.0,
            "weight_decay value",
            self.weight_decay,
            "must be >= 0",
        )
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn hypergrad_lr(&self) -> f64 {
        self.hypergrad_lr
    }

    fn momentum(&self) -> Option<f64> {
        Some(self.momentum)
    }

    fn set_momentum(&mut self, momentum: f64) {
        self.momentum = momentum;
    }

    fn direction(&self, s: &mut SgdHdState, value: &[f32], grad: &[f32], u: &mut [f32]) {
        s.step += 1;
        let wd = self.weight_decay as f32;
        for ((u, &g), &p) in u.iter_mut().zip(grad).zip(value) {
            *u = g + wd * p;
        }
        if self.momentum != 0.0 {
            let mu = self.momentum as f32;
            match &mut s.momentum_buffer {
                None => s.momentum_buffer = Some(u.to_vec()),
                Some(buf) => {
                    for (b, u) in buf.iter_mut().zip(u.iter_mut()) {
                        *b = mu * *b + *u;
                        *u = *b;
                    }
                }
            }
        }
    }
}
