//! Crafted checkpoint files (issue 17), rebuilt from their descriptions. Each is framed
//! correctly with a valid checksum, so the bytes reach the decoder.

use tapegrad_checkpoint::{to_bytes, Checkpoint, NamedTensor};
use tapegrad_optim::sched::SchedulerState;

/// The issue's nesting depth: a scheduler state whose `children` nest this many levels.
pub const ISSUE_DEPTH: usize = 9_191;

/// A checkpoint whose scheduler state is a chain of `levels` `SequentialLR` states, each the
/// only child of the one above (`levels` = 0: a single state without children).
///
/// Built through `serde_json` from the default state with only the `children` field set, so
/// it follows the scheduler record whatever its other fields are. Building and dropping a
/// value this deep recurses, so it happens on a thread with a large stack.
pub fn deep_scheduler(levels: usize) -> Vec<u8> {
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || {
            let mut template = serde_json::to_value(SchedulerState::default()).unwrap();
            template["scheduler"] = "SequentialLR".into();
            assert!(template.get("children").is_some(), "{template}");
            let mut state = template.clone();
            for _ in 0..levels {
                let mut parent = template.clone();
                parent["children"] = serde_json::Value::Array(vec![state]);
                state = parent;
            }
            let state: SchedulerState = serde_json::from_value(state).unwrap();
            let cp = Checkpoint {
                scheduler: Some(state),
                ..Default::default()
            };
            to_bytes(&cp).unwrap()
        })
        .unwrap()
        .join()
        .unwrap()
}

/// How deep the chain of children of a decoded scheduler state goes (iteratively).
pub fn nesting(state: &SchedulerState) -> usize {
    let mut depth = 0;
    let mut s = state;
    while let Some(child) = s.children.first() {
        depth += 1;
        s = child;
    }
    depth
}

/// Drops a deeply nested state without deep recursion on the caller's stack.
pub fn drop_deep(cp: Checkpoint) {
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || drop(cp))
        .unwrap()
        .join()
        .unwrap();
}

/// The issue's 117-byte checkpoint: one param `w` of shape `[0, 2^40, 2^40]` and no data.
pub fn huge_shape() -> Vec<u8> {
    let cp = Checkpoint {
        params: vec![NamedTensor {
            name: "w".into(),
            shape: vec![0, 1 << 40, 1 << 40],
            data: vec![],
        }],
        ..Default::default()
    };
    to_bytes(&cp).unwrap()
}

/// `n` params named `""` of shape `[0]` (3 bytes each in the header, 4 in the payload, and
/// dozens in memory): the widest in-memory records per byte a checkpoint can hold.
pub fn many_empty_tensors(n: usize) -> Vec<u8> {
    let cp = Checkpoint {
        params: (0..n)
            .map(|_| NamedTensor {
                name: String::new(),
                shape: vec![0],
                data: vec![],
            })
            .collect(),
        ..Default::default()
    };
    to_bytes(&cp).unwrap()
}

/// `n` metadata entries of two empty strings (2 bytes each, 48 in memory).
pub fn many_empty_metadata(n: usize) -> Vec<u8> {
    let cp = Checkpoint {
        metadata: vec![(String::new(), String::new()); n],
        ..Default::default()
    };
    to_bytes(&cp).unwrap()
}

/// A chain of `levels` scheduler states whose every list of children claims `claim`
/// elements but holds one: each claim invites serde to preallocate up to 1 MiB.
pub fn deep_scheduler_claiming(levels: usize, claim: u64) -> Vec<u8> {
    let honest = deep_scheduler(levels);
    // In the payload, each level's children list is the varint 1 followed by the child,
    // which starts with the length of its name "SequentialLR" (12) and the name: find those
    // and widen the count in front of each to a u64 varint (0xfd + 8 bytes).
    let h = u64::from_le_bytes(honest[12..20].try_into().unwrap()) as usize;
    let (start, end) = (28 + h, honest.len() - 4);
    let payload = &honest[start..end];
    let marker = b"\x0cSequentialLR";
    let mut out = Vec::with_capacity(payload.len() + 8 * levels);
    let mut i = 0;
    let mut first = true;
    while i < payload.len() {
        if payload[i..].starts_with(marker) {
            if !first && out.last() == Some(&1) {
                out.pop();
                out.push(0xfd);
                out.extend_from_slice(&claim.to_le_bytes());
            }
            first = false;
        }
        out.push(payload[i]);
        i += 1;
    }
    reseal(&honest, &out)
}

/// A checkpoint file's framing around a new payload, with lengths and checksum made valid.
pub fn reseal(file: &[u8], payload: &[u8]) -> Vec<u8> {
    let h = u64::from_le_bytes(file[12..20].try_into().unwrap()) as usize;
    let mut out = file[..28 + h].to_vec();
    out[20..28].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}
