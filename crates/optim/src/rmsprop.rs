//! RMSprop, as PyTorch's `torch.optim.RMSprop`:
//!
//! ```text
//! state: square_avg = 0, momentum_buffer = 0 (if momentum > 0), grad_avg = 0 (if centered)
//! g = -grad if maximize else grad
//! g = g + weight_decay * p                              (if weight_decay != 0)
//! square_avg = alpha * square_avg + (1 - alpha) * g * g
//! if centered:
//!     grad_avg = grad_avg + (1 - alpha) * (g - grad_avg)    (lerp)
//!     avg = sqrt(square_avg - grad_avg * grad_avg) + eps
//! else:
//!     avg = sqrt(square_avg) + eps
//! if momentum > 0:
//!     buf = momentum * buf + g / avg
//!     p = p - lr * buf
//! else:
//!     p = p - lr * g / avg
//! ```
//!
//! The momentum buffer and the centered average are created (as zeros) on the first step that
//! needs them, so a momentum raised later by a cyclical schedule starts from zero.

use crate::error::{check, OptimError};
use crate::per_param::{lr_and_momentum, Algorithm, PerParam};
use serde::{Deserialize, Serialize};
use tapegrad_tensor::parallel::fused;

/// RMSprop's hyperparameters (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RmspropConfig {
    /// Learning rate (default 0.01).
    pub lr: f64,
    /// Smoothing constant of the squared-gradient average (default 0.99).
    pub alpha: f64,
    /// Added to the denominator for numerical stability (default 1e-8).
    pub eps: f64,
    /// L2 penalty added to the gradient (default 0).
    pub weight_decay: f64,
    /// Momentum factor (default 0).
    pub momentum: f64,
    /// Centered RMSprop: normalise by an estimate of the gradient's variance (default false).
    pub centered: bool,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for RmspropConfig {
    fn default() -> Self {
        RmspropConfig {
            lr: 1e-2,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
            maximize: false,
        }
    }
}

crate::optimizer_state! {
    /// RMSprop's per-parameter state.
    pub struct RmspropState {
        /// Running average of squared gradients.
        square_avg: Vec<f32>,
        /// Momentum buffer (when momentum > 0).
        momentum_buffer: Option<Vec<f32>>,
        /// Running average of gradients (when centered).
        grad_avg: Option<Vec<f32>>,
    }
}

/// The RMSprop algorithm (use it as [`Rmsprop`]).
#[derive(Clone, Copy, Debug)]
pub struct RmspropKind;

/// RMSprop: `Rmsprop::new(params, RmspropConfig {..})`.
pub type Rmsprop = PerParam<RmspropKind>;

/// The per-element scalars of one RMSprop step.
#[derive(Clone, Copy)]
struct K {
    sign: f32,
    wd: f32,
    decay: bool,
    alpha: f32,
    one_minus_alpha: f32,
    eps: f32,
    neg_lr: f32,
    momentum: f32,
}

impl K {
    #[inline(always)]
    fn grad(&self, g: f32, p: f32) -> f32 {
        let g = self.sign * g;
        if self.decay {
            g + self.wd * p
        } else {
            g
        }
    }

    #[inline(always)]
    fn square_avg(&self, sq: &mut f32, g: f32) {
        *sq = *sq * self.alpha + self.one_minus_alpha * (g * g);
    }
}

impl Algorithm for RmspropKind {
    const NAME: &'static str = "RMSprop";
    type Config = RmspropConfig;
    type State = RmspropState;

    fn validate(c: &RmspropConfig) -> Result<(), OptimError> {
        // PyTorch's order: lr, eps, momentum, weight_decay, alpha.
        check(c.lr >= 0.0, "learning rate", c.lr, "must be >= 0")?;
        check(c.eps >= 0.0, "epsilon value", c.eps, "must be >= 0")?;
        check(
            c.momentum >= 0.0,
            "momentum value",
            c.momentum,
            "must be >= 0",
        )?;
        check(
            c.weight_decay >= 0.0,
            "weight_decay value",
            c.weight_decay,
            "must be >= 0",
        )?;
        check(c.alpha >= 0.0, "alpha value", c.alpha, "must be >= 0")
    }

    lr_and_momentum!(RmspropConfig, momentum);

    fn new_state(c: &RmspropConfig, _defaults: &RmspropConfig, shape: &[usize]) -> RmspropState {
        let len = shape.iter().product();
        RmspropState {
            step: 0,
            square_avg: vec![0.0; len],
            momentum_buffer: (c.momentum > 0.0).then(|| vec![0.0; len]),
            grad_avg: c.centered.then(|| vec![0.0; len]),
        }
    }

