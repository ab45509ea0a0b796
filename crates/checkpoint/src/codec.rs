//! The one place bincode is used (pinned to 2.0.1; keep it behind this module).
//!
//! Decoding reads from a slice whose length the caller has already checked against the file.
//! Trap: bincode allocates a string's buffer from its length prefix *before* reading it, and
//! checks that prefix only against the configured limit. The limit is a const generic, so
//! `decode` picks the smallest power of two at least the slice's length: no length prefix can
//! make the decoder allocate more than about twice the section's size. (Sequences decoded
//! through serde are preallocated cautiously, at most 1 MiB each, and then grow only as
//! elements are actually read.)

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

/// Decodes with the limit `2^exp` bytes.
macro_rules! decode_limited {
    ($bytes:expr, $exp:expr, $($e:literal)*) => {
        match $exp {
            $( $e => bincode::serde::decode_from_slice::<T, _>(
                $bytes,
                bincode::config::standard().with_limit::<{ 1usize << $e }>(),
            ), )*
            _ => return Err(format!("section of {} bytes is too large", $bytes.len())),
        }
    };
}

fn decode_bounded<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, usize), String> {
    let exp = bytes
        .len()
        .saturating_mul(8)
        .max(1024)
        .next_power_of_two()
        .trailing_zeros();
    let r = decode_limited!(bytes, exp, 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40);
    r.map_err(|e| e.to_string())
}

/// Decodes a value that must fill `bytes` exactly.
pub(crate) fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    section: &str,
) -> Result<T, CheckpointError> {
    let corrupt = |message: String| CheckpointError::Corrupt {
        section: section.to_string(),
        message,
    };
    let (value, used) = decode_bounded::<T>(bytes).map_err(corrupt)?;
    if used != bytes.len() {
        return Err(corrupt(format!("{} trailing bytes", bytes.len() - used)));
    }
    Ok(value)
}
