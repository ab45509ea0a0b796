//! # tapegrad-data
//!
//! Feeding data to a model and looking at the results: the [`Dataset`] trait (yours, or the
//! ones here: [`TensorDataset`] of inputs with class indices or value targets of any shape,
//! [`TokenWindows`] for language models, [`Subset`] and [`random_split`]), transforms
//! ([`Normalize`], [`one_hot`], [`Dataset::map_batches`]), a [`DataLoader`] (batching,
//! seeded shuffling that a checkpoint can resume exactly, `drop_last`), CSV loading to
//! classes or regression targets whose errors name the file, line and column ([`csv`]),
//! metrics ([`metrics`]: accuracy, precision/recall/F1, confusion matrix, MSE/MAE) and SVG
//! line charts ([`plot`]).
//!
//! Orientation: `dataset.rs` (the trait, [`Subset`], [`random_split`]); `tensor_dataset.rs`
//! ([`TensorDataset`], [`Batch`]); `windows.rs` ([`TokenWindows`]); `transform.rs`;
//! `loader.rs` ([`DataLoader`]); `csv/` (the reader, bounded and panic-free on any bytes;
//! `target.rs` says what the target columns hold); `metrics.rs`; `plot.rs` (plotters' SVG
//! backend, no system fonts).
//!
//! ```
//! use tapegrad_data::csv::{read_csv, CsvOptions};
//! use tapegrad_data::DataLoader;
//! let text = "label,x0,x1\n0,0,16\n1,16,0\n0,1,15\n";
//! let table = read_csv(text.as_bytes(), "tiny.csv", &CsvOptions::new("label", 2)).unwrap();
//! let data = table.dataset.map_features(|v| v / 16.0);
//! let mut loader = DataLoader::new(2).shuffle(0);
//! for batch in loader.epoch(&data) {
//!     assert_eq!(batch.x.shape()[1], 2);
//! }
//! ```
#![warn(missing_docs)]

pub mod csv;
mod dataset;
mod loader;
pub mod metrics;
pub mod plot;
mod tensor_dataset;
mod transform;
mod windows;

pub use csv::{load_csv, read_csv, CsvError, CsvOptions, LabeledCsv};
pub use dataset::{random_split, Dataset, MapBatches, Subset};
pub use loader::{Batches, CursorError, DataLoader, EpochCursor};
pub use metrics::{accuracy, argmax_rows, RunningMean};
pub use tensor_dataset::{Batch, Rows, TensorDataset};
pub use transform::{one_hot, Normalize};
pub use windows::TokenWindows;
