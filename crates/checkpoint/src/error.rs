//! Errors of reading and writing checkpoints: each says what failed and where.

use std::path::PathBuf;
use thiserror::Error;

/// What went wrong with a checkpoint file or its contents.
#[derive(Debug, Error)]
pub enum CheckpointError {
    /// The file system refused (open, read, write, fsync, rename).
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done ("reading", "writing", ...).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The bytes do not start with tapegrad's magic: not a checkpoint.
    #[error("not a tapegrad checkpoint (bad magic bytes)")]
    NotACheckpoint,
    /// A format version this build cannot read.
    #[error("unsupported version {found} (this build reads versions up to {supported})")]
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// The file is shorter (or longer) than its own length fields say.
    #[error("truncated or padded file: {what}")]
    Truncated {
        /// Which length disagreed.
        what: String,
    },
    /// The checksum over the file does not match: the bytes changed after writing.
    #[error(
        "checksum mismatch: stored {stored:#010x}, computed {computed:#010x} (the file is damaged)"
    )]
    ChecksumMismatch {
        /// The checksum stored in the file.
        stored: u32,
        /// The checksum of the bytes read.
        computed: u32,
    },
    /// A section that does not decode, or decodes to inconsistent contents.
    #[error("corrupt {section}: {message}")]
    Corrupt {
        /// The section ("header", "payload", "tensor 'fc1.weight'", ...).
        section: String,
        /// What was wrong.
        message: String,
    },
    /// The checkpoint's params do not fit the model (strict loading).
    #[error("checkpoint does not fit the model: {0}")]
    Mismatch(crate::MismatchReport),
    /// Encoding failed (cannot happen for well-formed values; reported rather than panicking).
    #[error("encoding {section}: {message}")]
    Encode {
        /// The section.
        section: &'static str,
        /// What the encoder said.
        message: String,
    },
    /// The optimizer or scheduler state does not fit the objects it is loaded into.
    #[error("restoring {what}: {message}")]
    Restore {
        /// "optimizer" or "scheduler".
        what: &'static str,
        /// What did not fit.
        message: String,
    },
}
