//! Tensors of indices and masks: [`IntTensor`] (i64, PyTorch's dtype for indices and class
//! targets) and [`BoolTensor`] (PyTorch's `bool`, what comparisons return). Both are
//! [`TensorOf<T>`]: small, row-major, shared on clone, and never on a tape (indices and masks
//! take no gradient). [`Tensor`] stays the f32 type every differentiable op works on.

use crate::broadcast::{broadcast_shapes, for_each_broadcast};
use crate::Tensor;
use std::fmt;
use std::sync::Arc;

/// A row-major n-dimensional array of `T` (shared on clone). See [`IntTensor`] and
/// [`BoolTensor`].
#[derive(Clone, PartialEq, Eq)]
pub struct TensorOf<T> {
    data: Arc<[T]>,
    shape: Vec<usize>,
}

/// A tensor of i64: indices for `index_select`, `gather`, `scatter_add`, class targets for
/// cross-entropy, and what `argmax`/`argmin` return.
pub type IntTensor = TensorOf<i64>;

/// A tensor of bools: what comparisons (`gt`, `eq`, ...) return, and the condition of
/// `masked_fill` and `where_cond`.
pub type BoolTensor = TensorOf<bool>;

impl<T: Copy> TensorOf<T> {
    /// A tensor of `shape` from row-major `data`. Panics if the lengths disagree.
    #[track_caller]
    pub fn from_vec(data: Vec<T>, shape: &[usize]) -> TensorOf<T> {
        let n: usize = shape.iter().product();
        if data.len() != n {
            panic!(
                "from_vec: {} values cannot fill shape {shape:?} ({n} elements)",
                data.len()
            );
        }
        TensorOf {
            data: data.into(),
            shape: shape.to_vec(),
        }
    }

    /// A scalar (shape `[]`).
    pub fn scalar(x: T) -> TensorOf<T> {
        TensorOf::from_vec(vec![x], &[])
    }

    /// Every element equal to `x`.
    pub fn full(shape: &[usize], x: T) -> TensorOf<T> {
        TensorOf::from_vec(vec![x; shape.iter().product()], shape)
    }

    /// The shape (one length per axis; empty for a scalar).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when the tensor holds no element.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The elements in row-major order.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// The elements as a new `Vec`.
    pub fn to_vec(&self) -> Vec<T> {
        self.data.to_vec()
    }

    /// The single value of a one-element tensor. Panics otherwise.
    #[track_caller]
    pub fn item(&self) -> T {
        if self.len() != 1 {
            panic!(
                "item: tensor of shape {:?} is not a single value",
                self.shape
            );
        }
        self.data[0]
    }

    /// The same elements under `shape` (no copy). Panics if the element counts differ.
    #[track_caller]
    pub fn reshape(&self, shape: &[usize]) -> TensorOf<T> {
        let n: usize = shape.iter().product();
        if n != self.len() {
            panic!(
                "reshape: cannot view shape {:?} ({} elements) as {shape:?} ({n} elements)",
                self.shape,
                self.len()
            );
        }
        TensorOf {
            data: self.data.clone(),
            shape: shape.to_vec(),
        }
    }

    /// Applies `f` to every element.
    pub fn map<U: Copy>(&self, f: impl Fn(T) -> U) -> TensorOf<U> {
        TensorOf::from_vec(self.data.iter().map(|&x| f(x)).collect(), &self.shape)
    }

    /// Combines `self` and `other` elementwise with numpy broadcasting. Panics naming `op`
    /// and both shapes if they do not broadcast.
    #[track_caller]
    pub fn zip_broadcast<U: Copy, V: Copy>(
        &self,
        other: &TensorOf<U>,
        op: &str,
        f: impl Fn(T, U) -> V,
    ) -> TensorOf<V> {
        let Some(shape) = broadcast_shapes(&self.shape, &other.shape) else {
            panic!(
                "{op}: shapes {:?} and {:?} do not broadcast",
                self.shape, other.shape
            );
        };
        let mut out = Vec::with_capacity(shape.iter().product());
        let (a, b) = (self.as_slice(), other.as_slice());
        for_each_broadcast(&shape, [&self.shape, &other.shape], |[i, j]| {
            out.push(f(a[i], b[j]))
        });
        TensorOf::from_vec(out, &shape)
    }
}

impl IntTensor {
    /// A 1-D index tensor from `usize` indices.
    pub fn from_indices(indices: &[usize]) -> IntTensor {
        IntTensor::from_vec(
            indices.iter().map(|&i| i as i64).collect(),
            &[indices.len()],
        )
    }

    /// `[0, 1, ..., n - 1]`.
    pub fn arange(n: usize) -> IntTensor {
        IntTensor::from_vec((0..n as i64).collect(), &[n])
    }

    /// The values as f32 (PyTorch's `.float()`).
    pub fn to_float(&self) -> Tensor {
        Tensor::from_vec(self.data.iter().map(|&x| x as f32).collect(), &self.shape)
    }

    /// Each value as an index below `len`, for an op named `op` along axis `axis`. Panics
    /// naming the op, the index and the axis length if one is negative or not below `len`
    /// (PyTorch raises too: only slicing and `narrow` accept negative positions).
    #[track_caller]
    pub fn checked_indices(&self, len: usize, op: &str, axis: usize) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.len());
        for &i in self.data.iter() {
            if i < 0 || i as u64 >= len as u64 {
                panic!("{op}: index {i} is out of bounds for dimension {axis} with size {len}");
            }
            out.push(i as usize);
        }
        out
    }
}

