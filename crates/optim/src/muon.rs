//! Muon (Jordan et al. 2024), as PyTorch's `torch.optim.Muon`: momentum SGD whose update is
//! orthogonalized by a few Newton-Schulz iterations, for the 2-D weights of hidden layers.
//! Other params (biases, embeddings, norms) belong in another optimizer, as PyTorch
//! documents: Muon refuses them when they join.
//!
//! ```text
//! B = lerp(B, g, 1 - momentum)                       (momentum_buffer)
//! U = lerp(g, B, momentum) if nesterov else B
//! O = NS(U): X = U / max(||U||_F, eps) (transposed if tall);
//!            ns_steps times: A = X X^T;  X = a X + (b A + c A A) X
//! p = p * (1 - lr * weight_decay)
//! p = p - lr * ratio(shape) * O
//! ratio: "original" sqrt(max(1, rows / cols)) (the default), "match_rms_adamw"
//!        0.2 sqrt(max(rows, cols)), "spectral_unclamped" sqrt(rows / cols)
//! ```
//!
//! The Newton-Schulz iterations run in bfloat16, as PyTorch's do: products accumulate in f64
//! and every tensor PyTorch keeps in bfloat16 is rounded to it (checked to agree bit for bit
//! with PyTorch's `_zeropower_via_newtonschulz` on CPU), so the update is PyTorch's, not a
//! more precise one.
//!
//! Paired with AdamW for the rest, as PyTorch shows:
//!
//! ```
//! use tapegrad_optim::{AdamW, AdamWConfig, Muon, MuonConfig, Optimizer};
//! use tapegrad_tensor::{Param, Tensor};
//! let (w, b) = (Param::new("fc.weight", Tensor::ones(&[4, 3])), Param::new("fc.bias", Tensor::ones(&[4])));
//! let mut muon = Muon::new(vec![w.clone()], MuonConfig { lr: 0.02, ..Default::default() }).unwrap();
//! let mut adamw = AdamW::new(vec![b.clone()], AdamWConfig { lr: 3e-4, ..Default::default() }).unwrap();
//! assert!(Muon::new(vec![b.clone()], MuonConfig::default()).is_err()); // 1-D: refused
//! w.set_grad(Some(Tensor::full(&[4, 3], 0.1)));
//! b.set_grad(Some(Tensor::full(&[4], 0.1)));
//! muon.step().unwrap();
//! adamw.step().unwrap();
//! ```

use crate::error::{check, OptimError};
use crate::lerp::lerp;
use crate::per_param::{Algorithm, PerParam};
use crate::state::{StateBuffers, StateRecord};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// How the rate is scaled to the matrix's shape (PyTorch's `adjust_lr_fn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AdjustLr {
    /// `sqrt(max(1, rows / cols))` (Keller Jordan's original; PyTorch's default, `None`).
    #[default]
    Original,
    /// `0.2 * sqrt(max(rows, cols))` (matches AdamW's update rms).
    MatchRmsAdamw,
    /// `sqrt(rows / cols)`.
    SpectralUnclamped,
}

/// Muon's hyperparameters (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MuonConfig {
    /// Learning rate (default 1e-3).
    pub lr: f64,
    /// Decoupled weight decay (default 0.1).
    pub weight_decay: f64,
    /// Momentum (default 0.95).
    pub momentum: f64,
    /// Nesterov momentum (default true).
    pub nesterov: bool,
    /// `(a, b, c)` of the Newton-Schulz polynomial (default (3.4445, -4.775, 2.0315)).
    pub ns_coefficients: (f64, f64, f64),
    /// Floor of the norm the update is divided by (default 1e-7).
    pub eps: f64,
    /// Newton-Schulz iterations (< 100; default 5).
    pub ns_steps: u32,
    /// Rate scaling by shape (`null`: the original).
    pub adjust_lr_fn: Option<AdjustLr>,
}

impl Default for MuonConfig {
    fn default() -> Self {
        MuonConfig {
            lr: 1e-3,
            weight_decay: 0.1,
            momentum: 0.95,
            nesterov: true,
            ns_coefficients: (3.4445, -4.775, 2.0315),
            eps: 1e-7,
            ns_steps: 5,
            adjust_lr_fn: None,
        }
    }
}

