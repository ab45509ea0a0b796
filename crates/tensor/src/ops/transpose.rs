//! transpose (2-D): `y[j, i] = x[i, j]`; the gradient is the upstream gradient transposed.
//! The result is materialised in row-major order (the `Tensor` invariant), one copy.

use crate::{Tensor, Var};

impl Tensor {
    /// The transpose of a 2-D tensor, as a new row-major tensor. Panics naming the shape for
    /// any other rank.
    pub fn transpose(&self) -> Tensor {
        assert_eq!(
            self.ndim(),
            2,
            "transpose: expects a 2-D tensor, got shape {:?}",
            self.shape()
        );
        let t = self.view().reversed_axes();
        Tensor::from_array(t.as_standard_layout().into_owned())
    }
}

impl Var {
    /// The transpose of a 2-D value.
    pub fn transpose(&self) -> Var {
        self.from_unary(self.value().transpose(), |g| g.transpose())
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::Tensor;

    #[test]
    fn matches_pytorch() {
        check_reference("transpose", |v| v[0].transpose());
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].transpose(), &inputs("transpose"));
    }

    #[test]
    fn odd_sizes_round_trip() {
        for (m, n) in [(0, 3), (1, 1), (1, 7), (63, 65)] {
            let x = Tensor::from_vec((0..m * n).map(|i| i as f32).collect(), &[m, n]);
            let t = x.transpose();
            assert_eq!(t.shape(), &[n, m]);
            if m > 0 {
                assert_eq!(t.as_slice()[1.min(m - 1)], x.as_slice()[1.min(m - 1) * n]);
            }
            assert_eq!(t.transpose(), x);
        }
    }

    #[test]
    #[should_panic(expected = "transpose: expects a 2-D tensor, got shape [2, 3, 4]")]
    fn rejects_3d() {
        Tensor::zeros(&[2, 3, 4]).transpose();
    }
}
