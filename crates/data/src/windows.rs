//! [`TokenWindows`]: the examples of a language model, fixed-length windows over one long
//! sequence of token ids with their next-token targets (`y[t] = x[t + 1]`).
//!
//! Every start position is an example (`len - T` of them); a shuffling
//! [`DataLoader`](crate::DataLoader) over them draws random windows, an ordered one with a
//! stride of `T` walks the text once ([`TokenWindows::strided`]).
//!
//! ```
//! use tapegrad_data::{DataLoader, Dataset, TokenWindows};
//! let text: Vec<i64> = (0..10).collect();
//! let windows = TokenWindows::new(text, 4);
//! assert_eq!(windows.len(), 6);
//! let b = windows.batch(&[2]);
//! assert_eq!(b.x.to_vec(), vec![2, 3, 4, 5]);
//! assert_eq!(b.y.to_vec(), vec![3, 4, 5, 6]);
//! let random = DataLoader::new(32).shuffle(0).epoch(&windows).next().unwrap();
//! assert_eq!(random.x.shape(), &[6, 4]);
//! ```

use crate::dataset::Dataset;
use crate::tensor_dataset::Batch;
use std::sync::Arc;
use tapegrad_tensor::IntTensor;

/// Windows of `context` tokens over a sequence, each with its next-token targets.
#[derive(Clone, Debug)]
pub struct TokenWindows {
    tokens: Arc<Vec<i64>>,
    context: usize,
    stride: usize,
}

impl TokenWindows {
    /// A window at every start position (stride 1). Panics unless `context >= 1`.
    #[track_caller]
    pub fn new(tokens: Vec<i64>, context: usize) -> TokenWindows {
        TokenWindows::strided(tokens, context, 1)
    }

    /// Windows starting every `stride` tokens. Panics unless `context` and `stride` are >= 1.
    #[track_caller]
    pub fn strided(tokens: Vec<i64>, context: usize, stride: usize) -> TokenWindows {
        assert!(
            context >= 1 && stride >= 1,
            "TokenWindows: context ({context}) and stride ({stride}) must be at least 1"
        );
        TokenWindows {
            tokens: Arc::new(tokens),
            context,
            stride,
        }
    }

    /// Tokens per window (`T`).
    pub fn context(&self) -> usize {
        self.context
    }

    /// The whole sequence.
    pub fn tokens(&self) -> &[i64] {
        &self.tokens
    }
}

impl Dataset for TokenWindows {
    type Batch = Batch<IntTensor, IntTensor>;

    /// Start positions with a full window and its targets after them.
    fn len(&self) -> usize {
        match self.tokens.len().checked_sub(self.context + 1) {
            Some(last) => last / self.stride + 1,
            None => 0,
        }
    }

    /// Inputs `[batch, T]` and targets `[batch, T]` (the inputs shifted by one token).
    #[track_caller]
    fn batch(&self, indices: &[usize]) -> Batch<IntTensor, IntTensor> {
        let t = self.context;
        let mut x = Vec::with_capacity(indices.len() * t);
        let mut y = Vec::with_capacity(indices.len() * t);
        for &i in indices {
            assert!(
                i < self.len(),
                "TokenWindows: window {i} out of range for {} windows",
                self.len()
            );
            let start = i * self.stride;
            x.extend_from_slice(&self.tokens[start..start + t]);
            y.extend_from_slice(&self.tokens[start + 1..start + t + 1]);
        }
        Batch {
            x: IntTensor::from_vec(x, &[indices.len(), t]),
            y: IntTensor::from_vec(y, &[indices.len(), t]),
            indices: indices.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_windows_cover_the_text_once() {
        let w = TokenWindows::strided((0..13).collect(), 4, 4);
        assert_eq!(w.len(), 3); // starts 0, 4, 8: the last target is token 12
        assert_eq!(w.batch(&[2]).y.to_vec(), vec![9, 10, 11, 12]);
        assert_eq!(TokenWindows::new(vec![1, 2], 4).len(), 0);
        assert_eq!(TokenWindows::new(vec![1, 2, 3, 4, 5], 4).len(), 1);
    }
}
