//! [`TensorDataset`]: examples held in memory as two tensors indexed along their first axis
//! (PyTorch's `TensorDataset(x, y)`): inputs of any shape `[len, ...]`, and targets that are
//! class indices (an [`IntTensor`] `[len]`, what cross-entropy takes) or values (a [`Tensor`]
//! `[len, ...]`: regression, several outputs). [`Batch`] is what it yields.

use crate::dataset::Dataset;
use std::fmt::Debug;
use tapegrad_tensor::{IntTensor, Tensor, TensorOf};

/// A mini-batch: inputs, targets, and which examples of the dataset they are.
#[derive(Clone, Debug)]
pub struct Batch<X = Tensor, Y = IntTensor> {
    /// Inputs, `[batch, ...]`.
    pub x: X,
    /// Targets, `[batch, ...]` (class indices for classification).
    pub y: Y,
    /// Which examples of the dataset the rows are, in order.
    pub indices: Vec<usize>,
}

impl<X, Y> Batch<X, Y> {
    /// Number of examples in the batch.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// True for a batch with no example.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
}

/// A tensor indexed along its first axis: what a [`TensorDataset`] holds (implemented for
/// [`Tensor`] and [`IntTensor`]).
pub trait Rows: Clone + Debug {
    /// The length of the first axis.
    fn rows(&self) -> usize;
    /// The rows at `indices`, in order, as a tensor of the same trailing shape.
    fn take_rows(&self, indices: &[usize]) -> Self;
}

/// The rows at `indices` of a row-major buffer of `shape`.
fn gather<T: Copy>(data: &[T], shape: &[usize], indices: &[usize]) -> (Vec<T>, Vec<usize>) {
    let row: usize = shape[1..].iter().product();
    let mut out = Vec::with_capacity(indices.len() * row);
    for &i in indices {
        out.extend_from_slice(&data[i * row..(i + 1) * row]);
    }
    let mut shape = shape.to_vec();
    shape[0] = indices.len();
    (out, shape)
}

impl Rows for Tensor {
    fn rows(&self) -> usize {
        self.shape()[0]
    }

    fn take_rows(&self, indices: &[usize]) -> Tensor {
        let (data, shape) = gather(self.as_slice(), self.shape(), indices);
        Tensor::from_vec(data, &shape)
    }
}

impl<T: Copy> Rows for TensorOf<T>
where
    TensorOf<T>: Debug,
{
    fn rows(&self) -> usize {
        self.shape()[0]
    }

    fn take_rows(&self, indices: &[usize]) -> TensorOf<T> {
        let (data, shape) = gather(self.as_slice(), self.shape(), indices);
        TensorOf::from_vec(data, &shape)
    }
}

/// Inputs and targets in memory, example `i` being row `i` of each.
///
/// ```
/// use tapegrad_data::{Dataset, TensorDataset};
/// use tapegrad_tensor::{IntTensor, Tensor};
/// // Classification: 3 images of 2x2, with class indices.
/// let x = Tensor::from_vec((0..12).map(|v| v as f32).collect(), &[3, 2, 2]);
/// let data = TensorDataset::classes(x, IntTensor::from_vec(vec![1, 0, 1], &[3]), 2);
/// let b = data.batch(&[2, 0]);
/// assert_eq!(b.x.shape(), &[2, 2, 2]);
/// assert_eq!(b.y.to_vec(), vec![1, 1]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TensorDataset<Y = IntTensor> {
    x: Tensor,
    y: Y,
    num_classes: Option<usize>,
}

impl<Y: Rows> TensorDataset<Y> {
    /// Inputs `x` `[len, ...]` with targets `y` `[len, ...]` (values; for class indices use
    /// [`TensorDataset::classes`]). Panics if their first axes differ or `x` is 0-d.
    #[track_caller]
    pub fn new(x: Tensor, y: Y) -> TensorDataset<Y> {
        assert!(
            x.ndim() >= 1 && y.rows() == x.shape()[0],
            "TensorDataset: inputs of shape {:?} and {} targets do not pair up",
            x.shape(),
            y.rows()
        );
        TensorDataset {
            x,
            y,
            num_classes: None,
        }
    }

    /// Number of examples (also [`Dataset::len`], here without the trait in scope).
    pub fn len(&self) -> usize {
        self.x.shape()[0]
    }

    /// True for a dataset with no example.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The inputs, `[len, ...]`.
    pub fn x(&self) -> &Tensor {
        &self.x
    }

    /// The targets, `[len, ...]`.
    pub fn y(&self) -> &Y {
        &self.y
    }

    /// Values per example (the product of the inputs' trailing dimensions).
    pub fn dim(&self) -> usize {
        self.x.shape()[1..].iter().product()
    }

    /// The inputs of example `i`, flattened (panics if out of range).
    #[track_caller]
    pub fn features(&self, i: usize) -> &[f32] {
        assert!(
            i < self.len(),
            "TensorDataset::features: index {i} out of range for {} examples",
            self.len()
        );
        let d = self.dim();
        &self.x.as_slice()[i * d..(i + 1) * d]
    }

