//! CPU f32 kernels that replace chains of candle ops in the encoder with one parallel pass each:
//!
//! - [`dense`]: a Linear and what follows it, `act(x wᵀ + bias) + residual` (activation and
//!   residual each optional), in one output buffer;
//! - [`attention`]: multi-head attention `softmax(q kᵀ + mask) v` read straight from the
//!   strided q / k / v views of a fused projection and written straight into the
//!   heads-concatenated output, without the head-split and head-merge copies;
//! - [`trie_attention`]: the same for the nodes of a token trie (`super::trie`), each node
//!   attending to its ancestors and itself.
//!
//! The additions, matmuls and reductions are candle's own arithmetic in candle's order; `e^x`
//! (QuickGELU's sigmoid, softmax) and exact GELU's `erf` are computed by [`exp`] and
//! [`gelu_erf`], branch-free f32 approximations that vectorise, in place of the scalar libm calls
//! of candle's ops (`exp` within 1 ulp of `expf` on [-87, 88]; GELU within 2e-7 · max(1, |v|)
//! of candle's f32 `gelu_erf`, and nearer the exact function than it: both tested below).
//!
//! Both run on rayon, the pool candle's matmuls use, and never on candle's element-wise
//! barrier pool: on a machine with few cores, that pool's spinning workers took cores from the
//! matmuls (measured in docs/performance.md). Other devices and dtypes run the composition of
//! candle ops these kernels replace.
#![allow(unsafe_code)]

