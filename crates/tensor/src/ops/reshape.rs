//! reshape: the same elements in row-major order under a new shape; the gradient is the
//! upstream gradient reshaped back to the input's shape.

use crate::{Tensor, Var};

impl Tensor {
    /// The same elements under `shape` (row-major). Panics naming both shapes if the element
    /// counts differ. Shares the buffer (no copy).
    #[track_caller]
    pub fn reshape(&self, shape: &[usize]) -> Tensor {
        let n: usize = shape.iter().product();
        if n != self.len() {
            panic!(
                "reshape: cannot view shape {:?} ({} elements) as {:?} ({} elements)",
                self.shape(),
                self.len(),
                shape,
                n
            );
        }
        let a = self
            .array()
            .clone()
            .into_shape_with_order(ndarray::IxDyn(shape))
            .expect("standard layout reshapes");
        Tensor::from_array_shared(a)
    }
}

impl Var {
    /// The same elements under `shape` (row-major).
    #[track_caller]
    pub fn reshape(&self, shape: &[usize]) -> Var {
        let back = self.shape().to_vec();
        self.from_unary(self.value().reshape(shape), move |g| g.reshape(&back))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_reference("reshape", |v| v[0].reshape(&[3, 4]));
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(
            |v| v[0].reshape(&[4, 3]).mul_scalar(2.0),
            &inputs("reshape"),
        );
    }

    #[test]
    #[should_panic(
        expected = "reshape: cannot view shape [2, 6] (12 elements) as [5] (5 elements)"
    )]
    fn wrong_count() {
        crate::Tensor::zeros(&[2, 6]).reshape(&[5]);
    }
}
