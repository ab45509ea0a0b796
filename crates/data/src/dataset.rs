//! [`Dataset`]: labelled examples held in memory (PyTorch's `TensorDataset(x, y)` with class
//! indices as `y`), and [`Batch`], what a [`DataLoader`](crate::DataLoader) yields: inputs as a
//! [`Tensor`] and class targets as an [`IntTensor`] (PyTorch's int64 targets), ready for
//! `CrossEntropyLoss`.

use tapegrad_tensor::{IntTensor, Tensor};

/// Labelled examples in memory: a feature matrix `[len, dim]` (row-major f32) and one class
/// index per row, each below `num_classes`.
///
/// Building one from inconsistent parts is a programmer error and panics with a message
/// naming the sizes; data read from files goes through [`crate::csv`], which returns errors.
///
/// ```
/// use tapegrad_data::Dataset;
/// let ds = Dataset::new(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0], 2, vec![0, 1, 1], 2);
/// assert_eq!((ds.len(), ds.dim()), (3, 2));
/// assert_eq!(ds.features(1), &[2.0, 3.0]);
/// let b = ds.batch(&[2, 0]);
/// assert_eq!(b.x.shape(), &[2, 2]);
/// assert_eq!(b.labels.to_vec(), vec![1, 0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    features: Vec<f32>,
    dim: usize,
    labels: Vec<usize>,
    num_classes: usize,
}

/// A mini-batch: inputs `x` of shape `[batch, dim]` and their class indices.
#[derive(Clone, Debug)]
pub struct Batch {
    /// Inputs, `[batch, dim]`.
    pub x: Tensor,
    /// Class index of each row of `x`, shape `[batch]` (int64, as PyTorch's targets).
    pub labels: IntTensor,
    /// Which examples of the dataset the rows are, in order.
    pub indices: Vec<usize>,
}

impl Batch {
    /// Number of examples in the batch.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True for a batch with no example.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

impl Dataset {
    /// A dataset of `labels.len()` rows of `dim` features each. Panics if `features` does not
    /// hold `labels.len() * dim` values or a label is not below `num_classes`.
    pub fn new(features: Vec<f32>, dim: usize, labels: Vec<usize>, num_classes: usize) -> Dataset {
        let expected = labels.len().checked_mul(dim);
        assert_eq!(
            expected,
            Some(features.len()),
            "Dataset::new: {} labels of {dim} features need {} values, got {}",
            labels.len(),
            labels.len().saturating_mul(dim),
            features.len()
        );
        if let Some((i, &l)) = labels.iter().enumerate().find(|(_, &l)| l >= num_classes) {
            panic!("Dataset::new: label {l} of row {i} is not below num_classes = {num_classes}");
        }
        Dataset {
            features,
            dim,
            labels,
            num_classes,
        }
    }

