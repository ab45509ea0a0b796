//! A small cache of large tensor buffers, so a training loop reuses memory instead of going
//! back to the operating system every step.
//!
//! A training step allocates the same large buffers every time (activations, gradients, GEMM
//! outputs) and frees them when the tape and the gradients are dropped. With glibc's malloc,
//! buffers of this size come from `mmap` or from the top of the heap, which is trimmed when
//! they are freed: every step then pays a page fault and a kernel-zeroed page for each 4 KiB it
//! touches (measured at about 15% of an MLP 784-256-128-10 step). Here, a dropped [`Tensor`]
//! whose buffer is large ([`MIN_LEN`] floats or more) and not shared hands it to this pool,
//! and ops that produce a large tensor take a buffer from it.
//!
//! The pool is bounded: at most [`MAX_BUFFERS`] buffers and [`capacity_bytes`] bytes (64 MiB
//! unless changed with [`set_capacity_bytes`]); beyond that the oldest buffers are freed.
//! [`clear`] frees everything it holds. Buffers taken from the pool hold stale values: only
//! code that overwrites every element takes them.
//!
//! [`Tensor`]: crate::Tensor

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Buffers shorter than this many floats (64 KiB) are left to the allocator, whose free
/// lists serve them well.
pub const MIN_LEN: usize = 1 << 14;
/// Most buffers the pool keeps.
pub const MAX_BUFFERS: usize = 64;

static CAPACITY: AtomicUsize = AtomicUsize::new(64 << 20);
static POOL: Mutex<Vec<Vec<f32>>> = Mutex::new(Vec::new());

fn pool() -> std::sync::MutexGuard<'static, Vec<Vec<f32>>> {
    // A panic cannot leave the list half-updated (push, remove and clear are whole
    // operations), so a poisoned lock is still usable.
    POOL.lock().unwrap_or_else(|e| e.into_inner())
}

fn bytes(bufs: &[Vec<f32>]) -> usize {
    bufs.iter().map(|b| b.capacity() * 4).sum()
}

/// The most bytes the pool keeps.
pub fn capacity_bytes() -> usize {
    CAPACITY.load(Ordering::Relaxed)
}

/// Sets the most bytes the pool keeps (0 turns it off), freeing buffers beyond the new bound.
pub fn set_capacity_bytes(bytes_max: usize) {
    let mut p = pool();
    CAPACITY.store(bytes_max, Ordering::Relaxed);
    while !p.is_empty() && bytes(&p) > bytes_max {
        p.remove(0);
    }
}

/// Frees every buffer the pool holds.
pub fn clear() {
    pool().clear();
}

/// Bytes held by the pool now.
pub fn held_bytes() -> usize {
    bytes(&pool())
}

/// A buffer of `len` floats with unspecified (stale) contents: the caller must overwrite
/// every element. Reuses a pooled buffer holding `len` to `2 * len` floats (by capacity, so
/// a small tensor never keeps a much larger allocation alive) when there is one.
pub(crate) fn take(len: usize) -> Vec<f32> {
    if len >= MIN_LEN {
        let mut p = pool();
        let best = p
            .iter()
            .enumerate()
            .filter(|(_, b)| b.len() >= len && b.capacity() <= 2 * len)
            .min_by_key(|(_, b)| b.capacity())
            .map(|(i, _)| i);
        if let Some(i) = best {
            let mut v = p.remove(i);
            drop(p);
            v.truncate(len);
            return v;
        }
    }
    vec![0.0; len]
}

/// Gives a buffer back (called when a tensor that owned it alone is dropped).
pub(crate) fn give(v: Vec<f32>) {
    if v.len() < MIN_LEN {
        return;
    }
    let mut p = pool();
    // Read under the lock, so a concurrent `set_capacity_bytes` is never overrun.
    let cap = capacity_bytes();
    if v.capacity() * 4 > cap {
        return;
    }
    p.push(v);
    while p.len() > MAX_BUFFERS || bytes(&p) > cap {
        p.remove(0);
    }
}
