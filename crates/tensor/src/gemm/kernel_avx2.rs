//! The AVX2/FMA micro-kernel of the packed GEMM: a 6x16 tile of C held in twelve 8-lane
//! registers, updated by one rank-1 product per step of depth (two loads of B, six
//! broadcasts of A, twelve FMAs), then stored once.
//!
//! Twelve independent accumulators cover the FMA latency on both FMA pipes; with the two B
//! registers and one broadcast that is 15 of the 16 ymm registers.

use super::packed::{MatMut, MR, NR};
use std::arch::x86_64::*;

/// Where a tile of C goes: its top-left corner and how much of the 6x16 tile is real (the
/// rest falls outside C at the right or bottom edge and is not stored).
pub(super) struct Tile {
    pub c: MatMut,
    pub rows: usize,
    pub cols: usize,
}

/// `tile = a_panel b_panel + beta tile` over depth `kc`. `a` is a packed [kc, MR] panel, `b`
/// a packed [kc, NR] panel (zero-padded at the edges). `beta` 0 stores without reading C.
///
/// # Safety
/// The CPU must have AVX2 and FMA; `a` and `b` must hold kc * MR and kc * NR floats; the
/// tile's `rows` x `cols` elements must lie inside C and be writable.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn kernel_6x16(kc: usize, a: *const f32, b: *const f32, beta: f32, tile: Tile) {
    // Fetch the C tile while the products run (its rows are far apart in memory).
    if tile.c.cs == 1 {
        for r in 0..tile.rows {
            let p = tile.c.ptr.offset(r as isize * tile.c.rs) as *const i8;
            _mm_prefetch::<_MM_HINT_T0>(p);
            // The row's last float may lie past C at the right edge: a wrapping offset (a
            // prefetch of any address is harmless; `add` past the allocation would not be).
            _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(60));
        }
    }
    let z = _mm256_setzero_ps();
    let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21) = (z, z, z, z, z, z);
    let (mut c30, mut c31, mut c40, mut c41, mut c50, mut c51) = (z, z, z, z, z, z);
    // One rank-1 update of the tile per step of depth.
    macro_rules! step {
        ($ap:expr, $bp:expr) => {{
            let b0 = _mm256_loadu_ps($bp);
            let b1 = _mm256_loadu_ps($bp.add(8));
            let x = _mm256_broadcast_ss(&*$ap);
            c00 = _mm256_fmadd_ps(x, b0, c00);
            c01 = _mm256_fmadd_ps(x, b1, c01);
            let x = _mm256_broadcast_ss(&*$ap.add(1));
            c10 = _mm256_fmadd_ps(x, b0, c10);
            c11 = _mm256_fmadd_ps(x, b1, c11);
            let x = _mm256_broadcast_ss(&*$ap.add(2));
            c20 = _mm256_fmadd_ps(x, b0, c20);
            c21 = _mm256_fmadd_ps(x, b1, c21);
            let x = _mm256_broadcast_ss(&*$ap.add(3));
            c30 = _mm256_fmadd_ps(x, b0, c30);
            c31 = _mm256_fmadd_ps(x, b1, c31);
            let x = _mm256_broadcast_ss(&*$ap.add(4));
            c40 = _mm256_fmadd_ps(x, b0, c40);
            c41 = _mm256_fmadd_ps(x, b1, c41);
            let x = _mm256_broadcast_ss(&*$ap.add(5));
            c50 = _mm256_fmadd_ps(x, b0, c50);
            c51 = _mm256_fmadd_ps(x, b1, c51);
        }};
    }
    let (mut ap, mut bp) = (a, b);
    // Four steps per iteration (fewer loop branches and pointer updates), then the rest.
    for _ in 0..kc / 4 {
        step!(ap, bp);
        step!(ap.add(MR), bp.add(NR));
        step!(ap.add(2 * MR), bp.add(2 * NR));
        step!(ap.add(3 * MR), bp.add(3 * NR));
        ap = ap.add(4 * MR);
        bp = bp.add(4 * NR);
    }
    for _ in 0..kc % 4 {
        step!(ap, bp);
        ap = ap.add(MR);
        bp = bp.add(NR);
    }
    let acc = [
        [c00, c01],
        [c10, c11],
        [c20, c21],
        [c30, c31],
        [c40, c41],
        [c50, c51],
    ];
    let c = tile.c;
    if tile.rows == MR && tile.cols == NR && c.cs == 1 {
        let bv = _mm256_set1_ps(beta);
        for (r, [lo, hi]) in acc.into_iter().enumerate() {
            let p = c.ptr.offset(r as isize * c.rs);
            if beta == 0.0 {
                _mm256_storeu_ps(p, lo);
                _mm256_storeu_ps(p.add(8), hi);
            } else {
                _mm256_storeu_ps(p, _mm256_fmadd_ps(bv, _mm256_loadu_ps(p), lo));
                _mm256_storeu_ps(p.add(8), _mm256_fmadd_ps(bv, _mm256_loadu_ps(p.add(8)), hi));
            }
        }
        return;
    }
    // An edge tile or a strided C: through a buffer, element by element.
    let mut buf = [[0.0f32; NR]; MR];
    for (row, [lo, hi]) in buf.iter_mut().zip(acc) {
        _mm256_storeu_ps(row.as_mut_ptr(), lo);
        _mm256_storeu_ps(row.as_mut_ptr().add(8), hi);
    }
    for (r, row) in buf.iter().enumerate().take(tile.rows) {
        for (j, &v) in row.iter().enumerate().take(tile.cols) {
            let p = c.ptr.offset(r as isize * c.rs + j as isize * c.cs);
            *p = if beta == 0.0 { v } else { beta.mul_add(*p, v) };
        }
    }
}