    /// A dataset from a `[len, dim]` tensor and one label per row, a 1-D [`IntTensor`]
    /// (panics on a mismatch or a label outside `[0, num_classes)`).
    #[track_caller]
    pub fn from_tensor(x: &Tensor, labels: &IntTensor, num_classes: usize) -> Dataset {
        if x.ndim() != 2 || labels.ndim() != 1 {
            panic!(
                "Dataset::from_tensor: features must be [len, dim] and labels [len], got shapes {:?} and {:?}",
                x.shape(),
                labels.shape()
            );
        }
        let labels = labels.checked_indices(num_classes, "Dataset::from_tensor", 0);
        Dataset::new(x.to_vec(), x.shape()[1], labels, num_classes)
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True if there is no example.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Features per example.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of classes (labels are below it).
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// The features of example `i` (panics if out of range).
    pub fn features(&self, i: usize) -> &[f32] {
        assert!(
            i < self.len(),
            "Dataset::features: index {i} out of range for {} examples",
            self.len()
        );
        &self.features[i * self.dim..(i + 1) * self.dim]
    }

    /// The label of example `i` (panics if out of range).
    pub fn label(&self, i: usize) -> usize {
        self.labels[i]
    }

    /// Every label, in order.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Every label, in order, as a 1-D int64 tensor (the targets a loss or
    /// [`accuracy`](crate::metrics::accuracy) takes).
    pub fn targets(&self) -> IntTensor {
        IntTensor::from_indices(&self.labels)
    }

    /// Every feature, row-major `[len, dim]`.
    pub fn all_features(&self) -> &[f32] {
        &self.features
    }

    /// The whole feature matrix as a `[len, dim]` tensor.
    pub fn x(&self) -> Tensor {
        Tensor::from_vec(self.features.clone(), &[self.len(), self.dim])
    }

    /// The examples at `indices` (in that order, repeats allowed) as a batch. Panics on an
    /// index out of range.
    pub fn batch(&self, indices: &[usize]) -> Batch {
        let mut x = Vec::with_capacity(indices.len() * self.dim);
        let mut labels = Vec::with_capacity(indices.len());
        for &i in indices {
            x.extend_from_slice(self.features(i));
            labels.push(self.labels[i]);
        }
        Batch {
            x: Tensor::from_vec(x, &[indices.len(), self.dim]),
            labels: IntTensor::from_indices(&labels),
            indices: indices.to_vec(),
        }
    }

    /// A new dataset of the examples at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let b = self.batch(indices);
        let labels = indices.iter().map(|&i| self.labels[i]).collect();
        Dataset::new(b.x.to_vec(), self.dim, labels, self.num_classes)
    }

    /// Applies `f` to every feature value (e.g. `|v| v / 16.0` to scale pixels to [0, 1]).
    pub fn map_features(mut self, f: impl Fn(f32) -> f32) -> Dataset {
        self.features.iter_mut().for_each(|v| *v = f(*v));
        self
    }

    /// How many examples of each class (index = class).
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.num_classes];
        for &l in &self.labels {
            counts[l] += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds() -> Dataset {
        Dataset::new((0..12).map(|v| v as f32).collect(), 3, vec![0, 2, 1, 2], 3)
    }

    #[test]
    fn access_batch_subset_map() {
        let d = ds();
        assert_eq!(d.features(3), &[9.0, 10.0, 11.0]);
        assert_eq!(d.class_counts(), vec![1, 1, 2]);
        let b = d.batch(&[3, 3, 0]);
        assert_eq!(
            b.x.to_vec(),
            vec![9.0, 10.0, 11.0, 9.0, 10.0, 11.0, 0.0, 1.0, 2.0]
        );
        assert_eq!(b.labels.to_vec(), vec![2, 2, 0]);
        let s = d.subset(&[1, 2]);
        assert_eq!(s.labels(), &[2, 1]);
        assert_eq!(s.targets().to_vec(), vec![2, 1]);
        let t = Dataset::from_tensor(&s.x(), &s.targets(), 3);
        assert_eq!(t, s);
        assert_eq!(s.all_features(), &[3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
        let m = s.map_features(|v| v * 2.0);
        assert_eq!(m.features(0), &[6.0, 8.0, 10.0]);
        assert_eq!(d.x().shape(), &[4, 3]);
        let empty = d.batch(&[]);
        assert!(empty.is_empty());
        assert_eq!(empty.x.shape(), &[0, 3]);
    }

    #[test]
    #[should_panic(expected = "label 5 of row 1 is not below num_classes = 3")]
    fn label_out_of_range_panics() {
        Dataset::new(vec![0.0; 4], 2, vec![0, 5], 3);
    }

    #[test]
    #[should_panic(
        expected = "Dataset::from_tensor: index -1 is out of bounds for dimension 0 with size 3"
    )]
    fn negative_label_panics() {
        Dataset::from_tensor(&Tensor::zeros(&[2, 1]), &IntTensor::from(vec![0, -1]), 3);
    }

    #[test]
    #[should_panic(expected = "2 labels of 2 features need 4 values, got 3")]
    fn size_mismatch_panics() {
        Dataset::new(vec![0.0; 3], 2, vec![0, 1], 3);
    }
}