/// Muon's per-parameter state (PyTorch's names).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct MuonState {
    /// Steps taken.
    pub step: u64,
    /// The momentum buffer.
    pub momentum_buffer: Vec<f32>,
    /// The param's rows and columns.
    pub shape: (usize, usize),
}

impl StateBuffers for MuonState {
    fn to_record(&self) -> StateRecord {
        StateRecord {
            step: self.step,
            buffers: vec![("momentum_buffer".into(), self.momentum_buffer.clone())],
            ..Default::default()
        }
    }

    fn from_record(r: &StateRecord, shape: &[usize]) -> Result<Self, OptimError> {
        let &[rows, cols] = shape else {
            return Err(OptimError::StateMismatch(format!(
                "Muon state for a param of shape {shape:?}: Muon takes 2-D params"
            )));
        };
        Ok(MuonState {
            step: r.step,
            momentum_buffer: r.buffer("momentum_buffer", rows * cols)?,
            shape: (rows, cols),
        })
    }
}

/// The Muon algorithm (use it as [`Muon`]).
#[derive(Clone, Copy, Debug)]
pub struct MuonKind;

/// Muon: `Muon::new(params, MuonConfig {..})`, for 2-D params.
pub type Muon = PerParam<MuonKind>;

/// Rounds to bfloat16 (to nearest, ties to even), kept as f32.
fn bf16(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    let bits = x.to_bits();
    let round = 0x7fff + ((bits >> 16) & 1);
    f32::from_bits(bits.wrapping_add(round) & 0xffff_0000)
}

/// A value rounded as PyTorch's bfloat16 tensors store it (through f32).
fn bf16_of(x: f64) -> f64 {
    bf16(x as f32) as f64
}

/// PyTorch's `_zeropower_via_newtonschulz` on a `rows x cols` matrix, in bfloat16: every
/// product is accumulated in f64 (exact for bfloat16 inputs, up to the sums' rounding) and
/// each tensor PyTorch stores is rounded to bfloat16, which reproduces PyTorch's CPU results
/// bit for bit on the shapes checked (its kernels accumulate in f32, which rounds to the same
/// bfloat16 but for rare ties).
fn newton_schulz(u: &[f32], rows: usize, cols: usize, c: &MuonConfig) -> Vec<f32> {
    let (a, b, cc) = c.ns_coefficients;
    let m = Array2::from_shape_fn((rows, cols), |(i, j)| bf16_of(u[i * cols + j] as f64));
    let tall = rows > cols;
    let mut x = if tall { m.t().to_owned() } else { m };
    let norm = bf16_of(x.iter().map(|v| v * v).sum::<f64>().sqrt()).max(c.eps);
    x.mapv_inplace(|v| bf16_of(v / norm));
    for _ in 0..c.ns_steps {
        let gram = x.dot(&x.t()).mapv(bf16_of);
        let mut update = gram.dot(&gram);
        ndarray::Zip::from(&mut update)
            .and(&gram)
            .for_each(|u, &g| *u = bf16_of(b * g + cc * *u));
        let mut next = update.dot(&x);
        ndarray::Zip::from(&mut next)
            .and(&x)
            .for_each(|n, &x| *n = bf16_of(a * x + *n));
        x = next;
    }
    let x = if tall { x.t().to_owned() } else { x };
    x.iter().map(|&v| v as f32).collect()
}

impl Algorithm for MuonKind {
    const NAME: &'static str = "Muon";
    const PARALLEL_UPDATE: bool = true;
    type Config = MuonConfig;
    type State = MuonState;

    fn validate(c: &MuonConfig) -> Result<(), OptimError> {
        check(c.lr >= 0.0, "learning rate", c.lr, "should be >= 0")?;
        check(c.momentum >= 0.0, "momentum", c.momentum, "should be >= 0")?;
        check(
            c.weight_decay >= 0.0,
            "weight decay",
            c.weight_decay,
            "should be >= 0",
        )?;
        check(
            c.ns_steps < 100,
            "ns_steps",
            c.ns_steps,
            "number of steps must be less than 100 for computational efficiency",
        )
    }

    fn check_shape(shape: &[usize]) -> Result<(), String> {
        if shape.len() == 2 {
            Ok(())
        } else {
            Err("Muon only supports 2D parameters (use AdamW for the others)".into())
        }
    }