/// Transposes an 8x8 block: `dst[p * dst_stride + j] = src[j * src_stride + p]` for j, p < 8
/// (eight loads, the classic unpack / shuffle / lane-permute network, eight stores). Packs a
/// transposed operand (a Linear weight seen as `W^T`) eight times faster than scalar copies.
///
/// # Safety
/// The CPU must have AVX2; the eight source rows of 8 floats and the eight destination rows
/// of 8 floats must be valid (and not overlap).
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn transpose_8x8(
    src: *const f32,
    src_stride: isize,
    dst: *mut f32,
    dst_stride: usize,
) {
    let r: [__m256; 8] =
        std::array::from_fn(|j| _mm256_loadu_ps(src.offset(j as isize * src_stride)));
    let t0 = _mm256_unpacklo_ps(r[0], r[1]);
    let t1 = _mm256_unpackhi_ps(r[0], r[1]);
    let t2 = _mm256_unpacklo_ps(r[2], r[3]);
    let t3 = _mm256_unpackhi_ps(r[2], r[3]);
    let t4 = _mm256_unpacklo_ps(r[4], r[5]);
    let t5 = _mm256_unpackhi_ps(r[4], r[5]);
    let t6 = _mm256_unpacklo_ps(r[6], r[7]);
    let t7 = _mm256_unpackhi_ps(r[6], r[7]);
    let s0 = _mm256_shuffle_ps::<0x44>(t0, t2);
    let s1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
    let s2 = _mm256_shuffle_ps::<0x44>(t1, t3);
    let s3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
    let s4 = _mm256_shuffle_ps::<0x44>(t4, t6);
    let s5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
    let s6 = _mm256_shuffle_ps::<0x44>(t5, t7);
    let s7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
    let o = [
        _mm256_permute2f128_ps::<0x20>(s0, s4),
        _mm256_permute2f128_ps::<0x20>(s1, s5),
        _mm256_permute2f128_ps::<0x20>(s2, s6),
        _mm256_permute2f128_ps::<0x20>(s3, s7),
        _mm256_permute2f128_ps::<0x31>(s0, s4),
        _mm256_permute2f128_ps::<0x31>(s1, s5),
        _mm256_permute2f128_ps::<0x31>(s2, s6),
        _mm256_permute2f128_ps::<0x31>(s3, s7),
    ];
    for (p, v) in o.into_iter().enumerate() {
        _mm256_storeu_ps(dst.add(p * dst_stride), v);
    }
}
