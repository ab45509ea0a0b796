//! powf: `y = x^p` for a constant exponent `p`; `dy/dx = p x^(p-1)`.
//!
//! Traps, all as PyTorch: the gradient is exactly 0 when `p == 0` (not `0 * x^-1`, which is
//! NaN at x = 0); a non-integer `p` gives NaN for x < 0; at x = 0 with `p < 1` the gradient is
//! infinite.

use crate::{Tensor, Var};

impl Tensor {
    /// `self^exponent` elementwise.
    pub fn powf(&self, exponent: f32) -> Tensor {
        self.map(move |x| x.powf(exponent))
    }
}

impl Var {
    /// `self^exponent` elementwise.
    pub fn powf(&self, exponent: f32) -> Var {
        let x = self.value().clone();
        self.from_unary(x.powf(exponent), move |g| {
            if exponent == 0.0 {
                return Tensor::zeros(g.shape());
            }
            g.zip_map(&x, "powf", |g, x| g * exponent * x.powf(exponent - 1.0))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("powf_2.0", |v| v[0].powf(2.0));
        check_reference("powf_3.0", |v| v[0].powf(3.0));
        check_reference("powf_0.5", |v| v[0].powf(0.5));
        check_reference("powf_-1.5", |v| v[0].powf(-1.5));
    }

    #[test]
    fn gradcheck() {
        for p in [2.0, 3.0, 0.5, -1.5] {
            assert_gradcheck(|v| v[0].powf(p), &inputs("powf_-1.5"));
        }
        assert_gradcheck(|v| v[0].powf(3.0), &inputs("powf_3.0"));
    }

    #[test]
    fn zero_exponent_has_zero_gradient() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![0.0, 2.0], &[2]));
        let y = x.powf(0.0);
        assert_eq!(y.value().to_vec(), vec![1.0, 1.0]);
        let g = y.backward_with(Tensor::ones(&[2]));
        assert_eq!(g.get(&x).unwrap().to_vec(), vec![0.0, 0.0]);
    }
}
