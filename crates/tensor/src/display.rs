//! Printing tensors as PyTorch does by default: nested brackets, the elements right-aligned to
//! a common width, and a tensor of more than 1000 elements summarised to its first and last 3
//! entries per axis with `...` between (PyTorch's `threshold=1000`, `edgeitems=3`). Shared by
//! [`Tensor`](crate::Tensor), [`IntTensor`](crate::IntTensor) and
//! [`BoolTensor`](crate::BoolTensor).

use std::fmt;

/// Tensors with more elements than this are summarised.
pub(crate) const THRESHOLD: usize = 1000;
/// Entries shown at each end of a summarised axis.
pub(crate) const EDGE_ITEMS: usize = 3;

/// The indices shown along an axis of length `n` (`None` marks the `...`).
fn shown(n: usize, summarize: bool) -> Vec<Option<usize>> {
    if summarize && n > 2 * EDGE_ITEMS {
        (0..EDGE_ITEMS)
            .map(Some)
            .chain(std::iter::once(None))
            .chain((n - EDGE_ITEMS..n).map(Some))
            .collect()
    } else {
        (0..n).map(Some).collect()
    }
}

/// The shown cells, in order, as strings (used once for the width, once for the layout).
fn cells(
    shape: &[usize],
    offset: usize,
    summarize: bool,
    elem: &dyn Fn(usize) -> String,
) -> Vec<String> {
    let Some((&n, rest)) = shape.split_first() else {
        return vec![elem(offset)];
    };
    let stride: usize = rest.iter().product();
    shown(n, summarize)
        .into_iter()
        .flatten()
        .flat_map(|i| cells(rest, offset + i * stride, summarize, elem))
        .collect()
}

fn layout(
    out: &mut String,
    shape: &[usize],
    depth: usize,
    summarize: bool,
    next: &mut dyn Iterator<Item = String>,
    width: usize,
) {
    let Some((&n, rest)) = shape.split_first() else {
        let s = next.next().unwrap_or_default();
        out.push_str(&format!("{s:>width$}"));
        return;
    };
    out.push('[');
    let sep = if rest.is_empty() {
        ", ".to_string()
    } else {
        format!(",\n{}", " ".repeat(depth + 1))
    };
    for (k, i) in shown(n, summarize).into_iter().enumerate() {
        if k > 0 {
            out.push_str(&sep);
        }
        match i {
            Some(_) => layout(out, rest, depth + 1, summarize, next, width),
            None => out.push_str("..."),
        }
    }
    out.push(']');
}

/// Writes `Name(shape=[..])` and, on the next line, the values; `elem(i)` formats element `i`
/// (row-major) of a tensor of `len` elements.
pub(crate) fn write_tensor(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    shape: &[usize],
    len: usize,
    elem: &dyn Fn(usize) -> String,
) -> fmt::Result {
    writeln!(f, "{name}(shape={shape:?})")?;
    let summarize = len > THRESHOLD;
    let all = if len == 0 && !shape.is_empty() {
        Vec::new()
    } else {
        cells(shape, 0, summarize, elem)
    };
    let width = all.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    layout(&mut out, shape, 0, summarize, &mut all.into_iter(), width);
    f.write_str(&out)
}

#[cfg(test)]
mod tests {
    use crate::{BoolTensor, IntTensor, Tensor};

    #[test]
    fn small_tensors_show_every_value_aligned() {
        let t = Tensor::from_vec(vec![1.0, -2.5, 30.0, 4.0, 5.0, 6.0, 7.0, 8.0], &[2, 4]);
        assert_eq!(
            format!("{t}"),
            "Tensor(shape=[2, 4])\n[[ 1.0000, -2.5000, 30.0000,  4.0000],\n [ 5.0000,  6.0000,  7.0000,  8.0000]]"
        );
        assert_eq!(
            format!("{}", Tensor::scalar(0.5)),
            "Tensor(shape=[])\n0.5000"
        );
        assert_eq!(
            format!("{}", Tensor::zeros(&[0, 3])),
            "Tensor(shape=[0, 3])\n[]"
        );
        assert_eq!(
            format!("{}", IntTensor::from_vec(vec![3, -10], &[2])),
            "IntTensor(shape=[2])\n[  3, -10]"
        );
        assert_eq!(
            format!("{}", BoolTensor::from_vec(vec![true, false], &[1, 2])),
            "BoolTensor(shape=[1, 2])\n[[ true, false]]"
        );
    }

    #[test]
    fn large_tensors_are_summarised_per_axis() {
        // 1001 elements: over PyTorch's threshold, so 3 at each end of the axis.
        let t = Tensor::from_vec((0..1001).map(|i| i as f32).collect(), &[1001]);
        let s = format!("{t}");
        assert_eq!(
            s,
            "Tensor(shape=[1001])\n[   0.0000,    1.0000,    2.0000, ...,  998.0000,  999.0000, 1000.0000]"
        );
        // 1000 elements: printed in full.
        let t = Tensor::zeros(&[10, 100]);
        assert!(!format!("{t}").contains("..."));
        // 2-D over the threshold: rows and columns both elided.
        let t = Tensor::zeros(&[40, 40]);
        let s = format!("{t}");
        assert_eq!(s.lines().count(), 1 + 7, "{s}");
        assert!(s.lines().nth(4).unwrap().trim() == "...,", "{s}");
    }
}