use candle_core::cpu::kernels::VecOps;
use candle_core::{CpuStorage, DType, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::packed::{self, PackedWeight};
use super::trie::ROOT;
use super::{activate, split_heads};
use crate::config::HiddenAct;

/// Whether the fused CPU kernels apply to `t`.
fn f32_cpu(t: &Tensor) -> bool {
    t.device().is_cpu() && t.dtype() == DType::F32
}

/// A Linear's weight `(n, k)` as [`dense`] takes it: packed once for [`packed::matmul`] where
/// that kernel runs (CPU, f32, x86-64 with AVX2 and FMA), else the tensor (other devices,
/// dtypes and CPUs: the `gemm` crate through candle's matmul call, or candle's ops).
pub(crate) enum Weight {
    Tensor(Tensor),
    Packed(PackedWeight),
}

impl Weight {
    /// `w` packed where [`packed::available`] and `w` is an f32 CPU tensor; else `w` itself.
    pub(crate) fn new(w: Tensor) -> candle_core::Result<Self> {
        let (n, k) = w.dims2()?;
        if f32_cpu(&w) && packed::available() {
            if let Some(p) = PackedWeight::new(&w.flatten_all()?.to_vec1::<f32>()?, n, k) {
                return Ok(Self::Packed(p));
            }
        }
        Ok(Self::Tensor(w))
    }

    /// `(n, k)`.
    fn dims(&self) -> candle_core::Result<(usize, usize)> {
        match self {
            Self::Tensor(w) => w.dims2(),
            Self::Packed(p) => Ok(p.dims()),
        }
    }

    /// Output rows `from .. from + len` of the weight (its outputs `from ..`), on their own.
    pub(crate) fn rows(&self, from: usize, len: usize) -> candle_core::Result<Self> {
        match self {
            Self::Tensor(w) => Ok(Self::Tensor(w.narrow(0, from, len)?)),
            Self::Packed(p) => match p.rows(from, len) {
                Some(p) => Ok(Self::Packed(p)),
                None => candle_core::bail!("dense: rows {from}+{len} of {:?}", p.dims()),
            },
        }
    }
}

/// `act(x wᵀ + bias) + residual` (a Linear with its epilogue) for `x` `(…, k)`, `weight`
/// `(n, k)`, `bias` `(n)` and `residual` shaped as the output `(…, n)`.
///
/// On the CPU in f32 this is one output buffer, never zero-filled: with a packed weight,
/// [`packed::matmul`] with bias, activation and residual applied to each output tile as soon as
/// its products are final; with a weight tensor, the same `gemm` call candle's matmul makes
/// (so the products are bit-identical to candle's), then bias, activation and residual in
/// place in one parallel pass over the rows. Elsewhere the candle ops it replaces.
pub(crate) fn dense(
    x: &Tensor,
    weight: &Weight,
    bias: &Tensor,
    act: Option<HiddenAct>,
    residual: Option<&Tensor>,
) -> candle_core::Result<Tensor> {
    let (n, k) = weight.dims()?;
    let out_dims: Vec<usize> = match x.dims() {
        [lead @ .., last] if *last == k && k > 0 => lead.iter().copied().chain([n]).collect(),
        other => candle_core::bail!("dense: input {other:?} for weight ({n}, {k})"),
    };
    if bias.dims() != [n] || residual.is_some_and(|r| r.dims() != out_dims.as_slice()) {
        candle_core::bail!(
            "dense: bias {:?}, residual {:?} for output {out_dims:?}",
            bias.dims(),
            residual.map(Tensor::dims)
        )
    }
    let cpu_f32 = [Some(x), Some(bias), residual]
        .into_iter()
        .flatten()
        .all(f32_cpu);
    let fused = match weight {
        Weight::Packed(_) => cpu_f32,
        Weight::Tensor(w) => {
            cpu_f32
                && [Some(x), Some(w), Some(bias), residual]
                    .into_iter()
                    .flatten()
                    .all(|t| f32_cpu(t) && t.is_contiguous())
        }
    };
    if !fused {
        let weight = match weight {
            Weight::Tensor(w) => w.clone(),
            Weight::Packed(p) => Tensor::from_vec(p.unpack(), (n, k), x.device())?,
        };
        let w = match x.rank() {
            1 | 2 => weight.t()?,
            r => weight.broadcast_left(&x.dims()[..r - 2])?.t()?,
        };
        let mut y = x.matmul(&w)?.broadcast_add(bias)?;
        if let Some(act) = act {
            y = activate(act, &y)?;
        }
        return match residual {
            None => Ok(y),
            Some(r) => r + y,
        };
    }
    // a packed weight takes any layout of the others: made contiguous (a no-op when they are)
    let (x, bias) = (x.contiguous()?, bias.contiguous()?);
    let residual = residual.map(Tensor::contiguous).transpose()?;
    let m = x.elem_count() / k;
    let (xs, xl) = x.storage_and_layout();
    let (bs, bl) = bias.storage_and_layout();
    let rs = residual.as_ref().map(Tensor::storage_and_layout);
    let name = "dense";
    let xv = values(cpu(&xs)?, xl, name)?;
    let bv = values(cpu(&bs)?, bl, name)?;
    let rv = match &rs {
        Some((s, l)) => Some(values(cpu(s)?, l, name)?),
        None => None,
    };
    let ws = match weight {
        Weight::Tensor(w) => Some(w.storage_and_layout()),
        Weight::Packed(_) => None,
    };
    let products = match (weight, &ws) {
        (Weight::Packed(p), _) => Products::Packed(p),
        (Weight::Tensor(_), Some((s, l))) => Products::Gemm(values(cpu(s)?, l, name)?),
        (Weight::Tensor(_), None) => candle_core::bail!("dense: no weight storage"),
    };
    use candle_core::op::{Gelu, UnaryOpT};
    // each activation as its own closure, so that it is inlined into the loop; the formulas of
    // [`activate`]'s candle ops (candle_nn's sigmoid: 1 / (exp(-x) + 1)), with [`exp`] and
    // [`gelu_erf`] for libm's `expf` and `erff`
    let shape = (m, n, k);
    let out = match act {
        None => linear(xv, products, shape, bv, rv, |v| v),
        Some(HiddenAct::QuickGelu) => linear(xv, products, shape, bv, rv, |v| {
            v * (exp(-(v * 1.702f32)) + 1.0).recip()
        }),
        Some(HiddenAct::Gelu) => linear(xv, products, shape, bv, rv, gelu_erf),
        Some(HiddenAct::GeluNew | HiddenAct::GeluPytorchTanh) => {
            linear(xv, products, shape, bv, rv, <Gelu as UnaryOpT>::f32)
        }
    };
    drop((xs, ws, bs, rs));
    Tensor::from_vec(out, out_dims, x.device())
}

/// Where [`linear`]'s products come from.
enum Products<'a> {
    Packed(&'a PackedWeight),
    /// The weight's `(n, k)` values, row-major, for the `gemm` crate.
    Gemm(&'a [f32]),
}

/// `f(x wᵀ + bias) + residual` `(m, n)` for `x` `(m, k)`, row-major.
fn linear(
    x: &[f32],
    products: Products<'_>,
    (m, n, k): (usize, usize, usize),
    bias: &[f32],
    residual: Option<&[f32]>,
    f: impl Fn(f32) -> f32 + Sync,
) -> Vec<f32> {
    assert_eq!(x.len(), m * k);
    let threads = candle_core::utils::get_num_threads();
    match products {
        Products::Packed(p) => packed::matmul(x, p, threads, |row, col, o| {
            let r = residual.map(|r| &r[row * n + col..][..o.len()]);
            finish_row(o, &bias[col..][..o.len()], r, &f)
        }),
        Products::Gemm(w) => {
            let mut out: Vec<f32> = Vec::with_capacity(m * n);
            let parallelism = if threads > 1 {
                gemm::Parallelism::Rayon(threads)
            } else {
                gemm::Parallelism::None
            };
            // SAFETY: `x` is m × k and `w` n × k, both row-major and contiguous, so wᵀ is
            // k × n with row stride 1 and column stride k; `out` has capacity m × n, is
            // written whole by gemm (`read_dst` false, k > 0) before its length is set, and
            // overlaps nothing.
            unsafe {
                matmul(
                    (m, n, k),
                    (out.as_mut_ptr(), n),
                    (x.as_ptr(), k),
                    (w.as_ptr(), 1, k),
                    parallelism,
                );
                out.set_len(m * n);
            }
            finish(&mut out, bias, residual, f);
            out
        }
    }
}

/// The CPU storage of a tensor.
fn cpu(s: &candle_core::Storage) -> candle_core::Result<&CpuStorage> {
    match s {
        candle_core::Storage::Cpu(c) => Ok(c),
        _ => candle_core::bail!("dense: not on the CPU"),
    }
}

/// The contiguous f32 values of a CPU tensor.
fn values<'a>(s: &'a CpuStorage, l: &Layout, what: &str) -> candle_core::Result<&'a [f32]> {
    let Some((a, b)) = l.contiguous_offsets() else {
        candle_core::bail!("{what}: non-contiguous input")
    };
    Ok(&s.as_slice::<f32>()?[a..b])
}

