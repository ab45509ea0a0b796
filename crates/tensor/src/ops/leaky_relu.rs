//! leaky_relu: `y = x` for x > 0, else `a x` (`a` = `negative_slope`, PyTorch's default
//! 0.01); `dy/dx = 1` for x > 0, else `a` (so `a` at x = 0, as PyTorch).

use crate::{Tensor, Var};

impl Tensor {
    /// `x` where positive, `negative_slope * x` elsewhere.
    pub fn leaky_relu(&self, negative_slope: f32) -> Tensor {
        self.map(move |x| if x > 0.0 { x } else { x * negative_slope })
    }
}

impl Var {
    /// `x` where positive, `negative_slope * x` elsewhere.
    pub fn leaky_relu(&self, negative_slope: f32) -> Var {
        let x = self.value().clone();
        self.from_unary(x.leaky_relu(negative_slope), move |g| {
            g.zip_map(&x, "leaky_relu", |g, x| {
                if x > 0.0 {
                    g
                } else {
                    g * negative_slope
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("leaky_relu", |v| v[0].leaky_relu(0.1));
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].leaky_relu(0.1), &inputs("leaky_relu"));
        assert_gradcheck(|v| v[0].leaky_relu(-0.5), &inputs("leaky_relu"));
    }

    #[test]
    fn gradient_at_zero_is_the_slope() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![0.0, -2.0, 3.0], &[3]));
        let y = x.leaky_relu(0.01);
        assert_eq!(y.value().to_vec(), vec![0.0, -0.02, 3.0]);
        let g = y.backward_with(Tensor::ones(&[3]));
        assert_eq!(g.get(&x).unwrap().to_vec(), vec![0.01, 0.01, 1.0]);
    }
}
