//! [`DataLoader`]: mini-batches over a [`Dataset`], in order or shuffled by a seeded generator,
//! with PyTorch's `drop_last`.
//!
//! As in PyTorch, a shuffling loader draws a fresh permutation each time an epoch starts
//! ([`DataLoader::epoch`]); the generator is the loader's own, so saving it
//! ([`DataLoader::rng`]) at an epoch boundary and restoring it ([`DataLoader::set_rng`])
//! resumes the exact sequence of batches. In the middle of an epoch, [`Batches::cursor`]
//! says where the epoch is (the generator as it was before the epoch's order was drawn, and
//! the batches taken), and [`DataLoader::epoch_from`] continues from there: the same
//! remaining batches, and the generator where it would have been.

use crate::dataset::Dataset;
use rand::seq::SliceRandom;
use tapegrad_tensor::{rng_from_seed, Rng};

/// Batches over a dataset: `batch_size` examples each, optionally shuffled every epoch, the
/// last short batch kept or dropped.
///
/// ```
/// use tapegrad_data::{DataLoader, Dataset, TensorDataset};
/// let ds = TensorDataset::from_rows((0..10).map(|v| v as f32).collect(), 1, &[0; 10], 1);
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

    /// Starts an epoch over `dataset` (any [`Dataset`], a user's own included): draws this
    /// epoch's order now (advancing the generator of a shuffling loader) and returns its
    /// batches.
    pub fn epoch<'a, D: Dataset + ?Sized>(&mut self, dataset: &'a D) -> Batches<'a, D> {
        let mut order: Vec<usize> = (0..dataset.len()).collect();
        let rng_before = self.rng.clone();
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
            rng_before,
        }
    }

    /// Continues an epoch from `cursor` (taken by [`Batches::cursor`], perhaps saved in a
    /// checkpoint): restores the generator the epoch started from, draws the same order and
    /// skips the batches already taken. Refuses a cursor past the end of the epoch (say, one
    /// saved over a different dataset or batch size).
    ///
    /// ```
    /// use tapegrad_data::{DataLoader, TensorDataset};
    /// let ds = TensorDataset::from_rows((0..10).map(|v| v as f32).collect(), 1, &[0; 10], 1);
    /// let mut loader = DataLoader::new(3).shuffle(1);
    /// let mut batches = loader.epoch(&ds);
    /// batches.next();
    /// let cursor = batches.cursor(); // save it with the model and optimizer
    /// let rest: Vec<_> = batches.map(|b| b.indices).collect();
    ///
    /// let mut resumed = DataLoader::new(3).shuffle(99); // the seed is replaced by the cursor's
    /// let again: Vec<_> = resumed.epoch_from(&ds, &cursor).unwrap().map(|b| b.indices).collect();
    /// assert_eq!(again, rest);
    /// assert_eq!(resumed.rng(), loader.rng());
    /// ```
    pub fn epoch_from<'a, D: Dataset + ?Sized>(
        &mut self,
        dataset: &'a D,
        cursor: &EpochCursor,
    ) -> Result<Batches<'a, D>, CursorError> {
        let batches = self.num_batches(dataset.len());
        if cursor.batch > batches {
            return Err(CursorError::PastEnd {
                batch: cursor.batch,
                batches,
            });
        }
        match (&cursor.rng, self.rng.is_some()) {
            (Some(rng), true) => self.rng = Some(rng.clone()),
            (None, false) => {}
            (Some(_), false) => return Err(CursorError::Shuffling { cursor: true }),
            (None, true) => return Err(CursorError::Shuffling { cursor: false }),
        }
        Ok(self.epoch(dataset).skip_to(cursor.batch))
    }
}

/// Where an epoch is: the loader's generator as it was before the epoch drew its order
/// (`None` for a loader that does not shuffle) and the number of batches taken. Store the
/// generator with `Checkpoint::with_rng` and the batch count as metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochCursor {
    /// The generator the epoch's order was drawn from.
    pub rng: Option<Rng>,
    /// Batches taken.
    pub batch: usize,
}

/// Why [`DataLoader::epoch_from`] refused a cursor.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// The cursor is past the epoch's last batch.
    #[error("the cursor is at batch {batch}, past the end of an epoch of {batches} batches")]
    PastEnd {
        /// The cursor's batch.
        batch: usize,
        /// Batches in the epoch.
        batches: usize,
    },
    /// One of the loader and the cursor shuffles, the other does not.
    #[error("the cursor {} a shuffling generator and the loader {}",
        if *cursor { "has" } else { "has no" },
        if *cursor { "does not shuffle" } else { "shuffles" })]
    Shuffling {
        /// True if the cursor has a generator (and the loader does not shuffle).
        cursor: bool,
    },
}

/// The batches of one epoch (see [`DataLoader::epoch`]).
pub struct Batches<'a, D: ?Sized> {
    dataset: &'a D,
    order: Vec<usize>,
    batch_size: usize,
    next: usize,
    batches: usize,
    rng_before: Option<Rng>,
}

impl<D: ?Sized> Batches<'_, D> {
    /// Where the epoch is now, to continue it later with [`DataLoader::epoch_from`].
    pub fn cursor(&self) -> EpochCursor {
        EpochCursor {
            rng: self.rng_before.clone(),
            batch: self.next,
        }
    }

    /// The order of examples drawn for this epoch.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// Batches taken so far in this epoch.
    pub fn position(&self) -> usize {
        self.next
    }

    /// Skips to batch `n` of the epoch without making the batches before it: resuming in
    /// the middle of an epoch (restore the loader's generator as it was before the epoch
    /// started, start the epoch, skip the batches already done). Panics past the end.
    #[track_caller]
    pub fn skip_to(mut self, n: usize) -> Self {
        assert!(
            n <= self.batches,
            "Batches::skip_to: batch {n} of an epoch of {} batches",
            self.batches
        );
        self.next = n;
        self
    }
}

impl<D: Dataset + ?Sized> Iterator for Batches<'_, D> {
    type Item = D::Batch;

    fn next(&mut self) -> Option<D::Batch> {
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

impl<D: Dataset + ?Sized> ExactSizeIterator for Batches<'_, D> {}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::TensorDataset;

    fn ds(n: usize) -> TensorDataset {
        TensorDataset::from_rows((0..n).map(|v| v as f32).collect(), 1, &vec![0; n], 1)
    }

    fn epoch_indices(loader: &mut DataLoader, d: &TensorDataset) -> Vec<Vec<usize>> {
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
    fn skipping_resumes_mid_epoch() {
        let d = ds(40);
        let mut straight = DataLoader::new(6).shuffle(5);
        let saved = straight.rng().unwrap().clone();
        let want = epoch_indices(&mut straight, &d);
        let mut resumed = DataLoader::new(6).shuffle_with(saved);
        let rest: Vec<Vec<usize>> = resumed.epoch(&d).skip_to(4).map(|b| b.indices).collect();
        assert_eq!(rest, want[4..]);
        assert_eq!(
            resumed.rng(),
            straight.rng(),
            "the generator is where it would be"
        );
    }

    #[test]
    #[should_panic(expected = "batch_size must be positive")]
    fn zero_batch_size_panics() {
        DataLoader::new(0);
    }
}