/// `y ← f(y + bias) + residual` row by row, in parallel.
fn finish(y: &mut [f32], bias: &[f32], residual: Option<&[f32]>, f: impl Fn(f32) -> f32 + Sync) {
    let n = bias.len();
    y.par_chunks_mut(n)
        .enumerate()
        .for_each(|(row, o)| finish_row(o, bias, residual.map(|r| &r[row * n..][..n]), &f));
}

/// `o ← f(o + bias) + residual` for one row (or row segment) of a Linear's output.
#[inline(always)]
fn finish_row(o: &mut [f32], bias: &[f32], residual: Option<&[f32]>, f: impl Fn(f32) -> f32) {
    for (o, &bj) in o.iter_mut().zip(bias) {
        *o = f(*o + bj);
    }
    if let Some(r) = residual {
        for (o, &rv) in o.iter_mut().zip(r) {
            *o += rv; // IEEE addition commutes: the same bits as rv + *o
        }
    }
}

/// Multi-head attention `softmax(q kᵀ + mask) v` of pre-scaled queries `q` `(b, sq, heads · d)`
/// over keys and values `k`, `v` `(b, s, heads · d)` (any strides with the last dimension
/// contiguous, e.g. column ranges of a fused projection); `mask` additive, broadcast to
/// `(b, 1, sq, s)` (or `(sq, s)`). Returns the heads concatenated: `(b, sq, heads · d)`.
pub(crate) fn attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: Option<&Tensor>,
    heads: usize,
) -> candle_core::Result<Tensor> {
    let (b, sq, w) = q.dims3()?;
    let s = k.dim(1)?;
    if !(f32_cpu(q) && f32_cpu(k) && f32_cpu(v) && mask.is_none_or(f32_cpu)) {
        let split = |t: &Tensor| split_heads(t, 0, 1, heads);
        return attend(&split(q)?, &split(k)?, &split(v)?, mask);
    }
    let mask = match mask {
        None => None,
        Some(m) => {
            let m = if m.rank() == 4 {
                m.squeeze(1)?
            } else {
                m.clone()
            };
            Some(
                m.broadcast_as((b, sq, s))?
                    .contiguous()?
                    .flatten_all()?
                    .to_vec1::<f32>()?,
            )
        }
    };
    if w % heads != 0 {
        candle_core::bail!("attention: width {w} is not a multiple of {heads} heads")
    }
    q.apply_op3_no_bwd(k, v, &Attention { heads, mask })
}

/// [`attention`] as candle ops, on heads already split: `q` `(b, heads, sq, d)`, `k` and `v`
/// `(b, heads, s, d)`, `mask` broadcast to `(b, heads, sq, s)`.
pub(crate) fn attend(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: Option<&Tensor>,
) -> candle_core::Result<Tensor> {
    let (b, heads, sq, d) = q.dims4()?;
    let mut scores = q.matmul(&k.t()?)?;
    if let Some(mask) = mask {
        scores = scores.broadcast_add(mask)?;
    }
    let probs = candle_nn::ops::softmax_last_dim(&scores)?;
    probs
        .matmul(v)?
        .transpose(1, 2)?
        .reshape((b, sq, heads * d))
}

