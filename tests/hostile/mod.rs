//! Crafted hostile inputs of issue 17, rebuilt from their descriptions, shared by the tests
//! at the repository's root (regressions, fuzz corpus replay, memory bounds). Each test
//! binary uses a part of them.
#![allow(dead_code)]

pub mod checkpoint;
pub mod csv;
pub mod safetensors;

/// Which loader an input is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loader {
    /// `tapegrad_checkpoint::from_bytes`.
    Checkpoint,
    /// `tapegrad_nn::parse_safetensors`.
    Safetensors,
    /// `tapegrad_data::csv::read_csv`.
    Csv,
}

/// Every crafted input, named, with its loader.
pub fn all() -> Vec<(&'static str, Loader, Vec<u8>)> {
    use Loader::*;
    vec![
        (
            "checkpoint: scheduler nested 9,191 deep",
            Checkpoint,
            checkpoint::deep_scheduler(checkpoint::ISSUE_DEPTH),
        ),
        (
            "checkpoint: scheduler nested 32 deep",
            Checkpoint,
            checkpoint::deep_scheduler(32),
        ),
        (
            "checkpoint: 40 levels claiming 2^40 children",
            Checkpoint,
            checkpoint::deep_scheduler_claiming(40, 1 << 40),
        ),
        (
            "checkpoint: shape [0, 2^40, 2^40]",
            Checkpoint,
            checkpoint::huge_shape(),
        ),
        (
            "checkpoint: 100,000 empty tensors",
            Checkpoint,
            checkpoint::many_empty_tensors(100_000),
        ),
        (
            "checkpoint: 200,000 empty metadata entries",
            Checkpoint,
            checkpoint::many_empty_metadata(200_000),
        ),
        (
            "csv: 120,000 columns",
            Csv,
            csv::wide_header(120_000).into_bytes(),
        ),
        (
            "csv: 120,000 columns, last one repeated",
            Csv,
            csv::wide_header_duplicate(120_000).into_bytes(),
        ),
        (
            "csv: 160,000 split names",
            Csv,
            csv::many_splits(160_000).into_bytes(),
        ),
        (
            "csv: 200,000 short split names",
            Csv,
            csv::many_short_splits(200_000).into_bytes(),
        ),
        (
            "csv: 250,000 rows of 0,0",
            Csv,
            csv::many_short_rows(250_000).into_bytes(),
        ),
        (
            "csv: 500,000 empty fields",
            Csv,
            csv::many_empty_fields(500_000).into_bytes(),
        ),
        (
            "safetensors: 200,000 dimensions of 1",
            Safetensors,
            safetensors::long_shape(200_000),
        ),
        (
            "safetensors: 20,000 empty tensors",
            Safetensors,
            safetensors::many_tensors(20_000),
        ),
        (
            "safetensors: shape [0, 2^40, 2^40]",
            Safetensors,
            safetensors::huge_shape(),
        ),
    ]
}
