//! sqrt: `y = √x`; `dy/dx = 1 / (2√x) = 1 / (2y)` (the saved output is reused).
//!
//! Edges as PyTorch: the gradient at 0 is `+inf`; `√x = NaN` for x < 0.

use crate::{Tensor, Var};

impl Tensor {
    /// Square root elementwise.
    pub fn sqrt(&self) -> Tensor {
        self.map(f32::sqrt)
    }
}

impl Var {
    /// Square root elementwise.
    pub fn sqrt(&self) -> Var {
        let y = self.value().sqrt();
        let saved = y.clone();
        self.from_unary(y, move |g| g.zip_map(&saved, "sqrt", |g, y| g / (2.0 * y)))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("sqrt", |v| v[0].sqrt());
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].sqrt(), &inputs("sqrt"));
    }

    #[test]
    fn gradient_at_zero_is_infinite() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![0.0, 4.0], &[2]));
        let g = x.sqrt().backward_with(Tensor::ones(&[2]));
        assert_eq!(g.get(&x).unwrap().to_vec(), vec![f32::INFINITY, 0.25]);
    }
}
