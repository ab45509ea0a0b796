//! Elementwise loops that go parallel (rayon) only when a slice is large enough to pay for it.
//!
//! Below [`PAR_THRESHOLD`] elements a loop runs on the calling thread: spawning work on the
//! pool costs a few microseconds, more than a small tensor's whole loop. Above it, the slice is
//! cut into chunks of [`CHUNK`] elements that rayon spreads over its threads. The same
//! helpers serve the optimizers' fused update loops.

use rayon::prelude::*;

/// Element count from which loops run on the rayon pool.
pub const PAR_THRESHOLD: usize = 1 << 16;
/// Elements per parallel task (big enough to amortise scheduling, small enough to balance).
pub const CHUNK: usize = 1 << 14;

fn parallel(n: usize) -> bool {
    n >= PAR_THRESHOLD && rayon::current_num_threads() > 1
}

/// `f(&mut a[i])` for every i.
pub fn for_each(a: &mut [f32], f: impl Fn(&mut f32) + Sync + Send) {
    if parallel(a.len()) {
        a.par_chunks_mut(CHUNK)
            .for_each(|c| c.iter_mut().for_each(&f));
    } else {
        a.iter_mut().for_each(f);
    }
}

/// `f(&mut a[i], &b[i])` for every i. Panics if the lengths differ.
pub fn zip2(a: &mut [f32], b: &[f32], f: impl Fn(&mut f32, &f32) + Sync + Send) {
    assert_eq!(a.len(), b.len(), "zip2: length mismatch");
    if parallel(a.len()) {
        a.par_chunks_mut(CHUNK)
            .zip(b.par_chunks(CHUNK))
            .for_each(|(ca, cb)| ca.iter_mut().zip(cb).for_each(|(x, y)| f(x, y)));
    } else {
        a.iter_mut().zip(b).for_each(|(x, y)| f(x, y));
    }
}

/// `f(&mut a[i], &b[i], &c[i])` for every i. Panics if the lengths differ.
pub fn zip3(a: &mut [f32], b: &[f32], c: &[f32], f: impl Fn(&mut f32, &f32, &f32) + Sync + Send) {
    assert!(
        a.len() == b.len() && a.len() == c.len(),
        "zip3: length mismatch"
    );
    if parallel(a.len()) {
        a.par_chunks_mut(CHUNK)
            .zip(b.par_chunks(CHUNK))
            .zip(c.par_chunks(CHUNK))
            .for_each(|((ca, cb), cc)| {
                for ((x, y), z) in ca.iter_mut().zip(cb).zip(cc) {
                    f(x, y, z)
                }
            });
    } else {
        for ((x, y), z) in a.iter_mut().zip(b).zip(c) {
            f(x, y, z)
        }
    }
}

/// Runs `f(offset, chunk)` over `a` cut into chunks, in parallel when `a` is large.
/// `offset` is the chunk's start index in `a`, so `f` can index sibling slices.
pub fn chunks_mut(a: &mut [f32], f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    if parallel(a.len()) {
        a.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(i, c)| f(i * CHUNK, c));
    } else {
        f(0, a);
    }
}

/// One fused pass over a value, its gradient and `N` state buffers of the same length: runs
/// `f(value, grad, [buffers])` on the whole slices, or on aligned chunks of them in parallel
/// when they are large. The building block of every optimizer's update.
pub fn fused<const N: usize>(
    value: &mut [f32],
    grad: &[f32],
    bufs: [&mut [f32]; N],
    f: impl Fn(&mut [f32], &[f32], [&mut [f32]; N]) + Sync + Send,
) {
    let n = value.len();
    assert!(
        grad.len() == n && bufs.iter().all(|b| b.len() == n),
        "fused: value, gradient and state buffers differ in length"
    );
    if !parallel(n) {
        f(value, grad, bufs);
        return;
    }
    let mut buf_chunks = bufs.map(|b| b.chunks_mut(CHUNK));
    let jobs: Vec<_> = value
        .chunks_mut(CHUNK)
        .zip(grad.chunks(CHUNK))
        .map(|(v, g)| {
            let bs: [&mut [f32]; N] =
                std::array::from_fn(|i| buf_chunks[i].next().expect("equal lengths"));
            (v, g, bs)
        })
        .collect();
    jobs.into_par_iter().for_each(|(v, g, bs)| f(v, g, bs));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fused_covers_every_element_once() {
        for n in [0, 5, PAR_THRESHOLD + 3] {
            let mut v = vec![1.0f32; n];
            let g: Vec<f32> = (0..n).map(|i| i as f32).collect();
            let mut m = vec![0.0f32; n];
            fused(&mut v, &g, [&mut m], |v, g, [m]| {
                for ((v, g), m) in v.iter_mut().zip(g).zip(m.iter_mut()) {
                    *m += g;
                    *v += 1.0;
                }
            });
            assert!(v.iter().all(|&x| x == 2.0));
            assert_eq!(m, g);
        }
    }

    #[test]
    fn large_and_small_agree() {
        for n in [0, 1, 63, 65, PAR_THRESHOLD - 1, PAR_THRESHOLD + 17] {
            let b: Vec<f32> = (0..n).map(|i| i as f32).collect();
            let c: Vec<f32> = (0..n).map(|i| (i % 7) as f32).collect();
            let mut a = vec![f32::NAN; n];
            zip3(&mut a, &b, &c, |o, x, y| *o = x * 2.0 + y);
            for i in 0..n {
                assert_eq!(a[i], b[i] * 2.0 + c[i]);
            }
            chunks_mut(&mut a, |off, ch| {
                for (j, x) in ch.iter_mut().enumerate() {
                    *x = (off + j) as f32;
                }
            });
            assert_eq!(a, b);
        }
    }
}
