//! Losses (PyTorch's `nn.MSELoss`, `nn.L1Loss`, `nn.CrossEntropyLoss`,
//! `nn.BCEWithLogitsLoss`), each with PyTorch's `reduction`: mean (default), sum or none.
//!
//! The mean forms use the tensor crate's fused ops (checked against PyTorch there); sum is
//! the mean times the element count; `none` is composed from elementwise ops so it needs no
//! backward rule of its own. Input and target shapes must match exactly (PyTorch broadcasts
//! with a warning; here a mismatch panics naming the loss and both shapes).

use tapegrad_tensor::{IntTensor, Var};

/// How a loss reduces its per-element values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reduction {
    /// The mean over elements (PyTorch's default).
    #[default]
    Mean,
    /// The sum over elements.
    Sum,
    /// No reduction: one value per element (per sample for cross-entropy).
    None,
}

#[track_caller]
fn check_same(loss: &str, input: &Var, target: &Var) {
    if input.shape() != target.shape() {
        panic!(
            "{loss}: input shape {:?} does not match target shape {:?}",
            input.shape(),
            target.shape()
        );
    }
}

/// `mean` of the mean-reduced fused op, scaled for `Sum`; `none(input)` otherwise.
#[track_caller]
fn reduce(
    reduction: Reduction,
    mean: impl FnOnce() -> Var,
    n: usize,
    none: impl FnOnce() -> Var,
) -> Var {
    match reduction {
        Reduction::Mean => mean(),
        Reduction::Sum => mean().mul_scalar(n as f32),
        Reduction::None => none(),
    }
}

macro_rules! loss_ctor {
    ($name:ident) => {
        impl $name {
            /// With mean reduction (PyTorch's default).
            pub fn new() -> $name {
                $name::default()
            }

            /// With the given reduction.
            pub fn with_reduction(reduction: Reduction) -> $name {
                $name { reduction }
            }
        }
    };
}

/// Squared error `(input - target)^2`, reduced (PyTorch's `nn.MSELoss`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MSELoss {
    /// Mean (default), sum or none.
    pub reduction: Reduction,
}
loss_ctor!(MSELoss);

impl MSELoss {
    /// The loss of `input` against `target` (same shape).
    #[track_caller]
    pub fn forward(&self, input: &Var, target: &Var) -> Var {
        check_same("MSELoss", input, target);
        reduce(
            self.reduction,
            || input.mse_loss(target),
            input.value().len(),
            || input.sub(target).square(),
        )
    }
}

/// Absolute error `|input - target|`, reduced (PyTorch's `nn.L1Loss`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct L1Loss {
    /// Mean (default), sum or none.
    pub reduction: Reduction,
}
loss_ctor!(L1Loss);

impl L1Loss {
    /// The loss of `input` against `target` (same shape).
    #[track_caller]
    pub fn forward(&self, input: &Var, target: &Var) -> Var {
        check_same("L1Loss", input, target);
        reduce(
            self.reduction,
            || input.l1_loss(target),
            input.value().len(),
            || input.sub(target).abs(),
        )
    }
}

/// Cross-entropy of logits `[N, C]` against class targets (PyTorch's `nn.CrossEntropyLoss`
/// without class weights or label smoothing): `-log_softmax(x)[i, t_i]` per sample, reduced.
/// Targets are an [`IntTensor`] of N class indices; a target of -100 (PyTorch's default
/// `ignore_index`) is ignored: 0 under `None`, left out of `Sum`, and of both the sum and the
/// count of `Mean` (all ignored: NaN, as PyTorch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrossEntropyLoss {
    /// Mean (default), sum or none (`[N]`).
    pub reduction: Reduction,
}
loss_ctor!(CrossEntropyLoss);

