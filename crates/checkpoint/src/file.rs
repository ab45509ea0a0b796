//! The checkpoint file format, and saving it atomically.
//!
//! ```text
//! offset  size  field
//! 0       8     magic "TPGRADCK"
//! 8       4     format version, u32 little-endian (this build writes and reads 1)
//! 12      8     header length H, u64 LE
//! 20      8     payload length P, u64 LE
//! 28      H     header: bincode of `Header` (what is inside, readable without the payload)
//! 28+H    P     payload: bincode of `Checkpoint`
//! 28+H+P  4     CRC-32 (IEEE) of every byte before it, u32 LE
//! ```
//!
//! Loading checks, in order: magic, version (a newer one is `UnsupportedVersion`), that the
//! lengths add up to the file's size, the checksum, then decodes header and payload through
//! the guard of `guard.rs`, and checks every tensor's shape against its data with the
//! loaders' shared shape rules. Any failure is a typed error. No input makes loading panic,
//! recurse deeper than [`MAX_DEPTH`](crate::MAX_DEPTH) levels, or take more memory than a
//! small multiple of the file's size: the decoded containers are refused beyond
//! [`MEMORY_PER_BYTE`](crate::MEMORY_PER_BYTE) bytes per byte of their section plus
//! [`MEMORY_FIXED`](crate::MEMORY_FIXED) (tests/load_memory.rs at the repository's root
//! measures the whole load with a counting allocator).
//!
//! Saving goes through [`tapegrad_io::write_atomic`]: a temporary file
//! `.NAME.tmp-PID-NONCE` in the target's folder, fsync, rename over the target, fsync of the
//! folder. A crash at any point leaves either the old file or the new one at the target
//! path, never a mix; a failed save removes its temporary file; and each save first removes
//! the temporaries of its own target left by processes that no longer exist (a process
//! killed mid-save cannot remove its own). See `tapegrad_io` for the exact rules.

use crate::codec::{decode, encode};
use crate::{Checkpoint, CheckpointError};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::Path;

/// The magic bytes every checkpoint starts with.
pub const MAGIC: &[u8; 8] = b"TPGRADCK";
/// The format version this build writes and reads. Version 2 (scheduler states with signed
/// step counts and `_step_count`, optimizer group values, wide state buffers) cannot read
/// version 1's payload, so older files are refused with a clear error.
pub const FORMAT_VERSION: u32 = 2;
const PREFIX: usize = 28;
const CRC_LEN: usize = 4;

/// What a checkpoint holds, readable without decoding the payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The writer (`"tapegrad-checkpoint 0.1.0"`).
    pub created_by: String,
    /// Name and shape of every param, in order.
    pub tensors: Vec<(String, Vec<u64>)>,
    /// The optimizer's name, if its state is inside.
    pub optimizer: Option<String>,
    /// The scheduler's name, if its state is inside.
    pub scheduler: Option<String>,
    /// Epochs completed.
    pub epoch: u64,
    /// Steps completed.
    pub step: u64,
    /// Names of the saved random generators.
    pub rngs: Vec<String>,
    /// Number of metadata entries.
    pub metadata_entries: u64,
}

impl Header {
    fn describe(cp: &Checkpoint) -> Header {
        Header {
            created_by: format!("tapegrad-checkpoint {}", env!("CARGO_PKG_VERSION")),
            tensors: cp
                .params
                .iter()
                .map(|t| (t.name.clone(), t.shape.clone()))
                .collect(),
            optimizer: cp.optimizer.as_ref().map(|o| o.optimizer.clone()),
            scheduler: cp.scheduler.as_ref().map(|s| s.scheduler.clone()),
            epoch: cp.epoch,
            step: cp.step,
            rngs: cp.rngs.iter().map(|(n, _)| n.clone()).collect(),
            metadata_entries: cp.metadata.len() as u64,
        }
    }
}

