//! Shapes read from outside (checkpoints, safetensors files), checked before a [`Tensor`] is
//! built from them: the one place the rules live, so every loader refuses the same shapes
//! with the same typed error instead of panicking inside ndarray.
//!
//! The rules (ndarray's, plus the f32 buffer, plus a bound on the rank): at most
//! [`MAX_DIMS`] dimensions; every dimension fits in `usize`; the product of
//! the *nonzero* dimensions, times 4 bytes, fits in `isize` (ndarray checks the nonzero
//! product even when a zero dimension makes the tensor empty: `[0, 2^40, 2^40]` holds no
//! value and still cannot be built); and, when the data is given, it holds exactly as many
//! values as the shape.

use crate::Tensor;
use std::fmt::Debug;

/// Why a shape read from outside cannot be a tensor's. Each variant shows the shape (at most
/// its first 8 dimensions).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidShape {
    /// A dimension does not fit in this machine's `usize`.
    #[error("dimension {dim} of shape {shape} does not fit in memory addressing")]
    DimensionTooLarge {
        /// The shape, as shown in the message.
        shape: String,
        /// The dimension.
        dim: String,
    },
    /// The nonzero dimensions multiply past what an f32 array can address.
    #[error("shape {shape} has too many elements: its nonzero dimensions multiply past {} f32 values", isize::MAX as usize / 4)]
    TooManyElements {
        /// The shape, as shown in the message.
        shape: String,
    },
    /// More dimensions than a tensor read from a file may have ([`MAX_DIMS`]).
    #[error("shape {shape} has {rank} dimensions, more than the {max} a tensor read from a file may have", max = MAX_DIMS)]
    TooManyDimensions {
        /// The shape, as shown in the message.
        shape: String,
        /// Its number of dimensions.
        rank: usize,
    },
    /// The data does not hold as many values as the shape.
    #[error("shape {shape} needs {needed} values, {found} given")]
    LengthMismatch {
        /// The shape, as shown in the message.
        shape: String,
        /// The shape's element count.
        needed: usize,
        /// The values given.
        found: usize,
    },
}

/// The most dimensions a tensor read from a file may have (PyTorch tensors in practice have
/// a handful; the bound keeps a crafted shape from costing memory out of proportion).
pub const MAX_DIMS: usize = 64;

/// A shape for messages: at most its first 8 dimensions, then a count.
fn show<D: Debug>(shape: &[D]) -> String {
    if shape.len() <= 8 {
        format!("{shape:?}")
    } else {
        let head: Vec<String> = shape[..8].iter().map(|d| format!("{d:?}")).collect();
        format!("[{}, ... {} dimensions]", head.join(", "), shape.len())
    }
}

/// Checks a shape read from outside and returns its dimensions as `usize` and its element
/// count. Never panics, whatever the values.
///
/// ```
/// use tapegrad_tensor::{check_shape, InvalidShape};
/// assert_eq!(check_shape(&[2u64, 3]).unwrap(), (vec![2, 3], 6));
/// assert_eq!(check_shape::<u64>(&[]).unwrap(), (vec![], 1));
/// assert_eq!(check_shape(&[0usize, 7]).unwrap(), (vec![0, 7], 0));
/// let huge = check_shape(&[0u64, 1 << 40, 1 << 40]).unwrap_err();
/// assert!(matches!(huge, InvalidShape::TooManyElements { .. }), "{huge}");
/// ```
pub fn check_shape<D>(shape: &[D]) -> Result<(Vec<usize>, usize), InvalidShape>
where
    D: Copy + Debug + TryInto<usize>,
{
    const MAX_ELEMENTS: usize = isize::MAX as usize / std::mem::size_of::<f32>();
    if shape.len() > MAX_DIMS {
        return Err(InvalidShape::TooManyDimensions {
            shape: show(shape),
            rank: shape.len(),
        });
    }
    let mut dims = Vec::with_capacity(shape.len());
    let mut nonzero: usize = 1;
    for &d in shape {
        let Ok(d_usize) = d.try_into() else {
            return Err(InvalidShape::DimensionTooLarge {
                shape: show(shape),
                dim: format!("{d:?}"),
            });
        };
        if d_usize != 0 {
            nonzero = nonzero
                .checked_mul(d_usize)
                .filter(|&n| n <= MAX_ELEMENTS)
                .ok_or_else(|| InvalidShape::TooManyElements { shape: show(shape) })?;
        }
        dims.push(d_usize);
    }
    let len = if dims.contains(&0) { 0 } else { nonzero };
    Ok((dims, len))
}