struct Attention {
    heads: usize,
    /// `(b, sq, s)` additive values.
    mask: Option<Vec<f32>>,
}

/// A `(b, rows, width)` CPU f32 view: its values from the storage's start, and its batch and
/// row strides (the last dimension must be contiguous).
fn view<'a>(s: &'a CpuStorage, l: &Layout) -> candle_core::Result<(&'a [f32], usize, usize)> {
    match l.stride() {
        [b, r, 1] => Ok((&s.as_slice::<f32>()?[l.start_offset()..], *b, *r)),
        other => candle_core::bail!("attention: strides {other:?}, last must be 1"),
    }
}

impl candle_core::CustomOp3 for Attention {
    fn name(&self) -> &'static str {
        "attention"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (b, sq, w) = l1.shape().dims3()?;
        let (kb, s, kw) = l2.shape().dims3()?;
        if (kb, kw) != (b, w) || l3.dims() != l2.dims() {
            candle_core::bail!(
                "attention: q {:?}, k {:?}, v {:?}",
                l1.dims(),
                l2.dims(),
                l3.dims()
            )
        }
        if let Some(m) = &self.mask {
            if m.len() != b * sq * s {
                candle_core::bail!("attention: {} mask values for ({b}, {sq}, {s})", m.len())
            }
        }
        let (q, qb, qr) = view(s1, l1)?;
        let (k, kb, kr) = view(s2, l2)?;
        let (v, vb, vr) = view(s3, l3)?;
        let (heads, d) = (self.heads, w / self.heads);
        let mut out = vec![0f32; b * sq * w];
        let out_at = out.as_mut_ptr() as usize;
        (0..b * heads).into_par_iter().for_each(|task| {
            let (i, h) = (task / heads, task % heads);
            let mut scores = vec![0f32; sq * s];
            // SAFETY: the views' extents were checked by candle's layouts (q, k, v hold
            // (b, rows, w) elements at these strides from their start offsets); `scores` is
            // sq × s; task (i, h) writes only rows i·sq .. (i+1)·sq, columns h·d .. (h+1)·d of
            // `out` (b · sq × w), which no other task writes, and `out` outlives the loop.
            unsafe {
                // scores (sq × s) = q_ih (sq × d) · k_ihᵀ (d × s)
                let q_ih = q.as_ptr().add(i * qb + h * d);
                let k_ih = k.as_ptr().add(i * kb + h * d);
                matmul(
                    (sq, s, d),
                    (scores.as_mut_ptr(), s),
                    (q_ih, qr),
                    (k_ih, 1, kr),
                    gemm::Parallelism::None,
                );
            }
            for (row, sc) in scores.chunks_exact_mut(s).enumerate() {
                if let Some(m) = &self.mask {
                    let at = (i * sq + row) * s;
                    for (x, &mv) in sc.iter_mut().zip(&m[at..at + s]) {
                        *x += mv;
                    }
                }
                softmax_in_place(sc);
            }
            // SAFETY: as above; `scores` is read only.
            unsafe {
                // out_ih (sq × d) = probs (sq × s) · v_ih (s × d)
                let out_ih = (out_at as *mut f32).add(i * sq * w + h * d);
                let v_ih = v.as_ptr().add(i * vb + h * d);
                matmul(
                    (sq, d, s),
                    (out_ih, w),
                    (scores.as_ptr(), s),
                    (v_ih, vr, 1),
                    gemm::Parallelism::None,
                );
            }
        });
        Ok((CpuStorage::F32(out), Shape::from_dims(&[b, sq, w])))
    }
}

/// Attention over a token trie ([`super::trie::Trie`]): query row `r` is node `nodes[r]`, which
/// attends to its ancestors and itself (root first: `parents`, [`ROOT`] at depth 0), exactly
/// the causal mask of every sequence through it. `q` `(nodes.len(), heads · d)`, pre-scaled;
/// `k`, `v` `(parents.len(), heads · d)`; any row strides, columns contiguous (e.g. column
/// ranges of a fused projection, read in place). One task per query node on rayon, all heads
/// in it; scores by a dot product over `d`, softmax as [`attention`]'s, the output written
/// straight into the heads-concatenated `(nodes.len(), heads · d)`.
pub(crate) fn trie_attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    nodes: &[u32],
    parents: &[u32],
    heads: usize,
) -> candle_core::Result<Tensor> {
    if !(f32_cpu(q) && f32_cpu(k) && f32_cpu(v)) {
        candle_core::bail!("trie attention: CPU f32 only")
    }
    let (sq, w) = q.dims2()?;
    if sq != nodes.len() || k.dims2()? != (parents.len(), w) || v.dims() != k.dims() {
        candle_core::bail!(
            "trie attention: q {:?}, k {:?}, v {:?} for {} queries over {} nodes",
            q.dims(),
            k.dims(),
            v.dims(),
            nodes.len(),
            parents.len()
        )
    }
    let n = parents.len() as u32;
    if w % heads != 0
        || nodes.iter().any(|&i| i >= n)
        || parents
            .iter()
            .enumerate()
            .any(|(i, &p)| p != ROOT && p >= i as u32)
    {
        candle_core::bail!("trie attention: nodes or parents out of order or range")
    }
    q.apply_op3_no_bwd(
        k,
        v,
        &TrieAttention {
            heads,
            nodes,
            parents,
        },
    )
}

