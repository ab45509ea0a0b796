//! relu: `y = max(x, 0)`; `dy/dx = 1` for x > 0, else 0 (0 at x = 0, as PyTorch). NaN stays
//! NaN and passes the gradient (PyTorch masks only where the output is `<= 0`).

use crate::{Tensor, Var};

impl Tensor {
    /// `max(self, 0)` elementwise (NaN stays NaN, as PyTorch).
    pub fn relu(&self) -> Tensor {
        self.map(|x| if x < 0.0 { 0.0 } else { x })
    }
}

impl Var {
    /// `max(self, 0)` elementwise.
    pub fn relu(&self) -> Var {
        let x = self.value().clone();
        self.from_unary(x.relu(), move |g| {
            g.zip_map(&x, "relu", |g, x| if x <= 0.0 { 0.0 } else { g })
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("relu", |v| v[0].relu());
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].relu(), &inputs("relu"));
    }

    #[test]
    fn gradient_at_zero_is_zero() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![0.0, -2.0, 3.0], &[3]));
        let y = x.relu();
        assert_eq!(y.value().to_vec(), vec![0.0, 0.0, 3.0]);
        let g = y.backward_with(Tensor::from_vec(vec![5.0, 5.0, 5.0], &[3]));
        assert_eq!(g.get(&x).unwrap().to_vec(), vec![0.0, 0.0, 5.0]);
    }
}
