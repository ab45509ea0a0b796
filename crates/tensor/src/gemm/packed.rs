//! The packed GEMM for CPUs with AVX2 and FMA: blocked for the caches, operands packed into
//! contiguous panels, a 6x16 register-tile micro-kernel (see [`super::kernel_avx2`]).
//!
//! Blocking (loop order jc, pc, ic, jr, ir, as in the BLIS papers):
//! - `B[pc..pc+KC, jc..jc+NC]` is packed once into panels of [`NR`] columns, each panel
//!   `KC x NR` contiguous (about 3 MB for the whole block: it lives in L3);
//! - `A[ic..ic+MC, pc..pc+KC]` is packed into panels of [`MR`] rows (`MC x KC`, about 144 KB:
//!   L2), per thread;
//! - the micro-kernel multiplies one A panel by one B panel (16 KB, L1) into a 6x16 tile of C.
//!
//! Partial panels at the edges are zero-padded, so the micro-kernel always runs full tiles and
//! only its store is masked. With two threads or more, C is cut into one band of rows (or of
//! columns, when C is wider than tall) per thread, each an independent product packing its
//! own operands: no barrier inside a product (measured better than sharing one packed B
//! between threads, which needs a barrier per depth block). Each element of C is still summed
//! by one thread in one fixed order, so results do not depend on the thread count. Packing
//! buffers are kept per thread and reused from call to call (no allocation, no page faults in
//! a training loop).

use super::kernel_avx2::{kernel_6x16, transpose_8x8, Tile};
use super::PAR_MIN_FLOPS;
use rayon::prelude::*;
use std::cell::RefCell;

/// Rows of the register tile.
pub(super) const MR: usize = 6;
/// Columns of the register tile (two 8-lane registers).
pub(super) const NR: usize = 16;
/// Depth of one packed block (A panel and B panel share it).
const KC: usize = 256;
/// Rows of C per packed A block (a multiple of [`MR`]).
const MC: usize = 144;
/// Columns of C per packed B block (a multiple of [`NR`]).
const NC: usize = 3072;

/// A read-only strided matrix: element (i, j) at `ptr + i * rs + j * cs`.
#[derive(Clone, Copy)]
pub(super) struct Mat {
    pub ptr: *const f32,
    pub rs: isize,
    pub cs: isize,
}

/// A writable strided matrix (C).
#[derive(Clone, Copy)]
pub(super) struct MatMut {
    pub ptr: *mut f32,
    pub rs: isize,
    pub cs: isize,
}

// SAFETY: `Mat` is only read through; `MatMut` is shared between threads only in `gemm`, where
// each thread writes a disjoint band of rows, or of columns, of C (and nobody else touches C
// meanwhile).
unsafe impl Send for Mat {}
unsafe impl Sync for Mat {}
unsafe impl Send for MatMut {}
unsafe impl Sync for MatMut {}

impl Mat {
    /// The sub-matrix starting at (i, j).
    ///
    /// # Safety
    /// (i, j) must lie inside the matrix (or be its end, for an empty block).
    unsafe fn at(self, i: usize, j: usize) -> Mat {
        Mat {
            ptr: self.ptr.offset(i as isize * self.rs + j as isize * self.cs),
            ..self
        }
    }

    /// Element (i, j).
    ///
    /// # Safety
    /// (i, j) must lie inside the matrix.
    #[inline(always)]
    unsafe fn get(self, i: usize, j: usize) -> f32 {
        *self.ptr.offset(i as isize * self.rs + j as isize * self.cs)
    }
}

impl MatMut {
    /// The sub-matrix starting at (i, j).
    ///
    /// # Safety
    /// (i, j) must lie inside the matrix.
    unsafe fn at(self, i: usize, j: usize) -> MatMut {
        MatMut {
            ptr: self.ptr.offset(i as isize * self.rs + j as isize * self.cs),
            ..self
        }
    }
}

/// A reusable buffer whose slices start on a 64-byte boundary (one cache line).
#[derive(Default)]
struct Aligned(Vec<f32>);