struct TrieAttention<'a> {
    heads: usize,
    nodes: &'a [u32],
    parents: &'a [u32],
}

/// A `(rows, width)` CPU f32 view with contiguous columns: its values from the view's first
/// element to its last, and its row stride.
fn rows_view<'a>(s: &'a CpuStorage, l: &Layout) -> candle_core::Result<(&'a [f32], usize)> {
    let (rows, width) = l.shape().dims2()?;
    match l.stride() {
        [r, 1] => {
            let start = l.start_offset();
            let end = start + rows.saturating_sub(1) * r + width;
            Ok((&s.as_slice::<f32>()?[start..end.max(start)], *r))
        }
        other => candle_core::bail!("trie attention: strides {other:?}, last must be 1"),
    }
}

impl candle_core::CustomOp3 for TrieAttention<'_> {
    fn name(&self) -> &'static str {
        "trie-attention"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (sq, w) = l1.shape().dims2()?;
        let (q, qr) = rows_view(s1, l1)?;
        let (k, kr) = rows_view(s2, l2)?;
        let (v, vr) = rows_view(s3, l3)?;
        let d = w / self.heads;
        let mut out = vec![0f32; sq * w];
        out.par_chunks_mut(w).enumerate().for_each_init(
            || (Vec::new(), Vec::new()),
            |(path, scores): &mut (Vec<usize>, Vec<f32>), (r, o)| {
                // the node's ancestors and itself, root first: its causal keys
                path.clear();
                let mut node = self.nodes[r];
                while node != ROOT {
                    path.push(node as usize);
                    node = self.parents[node as usize];
                }
                path.reverse();
                scores.resize(path.len(), 0.0);
                for (h, o) in o.chunks_exact_mut(d).enumerate() {
                    let q = &q[r * qr + h * d..][..d];
                    for (s, &a) in scores.iter_mut().zip(path.iter()) {
                        *s = dot(q, &k[a * kr + h * d..][..d]);
                    }
                    softmax_in_place(scores);
                    for (&p, &a) in scores.iter().zip(path.iter()) {
                        for (o, &x) in o.iter_mut().zip(&v[a * vr + h * d..][..d]) {
                            *o += p * x;
                        }
                    }
                }
            },
        );
        Ok((CpuStorage::F32(out), Shape::from_dims(&[sq, w])))
    }
}

/// `Σ a_i b_i` in eight interleaved partial sums (so that it vectorises), added pairwise.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ac.zip(bc) {
        for ((s, &x), &y) in acc.iter_mut().zip(x).zip(y) {
            *s += x * y;
        }
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `dst (m × n) = lhs (m × k) · rhs (k × n)` with `parallelism`, as candle's matmul calls gemm:
/// `dst` and `lhs` by row stride (columns contiguous), `rhs` by row and column strides.
///
/// # Safety
///
/// The pointers must be valid for the extents those dimensions and strides give, and `dst`
/// must not overlap the inputs or be written by anyone else meanwhile.
unsafe fn matmul(
    (m, n, k): (usize, usize, usize),
    (dst, dst_rs): (*mut f32, usize),
    (lhs, lhs_rs): (*const f32, usize),
    (rhs, rhs_rs, rhs_cs): (*const f32, usize, usize),
    parallelism: gemm::Parallelism,
) {
    gemm::gemm(
        m,
        n,
        k,
        dst,
        1,
        dst_rs as isize,
        false,
        lhs,
        1,
        lhs_rs as isize,
        rhs,
        rhs_cs as isize,
        rhs_rs as isize,
        0f32,
        1f32,
        false,
        false,
        false,
        parallelism,
    )
}

