//! Axis arguments: negative axes count from the end, as in PyTorch and numpy.

/// Resolves `axis` (negative counts from the end) for a tensor of `ndim` axes. Panics naming
/// `op` when it is out of range.
#[track_caller]
pub fn normalize_axis(axis: isize, ndim: usize, op: &str) -> usize {
    let n = ndim as isize;
    if !(-n..n).contains(&axis) {
        panic!("{op}: axis {axis} is out of range for a tensor of {ndim} dimensions");
    }
    if axis < 0 {
        (axis + n) as usize
    } else {
        axis as usize
    }
}

/// Resolves a set of axes for a tensor of `ndim` axes into a mask (true = listed). An empty
/// list means every axis (PyTorch's `dim=[]` for reductions); a 0-d tensor accepts axis 0 or
/// -1 as PyTorch does. Panics naming `op` for an axis out of range or listed twice.
#[track_caller]
pub fn axes_mask(axes: &[isize], ndim: usize, op: &str) -> Vec<bool> {
    if axes.is_empty() {
        return vec![true; ndim];
    }
    let mut mask = vec![false; ndim];
    for &a in axes {
        if ndim == 0 && (a == 0 || a == -1) {
            continue;
        }
        let ax = normalize_axis(a, ndim, op);
        if mask[ax] {
            panic!("{op}: axis {ax} appears more than once in {axes:?}");
        }
        mask[ax] = true;
    }
    mask
}

/// The shape after reducing `axis` of `shape` (kept as length 1 with `keepdim`).
pub fn reduced_shape(shape: &[usize], axis: usize, keepdim: bool) -> Vec<usize> {
    let mut s = shape.to_vec();
    if keepdim {
        s[axis] = 1;
    } else {
        s.remove(axis);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_axes() {
        assert_eq!(normalize_axis(-1, 3, "sum"), 2);
        assert_eq!(normalize_axis(0, 1, "sum"), 0);
        assert_eq!(reduced_shape(&[2, 3, 4], 1, true), vec![2, 1, 4]);
        assert_eq!(reduced_shape(&[2, 3, 4], 1, false), vec![2, 4]);
        assert_eq!(axes_mask(&[-1, 0], 3, "sum"), vec![true, false, true]);
        assert_eq!(axes_mask(&[], 2, "sum"), vec![true, true]);
        assert_eq!(axes_mask(&[0], 0, "sum"), Vec::<bool>::new());
    }

    #[test]
    #[should_panic(expected = "softmax: axis 2 is out of range for a tensor of 2 dimensions")]
    fn out_of_range() {
        normalize_axis(2, 2, "softmax");
    }

    #[test]
    #[should_panic(expected = "sum: axis 1 appears more than once in [1, -1]")]
    fn repeated_axis() {
        axes_mask(&[1, -1], 2, "sum");
    }
}