impl Aligned {
    /// A 64-byte-aligned slice of `n` floats (contents unspecified: callers overwrite it).
    fn slice(&mut self, n: usize) -> &mut [f32] {
        if self.0.len() < n + 16 {
            self.0 = vec![0.0; n + 16];
        }
        let off = self.0.as_ptr().align_offset(64).min(15);
        &mut self.0[off..off + n]
    }
}

thread_local! {
    static A_PACK: RefCell<Aligned> = RefCell::new(Aligned::default());
    static B_PACK: RefCell<Aligned> = RefCell::new(Aligned::default());
}

/// Runs `f` on this thread's buffer `cell`, or on a fresh one if it is in use (a re-entrant
/// call: a rayon thread that, while waiting, picks up another product).
fn with_buffer<R>(
    cell: &'static std::thread::LocalKey<RefCell<Aligned>>,
    n: usize,
    f: impl FnOnce(&mut [f32]) -> R,
) -> R {
    cell.with(|c| match c.try_borrow_mut() {
        Ok(mut buf) => f(buf.slice(n)),
        Err(_) => f(Aligned::default().slice(n)),
    })
}

/// `c = a b + beta c` for `a` [m, k], `b` [k, n], `c` [m, n] (`beta` 0: c is not read).
///
/// # Safety
/// The CPU must have AVX2 and FMA. `a`, `b` and `c` must address valid matrices of those
/// sizes for their strides; `c` must not overlap `a` or `b`, and nothing else may access `c`
/// during the call. m, n, k > 0.
pub(super) unsafe fn gemm(m: usize, n: usize, k: usize, a: Mat, b: Mat, beta: f32, c: MatMut) {
    let threads = if m * n * k >= PAR_MIN_FLOPS {
        rayon::current_num_threads()
    } else {
        1
    };
    if threads == 1 {
        gemm_serial(m, n, k, a, b, beta, c);
    } else if m >= n {
        // One independent product per thread on a band of rows of C (each thread packs its
        // own operands: no barrier inside the product).
        let rows = m.div_ceil(threads).div_ceil(MR) * MR;
        (0..m.div_ceil(rows)).into_par_iter().for_each(|t| {
            let r0 = t * rows;
            gemm_serial(rows.min(m - r0), n, k, a.at(r0, 0), b, beta, c.at(r0, 0));
        });
    } else {
        // C wider than tall: bands of columns.
        let cols = n.div_ceil(threads).div_ceil(NR) * NR;
        (0..n.div_ceil(cols)).into_par_iter().for_each(|t| {
            let c0 = t * cols;
            gemm_serial(m, cols.min(n - c0), k, a, b.at(0, c0), beta, c.at(0, c0));
        });
    }
}

/// [`gemm`] on the calling thread.
///
/// # Safety
/// As for [`gemm`].
unsafe fn gemm_serial(m: usize, n: usize, k: usize, a: Mat, b: Mat, beta: f32, c: MatMut) {
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        let panels = nc.div_ceil(NR);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            let beta = if pc == 0 { beta } else { 1.0 };
            with_buffer(&B_PACK, panels * NR * kc, |bp| {
                pack_b(kc, nc, b.at(pc, jc), bp);
                for ic in (0..m).step_by(MC) {
                    let rows = MC.min(m - ic);
                    block_product(rows, nc, kc, a.at(ic, pc), bp, beta, c.at(ic, jc));
                }
            });
        }
    }
}

/// One row block: packs `a` ([rows, kc]) and runs the micro-kernel over every tile of the
/// [rows, nc] block of C against the packed B block `bp`.
///
/// # Safety
/// As for [`gemm`], for this block.
unsafe fn block_product(
    rows: usize,
    nc: usize,
    kc: usize,
    a: Mat,
    bp: &[f32],
    beta: f32,
    c: MatMut,
) {
    let mpanels = rows.div_ceil(MR);
    with_buffer(&A_PACK, mpanels * MR * kc, |ap| {
        for (ip, dst) in ap.chunks_mut(MR * kc).enumerate() {
            pack_a(MR.min(rows - ip * MR), a.at(ip * MR, 0), dst);
        }
        for (jp, bpanel) in bp.chunks(NR * kc).enumerate() {
            let nr = NR.min(nc - jp * NR);
            for (ip, apanel) in ap.chunks(MR * kc).enumerate() {
                let mr = MR.min(rows - ip * MR);
                let tile = Tile {
                    c: c.at(ip * MR, jp * NR),
                    rows: mr,
                    cols: nr,
                };
                // SAFETY: the panels hold kc * MR and kc * NR floats; the tile lies inside C.
                kernel_6x16(kc, apanel.as_ptr(), bpanel.as_ptr(), beta, tile);
            }
        }
    })
}