/// The bytes of a checkpoint file.
pub fn to_bytes(cp: &Checkpoint) -> Result<Vec<u8>, CheckpointError> {
    let header = encode(&Header::describe(cp), "header")?;
    let payload = encode(cp, "payload")?;
    let mut out = Vec::with_capacity(PREFIX + header.len() + payload.len() + CRC_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&payload);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// The sections of a checkpoint file after the framing checks (magic, version, lengths,
/// checksum).
fn sections(bytes: &[u8]) -> Result<(&[u8], &[u8]), CheckpointError> {
    let truncated = |what: String| CheckpointError::Truncated { what };
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(CheckpointError::NotACheckpoint);
    }
    if bytes.len() < PREFIX + CRC_LEN {
        return Err(truncated(format!(
            "{} bytes, a checkpoint has at least {}",
            bytes.len(),
            PREFIX + CRC_LEN
        )));
    }
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().expect("4 bytes"));
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().expect("8 bytes"));
    let version = u32_at(8);
    if version != FORMAT_VERSION {
        return Err(CheckpointError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let (h, p) = (u64_at(12), u64_at(20));
    let expected = (PREFIX as u64 + CRC_LEN as u64)
        .checked_add(h)
        .and_then(|x| x.checked_add(p));
    if expected != Some(bytes.len() as u64) {
        return Err(truncated(format!(
            "header ({h} bytes) and payload ({p} bytes) need {} bytes, the file has {}",
            expected.map_or("more than 2^64".to_string(), |e| e.to_string()),
            bytes.len()
        )));
    }
    let body = bytes.len() - CRC_LEN;
    let stored = u32_at(body);
    let computed = crc32fast::hash(&bytes[..body]);
    if stored != computed {
        return Err(CheckpointError::ChecksumMismatch { stored, computed });
    }
    let h = h as usize; // fits: h <= bytes.len()
    Ok((&bytes[PREFIX..PREFIX + h], &bytes[PREFIX + h..body]))
}

/// Reads only the header (after checking the whole file's framing and checksum).
pub fn header_from_bytes(bytes: &[u8]) -> Result<Header, CheckpointError> {
    let (h, _) = sections(bytes)?;
    decode(h, "header")
}

/// Parses a checkpoint file's bytes.
pub fn from_bytes(bytes: &[u8]) -> Result<Checkpoint, CheckpointError> {
    let (h, p) = sections(bytes)?;
    let header: Header = decode(h, "header")?;
    let cp: Checkpoint = decode(p, "payload")?;
    for t in &cp.params {
        t.checked_shape()?;
    }
    let listed = header
        .tensors
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_slice()));
    let stored = cp
        .params
        .iter()
        .map(|t| (t.name.as_str(), t.shape.as_slice()));
    if !listed.eq(stored) {
        return Err(CheckpointError::Corrupt {
            section: "header".into(),
            message: "the tensors it lists differ from the payload's".into(),
        });
    }
    Ok(cp)
}

fn io<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> CheckpointError + 'a {
    move |source| CheckpointError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Reads a checkpoint file.
pub fn load(path: impl AsRef<Path>) -> Result<Checkpoint, CheckpointError> {
    let path = path.as_ref();
    let bytes = fs::read(path).map_err(io("reading", path))?;
    from_bytes(&bytes)
}

/// Reads a checkpoint file's header (the whole file is still checked).
pub fn load_header(path: impl AsRef<Path>) -> Result<Header, CheckpointError> {
    let path = path.as_ref();
    let bytes = fs::read(path).map_err(io("reading", path))?;
    header_from_bytes(&bytes)
}

/// Writes a checkpoint atomically and durably with [`tapegrad_io::write_atomic`] (see the
/// module docs): on any failure the file at `path` is unchanged and no temporary file is
/// left; a save also removes the temporaries of `path` that killed processes left behind.
pub fn save(path: impl AsRef<Path>, cp: &Checkpoint) -> Result<(), CheckpointError> {
    Ok(tapegrad_io::write_atomic(path, &to_bytes(cp)?)?)
}
