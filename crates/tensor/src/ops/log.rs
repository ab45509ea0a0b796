//! log: `y = ln x`; `dy/dx = 1 / x`.
//!
//! Edges as PyTorch: `ln 0 = -inf` (gradient `+inf`), `ln x = NaN` for x < 0.

use crate::{Tensor, Var};

impl Tensor {
    /// Natural logarithm elementwise.
    pub fn log(&self) -> Tensor {
        self.map(f32::ln)
    }
}

impl Var {
    /// Natural logarithm elementwise.
    pub fn log(&self) -> Var {
        let x = self.value().clone();
        self.from_unary(x.log(), move |g| g.zip_map(&x, "log", |g, x| g / x))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("log", |v| v[0].log());
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].log(), &inputs("log"));
    }

    #[test]
    fn edges() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![0.0, -1.0, 1.0], &[3]));
        let y = x.log();
        assert_eq!(y.value().as_slice()[0], f32::NEG_INFINITY);
        assert!(y.value().as_slice()[1].is_nan());
        assert_eq!(y.value().as_slice()[2], 0.0);
        let g = y.backward_with(Tensor::ones(&[3]));
        assert_eq!(g.get(&x).unwrap().as_slice()[0], f32::INFINITY);
    }
}
