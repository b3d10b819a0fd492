//! An f32 GEMM for the encoders' Linear layers, `out = epilogue(x wᵀ)`, with the weight packed
//! once at load into the micro-kernel's panel layout, on x86-64 CPUs with AVX2 and FMA.
//!
//! BLIS-style: the weight `w` `(n, k)` is stored as wᵀ in panels of [`NR`] = 16 output columns,
//! each panel `k` lines of 16 values (one 64-byte line per `k`, zero past `n`), so any block of
//! [`KC`] consecutive `k` of a panel is one contiguous, aligned slice and nothing is re-packed
//! per call. Per call, blocks of at most [`MC_MAX`] rows of `x` are packed (per [`KC`]-block
//! of `k`) into row panels of [`MR`] = 6 rows, `k`-major; the micro-kernel multiplies one
//! 6-row panel by one 16-column panel over one `k` block in 12 ymm accumulators, and the
//! caller's epilogue (bias, activation, residual) runs on each 6 × 16 output tile right after
//! its last `k` block, while the tile is in L1.
//!
//! **Arithmetic.** Output `(i, j)` is `Σ_blocks (Σ_{kk in block} x[i][kk] · w[j][kk])`: within
//! a block a chain of fused multiply-adds from zero in `k` order, the blocks' partial sums
//! added to the output in block order. That order depends only on `k`, never on `m`, `n`, the
//! tile an element falls in, the task split or the thread count, so every output row is the
//! same whatever batch it is computed in (edge tiles run the same kernel on zero-padded
//! panels). It is not the `gemm` crate's order (which blocks `k` differently): results differ
//! from it by rounding only (tested against an f64 reference below; the model's features are
//! compared in docs/performance.md, "Round 6").
//!
//! Threads: tasks of (row block, column range) on rayon, the pool the rest of the encoder
//! uses; each task writes only its own rows × columns of the output.
#![allow(unsafe_code)]

use std::cell::RefCell;
use std::sync::Arc;

use rayon::prelude::*;

/// Rows of `x` per micro-kernel call.
pub(crate) const MR: usize = 6;
/// Output columns per micro-kernel call (two 8-lane vectors), and per weight panel.
pub(crate) const NR: usize = 16;
/// `k` per block: a weight panel's block (`KC` × 16 × 4 B = 24 KiB) stays in the 32 KiB L1
/// while every row panel of the row block (from L2) passes it. (256 and 768 were slower on the
/// ViT-B/16 shapes, measured: docs/performance.md, "Round 6".)
pub(crate) const KC: usize = 384;
/// Most rows per row block: its packed `x` (`MC_MAX` × `KC` × 4 B = 360 KiB) stays in the
/// 512 KiB L2.
pub(crate) const MC_MAX: usize = 240;

/// One 64-byte line: [`NR`] values of one `k` of a weight panel (aligned for the kernel's
/// aligned loads).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([f32; NR]);

/// A Linear's weight `(n, k)` packed for [`matmul`]: wᵀ in panels of [`NR`] columns.
pub struct PackedWeight {
    n: usize,
    k: usize,
    /// Panel `p` (output columns `p·NR ..`) is lines `(first + p)·k ..` (`k` of them); line
    /// `(first + p)·k + kk` holds `w[p·NR + j][kk]` at `j` (zero or another output's weights
    /// where `p·NR + j ≥ n`: those outputs are never stored). Shared by [`Self::rows`] views.
    lines: Arc<Vec<Line>>,
    /// The first panel of this weight in `lines`.
    first: usize,
}