impl CrossEntropyLoss {
    /// The loss of `logits` `[N, C]` against `targets` (N class indices, each below C, or
    /// -100 to ignore). Panics naming the loss if the shapes disagree or a target is out of
    /// range.
    #[track_caller]
    pub fn forward(&self, logits: &Var, targets: &IntTensor) -> Var {
        let s = logits.shape();
        if s.len() != 2 || targets.ndim() != 1 || s[0] != targets.len() {
            panic!(
                "CrossEntropyLoss: expected logits [N, C] and targets [N], got {:?} and {:?}",
                s,
                targets.shape()
            );
        }
        let c = s[1] as i64;
        let t = targets.as_slice();
        if let Some((i, t)) = t
            .iter()
            .enumerate()
            .find(|(_, &t)| t != -100 && !(0..c).contains(&t))
        {
            panic!("CrossEntropyLoss: target {t} of sample {i} is out of range for {c} classes");
        }
        let per_sample = || {
            // -log_softmax(x)[i, t_i], with ignored rows read at class 0 and then zeroed.
            let ignored = targets.map(|t| t == -100);
            let safe = targets.map(|t| if t == -100 { 0 } else { t });
            let picked = logits
                .log_softmax(1)
                .gather(1, &safe.reshape(&[t.len(), 1]));
            picked.reshape(&[t.len()]).neg().masked_fill(&ignored, 0.0)
        };
        match self.reduction {
            Reduction::Mean => logits.cross_entropy(targets),
            Reduction::Sum => per_sample().sum(),
            Reduction::None => per_sample(),
        }
    }
}

/// Binary cross-entropy on logits, `softplus(x) - x t`, reduced (PyTorch's
/// `nn.BCEWithLogitsLoss` without weights), stable for any finite logit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BCEWithLogitsLoss {
    /// Mean (default), sum or none.
    pub reduction: Reduction,
}
loss_ctor!(BCEWithLogitsLoss);

