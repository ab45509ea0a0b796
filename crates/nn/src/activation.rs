//! Activation layers: thin modules over the tensor crate's ops (which hold the formulas,
//! derivatives and PyTorch reference tests). They have no params and accept any shape.

use crate::Module;
use tapegrad_tensor::Var;

macro_rules! elementwise {
    ($(#[$doc:meta])* $name:ident, $op:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq)]
        pub struct $name;

        impl Module for $name {
            fn forward(&self, x: &Var) -> Var {
                x.$op()
            }
            fn describe(&self) -> String {
                concat!(stringify!($name), "()").to_string()
            }
        }
    };
}

elementwise!(
    /// `1 / (1 + e^-x)` (PyTorch's `nn.Sigmoid`).
    Sigmoid,
    sigmoid
);
elementwise!(
    /// `max(x, 0)` (PyTorch's `nn.ReLU`).
    ReLU,
    relu
);
elementwise!(
    /// `tanh(x)` (PyTorch's `nn.Tanh`).
    Tanh,
    tanh
);
elementwise!(
    /// `x Φ(x)`, the exact erf form (PyTorch's `nn.GELU()` default).
    GELU,
    gelu
);
elementwise!(
    /// `ln(1 + e^x)`, linear above 20 (PyTorch's `nn.Softplus()` defaults).
    Softplus,
    softplus
);

/// `x` for `x >= 0`, `negative_slope * x` below (PyTorch's `nn.LeakyReLU`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyReLU {
    /// Slope for negative inputs (PyTorch's default 0.01).
    pub negative_slope: f32,
}

impl LeakyReLU {
    /// With the given slope for negative inputs.
    pub fn new(negative_slope: f32) -> LeakyReLU {
        LeakyReLU { negative_slope }
    }
}

impl Default for LeakyReLU {
    fn default() -> Self {
        LeakyReLU::new(0.01)
    }
}

impl Module for LeakyReLU {
    fn forward(&self, x: &Var) -> Var {
        x.leaky_relu(self.negative_slope)
    }
    fn describe(&self) -> String {
        format!("LeakyReLU(negative_slope={})", self.negative_slope)
    }
}

#[track_caller]
fn check_dim(layer: &str, dim: isize, shape: &[usize]) {
    let n = shape.len() as isize;
    if !(-n..n).contains(&dim) {
        panic!("{layer}(dim={dim}): expected an input with dimension {dim}, got {shape:?}");
    }
}

/// Softmax along `dim` (PyTorch's `nn.Softmax(dim)`; negative counts from the end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Softmax {
    /// The axis that sums to 1.
    pub dim: isize,
}

impl Softmax {
    /// Along `dim` (e.g. `-1` for the last axis, `1` for classes of `[N, C]`).
    pub fn new(dim: isize) -> Softmax {
        Softmax { dim }
    }
}

impl Module for Softmax {
    fn forward(&self, x: &Var) -> Var {
        check_dim("Softmax", self.dim, x.shape());
        x.softmax(self.dim)
    }
    fn describe(&self) -> String {
        format!("Softmax(dim={})", self.dim)
    }
}

/// Log-softmax along `dim` (PyTorch's `nn.LogSoftmax(dim)`), computed stably.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogSoftmax {
    /// The axis normalised over.
    pub dim: isize,
}

impl LogSoftmax {
    /// Along `dim`.
    pub fn new(dim: isize) -> LogSoftmax {
        LogSoftmax { dim }
    }
}

impl Module for LogSoftmax {
    fn forward(&self, x: &Var) -> Var {
        check_dim("LogSoftmax", self.dim, x.shape());
        x.log_softmax(self.dim)
    }
    fn describe(&self) -> String {
        format!("LogSoftmax(dim={})", self.dim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, reference};
    use tapegrad_tensor::{gradcheck, GradcheckOptions, Tape};

    /// Runs the ops.json case `name` through `m`: output and input gradient must match.
    fn check(m: &dyn Module, case: &str) {
        let (inputs, output, grad_out, grads) = reference(case);
        let tape = Tape::new();
        let x = tape.leaf(inputs[0].clone());
        let y = m.forward(&x);
        assert_close(y.value(), &output, case);
        let g = y.backward_with(grad_out);
        assert_close(g.get(&x).unwrap(), grads[0].as_ref().unwrap(), case);
        let report = gradcheck(
            |v| m.forward(&v[0]),
            &inputs[..1],
            &GradcheckOptions::default(),
        );
        assert!(report.passed(), "{case}: {report:?}");
    }

    #[test]
    fn match_pytorch_reference() {
        check(&Sigmoid, "sigmoid");
        check(&ReLU, "relu");
        check(&Tanh, "tanh");
        check(&LeakyReLU::new(0.1), "leaky_relu");
        check(&GELU, "gelu");
        check(&Softplus, "softplus");
        check(&Softmax::new(-1), "softmax");
        check(&LogSoftmax::new(-1), "log_softmax");
    }

    #[test]
    fn axis_one_equals_last_axis_for_2d() {
        let (inputs, output, _, _) = reference("softmax");
        let y = Softmax::new(1).predict(&inputs[0]);
        assert_close(&y, &output, "softmax dim=1");
    }

    #[test]
    fn describe() {
        assert_eq!(ReLU.describe(), "ReLU()");
        assert_eq!(
            LeakyReLU::default().describe(),
            "LeakyReLU(negative_slope=0.01)"
        );
        assert_eq!(Softmax::new(1).describe(), "Softmax(dim=1)");
    }

    #[test]
    #[should_panic(expected = "Softmax(dim=2): expected an input with dimension 2, got [3, 4]")]
    fn softmax_bad_dim() {
        Softmax::new(2).predict(&tapegrad_tensor::Tensor::zeros(&[3, 4]));
    }
}