/// Whether this CPU runs the kernel (x86-64 with AVX2 and FMA). Checked once per process by
/// std's feature cache; [`PackedWeight::new`] returns `None` where it is false.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl PackedWeight {
    /// Packs the row-major `w` `(n, k)`; `None` where the kernel cannot run ([`available`]),
    /// or for an empty shape.
    pub fn new(w: &[f32], n: usize, k: usize) -> Option<Self> {
        assert_eq!(
            w.len(),
            n * k,
            "packed weight: {} values for ({n}, {k})",
            w.len()
        );
        if !available() || n == 0 || k == 0 {
            return None;
        }
        let mut lines = vec![Line([0.0; NR]); n.div_ceil(NR) * k];
        lines.par_chunks_mut(k).enumerate().for_each(|(p, panel)| {
            for j in 0..NR.min(n - p * NR) {
                let row = &w[(p * NR + j) * k..][..k];
                for (line, &v) in panel.iter_mut().zip(row) {
                    line.0[j] = v;
                }
            }
        });
        Some(Self {
            n,
            k,
            lines: Arc::new(lines),
            first: 0,
        })
    }

    /// `(n, k)`: output and input widths.
    pub fn dims(&self) -> (usize, usize) {
        (self.n, self.k)
    }

    /// The `k` lines of panel `p` (output columns `p·NR ..`).
    fn panel(&self, p: usize) -> &[Line] {
        &self.lines[(self.first + p) * self.k..][..self.k]
    }

    /// Row `j` of the original `w` (output column `j`), read back from the panels.
    fn row(&self, j: usize) -> impl Iterator<Item = f32> + '_ {
        self.panel(j / NR).iter().map(move |line| line.0[j % NR])
    }

    /// The original `w` `(n, k)`, row-major.
    pub(crate) fn unpack(&self) -> Vec<f32> {
        (0..self.n).flat_map(|j| self.row(j)).collect()
    }

    /// Output columns `from .. from + len` (rows of the original `w`) as a weight of their
    /// own: a view of the same panels when `from` is a multiple of [`NR`] (as the q and k/v
    /// parts of ViT-B's fused projection are), else packed again. Either way each output
    /// column is computed with the same arithmetic as in the whole (`None` for `len` 0).
    pub(crate) fn rows(&self, from: usize, len: usize) -> Option<Self> {
        assert!(
            from + len <= self.n,
            "packed weight: rows {from}+{len} of {}",
            self.n
        );
        if len == 0 {
            return None;
        }
        if from.is_multiple_of(NR) {
            return Some(Self {
                n: len,
                k: self.k,
                lines: Arc::clone(&self.lines),
                first: self.first + from / NR,
            });
        }
        let w: Vec<f32> = (from..from + len).flat_map(|j| self.row(j)).collect();
        Self::new(&w, len, self.k)
    }
}

