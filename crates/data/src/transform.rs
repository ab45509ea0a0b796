//! Transforms for the [`Dataset::map_batches`](crate::Dataset::map_batches) hook:
//! [`Normalize`] (per-feature standardization fitted on a training set) and [`one_hot`].
//!
//! ```
//! use tapegrad_data::{one_hot, Batch, Dataset, Normalize, TensorDataset};
//! use tapegrad_tensor::{IntTensor, Tensor};
//! let x = Tensor::from_vec(vec![0.0, 10.0, 2.0, 30.0], &[2, 2]);
//! let data = TensorDataset::classes(x, IntTensor::from_vec(vec![0, 2], &[2]), 3);
//! let norm = Normalize::fit(data.x());
//! let ready = data.map_batches(move |b: Batch| (norm.apply(&b.x), one_hot(&b.y, 3)));
//! let (x, y) = ready.batch(&[0, 1]);
//! assert_eq!(x.to_vec(), vec![-1.0, -1.0, 1.0, 1.0]);
//! assert_eq!(y.to_vec(), vec![1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
//! ```

use tapegrad_tensor::{IntTensor, Tensor};

/// Per-feature standardization `(x - mean) / std`, with the mean and the (population)
/// standard deviation of each feature of a training set (scikit-learn's `StandardScaler`;
/// a constant feature gets a std of 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Normalize {
    mean: Vec<f32>,
    std: Vec<f32>,
}

impl Normalize {
    /// Fitted on the rows of `x` (`[len, ...]`: features are the trailing dimensions).
    /// Statistics accumulate in f64. Panics on a 0-d `x`.
    #[track_caller]
    pub fn fit(x: &Tensor) -> Normalize {
        assert!(
            x.ndim() >= 1,
            "Normalize::fit: need [len, ...] inputs, got a scalar"
        );
        let n = x.shape()[0];
        let d: usize = x.shape()[1..].iter().product();
        let mut sum = vec![0.0f64; d];
        let mut sq = vec![0.0f64; d];
        for row in x.as_slice().chunks(d.max(1)).take(n) {
            for (k, &v) in row.iter().enumerate() {
                sum[k] += v as f64;
                sq[k] += (v as f64) * (v as f64);
            }
        }
        let n = n.max(1) as f64;
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let std = sq
            .iter()
            .zip(&mean)
            .map(|(q, m)| {
                let var = (q / n - m * m).max(0.0);
                if var > 0.0 {
                    var.sqrt() as f32
                } else {
                    1.0
                }
            })
            .collect();
        Normalize {
            mean: mean.into_iter().map(|m| m as f32).collect(),
            std,
        }
    }

    /// The means.
    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    /// The standard deviations.
    pub fn std(&self) -> &[f32] {
        &self.std
    }

    /// `(x - mean) / std` per feature, for inputs of the fitted trailing shape. Panics on
    /// another number of features.
    #[track_caller]
    pub fn apply(&self, x: &Tensor) -> Tensor {
        let d = self.mean.len();
        let per_row: usize = x.shape().get(1..).map_or(0, |s| s.iter().product());
        assert!(
            per_row == d,
            "Normalize::apply: fitted on {d} features, inputs of shape {:?}",
            x.shape()
        );
        let mut out = x.to_vec();
        for row in out.chunks_mut(d.max(1)) {
            for (k, v) in row.iter_mut().enumerate() {
                *v = (*v - self.mean[k]) / self.std[k];
            }
        }
        Tensor::from_vec(out, x.shape())
    }
}

/// One-hot rows `[len, num_classes]` for class indices `[len]` (PyTorch's
/// `F.one_hot(labels, num_classes).float()`). Panics on a class out of range.
#[track_caller]
pub fn one_hot(labels: &IntTensor, num_classes: usize) -> Tensor {
    let classes = labels.checked_indices(num_classes, "one_hot", 0);
    let mut out = vec![0.0; classes.len() * num_classes];
    for (i, c) in classes.into_iter().enumerate() {
        out[i * num_classes + c] = 1.0;
    }
    let mut shape = labels.shape().to_vec();
    shape.push(num_classes);
    Tensor::from_vec(out, &shape)
}
