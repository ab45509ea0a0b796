//! Finite-difference gradient checking.
//!
//! [`gradcheck`] compares the gradients that `backward` computes for a function of tensors
//! with central differences `(L(x + h) - L(x - h)) / 2h`, where `L = sum(w * f(x))` for a
//! fixed pseudo-random `w` (so every output element is exercised with a different weight;
//! the loss is accumulated in f64). It reports, per input, the worst absolute and relative
//! error and the worst element: its index, the input's value there, the analytic and the
//! numeric derivative. In f32, with `h = 1e-3`, errors of a few 1e-3 are rounding noise; a
//! wrong rule is off by O(1).

use crate::{Tape, Tensor, Var};
use std::fmt;

/// Options for [`gradcheck`]. The defaults ([`GradcheckOptions::default`]) are `eps = 1e-3`,
/// `atol = 5e-3`, `rtol = 1e-2`: with f32 arithmetic, the central difference of an O(1)
/// function at that step is accurate to about 1e-4, and a wrong rule is off by far more.
#[derive(Clone, Debug)]
pub struct GradcheckOptions {
    /// Step `h` of the central difference (default 1e-3). Smaller steps lose digits to f32
    /// rounding; larger ones to curvature. Keep inputs farther than `h` from kinks.
    pub eps: f32,
    /// Absolute tolerance (default 5e-3).
    pub atol: f32,
    /// Relative tolerance (default 1e-2): an element passes if
    /// `|analytic - numeric| <= atol + rtol * |numeric|`.
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

impl GradcheckOptions {
    /// The defaults with another step.
    pub fn with_eps(self, eps: f32) -> GradcheckOptions {
        GradcheckOptions { eps, ..self }
    }

    /// The defaults with other tolerances.
    pub fn with_tolerances(self, atol: f32, rtol: f32) -> GradcheckOptions {
        GradcheckOptions { atol, rtol, ..self }
    }
}

/// One element of an input: where it is and both derivatives there.
#[derive(Clone, Debug, PartialEq)]
pub struct ElementReport {
    /// Row-major index of the element.
    pub flat: usize,
    /// Its index along each axis.
    pub index: Vec<usize>,
    /// The input's value there.
    pub x: f32,
    /// The derivative `backward` computed.
    pub analytic: f32,
    /// The central difference.
    pub numeric: f32,
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
    /// How many elements were out of tolerance.
    pub failures: usize,
    /// The element furthest out of tolerance (relative to its allowance); `None` for an empty
    /// input.
    pub worst: Option<ElementReport>,
}

/// The result of a gradient check: one entry per input.
#[derive(Clone, Debug)]
pub struct GradcheckReport {
    /// Per-input errors, in the order the inputs were given.
    pub inputs: Vec<InputReport>,
    /// The options the check ran with.
    pub options: GradcheckOptions,
}

impl GradcheckReport {
    /// True if every input's gradient was within tolerance.
    pub fn passed(&self) -> bool {
        self.inputs.iter().all(|r| r.within_tolerance)
    }
}

/// One line per input: `ok` with the worst error, or which element failed and how.
impl fmt::Display for GradcheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.options;
        write!(
            f,
            "gradcheck (eps {}, atol {}, rtol {}):",
            o.eps, o.atol, o.rtol
        )?;
        for (i, r) in self.inputs.iter().enumerate() {
            match (&r.worst, r.within_tolerance) {
                (Some(w), false) => write!(
                    f,
                    "\n  input {i}: FAILED at element {:?} (x = {}): analytic {}, numeric {}, |diff| {} > {} allowed; {} element(s) out of tolerance",
                    w.index,
                    w.x,
                    w.analytic,
                    w.numeric,
                    (w.analytic - w.numeric).abs(),
                    o.atol + o.rtol * w.numeric.abs(),
                    r.failures
                )?,
                _ => write!(
                    f,
                    "\n  input {i}: ok (max abs err {:.3e}, max rel err {:.3e})",
                    r.max_abs_err, r.max_rel_err
                )?,
            }
        }
        Ok(())
    }
}

/// The index along each axis of row-major element `flat` of `shape`.
fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for (i, &d) in shape.iter().enumerate().rev() {
        if d > 0 {
            idx[i] = flat % d;
            flat /= d;
        }
    }
    idx
}

