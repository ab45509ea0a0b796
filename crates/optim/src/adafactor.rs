//! Adafactor (Shazeer & Stern 2018), as PyTorch's `torch.optim.Adafactor`: second moments
//! factored into a row and a column average for params of two or more dimensions (the last two
//! are factored, leading ones are batch dimensions), so the state is `O(rows + cols)` instead of
//! `O(rows * cols)`; no first moment; a relative step size.
//!
//! ```text
//! step += 1
//! g = -grad if maximize else grad
//! beta2_t' = step^beta2_decay                         (the weight of the new estimate)
//! rho = min(lr, 1 / sqrt(step))
//! alpha = max(eps2, rms(p)) * rho
//! p = p * (1 - lr * weight_decay)                     (if weight_decay != 0)
//! >= 2-D:  row_var = lerp(row_var, mean(g^2 over the last dim), beta2_t')
//!          col_var = lerp(col_var, mean(g^2 over the next-to-last dim), beta2_t')
//!          v = (row_var @ col_var) / max(mean(row_var over rows), eps1)
//! else:    variance = lerp(variance, g^2, beta2_t');  v = variance
//! u = g / sqrt(max(v, eps1^2))
//! p = p - alpha / max(1, rms(u) / d) * u
//! ```
//!
//! `eps: (None, 1e-3)` as in PyTorch: `eps1` unset takes the float32 machine epsilon (what
//! PyTorch takes for a float32 param). Norms and means accumulate in f64.

use crate::error::{check, OptimError};
use crate::per_param::{Algorithm, PerParam};
use crate::state::{StateBuffers, StateRecord};
use serde::{Deserialize, Serialize};

/// Adafactor's hyperparameters (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdafactorConfig {
    /// Learning rate: caps the relative step size (default 0.01).
    pub lr: f64,
    /// Decay of the second-moment weight: step `t` weighs its estimate `t^beta2_decay` (<= 0;
    /// default -0.8).
    pub beta2_decay: f64,
    /// `(eps1, eps2)`: floor of the second moment (`None`: float32's machine epsilon) and of
    /// the param's rms (default `(None, 1e-3)`).
    pub eps: (Option<f64>, f64),
    /// Clipping threshold of the update's rms (>= 1; default 1).
    pub d: f64,
    /// Decoupled weight decay (default 0).
    pub weight_decay: f64,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for AdafactorConfig {
    fn default() -> Self {
        AdafactorConfig {
            lr: 1e-2,
            beta2_decay: -0.8,
            eps: (None, 1e-3),
            d: 1.0,
            weight_decay: 0.0,
            maximize: false,
        }
    }
}

/// Adafactor's per-parameter state (PyTorch's names): factored (`row_var`, `col_var`) for
/// params of two or more dimensions, else a full `variance`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct AdafactorState {
    /// Steps taken.
    pub step: u64,
    /// The param's shape (the factored buffers depend on it).
    pub shape: Vec<usize>,
    /// Row averages of the squared gradient (`shape[..-1]`), when factored.
    pub row_var: Option<Vec<f32>>,
    /// Column averages (`shape[..-2] + shape[-1..]`), when factored.
    pub col_var: Option<Vec<f32>>,
    /// The full second moment, when not factored.
    pub variance: Option<Vec<f32>>,
}

/// (batch, rows, cols) of a factored shape.
fn dims(shape: &[usize]) -> (usize, usize, usize) {
    let n = shape.len();
    let batch = shape[..n - 2].iter().product();
    (batch, shape[n - 2], shape[n - 1])
}

impl StateBuffers for AdafactorState {
    fn to_record(&self) -> StateRecord {
        let mut r = StateRecord {
            step: self.step,
            ..Default::default()
        };
        for (name, b) in [
            ("row_var", &self.row_var),
            ("col_var", &self.col_var),
            ("variance", &self.variance),
        ] {
            if let Some(b) = b {
                r.buffers.push((name.into(), b.clone()));
            }
        }
        r
    }

    fn from_record(r: &StateRecord, shape: &[usize]) -> Result<Self, OptimError> {
        let mut s = AdafactorState {
            step: r.step,
            shape: shape.to_vec(),
            ..Default::default()
        };
        if shape.len() >= 2 {
            let (batch, rows, cols) = dims(shape);
            s.row_var = Some(r.buffer("row_var", batch * rows)?);
            s.col_var = Some(r.buffer("col_var", batch * cols)?);
        } else {
            s.variance = Some(r.buffer("variance", shape.iter().product())?);
        }
        Ok(s)
    }
}

/// The Adafactor algorithm (use it as [`Adafactor`]).
#[derive(Clone, Copy, Debug)]
pub struct AdafactorKind;

/// Adafactor: `Adafactor::new(params, AdafactorConfig {..})`.
pub type Adafactor = PerParam<AdafactorKind>;

fn rms(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (crate::clip::sum_squares(x) / x.len() as f64).sqrt()
}

fn lerp(a: &mut [f32], b: &[f64], w: f64) {
    for (a, &b) in a.iter_mut().zip(b) {
        let x = *a as f64;
        *a = (x + w * (b - x)) as f32;
    }
}

impl Algorithm for AdafactorKind {
    const NAME: &'static str = "Adafactor";
    type Config = AdafactorConfig;
    type State = AdafactorState;

