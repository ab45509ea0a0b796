//! Every kind of dataset through the `DataLoader`: batch shapes, the same batches for the same
//! seed (and others for another), and an exact resume in the middle of an epoch from a saved
//! cursor, for tensors with class indices, tensors with value targets of any shape, token
//! windows, a subset from `random_split`, a transformed dataset and a user's own `Dataset`.

use tapegrad_data::{
    one_hot, random_split, Batch, DataLoader, Dataset, EpochCursor, Normalize, TensorDataset,
    TokenWindows,
};
use tapegrad_tensor::{IntTensor, Tensor};

/// A batch's content, flattened, to compare batches exactly.
type Key<B> = fn(&B) -> (Vec<usize>, Vec<f64>);

fn key_xy<X: Values, Y: Values>(b: &Batch<X, Y>) -> (Vec<usize>, Vec<f64>) {
    let mut shape = b.x.dims();
    shape.extend(b.y.dims());
    let mut v = b.x.values();
    v.extend(b.y.values());
    (shape, v)
}

trait Values {
    fn dims(&self) -> Vec<usize>;
    fn values(&self) -> Vec<f64>;
}

impl Values for Tensor {
    fn dims(&self) -> Vec<usize> {
        self.shape().to_vec()
    }
    fn values(&self) -> Vec<f64> {
        self.as_slice().iter().map(|&v| v as f64).collect()
    }
}

impl Values for IntTensor {
    fn dims(&self) -> Vec<usize> {
        self.shape().to_vec()
    }
    fn values(&self) -> Vec<f64> {
        self.as_slice().iter().map(|&v| v as f64).collect()
    }
}

/// Two epochs of a shuffling loader, as keys.
fn two_epochs<D: Dataset>(
    d: &D,
    seed: u64,
    batch: usize,
    key: Key<D::Batch>,
) -> Vec<Vec<(Vec<usize>, Vec<f64>)>> {
    let mut loader = DataLoader::new(batch).shuffle(seed);
    (0..2)
        .map(|_| loader.epoch(d).map(|b| key(&b)).collect())
        .collect()
}

/// The checks every kind goes through; `shape` is the expected shape key of a full batch.
fn check_kind<D: Dataset>(d: &D, batch: usize, key: Key<D::Batch>, shape: &[usize]) {
    let n = d.len();
    assert!(n > 2 * batch, "the test wants a few batches");
    // Shapes: full batches, then the short last one (kept), or none (dropped).
    let mut loader = DataLoader::new(batch).shuffle(1);
    let keys: Vec<_> = loader.epoch(d).map(|b| key(&b)).collect();
    assert_eq!(keys.len(), n.div_ceil(batch));
    assert_eq!(keys[0].0, shape, "full batch shape");
    let mut dropping = DataLoader::new(batch).shuffle(1).drop_last(true);
    assert_eq!(dropping.epoch(d).count(), n / batch);

    // Determinism: the same seed gives the same batches; another seed, others; epochs differ.
    let a = two_epochs(d, 5, batch, key);
    assert_eq!(a, two_epochs(d, 5, batch, key), "same seed, same batches");
    assert_ne!(
        a,
        two_epochs(d, 6, batch, key),
        "another seed, other batches"
    );
    assert_ne!(a[0], a[1], "each epoch draws a new order");

    // Exact resume: stop after 2 batches of the second epoch, resume from the cursor in a
    // fresh loader (seeded differently), get the rest of that epoch and then the same third.
    let mut straight = DataLoader::new(batch).shuffle(9);
    let _ = straight.epoch(d).count();
    let mut epoch = straight.epoch(d);
    let _first_two: Vec<_> = epoch.by_ref().take(2).map(|b| key(&b)).collect();
    let cursor: EpochCursor = epoch.cursor();
    assert_eq!(cursor.batch, 2);
    let rest: Vec<_> = epoch.map(|b| key(&b)).collect();
    let third: Vec<_> = straight.epoch(d).map(|b| key(&b)).collect();

    let mut resumed = DataLoader::new(batch).shuffle(12345);
    let got: Vec<_> = resumed
        .epoch_from(d, &cursor)
        .unwrap()
        .map(|b| key(&b))
        .collect();
    assert_eq!(got, rest, "the rest of the interrupted epoch");
    let got_third: Vec<_> = resumed.epoch(d).map(|b| key(&b)).collect();
    assert_eq!(got_third, third, "the epoch after it");

    // A cursor past the end, or from a loader that does not shuffle, is refused.
    let past = EpochCursor {
        batch: n,
        ..cursor.clone()
    };
    assert!(resumed.epoch_from(d, &past).is_err());
    assert!(DataLoader::new(batch).epoch_from(d, &cursor).is_err());
}