/// Checks the gradients of `f` at `inputs` against central finite differences.
///
/// ```
/// use tapegrad_tensor::{gradcheck, GradcheckOptions, Tensor};
/// let x = Tensor::from_vec(vec![0.3, -1.2, 2.0], &[3]);
/// let report = gradcheck(|v| v[0].sigmoid().mul(&v[0]), &[x], &GradcheckOptions::default());
/// assert!(report.passed(), "{report}");
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
    let analytic: Vec<Tensor> = if out.requires_grad() {
        let grads = out.backward_with(w.clone());
        vars.iter()
            .map(|v| {
                grads
                    .get(v)
                    .cloned()
                    .unwrap_or_else(|| Tensor::zeros(v.shape()))
            })
            .collect()
    } else {
        inputs.iter().map(Tensor::zeros_like).collect()
    };

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
        let (mut max_abs, mut max_rel, mut failures) = (0.0f32, 0.0f32, 0);
        let mut worst: Option<(f32, ElementReport)> = None;
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
            let allowed = opts.atol + opts.rtol * numeric.abs();
            // Written negated on purpose: a NaN error must fail the check.
            #[allow(clippy::neg_cmp_op_on_partial_ord)]
            let bad = !(err <= allowed);
            if bad {
                failures += 1;
            }
            let score = if err.is_nan() {
                f32::INFINITY
            } else {
                err / allowed
            };
            if worst.as_ref().is_none_or(|(s, _)| score > *s) {
                let index = unravel(j, inputs[i].shape());
                worst = Some((
                    score,
                    ElementReport {
                        flat: j,
                        index,
                        x: x0,
                        analytic: a,
                        numeric,
                    },
                ));
            }
        }
        reports.push(InputReport {
            max_abs_err: max_abs,
            max_rel_err: max_rel,
            within_tolerance: failures == 0,
            failures,
            worst: worst.map(|(_, e)| e),
        });
    }
    GradcheckReport {
        inputs: reports,
        options: opts.clone(),
    }
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

    /// `x^3` with a deliberately wrong derivative (`2x` instead of `3x^2`) at index 2.
    fn cube(wrong: bool) -> impl Fn(&[Var]) -> Var {
        move |v: &[Var]| {
            let x = &v[0];
            let value = x.value().map(|a| a * a * a);
            let xv = x.value().clone();
            x.from_unary(value, move |g| {
                let mut d = g.zip_map(&xv, "cube", |g, a| g * 3.0 * a * a);
                if wrong {
                    d.as_slice_mut()[2] = g.as_slice()[2] * 2.0 * xv.as_slice()[2];
                }
                d
            })
        }
    }

    #[test]
    fn names_the_failing_element() {
        let x = Tensor::from_vec(vec![0.5, 1.5, -2.0, 1.0], &[2, 2]);
        let report = gradcheck(
            cube(true),
            std::slice::from_ref(&x),
            &GradcheckOptions::default(),
        );
        assert!(!report.passed());
        let r = &report.inputs[0];
        assert_eq!(r.failures, 1);
        let w = r.worst.as_ref().unwrap();
        assert_eq!((w.flat, w.index.clone(), w.x), (2, vec![1, 0], -2.0));
        // The analytic value is 2x·w and the numeric 3x²·w for the projection weight w there.
        assert!(
            (w.analytic / w.numeric - 2.0 * -2.0 / (3.0 * 4.0)).abs() < 1e-3,
            "{report}"
        );
        let text = report.to_string();
        assert!(
            text.contains("input 0: FAILED at element [1, 0] (x = -2)"),
            "{text}"
        );
        assert!(gradcheck(cube(false), &[x], &GradcheckOptions::default()).passed());
    }

    #[test]
    fn options_are_used() {
        let x = Tensor::from_vec(vec![0.5, 1.5, -2.0], &[3]);
        // A huge tolerance accepts even the wrong rule; the report carries the options.
        let loose = GradcheckOptions::default()
            .with_tolerances(100.0, 0.0)
            .with_eps(1e-2);
        let report = gradcheck(cube(true), &[x], &loose);
        assert!(report.passed());
        assert_eq!((report.options.eps, report.options.atol), (1e-2, 100.0));
        assert!(report.to_string().contains("input 0: ok"));
    }
}
