//! `Tensor`: an f32 n-dimensional array in row-major (C) order, cheap to clone.
//!
//! Storage is an `ndarray::ArcArray`, so `clone` shares the buffer and a write copies it only
//! when it is shared (copy on write). Invariant: every `Tensor` is in standard (row-major,
//! contiguous) layout, so `as_slice` never fails; constructors and ops keep it.

use crate::{parallel, pool};
use ndarray::{ArcArray, ArrayD, ArrayViewD, IxDyn};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal, Uniform};
use std::fmt;

/// An f32 n-dimensional array (row-major, contiguous, shared on clone).
#[derive(Clone, PartialEq)]
pub struct Tensor {
    data: ArcArray<f32, IxDyn>,
}

impl Tensor {
    /// Wraps an ndarray array; copies it into standard layout if it is not already.
    pub fn from_array(a: ArrayD<f32>) -> Tensor {
        let a = if a.is_standard_layout() {
            a
        } else {
            a.as_standard_layout().into_owned()
        };
        Tensor {
            data: a.into_shared(),
        }
    }

    /// Wraps a shared array already in standard layout (no copy).
    pub(crate) fn from_array_shared(a: ArcArray<f32, IxDyn>) -> Tensor {
        debug_assert!(a.is_standard_layout(), "Tensor invariant: standard layout");
        Tensor { data: a }
    }

    /// A tensor of `shape` from row-major `data`. Panics if the lengths disagree.
    #[track_caller]
    pub fn from_vec(data: Vec<f32>, shape: &[usize]) -> Tensor {
        let n: usize = shape.iter().product();
        if data.len() != n {
            panic!(
                "Tensor::from_vec: {} values cannot fill shape {:?} ({} elements)",
                data.len(),
                shape,
                n
            );
        }
        Tensor::from_array(ArrayD::from_shape_vec(IxDyn(shape), data).expect("length checked"))
    }

    /// A scalar (shape `[]`).
    pub fn scalar(x: f32) -> Tensor {
        Tensor::from_vec(vec![x], &[])
    }

    /// All zeros.
    pub fn zeros(shape: &[usize]) -> Tensor {
        Tensor::full(shape, 0.0)
    }

    /// All ones.
    pub fn ones(shape: &[usize]) -> Tensor {
        Tensor::full(shape, 1.0)
    }

    /// Every element equal to `x`.
    pub fn full(shape: &[usize], x: f32) -> Tensor {
        Tensor::from_array(ArrayD::from_elem(IxDyn(shape), x))
    }

    /// Zeros with the shape of `other`.
    pub fn zeros_like(other: &Tensor) -> Tensor {
        Tensor::zeros(other.shape())
    }

    /// Samples from the standard normal distribution scaled by `std` and shifted by `mean`.
    pub fn randn<R: Rng + ?Sized>(shape: &[usize], mean: f32, std: f32, rng: &mut R) -> Tensor {
        let n: usize = shape.iter().product();
        let data = (0..n)
            .map(|_| {
                let z: f32 = StandardNormal.sample(rng);
                mean + std * z
            })
            .collect();
        Tensor::from_vec(data, shape)
    }

    /// Samples uniformly from `[low, high)`. Panics unless `low < high` and both are finite.
    #[track_caller]
    pub fn rand_uniform<R: Rng + ?Sized>(
        shape: &[usize],
        low: f32,
        high: f32,
        rng: &mut R,
    ) -> Tensor {
        if !(low.is_finite() && high.is_finite() && low < high) {
            panic!("Tensor::rand_uniform: need finite low < high, got [{low}, {high})");
        }
        let dist = Uniform::new(low, high).expect("bounds checked");
        let n: usize = shape.iter().product();
        Tensor::from_vec((0..n).map(|_| dist.sample(rng)).collect(), shape)
    }

    /// The shape (one length per axis; empty for a scalar).
    pub fn shape(&self) -> &[usize] {
        self.data.shape()
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.data.ndim()
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
    pub fn as_slice(&self) -> &[f32] {
        self.data
            .as_slice()
            .expect("Tensor invariant: standard layout")
    }

    /// The elements in row-major order, writable (copies first if the buffer is shared).
    pub fn as_slice_mut(&mut self) -> &mut [f32] {
        self.data
            .as_slice_mut()
            .expect("Tensor invariant: standard layout")
    }

    /// The elements as a new `Vec`.
    pub fn to_vec(&self) -> Vec<f32> {
        self.as_slice().to_vec()
    }

    /// The single value of a one-element tensor. Panics otherwise.
    #[track_caller]
    pub fn item(&self) -> f32 {
        if self.len() != 1 {
            panic!(
                "Tensor::item: tensor of shape {:?} is not a single value",
                self.shape()
            );
        }
        self.as_slice()[0]
    }

    /// A read-only ndarray view.
    pub fn view(&self) -> ArrayViewD<'_, f32> {
        self.data.view()
    }

    /// The underlying shared array.
    pub fn array(&self) -> &ArcArray<f32, IxDyn> {
        &self.data
    }

    /// A copy as an owned ndarray array.
    pub fn to_array(&self) -> ArrayD<f32> {
        self.data.to_owned()
    }

    /// Applies `f` to every element, producing a new tensor (parallel for large tensors).
    pub fn map(&self, f: impl Fn(f32) -> f32 + Sync + Send) -> Tensor {
        let src = self.as_slice();
        let mut out = pool::take(src.len());
        parallel::zip2(&mut out, src, |o, &x| *o = f(x));
        Tensor::from_vec(out, self.shape())
    }

