//! `Dropout`: zeroes each element with probability `p` in training mode and scales the rest by
//! `1 / (1 - p)` (PyTorch's inverted dropout); the identity in eval mode.
//!
//! The mask comes from the layer's own seeded [`Rng`], so a run is reproducible, and the
//! generator's state can be read and restored ([`Dropout::rng_state`],
//! [`Dropout::set_rng_state`], or [`Module::named_rngs`] for a whole network) so a resumed
//! checkpoint draws the same masks as an uninterrupted run.

use crate::Module;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use tapegrad_tensor::{Rng, Tensor, Var};

/// Inverted dropout with a seeded generator (PyTorch's `nn.Dropout(p)`).
pub struct Dropout {
    p: f32,
    training: AtomicBool,
    rng: Mutex<Rng>,
}

impl Dropout {
    /// Drops with probability `p` using `rng` (e.g. `rng_from_seed(0)`). Panics unless
    /// `0 <= p <= 1`, with PyTorch's message.
    #[track_caller]
    pub fn new(p: f32, rng: Rng) -> Dropout {
        if !(0.0..=1.0).contains(&p) {
            panic!("dropout probability has to be between 0 and 1, but got {p}");
        }
        Dropout {
            p,
            training: AtomicBool::new(true),
            rng: Mutex::new(rng),
        }
    }

    /// The drop probability.
    pub fn p(&self) -> f32 {
        self.p
    }

    fn rng(&self) -> std::sync::MutexGuard<'_, Rng> {
        // A panic while drawing cannot leave the generator half-updated in a way that matters
        // (it is a counter-based stream), so a poisoned lock is still usable.
        self.rng.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of the generator's current state (serde-serializable, for checkpoints).
    pub fn rng_state(&self) -> Rng {
        self.rng().clone()
    }

    /// Replaces the generator's state.
    pub fn set_rng_state(&self, rng: Rng) {
        *self.rng() = rng;
    }

    /// The scaled keep-mask for a given shape: `1/(1-p)` where kept, 0 where dropped.
    fn mask(&self, shape: &[usize]) -> Tensor {
        if self.p >= 1.0 {
            return Tensor::zeros(shape);
        }
        let keep = 1.0 - self.p;
        let scale = 1.0 / keep;
        let u = Tensor::rand_uniform(shape, 0.0, 1.0, &mut *self.rng());
        u.map(|u| if u < keep { scale } else { 0.0 })
    }
}

impl Module for Dropout {
    fn forward(&self, x: &Var) -> Var {
        if !self.training.load(Ordering::Relaxed) || self.p == 0.0 {
            return x.clone();
        }
        x.mul(&x.constant_like(self.mask(x.shape())))
    }

    fn set_local_training(&self, training: bool) {
        self.training.store(training, Ordering::Relaxed);
    }

    fn local_training(&self) -> Option<bool> {
        Some(self.training.load(Ordering::Relaxed))
    }

    fn local_rng(&self) -> Option<Rng> {
        Some(self.rng_state())
    }

    fn set_local_rng(&self, rng: Rng) -> bool {
        self.set_rng_state(rng);
        true
    }

    fn describe(&self) -> String {
        format!("Dropout(p={})", self.p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tapegrad_tensor::{rng_from_seed, Tape};

    #[test]
    fn train_drops_and_scales_eval_is_identity() {
        let d = Dropout::new(0.25, rng_from_seed(5));
        let x = Tensor::ones(&[100, 100]);
        let y = d.predict(&x);
        let kept = y.as_slice().iter().filter(|&&v| v != 0.0).count();
        assert!(y
            .as_slice()
            .iter()
            .all(|&v| v == 0.0 || (v - 1.0 / 0.75).abs() < 1e-6));
        let frac = kept as f32 / 10_000.0;
        assert!((frac - 0.75).abs() < 0.02, "kept {frac}");
        d.eval();
        assert!(!d.is_training());
        assert_eq!(d.predict(&x), x);
        d.train();
        assert!(d.is_training());
    }

    #[test]
    fn gradient_is_the_mask() {
        let d = Dropout::new(0.5, rng_from_seed(1));
        let tape = Tape::new();
        let x = tape.leaf(Tensor::full(&[4, 8], 3.0));
        let y = d.forward(&x);
        let g = y.sum().backward();
        let mask = y.value().map(|v| v / 3.0);
        assert_eq!(g.get(&x).unwrap(), &mask);
    }

    #[test]
    fn seeded_and_resumable() {
        let x = Tensor::ones(&[16, 16]);
        let (a, b) = (
            Dropout::new(0.3, rng_from_seed(9)),
            Dropout::new(0.3, rng_from_seed(9)),
        );
        assert_eq!(a.predict(&x), b.predict(&x));
        // Save the state, draw, restore: the same mask again.
        let saved = a.rng_state();
        let first = a.predict(&x);
        assert_ne!(first, a.predict(&x), "successive masks differ");
        a.set_rng_state(saved.clone());
        assert_eq!(a.predict(&x), first);
        // Through the Module interface too.
        assert_eq!(a.named_rngs().len(), 1);
        assert!(a.load_rngs(&[(String::new(), saved)]).is_empty());
        assert_eq!(a.predict(&x), first);
    }

    #[test]
    fn extremes() {
        let x = Tensor::ones(&[3, 3]);
        assert_eq!(Dropout::new(0.0, rng_from_seed(0)).predict(&x), x);
        assert_eq!(
            Dropout::new(1.0, rng_from_seed(0)).predict(&x),
            Tensor::zeros(&[3, 3])
        );
    }

    #[test]
    #[should_panic(expected = "dropout probability has to be between 0 and 1, but got 1.5")]
    fn bad_p() {
        Dropout::new(1.5, rng_from_seed(0));
    }
}
