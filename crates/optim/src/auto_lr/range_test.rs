//! The LR range test (Smith 2017, "Cyclical Learning Rates for Training Neural Networks",
//! section 3.3; the "LR finder" of fastai and pytorch-lr-finder).
//!
//! For `i = 0 .. num_steps`, the rate grows exponentially from `start_lr` to `end_lr`:
//! `lr_i = start_lr * (end_lr / start_lr)^(i / (num_steps - 1))`. Each step clears the
//! gradients, calls the closure (forward + backward: it returns the loss and fills the
//! params' gradients), records `(lr_i, loss_i)`, then takes one optimizer step at `lr_i`.
//! The recorded loss is smoothed with an exponential moving average
//! (`s_i = smoothing * loss_i + (1 - smoothing) * s_{i-1}`, `s_0 = loss_0`, as
//! pytorch-lr-finder does); the test stops early when `s_i > divergence_factor * min(s)` or
//! the loss is not finite. Afterwards the params' values and gradients and the optimizer's
//! whole state (its rates included) are restored, also when the closure's loss or a step
//! failed, so training starts from where it was.
//!
//! **Suggestion** ([`LrRangeTest::suggestion`]): the rate at the steepest descent of the
//! smoothed loss against `ln(lr)` (central differences), searched from the 10th percentile of
//! the recorded points up to the minimum of the smoothed loss; when the curve never descends,
//! the rate of the minimum loss divided by 10 ([`LrRangeTest::min_loss_lr`]). Different
//! rules suit different problems: the curve is returned so you can choose.
//!
//! Group rates keep their ratios: group `g` runs at `lr_i * lr_g / lr_0` (the rates they had
//! before the test); the curve records group 0's rate.
//!
//! ```
//! use tapegrad_optim::auto_lr::{lr_range_test, LrRangeTestConfig};
//! use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
//! use tapegrad_tensor::{Param, Tape, Tensor};
//! // loss = 5 * sum(w^2): curvature 10, SGD diverges above lr = 0.2
//! let w = Param::new("w", Tensor::from_vec(vec![1.0, -2.0, 0.5], &[3]));
//! let mut opt = Sgd::new(vec![w.clone()], SgdConfig { lr: 0.01, ..Default::default() }).unwrap();
//! let loss = || {
//!     let tape = Tape::new();
//!     let x = tape.param(&w);
//!     let l = (&x * &x).sum().mul_scalar(5.0);
//!     l.backward();
//!     l.value().item() as f64
//! };
//! let cfg = LrRangeTestConfig { start_lr: 1e-5, end_lr: 10.0, num_steps: 100, ..Default::default() };
//! let curve = lr_range_test(&mut opt, &cfg, loss).unwrap();
//! let lr = curve.suggestion.unwrap();
//! assert!(lr > 1e-3 && lr < 0.2, "{lr}");
//! assert_eq!(w.value().to_vec(), vec![1.0, -2.0, 0.5]); // the model is restored
//! assert_eq!(opt.lr(0), 0.01); // and so is the optimizer
//! ```

use crate::error::{check, OptimError};
use crate::Optimizer;
use serde::{Deserialize, Serialize};
use tapegrad_tensor::Tensor;

/// Options of the range test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LrRangeTestConfig {
    /// First rate (> 0; default 1e-7).
    pub start_lr: f64,
    /// Last rate (> start_lr; default 10).
    pub end_lr: f64,
    /// Steps of the test (>= 2; default 100).
    pub num_steps: usize,
    /// Stop when the smoothed loss exceeds this multiple of its minimum (> 1; default 5).
    pub divergence_factor: f64,
    /// Weight of the newest loss in the moving average (in (0, 1]; 1 = no smoothing;
    /// default 0.05).
    pub smoothing: f64,
}

impl Default for LrRangeTestConfig {
    fn default() -> Self {
        LrRangeTestConfig {
            start_lr: 1e-7,
            end_lr: 10.0,
            num_steps: 100,
            divergence_factor: 5.0,
            smoothing: 0.05,
        }
    }
}

impl LrRangeTestConfig {
    fn validate(&self) -> Result<(), OptimError> {
        check(
            self.start_lr > 0.0 && self.start_lr.is_finite(),
            "start_lr",
            self.start_lr,
            "must be finite and > 0",
        )?;
        check(
            self.end_lr > self.start_lr && self.end_lr.is_finite(),
            "end_lr",
            self.end_lr,
            "must be finite and > start_lr",
        )?;
        check(
            self.num_steps >= 2,
            "num_steps",
            self.num_steps,
            "must be >= 2",
        )?;
        check(
            self.divergence_factor > 1.0,
            "divergence_factor",
            self.divergence_factor,
            "must be > 1",
        )?;
        check(
            self.smoothing > 0.0 && self.smoothing <= 1.0,
            "smoothing",
            self.smoothing,
            "must be in (0, 1]",
        )
    }
}

