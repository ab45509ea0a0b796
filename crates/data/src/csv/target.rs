//! What the target columns of a CSV file hold: class indices in one column ([`Classes`],
//! for classification) or numbers in one or more columns ([`Values`], for regression and
//! several outputs). The reader is generic over [`Target`], and the dataset it builds has
//! the matching target tensor.

use crate::tensor_dataset::{Rows, TensorDataset};
use tapegrad_tensor::{IntTensor, Tensor};

/// Why a target field was refused (the reader turns it into a [`CsvError`](super::CsvError)
/// with the file, line and column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a finite number.
    NotANumber,
    /// A number that is not a class index in `0..num_classes`.
    NotAClass {
        /// The number of classes.
        num_classes: usize,
    },
}

/// The target columns of a CSV file and how their fields become a dataset's targets.
/// Implemented by [`Classes`] and [`Values`].
pub trait Target {
    /// The dataset's target tensor: [`IntTensor`] of class indices, or [`Tensor`] of values.
    type Y: Rows;
    /// One parsed field.
    type Item: Copy;
    /// The names of the target columns, in the order the targets take.
    fn columns(&self) -> Vec<&str>;
    /// Parses one field of a target column.
    fn parse(&self, field: &str) -> Result<Self::Item, Refusal>;
    /// The dataset of inputs `x` `[rows, features]` and the parsed fields, row-major
    /// (`rows * columns().len()` of them).
    fn dataset(&self, x: Tensor, items: Vec<Self::Item>) -> TensorDataset<Self::Y>;
}

/// Classification: one column of class indices, integers in `0..num_classes`; the dataset's
/// targets are an [`IntTensor`] `[rows]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classes {
    /// The column of class indices.
    pub column: String,
    /// The number of classes.
    pub num_classes: usize,
}

impl Target for Classes {
    type Y = IntTensor;
    type Item = usize;

    fn columns(&self) -> Vec<&str> {
        vec![&self.column]
    }

    fn parse(&self, field: &str) -> Result<usize, Refusal> {
        match field.parse::<usize>() {
            Ok(c) if c < self.num_classes => Ok(c),
            Err(_) if field.parse::<f64>().is_err() => Err(Refusal::NotANumber),
            _ => Err(Refusal::NotAClass {
                num_classes: self.num_classes,
            }),
        }
    }

    fn dataset(&self, x: Tensor, items: Vec<usize>) -> TensorDataset<IntTensor> {
        TensorDataset::classes(x, IntTensor::from_indices(&items), self.num_classes)
    }
}

/// Regression: one or more columns of finite numbers; the dataset's targets are a
/// [`Tensor`] `[rows, columns]` (`[rows, 1]` for one column, the shape of a `Linear(_, 1)`
/// output that `mse_loss` compares with).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Values {
    /// The target columns, in the order of the target tensor's second axis.
    pub columns: Vec<String>,
}

impl Target for Values {
    type Y = Tensor;
    type Item = f32;

    fn columns(&self) -> Vec<&str> {
        self.columns.iter().map(String::as_str).collect()
    }

    fn parse(&self, field: &str) -> Result<f32, Refusal> {
        parse_finite(field).ok_or(Refusal::NotANumber)
    }

    fn dataset(&self, x: Tensor, items: Vec<f32>) -> TensorDataset<Tensor> {
        let rows = x.shape()[0];
        TensorDataset::new(x, Tensor::from_vec(items, &[rows, self.columns.len()]))
    }
}

/// A finite `f32`, or `None`.
pub(super) fn parse_finite(field: &str) -> Option<f32> {
    field.parse::<f32>().ok().filter(|v| v.is_finite())
}