    /// Combines two tensors of the same shape elementwise (parallel for large tensors).
    /// Panics naming `op` if the shapes differ.
    #[track_caller]
    pub fn zip_map(
        &self,
        other: &Tensor,
        op: &str,
        f: impl Fn(f32, f32) -> f32 + Sync + Send,
    ) -> Tensor {
        if self.shape() != other.shape() {
            panic!(
                "{op}: shape mismatch: {:?} vs {:?}",
                self.shape(),
                other.shape()
            );
        }
        let (a, b) = (self.as_slice(), other.as_slice());
        let mut out = pool::take(a.len());
        parallel::zip3(&mut out, a, b, |o, &x, &y| *o = f(x, y));
        Tensor::from_vec(out, self.shape())
    }

    /// Applies `f` to every element in place (copies first if the buffer is shared).
    pub fn map_inplace(&mut self, f: impl Fn(f32) -> f32 + Sync + Send) {
        parallel::for_each(self.as_slice_mut(), |x| *x = f(*x));
    }

    /// `self += other` elementwise for equal shapes (used to accumulate gradients).
    #[track_caller]
    pub fn add_assign(&mut self, other: &Tensor) {
        if self.shape() != other.shape() {
            panic!(
                "add_assign: shape mismatch: {:?} vs {:?}",
                self.shape(),
                other.shape()
            );
        }
        parallel::zip2(self.as_slice_mut(), other.as_slice(), |a, &b| *a += b);
    }

    /// True if every element is finite (no NaN, no infinity).
    pub fn all_finite(&self) -> bool {
        slice_is_finite(self.as_slice())
    }

    /// Largest absolute difference to `other` (same shape), for tests and checks.
    #[track_caller]
    pub fn max_abs_diff(&self, other: &Tensor) -> f32 {
        if self.shape() != other.shape() {
            panic!(
                "max_abs_diff: shape mismatch: {:?} vs {:?}",
                self.shape(),
                other.shape()
            );
        }
        self.as_slice()
            .iter()
            .zip(other.as_slice())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max)
    }
}

/// True if no element of `a` is NaN or infinite. Branch-free so it vectorises: `x * 0` is 0
/// for a finite x and NaN otherwise, and a NaN anywhere makes the sum NaN.
#[track_caller]
pub fn slice_is_finite(a: &[f32]) -> bool {
    let mut acc = [0.0f32; 8];
    let mut chunks = a.chunks_exact(8);
    for c in &mut chunks {
        for k in 0..8 {
            acc[k] += c[k] * 0.0;
        }
    }
    let tail: f32 = chunks.remainder().iter().map(|x| x * 0.0).sum();
    (acc.iter().sum::<f32>() + tail) == 0.0
}

/// A large buffer owned by this tensor alone goes back to the [`pool`] for reuse.
impl Drop for Tensor {
    fn drop(&mut self) {
        if self.data.len() < pool::MIN_LEN {
            return;
        }
        let data = std::mem::replace(&mut self.data, ArcArray::from_vec(Vec::new()).into_dyn());
        if let Ok(owned) = data.try_into_owned_nocopy() {
            pool::give(owned.into_raw_vec_and_offset().0);
        }
    }
}

impl From<ArrayD<f32>> for Tensor {
    fn from(a: ArrayD<f32>) -> Tensor {
        Tensor::from_array(a)
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Shows the shape, then the values with 4 decimals, right-aligned; a tensor of more than
/// 1000 elements shows the first and last 3 entries of each axis with `...` between
/// (PyTorch's default print options).
impl fmt::Display for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let data = self.as_slice();
        crate::display::write_tensor(f, "Tensor", self.shape(), self.len(), &|i| {
            format!("{:.4}", data[i])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn constructors_and_shape() {
        let t = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        assert_eq!(t.shape(), &[2, 3]);
        assert_eq!(t.len(), 6);
        assert_eq!(Tensor::zeros(&[4]).to_vec(), vec![0.0; 4]);
        assert_eq!(Tensor::ones(&[2, 2]).to_vec(), vec![1.0; 4]);
        assert_eq!(Tensor::scalar(2.5).item(), 2.5);
        assert_eq!(Tensor::scalar(2.5).shape(), &[] as &[usize]);
    }

    #[test]
    #[should_panic(expected = "cannot fill shape")]
    fn from_vec_checks_length() {
        Tensor::from_vec(vec![1.0; 5], &[2, 3]);
    }

    #[test]
    fn seeded_random_is_reproducible_and_plausible() {
        let mut r1 = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut r2 = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let a = Tensor::randn(&[1000], 0.0, 1.0, &mut r1);
        assert_eq!(a, Tensor::randn(&[1000], 0.0, 1.0, &mut r2));
        let mean = a.as_slice().iter().sum::<f32>() / 1000.0;
        let var = a.as_slice().iter().map(|x| (x - mean).powi(2)).sum::<f32>() / 1000.0;
        assert!(
            mean.abs() < 0.1 && (var - 1.0).abs() < 0.15,
            "mean {mean} var {var}"
        );
        let u = Tensor::rand_uniform(&[1000], -2.0, 3.0, &mut r1);
        assert!(u.as_slice().iter().all(|&x| (-2.0..3.0).contains(&x)));
    }

    #[test]
    fn clone_is_copy_on_write() {
        let a = Tensor::ones(&[3]);
        let mut b = a.clone();
        b.as_slice_mut()[0] = 5.0;
        assert_eq!(a.to_vec(), vec![1.0, 1.0, 1.0]);
        assert_eq!(b.to_vec(), vec![5.0, 1.0, 1.0]);
    }
}
