//! [`DataLoader`]: mini-batches over a [`Dataset`], in order or shuffled by a seeded generator,
//! with PyTorch's `drop_last`.
//!
//! As in PyTorch, a shuffling loader draws a fresh permutation each time an epoch starts
//! ([`DataLoader::epoch`]); the generator is the loader's own, so saving it
//! ([`DataLoader::rng`]) at an epoch boundary and restoring it ([`DataLoader::set_rng`])
//! resumes the exact sequence of batches.

use crate::dataset::{Batch, Dataset};
use rand::seq::SliceRandom;
use tapegrad_tensor::{rng_from_seed, Rng};

/// Batches over a dataset: `batch_size` examples each, optionally shuffled every epoch, the
/// last short batch kept or dropped.
///
/// ```
/// use tapegrad_data::{DataLoader, Dataset};
/// let ds = Dataset::new((0..10).map(|v| v as f32).collect(), 1, vec![0; 10], 1);
/// let mut loader = DataLoader::new(4).shuffle(7);
/// let sizes: Vec<usize> = loader.epoch(&ds).map(|b| b.len()).collect();
/// assert_eq!(sizes, vec![4, 4, 2]);
/// let mut loader = DataLoader::new(4).drop_last(true);
/// assert_eq!(loader.num_batches(ds.len()), 2);
/// assert_eq!(loader.epoch(&ds).next().unwrap().indices, vec![0, 1, 2, 3]);
/// ```
#[derive(Clone, Debug)]
pub struct DataLoader {
    batch_size: usize,
    drop_last: bool,
    rng: Option<Rng>,
}

impl DataLoader {
    /// A loader of batches of `batch_size` examples, in dataset order, keeping the last short
    /// batch. Panics if `batch_size` is 0 (as PyTorch refuses it).
    pub fn new(batch_size: usize) -> DataLoader {
        assert!(
            batch_size > 0,
            "DataLoader: batch_size must be positive, got 0"
        );
        DataLoader {
            batch_size,
            drop_last: false,
            rng: None,
        }
    }

    /// Shuffles every epoch with a generator seeded by `seed`.
    pub fn shuffle(self, seed: u64) -> DataLoader {
        self.shuffle_with(rng_from_seed(seed))
    }

    /// Shuffles every epoch with `rng` (e.g. one restored from a checkpoint).
    pub fn shuffle_with(mut self, rng: Rng) -> DataLoader {
        self.rng = Some(rng);
        self
    }

    /// Drops the last batch if it is shorter than `batch_size` (PyTorch's `drop_last`).
    pub fn drop_last(mut self, drop_last: bool) -> DataLoader {
        self.drop_last = drop_last;
        self
    }

    /// The batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Whether the loader shuffles.
    pub fn is_shuffled(&self) -> bool {
        self.rng.is_some()
    }

    /// The shuffling generator in its current state (`None` for an ordered loader): save it
    /// between epochs to resume the same batches.
    pub fn rng(&self) -> Option<&Rng> {
        self.rng.as_ref()
    }

    /// Replaces the shuffling generator (turns shuffling on).
    pub fn set_rng(&mut self, rng: Rng) {
        self.rng = Some(rng);
    }

    /// Batches per epoch over `len` examples.
    pub fn num_batches(&self, len: usize) -> usize {
        if self.drop_last {
            len / self.batch_size
        } else {
            len.div_ceil(self.batch_size)
        }
    }

    /// Starts an epoch over `dataset`: draws this epoch's order now (advancing the generator
    /// of a shuffling loader) and returns its batches.
    pub fn epoch<'a>(&mut self, dataset: &'a Dataset) -> Batches<'a> {
        let mut order: Vec<usize> = (0..dataset.len()).collect();
        if let Some(rng) = &mut self.rng {
            order.shuffle(rng);
        }
        let batches = self.num_batches(dataset.len());
        Batches {
            dataset,
            order,
            batch_size: self.batch_size,
            next: 0,
            batches,
        }
    }
}

/// The batches of one epoch (see [`DataLoader::epoch`]).
#[derive(Clone, Debug)]
pub struct Batches<'a> {
    dataset: &'a Dataset,
    order: Vec<usize>,
    batch_size: usize,
    next: usize,
    batches: usize,
}

impl Batches<'_> {
    /// The order of examples drawn for this epoch.
    pub fn order(&self) -> &[usize] {
        &self.order
    }
}

impl Iterator for Batches<'_> {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        if self.next >= self.batches {
            return None;
        }
        let start = self.next * self.batch_size;
        let end = (start + self.batch_size).min(self.order.len());
        self.next += 1;
        Some(self.dataset.batch(&self.order[start..end]))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.batches - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Batches<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(n: usize) -> Dataset {
        Dataset::new((0..n).map(|v| v as f32).collect(), 1, vec![0; n], 1)
    }

    fn epoch_indices(loader: &mut DataLoader, d: &Dataset) -> Vec<Vec<usize>> {
        loader.epoch(d).map(|b| b.indices).collect()
    }

    #[test]
    fn sizes_with_and_without_drop_last() {
        for n in [0, 1, 31, 32, 33, 65] {
            let d = ds(n);
            for drop in [false, true] {
                let mut l = DataLoader::new(32).drop_last(drop);
                let sizes: Vec<usize> = l.epoch(&d).map(|b| b.len()).collect();
                assert_eq!(sizes.len(), l.num_batches(n), "n={n} drop={drop}");
                assert_eq!(l.epoch(&d).len(), l.num_batches(n));
                assert!(sizes.iter().all(|&s| s > 0 && s <= 32));
                let covered: usize = sizes.iter().sum();
                if drop {
                    assert_eq!(covered, n / 32 * 32);
                } else {
                    assert_eq!(covered, n);
                }
            }
        }
    }

    #[test]
    fn shuffling_is_a_seeded_permutation_per_epoch() {
        let d = ds(50);
        let mut a = DataLoader::new(8).shuffle(3);
        let e1: Vec<usize> = epoch_indices(&mut a, &d).concat();
        let e2: Vec<usize> = epoch_indices(&mut a, &d).concat();
        let mut sorted = e1.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(e1, e2, "each epoch draws a new order");
        assert_ne!(e1, (0..50).collect::<Vec<_>>());
        let mut b = DataLoader::new(8).shuffle(3);
        assert_eq!(
            epoch_indices(&mut b, &d).concat(),
            e1,
            "same seed, same order"
        );
        let mut c = DataLoader::new(8).shuffle(4);
        assert_ne!(epoch_indices(&mut c, &d).concat(), e1);
    }

    #[test]
    fn restoring_the_rng_resumes_the_same_batches() {
        let d = ds(40);
        let mut straight = DataLoader::new(16).shuffle(11);
        let _ = epoch_indices(&mut straight, &d);
        let saved = straight.rng().unwrap().clone();
        let want = epoch_indices(&mut straight, &d);
        let mut resumed = DataLoader::new(16).shuffle(0);
        resumed.set_rng(saved);
        assert_eq!(epoch_indices(&mut resumed, &d), want);
    }

    #[test]
    #[should_panic(expected = "batch_size must be positive")]
    fn zero_batch_size_panics() {
        DataLoader::new(0);
    }
}