thread_local! {
    /// Each thread's packed block of `x` (at most [`MC_MAX`] rows rounded up to [`MR`], × [`KC`]).
    static PACKED_X: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// `epilogue(x (m × k) · wᵀ)` `(m, n)` for the row-major `x`, on `threads` threads (1: the
/// calling thread only), row-major. `epilogue(row, col, values)` is called exactly once for
/// every output row segment `out[row][col .. col + values.len()]`, after its products are
/// final, with those values to change in place (segments of at most [`NR`] values starting
/// at multiples of [`NR`]; every `(row, col)` of the output is in one segment).
pub fn matmul<E>(x: &[f32], w: &PackedWeight, threads: usize, epilogue: E) -> Vec<f32>
where
    E: Fn(usize, usize, &mut [f32]) + Sync,
{
    let (n, k) = (w.n, w.k);
    assert_eq!(x.len() % k, 0, "matmul: {} inputs for width {k}", x.len());
    let m = x.len() / k;
    let mut out: Vec<f32> = Vec::with_capacity(m * n);
    if m == 0 {
        return out;
    }
    // row blocks of equal size (a multiple of MR, at most MC_MAX rows), as many as a multiple
    // of the threads where there are several, so that no thread waits for another's last one
    let blocks = m.div_ceil(MC_MAX).next_multiple_of(threads.max(1));
    let mc = m.div_ceil(blocks).next_multiple_of(MR);
    let blocks = m.div_ceil(mc);
    // with few row blocks, the columns are split too, so that every thread has work
    let panels = n.div_ceil(NR);
    let chunks = if threads > 1 && blocks < 2 * threads {
        (2 * threads).div_ceil(blocks).min(panels)
    } else {
        1
    };
    let per_chunk = panels.div_ceil(chunks);
    let chunks = panels.div_ceil(per_chunk);
    let out_at = out.spare_capacity_mut().as_mut_ptr() as usize;
    let task = |t: usize| {
        let (b, c) = (t / chunks, t % chunks);
        let r0 = b * mc;
        let rows = mc.min(m - r0);
        let p0 = c * per_chunk;
        let p1 = panels.min(p0 + per_chunk);
        PACKED_X.with_borrow_mut(|px| {
            // SAFETY: `out` has capacity m × n; task (b, c) writes only output rows
            // r0 .. r0 + rows, columns p0·NR .. min(p1·NR, n), which no other task writes or
            // reads; `out` outlives the tasks and is not otherwise accessed meanwhile.
            unsafe {
                block(
                    x,
                    w,
                    (r0, rows),
                    (p0, p1),
                    out_at as *mut f32,
                    px,
                    &epilogue,
                )
            }
        })
    };
    if chunks * blocks == 1 || threads <= 1 {
        (0..blocks * chunks).for_each(task);
    } else {
        (0..blocks * chunks).into_par_iter().for_each(task);
    }
    // SAFETY: the tasks' rows (blocks × mc ≥ m) and columns (chunks × per_chunk ≥ panels)
    // cover the output, and each task writes every element of its part in its first k block
    // (k ≥ 1: `PackedWeight::new` refuses k = 0) before reading any.
    unsafe { out.set_len(m * n) };
    out
}

/// One task of [`matmul`]: output rows `r0 .. r0 + rows`, weight panels `p0 .. p1`.
///
/// Every element of its part is written (not read) in the first `k` block, read and written
/// in the later ones, and given to `epilogue` after the last.
///
/// # Safety
///
/// `out` must point to the `m × n` output (possibly uninitialised), and no one else may
/// access the rows × columns this task writes while it runs.
unsafe fn block<E>(
    x: &[f32],
    w: &PackedWeight,
    (r0, rows): (usize, usize),
    (p0, p1): (usize, usize),
    out: *mut f32,
    px: &mut Vec<f32>,
    epilogue: &E,
) where
    E: Fn(usize, usize, &mut [f32]) + Sync,
{
    let (n, k) = (w.n, w.k);
    let row_panels = rows.div_ceil(MR);
    px.resize(row_panels * MR * KC, 0.0);
    let mut tile_rows = [Line([0.0; NR]); MR];
    for k0 in (0..k).step_by(KC) {
        let kc = KC.min(k - k0);
        let (first, last) = (k0 == 0, k0 + kc == k);
        // pack x[r0 .., k0 .. k0 + kc] as row panels: panel i, line kk holds rows
        // r0 + i·MR .. + MR at column k0 + kk (zero past the block's rows)
        for (i, panel) in px[..row_panels * MR * kc]
            .chunks_exact_mut(MR * kc)
            .enumerate()
        {
            for ii in 0..MR {
                let r = i * MR + ii;
                if r < rows {
                    let src = &x[(r0 + r) * k + k0..][..kc];
                    for (kk, &v) in src.iter().enumerate() {
                        panel[kk * MR + ii] = v;
                    }
                } else {
                    for kk in 0..kc {
                        panel[kk * MR + ii] = 0.0;
                    }
                }
            }
        }
        for p in p0..p1 {
            let cols = NR.min(n - p * NR);
            // lines k0 .. k0 + kc of the panel: in bounds (k0 + kc ≤ k, checked by the slicing)
            let b = w.panel(p)[k0..][..kc].as_ptr().cast::<f32>();
            for i in 0..row_panels {
                let a = px[i * MR * kc..][..MR * kc].as_ptr();
                let r = i * MR;
                let tr = MR.min(rows - r);
                // SAFETY: `c` = out[r0 + r][p·NR]; a full tile (tr = MR rows, cols = NR) lies
                // inside this task's rows and columns of the m × n output (r + MR ≤ rows,
                // p·NR + NR ≤ n); edge tiles go through `tile_rows` (MR × NR) instead and
                // only their tr × cols part is copied. `a` holds MR · kc and `b` kc · NR values
                // (64-byte aligned: `Line`s); the CPU has AVX2 and FMA, as `w` exists.
                unsafe {
                    let c = out.add((r0 + r) * n + p * NR);
                    if tr == MR && cols == NR {
                        kernel(kc, a, b, c, n, first);
                    } else {
                        kernel(kc, a, b, tile_rows.as_mut_ptr().cast(), NR, true);
                        // (by pointer: in the first block the output is uninitialised)
                        for (ii, t) in tile_rows.iter().enumerate().take(tr) {
                            for (jj, &v) in t.0.iter().enumerate().take(cols) {
                                let d = c.add(ii * n + jj);
                                d.write(if first { v } else { d.read() + v });
                            }
                        }
                    }
                    if last {
                        // initialised by now (every k block wrote it)
                        for ii in 0..tr {
                            let dst = std::slice::from_raw_parts_mut(c.add(ii * n), cols);
                            epilogue(r0 + r + ii, p * NR, dst);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
use avx2::kernel;

/// Never called: no [`PackedWeight`] is built without AVX2/FMA ([`PackedWeight::new`]).
#[cfg(not(target_arch = "x86_64"))]
unsafe fn kernel(_: usize, _: *const f32, _: *const f32, _: *mut f32, _: usize, _: bool) {
    unreachable!("no PackedWeight is built without AVX2/FMA")
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{MR, NR};

    /// `c[i][0..16] (←|+=) Σ_kk a[kk·MR + i] · b[kk·NR ..][..16]` for the MR rows `i`: a
    /// chain of fused multiply-adds from zero in `kk` order, then stored (`overwrite`) or
    /// added to what `c` holds.
    ///
    /// # Safety
    ///
    /// `a` valid for `MR · kc` reads, `b` for `kc · NR` reads and 64-byte aligned, `c` for
    /// reads and writes of 16 values at `c + i · ldc` for every `i < MR`; the CPU has AVX2 and
    /// FMA (every [`super::PackedWeight`] was built after [`super::available`] said so).
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn kernel(
        kc: usize,
        a: *const f32,
        b: *const f32,
        c: *mut f32,
        ldc: usize,
        overwrite: bool,
    ) {
        // SAFETY (whole body): every offset below is within the extents of the contract:
        // a + kk·MR + i < a + kc·MR, b + kk·NR + 8 + 8 ≤ b + kc·NR (aligned: b is 64-byte
        // aligned and kk·NR·4 a multiple of 64), c + i·ldc + 8 + 8 within row i's 16 values.
        unsafe {
            for i in 0..MR {
                _mm_prefetch::<_MM_HINT_T0>(c.add(i * ldc).cast());
                _mm_prefetch::<_MM_HINT_T0>(c.add(i * ldc + NR - 1).cast());
            }
            let mut acc = [[_mm256_setzero_ps(); 2]; MR];
            for kk in 0..kc {
                let b0 = _mm256_load_ps(b.add(kk * NR));
                let b1 = _mm256_load_ps(b.add(kk * NR + 8));
                let ak = a.add(kk * MR);
                for (i, acc) in acc.iter_mut().enumerate() {
                    let ai = _mm256_broadcast_ss(&*ak.add(i));
                    acc[0] = _mm256_fmadd_ps(ai, b0, acc[0]);
                    acc[1] = _mm256_fmadd_ps(ai, b1, acc[1]);
                }
            }
            for (i, acc) in acc.iter().enumerate() {
                let ci = c.add(i * ldc);
                if overwrite {
                    _mm256_storeu_ps(ci, acc[0]);
                    _mm256_storeu_ps(ci.add(8), acc[1]);
                } else {
                    _mm256_storeu_ps(ci, _mm256_add_ps(_mm256_loadu_ps(ci), acc[0]));
                    _mm256_storeu_ps(ci.add(8), _mm256_add_ps(_mm256_loadu_ps(ci.add(8)), acc[1]));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in (-1.3, 1.3).
    fn values(len: usize, seed: f32) -> Vec<f32> {
        (0..len)
            .map(|i| (i as f32 * 0.37 + seed).sin() * 1.3)
            .collect()
    }

    /// `x wᵀ` in f64, and Σ|x·w| per output (the scale of its rounding error).
    fn reference(x: &[f32], w: &[f32], m: usize, n: usize, k: usize) -> (Vec<f64>, Vec<f64>) {
        let mut out = vec![0f64; m * n];
        let mut scale = vec![0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                for kk in 0..k {
                    let p = x[i * k + kk] as f64 * w[j * k + kk] as f64;
                    out[i * n + j] += p;
                    scale[i * n + j] += p.abs();
                }
            }
        }
        (out, scale)
    }

    /// The shapes: tiny, K = 1, none a multiple of the tile (MR × NR) or of KC, more than one
    /// row block (m > MC_MAX) and more than one k block (k > KC), and exact multiples.
    const SHAPES: &[(usize, usize, usize)] = &[
        (1, 1, 1),
        (1, 17, 1),
        (5, 3, 2),
        (7, 33, 5),
        (6, 16, 384),
        (13, 31, 385),
        (250, 40, 9),
        (487, 50, 777),
    ];

    #[test]
    fn matmul_equals_an_f64_reference_on_odd_shapes() {
        if !available() {
            eprintln!("no AVX2/FMA: the packed GEMM is not built on this CPU");
            assert!(PackedWeight::new(&[1.0], 1, 1).is_none());
            return;
        }
        for &(m, n, k) in SHAPES {
            let (x, w) = (values(m * k, 0.1), values(n * k, 0.7));
            let packed = PackedWeight::new(&w, n, k).expect("available");
            assert_eq!(packed.dims(), (n, k));
            assert_eq!(packed.unpack(), w);
            let (want, scale) = reference(&x, &w, m, n, k);
            for threads in [1, 2, 3] {
                // the epilogue adds 1 (once per element)
                let calls = std::sync::atomic::AtomicUsize::new(0);
                let out = matmul(&x, &packed, threads, |row, col, o| {
                    assert!(row < m && col + o.len() <= n && col % NR == 0 && o.len() <= NR);
                    calls.fetch_add(o.len(), std::sync::atomic::Ordering::Relaxed);
                    o.iter_mut().for_each(|v| *v += 1.0);
                });
                assert_eq!(calls.into_inner(), m * n, "({m}, {n}, {k}) epilogue calls");
                for (at, (&got, (&want, &scale))) in
                    out.iter().zip(want.iter().zip(&scale)).enumerate()
                {
                    let err = (got as f64 - 1.0 - want).abs();
                    assert!(
                        err <= 1e-6 * (scale + 1.0),
                        "({m}, {n}, {k}) threads {threads}: out[{}][{}] = {got}, want {} + 1",
                        at / n,
                        at % n,
                        want
                    );
                }
            }
        }
    }

    #[test]
    fn each_output_is_the_same_whatever_rows_and_columns_it_is_computed_with() {
        if !available() {
            return;
        }
        let (m, n, k) = (487, 50, 777);
        let (x, w) = (values(m * k, 0.2), values(n * k, 0.9));
        let packed = PackedWeight::new(&w, n, k).expect("available");
        let all = matmul(&x, &packed, 2, |_, _, _| {});
        // each row alone (one thread), and column ranges: aligned views and re-packed
        for (from, len) in [(0, n), (16, 34), (3, 20), (48, 2)] {
            let part = packed.rows(from, len).expect("non-empty");
            for i in [0, 1, 100, 241, m - 1] {
                let row = matmul(&x[i * k..][..k], &part, 1, |_, _, _| {});
                assert_eq!(
                    row,
                    all[i * n + from..][..len],
                    "row {i}, columns {from}+{len}"
                );
            }
        }
    }
}
