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

#[cfg(test)]
mod tests {
    //! The guard on types the checkpoint records do not use today (enums, maps, boxes,
    //! 128-bit integers...), so that records may change without the guard breaking.
    use super::*;
    use serde::Deserialize;
    use std::collections::{BTreeMap, HashMap};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Shape {
        Unit,
        New(u32),
        Pair(i8, String),
        Named { a: Vec<f32>, b: Option<Box<Shape>> },
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct All {
        shapes: Vec<Shape>,
        map: HashMap<String, Vec<u16>>,
        tree: BTreeMap<u8, (bool, char)>,
        unit: (),
        nested: Option<Option<u64>>,
        wide: (i128, u128),
        text: String,
        bytes: Vec<u8>,
    }

    #[test]
    fn every_kind_of_value_round_trips() {
        let all = All {
            shapes: vec![
                Shape::Unit,
                Shape::New(7),
                Shape::Pair(-3, "x".into()),
                Shape::Named {
                    a: vec![1.5, -2.0],
                    b: Some(Box::new(Shape::New(1))),
                },
            ],
            map: HashMap::from([("k".to_string(), vec![1, 2, 3]), (String::new(), vec![])]),
            tree: BTreeMap::from([(1, (true, 'é')), (2, (false, 'z'))]),
            unit: (),
            nested: Some(None),
            wide: (-1 << 100, 1 << 120),
            text: "héllo".into(),
            bytes: vec![0, 255, 7],
        };
        let bytes = encode(&all, "test").unwrap();
        assert_eq!(decode::<All>(&bytes, "test").unwrap(), all);
    }

    #[derive(Debug, Serialize, Deserialize)]
    struct Node {
        next: Option<Box<Node>>,
    }

    fn chain(n: usize) -> Vec<u8> {
        let mut node = Node { next: None };
        for _ in 0..n {
            node = Node {
                next: Some(Box::new(node)),
            };
        }
        encode(&node, "test").unwrap()
    }

    #[test]
    fn depth_is_bounded_whatever_the_type() {
        // Two levels per node (the struct and the option).
        assert!(decode::<Node>(&chain(MAX_DEPTH / 2 - 1), "test").is_ok());
        let e = decode::<Node>(&chain(MAX_DEPTH), "test").unwrap_err();
        assert!(
            matches!(
                e,
                CheckpointError::TooDeep {
                    limit: MAX_DEPTH,
                    ..
                }
            ),
            "{e}"
        );
        // Three levels per enum variant with fields (the enum, the variant's fields, the
        // option).
        let mut shape = Shape::Unit;
        for _ in 0..MAX_DEPTH / 3 + 1 {
            shape = Shape::Named {
                a: vec![],
                b: Some(Box::new(shape)),
            };
        }
        let e = decode::<Shape>(&encode(&shape, "t").unwrap(), "t").unwrap_err();
        assert!(matches!(e, CheckpointError::TooDeep { .. }), "{e}");
    }

    #[test]
    fn wide_values_from_few_bytes_are_refused() {
        // 1 byte per `None`, 264 bytes in memory each.
        let nones: Vec<Option<[u64; 32]>> = vec![None; 10_000];
        let bytes = encode(&nones, "test").unwrap();
        let e = decode::<Vec<Option<[u64; 32]>>>(&bytes, "test").unwrap_err();
        assert!(matches!(e, CheckpointError::TooLarge { .. }), "{e}");
        // The same through a map.
        let map: BTreeMap<u16, Option<[u64; 32]>> = (0..10_000).map(|i| (i, None)).collect();
        let e = decode::<BTreeMap<u16, Option<[u64; 32]>>>(&encode(&map, "t").unwrap(), "t");
        assert!(matches!(e, Err(CheckpointError::TooLarge { .. })));
        // A few are fine (the fixed allowance).
        let few: Vec<Option<[u64; 32]>> = vec![None; 100];
        assert_eq!(
            decode::<Vec<Option<[u64; 32]>>>(&encode(&few, "t").unwrap(), "t").unwrap(),
            few
        );
    }
}
