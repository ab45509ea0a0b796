//! `CosineAnnealingLR`, as PyTorch's (SGDR without restarts):
//! `lr_t = eta_min + (base - eta_min) * (1 + cos(pi * t / T_max)) / 2`.
//!
//! This file computes PyTorch's recursive (chainable) form, as PyTorch's `step()` does:
//! ```text
//! t == 0:                            lr
//! (t - 1 - T_max) % (2 T_max) == 0:  lr + (base - eta_min) * (1 - cos(pi / T_max)) / 2
//! otherwise:                         eta_min + (lr - eta_min) * (1 + cos(pi t / T_max)) / (1 + cos(pi (t-1) / T_max))
//! ```
//! On its own it equals the closed form up to rounding (and, like PyTorch's, keeps following
//! the cosine back up after `T_max`); composed with other schedules (ChainedScheduler) it
//! scales whatever rate it is given, as PyTorch's does. On sched.json's `cosine` case the
//! recursive form reproduces PyTorch's 41 rates bit for bit; the closed form agrees with only
//! 20 of them (off by up to 3e-17), so the recursive form is the one built.
//!
//! ```
//! use tapegrad_optim::sched::{CosineAnnealingLR, CosineAnnealingLRConfig, LrScheduler};
//! use tapegrad_optim::{Sgd, SgdConfig};
//! let opt = Sgd::new(vec![], SgdConfig { lr: 1.0, ..Default::default() }).unwrap();
//! let mut s = CosineAnnealingLR::new(&opt, CosineAnnealingLRConfig { t_max: 10, eta_min: 0.0 }).unwrap();
//! for _ in 0..5 { s.step(None).unwrap(); }
//! assert!((s.lrs()[0] - 0.5).abs() < 1e-12);
//! ```

use super::{Rule, Scheduled};
use crate::error::{check, OptimError};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// CosineAnnealingLR's options (PyTorch's names; `T_max` is required).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CosineAnnealingLRConfig {
    /// Half period, in steps (>= 1).
    #[serde(rename = "T_max")]
    pub t_max: u64,
    /// Minimum rate (>= 0; default 0).
    #[serde(default)]
    pub eta_min: f64,
}

/// Cosine annealing: `CosineAnnealingLR::new(&opt, CosineAnnealingLRConfig { t_max, eta_min })`.
pub type CosineAnnealingLR = Scheduled<CosineAnnealingLRConfig>;

impl Rule for CosineAnnealingLRConfig {
    const NAME: &'static str = "CosineAnnealingLR";
    const CLOSED_FORM: bool = true;

    fn validate(&self) -> Result<(), OptimError> {
        check(self.t_max >= 1, "T_max", self.t_max, "must be >= 1")?;
        check(
            self.eta_min.is_finite() && self.eta_min >= 0.0,
            "eta_min",
            self.eta_min,
            "must be finite and >= 0",
        )
    }

    fn lr(&self, epoch: u64, current: f64, base: f64, _metric: Option<f64>) -> f64 {
        if epoch == 0 {
            return current;
        }
        let (t, tm) = (epoch as f64, self.t_max as f64);
        let eta = self.eta_min;
        if (epoch as i128 - 1 - self.t_max as i128).rem_euclid(2 * self.t_max as i128) == 0 {
            current + (base - eta) * (1.0 - (PI / tm).cos()) / 2.0
        } else {
            (1.0 + (PI * t / tm).cos()) / (1.0 + (PI * (t - 1.0) / tm).cos()) * (current - eta)
                + eta
        }
    }
}
