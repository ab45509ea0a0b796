//! `Linear`: `y = x W^T + b` (PyTorch's `nn.Linear`).

use crate::init;
use crate::Module;
use tapegrad_tensor::{Param, Rng, Tensor, Var};

/// A fully connected layer, `y = x W^T + b`, with PyTorch's layout and initialisation.
///
/// - `weight` has shape `[out_features, in_features]` (PyTorch's layout, so a row of `W` is
///   one output unit's weights, and weights move to and from PyTorch unchanged);
/// - `bias` has shape `[out_features]`;
/// - input `[*, in_features]`, output `[*, out_features]` (any leading axes, as in PyTorch).
///
/// [`Linear::new`] initialises both from uniform(-1/sqrt(in), 1/sqrt(in)), PyTorch's
/// default (its `kaiming_uniform_(a=sqrt(5))` reduces to exactly that bound), drawn from the
/// given seeded generator: weight first, row-major, then bias.
pub struct Linear {
    /// `[out_features, in_features]`.
    pub weight: Param,
    /// `[out_features]`, or `None` for a layer without bias.
    pub bias: Option<Param>,
    in_features: usize,
    out_features: usize,
}

impl Linear {
    /// A layer with bias, initialised as PyTorch does (see the type's docs).
    #[track_caller]
    pub fn new(in_features: usize, out_features: usize, rng: &mut Rng) -> Linear {
        Linear::with_bias(in_features, out_features, true, rng)
    }

    /// A layer with or without bias, initialised as PyTorch does.
    #[track_caller]
    pub fn with_bias(in_features: usize, out_features: usize, bias: bool, rng: &mut Rng) -> Linear {
        let bound = if in_features > 0 {
            1.0 / (in_features as f32).sqrt()
        } else {
            0.0
        };
        let w = init::uniform_tensor(&[out_features, in_features], -bound, bound, rng);
        let b = bias.then(|| init::uniform_tensor(&[out_features], -bound, bound, rng));
        Linear::from_tensors(w, b)
    }

    /// A layer with given values: `weight` `[out, in]`, `bias` `[out]`. Panics naming the
    /// shapes if they do not fit.
    #[track_caller]
    pub fn from_tensors(weight: Tensor, bias: Option<Tensor>) -> Linear {
        if weight.ndim() != 2 {
            panic!(
                "Linear: weight must be [out_features, in_features], got {:?}",
                weight.shape()
            );
        }
        let (out_features, in_features) = (weight.shape()[0], weight.shape()[1]);
        if let Some(b) = &bias {
            if b.shape() != [out_features] {
                panic!(
                    "Linear({in_features}, {out_features}): bias must be [{out_features}], got {:?}",
                    b.shape()
                );
            }
        }
        Linear {
            weight: Param::new("weight", weight),
            bias: bias.map(|b| Param::new("bias", b)),
            in_features,
            out_features,
        }
    }

    /// Number of input features.
    pub fn in_features(&self) -> usize {
        self.in_features
    }

    /// Number of output features.
    pub fn out_features(&self) -> usize {
        self.out_features
    }
}

impl Module for Linear {
    /// `x W^T + b` for `x` of shape `[*, in_features]` (any number of leading axes, as in
    /// PyTorch: `[in]` gives `[out]`, `[N, in]` gives `[N, out]`, `[B, T, in]` gives
    /// `[B, T, out]`). Panics naming the layer, the expected and the actual shape otherwise.
    fn forward(&self, x: &Var) -> Var {
        if x.shape().last() != Some(&self.in_features) {
            panic!(
                "{}: expected input [*, {}], got {:?}",
                self.describe(),
                self.in_features,
                x.shape()
            );
        }
        let tape = x.tape();
        let w = tape.param(&self.weight);
        let b = self.bias.as_ref().map(|b| tape.param(b));
        // Var::linear takes any leading axes (one tape node, free reshapes).
        x.linear(&w, b.as_ref())
    }

    fn local_params(&self) -> Vec<(&str, &Param)> {
        let mut v = vec![("weight", &self.weight)];
        if let Some(b) = &self.bias {
            v.push(("bias", b));
        }
        v
    }

