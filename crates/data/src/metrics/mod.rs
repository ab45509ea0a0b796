//! Metrics: predicted classes from logits, accuracy and a running mean (for a progress bar's
//! running loss) here; the confusion matrix, precision, recall and F1 in `classification.rs`;
//! mean squared and absolute error and R² in `regression.rs`. Each agrees with scikit-learn
//! (checked against its values by the conformance fixtures, `metrics.json`).

mod classification;
mod regression;

pub use classification::{confusion_matrix, ClassScore, ClassificationReport};
pub use regression::{mean_absolute_error, mean_squared_error, r2_score};

use tapegrad_tensor::{IntTensor, Tensor};

/// The index of the largest value of each row of a `[n, classes]` tensor (the first on ties,
/// as `torch.argmax`; NaN is never the largest). Panics if `logits` is not 2-D.
///
/// ```
/// use tapegrad_data::metrics::argmax_rows;
/// use tapegrad_tensor::Tensor;
/// let logits = Tensor::from_vec(vec![0.1, 2.0, -1.0, 3.0, 3.0, 0.0], &[2, 3]);
/// assert_eq!(argmax_rows(&logits), vec![1, 0]);
/// ```
pub fn argmax_rows(logits: &Tensor) -> Vec<usize> {
    assert_eq!(
        logits.ndim(),
        2,
        "argmax_rows: expected [n, classes] logits, got shape {:?}",
        logits.shape()
    );
    let classes = logits.shape()[1];
    if classes == 0 {
        return vec![0; logits.shape()[0]];
    }
    logits
        .as_slice()
        .chunks_exact(classes)
        .map(|row| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if v > row[best] || row[best].is_nan() && !v.is_nan() {
                    best = j;
                }
            }
            best
        })
        .collect()
}

/// The fraction of `predictions` equal to `labels` (0 for no example). Panics if the lengths
/// differ.
pub fn accuracy_of(predictions: &[usize], labels: &[usize]) -> f64 {
    assert_eq!(
        predictions.len(),
        labels.len(),
        "accuracy_of: {} predictions for {} labels",
        predictions.len(),
        labels.len()
    );
    if labels.is_empty() {
        return 0.0;
    }
    let right = predictions
        .iter()
        .zip(labels)
        .filter(|(p, l)| p == l)
        .count();
    right as f64 / labels.len() as f64
}

/// Classification accuracy of `[n, classes]` logits against `n` class targets (a 1-D
/// [`IntTensor`], as a [`Batch`](crate::Batch) or [`TensorDataset::y`](crate::TensorDataset::y)
/// gives them). Panics if the counts differ.
///
/// ```
/// use tapegrad_data::metrics::accuracy;
/// use tapegrad_tensor::{IntTensor, Tensor};
/// let logits = Tensor::from_vec(vec![0.1, 2.0, 3.0, 0.0], &[2, 2]);
/// assert_eq!(accuracy(&logits, &IntTensor::from(vec![1, 1])), 0.5);
/// ```
#[track_caller]
pub fn accuracy(logits: &Tensor, labels: &IntTensor) -> f64 {
    let predicted = argmax_rows(logits);
    if predicted.len() != labels.len() {
        panic!(
            "accuracy: {} predictions for {} labels",
            predicted.len(),
            labels.len()
        );
    }
    if labels.is_empty() {
        return 0.0;
    }
    let right = predicted
        .iter()
        .zip(labels.as_slice())
        .filter(|(&p, &l)| p as i64 == l)
        .count();
    right as f64 / labels.len() as f64
}

/// A mean updated one value at a time (f64 accumulation), optionally weighted (e.g. a batch's
/// mean loss weighted by its size).
///
/// ```
/// use tapegrad_data::metrics::RunningMean;
/// let mut m = RunningMean::new();
/// m.add(1.0, 2.0); // a batch of 2 with mean loss 1
/// m.add(4.0, 1.0);
/// assert_eq!(m.mean(), 2.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunningMean {
    sum: f64,
    weight: f64,
}

impl RunningMean {
    /// An empty mean.
    pub fn new() -> RunningMean {
        RunningMean::default()
    }

    /// Adds `value` with weight `weight`.
    pub fn add(&mut self, value: f64, weight: f64) {
        self.sum += value * weight;
        self.weight += weight;
    }

    /// The mean so far (NaN before any value).
    pub fn mean(&self) -> f64 {
        if self.weight == 0.0 {
            f64::NAN
        } else {
            self.sum / self.weight
        }
    }

    /// Total weight added.
    pub fn weight(&self) -> f64 {
        self.weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_ties_nan_and_accuracy() {
        let t = Tensor::from_vec(vec![f32::NAN, 1.0, 1.0, 2.0, 2.0, f32::NAN], &[2, 3]);
        assert_eq!(argmax_rows(&t), vec![1, 0]);
        assert_eq!(accuracy(&t, &IntTensor::from(vec![1, 1])), 0.5);
        assert_eq!(accuracy_of(&[], &[]), 0.0);
        assert_eq!(argmax_rows(&Tensor::zeros(&[2, 0])), vec![0, 0]);
    }

    #[test]
    fn running_mean() {
        let mut m = RunningMean::new();
        assert!(m.mean().is_nan());
        m.add(3.0, 1.0);
        m.add(1.0, 3.0);
        assert_eq!((m.mean(), m.weight()), (1.5, 4.0));
    }
}
