//! [`AveragedModel`], as PyTorch's `torch.optim.swa_utils.AveragedModel`: a copy of a model
//! whose params are a running average of another model's, for stochastic weight averaging
//! (SWA, Izmailov et al. 2018) or an exponential moving average (EMA). Pair SWA with the
//! `SWALR` scheduler of `tapegrad::optim`.
//!
//! ```text
//! first update:      avg = p
//! SWA (the default): avg = avg + (p - avg) / (n_averaged + 1)     (PyTorch's CPU path)
//! EMA(decay):        avg = lerp(avg, p, 1 - decay)                (get_ema_multi_avg_fn)
//! ```
//!
//! PyTorch deep-copies the model; here you pass the copy (another instance of the same
//! architecture: its values are replaced at the first update). Its state-dict names are
//! PyTorch's: `module.fc1.weight`, ...
//!
//! ```
//! use tapegrad_nn::{Averaging, AveragedModel, Linear, Module};
//! use tapegrad_tensor::{rng_from_seed, Tensor};
//! let mut rng = rng_from_seed(0);
//! let model = Linear::new(2, 1, &mut rng);
//! let mut swa = AveragedModel::new(Linear::new(2, 1, &mut rng), Averaging::Swa);
//! for w in [1.0, 2.0, 6.0] {
//!     model.weight.set_value(Tensor::full(&[1, 2], w));
//!     swa.update_parameters(&model);
//! }
//! assert_eq!(swa.module().weight.value().to_vec(), vec![3.0, 3.0]); // (1 + 2 + 6) / 3
//! assert_eq!(swa.n_averaged(), 3);
//! assert_eq!(swa.named_params()[0].0, "module.weight");
//! ```

use crate::Module;
use tapegrad_tensor::{Tensor, Var};

/// How an [`AveragedModel`] averages.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Averaging {
    /// The equal-weight running mean of every update (PyTorch's default, SWA).
    Swa,
    /// An exponential moving average (PyTorch's `get_ema_multi_avg_fn(decay)`).
    Ema {
        /// The weight kept from the average at each update (in [0, 1]; PyTorch's default
        /// 0.999).
        decay: f64,
    },
}

/// A model whose params average another model's over time.
pub struct AveragedModel<M: Module> {
    module: M,
    averaging: Averaging,
    n_averaged: u64,
}

impl<M: Module> AveragedModel<M> {
    /// An average held in `module` (an instance of the averaged model's architecture).
    /// Panics on an EMA decay outside [0, 1], as PyTorch raises.
    #[track_caller]
    pub fn new(module: M, averaging: Averaging) -> Self {
        if let Averaging::Ema { decay } = averaging {
            assert!(
                (0.0..=1.0).contains(&decay),
                "AveragedModel: invalid decay value {decay} provided; please provide a value in [0, 1]"
            );
        }
        AveragedModel {
            module,
            averaging,
            n_averaged: 0,
        }
    }

    /// The model holding the average.
    pub fn module(&self) -> &M {
        &self.module
    }

    /// Updates taken so far (PyTorch's `n_averaged`).
    pub fn n_averaged(&self) -> u64 {
        self.n_averaged
    }

    /// Folds `model`'s current params into the average (the first update copies them).
    /// Panics, changing nothing, if `model`'s params differ from the average's in number or
    /// shape (another architecture: a programmer error).
    #[track_caller]
    pub fn update_parameters(&mut self, model: &dyn Module) {
        let (mine, theirs) = (self.module.params(), model.params());
        let shapes =
            |ps: &[tapegrad_tensor::Param]| ps.iter().map(|p| p.shape()).collect::<Vec<_>>();
        assert!(
            shapes(&mine) == shapes(&theirs),
            "AveragedModel::update_parameters: the model's params {:?} differ from the average's {:?}",
            shapes(&theirs),
            shapes(&mine)
        );
        let n = self.n_averaged as f64;
        for (avg, p) in mine.iter().zip(&theirs) {
            let current = p.value();
            let next = if self.n_averaged == 0 {
                current
            } else {
                let a = avg.value();
                match self.averaging {
                    Averaging::Swa => {
                        let k = 1.0 / (n + 1.0);
                        a.zip_map(&current, "AveragedModel", |a, c| a + (c - a) * k as f32)
                    }
                    Averaging::Ema { decay } => {
                        let w = (1.0 - decay) as f32;
                        a.zip_map(&current, "AveragedModel", |a, c| lerp(a, c, w))
                    }
                }
            };
            avg.set_value(next);
        }
        self.n_averaged += 1;
    }
}

/// PyTorch's `lerp` as its CPU kernel rounds it (one fused multiply-add).
fn lerp(start: f32, end: f32, weight: f32) -> f32 {
    if weight.abs() < 0.5 {
        weight.mul_add(end - start, start)
    } else {
        (weight - 1.0).mul_add(end - start, end)
    }
}

impl<M: Module> Module for AveragedModel<M> {
    fn forward(&self, x: &Var) -> Var {
        self.module.forward(x)
    }

    fn children(&self) -> Vec<(&str, &dyn Module)> {
        vec![("module", &self.module as &dyn Module)]
    }

    fn describe(&self) -> String {
        format!("AveragedModel({})", self.module.describe())
    }
}

/// Predicting with the average is predicting with its module (a shorthand).
impl<M: Module> AveragedModel<M> {
    /// The averaged model's output for `x`, without recording anything.
    pub fn predict_averaged(&self, x: &Tensor) -> Tensor {
        self.module.predict(x)
    }
}