/// candle_nn's `softmax_last_dim` of one row, in place, with its arithmetic (max and sum by
/// candle's f32 vector reductions, `exp(x - max) / sum`), `exp` by [`exp`].
fn softmax_in_place(row: &mut [f32]) {
    let mut max = f32::NEG_INFINITY;
    // SAFETY: `row` is non-empty (s ≥ 1 keys) and both pointers are valid for its length.
    unsafe { f32::vec_reduce_max(row.as_ptr(), &mut max, row.len()) };
    for x in row.iter_mut() {
        *x = exp(*x - max);
    }
    let mut sum = 0f32;
    unsafe { f32::vec_reduce_sum(row.as_ptr(), &mut sum, row.len()) };
    for x in row.iter_mut() {
        *x /= sum;
    }
}

/// `e^x` without branches or library calls, so that loops over it vectorise (libm's scalar
/// `expf` and `erff` were 3–9% of a forward pass' time: docs/performance.md). Cephes' `expf`:
/// `x = n ln 2 + r`, `|r| ≤ ln 2 / 2`, `e^r` by its degree-6 polynomial, `2^n` written into the
/// exponent bits. Within 1 ulp of `expf` on [-87, 88] (tested: ≤ 2); 0 below -87.3 (so masked
/// scores, -inf, give exactly 0), `e^88` above 88 (only reached where the result is divided
/// into: QuickGELU of v < -51, whose exact value is below 1e-36 anyway). Plain multiplies and
/// adds (no FMA), so every x86-64 computes the same bits.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    // adding 1.5 · 2^23 rounds to the nearest integer, which the low mantissa bits then hold
    const ROUND: f32 = 12_582_912.0;
    let xc = x.clamp(-87.0, 88.0);
    let t = xc * std::f32::consts::LOG2_E + ROUND;
    let n = t - ROUND;
    // Cephes' split of ln 2, written as published (the f32 rounding of the literal is intended)
    #[allow(clippy::excessive_precision)]
    let r = (xc - n * 0.693_359_375) - n * -2.121_944_4e-4;
    let p = (((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2)
        * r
        + 0.166_666_65)
        * r
        + 0.5)
        * (r * r)
        + r
        + 1.0;
    let two_n = f32::from_bits(((t.to_bits() as i32 - ROUND.to_bits() as i32 + 127) << 23) as u32);
    if x < -87.3 {
        0.0
    } else {
        p * two_n
    }
}