    fn describe(&self) -> String {
        if self.bias.is_some() {
            format!("Linear({}, {})", self.in_features, self.out_features)
        } else {
            format!(
                "Linear({}, {}, bias=false)",
                self.in_features, self.out_features
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tapegrad_tensor::{gradcheck, rng_from_seed, GradcheckOptions, Tape};

    #[test]
    fn default_init_is_pytorch_bound_and_seeded() {
        let l = Linear::new(16, 8, &mut rng_from_seed(3));
        assert_eq!(l.weight.shape(), vec![8, 16]);
        assert_eq!(l.bias.as_ref().unwrap().shape(), vec![8]);
        let bound = 0.25;
        let w = l.weight.value();
        assert!(w.as_slice().iter().all(|x| x.abs() <= bound));
        // The values fill the range (not all crowded near zero).
        assert!(w.as_slice().iter().any(|x| x.abs() > 0.8 * bound));
        let again = Linear::new(16, 8, &mut rng_from_seed(3));
        assert_eq!(again.weight.value(), w);
        let other = Linear::new(16, 8, &mut rng_from_seed(4));
        assert_ne!(other.weight.value(), w);
    }

    #[test]
    fn forward_is_x_wt_plus_b() {
        let w = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        let b = Tensor::from_vec(vec![0.5, -0.5], &[2]);
        let l = Linear::from_tensors(w, Some(b));
        let y = l.predict(&Tensor::from_vec(vec![1.0, 0.0, -1.0], &[1, 3]));
        assert_eq!(y.to_vec(), vec![1.0 - 3.0 + 0.5, 4.0 - 6.0 - 0.5]);
        assert_eq!(l.describe(), "Linear(3, 2)");
    }

    #[test]
    fn any_leading_axes_like_pytorch() {
        let mut rng = rng_from_seed(4);
        let l = Linear::new(3, 2, &mut rng);
        let x = Tensor::randn(&[2, 4, 3], 0.0, 1.0, &mut rng);
        let y = l.predict(&x);
        assert_eq!(y.shape(), &[2, 4, 2]);
        // Each row equals the 2-D forward of that row.
        let rows = l.predict(&x.reshape(&[8, 3]));
        assert_eq!(y.to_vec(), rows.to_vec());
        // A single vector [in] gives [out].
        let v = Tensor::from_vec(x.to_vec()[..3].to_vec(), &[3]);
        let yv = l.predict(&v);
        assert_eq!(yv.shape(), &[2]);
        assert_eq!(yv.to_vec(), rows.to_vec()[..2].to_vec());
        // Gradients flow through the reshapes.
        let report = gradcheck(
            |v| l.forward(&v[0]).sigmoid(),
            &[x],
            &GradcheckOptions::default(),
        );
        assert!(report.passed(), "{report:?}");
    }

    #[test]
    fn gradients_reach_params_and_pass_gradcheck() {
        let mut rng = rng_from_seed(9);
        let l = Linear::new(4, 3, &mut rng);
        let x = Tensor::randn(&[5, 4], 0.0, 1.0, &mut rng);
        // Input gradient through the module, checked numerically.
        let report = gradcheck(
            |v| l.forward(&v[0]).sigmoid(),
            std::slice::from_ref(&x),
            &GradcheckOptions::default(),
        );
        assert!(report.passed(), "{report:?}");
        // Param gradients equal those of the same expression with the weights as plain
        // leaves (whose rules the tensor crate checks against PyTorch).
        l.zero_grad();
        let tape = Tape::new();
        l.forward(&tape.constant(x.clone()))
            .sigmoid()
            .sum()
            .backward();
        let t2 = Tape::new();
        let (w, b) = (
            t2.leaf(l.weight.value()),
            t2.leaf(l.bias.as_ref().unwrap().value()),
        );
        let g = t2
            .constant(x)
            .linear(&w, Some(&b))
            .sigmoid()
            .sum()
            .backward();
        assert_eq!(&l.weight.grad().unwrap(), g.get(&w).unwrap());
        assert_eq!(
            &l.bias.as_ref().unwrap().grad().unwrap(),
            g.get(&b).unwrap()
        );
    }

    #[test]
    fn no_bias() {
        let l = Linear::with_bias(3, 2, false, &mut rng_from_seed(1));
        assert_eq!(l.named_params().len(), 1);
        assert_eq!(l.describe(), "Linear(3, 2, bias=false)");
        let y = l.predict(&Tensor::zeros(&[4, 3]));
        assert_eq!(y.to_vec(), vec![0.0; 8]);
    }

    #[test]
    #[should_panic(expected = "Linear(10, 5): expected input [*, 10], got [3, 7]")]
    fn wrong_input_width_names_layer_and_shapes() {
        let l = Linear::new(10, 5, &mut rng_from_seed(0));
        l.predict(&Tensor::zeros(&[3, 7]));
    }

    #[test]
    #[should_panic(expected = "Linear(10, 5): expected input [*, 10], got []")]
    fn scalar_input() {
        let l = Linear::new(10, 5, &mut rng_from_seed(0));
        l.predict(&Tensor::scalar(1.0));
    }
}