/// The outcome of a range test: the curve and a suggested rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LrRangeTest {
    /// The rate of each recorded step (group 0's).
    pub lrs: Vec<f64>,
    /// The loss measured just before the step at that rate.
    pub losses: Vec<f64>,
    /// The smoothed losses.
    pub smoothed: Vec<f64>,
    /// True when the test stopped early because the loss diverged.
    pub diverged: bool,
    /// The suggested rate (see the module docs); `None` if nothing finite was recorded.
    pub suggestion: Option<f64>,
}

impl LrRangeTest {
    /// The rate where the smoothed loss is lowest.
    pub fn min_loss_lr(&self) -> Option<f64> {
        argmin(&self.smoothed).map(|i| self.lrs[i])
    }

    /// The rate at the steepest descent of the smoothed loss against `ln(lr)`, searched from
    /// the 10th percentile of the points to the minimum; `None` if the curve never descends.
    pub fn steepest_descent_lr(&self) -> Option<f64> {
        let n = self.smoothed.len();
        let end = argmin(&self.smoothed)?.min(n.saturating_sub(2));
        let start = (n / 10).max(1);
        let mut best: Option<(usize, f64)> = None;
        for k in start..=end {
            if k + 1 >= n {
                break;
            }
            let ds = self.smoothed[k + 1] - self.smoothed[k - 1];
            let dx = self.lrs[k + 1].ln() - self.lrs[k - 1].ln();
            let slope = ds / dx;
            if slope < 0.0 && best.is_none_or(|(_, s)| slope < s) {
                best = Some((k, slope));
            }
        }
        best.map(|(k, _)| self.lrs[k])
    }
}

fn argmin(v: &[f64]) -> Option<usize> {
    v.iter()
        .enumerate()
        .filter(|(_, x)| x.is_finite())
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
}

/// Runs the LR range test on `opt`, with `loss_fn` computing the loss and filling the
/// gradients of `opt`'s params (forward + backward), and restores the params and the
/// optimizer afterwards. See the module docs for the procedure and the suggestion.
pub fn lr_range_test(
    opt: &mut dyn Optimizer,
    config: &LrRangeTestConfig,
    mut loss_fn: impl FnMut() -> f64,
) -> Result<LrRangeTest, OptimError> {
    config.validate()?;
    let params = opt.params();
    let saved_values: Vec<Tensor> = params.iter().map(|p| p.value()).collect();
    let saved_grads: Vec<Option<Tensor>> = params.iter().map(|p| p.grad()).collect();
    let saved_state = opt.state();
    let outcome = run(opt, config, &mut loss_fn);
    for ((p, v), g) in params.iter().zip(saved_values).zip(saved_grads) {
        p.set_value(v);
        p.set_grad(g);
    }
    opt.load_state(&saved_state)?;
    outcome
}

fn run(
    opt: &mut dyn Optimizer,
    config: &LrRangeTestConfig,
    loss_fn: &mut dyn FnMut() -> f64,
) -> Result<LrRangeTest, OptimError> {
    let initial: Vec<f64> = (0..opt.num_groups()).map(|g| opt.lr(g)).collect();
    let ratios: Vec<f64> = match initial.first() {
        Some(&l0) if l0 > 0.0 => initial.iter().map(|&l| l / l0).collect(),
        _ => vec![1.0; initial.len()],
    };
    let mut out = LrRangeTest {
        lrs: Vec::new(),
        losses: Vec::new(),
        smoothed: Vec::new(),
        diverged: false,
        suggestion: None,
    };
    let growth = config.end_lr / config.start_lr;
    let mut best = f64::INFINITY;
    for i in 0..config.num_steps {
        let lr = config.start_lr * growth.powf(i as f64 / (config.num_steps - 1) as f64);
        for (g, r) in ratios.iter().enumerate() {
            opt.set_lr(g, lr * r)?;
        }
        opt.zero_grad();
        let loss = loss_fn();
        let s = match out.smoothed.last() {
            Some(&prev) if loss.is_finite() => {
                config.smoothing * loss + (1.0 - config.smoothing) * prev
            }
            _ => loss,
        };
        out.lrs.push(lr);
        out.losses.push(loss);
        out.smoothed.push(s);
        if !loss.is_finite() || s > config.divergence_factor * best {
            out.diverged = true;
            break;
        }
        best = best.min(s);
        opt.step()?;
    }
    out.suggestion = out
        .steepest_descent_lr()
        .or_else(|| out.min_loss_lr().map(|lr| lr / 10.0));
    Ok(out)
}
