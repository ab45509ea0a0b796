//! # tapegrad-checkpoint
//!
//! Training checkpoints that resume exactly: the model's params by name, the optimizer's and
//! the scheduler's whole state, epoch and step counters, the random generators in use, and
//! user metadata, in one file that is written atomically and checked on every load.
//!
//! Orientation: `record.rs` is what a checkpoint holds ([`Checkpoint`]) and loading params
//! by name; `training.rs` capturing and restoring a whole run in one call
//! ([`Checkpoint::capture`], [`Checkpoint::restore`]); `file.rs` the file format and atomic
//! save; `codec.rs` the one use of bincode; `guard.rs` the bounds on what hostile bytes can
//! make decoding do (nesting depth, memory); `error.rs` the typed errors.
//!
//! ```
//! use tapegrad_checkpoint::{load, save, Checkpoint};
//! use tapegrad_tensor::{Param, Tensor};
//! let w = Param::new("w", Tensor::ones(&[2, 3]));
//! let named = vec![("fc.weight".to_string(), w.clone())];
//! let mut cp = Checkpoint::from_params(&named);
//! cp.step = 10;
//! let dir = std::env::temp_dir().join(format!("tapegrad-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! save(dir.join("run.ckpt"), &cp).unwrap();
//! w.set_value(Tensor::zeros(&[2, 3]));
//! let back = load(dir.join("run.ckpt")).unwrap();
//! back.load_params(&named, true).unwrap();
//! assert_eq!(w.value().to_vec(), vec![1.0; 6]);
//! # std::fs::remove_dir_all(&dir).ok();
//! ```
#![warn(missing_docs)]

mod codec;
mod error;
mod file;
mod guard;
mod record;
mod training;

pub use error::CheckpointError;
pub use file::{
    from_bytes, header_from_bytes, load, load_header, save, to_bytes, Header, FORMAT_VERSION, MAGIC,
};
pub use guard::{MAX_DEPTH, MEMORY_FIXED, MEMORY_PER_BYTE};
pub use record::{Checkpoint, MismatchReport, NamedTensor};
pub use training::MODULE_RNG_PREFIX;

#[cfg(test)]
mod tests {
    use super::*;
    use tapegrad_tensor::{rng_from_seed, Param, Tensor};

    pub(crate) fn sample() -> Checkpoint {
        let named = vec![
            (
                "fc1.weight".to_string(),
                Param::new(
                    "weight",
                    Tensor::from_vec((0..6).map(|x| x as f32).collect(), &[2, 3]),
                ),
            ),
            (
                "fc1.bias".to_string(),
                Param::new("bias", Tensor::from_vec(vec![0.5, -0.5], &[2])),
            ),
        ];
        let mut cp = Checkpoint::from_params(&named);
        cp.epoch = 3;
        cp.step = 42;
        cp.rngs.push(("shuffle".into(), rng_from_seed(9)));
        cp.metadata.push(("note".into(), "hello".into()));
        cp
    }

    #[test]
    fn round_trip() {
        let cp = sample();
        let bytes = to_bytes(&cp).unwrap();
        assert_eq!(from_bytes(&bytes).unwrap(), cp);
        let h = header_from_bytes(&bytes).unwrap();
        assert_eq!(h.tensors[0], ("fc1.weight".to_string(), vec![2, 3]));
        assert_eq!((h.epoch, h.step), (3, 42));
    }

    #[test]
    fn other_versions_are_refused_clearly() {
        for (version, want) in [
            (3u32, "unsupported version 3 (this build reads version 2)"),
            (1, "unsupported version 1 (this build reads version 2)"),
        ] {
            let mut bytes = to_bytes(&sample()).unwrap();
            bytes[8..12].copy_from_slice(&version.to_le_bytes());
            assert_eq!(from_bytes(&bytes).unwrap_err().to_string(), want);
        }
    }

    #[test]
    fn failed_write_leaves_previous_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ckpt");
        let old = sample();
        save(&path, &old).unwrap();
        let mut new = sample();
        new.step = 99;
        let bytes = to_bytes(&new).unwrap();
        for cut in [0, 1, 28, bytes.len() / 2, bytes.len() - 1] {
            // The writer fails after `cut` bytes, as on a full disk.
            let e = tapegrad_io::write_atomic_with(&path, |w| {
                w.write_all(&bytes[..cut])?;
                Err(std::io::Error::other("simulated failure (disk full)"))
            })
            .unwrap_err();
            assert!(e.to_string().contains("simulated failure"), "{e}");
            assert_eq!(
                load(&path).unwrap(),
                old,
                "after a failed write cut at {cut}"
            );
        }
        // No temporary file is left behind after a failure.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        save(&path, &new).unwrap();
        assert_eq!(load(&path).unwrap().step, 99);
        // A folder as target is refused (typed), and leaves nothing.
        let e = save(dir.path(), &new).unwrap_err();
        assert!(matches!(e, CheckpointError::Write(_)), "{e}");
    }

    #[test]
    fn strict_and_non_strict_loading() {
        let cp = sample();
        let w = Param::new("weight", Tensor::zeros(&[2, 3]));
        let b = Param::new("bias", Tensor::zeros(&[3]));
        let extra = Param::new("x", Tensor::zeros(&[1]));
        let named = vec![
            ("fc1.weight".to_string(), w.clone()),
            ("fc1.bias".to_string(), b.clone()),
            ("fc2.weight".to_string(), extra),
        ];
        let e = cp.load_params(&named, true).unwrap_err().to_string();
        assert!(
            e.contains("missing fc2.weight")
                && e.contains("fc1.bias: checkpoint shape [2], model shape [3]"),
            "{e}"
        );
        assert_eq!(
            w.value().to_vec(),
            vec![0.0; 6],
            "strict failure loads nothing"
        );
        let report = cp.load_params(&named, false).unwrap();
        assert_eq!(report.missing, vec!["fc2.weight".to_string()]);
        assert_eq!(report.mismatched.len(), 1);
        assert_eq!(w.value().to_vec(), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    }
}
