//! Elementwise loops that go parallel (rayon) only when a slice is large enough to pay for it.
//!
//! Below [`PAR_THRESHOLD`] elements a loop runs on the calling thread: spawning work on the
//! pool costs a few microseconds, more than a small tensor's whole loop. Above it, the slice is
//! cut into chunks of [`CHUNK`] elements that rayon spreads over its threads. The same
//! helpers serve the optimizers' fused update loops.
//!
//! Every loop body runs inside [`simd`], which on x86-64 CPUs with AVX2 and FMA calls it
//! through a function compiled with those features enabled: the closure is inlined there and
//! the compiler vectorises it 8 lanes wide, with no `target-cpu=native` needed (a portable
//! build otherwise gets SSE2's 4 lanes). The check is one cached atomic load.

use rayon::prelude::*;

/// Element count from which loops run on the rayon pool.
pub const PAR_THRESHOLD: usize = 1 << 16;
/// Elements per parallel task (big enough to amortise scheduling, small enough to balance).
pub const CHUNK: usize = 1 << 14;

/// Sizes rayon's global pool to `threads` (what tapegrad's parallel loops and GEMM bands use).
/// Call it once, before any parallel work; rayon otherwise reads `RAYON_NUM_THREADS` or uses
/// one thread per core. Returns an error if the global pool was already built.
pub fn set_num_threads(threads: usize) -> Result<(), rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
}

/// The number of threads parallel loops use (rayon's current pool).
pub fn num_threads() -> usize {
    rayon::current_num_threads()
}

/// Runs `f` on one of the pool's threads and returns its result. Parallel loops inside `f`
/// then start from a pool thread, which takes its share of the work at once, instead of
/// being handed over from an outside thread that sleeps meanwhile while the pool's threads,
/// spinning for work between loops, compete with it for the cores. With more than one thread,
/// wrap a training loop in it (measured: MLP 784-256-128-10 steps 6-25% faster on 2 cores,
/// in two A/B runs). Called from a pool thread, it simply runs `f`.
pub fn run<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if rayon::current_thread_index().is_some() {
        return f();
    }
    rayon::scope(|_| f())
}

/// Runs `f` where the parallel loops inside it can only pick up work of the same kind.
///
/// A rayon thread waiting for its parallel loop to finish runs other queued jobs meanwhile
/// (work stealing). If it holds locks while it waits (an optimizer step holds every param's
/// lock while it updates them), a stolen job that takes one of those locks blocks forever on
/// its own thread. So work done while holding locks runs here: on a small pool of its own,
/// sized like the global one, that runs nothing but `isolated` jobs. The caller keeps the
/// locks and waits without running other work: from a thread of another pool, `f` is handed
/// over through a plain scoped thread (a pool thread would steal while waiting; a plain
/// thread blocks); from a plain thread, it blocks until `f` is done; inside `isolated`, `f`
/// runs in place. With one thread it just runs `f` (no loop goes parallel then).
///
/// Invariant for callers: `f` itself takes no lock that another `isolated` job may hold (take
/// the locks before calling, as optimizer steps do), so whatever a waiting thread of this pool
/// steals runs to completion.
pub fn isolated<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    use std::sync::OnceLock;
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    let threads = num_threads();
    if threads == 1 {
        return f();
    }
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("tapegrad-isolated-{i}"))
            .build()
            .ok()
    });
    let Some(pool) = pool else { return f() };
    if pool.current_thread_index().is_some() {
        return f();
    }
    if rayon::current_thread_index().is_none() {
        return pool.install(f);
    }
    std::thread::scope(|s| {
        s.spawn(|| pool.install(f))
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// True if the CPU has AVX2 and FMA (checked once, then cached by std).
#[inline(always)]
pub fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Runs `f`, compiled with AVX2 and FMA enabled when the CPU has them (see the module docs).
/// For loops over slices: write the body as plain scalar code (no `mul_add`, which is a slow
/// library call on the fallback path) and it is vectorised 8 lanes wide on AVX2 machines.
#[inline(always)]
pub fn simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            // SAFETY: the CPU supports AVX2 and FMA (checked just above), the only
            // requirement of calling a function compiled with those features.
            return unsafe { with_avx2_fma(f) };
        }
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn with_avx2_fma<R>(f: impl FnOnce() -> R) -> R {
    f()
}

fn parallel(n: usize) -> bool {
    n >= PAR_THRESHOLD && rayon::current_num_threads() > 1
}

/// `f(&mut a[i])` for every i.
pub fn for_each(a: &mut [f32], f: impl Fn(&mut f32) + Sync + Send) {
    if parallel(a.len()) {
        a.par_chunks_mut(CHUNK)
            .for_each(|c| simd(|| c.iter_mut().for_each(&f)));
    } else {
        simd(|| a.iter_mut().for_each(f));
    }
}

/// `f(&mut a[i], &b[i])` for every i. Panics if the lengths differ.
pub fn zip2(a: &mut [f32], b: &[f32], f: impl Fn(&mut f32, &f32) + Sync + Send) {
    assert_eq!(a.len(), b.len(), "zip2: length mismatch");
    if parallel(a.len()) {
        a.par_chunks_mut(CHUNK)
            .zip(b.par_chunks(CHUNK))
            .for_each(|(ca, cb)| simd(|| ca.iter_mut().zip(cb).for_each(|(x, y)| f(x, y))));
    } else {
        simd(|| a.iter_mut().zip(b).for_each(|(x, y)| f(x, y)));
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
                simd(|| {
                    for ((x, y), z) in ca.iter_mut().zip(cb).zip(cc) {
                        f(x, y, z)
                    }
                })
            });
    } else {
        simd(|| {
            for ((x, y), z) in a.iter_mut().zip(b).zip(c) {
                f(x, y, z)
            }
        });
    }
}

/// Runs `f(offset, chunk)` over `a` cut into chunks, in parallel when `a` is large.
/// `offset` is the chunk's start index in `a`, so `f` can index sibling slices.
pub fn chunks_mut(a: &mut [f32], f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    if parallel(a.len()) {
        a.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(i, c)| simd(|| f(i * CHUNK, c)));
    } else {
        simd(|| f(0, a));
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
        simd(|| f(value, grad, bufs));
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
    jobs.into_par_iter()
        .for_each(|(v, g, bs)| simd(|| f(v, g, bs)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_executes_on_a_pool_thread_and_returns() {
        assert!(run(|| rayon::current_thread_index().is_some()));
        // Nested: already on a pool thread, it runs in place.
        let (outer, inner) = run(|| {
            let outer = rayon::current_thread_index();
            (outer, run(rayon::current_thread_index))
        });
        assert_eq!(outer, inner);
    }

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