    fn update(c: &RmspropConfig, s: &mut RmspropState, value: &mut [f32], grad: &[f32]) {
        s.step += 1;
        let n = value.len();
        let k = K {
            sign: if c.maximize { -1.0 } else { 1.0 },
            wd: c.weight_decay as f32,
            decay: c.weight_decay != 0.0,
            alpha: c.alpha as f32,
            one_minus_alpha: (1.0 - c.alpha) as f32,
            eps: c.eps as f32,
            neg_lr: -c.lr as f32,
            momentum: c.momentum as f32,
        };
        let sq = s.square_avg.as_mut_slice();
        let use_momentum = c.momentum > 0.0;
        match (c.centered, use_momentum) {
            (false, false) => fused(value, grad, [sq], move |v, g, [sq]| {
                for ((p, &g), sq) in v.iter_mut().zip(g).zip(sq.iter_mut()) {
                    let g = k.grad(g, *p);
                    k.square_avg(sq, g);
                    *p += k.neg_lr * (g / (sq.sqrt() + k.eps));
                }
            }),
            (false, true) => {
                let buf = s.momentum_buffer.get_or_insert_with(|| vec![0.0; n]);
                fused(value, grad, [sq, buf], move |v, g, [sq, buf]| {
                    for (((p, &g), sq), b) in v.iter_mut().zip(g).zip(sq.iter_mut()).zip(buf) {
                        let g = k.grad(g, *p);
                        k.square_avg(sq, g);
                        *b = *b * k.momentum + g / (sq.sqrt() + k.eps);
                        *p += k.neg_lr * *b;
                    }
                })
            }
            (true, false) => {
                let ga = s.grad_avg.get_or_insert_with(|| vec![0.0; n]);
                fused(value, grad, [sq, ga], move |v, g, [sq, ga]| {
                    for (((p, &g), sq), a) in v.iter_mut().zip(g).zip(sq.iter_mut()).zip(ga) {
                        let g = k.grad(g, *p);
                        k.square_avg(sq, g);
                        *a += k.one_minus_alpha * (g - *a);
                        let avg = (*sq - *a * *a).sqrt() + k.eps;
                        *p += k.neg_lr * (g / avg);
                    }
                })
            }
            (true, true) => {
                let ga = s.grad_avg.get_or_insert_with(|| vec![0.0; n]);
                let buf = s.momentum_buffer.get_or_insert_with(|| vec![0.0; n]);
                fused(value, grad, [sq, ga, buf], move |v, g, [sq, ga, buf]| {
                    let it = v.iter_mut().zip(g).zip(sq.iter_mut()).zip(ga).zip(buf);
                    for ((((p, &g), sq), a), b) in it {
                        let g = k.grad(g, *p);
                        k.square_avg(sq, g);
                        *a += k.one_minus_alpha * (g - *a);
                        let avg = (*sq - *a * *a).sqrt() + k.eps;
                        *b = *b * k.momentum + g / avg;
                        *p += k.neg_lr * *b;
                    }
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Optimizer;
    use tapegrad_tensor::{Param, Tensor};

    fn err(c: RmspropConfig) -> String {
        Rmsprop::new(vec![], c).unwrap_err().to_string()
    }

    #[test]
    fn validation() {
        let d = RmspropConfig::default;
        assert!(err(RmspropConfig { lr: -0.1, ..d() }).starts_with("invalid learning rate: -0.1"));
        assert!(err(RmspropConfig { eps: -1.0, ..d() }).starts_with("invalid epsilon value: -1"));
        assert!(err(RmspropConfig {
            momentum: -0.9,
            ..d()
        })
        .starts_with("invalid momentum value: -0.9"));
        assert!(err(RmspropConfig {
            weight_decay: -1.0,
            ..d()
        })
        .starts_with("invalid weight_decay value: -1"));
        assert!(err(RmspropConfig { alpha: -0.5, ..d() }).starts_with("invalid alpha value: -0.5"));
    }

    /// Centered with momentum, one step by hand: g = 2, alpha 0.9, lr 0.1, momentum 0.5.
    /// square_avg = 0.4, grad_avg = 0.2, avg = sqrt(0.4 - 0.04) + eps, buf = 2 / avg.
    #[test]
    fn centered_momentum_first_step() {
        let p = Param::new("w", Tensor::from_vec(vec![1.0, 1.0], &[2]));
        let cfg = RmspropConfig {
            lr: 0.1,
            alpha: 0.9,
            momentum: 0.5,
            centered: true,
            ..Default::default()
        };
        let mut opt = Rmsprop::new(vec![p.clone()], cfg).unwrap();
        p.set_grad(Some(Tensor::from_vec(vec![2.0, 0.0], &[2])));
        opt.step().unwrap();
        let want = 1.0 - 0.1 * 2.0 / (0.36f64.sqrt() + 1e-8);
        let got = p.value().to_vec();
        assert!((got[0] as f64 - want).abs() < 1e-6, "{got:?}");
        assert_eq!(got[1], 1.0);
        let st = opt.groups()[0].state(0).unwrap();
        assert!(st.momentum_buffer.is_some() && st.grad_avg.is_some());
    }
}