impl Tensor {
    /// A tensor of a shape read from outside and its row-major `data`: the shape is checked
    /// with [`check_shape`] and against the data's length, so any input gives a tensor or an
    /// [`InvalidShape`], never a panic. ([`Tensor::from_vec`] is for shapes the program chose.)
    ///
    /// ```
    /// use tapegrad_tensor::Tensor;
    /// let t = Tensor::try_from_vec(vec![1.0, 2.0], &[2u64, 1]).unwrap();
    /// assert_eq!(t.shape(), &[2, 1]);
    /// let e = Tensor::try_from_vec(vec![1.0], &[3u64]).unwrap_err();
    /// assert_eq!(e.to_string(), "shape [3] needs 3 values, 1 given");
    /// assert!(Tensor::try_from_vec(vec![], &[0u64, 1 << 40, 1 << 40]).is_err());
    /// ```
    pub fn try_from_vec<D>(data: Vec<f32>, shape: &[D]) -> Result<Tensor, InvalidShape>
    where
        D: Copy + Debug + TryInto<usize>,
    {
        let (dims, needed) = check_shape(shape)?;
        if needed != data.len() {
            return Err(InvalidShape::LengthMismatch {
                shape: show(shape),
                needed,
                found: data.len(),
            });
        }
        Ok(Tensor::from_vec(data, &dims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_shapes_are_errors_and_edges_are_accepted() {
        let max = isize::MAX as usize / 4;
        assert_eq!(check_shape(&[max]).unwrap().1, max);
        assert!(check_shape(&[max + 1]).is_err());
        assert!(
            check_shape(&[0, max + 1]).is_err(),
            "ndarray checks nonzero dims"
        );
        assert!(check_shape(&[2, max / 2 + 1]).is_err());
        assert!(check_shape(&[u64::MAX, 0]).is_err());
        assert!(check_shape(&[1usize << 32, 1 << 32]).is_err());
        // Up to MAX_DIMS dimensions, then refused.
        assert_eq!(check_shape(&[1u64; MAX_DIMS]).unwrap().1, 1);
        assert_eq!(check_shape(&[0u64; MAX_DIMS]).unwrap().1, 0);
        let e = check_shape(&[1u64; MAX_DIMS + 1]).unwrap_err();
        assert!(
            matches!(e, InvalidShape::TooManyDimensions { rank: 65, .. }),
            "{e}"
        );
        let long = vec![1u64; 20];
        let e = Tensor::try_from_vec(vec![], &long).unwrap_err().to_string();
        assert_eq!(
            e,
            "shape [1, 1, 1, 1, 1, 1, 1, 1, ... 20 dimensions] needs 1 values, 0 given"
        );
    }

    #[test]
    fn every_checked_shape_builds_a_tensor() {
        // Zero-size tensors of shapes at the limit build without panicking.
        let max = isize::MAX as u64 / 4;
        for shape in [
            vec![0, max],
            vec![max, 0],
            vec![0, 1 << 20, 1 << 20],
            vec![],
        ] {
            let (_, n) = check_shape(&shape).unwrap();
            let t = Tensor::try_from_vec(vec![0.5; n], &shape).unwrap();
            assert_eq!(t.len(), n);
        }
    }
}
