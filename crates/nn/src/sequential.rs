//! `Sequential`: modules applied in order (PyTorch's `nn.Sequential`), children named
//! `"0"`, `"1"`, ... as PyTorch names them, or given names (its `OrderedDict` form).

use crate::Module;
use tapegrad_tensor::Var;

/// Modules applied in order.
///
/// ```
/// use tapegrad_nn::{Linear, Module, ReLU, Sequential};
/// use tapegrad_tensor::{rng_from_seed, Tensor};
/// let mut rng = rng_from_seed(0);
/// let net = Sequential::new()
///     .append(Linear::new(4, 8, &mut rng))
///     .append(ReLU)
///     .append(Linear::new(8, 2, &mut rng));
/// assert_eq!(net.named_params()[2].0, "2.weight");
/// assert_eq!(net.predict(&Tensor::zeros(&[3, 4])).shape(), &[3, 2]);
/// ```
#[derive(Default)]
pub struct Sequential {
    layers: Vec<(String, Box<dyn Module>)>,
}

impl Sequential {
    /// An empty sequence (the identity).
    pub fn new() -> Sequential {
        Sequential::default()
    }

    /// Appends a module named by its position (PyTorch's `append`) (`"0"`, `"1"`, ...).
    #[track_caller]
    pub fn append(self, module: impl Module + 'static) -> Sequential {
        let name = self.layers.len().to_string();
        self.add_module(name, module)
    }

    /// Appends a module under a given name (PyTorch's `add_module`, or the `OrderedDict` form). Panics
    /// if the name is empty, contains a dot, or is taken.
    #[track_caller]
    pub fn add_module(
        mut self,
        name: impl Into<String>,
        module: impl Module + 'static,
    ) -> Sequential {
        let name = name.into();
        if name.is_empty() || name.contains('.') {
            panic!("Sequential: a child name must be non-empty and contain no '.', got {name:?}");
        }
        if self.layers.iter().any(|(n, _)| *n == name) {
            panic!("Sequential: a child named {name:?} already exists");
        }
        self.layers.push((name, Box::new(module)));
        self
    }

    /// Number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// True if there is no layer.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The layer at `index`.
    pub fn get(&self, index: usize) -> Option<&dyn Module> {
        self.layers.get(index).map(|(_, m)| m.as_ref())
    }
}

impl Module for Sequential {
    fn forward(&self, x: &Var) -> Var {
        let mut y = x.clone();
        for (_, m) in &self.layers {
            y = m.forward(&y);
        }
        y
    }

    fn children(&self) -> Vec<(&str, &dyn Module)> {
        self.layers
            .iter()
            .map(|(n, m)| (n.as_str(), m.as_ref()))
            .collect()
    }

    fn describe(&self) -> String {
        let inner: Vec<String> = self
            .layers
            .iter()
            .map(|(n, m)| format!("  ({n}): {}", m.describe()))
            .collect();
        format!("Sequential(\n{}\n)", inner.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dropout, Linear, Sigmoid};
    use tapegrad_tensor::{rng_from_seed, Tensor};

    #[test]
    fn chains_names_and_modes() {
        let mut rng = rng_from_seed(2);
        let net = Sequential::new()
            .add_module("fc1", Linear::new(3, 4, &mut rng))
            .add_module("act", Sigmoid)
            .add_module("drop", Dropout::new(0.5, rng_from_seed(3)))
            .add_module("fc2", Linear::new(4, 1, &mut rng));
        let names: Vec<String> = net.named_params().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
        assert_eq!(net.num_params(), 12 + 4 + 4 + 1);
        let modules: Vec<String> = net.named_modules().into_iter().map(|(n, _)| n).collect();
        assert_eq!(modules, ["fc1", "act", "drop", "fc2"]);
        assert_eq!(net.named_rngs()[0].0, "drop");
        assert!(net.is_training());
        net.eval();
        assert!(!net.is_training());
        // In eval mode the network is deterministic and equals the layers applied by hand.
        let x = Tensor::randn(&[5, 3], 0.0, 1.0, &mut rng);
        let y = net.predict(&x);
        let fc1 = net.get(0).unwrap();
        let fc2 = net.get(3).unwrap();
        assert_eq!(y, fc2.predict(&fc1.predict(&x).sigmoid()));
        assert!(net.describe().contains("(fc1): Linear(3, 4)"));
    }

    #[test]
    fn default_names_are_positions() {
        let mut rng = rng_from_seed(2);
        let net = Sequential::new()
            .append(Linear::new(2, 2, &mut rng))
            .append(Sigmoid)
            .append(Linear::new(2, 2, &mut rng));
        let names: Vec<String> = net.named_params().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
    }

    #[test]
    #[should_panic(expected = "Linear(4, 1): expected input [*, 4], got [5, 3]")]
    fn bad_shape_names_the_inner_layer() {
        let mut rng = rng_from_seed(2);
        Sequential::new()
            .append(Sigmoid)
            .append(Linear::new(4, 1, &mut rng))
            .predict(&Tensor::zeros(&[5, 3]));
    }
}