impl BoolTensor {
    /// Number of `true` elements.
    pub fn count_true(&self) -> usize {
        self.data.iter().filter(|&&b| b).count()
    }

    /// True if any element is true.
    pub fn any(&self) -> bool {
        self.data.iter().any(|&b| b)
    }

    /// True if every element is true (true for an empty tensor).
    pub fn all(&self) -> bool {
        self.data.iter().all(|&b| b)
    }

    /// Elementwise negation (PyTorch's `~mask`).
    pub fn logical_not(&self) -> BoolTensor {
        self.map(|b| !b)
    }

    /// Elementwise and, with broadcasting.
    #[track_caller]
    pub fn logical_and(&self, other: &BoolTensor) -> BoolTensor {
        self.zip_broadcast(other, "logical_and", |a, b| a && b)
    }

    /// Elementwise or, with broadcasting.
    #[track_caller]
    pub fn logical_or(&self, other: &BoolTensor) -> BoolTensor {
        self.zip_broadcast(other, "logical_or", |a, b| a || b)
    }

    /// 1.0 where true, 0.0 where false (PyTorch's `.float()`).
    pub fn to_float(&self) -> Tensor {
        Tensor::from_vec(
            self.data
                .iter()
                .map(|&b| if b { 1.0 } else { 0.0 })
                .collect(),
            &self.shape,
        )
    }
}

impl Tensor {
    /// The values truncated toward zero to i64 (PyTorch's `.long()`); NaN becomes 0 and
    /// values beyond i64's range saturate.
    pub fn to_int(&self) -> IntTensor {
        IntTensor::from_vec(
            self.as_slice().iter().map(|&x| x as i64).collect(),
            self.shape(),
        )
    }
}

impl From<Vec<i64>> for IntTensor {
    /// A 1-D tensor.
    fn from(v: Vec<i64>) -> IntTensor {
        let n = v.len();
        IntTensor::from_vec(v, &[n])
    }
}

impl From<Vec<bool>> for BoolTensor {
    /// A 1-D tensor.
    fn from(v: Vec<bool>) -> BoolTensor {
        let n = v.len();
        BoolTensor::from_vec(v, &[n])
    }
}

impl fmt::Display for IntTensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::display::write_tensor(f, "IntTensor", &self.shape, self.len(), &|i| {
            self.data[i].to_string()
        })
    }
}

impl fmt::Display for BoolTensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::display::write_tensor(f, "BoolTensor", &self.shape, self.len(), &|i| {
            self.data[i].to_string()
        })
    }
}

impl<T> fmt::Debug for TensorOf<T>
where
    TensorOf<T>: fmt::Display,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_and_conversions() {
        let i = IntTensor::from_vec(vec![2, -1, 0, 5], &[2, 2]);
        assert_eq!(i.shape(), &[2, 2]);
        assert_eq!(i.to_float().to_vec(), vec![2.0, -1.0, 0.0, 5.0]);
        assert_eq!(i.reshape(&[4]).as_slice(), &[2, -1, 0, 5]);
        assert_eq!(IntTensor::arange(3).to_vec(), vec![0, 1, 2]);
        assert_eq!(IntTensor::from_indices(&[4, 1]).to_vec(), vec![4, 1]);
        let t = Tensor::from_vec(vec![1.9, -1.9, f32::NAN], &[3]);
        assert_eq!(t.to_int().to_vec(), vec![1, -1, 0]);
        let m = BoolTensor::from(vec![true, false, true]);
        assert_eq!((m.count_true(), m.any(), m.all()), (2, true, false));
        assert_eq!(m.logical_not().to_vec(), vec![false, true, false]);
        assert_eq!(m.to_float().to_vec(), vec![1.0, 0.0, 1.0]);
        let col = BoolTensor::from_vec(vec![true, false], &[2, 1]);
        let both = col.logical_and(&m);
        assert_eq!(both.shape(), &[2, 3]);
        assert_eq!(both.to_vec(), vec![true, false, true, false, false, false]);
        assert_eq!(col.logical_or(&m).count_true(), 5);
    }

    #[test]
    fn checked_indices_accept_in_range_values() {
        let i = IntTensor::from_vec(vec![0, 2, 1], &[3]);
        assert_eq!(i.checked_indices(3, "gather", 1), vec![0, 2, 1]);
    }

    #[test]
    #[should_panic(expected = "gather: index -1 is out of bounds for dimension 1 with size 3")]
    fn negative_indices_are_refused() {
        IntTensor::from_vec(vec![0, -1], &[2]).checked_indices(3, "gather", 1);
    }

    #[test]
    #[should_panic(expected = "index_select: index 3 is out of bounds for dimension 0 with size 3")]
    fn large_indices_are_refused() {
        IntTensor::from_vec(vec![3], &[1]).checked_indices(3, "index_select", 0);
    }

    #[test]
    #[should_panic(expected = "from_vec: 3 values cannot fill shape [2, 2] (4 elements)")]
    fn from_vec_checks_length() {
        BoolTensor::from_vec(vec![true; 3], &[2, 2]);
    }
}
