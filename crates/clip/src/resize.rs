//! Pillow-exact resampling of 8-bit images (`PIL.Image.resize` with a convolution filter).
//!
//! This is a port of Pillow 13's `src/libImaging/Resample.c`, the code behind
//! `Image.resize((w, h), Image.BICUBIC)` for 8-bit modes such as `RGB`, and it gives the same
//! bytes:
//!
//! - The filter is separable: one horizontal and one vertical 1-D pass, each rounded and
//!   clipped to `u8` before the next (`precompute_coeffs`, `ImagingResampleHorizontal_8bpc`,
//!   `ImagingResampleVertical_8bpc`).
//! - When downscaling, the filter support grows by the scale factor (antialiasing).
//! - Weights are computed in `f64`, normalised per output pixel, then turned into fixed-point
//!   integers with [`PRECISION_BITS`] fractional bits; sums start at one half for rounding.
//! - The horizontal pass runs first unless the height shrinks by more than twice as many
//!   pixels as the width (`ImagingResampleInner`); a pass whose size does not change is
//!   skipped. The order matters because every pass rounds.
//!
//! [`resize_window`] computes only a rectangle of the output; every output pixel depends only
//! on its own row and column weights, so the rectangle equals the same rectangle of the full
//! resize. The preprocessing uses it to resize and centre-crop in one step.
//!
//! Only `resize` without `box` or `reducing_gap` is covered (what transformers calls).
//! `NEAREST` is a different algorithm in Pillow (an affine transform) and is not implemented.

use std::f64::consts::PI;

/// Fractional bits of Pillow's fixed-point weights for 8-bit images: `32 - 8 - 2`.
pub const PRECISION_BITS: u32 = 32 - 8 - 2;

/// A Pillow resampling filter, numbered as `PIL.Image.Resampling` (and as the `resample`
/// field of `preprocessor_config.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Filter {
    /// `LANCZOS` (1): windowed sinc, support 3.
    Lanczos,
    /// `BILINEAR` (2): triangle, support 1.
    Bilinear,
    /// `BICUBIC` (3): cubic convolution with `a = -0.5`, support 2.
    Bicubic,
    /// `BOX` (4): box, support 0.5.
    Box,
    /// `HAMMING` (5): Hamming-windowed sinc, support 1.
    Hamming,
}

impl Filter {
    /// The filter for a `PIL.Image.Resampling` number. `None` for `NEAREST` (0), the
    /// Magic Kernel filters and unknown numbers.
    pub fn from_pil(code: i64) -> Option<Filter> {
        match code {
            1 => Some(Filter::Lanczos),
            2 => Some(Filter::Bilinear),
            3 => Some(Filter::Bicubic),
            4 => Some(Filter::Box),
            5 => Some(Filter::Hamming),
            _ => None,
        }
    }

    /// The `PIL.Image.Resampling` number.
    pub fn pil_code(self) -> i64 {
        match self {
            Filter::Lanczos => 1,
            Filter::Bilinear => 2,
            Filter::Bicubic => 3,
            Filter::Box => 4,
            Filter::Hamming => 5,
        }
    }

    /// Lower-case name, as in Pillow (`"bicubic"`).
    pub fn name(self) -> &'static str {
        match self {
            Filter::Lanczos => "lanczos",
            Filter::Bilinear => "bilinear",
            Filter::Bicubic => "bicubic",
            Filter::Box => "box",
            Filter::Hamming => "hamming",
        }
    }

    /// Half-width of the filter kernel at scale 1.
    fn support(self) -> f64 {
        match self {
            Filter::Lanczos => 3.0,
            Filter::Bilinear => 1.0,
            Filter::Bicubic => 2.0,
            Filter::Box => 0.5,
            Filter::Hamming => 1.0,
        }
    }

    /// The kernel, written operation for operation as in `Resample.c` so that the `f64`
    /// rounding is the same.
    fn eval(self, x: f64) -> f64 {
        match self {
            Filter::Box => {
                if x > -0.5 && x <= 0.5 {
                    1.0
                } else {
                    0.0
                }
            }
            Filter::Bilinear => {
                let x = x.abs();
                if x < 1.0 {
                    1.0 - x
                } else {
                    0.0
                }
            }
            Filter::Bicubic => {
                const A: f64 = -0.5;
                let x = x.abs();
                if x < 1.0 {
                    ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0
                } else if x < 2.0 {
                    (((x - 5.0) * x + 8.0) * x - 4.0) * A
                } else {
                    0.0
                }
            }
            Filter::Hamming => {
                let x = x.abs();
                if x == 0.0 {
                    1.0
                } else if x >= 1.0 {
                    0.0
                } else {
                    let x = x * PI;
                    // Pillow writes the window constants as `float` literals.
                    x.sin() / x * (f64::from(0.54f32) + f64::from(0.46f32) * x.cos())
                }
            }
            Filter::Lanczos => {
                if (-3.0..3.0).contains(&x) {
                    sinc(x) * sinc(x / 3.0)
                } else {
                    0.0
                }
            }
        }
    }
}

fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let x = x * PI;
        x.sin() / x
    }
}

/// Fixed-point weights of one 1-D pass: for each output index, the first input index and
/// the weights of the inputs from there on.
struct Coeffs {
    /// `(first input index, number of inputs)` per output index.
    bounds: Vec<(usize, usize)>,
    /// `ksize` weights per output index (only the first `number of inputs` are used).
    weights: Vec<i32>,
    ksize: usize,
}

impl Coeffs {
    fn of(&self, out: usize) -> (usize, &[i32]) {
        let (start, len) = self.bounds[out];
        let k = &self.weights[out * self.ksize..out * self.ksize + len];
        (start, k)
    }
}

/// `precompute_coeffs` followed by `normalize_coeffs_8bpc`, for the box `(0, in_size)`.
fn precompute_coeffs(in_size: usize, out_size: usize, filter: Filter) -> Coeffs {
    // Pillow: `scale = (double)(in1 - in0) / outSize` with float box edges; exact here.
    let scale = in_size as f64 / out_size as f64;
    let filterscale = scale.max(1.0);
    let support = filter.support() * filterscale;
    let ksize = support.ceil() as usize * 2 + 1;
    let inv_filterscale = 1.0 / filterscale;
    let mut bounds = Vec::with_capacity(out_size);
    let mut weights = vec![0i32; out_size * ksize];
    let mut k = vec![0f64; ksize];
    for xx in 0..out_size {
        let center = (xx as f64 + 0.5) * scale;
        // C's `(int)` truncates toward zero, as `as i64` does.
        let xmin = ((center - support + 0.5) as i64).max(0);
        let xmax = ((center + support + 0.5) as i64).min(in_size as i64);
        let len = (xmax - xmin).max(0) as usize;
        let mut ww = 0.0;
        for (x, kx) in k.iter_mut().enumerate().take(len) {
            let w = filter.eval(((x as i64 + xmin) as f64 - center + 0.5) * inv_filterscale);
            *kx = w;
            ww += w;
        }
        let row = &mut weights[xx * ksize..xx * ksize + len];
        for (out, &w) in row.iter_mut().zip(&k[..len]) {
            let w = if ww != 0.0 { w / ww } else { w };
            let scaled = w * f64::from(1u32 << PRECISION_BITS);
            *out = if w < 0.0 {
                (-0.5 + scaled) as i32
            } else {
                (0.5 + scaled) as i32
            };
        }
        bounds.push((xmin as usize, len));
    }
    Coeffs {
        bounds,
        weights,
        ksize,
    }
}

/// `clip8`: drop the fraction and clamp to `0..=255`.
#[inline]
fn clip8(ss: i32) -> u8 {
    (ss >> PRECISION_BITS).clamp(0, 255) as u8
}

/// The horizontal pass over `c` interleaved channels: rows `rows` of `src` (`src_cols`
/// pixels wide), output columns `out_cols`. `src` columns are numbered from `col_offset` in
/// the coefficients' coordinates.
fn pass_horizontal(
    src: &[u8],
    src_cols: usize,
    c: usize,
    col_offset: usize,
    rows: std::ops::Range<usize>,
    out_cols: std::ops::Range<usize>,
    coeffs: &Coeffs,
) -> Vec<u8> {
    let width = out_cols.len();
    let mut out = vec![0u8; rows.len() * width * c];
    let half = 1i32 << (PRECISION_BITS - 1);
    for (oy, y) in rows.enumerate() {
        let line = &src[y * src_cols * c..(y + 1) * src_cols * c];
        let out_line = &mut out[oy * width * c..(oy + 1) * width * c];
        for (ox, xx) in out_cols.clone().enumerate() {
            let (start, k) = coeffs.of(xx);
            let start = start - col_offset;
            if c == 3 {
                // The common case, all three sums in one sweep (same arithmetic).
                let (mut s0, mut s1, mut s2) = (half, half, half);
                let px = &line[start * 3..(start + k.len()) * 3];
                for (p, &w) in px.chunks_exact(3).zip(k) {
                    s0 = s0.wrapping_add(i32::from(p[0]).wrapping_mul(w));
                    s1 = s1.wrapping_add(i32::from(p[1]).wrapping_mul(w));
                    s2 = s2.wrapping_add(i32::from(p[2]).wrapping_mul(w));
                }
                out_line[ox * 3] = clip8(s0);
                out_line[ox * 3 + 1] = clip8(s1);
                out_line[ox * 3 + 2] = clip8(s2);
                continue;
            }
            for ch in 0..c {
                let mut ss = half;
                for (i, &w) in k.iter().enumerate() {
                    let px = i32::from(line[(start + i) * c + ch]);
                    ss = ss.wrapping_add(px.wrapping_mul(w));
                }
                out_line[ox * c + ch] = clip8(ss);
            }
        }
    }
    out
}