/// Exact-form GELU, `0.5 v (1 + erf(v / √2))`, as `0.5 v · erfc(-v / √2)` with Numerical
/// Recipes' Chebyshev fit of `erfc` (fractional error < 1.2e-7 for every argument) and [`exp`];
/// branch-free, so that it vectorises. Relative error ≤ 5.3e-7 for v ≥ -2, growing to 1.7e-5 at
/// v = -12 (f32 rounding of `z²` inside `exp`), where candle's f32 `1 + erf` has cancelled to 0.
#[inline(always)]
pub(crate) fn gelu_erf(v: f32) -> f32 {
    let z = (v * std::f32::consts::FRAC_1_SQRT_2).abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -1.265_512_2
        + t * (1.000_023_7
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_204
                                + t * (1.488_515_9 + t * (-0.822_152_2 + t * 0.170_872_77))))))));
    // erfc(|x|); 1 + erf(x) is erfc(|x|) for x < 0 and 2 - erfc(|x|) otherwise
    let c = t * exp(-z * z + poly);
    0.5 * v * if v < 0.0 { c } else { 2.0 - c }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Module};

    fn seq(shape: &[usize], seed: f32) -> candle_core::Result<Tensor> {
        let n: usize = shape.iter().product();
        let v: Vec<f32> = (0..n)
            .map(|i| (i as f32 * 0.37 + seed).sin() * 1.3)
            .collect();
        Tensor::from_vec(v, shape, &Device::Cpu)
    }

    #[test]
    fn dense_equals_the_ops_it_replaces() -> candle_core::Result<()> {
        let w = seq(&[4, 5], 0.3)?;
        let bias = seq(&[4], 0.7)?;
        let linear = candle_nn::Linear::new(w.clone(), None);
        let tensor = Weight::Tensor(w.clone());
        let packed = Weight::new(w.clone())?;
        assert_eq!(
            matches!(packed, Weight::Packed(_)),
            packed::available(),
            "packed wherever the kernel runs"
        );
        for shape in [&[2usize, 3, 5][..], &[7, 5]] {
            let x = seq(shape, 0.1)?;
            let mut out: Vec<usize> = shape.to_vec();
            *out.last_mut().expect("not empty") = 4;
            let r = seq(&out, 1.9)?;
            // with the weight tensor, the products bit-equal to candle's matmul (the same gemm
            // call): bit-equal without an activation and with the tanh GELU (candle's own
            // scalar function); QuickGELU and exact GELU use [`exp`] / [`gelu_erf`] for libm's:
            // within 1e-6. The packed GEMM sums in another order: within 1e-6 (|products| ≤ 10)
            for (act, tolerance) in [
                (None, 0.0),
                (Some(HiddenAct::QuickGelu), 1e-6),
                (Some(HiddenAct::Gelu), 1e-6),
                (Some(HiddenAct::GeluNew), 0.0),
                (Some(HiddenAct::GeluPytorchTanh), 0.0),
            ] {
                let mut plain = linear.forward(&x)?.broadcast_add(&bias)?;
                if let Some(a) = act {
                    plain = activate(a, &plain)?;
                }
                let with_r = (&r + &plain)?;
                for (weight, tolerance) in [(&tensor, tolerance), (&packed, 1e-6)] {
                    for (fused, plain) in [
                        (dense(&x, weight, &bias, act, None)?, &plain),
                        (dense(&x, weight, &bias, act, Some(&r))?, &with_r),
                    ] {
                        assert_eq!(fused.dims(), plain.dims());
                        let (f, p) = (
                            fused.flatten_all()?.to_vec1::<f32>()?,
                            plain.flatten_all()?.to_vec1::<f32>()?,
                        );
                        let worst = f
                            .iter()
                            .zip(&p)
                            .map(|(a, b)| (a - b).abs())
                            .fold(0f32, f32::max);
                        assert!(worst <= tolerance, "{shape:?} {act:?}: max |Δ| {worst}");
                    }
                }
            }
        }
        // a non-contiguous input takes the candle ops with a weight tensor (whose strided
        // matmul rounds differently), and is made contiguous for a packed one
        let xt = seq(&[5, 7], 0.1)?.t()?;
        for weight in [&tensor, &packed] {
            let d = (dense(&xt, weight, &bias, None, None)?
                - dense(&xt.contiguous()?, weight, &bias, None, None)?)?
            .abs()?
            .flatten_all()?
            .max(0)?
            .to_scalar::<f32>()?;
            assert!(d < 1e-6, "strided input: max |Δ| {d}");
            let x = seq(&[2, 3, 5], 0.1)?;
            assert!(dense(&x, weight, &bias.narrow(0, 0, 3)?, None, None).is_err());
            assert!(dense(&x, weight, &bias, None, Some(&seq(&[2, 3, 3], 0.0)?)).is_err());
            assert!(dense(&seq(&[2, 4], 0.0)?, weight, &bias, None, None).is_err());
        }
        Ok(())
    }

    /// Units in the last place between two finite f32 of the same sign.
    fn ulps(a: f32, b: f32) -> u32 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
    }

    #[test]
    fn exp_is_within_two_ulp_of_libm() {
        let mut worst = 0;
        for i in -870_000..=880_000 {
            let x = i as f32 * 1e-4;
            let (fast, libm) = (exp(x), x.exp());
            worst = std::cmp::max(worst, ulps(fast, libm));
            assert!(ulps(fast, libm) <= 2, "exp({x}): {fast} vs {libm}");
        }
        assert!(worst >= 1, "not a copy of libm's expf");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp(-100.0), 0.0);
        assert!(exp(100.0) > 1e38 && exp(100.0).is_finite());
    }

    #[test]
    fn gelu_erf_is_within_2e_7_of_candles_and_closer_to_the_exact_function() {
        use candle_core::op::{GeluErf, UnaryOpT};
        // against candle's f32 GELU (libm erff), absolutely, and against 0.5 v erfc(-v / √2) in
        // f64, relatively (candle's f32 1 + erf cancels in the tail: up to 100% there)
        let (mut worst_near, mut worst_all) = (0f64, 0f64);
        for i in -120_000..=120_000 {
            let v = i as f32 * 1e-4;
            let fast = gelu_erf(v) as f64;
            let candle = <GeluErf as UnaryOpT>::f32(v) as f64;
            assert!(
                (fast - candle).abs() <= 2e-7 * (v as f64).abs().max(1.0),
                "gelu({v})"
            );
            let exact = 0.5
                * v as f64
                * candle_core::cpu::erf::erfc_f64(-(v as f64) * std::f64::consts::FRAC_1_SQRT_2);
            if exact == 0.0 {
                assert_eq!(fast, 0.0);
                continue;
            }
            let rel = ((fast - exact) / exact).abs();
            worst_all = worst_all.max(rel);
            if v >= -2.0 {
                worst_near = worst_near.max(rel);
            }
        }
        assert!(
            worst_near < 6e-7,
            "max relative error for v ≥ -2: {worst_near}"
        );
        assert!(
            worst_all < 2e-5,
            "max relative error on [-12, 12]: {worst_all}"
        );
        assert_eq!(gelu_erf(0.0), 0.0);
        assert!(gelu_erf(-30.0) == 0.0 && gelu_erf(30.0) == 30.0);
    }

    fn assert_close(a: &Tensor, b: &Tensor) -> candle_core::Result<()> {
        let diff = (a - b)?.abs()?.max_all()?.to_scalar::<f32>()?;
        assert!(diff < 1e-6, "max |Δ| {diff}");
        Ok(())
    }

    #[test]
    fn trie_attention_equals_causal_attention_along_each_path() -> candle_core::Result<()> {
        // nodes 0 ← 1 ← 2, 1 ← 3 ← 4, and a second root 5 ← 6; q, k, v from one projection
        let parents = [ROOT, 0, 1, 1, 3, ROOT, 5];
        let (n, heads, d) = (parents.len(), 2, 5);
        let w = heads * d;
        let qkv = seq(&[n, 3 * w], 0.6)?;
        let (q, k, v) = (
            qkv.narrow(1, 0, w)?,
            qkv.narrow(1, w, w)?,
            qkv.narrow(1, 2 * w, w)?,
        );
        let all: Vec<u32> = (0..n as u32).collect();
        let out = trie_attention(&q, &k, &v, &all, &parents, heads)?;
        // queries for a subset of nodes only, as the last layer asks
        let some = [4u32, 2, 6];
        let idx = Tensor::new(&some, &Device::Cpu)?;
        let part = trie_attention(
            &q.contiguous()?.index_select(&idx, 0)?,
            &k,
            &v,
            &some,
            &parents,
            heads,
        )?;
        assert_close(&part, &out.index_select(&idx, 0)?)?;
        let split = |t: &Tensor| split_heads(&t.unsqueeze(0)?, 0, 1, heads);
        for node in 0..n {
            // the node's path, root first, as one causal sequence whose last query is the node
            let mut path = vec![node as u32];
            while parents[path[0] as usize] != ROOT {
                path.insert(0, parents[path[0] as usize]);
            }
            let rows = Tensor::new(path.as_slice(), &Device::Cpu)?;
            let s = path.len();
            let pick = |t: &Tensor| t.contiguous()?.index_select(&rows, 0);
            let mask = super::super::causal_mask(s, DType::F32, &Device::Cpu)?;
            let plain = attend(
                &split(&pick(&q)?)?,
                &split(&pick(&k)?)?,
                &split(&pick(&v)?)?,
                Some(&mask),
            )?
            .squeeze(0)?
            .narrow(0, s - 1, 1)?;
            assert_close(&out.narrow(0, node, 1)?, &plain)?;
        }
        // a parent after its child is refused
        assert!(trie_attention(&q, &k, &v, &all, &[ROOT, 2, 0, 1, 3, ROOT, 5], heads).is_err());
        Ok(())
    }

    #[test]
    fn fused_attention_equals_split_heads_attention() -> candle_core::Result<()> {
        // q, k, v as column ranges of one (b, s, 3 · heads · d) projection; causal mask
        let (b, s, heads, d) = (3, 5, 2, 4);
        let w = heads * d;
        let qkv = seq(&[b, s, 3 * w], 0.3)?;
        let (q, k, v) = (
            qkv.narrow(2, 0, w)?,
            qkv.narrow(2, w, w)?,
            qkv.narrow(2, 2 * w, w)?,
        );
        let mask = super::super::causal_mask(s, DType::F32, &Device::Cpu)?;
        let split = |t: &Tensor| split_heads(t, 0, 1, heads);
        for m in [None, Some(&mask)] {
            let fused = attention(&q, &k, &v, m, heads)?;
            let plain = attend(&split(&q)?, &split(&k)?, &split(&v)?, m)?;
            assert_close(&fused, &plain)?;
        }
        // one query row per sequence, a per-row mask (b, 1, 1, s) hiding the last key of row 0
        let q1 = q.narrow(1, 2, 1)?;
        let mut m1 = vec![0f32; b * s];
        m1[s - 1] = f32::NEG_INFINITY;
        let m1 = Tensor::from_vec(m1, (b, 1, 1, s), &Device::Cpu)?;
        let fused = attention(&q1, &k, &v, Some(&m1), heads)?;
        let plain = attend(&split(&q1)?, &split(&k)?, &split(&v)?, Some(&m1))?;
        assert_close(&fused, &plain)?;
        Ok(())
    }
}
