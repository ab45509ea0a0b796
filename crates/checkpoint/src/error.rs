//! Errors of reading and writing checkpoints: each says what failed and where.

use std::path::PathBuf;
use thiserror::Error;

/// What went wrong with a checkpoint file or its contents.
#[derive(Debug, Error)]
pub enum CheckpointError {
    /// The file could not be read.
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
    #[error("unsupported version {found} (this build reads version {supported})")]
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
    /// A section nests values deeper than any checkpoint does (a crafted file: decoding
    /// stops at the limit instead of recursing until the stack overflows).
    #[error("corrupt {section}: values nest more than {limit} levels deep (a real checkpoint nests a few dozen at most)")]
    TooDeep {
        /// The section ("header" or "payload").
        section: String,
        /// The deepest nesting accepted.
        limit: usize,
    },
    /// A section would decode to far more memory than its size justifies (a crafted file:
    /// refused before the memory is taken).
    #[error("corrupt {section}: its {size} bytes would decode to more than {limit} bytes of memory (the limit is {per_byte} bytes per byte plus {fixed})")]
    TooLarge {
        /// The section ("header" or "payload").
        section: String,
        /// The section's size in bytes.
        size: usize,
        /// The memory allowed for it.
        limit: usize,
        /// Bytes of memory allowed per byte of the section.
        per_byte: usize,
        /// Bytes of memory allowed on top.
        fixed: usize,
    },
    /// A tensor whose shape cannot be a tensor's, or does not match its data.
    #[error("corrupt tensor '{name}': {source}")]
    Shape {
        /// The tensor's name.
        name: String,
        /// What is wrong with the shape.
        #[source]
        source: tapegrad_tensor::InvalidShape,
    },
    /// Saving failed; the target is unchanged and no temporary file is left.
    #[error(transparent)]
    Write(#[from] tapegrad_io::WriteError),
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
