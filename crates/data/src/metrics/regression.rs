//! Regression metrics over predictions and targets of the same shape, accumulated in f64:
//! mean squared error, mean absolute error and the coefficient of determination, as
//! scikit-learn's `mean_squared_error`, `mean_absolute_error` and `r2_score` compute them.
//! A 1-D tensor is one output; `[n, ...]` has `n` examples of the trailing size outputs.

use tapegrad_tensor::Tensor;

/// The mean of `(prediction - target)²` over all values (0-D tensors included). Panics if
/// the shapes differ or there is no value.
///
/// ```
/// use tapegrad_data::metrics::{mean_absolute_error, mean_squared_error};
/// use tapegrad_tensor::Tensor;
/// let p = Tensor::from_vec(vec![1.0, 2.0, 4.0], &[3, 1]);
/// let t = Tensor::from_vec(vec![1.0, 3.0, 2.0], &[3, 1]);
/// assert_eq!(mean_squared_error(&p, &t), 5.0 / 3.0);
/// assert_eq!(mean_absolute_error(&p, &t), 1.0);
/// ```
#[track_caller]
pub fn mean_squared_error(predictions: &Tensor, targets: &Tensor) -> f64 {
    mean_of("mean_squared_error", predictions, targets, |d| d * d)
}

/// The mean of `|prediction - target|` over all values. Panics if the shapes differ or there
/// is no value.
#[track_caller]
pub fn mean_absolute_error(predictions: &Tensor, targets: &Tensor) -> f64 {
    mean_of("mean_absolute_error", predictions, targets, f64::abs)
}

/// The coefficient of determination `1 - Σ(t - p)² / Σ(t - mean t)²` of each output, averaged
/// over outputs (scikit-learn's `r2_score` with `multioutput="uniform_average"`). An output
/// whose targets are all equal scores 1 if predicted exactly, else 0; fewer than two examples
/// give NaN. Panics if the shapes differ or are 0-D.
///
/// ```
/// use tapegrad_data::metrics::r2_score;
/// use tapegrad_tensor::Tensor;
/// let t = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]);
/// assert_eq!(r2_score(&t, &t), 1.0);
/// let mean = Tensor::from_vec(vec![2.0, 2.0, 2.0], &[3]);
/// assert_eq!(r2_score(&mean, &t), 0.0);
/// ```
#[track_caller]
pub fn r2_score(predictions: &Tensor, targets: &Tensor) -> f64 {
    check("r2_score", predictions, targets);
    assert!(
        targets.ndim() >= 1,
        "r2_score: expected [n] or [n, outputs] tensors, got a 0-D one"
    );
    let n = targets.shape()[0];
    if n < 2 {
        return f64::NAN;
    }
    let outputs = targets.len() / n;
    if outputs == 0 {
        return f64::NAN;
    }
    let (p, t) = (predictions.as_slice(), targets.as_slice());
    let column = |j: usize| (0..n).map(move |i| i * outputs + j);
    let total: f64 = (0..outputs)
        .map(|j| {
            let mean = column(j).map(|k| t[k] as f64).sum::<f64>() / n as f64;
            let residual: f64 = column(j).map(|k| (t[k] as f64 - p[k] as f64).powi(2)).sum();
            let spread: f64 = column(j).map(|k| (t[k] as f64 - mean).powi(2)).sum();
            match (spread == 0.0, residual == 0.0) {
                (false, _) => 1.0 - residual / spread,
                (true, true) => 1.0,
                (true, false) => 0.0,
            }
        })
        .sum();
    total / outputs as f64
}

#[track_caller]
fn check(what: &str, predictions: &Tensor, targets: &Tensor) {
    assert!(
        predictions.shape() == targets.shape(),
        "{what}: predictions of shape {:?} and targets of shape {:?} differ",
        predictions.shape(),
        targets.shape()
    );
}

#[track_caller]
fn mean_of(what: &str, predictions: &Tensor, targets: &Tensor, f: fn(f64) -> f64) -> f64 {
    check(what, predictions, targets);
    assert!(!targets.is_empty(), "{what}: no value to average");
    let sum: f64 = predictions
        .as_slice()
        .iter()
        .zip(targets.as_slice())
        .map(|(&p, &t)| f(p as f64 - t as f64))
        .sum();
    sum / targets.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_targets_and_several_outputs() {
        let t = Tensor::from_vec(vec![1.0, 5.0, 1.0, 7.0], &[2, 2]);
        // Output 0 is constant and predicted exactly (1); output 1 is predicted as its mean (0).
        let p = Tensor::from_vec(vec![1.0, 6.0, 1.0, 6.0], &[2, 2]);
        assert_eq!(r2_score(&p, &t), 0.5);
        let off = Tensor::from_vec(vec![2.0, 5.0, 1.0, 7.0], &[2, 2]);
        assert_eq!(r2_score(&off, &t), 0.5);
        assert!(r2_score(&Tensor::zeros(&[1, 2]), &Tensor::zeros(&[1, 2])).is_nan());
        assert_eq!(
            mean_squared_error(&Tensor::scalar(3.0), &Tensor::scalar(1.0)),
            4.0
        );
    }

    #[test]
    #[should_panic(expected = "predictions of shape [3] and targets of shape [3, 1] differ")]
    fn shapes_must_match() {
        mean_absolute_error(&Tensor::zeros(&[3]), &Tensor::zeros(&[3, 1]));
    }
}
