//! [`Dataset`]: PyTorch's map-style dataset, examples by index collated into batches, and what
//! every dataset gets from it: a [`Subset`], [`random_split`], and a transform hook
//! ([`Dataset::map_batches`]). The [`DataLoader`](crate::DataLoader) works over any of them,
//! a user's own included.
//!
//! ```
//! use tapegrad_data::{random_split, DataLoader, Dataset, TensorDataset};
//! use tapegrad_tensor::Tensor;
//! // A regression set: 10 examples of 3 features, 2 float targets each.
//! let x = Tensor::from_vec((0..30).map(|v| v as f32).collect(), &[10, 3]);
//! let y = Tensor::from_vec((0..20).map(|v| v as f32).collect(), &[10, 2]);
//! let data = TensorDataset::new(x, y);
//! let [train, val] = random_split(&data, [0.8, 0.2], 0);
//! assert_eq!((train.len(), val.len()), (8, 2));
//! let mut loader = DataLoader::new(4).shuffle(1);
//! for batch in loader.epoch(&train) {
//!     assert_eq!((batch.x.shape()[1], batch.y.shape()[1]), (3, 2));
//! }
//! ```

use rand::seq::SliceRandom;
use tapegrad_tensor::rng_from_seed;

/// A dataset the [`DataLoader`](crate::DataLoader) can batch (PyTorch's map-style
/// `Dataset` with its collate function): a length, and the examples at some indices
/// collated into one batch.
///
/// Implement it for your own data:
///
/// ```
/// use tapegrad_data::{DataLoader, Dataset};
/// use tapegrad_tensor::Tensor;
/// /// y = 2x, computed on the fly.
/// struct Doubling(usize);
/// impl Dataset for Doubling {
///     type Batch = (Tensor, Tensor);
///     fn len(&self) -> usize { self.0 }
///     fn batch(&self, indices: &[usize]) -> (Tensor, Tensor) {
///         let x: Vec<f32> = indices.iter().map(|&i| i as f32).collect();
///         let y = x.iter().map(|v| 2.0 * v).collect();
///         (Tensor::from_vec(x, &[indices.len(), 1]), Tensor::from_vec(y, &[indices.len(), 1]))
///     }
/// }
/// let (x, y) = DataLoader::new(3).epoch(&Doubling(5)).next().unwrap();
/// assert_eq!(y.to_vec(), vec![0.0, 2.0, 4.0]);
/// ```
pub trait Dataset {
    /// A batch of examples (inputs and targets, collated).
    type Batch;

    /// Number of examples.
    fn len(&self) -> usize;

    /// The examples at `indices`, in that order (repeats allowed), as one batch. Panics on an
    /// index out of range (a programmer error: loaders only ask for indices below `len`).
    fn batch(&self, indices: &[usize]) -> Self::Batch;

    /// True if there is no example.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// This dataset with `f` applied to every batch it makes (the transform hook: normalize,
    /// one-hot, augment).
    fn map_batches<B, F>(self, f: F) -> MapBatches<Self, F>
    where
        Self: Sized,
        F: Fn(Self::Batch) -> B,
    {
        MapBatches { inner: self, f }
    }
}

impl<D: Dataset + ?Sized> Dataset for &D {
    type Batch = D::Batch;

    fn len(&self) -> usize {
        (**self).len()
    }

    fn batch(&self, indices: &[usize]) -> D::Batch {
        (**self).batch(indices)
    }
}

/// The examples of a dataset at some indices, in that order (PyTorch's `Subset`).
#[derive(Clone, Debug)]
pub struct Subset<D> {
    dataset: D,
    indices: Vec<usize>,
}

impl<D: Dataset> Subset<D> {
    /// The examples of `dataset` at `indices`. Panics if an index is out of range.
    #[track_caller]
    pub fn new(dataset: D, indices: Vec<usize>) -> Subset<D> {
        if let Some(&i) = indices.iter().find(|&&i| i >= dataset.len()) {
            panic!(
                "Subset::new: index {i} out of range for a dataset of {} examples",
                dataset.len()
            );
        }
        Subset { dataset, indices }
    }

    /// The indices into the underlying dataset.
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// The underlying dataset.
    pub fn dataset(&self) -> &D {
        &self.dataset
    }
}

impl<D: Dataset> Dataset for Subset<D> {
    type Batch = D::Batch;

    fn len(&self) -> usize {
        self.indices.len()
    }

    #[track_caller]
    fn batch(&self, indices: &[usize]) -> D::Batch {
        let mapped: Vec<usize> = indices
            .iter()
            .map(|&i| {
                *self.indices.get(i).unwrap_or_else(|| {
                    panic!(
                        "Subset: index {i} out of range for a subset of {} examples",
                        self.indices.len()
                    )
                })
            })
            .collect();
        self.dataset.batch(&mapped)
    }
}

/// Splits `dataset` into `N` random disjoint subsets with the given fractions of its
/// examples (PyTorch's `random_split` with fractions), shuffled by a generator seeded by
/// `seed`. As in PyTorch, each part gets `floor(fraction * len)` examples and the remainder
/// goes one by one to the parts in order. Panics unless the fractions are in [0, 1] and sum
/// to 1 (within 1e-6).
#[track_caller]
pub fn random_split<D: Dataset + Clone, const N: usize>(
    dataset: D,
    fractions: [f64; N],
    seed: u64,
) -> [Subset<D>; N] {
    let sum: f64 = fractions.iter().sum();
    assert!(
        fractions.iter().all(|f| (0.0..=1.0).contains(f)) && (sum - 1.0).abs() < 1e-6,
        "random_split: fractions must be in [0, 1] and sum to 1, got {fractions:?}"
    );
    let n = dataset.len();
    let mut sizes: Vec<usize> = fractions
        .iter()
        .map(|f| (f * n as f64).floor() as usize)
        .collect();
    let remainder = n - sizes.iter().sum::<usize>();
    for i in 0..remainder {
        sizes[i % N] += 1;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng_from_seed(seed));
    let mut start = 0;
    std::array::from_fn(|i| {
        let part = order[start..start + sizes[i]].to_vec();
        start += sizes[i];
        Subset::new(dataset.clone(), part)
    })
}

/// A dataset whose batches go through a function (see [`Dataset::map_batches`]).
#[derive(Clone, Debug)]
pub struct MapBatches<D, F> {
    inner: D,
    f: F,
}

impl<D: Dataset, B, F: Fn(D::Batch) -> B> Dataset for MapBatches<D, F> {
    type Batch = B;

    fn len(&self) -> usize {
        self.inner.len()
    }

    fn batch(&self, indices: &[usize]) -> B {
        (self.f)(self.inner.batch(indices))
    }
}
