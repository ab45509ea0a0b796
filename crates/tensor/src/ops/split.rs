//! split / chunk: a tensor cut along one axis into consecutive pieces, each a `narrow` of
//! the input (one tape node per piece, so each piece's gradient goes back to its place and
//! pieces left unused contribute zero).
//!
//! As PyTorch: `split(size, dim)` gives pieces of `size` (the last one shorter when the length
//! is not a multiple; a length-0 axis gives one empty piece); `split_sizes(sizes, dim)` needs
//! sizes summing to the axis length; `chunk(chunks, dim)` gives pieces of
//! `ceil(length / chunks)`, so possibly fewer than `chunks`.

use crate::axis::normalize_axis;
use crate::{Tensor, Var};

/// `(start, length)` of each piece of size `size` over an axis of length `n`.
#[track_caller]
fn by_size(n: usize, size: usize) -> Vec<(usize, usize)> {
    if size == 0 {
        if n == 0 {
            return vec![(0, 0)];
        }
        panic!("split: split_size must be positive for a dimension of size {n}, got 0");
    }
    if n == 0 {
        return vec![(0, 0)];
    }
    (0..n).step_by(size).map(|s| (s, size.min(n - s))).collect()
}

#[track_caller]
fn by_sizes(n: usize, sizes: &[usize]) -> Vec<(usize, usize)> {
    let total: usize = sizes.iter().sum();
    if total != n {
        panic!("split: sizes {sizes:?} sum to {total}, the dimension has size {n}");
    }
    let mut start = 0;
    sizes
        .iter()
        .map(|&len| {
            start += len;
            (start - len, len)
        })
        .collect()
}

#[track_caller]
fn by_chunks(n: usize, chunks: usize) -> Vec<(usize, usize)> {
    if chunks == 0 {
        panic!("chunk: the number of chunks must be positive, got 0");
    }
    by_size(n, n.div_ceil(chunks).max(1))
}

/// How to cut an axis.
#[derive(Clone, Copy)]
enum Cut<'a> {
    Size(usize),
    Sizes(&'a [usize]),
    Chunks(usize),
}

/// The axis and the `(start, length)` of each piece of `shape` cut along `dim`.
#[track_caller]
fn plan(shape: &[usize], dim: isize, cut: Cut<'_>) -> (isize, Vec<(isize, usize)>) {
    let op = if matches!(cut, Cut::Chunks(_)) {
        "chunk"
    } else {
        "split"
    };
    let ax = normalize_axis(dim, shape.len(), op);
    let n = shape[ax];
    let pieces = match cut {
        Cut::Size(s) => by_size(n, s),
        Cut::Sizes(s) => by_sizes(n, s),
        Cut::Chunks(c) => by_chunks(n, c),
    };
    (
        ax as isize,
        pieces.into_iter().map(|(s, l)| (s as isize, l)).collect(),
    )
}

impl Tensor {
    #[track_caller]
    fn cut(&self, dim: isize, cut: Cut<'_>) -> Vec<Tensor> {
        let (ax, pieces) = plan(self.shape(), dim, cut);
        pieces.iter().map(|&(s, l)| self.narrow(ax, s, l)).collect()
    }

    /// Pieces of `size` along `dim` (see the module notes).
    #[track_caller]
    pub fn split(&self, size: usize, dim: isize) -> Vec<Tensor> {
        self.cut(dim, Cut::Size(size))
    }

    /// Pieces of the given sizes along `dim` (they must sum to its length).
    #[track_caller]
    pub fn split_sizes(&self, sizes: &[usize], dim: isize) -> Vec<Tensor> {
        self.cut(dim, Cut::Sizes(sizes))
    }

    /// At most `chunks` pieces of `ceil(length / chunks)` along `dim`.
    #[track_caller]
    pub fn chunk(&self, chunks: usize, dim: isize) -> Vec<Tensor> {
        self.cut(dim, Cut::Chunks(chunks))
    }
}

impl Var {
    #[track_caller]
    fn cut(&self, dim: isize, cut: Cut<'_>) -> Vec<Var> {
        let (ax, pieces) = plan(self.shape(), dim, cut);
        pieces.iter().map(|&(s, l)| self.narrow(ax, s, l)).collect()
    }

    /// Pieces of `size` along `dim`, each its own tape node.
    #[track_caller]
    pub fn split(&self, size: usize, dim: isize) -> Vec<Var> {
        self.cut(dim, Cut::Size(size))
    }

    /// Pieces of the given sizes along `dim` (they must sum to its length).
    #[track_caller]
    pub fn split_sizes(&self, sizes: &[usize], dim: isize) -> Vec<Var> {
        self.cut(dim, Cut::Sizes(sizes))
    }

    /// At most `chunks` pieces of `ceil(length / chunks)` along `dim`.
    #[track_caller]
    pub fn chunk(&self, chunks: usize, dim: isize) -> Vec<Var> {
        self.cut(dim, Cut::Chunks(chunks))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor, Var};

    #[test]
    fn matches_pytorch() {
        check_cases("split");
        check_cases("chunk");
    }

    #[test]
    fn piece_counts_as_pytorch() {
        let x = Tensor::zeros(&[2, 3]);
        let lens = |v: Vec<Tensor>| v.iter().map(|t| t.shape()[1]).collect::<Vec<_>>();
        assert_eq!(lens(x.split(2, 1)), vec![2, 1]);
        assert_eq!(lens(x.chunk(4, 1)), vec![1, 1, 1]);
        assert_eq!(lens(x.split_sizes(&[0, 3], 1)), vec![0, 3]);
        assert_eq!(Tensor::zeros(&[5]).chunk(3, 0).len(), 3);
        assert_eq!(Tensor::zeros(&[0]).split(2, 0).len(), 1);
    }

    #[test]
    fn gradcheck_pieces_used_unevenly() {
        let x = Tensor::randn(&[5, 2], 0.0, 1.0, &mut rng_from_seed(11));
        // Weight the pieces differently; the last piece is left out.
        assert_gradcheck(
            |v| {
                let p = v[0].split(2, 0);
                Var::cat(&[&p[0].mul_scalar(3.0), &p[1]], 0)
            },
            std::slice::from_ref(&x),
        );
        assert_gradcheck(|v| v[0].chunk(2, 1)[1].exp(), &[x]);
    }

    #[test]
    #[should_panic(expected = "split: sizes [1, 1] sum to 2, the dimension has size 3")]
    fn bad_sizes() {
        Tensor::zeros(&[3]).split_sizes(&[1, 1], 0);
    }
}
