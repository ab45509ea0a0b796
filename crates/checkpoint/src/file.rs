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
//! lengths add up to the file's size, the checksum, then decodes header and payload with the
//! decoder bounded by each section's length, and checks every tensor's shape against its data.
//! Any failure is a typed error; no input makes it panic or allocate beyond the file's size.
//!
//! Saving writes a temporary file in the target's folder, fsyncs it, renames it over the
//! target and fsyncs the folder: a crash at any point leaves either the old file or the new
//! one at the target path, never a mix.

use crate::codec::{decode, encode};
use crate::{Checkpoint, CheckpointError};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The magic bytes every checkpoint starts with.
pub const MAGIC: &[u8; 8] = b"TPGRADCK";
/// The format version this build writes (and the newest it reads).
pub const FORMAT_VERSION: u32 = 1;
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
    if version == 0 || version > FORMAT_VERSION {
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
    let listed: Vec<(&str, &[u64])> = header
        .tensors
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_slice()))
        .collect();
    let stored: Vec<(&str, &[u64])> = cp
        .params
        .iter()
        .map(|t| (t.name.as_str(), t.shape.as_slice()))
        .collect();
    if listed != stored {
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

/// Writes a checkpoint atomically and durably (see the module docs).
pub fn save(path: impl AsRef<Path>, cp: &Checkpoint) -> Result<(), CheckpointError> {
    write_atomic(path.as_ref(), &to_bytes(cp)?, None)
}

/// Writes `bytes` to `path` through a temporary file in the same folder, fsync and rename.
/// `fail_after` (tests only) makes the write fail after that many bytes, as a full disk would.
pub(crate) fn write_atomic(
    path: &Path,
    bytes: &[u8],
    fail_after: Option<usize>,
) -> Result<(), CheckpointError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| CheckpointError::Io {
        action: "writing",
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file"),
    })?;
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(
        ".{}.tmp-{}-{nonce}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io("creating", &tmp))?;
        match fail_after {
            Some(n) => {
                f.write_all(&bytes[..n.min(bytes.len())])
                    .map_err(io("writing", &tmp))?;
                return Err(CheckpointError::Io {
                    action: "writing",
                    path: tmp.clone(),
                    source: std::io::Error::other("simulated failure (disk full)"),
                });
            }
            None => f.write_all(bytes).map_err(io("writing", &tmp))?,
        }
        f.sync_all().map_err(io("syncing", &tmp))?;
        drop(f);
        fs::rename(&tmp, path).map_err(io("renaming into place", path))?;
        // Make the rename itself durable. Not every platform can fsync a folder; the data is
        // already synced, so a failure here is not an error.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