impl BCEWithLogitsLoss {
    /// The loss of `logits` against `target` probabilities in [0, 1] (same shape).
    #[track_caller]
    pub fn forward(&self, logits: &Var, target: &Var) -> Var {
        check_same("BCEWithLogitsLoss", logits, target);
        reduce(
            self.reduction,
            || logits.bce_with_logits(target),
            logits.value().len(),
            || logits.softplus().sub(&logits.mul(target)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, reference};
    use tapegrad_tensor::{gradcheck, GradcheckOptions, Tape, Tensor};

    const ALL: [Reduction; 3] = [Reduction::Mean, Reduction::Sum, Reduction::None];

    /// Checks the mean form against the ops.json case, then that sum and none agree with it
    /// (sum = n * mean, mean(none) = mean) in value and gradient, and gradchecks all three.
    fn check(case: &str, f: &dyn Fn(Reduction, &Var, &Var) -> Var, n: usize) {
        let (inputs, output, grad_out, grads) = reference(case);
        let tape = Tape::new();
        let x = tape.leaf(inputs[0].clone());
        let t = tape.constant(inputs[1].clone());
        let y = f(Reduction::Mean, &x, &t);
        assert_close(y.value(), &output, case);
        let g = y.backward_with(grad_out);
        assert_close(g.get(&x).unwrap(), grads[0].as_ref().unwrap(), case);

        let mean = output.item();
        let sum = f(Reduction::Sum, &x, &t).value().item();
        assert!(
            (sum - n as f32 * mean).abs() < 1e-4 * (1.0 + sum.abs()),
            "{case}: sum"
        );
        let none = f(Reduction::None, &x, &t);
        let avg = none.value().as_slice().iter().sum::<f32>() / none.value().len() as f32;
        assert!(
            (avg - mean).abs() < 1e-5 * (1.0 + mean.abs()),
            "{case}: none"
        );
        assert_eq!(
            none.value().len(),
            n,
            "{case}: none has one value per element"
        );
        for r in ALL {
            let target = inputs[1].clone();
            let report = gradcheck(
                |v| f(r, &v[0], &v[0].constant_like(target.clone())),
                &inputs[..1],
                &GradcheckOptions::default(),
            );
            assert!(report.passed(), "{case} {r:?}: {report:?}");
        }
    }

    #[test]
    fn mse() {
        check(
            "mse_loss_2d",
            &|r, x, t| MSELoss::with_reduction(r).forward(x, t),
            15,
        );
        check(
            "mse_loss",
            &|r, x, t| MSELoss::with_reduction(r).forward(x, t),
            8,
        );
    }

    #[test]
    fn l1() {
        check(
            "l1_loss",
            &|r, x, t| L1Loss::with_reduction(r).forward(x, t),
            12,
        );
    }

    #[test]
    fn bce_with_logits() {
        check(
            "bce_with_logits",
            &|r, x, t| BCEWithLogitsLoss::with_reduction(r).forward(x, t),
            7,
        );
    }

    #[test]
    fn cross_entropy() {
        let (inputs, _, _, _) = reference("cross_entropy");
        let targets = inputs[1].to_int();
        check(
            "cross_entropy",
            &|r, x, _| CrossEntropyLoss::with_reduction(r).forward(x, &targets),
            6,
        );
        assert_eq!(
            CrossEntropyLoss::with_reduction(Reduction::None)
                .forward(
                    &Tape::new().constant(Tensor::zeros(&[4, 3])),
                    &IntTensor::from(vec![0, 1, 2, 0])
                )
                .shape(),
            &[4]
        );
    }

    #[test]
    fn cross_entropy_ignore_index_in_every_reduction() {
        // The mean form is checked against PyTorch (ops.json's cross_entropy_ignore); sum and
        // none must agree with it: ignored rows are 0 and not counted.
        let (inputs, output, _, _) = reference("cross_entropy_ignore");
        let t = inputs[1].to_int();
        let valid = t.as_slice().iter().filter(|&&c| c != -100).count() as f32;
        let tape = Tape::new();
        let x = tape.leaf(inputs[0].clone());
        let mean = CrossEntropyLoss::new().forward(&x, &t);
        assert_close(mean.value(), &output, "mean");
        let sum = CrossEntropyLoss::with_reduction(Reduction::Sum).forward(&x, &t);
        assert!((sum.value().item() - valid * output.item()).abs() < 1e-4);
        let none = CrossEntropyLoss::with_reduction(Reduction::None).forward(&x, &t);
        for (l, &c) in none.value().as_slice().iter().zip(t.as_slice()) {
            assert!(c != -100 || *l == 0.0);
        }
        let report = gradcheck(
            |v| CrossEntropyLoss::with_reduction(Reduction::Sum).forward(&v[0], &t),
            &inputs[..1],
            &GradcheckOptions::default(),
        );
        assert!(report.passed(), "{report}");
    }

    #[test]
    fn bce_none_is_stable_at_extreme_logits() {
        let tape = Tape::new();
        let x = tape.constant(Tensor::from_vec(vec![-200.0, 200.0, -200.0, 200.0], &[4]));
        let t = tape.constant(Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[4]));
        let y = BCEWithLogitsLoss::with_reduction(Reduction::None).forward(&x, &t);
        assert_eq!(y.value().to_vec(), vec![0.0, 0.0, 200.0, 200.0]);
    }

    #[test]
    #[should_panic(expected = "MSELoss: input shape [3, 1] does not match target shape [3]")]
    fn mse_shape() {
        let tape = Tape::new();
        MSELoss::new().forward(
            &tape.constant(Tensor::zeros(&[3, 1])),
            &tape.constant(Tensor::zeros(&[3])),
        );
    }

    #[test]
    #[should_panic(
        expected = "CrossEntropyLoss: target 5 of sample 1 is out of range for 3 classes"
    )]
    fn ce_target_range() {
        let tape = Tape::new();
        CrossEntropyLoss::new().forward(
            &tape.constant(Tensor::zeros(&[2, 3])),
            &IntTensor::from(vec![0, 5]),
        );
    }

    #[test]
    #[should_panic(
        expected = "CrossEntropyLoss: expected logits [N, C] and targets [N], got [2, 3] and [3]"
    )]
    fn ce_shape() {
        let tape = Tape::new();
        CrossEntropyLoss::new().forward(
            &tape.constant(Tensor::zeros(&[2, 3])),
            &IntTensor::from(vec![0, 1, 2]),
        );
    }
}
