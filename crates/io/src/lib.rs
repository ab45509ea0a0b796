//! # tapegrad-io
//!
//! The one way tapegrad writes a file: [`write_atomic`] (or [`write_atomic_with`] for a
//! streaming writer). Checkpoints, safetensors weights, `tapegrad convert` and SVG charts all
//! save through it, so every save in the project has the same guarantees:
//!
//! - **Atomic.** The bytes go to a temporary file in the target's own folder, named
//!   `.NAME.tmp-PID-NONCE` (NAME the target's file name, PID the writing process, NONCE unique
//!   within it), which is renamed over the target only once it is complete. A reader, or a
//!   crash at any instant, sees either the old file or the new one at the target path, never a
//!   mix or a truncation.
//! - **Durable.** The temporary file is fsynced before the rename, and the folder after it
//!   (on Unix), so a save that returned `Ok` survives a power loss.
//! - **No debris.** On every failure (full disk, a folder as target, a path that names no
//!   file, a failed rename) the temporary file is removed before the error is returned, and
//!   nothing is created for a path that names no file.
//! - **Stale temporaries cleaned.** A process killed mid-save cannot remove its temporary
//!   file. Each save first removes the temporaries *of its own target* whose writing process
//!   is gone (see [`stale_temporaries`] for exactly which).
//!
//! Orientation: `atomic.rs` holds the writer and [`WriteError`]; `stale.rs` the temporary
//! names and the cleanup of dead writers' leftovers.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("tapegrad-io-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("notes.txt");
//! tapegrad_io::write_atomic(&path, b"first").unwrap();
//! tapegrad_io::write_atomic(&path, b"second").unwrap();
//! assert_eq!(std::fs::read(&path).unwrap(), b"second");
//! // A folder as target is refused, and leaves nothing behind.
//! let e = tapegrad_io::write_atomic(&dir, b"x").unwrap_err();
//! assert!(e.to_string().contains("is a folder"), "{e}");
//! assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```
#![warn(missing_docs)]

mod atomic;
mod stale;

pub use atomic::{write_atomic, write_atomic_with, WriteError};
pub use stale::{remove_stale_temporaries, stale_temporaries};