    fn validate(c: &AdafactorConfig) -> Result<(), OptimError> {
        check(c.lr >= 0.0, "learning rate", c.lr, "should be >= 0")?;
        check(
            c.beta2_decay <= 0.0,
            "beta2_decay",
            c.beta2_decay,
            "should be <= 0",
        )?;
        if let Some(e1) = c.eps.0 {
            check(e1 >= 0.0, "epsilon1", e1, "should be >= 0")?;
        }
        check(c.eps.1 >= 0.0, "epsilon2", c.eps.1, "should be >= 0")?;
        check(c.d >= 1.0, "clipping threshold d", c.d, "should be >= 1")?;
        check(
            c.weight_decay >= 0.0,
            "weight_decay",
            c.weight_decay,
            "should be >= 0",
        )
    }

    fn lr(c: &AdafactorConfig) -> f64 {
        c.lr
    }

    fn set_lr(c: &mut AdafactorConfig, lr: f64) {
        c.lr = lr;
    }

    fn new_state(_c: &AdafactorConfig, _d: &AdafactorConfig, shape: &[usize]) -> AdafactorState {
        let mut s = AdafactorState {
            shape: shape.to_vec(),
            ..Default::default()
        };
        if shape.len() >= 2 {
            let (batch, rows, cols) = dims(shape);
            s.row_var = Some(vec![0.0; batch * rows]);
            s.col_var = Some(vec![0.0; batch * cols]);
        } else {
            s.variance = Some(vec![0.0; shape.iter().product()]);
        }
        s
    }

    fn update(c: &AdafactorConfig, s: &mut AdafactorState, value: &mut [f32], grad: &[f32]) {
        s.step += 1;
        let sign = if c.maximize { -1.0f64 } else { 1.0 };
        let eps1 = c.eps.0.unwrap_or(f32::EPSILON as f64);
        let step = s.step as f64;
        let weight = step.powf(c.beta2_decay);
        let rho = c.lr.min(1.0 / step.sqrt());
        let alpha = c.eps.1.max(rms(value)) * rho;
        if c.weight_decay != 0.0 {
            let keep = (1.0 - c.lr * c.weight_decay) as f32;
            value.iter_mut().for_each(|p| *p *= keep);
        }
        let g = |i: usize| sign * grad[i] as f64;
        let mut update: Vec<f32> = vec![0.0; value.len()];
        if s.shape.len() >= 2 {
            let (batch, rows, cols) = dims(&s.shape);
            let row_var = s.row_var.as_mut().expect("factored state");
            let col_var = s.col_var.as_mut().expect("factored state");
            for b in 0..batch {
                let at = |r: usize, k: usize| b * rows * cols + r * cols + k;
                let row_mean: Vec<f64> = (0..rows)
                    .map(|r| (0..cols).map(|k| g(at(r, k)).powi(2)).sum::<f64>() / cols as f64)
                    .collect();
                let col_mean: Vec<f64> = (0..cols)
                    .map(|k| (0..rows).map(|r| g(at(r, k)).powi(2)).sum::<f64>() / rows as f64)
                    .collect();
                let rv = &mut row_var[b * rows..(b + 1) * rows];
                let cv = &mut col_var[b * cols..(b + 1) * cols];
                lerp(rv, &row_mean, weight);
                lerp(cv, &col_mean, weight);
                let mean_row = if rows == 0 {
                    f64::NAN
                } else {
                    rv.iter().map(|&x| x as f64).sum::<f64>() / rows as f64
                };
                let scale = mean_row.max(eps1);
                for r in 0..rows {
                    for k in 0..cols {
                        let v = (rv[r] as f64 * cv[k] as f64 / scale).max(eps1 * eps1);
                        update[at(r, k)] = (g(at(r, k)) / v.sqrt()) as f32;
                    }
                }
            }
        } else {
            let variance = s.variance.as_mut().expect("unfactored state");
            let squares: Vec<f64> = (0..grad.len()).map(|i| g(i).powi(2)).collect();
            lerp(variance, &squares, weight);
            for (i, u) in update.iter_mut().enumerate() {
                let v = (variance[i] as f64).max(eps1 * eps1);
                *u = (g(i) / v.sqrt()) as f32;
            }
        }
        let denom = (rms(&update) / c.d).max(1.0);
        let factor = (alpha / denom) as f32;
        for (p, u) in value.iter_mut().zip(&update) {
            *p -= factor * u;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Optimizer;
    use tapegrad_tensor::{Param, Tensor};

    #[test]
    fn matrices_keep_factored_state_vectors_a_full_one() {
        let w = Param::new("w", Tensor::ones(&[2, 3, 4]));
        let b = Param::new("b", Tensor::ones(&[4]));
        let mut opt = Adafactor::new(vec![w.clone(), b.clone()], Default::default()).unwrap();
        w.set_grad(Some(Tensor::full(&[2, 3, 4], 0.5)));
        b.set_grad(Some(Tensor::full(&[4], 0.5)));
        opt.step().unwrap();
        let g = &opt.groups()[0];
        let ws = g.state(0).unwrap();
        assert_eq!(ws.row_var.as_ref().unwrap().len(), 6);
        assert_eq!(ws.col_var.as_ref().unwrap().len(), 8);
        assert!(ws.variance.is_none());
        assert_eq!(g.state(1).unwrap().variance.as_ref().unwrap().len(), 4);
        let r = ws.to_record();
        assert_eq!(AdafactorState::from_record(&r, &[2, 3, 4]).unwrap(), *ws);
        assert!(AdafactorState::from_record(&r, &[3, 2, 4]).is_err());
    }
}