#[test]
fn tensors_with_class_indices() {
    let x = Tensor::from_vec((0..50 * 16).map(|v| v as f32).collect(), &[50, 1, 4, 4]);
    let y = IntTensor::from_vec((0..50).map(|i| i % 3).collect(), &[50]);
    let d = TensorDataset::classes(x, y, 3);
    check_kind(&d, 8, key_xy, &[8, 1, 4, 4, 8]);
    // Each batch's rows are the examples its indices name.
    let b = DataLoader::new(8).shuffle(2).epoch(&d).next().unwrap();
    for (r, &i) in b.indices.iter().enumerate() {
        assert_eq!(&b.x.as_slice()[r * 16..(r + 1) * 16], d.features(i));
        assert_eq!(b.y.as_slice()[r], (i % 3) as i64);
    }
}

#[test]
fn tensors_with_value_targets_of_any_shape() {
    let x = Tensor::from_vec((0..40 * 3).map(|v| v as f32).collect(), &[40, 3]);
    let y = Tensor::from_vec((0..40 * 6).map(|v| -(v as f32)).collect(), &[40, 2, 3]);
    check_kind(&TensorDataset::new(x, y), 6, key_xy, &[6, 3, 6, 2, 3]);
}

#[test]
fn token_windows() {
    let text: Vec<i64> = (0..200).map(|i| (i * 7 % 26) as i64).collect();
    let w = TokenWindows::new(text.clone(), 16);
    check_kind(&w, 32, key_xy, &[32, 16, 32, 16]);
    let b = DataLoader::new(4).shuffle(3).epoch(&w).next().unwrap();
    for (r, &i) in b.indices.iter().enumerate() {
        assert_eq!(&b.x.as_slice()[r * 16..(r + 1) * 16], &text[i..i + 16]);
        assert_eq!(&b.y.as_slice()[r * 16..(r + 1) * 16], &text[i + 1..i + 17]);
    }
    let strided = TokenWindows::strided(text, 16, 16);
    check_kind(&strided, 3, key_xy, &[3, 16, 3, 16]);
}

#[test]
fn a_subset_from_random_split() {
    let x = Tensor::from_vec((0..100).map(|v| v as f32).collect(), &[100, 1]);
    let d = TensorDataset::classes(x, IntTensor::from_vec(vec![0; 100], &[100]), 1);
    let [train, val] = random_split(&d, [0.75, 0.25], 4);
    assert_eq!((train.len(), val.len()), (75, 25));
    let mut all: Vec<usize> = train
        .indices()
        .iter()
        .chain(val.indices())
        .copied()
        .collect();
    all.sort_unstable();
    assert_eq!(all, (0..100).collect::<Vec<_>>(), "disjoint and complete");
    let [again, _] = random_split(&d, [0.75, 0.25], 4);
    assert_eq!(again.indices(), train.indices(), "seeded");
    check_kind(&train, 10, key_xy, &[10, 1, 10]);
    // A batch of the subset holds the parent's examples its indices map to.
    let b = DataLoader::new(5).epoch(&train).next().unwrap();
    let want: Vec<f32> = train.indices()[..5].iter().map(|&i| i as f32).collect();
    assert_eq!(b.x.to_vec(), want);
}

#[test]
fn a_transformed_dataset() {
    let x = Tensor::from_vec((0..60).map(|v| (v * v) as f32).collect(), &[30, 2]);
    let d = TensorDataset::classes(
        x.clone(),
        IntTensor::from_vec((0..30).map(|i| i % 4).collect(), &[30]),
        4,
    );
    let norm = Normalize::fit(&x);
    let t = d.map_batches(move |b: Batch| Batch {
        x: norm.apply(&b.x),
        y: one_hot(&b.y, 4),
        indices: b.indices,
    });
    check_kind(&t, 7, key_xy, &[7, 2, 7, 4]);
    let whole = t.batch(&(0..30).collect::<Vec<_>>());
    for c in 0..2 {
        let col: Vec<f64> = (0..30)
            .map(|r| whole.x.as_slice()[r * 2 + c] as f64)
            .collect();
        let mean = col.iter().sum::<f64>() / 30.0;
        assert!(mean.abs() < 1e-5, "normalized column {c} has mean {mean}");
    }
    assert_eq!(whole.y.shape(), &[30, 4]);
    assert_eq!(&whole.y.as_slice()[4..8], &[0.0, 1.0, 0.0, 0.0]);
}

/// A user's own dataset: y = sin(x) computed on the fly.
struct Sines(usize);

impl Dataset for Sines {
    type Batch = (Tensor, Tensor);
    fn len(&self) -> usize {
        self.0
    }
    fn batch(&self, indices: &[usize]) -> (Tensor, Tensor) {
        let x: Vec<f32> = indices.iter().map(|&i| i as f32 * 0.1).collect();
        let y = x.iter().map(|v| v.sin()).collect();
        let n = indices.len();
        (Tensor::from_vec(x, &[n, 1]), Tensor::from_vec(y, &[n, 1]))
    }
}

#[test]
fn a_users_own_dataset() {
    fn key(b: &(Tensor, Tensor)) -> (Vec<usize>, Vec<f64>) {
        let mut shape = b.0.dims();
        shape.extend(b.1.dims());
        let mut v = b.0.values();
        v.extend(b.1.values());
        (shape, v)
    }
    check_kind(&Sines(45), 4, key, &[4, 1, 4, 1]);
}
