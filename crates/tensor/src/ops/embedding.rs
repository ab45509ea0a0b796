//! embedding: rows of a table picked by integer indices (PyTorch's `F.embedding(input,
//! weight)`, without `padding_idx` or `max_norm`): for a weight `[num, dim]` and indices of
//! any shape `S`, `y[s, :] = weight[indices[s], :]`, of shape `S + [dim]`. Composed from
//! `index_select` along axis 0 and a reshape, so it needs no rule of its own: the gradient of
//! a row is the sum of the upstream rows that picked it.
//!
//! As PyTorch: a negative or too large index panics naming the op, the index and the number of
//! rows.

use crate::{IntTensor, Tensor, Var};

/// The flat indices and the output shape, checked.
#[track_caller]
fn plan(weight: &[usize], indices: &IntTensor) -> (IntTensor, Vec<usize>) {
    if weight.len() != 2 {
        panic!("embedding: weight must be [num_embeddings, embedding_dim], got {weight:?}");
    }
    indices.checked_indices(weight[0], "embedding", 0);
    let mut out = indices.shape().to_vec();
    out.push(weight[1]);
    (indices.reshape(&[indices.len()]), out)
}

impl Tensor {
    /// The rows of `self` (`[num, dim]`) at `indices` (any shape), shape `indices + [dim]`.
    #[track_caller]
    pub fn embedding(&self, indices: &IntTensor) -> Tensor {
        let (flat, out) = plan(self.shape(), indices);
        self.index_select(0, &flat).reshape(&out)
    }
}

impl Var {
    /// The rows of `self` (`[num, dim]`) at `indices` (any shape); a row's gradient sums the
    /// upstream rows that picked it.
    #[track_caller]
    pub fn embedding(&self, indices: &IntTensor) -> Var {
        let (flat, out) = plan(self.shape(), indices);
        self.index_select(0, &flat).reshape(&out)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, IntTensor, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("embedding");
    }

    #[test]
    fn gradcheck_with_repeats() {
        let w = Tensor::randn(&[5, 3], 0.0, 1.0, &mut rng_from_seed(22));
        let idx = IntTensor::from_vec(vec![4, 0, 4, 2, 2, 2], &[2, 3]);
        assert_gradcheck(|v| v[0].embedding(&idx), &[w]);
    }

    #[test]
    #[should_panic(expected = "embedding: index -1 is out of bounds for dimension 0 with size 5")]
    fn negative_index() {
        Tensor::zeros(&[5, 3]).embedding(&IntTensor::from(vec![-1]));
    }
}
