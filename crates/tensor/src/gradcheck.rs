//! Finite-difference gradient checking.
//!
//! [`gradcheck`] compares the gradients that `backward` computes for a function of tensors
//! with central differences `(L(x + h) - L(x - h)) / 2h`, where `L = sum(w * f(x))` for a
//! fixed pseudo-random `w` (so every output element is exercised with a different weight).
//! It reports the worst absolute and relative error per input. In f32, with `h = 1e-3`,
//! errors of a few 1e-3 are rounding noise; a wrong rule is off by O(1).

use crate::{Tape, Tensor, Var};

/// Options for [`gradcheck`].
#[derive(Clone, Debug)]
pub struct GradcheckOptions {
    /// Step of the central difference.
    pub eps: f32,
    /// Absolute tolerance used by [`GradcheckReport::passed`].
    pub atol: f32,
    /// Relative tolerance used by [`GradcheckReport::passed`].
    pub rtol: f32,
}

impl Default for GradcheckOptions {
    fn default() -> Self {
        GradcheckOptions {
            eps: 1e-3,
            atol: 5e-3,
            rtol: 1e-2,
        }
    }
}

/// Worst errors of one input's gradient.
#[derive(Clone, Debug, PartialEq)]
pub struct InputReport {
    /// Largest `|analytic - numeric|` over the input's elements.
    pub max_abs_err: f32,
    /// Largest `|analytic - numeric| / max(|numeric|, 1e-6)`.
    pub max_rel_err: f32,
    /// True if every element satisfied `|analytic - numeric| <= atol + rtol * |numeric|`.
    pub within_tolerance: bool,
}

/// The result of a gradient check: one entry per input.
#[derive(Clone, Debug)]
pub struct GradcheckReport {
    /// Per-input errors, in the order the inputs were given.
    pub inputs: Vec<InputReport>,
}

impl GradcheckReport {
    /// True if every input's gradient was within tolerance.
    pub fn passed(&self) -> bool {
        self.inputs.iter().all(|r| r.within_tolerance)
    }
}

/// Checks the gradients of `f` at `inputs` against central finite differences.
///
/// ```
/// use tapegrad_tensor::{gradcheck, GradcheckOptions, Tensor};
/// let x = Tensor::from_vec(vec![0.3, -1.2, 2.0], &[3]);
/// let report = gradcheck(|v| v[0].sigmoid().mul(&v[0]), &[x], &GradcheckOptions::default());
/// assert!(report.passed(), "{report:?}");
/// ```
pub fn gradcheck(
    f: impl Fn(&[Var]) -> Var,
    inputs: &[Tensor],
    opts: &GradcheckOptions,
) -> GradcheckReport {
    // Analytic gradients, with the upstream gradient w.
    let tape = Tape::new();
    let vars: Vec<Var> = inputs.iter().map(|t| tape.leaf(t.clone())).collect();
    let out = f(&vars);
    let w = projection(out.shape());
    let grads = out.backward_with(w.clone());
    let analytic: Vec<Tensor> = vars
        .iter()
        .map(|v| {
            grads
                .get(v)
                .cloned()
                .unwrap_or_else(|| Tensor::zeros(v.shape()))
        })
        .collect();

    let loss = |xs: &[Tensor]| -> f64 {
        let tape = Tape::no_grad();
        let vars: Vec<Var> = xs.iter().map(|t| tape.constant(t.clone())).collect();
        let y = f(&vars);
        y.value()
            .as_slice()
            .iter()
            .zip(w.as_slice())
            .map(|(&a, &b)| a as f64 * b as f64)
            .sum()
    };

    let mut reports = Vec::with_capacity(inputs.len());
    let mut xs: Vec<Tensor> = inputs.to_vec();
    for i in 0..inputs.len() {
        let (mut max_abs, mut max_rel, mut ok) = (0.0f32, 0.0f32, true);
        for j in 0..inputs[i].len() {
            let x0 = inputs[i].as_slice()[j];
            xs[i].as_slice_mut()[j] = x0 + opts.eps;
            let plus = loss(&xs);
            xs[i].as_slice_mut()[j] = x0 - opts.eps;
            let minus = loss(&xs);
            xs[i].as_slice_mut()[j] = x0;
            let numeric = ((plus - minus) / (2.0 * opts.eps as f64)) as f32;
            let a = analytic[i].as_slice()[j];
            let err = (a - numeric).abs();
            max_abs = max_abs.max(err);
            max_rel = max_rel.max(err / numeric.abs().max(1e-6));
            // Written negated on purpose: a NaN error must fail the check.
            #[allow(clippy::neg_cmp_op_on_partial_ord)]
            if !(err <= opts.atol + opts.rtol * numeric.abs()) {
                ok = false;
            }
        }
        reports.push(InputReport {
            max_abs_err: max_abs,
            max_rel_err: max_rel,
            within_tolerance: ok,
        });
    }
    GradcheckReport { inputs: reports }
}

/// Deterministic weights in [-1, -0.25] U [0.25, 1] (never near zero), one per output element.
fn projection(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let data = (0..n)
        .map(|i| {
            let u = ((i as u64 * 2_654_435_761 + 12_345) % 1000) as f32 / 1000.0;
            let mag = 0.25 + 0.75 * u;
            if i % 2 == 0 {
                mag
            } else {
                -mag
            }
        })
        .collect();
    Tensor::from_vec(data, shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catches_a_wrong_rule() {
        // A deliberately wrong derivative (2x instead of 3x^2) must fail the check.
        let wrong = |v: &[Var]| {
            let x = &v[0];
            let value = x.value().map(|a| a * a * a);
            let xv = x.value().clone();
            x.from_unary(value, move |g| g.zip_map(&xv, "cube", |g, a| g * 2.0 * a))
        };
        let x = Tensor::from_vec(vec![0.5, 1.5, -2.0], &[3]);
        let report = gradcheck(
            wrong,
            std::slice::from_ref(&x),
            &GradcheckOptions::default(),
        );
        assert!(!report.passed());
        assert!(report.inputs[0].max_abs_err > 1.0, "{report:?}");
        let right = |v: &[Var]| {
            let x = &v[0];
            let value = x.value().map(|a| a * a * a);
            let xv = x.value().clone();
            x.from_unary(value, move |g| {
                g.zip_map(&xv, "cube", |g, a| g * 3.0 * a * a)
            })
        };
        assert!(gradcheck(right, &[x], &GradcheckOptions::default()).passed());
    }
}
