//! gather: `y = x.gather(dim, index)` reads, for every position of `index`, the element of
//! `x` at that position with the coordinate along `dim` replaced by the index:
//! `y[i][j][k] = x[index[i][j][k]][j][k]` for `dim = 0` (likewise for other axes). `y` has
//! `index`'s shape. The gradient scatters back: `dx[index[i][j][k]][j][k] += dy[i][j][k]`
//! (repeated positions accumulate).
//!
//! As PyTorch: `index` is an [`IntTensor`] with as many axes as `x`, no longer than `x` along
//! every axis but `dim`; a negative or too large index panics naming the op, the index and
//! the axis length (PyTorch raises too).

use crate::axis::normalize_axis;
use crate::{IntTensor, Tensor, Var};

/// Row-major strides of `shape`.
#[track_caller]
pub(crate) fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// For every element of an index of shape `ishape` (row-major), the offset into a tensor of
/// shape `target` at the same coordinates, except along `replace`'s axis, where the coordinate
/// is the index value (checked against the axis length, naming `op`).
#[track_caller]
pub(crate) fn offsets(
    target: &[usize],
    ishape: &[usize],
    replace: Option<(usize, &[i64])>,
    op: &str,
) -> Vec<usize> {
    let ts = strides(target);
    let nd = ishape.len();
    let n: usize = ishape.iter().product();
    let mut out = Vec::with_capacity(n);
    let mut m = vec![0usize; nd];
    let mut base = 0usize;
    let skip = replace.map(|(ax, _)| ax);
    for e in 0..n {
        match replace {
            Some((ax, idx)) => {
                let i = idx[e];
                if i < 0 || i as u64 >= target[ax] as u64 {
                    panic!(
                        "{op}: index {i} is out of bounds for dimension {ax} with size {}",
                        target[ax]
                    );
                }
                out.push(base + i as usize * ts[ax]);
            }
            None => out.push(base),
        }
        for d in (0..nd).rev() {
            m[d] += 1;
            if Some(d) != skip {
                base += ts[d];
            }
            if m[d] < ishape[d] {
                break;
            }
            if Some(d) != skip {
                base -= ts[d] * ishape[d];
            }
            m[d] = 0;
        }
    }
    out
}

/// Checks `index` against `x`'s shape for gather/scatter along `ax`, naming `op`.
#[track_caller]
pub(crate) fn check_index(shape: &[usize], ax: usize, index: &IntTensor, op: &str) {
    let is = index.shape();
    if is.len() != shape.len() {
        panic!(
            "{op}: index has {} dimensions, the tensor has {} (shapes {is:?} and {shape:?})",
            is.len(),
            shape.len()
        );
    }
    if let Some(d) = (0..is.len()).find(|&d| d != ax && is[d] > shape[d]) {
        panic!(
            "{op}: index of shape {is:?} is larger than the tensor of shape {shape:?} along dimension {d}"
        );
    }
}

/// The offsets into `x` that `gather(dim, index)` reads, checked.
#[track_caller]
fn plan(shape: &[usize], dim: isize, index: &IntTensor) -> Vec<usize> {
    let ax = normalize_axis(dim, shape.len(), "gather");
    check_index(shape, ax, index, "gather");
    offsets(shape, index.shape(), Some((ax, index.as_slice())), "gather")
}

impl Tensor {
    /// Elements read along `dim` at `index` (see the module notes).
    #[track_caller]
    pub fn gather(&self, dim: isize, index: &IntTensor) -> Tensor {
        let at = plan(self.shape(), dim, index);
        let x = self.as_slice();
        Tensor::from_vec(at.iter().map(|&o| x[o]).collect(), index.shape())
    }
}

impl Var {
    /// Elements read along `dim` at `index`; the gradient scatters back and accumulates.
    #[track_caller]
    pub fn gather(&self, dim: isize, index: &IntTensor) -> Var {
        let at = plan(self.shape(), dim, index);
        let x = self.value().as_slice();
        let value = Tensor::from_vec(at.iter().map(|&o| x[o]).collect(), index.shape());
        let shape = self.shape().to_vec();
        self.from_unary(value, move |g| {
            let mut dx = vec![0.0f32; shape.iter().product()];
            for (&o, &gv) in at.iter().zip(g.as_slice()) {
                dx[o] += gv;
            }
            Tensor::from_vec(dx, &shape)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, IntTensor, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("gather");
    }

    #[test]
    fn reads_like_pytorch() {
        // torch.gather(arange(12).reshape(3, 4), 1, [[1, 0], [2, 2]]) = [[1, 0], [6, 6]].
        let x = Tensor::from_vec((0..12).map(|i| i as f32).collect(), &[3, 4]);
        let idx = IntTensor::from_vec(vec![1, 0, 2, 2], &[2, 2]);
        assert_eq!(x.gather(1, &idx).to_vec(), vec![1.0, 0.0, 6.0, 6.0]);
    }

    #[test]
    fn gradcheck_with_repeats() {
        let x = Tensor::randn(&[3, 4], 0.0, 1.0, &mut rng_from_seed(12));
        let idx = IntTensor::from_vec(vec![1, 1, 0, 2, 2, 0], &[2, 3]);
        assert_gradcheck(|v| v[0].gather(0, &idx), &[x]);
    }

    #[test]
    #[should_panic(expected = "gather: index -1 is out of bounds for dimension 1 with size 3")]
    fn negative_index() {
        Tensor::zeros(&[2, 3]).gather(1, &IntTensor::from_vec(vec![-1, 0], &[2, 1]));
    }

    #[test]
    #[should_panic(expected = "gather: index has 1 dimensions, the tensor has 2")]
    fn rank_mismatch() {
        Tensor::zeros(&[2, 3]).gather(1, &IntTensor::from_vec(vec![0], &[1]));
    }
}