    /// A new dataset of the examples at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> TensorDataset<Y> {
        TensorDataset {
            x: self.x.take_rows(indices),
            y: self.y.take_rows(indices),
            num_classes: self.num_classes,
        }
    }

    /// Applies `f` to every input value (e.g. `|v| v / 16.0` to scale pixels to [0, 1]).
    pub fn map_features(mut self, f: impl Fn(f32) -> f32 + Sync + Send) -> TensorDataset<Y> {
        self.x = self.x.map(f);
        self
    }

    /// The same examples with their inputs reshaped to `[len, shape...]` (flat rows to
    /// images: `reshape_inputs(&[1, 8, 8])`). Panics if the sizes differ.
    #[track_caller]
    pub fn reshape_inputs(mut self, shape: &[usize]) -> TensorDataset<Y> {
        let mut full = vec![self.len()];
        full.extend_from_slice(shape);
        self.x = self.x.reshape(&full);
        self
    }
}

impl TensorDataset<IntTensor> {
    /// Classification: inputs `x` `[len, ...]` and one class index per example in
    /// `0..num_classes`. Panics on a mismatch or a class out of range.
    #[track_caller]
    pub fn classes(x: Tensor, labels: IntTensor, num_classes: usize) -> TensorDataset<IntTensor> {
        assert!(
            labels.ndim() == 1,
            "TensorDataset::classes: labels must be 1-D, got shape {:?}",
            labels.shape()
        );
        labels.checked_indices(num_classes, "TensorDataset::classes", 0);
        let mut d = TensorDataset::new(x, labels);
        d.num_classes = Some(num_classes);
        d
    }

    /// Classification from flat rows: `labels.len()` rows of `dim` features (row-major) with
    /// their class indices (the form a CSV file gives). Panics on inconsistent sizes or a
    /// label out of range.
    #[track_caller]
    pub fn from_rows(features: Vec<f32>, dim: usize, labels: &[usize], num_classes: usize) -> Self {
        let expected = labels.len().checked_mul(dim);
        assert!(
            expected == Some(features.len()),
            "TensorDataset::from_rows: {} labels of {dim} features need {} values, got {}",
            labels.len(),
            labels.len().saturating_mul(dim),
            features.len()
        );
        let x = Tensor::from_vec(features, &[labels.len(), dim]);
        TensorDataset::classes(x, IntTensor::from_indices(labels), num_classes)
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.num_classes
            .expect("a TensorDataset of class indices knows its number of classes")
    }

    /// The class of example `i` (panics if out of range).
    pub fn label(&self, i: usize) -> usize {
        self.y.as_slice()[i] as usize
    }

    /// Every class index, in order.
    pub fn labels(&self) -> Vec<usize> {
        self.y.as_slice().iter().map(|&c| c as usize).collect()
    }

    /// How many examples of each class (index = class).
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.num_classes()];
        for &l in self.y.as_slice() {
            counts[l as usize] += 1;
        }
        counts
    }
}

impl<Y: Rows> Dataset for TensorDataset<Y> {
    type Batch = Batch<Tensor, Y>;

    fn len(&self) -> usize {
        TensorDataset::len(self)
    }

    #[track_caller]
    fn batch(&self, indices: &[usize]) -> Batch<Tensor, Y> {
        if let Some(&i) = indices.iter().find(|&&i| i >= self.len()) {
            panic!(
                "TensorDataset: index {i} out of range for {} examples",
                self.len()
            );
        }
        Batch {
            x: self.x.take_rows(indices),
            y: self.y.take_rows(indices),
            indices: indices.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds() -> TensorDataset {
        TensorDataset::from_rows((0..12).map(|v| v as f32).collect(), 3, &[0, 2, 1, 2], 3)
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
        assert_eq!(b.y.to_vec(), vec![2, 2, 0]);
        let s = d.subset(&[1, 2]);
        assert_eq!(s.labels(), vec![2, 1]);
        let t = TensorDataset::classes(s.x().clone(), s.y().clone(), 3);
        assert_eq!(t, s);
        let m = s.map_features(|v| v * 2.0);
        assert_eq!(m.features(0), &[6.0, 8.0, 10.0]);
        let empty = d.batch(&[]);
        assert_eq!((empty.x.shape(), empty.len()), (&[0usize, 3][..], 0));
        let images = d.reshape_inputs(&[1, 3]);
        assert_eq!(images.batch(&[1]).x.shape(), &[1, 1, 3]);
    }

    #[test]
    fn value_targets_of_any_shape() {
        let x = Tensor::from_vec((0..8).map(|v| v as f32).collect(), &[4, 2]);
        let y = Tensor::from_vec((0..24).map(|v| v as f32).collect(), &[4, 3, 2]);
        let d = TensorDataset::new(x, y);
        let b = d.batch(&[3, 1]);
        assert_eq!(b.y.shape(), &[2, 3, 2]);
        assert_eq!(&b.y.to_vec()[..2], &[18.0, 19.0]);
    }

    #[test]
    #[should_panic(expected = "index 3 is out of bounds for dimension 0 with size 3")]
    fn a_class_out_of_range_panics() {
        TensorDataset::from_rows(vec![0.0, 1.0], 1, &[0, 3], 3);
    }
}