/// The vertical pass. `src` rows are numbered from `row_offset` in the coefficients'
/// coordinates (Pillow's `ybox_first` shift).
fn pass_vertical(
    src: &[u8],
    src_cols: usize,
    c: usize,
    row_offset: usize,
    out_rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
    coeffs: &Coeffs,
) -> Vec<u8> {
    let width = cols.len();
    let stride = src_cols * c;
    let mut out = vec![0u8; out_rows.len() * width * c];
    let half = 1i32 << (PRECISION_BITS - 1);
    let mut acc = vec![0i32; width * c];
    for (oy, yy) in out_rows.enumerate() {
        let (start, k) = coeffs.of(yy);
        acc.fill(half);
        for (i, &w) in k.iter().enumerate() {
            let row = start + i - row_offset;
            let line = &src[row * stride + cols.start * c..row * stride + cols.end * c];
            for (a, &px) in acc.iter_mut().zip(line) {
                *a = a.wrapping_add(i32::from(px).wrapping_mul(w));
            }
        }
        for (o, &a) in out[oy * width * c..(oy + 1) * width * c]
            .iter_mut()
            .zip(&acc)
        {
            *o = clip8(a);
        }
    }
    out
}

/// An output rectangle: rows `top..top + height`, columns `left..left + width` of the full
/// `out_width` × `out_height` resize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub left: usize,
    pub top: usize,
    pub width: usize,
    pub height: usize,
}

/// Resizes an interleaved 8-bit image with `channels` channels per pixel (row-major,
/// `width * height * channels` bytes) to `out_width` × `out_height`, byte-identical to
/// Pillow's `Image.resize((out_width, out_height), filter)`.
///
/// Returns an empty vector when any size is zero or `src` is shorter than the sizes say.
pub fn resize(
    src: &[u8],
    width: usize,
    height: usize,
    channels: usize,
    out_width: usize,
    out_height: usize,
    filter: Filter,
) -> Vec<u8> {
    let window = Window {
        left: 0,
        top: 0,
        width: out_width,
        height: out_height,
    };
    resize_window(
        src, width, height, channels, out_width, out_height, window, filter,
    )
}

/// Like [`resize`], but computes only `window` of the output (which must lie inside
/// `out_width` × `out_height`); the result has `window.width * window.height * channels`
/// bytes and equals that rectangle of the full resize.
///
/// Returns an empty vector when any size is zero, `src` is shorter than the sizes say, or the
/// window does not fit.
#[allow(clippy::too_many_arguments)]
pub fn resize_window(
    src: &[u8],
    width: usize,
    height: usize,
    channels: usize,
    out_width: usize,
    out_height: usize,
    window: Window,
    filter: Filter,
) -> Vec<u8> {
    let c = channels;
    if width == 0
        || height == 0
        || c == 0
        || out_width == 0
        || out_height == 0
        || window.width == 0
        || window.height == 0
        || window.left + window.width > out_width
        || window.top + window.height > out_height
        || src.len() < width * height * c
    {
        return Vec::new();
    }
    let cols = window.left..window.left + window.width;
    let rows = window.top..window.top + window.height;
    let need_horizontal = out_width != width;
    let need_vertical = out_height != height;
    // Pillow: run the vertical pass first when the height shrinks more than twice as much as
    // the width (`ImagingResampleInner`).
    let (dy, dx) = (
        height as i64 - out_height as i64,
        width as i64 - out_width as i64,
    );
    let horizontal_first = !(dy > 0 && dy > dx * 2);

    match (need_horizontal, need_vertical) {
        (false, false) => crop(src, width, c, rows, cols),
        (true, false) => {
            let h = precompute_coeffs(width, out_width, filter);
            pass_horizontal(src, width, c, 0, rows, cols, &h)
        }
        (false, true) => {
            let v = precompute_coeffs(height, out_height, filter);
            pass_vertical(src, width, c, 0, rows, cols, &v)
        }
        (true, true) => {
            let h = precompute_coeffs(width, out_width, filter);
            let v = precompute_coeffs(height, out_height, filter);
            if horizontal_first {
                // Only the input rows the vertical pass will read (Pillow's ybox).
                let first = v.bounds[rows.start].0;
                let last = (rows.start..rows.end)
                    .map(|y| v.bounds[y].0 + v.bounds[y].1)
                    .max()
                    .unwrap_or(first);
                let tmp = pass_horizontal(src, width, c, 0, first..last, cols.clone(), &h);
                pass_vertical(&tmp, cols.len(), c, first, rows, 0..cols.len(), &v)
            } else {
                // Only the input columns the horizontal pass will read.
                let first = h.bounds[cols.start].0;
                let last = (cols.start..cols.end)
                    .map(|x| h.bounds[x].0 + h.bounds[x].1)
                    .max()
                    .unwrap_or(first);
                let tmp = pass_vertical(src, width, c, 0, rows.clone(), first..last, &v);
                pass_horizontal(&tmp, last - first, c, first, 0..rows.len(), cols, &h)
            }
        }
    }
}

fn crop(
    src: &[u8],
    width: usize,
    c: usize,
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * cols.len() * c);
    for y in rows {
        out.extend_from_slice(&src[(y * width + cols.start) * c..(y * width + cols.end) * c]);
    }
    out
}
