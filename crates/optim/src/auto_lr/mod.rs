//! Automatic learning rates: tools that pick or learn the rate instead of asking for it.
//!
//! - [`lr_range_test`] (`range_test.rs`): Smith's LR range test ("Cyclical Learning Rates
//!   for Training Neural Networks", 2017): grow the rate exponentially over a short run,
//!   record the loss, stop when it diverges, restore the model and the optimizer, and suggest
//!   a rate from the curve.
//! - [`SgdHd`] and [`AdamHd`] (`hypergradient.rs`, `sgd_hd.rs`, `adam_hd.rs`): hypergradient
//!   descent (Baydin et al., "Online Learning Rate Adaptation with Hypergradient Descent",
//!   ICLR 2018): optimizers that learn their rate online from the dot product of consecutive
//!   update directions.

mod adam_hd;
mod hypergradient;
mod range_test;
mod sgd_hd;

pub use adam_hd::{AdamHd, AdamHdConfig, AdamHdState};
pub use hypergradient::{HdRule, Hypergradient};
pub use range_test::{lr_range_test, LrRangeTest, LrRangeTestConfig};
pub use sgd_hd::{SgdHd, SgdHdConfig, SgdHdState};