/// Packs `rows` (at most [`MR`]) rows of `a` into `dst` ([kc, MR] for kc = `dst.len() / MR`;
/// row p holds a[0..MR, p]), zero-padding missing rows.
///
/// # Safety
/// `a` must address at least [rows, kc].
unsafe fn pack_a(rows: usize, a: Mat, dst: &mut [f32]) {
    if rows == MR && a.rs == 1 {
        // Columns of A contiguous (a transposed view): MR floats per step.
        for (p, d) in dst.chunks_exact_mut(MR).enumerate() {
            let src = a.ptr.offset(p as isize * a.cs);
            d.copy_from_slice(std::slice::from_raw_parts(src, MR));
        }
    } else if rows == MR && a.cs == 1 {
        // Rows of A contiguous: six sequential streams.
        let row: [*const f32; MR] = std::array::from_fn(|r| a.ptr.offset(r as isize * a.rs));
        for (p, d) in dst.chunks_exact_mut(MR).enumerate() {
            for r in 0..MR {
                d[r] = *row[r].add(p);
            }
        }
    } else {
        for (p, d) in dst.chunks_exact_mut(MR).enumerate() {
            for (r, x) in d.iter_mut().enumerate() {
                *x = if r < rows { a.get(r, p) } else { 0.0 };
            }
        }
    }
}

/// Packs the [kc, nc] block `b` into `dst`, panels of [kc, NR] (row p of panel q holds
/// b[p, q * NR..q * NR + NR]), zero-padding past column nc.
///
/// # Safety
/// The CPU must have AVX2 (for the transposing path); `b` must address at least [kc, nc];
/// `dst.len()` must be kc * NR * ceil(nc / NR).
unsafe fn pack_b(kc: usize, nc: usize, b: Mat, dst: &mut [f32]) {
    let panel = kc * NR;
    let panels = dst.len() / panel;
    let full = nc / NR;
    if b.cs == 1 {
        // Rows of B contiguous: walk B row by row (sequential reads, few pages at a time)
        // and drop each 16-float piece into its panel.
        for p in 0..kc {
            let src = b.ptr.offset(p as isize * b.rs);
            for q in 0..full {
                let d = dst.as_mut_ptr().add(q * panel + p * NR);
                std::ptr::copy_nonoverlapping(src.add(q * NR), d, NR);
            }
        }
    } else if b.rs == 1 {
        // Columns of B contiguous (a transposed view, e.g. a Linear weight): 8x8 blocks
        // transposed in registers, then the last depth steps one by one.
        let p8 = kc / 8 * 8;
        for q in 0..full {
            let d = dst.as_mut_ptr().add(q * panel);
            for half in 0..NR / 8 {
                let col = b.ptr.offset((q * NR + half * 8) as isize * b.cs);
                for p in (0..p8).step_by(8) {
                    transpose_8x8(col.add(p), b.cs, d.add(p * NR + half * 8), NR);
                }
            }
            for jj in 0..NR {
                let src = b.ptr.offset((q * NR + jj) as isize * b.cs);
                for p in p8..kc {
                    *d.add(p * NR + jj) = *src.add(p);
                }
            }
        }
    } else {
        for q in 0..full {
            for p in 0..kc {
                for jj in 0..NR {
                    dst[q * panel + p * NR + jj] = b.get(p, q * NR + jj);
                }
            }
        }
    }
    // The last, partial panel (if any) and panels past the edge: zero-padded.
    for q in full..panels {
        for p in 0..kc {
            for jj in 0..NR {
                let j = q * NR + jj;
                dst[q * panel + p * NR + jj] = if j < nc { b.get(p, j) } else { 0.0 };
            }
        }
    }
}
