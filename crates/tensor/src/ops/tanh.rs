//! tanh: `y = tanh x`; `dy/dx = 1 - y^2` (the saved output is reused).
//!
//! `f32::tanh` saturates to ±1 for large |x| without overflow (unlike a naive
//! `(e^x - e^-x) / (e^x + e^-x)`), so the value and the gradient are finite everywhere.

use crate::{Tensor, Var};

impl Tensor {
    /// Hyperbolic tangent elementwise.
    pub fn tanh(&self) -> Tensor {
        self.map(f32::tanh)
    }
}

impl Var {
    /// Hyperbolic tangent elementwise.
    pub fn tanh(&self) -> Var {
        let y = self.value().tanh();
        let saved = y.clone();
        self.from_unary(y, move |g| {
            g.zip_map(&saved, "tanh", |g, y| g * (1.0 - y * y))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("tanh", |v| v[0].tanh());
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].tanh(), &inputs("tanh"));
    }

    #[test]
    fn saturates_finitely() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![-1e4, -120.0, 120.0, 1e4], &[4]));
        let y = x.tanh();
        assert_eq!(y.value().to_vec(), vec![-1.0, -1.0, 1.0, 1.0]);
        let g = y.backward_with(Tensor::ones(&[4]));
        assert_eq!(g.get(&x).unwrap().to_vec(), vec![0.0; 4]);
    }
}
