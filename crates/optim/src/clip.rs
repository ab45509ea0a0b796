//! Gradient clipping, as PyTorch's `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`.
//! Both replace the gradients (through [`Param::update_grad`]) before the optimizer's
//! step; params without a gradient are skipped.
//!
//! ```
//! use tapegrad_optim::clip_grad_norm;
//! use tapegrad_tensor::{Param, Tensor};
//! let w = Param::new("w", Tensor::zeros(&[2]));
//! w.set_grad(Some(Tensor::from_vec(vec![3.0, 4.0], &[2])));
//! let total = clip_grad_norm(&[w.clone()], 1.0, 2.0);
//! assert_eq!(total, 5.0);
//! let g = w.grad().unwrap().to_vec();
//! assert!((g[0] - 0.6).abs() < 1e-6 && (g[1] - 0.8).abs() < 1e-6);
//! ```

use tapegrad_tensor::Param;

/// Sum of squares of `x`, accumulated in f64 (eight lanes, so it vectorises, then added in
/// a fixed order: the result depends on the data only).
pub(crate) fn sum_squares(x: &[f32]) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for k in 0..8 {
            let v = c[k] as f64;
            acc[k] += v * v;
        }
    }
    let tail: f64 = chunks
        .remainder()
        .iter()
        .map(|&v| v as f64 * v as f64)
        .sum();
    acc.iter().sum::<f64>() + tail
}

/// The `norm_type`-norm of one gradient, as its contribution to the total: the sum of
/// `|g|^p` for finite p, the max of `|g|` for infinity.
fn contribution(g: &[f32], norm_type: f64) -> f64 {
    if norm_type == f64::INFINITY {
        g.iter().fold(0.0f64, |m, &v| m.max((v as f64).abs()))
    } else if norm_type == 2.0 {
        sum_squares(g)
    } else {
        g.iter().map(|&v| (v as f64).abs().powf(norm_type)).sum()
    }
}

/// Clips the gradients of `params` so that their total norm (one norm over all gradients
/// together, as if concatenated) is at most `max_norm`, and returns the total norm before
/// clipping, as PyTorch's `clip_grad_norm_`:
///
/// ```text
/// total = || (||g_1||_p, ||g_2||_p, ...) ||_p          (p = norm_type: 2, 1, any p > 0, or inf)
/// coef = max_norm / (total + 1e-6)
/// if coef < 1: every g *= coef
/// ```
///
/// The norm is accumulated in f64. If the total is not finite (a gradient holds a NaN or an
/// infinity) the gradients are left as they are and the non-finite total is returned; PyTorch
/// would scale them by NaN or 0, but either way the optimizer's step then refuses the
/// non-finite gradient (see [`crate::Optimizer::step`]), and leaving them intact keeps the
/// culprit visible.
///
/// Panics if `max_norm` is negative or NaN, or `norm_type` is not > 0 (programmer errors).
pub fn clip_grad_norm(params: &[Param], max_norm: f64, norm_type: f64) -> f64 {
    assert!(
        max_norm >= 0.0,
        "clip_grad_norm: max_norm must be >= 0, got {max_norm}"
    );
    assert!(
        norm_type > 0.0,
        "clip_grad_norm: norm_type must be > 0 (2.0, 1.0, f64::INFINITY, ...), got {norm_type}"
    );
    let mut acc = 0.0f64;
    for p in params {
        let c = p.with_slot(|s| s.grad().map(|g| contribution(g.as_slice(), norm_type)));
        if let Some(c) = c {
            acc = if norm_type == f64::INFINITY {
                acc.max(c)
            } else {
                acc + c
            };
        }
    }
    let total = if norm_type == f64::INFINITY {
        acc
    } else if norm_type == 2.0 {
        acc.sqrt()
    } else {
        acc.powf(1.0 / norm_type)
    };
    if !total.is_finite() {
        return total;
    }
    let coef = max_norm / (total + 1e-6);
    if coef < 1.0 {
        let coef = coef as f32;
        for p in params {
            p.update_grad(|g| g.map(|x| x * coef));
        }
    }
    total
}

