//! Axis arguments: negative axes count from the end, as in PyTorch and numpy.

/// Resolves `axis` (negative counts from the end) for a tensor of `ndim` axes. Panics naming
/// `op` when it is out of range.
pub fn normalize_axis(axis: isize, ndim: usize, op: &str) -> usize {
    let n = ndim as isize;
    assert!(
        (-n..n).contains(&axis),
        "{op}: axis {axis} is out of range for a tensor of {ndim} dimensions"
    );
    if axis < 0 {
        (axis + n) as usize
    } else {
        axis as usize
    }
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
    }

    #[test]
    #[should_panic(expected = "softmax: axis 2 is out of range for a tensor of 2 dimensions")]
    fn out_of_range() {
        normalize_axis(2, 2, "softmax");
    }
}
