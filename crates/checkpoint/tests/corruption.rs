//! Hostile bytes: every truncation and thousands of seeded random mutations of a valid
//! checkpoint must be typed errors, never panics. (The memory loading takes, on these
//! mutations and on crafted files, is measured in `tests/load_memory.rs` at the
//! repository's root.)

use rand::{Rng, SeedableRng};
use tapegrad_checkpoint::{from_bytes, to_bytes, Checkpoint, CheckpointError};
use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
use tapegrad_tensor::{rng_from_seed, Param, Tensor};

fn sample() -> Checkpoint {
    let mut rng = rng_from_seed(1);
    let w = Param::new("weight", Tensor::randn(&[8, 16], 0.0, 1.0, &mut rng));
    let b = Param::new("bias", Tensor::randn(&[8], 0.0, 1.0, &mut rng));
    let named = vec![
        ("fc.weight".to_string(), w.clone()),
        ("fc.bias".to_string(), b.clone()),
    ];
    let mut opt = Sgd::new(
        vec![w.clone(), b.clone()],
        SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            ..Default::default()
        },
    )
    .unwrap();
    for _ in 0..3 {
        w.set_grad(Some(Tensor::randn(&[8, 16], 0.0, 1.0, &mut rng)));
        b.set_grad(Some(Tensor::randn(&[8], 0.0, 1.0, &mut rng)));
        opt.step().unwrap();
    }
    let mut cp = Checkpoint::from_params(&named);
    cp.optimizer = Some(opt.state());
    cp.epoch = 2;
    cp.step = 3;
    cp.rngs.push(("shuffle".into(), rng));
    cp.metadata.push(("run".into(), "corruption test".into()));
    cp
}

/// Loads `bytes`, checking the result is not a panic. (The memory a load takes is measured
/// in `tests/load_memory.rs` at the repository's root, with its own counting allocator.)
fn load_bounded(bytes: &[u8], what: &str) -> Result<Checkpoint, CheckpointError> {
    std::panic::catch_unwind(|| from_bytes(bytes)).unwrap_or_else(|_| panic!("{what}: panicked"))
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = to_bytes(&sample()).unwrap();
    assert!(load_bounded(&bytes, "intact").is_ok());
    for n in 0..bytes.len() {
        assert!(load_bounded(&bytes[..n], &format!("truncated to {n}")).is_err());
    }
    let mut padded = bytes.clone();
    padded.push(0);
    assert!(matches!(
        load_bounded(&padded, "padded"),
        Err(CheckpointError::Truncated { .. })
    ));
}

#[test]
fn random_mutations_are_errors() {
    let bytes = to_bytes(&sample()).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(2024);
    for case in 0..4000 {
        let mut m = bytes.clone();
        let flips = rng.random_range(1..=8);
        for _ in 0..flips {
            let i = rng.random_range(0..m.len());
            m[i] ^= rng.random_range(1..=255u8);
        }
        let r = load_bounded(&m, &format!("mutation {case}"));
        assert!(r.is_err(), "mutation {case} was accepted");
    }
}

#[test]
fn mutations_behind_a_valid_checksum_never_panic() {
    // Re-sealing the checksum after the mutation drives the bytes into the decoder: every
    // outcome must be a typed error or a checkpoint whose tensors are consistent.
    let bytes = to_bytes(&sample()).unwrap();
    let body = bytes.len() - 4;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut errors = 0;
    for case in 0..4000 {
        let mut m = bytes.clone();
        for _ in 0..rng.random_range(1..=4) {
            let i = rng.random_range(28..body);
            m[i] = rng.random();
        }
        let crc = crc32fast::hash(&m[..body]);
        m[body..].copy_from_slice(&crc.to_le_bytes());
        match load_bounded(&m, &format!("sealed mutation {case}")) {
            Ok(cp) => {
                for t in &cp.params {
                    t.to_tensor()
                        .expect("a loaded checkpoint's tensors are consistent");
                }
            }
            Err(_) => errors += 1,
        }
    }
    assert!(
        errors > 1000,
        "only {errors} of 4000 sealed mutations were refused"
    );
}

#[test]
fn huge_length_prefixes_are_refused() {
    // A header claiming an enormous payload, and a payload whose first vector claims 2^60
    // elements behind a valid checksum: both refused (and within the memory bound, see
    // tests/load_memory.rs).
    let bytes = to_bytes(&sample()).unwrap();
    let mut m = bytes.clone();
    m[20..28].copy_from_slice(&(u64::MAX - 10).to_le_bytes());
    assert!(matches!(
        load_bounded(&m, "huge payload length"),
        Err(CheckpointError::Truncated { .. })
    ));
    let h = u64::from_le_bytes(bytes[12..20].try_into().unwrap()) as usize;
    let mut m = bytes.clone();
    // The payload starts with the params vector's length (varint): claim u64::MAX / 2.
    let start = 28 + h;
    m[start] = 0xfd; // varint marker for a u64
    m[start + 1..start + 9].copy_from_slice(&(1u64 << 60).to_le_bytes());
    let body = m.len() - 4;
    let crc = crc32fast::hash(&m[..body]);
    m[body..].copy_from_slice(&crc.to_le_bytes());
    assert!(load_bounded(&m, "huge vector length").is_err());
}
