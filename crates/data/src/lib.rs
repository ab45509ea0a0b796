//! # tapegrad-data
//!
//! Feeding data to a model and looking at the results: an in-memory [`Dataset`] of labelled
//! examples, a [`DataLoader`] (batching, seeded shuffling that a checkpoint can resume,
//! `drop_last`), CSV loading whose errors name the file, line and column ([`csv`]), metrics
//! ([`metrics`]: accuracy, argmax, a running mean) and SVG line charts ([`plot`]).
//!
//! Orientation: `dataset.rs` ([`Dataset`], [`Batch`]); `loader.rs` ([`DataLoader`]);
//! `csv.rs` (the reader, bounded and panic-free on any bytes); `metrics.rs`; `plot.rs`
//! (plotters' SVG backend, no system fonts).
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

pub use csv::{load_csv, CsvError, CsvOptions, LabeledCsv};
pub use dataset::{Batch, Dataset};
pub use loader::{Batches, DataLoader};
pub use metrics::{accuracy, argmax_rows, RunningMean};