    fn lr(c: &MuonConfig) -> f64 {
        c.lr
    }

    fn set_lr(c: &mut MuonConfig, lr: f64) {
        c.lr = lr;
    }

    fn momentum(c: &MuonConfig) -> Option<f64> {
        Some(c.momentum)
    }

    fn set_momentum(c: &mut MuonConfig, m: f64) {
        c.momentum = m;
    }

    fn new_state(_c: &MuonConfig, _d: &MuonConfig, shape: &[usize]) -> MuonState {
        MuonState {
            step: 0,
            momentum_buffer: vec![0.0; shape.iter().product()],
            shape: (shape[0], shape[1]),
        }
    }

    fn update(c: &MuonConfig, s: &mut MuonState, value: &mut [f32], grad: &[f32]) {
        s.step += 1;
        // The weights are computed in f64 and rounded once, as PyTorch's Python scalars are.
        let (keep, mu) = ((1.0 - c.momentum) as f32, c.momentum as f32);
        let mut u = vec![0.0f32; value.len()];
        for ((b, &g), u) in s.momentum_buffer.iter_mut().zip(grad).zip(u.iter_mut()) {
            *b = lerp(*b, g, keep);
            *u = if c.nesterov { lerp(g, *b, mu) } else { *b };
        }
        let (rows, cols) = s.shape;
        let o = newton_schulz(&u, rows, cols, c);
        let (r, k) = (rows as f64, cols as f64);
        let ratio = match c.adjust_lr_fn.unwrap_or_default() {
            AdjustLr::Original => (r / k).max(1.0).sqrt(),
            AdjustLr::MatchRmsAdamw => 0.2 * r.max(k).sqrt(),
            AdjustLr::SpectralUnclamped => (r / k).sqrt(),
        };
        let shrink = (1.0 - c.lr * c.weight_decay) as f32;
        let step = (c.lr * ratio) as f32;
        for (p, &o) in value.iter_mut().zip(&o) {
            *p = *p * shrink - step * o;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Optimizer;
    use tapegrad_tensor::{Param, Tensor};

    #[test]
    fn bf16_rounds_to_nearest_even() {
        assert_eq!(bf16(1.0), 1.0);
        assert_eq!(bf16(1.0 + 1.0 / 256.0), 1.0); // a tie: to even
        assert_eq!(bf16(1.0 + 3.0 / 256.0), 1.0 + 4.0 / 256.0);
        assert!(bf16(f32::NAN).is_nan());
    }

    #[test]
    fn orthogonalizes_and_resumes_exactly() {
        let shape = [6, 4];
        let w = || {
            Param::new(
                "w",
                Tensor::from_vec((0..24).map(|i| (i as f32 * 0.37).sin()).collect(), &shape),
            )
        };
        let g = |t: usize| {
            Tensor::from_vec(
                (0..24).map(|i| ((i * 7 + t) as f32 * 0.11).cos()).collect(),
                &shape,
            )
        };
        let cfg = MuonConfig {
            lr: 0.02,
            ..Default::default()
        };
        let a = w();
        let mut opt = Muon::new(vec![a.clone()], cfg.clone()).unwrap();
        for t in 0..3 {
            a.set_grad(Some(g(t)));
            opt.step().unwrap();
        }
        let saved = opt.state();
        let b = Param::new("w", a.value());
        let mut resumed = Muon::new(vec![b.clone()], cfg).unwrap();
        resumed.load_state(&saved).unwrap();
        for t in 3..6 {
            a.set_grad(Some(g(t)));
            b.set_grad(Some(g(t)));
            opt.step().unwrap();
            resumed.step().unwrap();
        }
        assert_eq!(a.value().to_vec(), b.value().to_vec());
        // The orthogonalized update of a matrix has singular values near 1: its rows are
        // close to orthonormal (Muon's quintic leaves singular values in about [0.5, 1.2]).
        let o = newton_schulz(&g(0).to_vec(), 6, 4, &MuonConfig::default());
        let col = |j: usize| (0..6).map(|i| o[i * 4 + j] as f64).collect::<Vec<_>>();
        for j in 0..4 {
            let n: f64 = col(j).iter().map(|x| x * x).sum::<f64>().sqrt();
            assert!((0.4..1.3).contains(&n), "column {j} norm {n}");
        }
    }
}
