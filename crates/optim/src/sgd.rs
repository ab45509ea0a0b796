//! SGD with momentum, dampening, Nesterov momentum, weight decay and maximize, as PyTorch's
//! `torch.optim.SGD`:
//!
//! ```text
//! g = -grad if maximize else grad
//! g = g + weight_decay * p                          (if weight_decay != 0)
//! if momentum != 0:
//!     buf = g                                       (first step)
//!     buf = momentum * buf + (1 - dampening) * g    (later steps)
//!     g = g + momentum * buf if nesterov else buf
//! p = p - lr * g
//! ```

use crate::error::{check, OptimError};
use crate::per_param::{check_common, lr_and_momentum, Algorithm, PerParam};
use serde::{Deserialize, Serialize};
use tapegrad_tensor::parallel::fused;

/// SGD's hyperparameters (PyTorch's names and defaults, except `lr`, which PyTorch also
/// defaults to 0.001).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SgdConfig {
    /// Learning rate.
    pub lr: f64,
    /// Momentum factor (0 disables momentum).
    pub momentum: f64,
    /// Dampening of the gradient's contribution to momentum.
    pub dampening: f64,
    /// L2 penalty added to the gradient.
    pub weight_decay: f64,
    /// Nesterov momentum (needs momentum > 0 and dampening 0).
    pub nesterov: bool,
    /// Maximize the objective instead of minimizing it.
    pub maximize: bool,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
        }
    }
}

crate::optimizer_state! {
    /// SGD's per-parameter state.
    pub struct SgdState {
        /// The momentum buffer, created on the first step when momentum is used.
        momentum_buffer: Option<Vec<f32>>,
    }
}

/// The SGD algorithm (use it as [`Sgd`]).
#[derive(Clone, Copy, Debug)]
pub struct SgdKind;

/// Stochastic gradient descent (with optional momentum): `Sgd::new(params, SgdConfig {..})`.
pub type Sgd = PerParam<SgdKind>;

impl Algorithm for SgdKind {
    const NAME: &'static str = "SGD";
    type Config = SgdConfig;
    type State = SgdState;

    fn validate(c: &SgdConfig) -> Result<(), OptimError> {
        check_common(c.lr, None, c.weight_decay)?;
        check(
            c.momentum >= 0.0,
            "momentum value",
            c.momentum,
            "must be >= 0",
        )?;
        check(
            c.dampening.is_finite(),
            "dampening value",
            c.dampening,
            "must be finite",
        )?;
        check(
            !c.nesterov || (c.momentum > 0.0 && c.dampening == 0.0),
            "nesterov",
            c.nesterov,
            "Nesterov momentum requires a momentum and zero dampening",
        )
    }

    lr_and_momentum!(SgdConfig, momentum);

    fn new_state(_c: &SgdConfig, _defaults: &SgdConfig, _shape: &[usize]) -> SgdState {
        SgdState::default()
    }

    fn update(c: &SgdConfig, s: &mut SgdState, value: &mut [f32], grad: &[f32]) {
        s.step += 1;
        let lr = c.lr as f32;
        let wd = c.weight_decay as f32;
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        if c.momentum == 0.0 {
            fused(value, grad, [], |v, g, []| {
                for (p, &g) in v.iter_mut().zip(g) {
                    let d = sign * g + wd * *p;
                    *p -= lr * d;
                }
            });
            return;
        }
        let mu = c.momentum as f32;
        let damp = 1.0 - c.dampening as f32;
        let nesterov = c.nesterov;
        let first = s.momentum_buffer.is_none();
        let buf = s
            .momentum_buffer
            .get_or_insert_with(|| vec![0.0; value.len()]);
        // The two flags are fixed for the whole pass: one loop per combination (const
        // generics) so each is branch-free and vectorises (measured 3x on 4M params).
        #[inline(always)]
        fn pass<const FIRST: bool, const NESTEROV: bool>(
            v: &mut [f32],
            g: &[f32],
            b: &mut [f32],
            [sign, wd, mu, damp, lr]: [f32; 5],
        ) {
            for ((p, &g), b) in v.iter_mut().zip(g).zip(b.iter_mut()) {
                let d = sign * g + wd * *p;
                *b = if FIRST { d } else { mu * *b + damp * d };
                let step = if NESTEROV { d + mu * *b } else { *b };
                *p -= lr * step;
            }
        }
        let k = [sign, wd, mu, damp, lr];
        fused(value, grad, [buf.as_mut_slice()], |v, g, [b]| {
            match (first, nesterov) {
                (true, true) => pass::<true, true>(v, g, b, k),
                (true, false) => pass::<true, false>(v, g, b, k),
                (false, true) => pass::<false, true>(v, g, b, k),
                (false, false) => pass::<false, false>(v, g, b, k),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Optimizer;
    use tapegrad_tensor::{Param, Tensor};

    #[test]
    fn plain_step_and_validation() {
        let p = Param::new("w", Tensor::from_vec(vec![1.0, 2.0], &[2]));
        let mut opt = Sgd::new(
            vec![p.clone()],
            SgdConfig {
                lr: 0.5,
                ..Default::default()
            },
        )
        .unwrap();
        p.set_grad(Some(Tensor::from_vec(vec![1.0, -2.0], &[2])));
        opt.step().unwrap();
        assert_eq!(p.value().to_vec(), vec![0.5, 3.0]);
        let err = Sgd::new(
            vec![],
            SgdConfig {
                lr: -1.0,
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "invalid learning rate: -1 (must be >= 0)");
        let err = Sgd::new(
            vec![],
            SgdConfig {
                nesterov: true,
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("Nesterov momentum requires a momentum"),
            "{err}"
        );
    }
}
