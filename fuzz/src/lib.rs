//! The loaders of untrusted bytes, driven as a program uses them, with the invariants a load
//! must keep. The fuzz targets (`fuzz_targets/`) call these on every input libFuzzer makes;
//! `tests/fuzz_replay.rs` at the repository's root includes this file and calls them on the
//! checked-in corpus (`fuzz/corpus/`) and the crafted inputs of issue 17 on every
//! `cargo test`, on stable Rust.
//!
//! A panic anywhere (in a loader, or in an invariant below) is a finding.
#![allow(dead_code)]

use tapegrad_checkpoint::{from_bytes, header_from_bytes, to_bytes};
use tapegrad_data::csv::{read_csv, CsvError, CsvOptions};
use tapegrad_nn::{load_safetensors_bytes, parse_safetensors, Linear};
use tapegrad_tensor::Tensor;

/// What a loader made of an input.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Loaded, and every invariant held.
    Loaded,
    /// Refused with a typed error (its message).
    Refused(String),
}

/// A checkpoint file: `from_bytes` on the input as it is, then on the input with its framing
/// made valid ([`seal`]: magic, lengths, checksum), so that mutations reach the decoder
/// instead of stopping at the checksum. On success every tensor builds, the header agrees,
/// and encoding again and decoding gives the same bytes. The outcome is the sealed input's.
pub fn checkpoint(data: &[u8]) -> Outcome {
    let _ = checkpoint_as_is(data);
    checkpoint_as_is(&seal(data))
}

/// The input with a valid checkpoint framing: its bytes 28.. (less the last 4) become the
/// sections, split where its header length says (clamped), with the magic, the lengths and
/// the checksum written to fit. A valid file is sealed into itself.
pub fn seal(data: &[u8]) -> Vec<u8> {
    const PREFIX: usize = 28;
    if data.len() < PREFIX + 4 {
        return data.to_vec();
    }
    let body = &data[PREFIX..data.len() - 4];
    let h = u64::from_le_bytes(data[12..20].try_into().expect("8 bytes")).min(body.len() as u64);
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(tapegrad_checkpoint::MAGIC);
    out.extend_from_slice(&data[8..12]);
    out.extend_from_slice(&h.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64 - h).to_le_bytes());
    out.extend_from_slice(body);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

fn checkpoint_as_is(data: &[u8]) -> Outcome {
    let header = header_from_bytes(data);
    let cp = match from_bytes(data) {
        Ok(cp) => cp,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    let header = header.expect("a checkpoint that loads has a readable header");
    assert_eq!(header.tensors.len(), cp.params.len());
    for t in &cp.params {
        let tensor = t.to_tensor().expect("a loaded checkpoint's tensors build");
        assert_eq!(tensor.len(), t.data.len());
    }
    let again = to_bytes(&cp).expect("a loaded checkpoint encodes");
    let back = from_bytes(&again).expect("a re-encoded checkpoint loads");
    assert_eq!(
        to_bytes(&back).expect("encodes"),
        again,
        "encoding round trip"
    );
    Outcome::Loaded
}

/// A safetensors file: `parse_safetensors` (every tensor's element count matches its
/// shape), then a non-strict load into a small module (what fits loads, never a panic).
pub fn safetensors(data: &[u8]) -> Outcome {
    let model = Linear::from_tensors(Tensor::zeros(&[2, 3]), Some(Tensor::zeros(&[2])));
    let loaded = load_safetensors_bytes(&model, data, false);
    let tensors = match parse_safetensors(data, "fuzz") {
        Ok(t) => t,
        Err(e) => {
            assert!(loaded.is_err(), "load accepted what parse refused");
            return Outcome::Refused(e.to_string());
        }
    };
    for (name, t) in &tensors {
        assert_eq!(t.len(), t.shape().iter().product::<usize>(), "{name}");
    }
    assert!(loaded.is_ok(), "a file that parses loads non-strictly");
    Outcome::Loaded
}

/// A CSV file: `read_csv` with a split column `split` if the header has one, else without
/// (every row has a label and a split, each split's rows add up), again with a small line
/// limit, and with two columns read as regression targets.
pub fn csv(data: &[u8]) -> Outcome {
    let small = CsvOptions::new("label", 3).max_line_bytes(64);
    let _ = read_csv(data, "fuzz.csv", &small);
    // Regression targets: two value columns (the label and one feature column of the seeds).
    if let Ok(t) = read_csv(data, "fuzz.csv", &CsvOptions::values(["label", "p0"])) {
        assert_eq!(t.dataset.y().shape(), &[t.dataset.len(), 2]);
    }
    let opts = CsvOptions::new("label", 10);
    let read = match read_csv(data, "fuzz.csv", &opts.clone().split_column("split")) {
        Err(CsvError::MissingColumn { column, .. }) if column == "split" => {
            read_csv(data, "fuzz.csv", &opts)
        }
        other => other,
    };
    let t = match read {
        Ok(t) => t,
        Err(e) => {
            let _ = (e.line(), e.column(), e.file());
            return Outcome::Refused(e.to_string());
        }
    };
    if !t.split_names.is_empty() {
        assert_eq!(t.dataset.len(), t.row_splits.len());
    }
    assert_eq!(t.dataset.dim(), t.feature_names.len());
    // Each split's rows add up (checked for up to 1,000 splits: `split` is linear in the
    // rows, so all of 160,000 would be quadratic in the check itself).
    if (1..=1000).contains(&t.split_names.len()) {
        let rows: usize = t
            .split_names
            .iter()
            .map(|n| t.split(n).expect("a listed split has rows").len())
            .sum();
        assert_eq!(rows, t.dataset.len());
    }
    Outcome::Loaded
}
