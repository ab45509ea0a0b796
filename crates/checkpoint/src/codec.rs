//! The one place bincode is used (pinned to 2.0.1; keep it behind this module).
//!
//! Decoding goes through the guard of `guard.rs`, which bounds nesting depth and the memory
//! the decoded values take, whatever the record types are, and reads strings borrowed, so
//! that no length prefix makes bincode allocate before the bytes are known to be there.

use crate::guard::{self, Limits, Tripped, MAX_DEPTH, MEMORY_FIXED, MEMORY_PER_BYTE};
use crate::CheckpointError;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Encodes a value.
pub(crate) fn encode<T: Serialize>(
    value: &T,
    section: &'static str,
) -> Result<Vec<u8>, CheckpointError> {
    bincode::serde::encode_to_vec(value, bincode::config::standard()).map_err(|e| {
        CheckpointError::Encode {
            section,
            message: e.to_string(),
        }
    })
}

/// Decodes a value that must fill `bytes` exactly, within the guard's limits.
pub(crate) fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    section: &str,
) -> Result<T, CheckpointError> {
    let corrupt = |message: String| CheckpointError::Corrupt {
        section: section.to_string(),
        message,
    };
    let limits = Limits::for_section(bytes.len());
    let decoded = bincode::serde::seed_decode_from_slice(
        guard::seed::<T>(&limits),
        bytes,
        bincode::config::standard(),
    );
    match (decoded, limits.tripped()) {
        (Ok((value, used)), _) if used == bytes.len() => Ok(value),
        (Ok((_, used)), _) => Err(corrupt(format!("{} trailing bytes", bytes.len() - used))),
        (Err(_), Some(Tripped::Depth)) => Err(CheckpointError::TooDeep {
            section: section.to_string(),
            limit: MAX_DEPTH,
        }),
        (Err(_), Some(Tripped::Memory)) => Err(CheckpointError::TooLarge {
            section: section.to_string(),
            size: bytes.len(),
            limit: limits.memory_budget(),
            per_byte: MEMORY_PER_BYTE,
            fixed: MEMORY_FIXED,
        }),
        (Err(e), None) => Err(corrupt(e.to_string())),
    }
}
