//! Loading any file takes at most a small constant times its size plus a fixed bound of
//! memory (issue 17): measured with a counting global allocator (this test binary's own)
//! around `load`, `read_safetensors` and `load_csv`, on the crafted inputs of
//! `tests/hostile/` (the widest records per byte each format allows, nesting at the limit,
//! length prefixes inviting preallocation) and on ordinary files, which must still load.
//!
//! Counts are per thread (tests run on several), and a reallocation counts as the new block
//! allocated before the old one is freed, as the default `GlobalAlloc::realloc` does.

mod hostile;

use hostile::Loader;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;
use tapegrad::checkpoint::{self, Checkpoint};
use tapegrad::data::csv::{load_csv, CsvOptions};
use tapegrad::nn::{read_safetensors, save_safetensors, Linear, Sequential};
use tapegrad::optim::{Adam, AdamConfig, Optimizer};
use tapegrad::tensor::{rng_from_seed, Param, Tensor};

struct Counting;

thread_local! {
    static CURRENT: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn track(delta: isize) {
    let _ = CURRENT.try_with(|c| {
        let now = c.get() + delta;
        c.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

// SAFETY (all four): each forwards the caller's arguments to the system allocator unchanged,
// which upholds GlobalAlloc's contract; the counting touches only thread-local cells.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        track(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        track(layout.size() as isize);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        track(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as alloc-then-free: the old and the new block may both be live.
        track(new_size as isize);
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        track(-(layout.size() as isize));
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The bound each loader must respect: `per_byte` times the file's size plus `fixed`.
///
/// - Checkpoints: the file (1x), its strings (at most 1x), the decoder's budget for
///   containers (8x per section, plus 64 KiB), one preallocation not yet charged (at most
///   1 MiB), and growth slack of large tensors: 11x + 2 MiB.
/// - CSV: the examples in their in-memory form (4 bytes per feature, 8 per label and per
///   split index; at least 2 bytes of file each), with the spare room of vectors that grow
///   as rows are read, plus the split names and their index (at most about 9.5x measured):
///   12x + 2 MiB.
/// - safetensors: the safetensors crate's own header parse builds serde's generic
///   intermediate form (the header is a flattened map), about 14x the header for a header
///   of empty entries; our pass adds little: 16x + 1 MiB.
fn bound(loader: Loader) -> (usize, usize) {
    match loader {
        Loader::Checkpoint => (11, 2 << 20),
        Loader::Csv => (12, 2 << 20),
        Loader::Safetensors => (16, 1 << 20),
    }
}

/// Runs `load` on `path` and returns (peak bytes allocated during it, whether it loaded).
fn peak_of<T, E>(load: impl FnOnce() -> Result<T, E>) -> (usize, bool) {
    let base = CURRENT.with(|c| c.get());
    PEAK.with(|p| p.set(base));
    let ok = load().is_ok();
    let peak = (PEAK.with(|p| p.get()) - base).max(0) as usize;
    (peak, ok)
}

fn measure(what: &str, loader: Loader, bytes: &[u8], dir: &Path) -> (usize, bool) {
    let path = dir.join("input");
    std::fs::write(&path, bytes).unwrap();
    let (peak, ok) = match loader {
        Loader::Checkpoint => peak_of(|| checkpoint::load(&path)),
        Loader::Safetensors => peak_of(|| read_safetensors(&path)),
        Loader::Csv => {
            let mut opts = CsvOptions::new("label", 10);
            if bytes.starts_with(b"label,split,") {
                opts = opts.split_column("split");
            }
            peak_of(|| load_csv(&path, &opts))
        }
    };
    let len = bytes.len();
    let (per_byte, fixed) = bound(loader);
    eprintln!(
        "{what}: {len} bytes, loaded: {ok}, peak {peak} bytes = {:.2} x size",
        peak as f64 / len as f64
    );
    assert!(
        peak <= per_byte * len + fixed,
        "{what}: loading {len} bytes took {peak} bytes, over {per_byte} x size + {fixed}"
    );
    (peak, ok)
}

#[test]
fn crafted_files_stay_within_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    for (what, loader, bytes) in hostile::all() {
        measure(what, loader, &bytes, dir.path());
    }
}

/// An Adam checkpoint of `n` params of `len` values each, after one step.
fn adam_checkpoint(n: usize, len: usize) -> Vec<u8> {
    let named: Vec<(String, Param)> = (0..n)
        .map(|i| {
            let p = Param::new("bias", Tensor::ones(&[len]));
            (format!("layer{i}.bias"), p)
        })
        .collect();
    let params: Vec<Param> = named.iter().map(|(_, p)| p.clone()).collect();
    let mut opt = Adam::new(params.clone(), AdamConfig::default()).unwrap();
    for p in &params {
        p.set_grad(Some(Tensor::ones(&[len])));
    }
    opt.step().unwrap();
    let mut cp = Checkpoint::from_params(&named);
    cp.optimizer = Some(opt.state());
    checkpoint::to_bytes(&cp).unwrap()
}

/// Thousands of seeded mutations of a real checkpoint with the checksum made valid again,
/// so they reach the decoder: each load stays within the bound.
#[test]
fn sealed_mutations_stay_within_the_bound() {
    use rand::{Rng, SeedableRng};
    let bytes = adam_checkpoint(3, 40);
    let body = bytes.len() - 4;
    let (per_byte, fixed) = bound(Loader::Checkpoint);
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut refused = 0;
    for case in 0..3000 {
        let mut m = bytes.clone();
        for _ in 0..rng.random_range(1..=4) {
            let i = rng.random_range(28..body);
            m[i] = rng.random();
        }
        let crc = crc32fast::hash(&m[..body]);
        m[body..].copy_from_slice(&crc.to_le_bytes());
        let (peak, ok) = peak_of(|| checkpoint::from_bytes(&m));
        refused += usize::from(!ok);
        assert!(
            peak <= per_byte * m.len() + fixed,
            "mutation {case}: {peak} bytes for a file of {}",
            m.len()
        );
    }
    // The mutations reach the decoder's checks (the others land in tensor values).
    assert!(
        refused > 300,
        "only {refused} of 3000 mutations were refused"
    );
}

#[test]
fn ordinary_files_load_within_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    // Checkpoints: a large tensor; many one-value params (the widest records a real
    // checkpoint holds, which must stay under the decoder's memory budget).
    for (what, bytes) in [
        (
            "checkpoint: Adam, 4 x 1M values",
            adam_checkpoint(4, 1 << 20),
        ),
        (
            "checkpoint: Adam, 20,000 one-value params",
            adam_checkpoint(20_000, 1),
        ),
        (
            "checkpoint: Adam, 1,000 params of 64",
            adam_checkpoint(1_000, 64),
        ),
    ] {
        let (_, ok) = measure(what, Loader::Checkpoint, &bytes, dir.path());
        assert!(ok, "{what} must load");
    }
    let mut rng = rng_from_seed(0);
    let model = Sequential::new()
        .append(Linear::new(784, 512, &mut rng))
        .append(Linear::new(512, 10, &mut rng));
    let st = dir.path().join("model.safetensors");
    save_safetensors(&model, &st).unwrap();
    let (_, ok) = measure(
        "safetensors: 784-512-10 MLP",
        Loader::Safetensors,
        &std::fs::read(&st).unwrap(),
        dir.path(),
    );
    assert!(ok);
    let digits = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/digits.csv");
    let bytes = std::fs::read(digits).unwrap();
    let (_, ok) = measure("csv: digits", Loader::Csv, &bytes, dir.path());
    assert!(ok);
}

/// Vectors of unknown final length grow in steps, so the ratio depends on where the row
/// count falls: sweep it for the CSV files with the most rows and split names per byte.
#[test]
fn csv_row_counts_swept() {
    let dir = tempfile::tempdir().unwrap();
    for rows in (20_000..400_000).step_by(47_711) {
        let what = format!("csv: {rows} short split names");
        measure(
            &what,
            Loader::Csv,
            hostile::csv::many_short_splits(rows).as_bytes(),
            dir.path(),
        );
        let what = format!("csv: {rows} rows of 0,0");
        measure(
            &what,
            Loader::Csv,
            hostile::csv::many_short_rows(rows).as_bytes(),
            dir.path(),
        );
    }
}