/// Clamps every gradient element of `params` into `[-clip_value, clip_value]`, as PyTorch's
/// `clip_grad_value_` (a NaN stays NaN). Panics if `clip_value` is negative or NaN.
pub fn clip_grad_value(params: &[Param], clip_value: f64) {
    assert!(
        clip_value >= 0.0,
        "clip_grad_value: clip_value must be >= 0, got {clip_value}"
    );
    let c = clip_value as f32;
    for p in params {
        p.update_grad(|g| g.map(|x| x.clamp(-c, c)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tapegrad_tensor::Tensor;

    fn param(v: &[f32], g: Option<&[f32]>) -> Param {
        let p = Param::new("p", Tensor::zeros(&[v.len()]));
        p.set_grad(g.map(|g| Tensor::from_vec(g.to_vec(), &[g.len()])));
        p
    }

    #[test]
    fn norm_over_all_grads_and_no_clip_below() {
        let a = param(&[0.0; 2], Some(&[3.0, 0.0]));
        let b = param(&[0.0], Some(&[4.0]));
        let none = param(&[0.0], None);
        let ps = [a.clone(), b.clone(), none.clone()];
        // Below the limit: untouched.
        assert_eq!(clip_grad_norm(&ps, 10.0, 2.0), 5.0);
        assert_eq!(a.grad().unwrap().to_vec(), vec![3.0, 0.0]);
        // Above: scaled by max_norm / (5 + 1e-6).
        assert_eq!(clip_grad_norm(&ps, 2.5, 2.0), 5.0);
        let k = (2.5 / (5.0 + 1e-6)) as f32;
        assert_eq!(a.grad().unwrap().to_vec(), vec![3.0 * k, 0.0]);
        assert_eq!(b.grad().unwrap().to_vec(), vec![4.0 * k]);
        assert!(none.grad().is_none());
    }

    #[test]
    fn inf_and_one_norms() {
        let a = param(&[0.0; 2], Some(&[-3.0, 1.0]));
        let b = param(&[0.0], Some(&[2.0]));
        assert_eq!(
            clip_grad_norm(&[a.clone(), b.clone()], 100.0, f64::INFINITY),
            3.0
        );
        assert_eq!(clip_grad_norm(&[a.clone(), b.clone()], 100.0, 1.0), 6.0);
        clip_grad_norm(&[a.clone(), b], 1.5, f64::INFINITY);
        let k = (1.5 / (3.0 + 1e-6)) as f32;
        assert_eq!(a.grad().unwrap().to_vec(), vec![-3.0 * k, k]);
    }

    #[test]
    fn non_finite_total_leaves_grads() {
        let a = param(&[0.0; 2], Some(&[f32::NAN, 1.0]));
        let b = param(&[0.0], Some(&[2.0]));
        assert!(clip_grad_norm(&[a.clone(), b.clone()], 1.0, 2.0).is_nan());
        assert_eq!(b.grad().unwrap().to_vec(), vec![2.0]);
        let c = param(&[0.0], Some(&[f32::INFINITY]));
        assert_eq!(clip_grad_norm(&[c, b.clone()], 1.0, 2.0), f64::INFINITY);
        assert_eq!(b.grad().unwrap().to_vec(), vec![2.0]);
    }

    #[test]
    fn value_clamps() {
        let a = param(&[0.0; 3], Some(&[-2.0, 0.25, 7.0]));
        clip_grad_value(std::slice::from_ref(&a), 0.5);
        assert_eq!(a.grad().unwrap().to_vec(), vec![-0.5, 0.25, 0.5]);
    }

    #[test]
    #[should_panic(expected = "max_norm must be >= 0")]
    fn negative_max_norm_panics() {
        clip_grad_norm(&[], -1.0, 2.0);
    }

    #[test]
    fn sum_squares_odd_sizes() {
        for n in [0usize, 1, 7, 8, 9, 63, 65] {
            let x: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 - 3.0).collect();
            let want: f64 = x.iter().map(|&v| (v as f64) * (v as f64)).sum();
            assert!((sum_squares(&x) - want).abs() < 1e-9, "{n}");
        }
    }
}
