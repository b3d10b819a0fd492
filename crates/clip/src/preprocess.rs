//! Image preprocessing equal to transformers' PIL-based `CLIPImageProcessorPil`.
//!
//! The pipeline, step for step as transformers 5.23 runs it
//! (`image_processing_backends.py` `PilBackend`, `image_transforms.py`):
//!
//! 1. **RGB** ([`to_rgb8`]): `convert_to_rgb` — images with an alpha band (or a PNG `tRNS`
//!    transparency, which the decoder turns into one) are alpha-composited onto opaque white
//!    with Pillow's integer `alpha_composite`; others go through `Image.convert("RGB")`.
//! 2. **Resize** to `size` ([`ResizeTarget`]) with Pillow's resampling ([`crate::resize`]),
//!    output size by `get_resize_output_image_size` (shortest edge to `N`, the other edge
//!    `int(N * long / short)`, truncated).
//! 3. **Centre crop** to `crop_size`: offsets `(in - crop) // 2` (floor); an image smaller
//!    than the crop is zero-padded, `ceil((crop - in) / 2)` before.
//! 4. **Rescale**: `f32(u8 as f64 * rescale_factor)` (transformers multiplies in float64,
//!    then casts).
//! 5. **Normalise**: `(x - f32(mean)) / f32(std)` in float32.
//!
//! The result is one CHW `f32` array per image. Decoding uses the `image` crate; EXIF
//! orientation is not applied (PIL's `Image.open` does not apply it either). See
//! `docs/preprocessing.md` for the measured agreement with the reference.

use std::path::{Path, PathBuf};

use image::DynamicImage;
use rayon::prelude::*;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::resize::{self, Filter, Window};

/// File name of the preprocessing config in a model folder.
pub const CONFIG_FILE: &str = "preprocessor_config.json";

/// OpenAI CLIP's channel means (`transformers.image_utils.OPENAI_CLIP_MEAN`).
pub const OPENAI_CLIP_MEAN: [f64; 3] = [0.48145466, 0.4578275, 0.40821073];
/// OpenAI CLIP's channel standard deviations (`OPENAI_CLIP_STD`).
pub const OPENAI_CLIP_STD: [f64; 3] = [0.26862954, 0.26130258, 0.27577711];

/// Version of the pixel pipeline, part of [`Preprocessor::fingerprint`]; bump it when a change
/// alters any output pixel.
const PIPELINE_VERSION: u32 = 1;

/// Where `resize` takes the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResizeTarget {
    /// Shorter edge to this length, the longer one `int(n * long / short)`
    /// (`{"shortest_edge": n}`, or a legacy integer `size`).
    ShortestEdge(usize),
    /// Exactly this size (`{"height": h, "width": w}`).
    Exact { height: usize, width: usize },
}

/// How the centre crop's top-left offset is rounded when `in - crop` is odd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CropOffset {
    /// transformers' `center_crop`: `(in - crop) // 2` (floor).
    Floor,
    /// torchvision's `CenterCrop` (open_clip): `int(round((in - crop) / 2))`, Python's
    /// round-half-to-even, so an offset of 1.5 becomes 2; an image smaller than the crop is
    /// padded `(crop - in) // 2` before.
    Torchvision,
}

/// The settings of `preprocessor_config.json` that affect pixels.
///
/// [`Default`] mirrors `CLIPImageProcessorPil`'s class attributes in transformers 5.23
/// (`models/clip/image_processing_pil_clip.py`, `image_processing_utils.py` for
/// `rescale_factor`). Parsing fills every absent (or `null`) field from it.
#[derive(Debug, Clone, PartialEq)]
pub struct PreprocessConfig {
    /// `do_resize`.
    pub do_resize: bool,
    /// `size`.
    pub size: ResizeTarget,
    /// `resample`.
    pub resample: Filter,
    /// `do_center_crop`.
    pub do_center_crop: bool,
    /// `crop_size` as `(height, width)`.
    pub crop_size: (usize, usize),
    /// Rounding of the crop offset (not a transformers setting: open_clip's torchvision
    /// pipeline rounds differently).
    pub crop_offset: CropOffset,
    /// `do_rescale`.
    pub do_rescale: bool,
    /// `rescale_factor`.
    pub rescale_factor: f64,
    /// `do_normalize`.
    pub do_normalize: bool,
    /// `image_mean` (R, G, B).
    pub image_mean: [f64; 3],
    /// `image_std` (R, G, B).
    pub image_std: [f64; 3],
    /// `do_convert_rgb`. The pipeline always needs three channels; with `false`, grey images
    /// are still replicated to RGB and alpha dropped (transformers would fail or keep four
    /// channels there).
    pub do_convert_rgb: bool,
    /// Images with alpha are resized and cropped with their alpha, as Pillow resizes RGBA
    /// (premultiplied), and only then converted to RGB by dropping alpha (open_clip's order;
    /// not a transformers setting). Takes precedence over `do_convert_rgb` for such images.
    pub alpha_after_resize: bool,
}

impl Default for PreprocessConfig {
    fn default() -> Self {
        PreprocessConfig {
            do_resize: true,
            size: ResizeTarget::ShortestEdge(224),
            resample: Filter::Bicubic,
            do_center_crop: true,
            crop_size: (224, 224),
            crop_offset: CropOffset::Floor,
            do_rescale: true,
            rescale_factor: 1.0 / 255.0,
            do_normalize: true,
            image_mean: OPENAI_CLIP_MEAN,
            image_std: OPENAI_CLIP_STD,
            do_convert_rgb: true,
            alpha_after_resize: false,
        }
    }
}

/// `size` / `crop_size` as written in the JSON: an integer (legacy), `[h, w]`, or a dict;
/// anything else (a negative number, a string) is kept as `Other` so that the error can say
/// what was found instead of serde's "did not match any variant".
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawSize {
    Int(i64),
    Pair(Vec<i64>),
    Dict {
        shortest_edge: Option<i64>,
        longest_edge: Option<i64>,
        height: Option<i64>,
        width: Option<i64>,
        max_height: Option<i64>,
        max_width: Option<i64>,
    },
    Other(serde_json::Value),
}

/// A size in pixels: a positive integer.
fn pixels(v: i64) -> std::result::Result<usize, String> {
    usize::try_from(v)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{v} is not a size in pixels (a positive integer)"))
}

/// `image_mean` / `image_std`: one number for every channel, or one per channel.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawChannels {
    One(f64),
    Many(Vec<f64>),
}

/// The JSON as written; every field optional.
#[derive(Debug, Default, Deserialize)]
struct RawConfig {
    do_resize: Option<bool>,
    size: Option<RawSize>,
    resample: Option<i64>,
    do_center_crop: Option<bool>,
    crop_size: Option<RawSize>,
    do_rescale: Option<bool>,
    rescale_factor: Option<f64>,
    do_normalize: Option<bool>,
    image_mean: Option<RawChannels>,
    image_std: Option<RawChannels>,
    do_convert_rgb: Option<bool>,
    default_to_square: Option<bool>,
    do_pad: Option<bool>,
    image_processor_type: Option<String>,
}

impl PreprocessConfig {
    /// The class attributes of transformers' `SiglipImageProcessor` (5.24,
    /// `models/siglip/image_processing_siglip.py`): squash to 224x224 with bicubic, no crop,
    /// mean and std 0.5. A `preprocessor_config.json` whose `image_processor_type` starts with
    /// `Siglip` takes its missing fields from here.
    pub fn siglip_default() -> PreprocessConfig {
        PreprocessConfig {
            size: ResizeTarget::Exact {
                height: 224,
                width: 224,
            },
            do_center_crop: false,
            image_mean: [0.5; 3],
            image_std: [0.5; 3],
            ..PreprocessConfig::default()
        }
    }
}

impl PreprocessConfig {
    /// Parses `preprocessor_config.json` text; `path` only names the file in errors.
    ///
    /// Accepts the current form (`"size": {"shortest_edge": 224}`,
    /// `"crop_size": {"height": 224, "width": 224}`) and the legacy one (`"size": 224`,
    /// `"crop_size": 224`), as transformers' `get_size_dict` does. Rejects settings the
    /// pipeline does not implement (`longest_edge`, `max_height`, `NEAREST` and Magic Kernel
    /// filters, padding) and configs whose output size depends on the image (no centre crop
    /// with a shortest-edge resize), since embeddings need a fixed input size.
    pub fn from_json(text: &str, path: &Path) -> Result<PreprocessConfig> {
        let err = |message: String| Error::Config {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawConfig = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
        let d = match raw.image_processor_type.as_deref() {
            Some(t) if t.starts_with("Siglip") => PreprocessConfig::siglip_default(),
            _ => PreprocessConfig::default(),
        };
        // CLIPImageProcessor: `default_to_square = False`, so a bare integer `size` is the
        // shortest edge; `crop_size` always converts with `default_to_square = True`.
        let square = raw.default_to_square.unwrap_or(false);
        let size = match raw.size {
            None => d.size,
            Some(s) => resize_target(s, square).map_err(|m| err(format!("size: {m}")))?,
        };
        let crop_size = match raw.crop_size {
            None => d.crop_size,
            Some(s) => match resize_target(s, true).map_err(|m| err(format!("crop_size: {m}")))? {
                ResizeTarget::Exact { height, width } => (height, width),
                ResizeTarget::ShortestEdge(_) => {
                    return Err(err(
                        "crop_size: needs `height` and `width` (or one integer)".into(),
                    ))
                }
            },
        };
        let resample = match raw.resample {
            None => d.resample,
            Some(code) => Filter::from_pil(code).ok_or_else(|| {
                err(format!(
                    "resample: filter {code} is not supported (supported: 1 lanczos, \
                     2 bilinear, 3 bicubic, 4 box, 5 hamming)"
                ))
            })?,
        };
        if raw.do_pad == Some(true) {
            return Err(err("do_pad: padding is not supported".into()));
        }
        let cfg = PreprocessConfig {
            do_resize: raw.do_resize.unwrap_or(d.do_resize),
            size,
            resample,
            do_center_crop: raw.do_center_crop.unwrap_or(d.do_center_crop),
            crop_size,
            crop_offset: d.crop_offset,
            do_rescale: raw.do_rescale.unwrap_or(d.do_rescale),
            rescale_factor: raw.rescale_factor.unwrap_or(d.rescale_factor),
            do_normalize: raw.do_normalize.unwrap_or(d.do_normalize),
            image_mean: channels(raw.image_mean, d.image_mean)
                .map_err(|m| err(format!("image_mean: {m}")))?,
            image_std: channels(raw.image_std, d.image_std)
                .map_err(|m| err(format!("image_std: {m}")))?,
            do_convert_rgb: raw.do_convert_rgb.unwrap_or(d.do_convert_rgb),
            alpha_after_resize: false,
        };
        cfg.validate().map_err(err)?;
        Ok(cfg)
    }

    /// Reads and parses a `preprocessor_config.json`.
    pub fn from_file(path: &Path) -> Result<PreprocessConfig> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        PreprocessConfig::from_json(&text, path)
    }

    /// Checks what [`PreprocessConfig::from_json`] checks after parsing: positive sizes,
    /// finite factors, non-zero standard deviations, and a fixed output size.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let positive = |name: &str, v: usize| {
            if v == 0 {
                Err(format!("{name} must be positive"))
            } else {
                Ok(())
            }
        };
        match self.size {
            ResizeTarget::ShortestEdge(n) => positive("size.shortest_edge", n)?,
            ResizeTarget::Exact { height, width } => {
                positive("size.height", height)?;
                positive("size.width", width)?;
            }
        }
        positive("crop_size.height", self.crop_size.0)?;
        positive("crop_size.width", self.crop_size.1)?;
        if !self.rescale_factor.is_finite() {
            return Err("rescale_factor must be finite".into());
        }
        if self.image_mean.iter().any(|m| !m.is_finite()) {
            return Err("image_mean must be finite".into());
        }
        if self.image_std.iter().any(|s| !s.is_finite() || *s == 0.0) {
            return Err("image_std must be finite and non-zero".into());
        }
        if self.fixed_output_size().is_none() {
            return Err(
                "the output size depends on the image (no centre crop, and no fixed \
                        `size` with `height` and `width`); a fixed size is required"
                    .into(),
            );
        }
        Ok(())
    }

    /// `(height, width)` of every output, when it does not depend on the input image.
    pub fn fixed_output_size(&self) -> Option<(usize, usize)> {
        if self.do_center_crop {
            return Some(self.crop_size);
        }
        match (self.do_resize, self.size) {
            (true, ResizeTarget::Exact { height, width }) => Some((height, width)),
            _ => None,
        }
    }

    /// The resize output `(height, width)` for an input of `height` × `width`
    /// (`get_resize_output_image_size` with `default_to_square=False`).
    pub fn resize_output_size(&self, height: usize, width: usize) -> (usize, usize) {
        match self.size {
            ResizeTarget::Exact { height, width } => (height, width),
            ResizeTarget::ShortestEdge(n) => {
                let (short, long) = if width <= height {
                    (width, height)
                } else {
                    (height, width)
                };
                // Python: `int(n * long / short)`; both conversions to f64 are exact and the
                // division is correctly rounded, as Python's int / int is.
                let new_long = ((n * long) as f64 / short as f64) as usize;
                if width <= height {
                    (new_long, n)
                } else {
                    (n, new_long)
                }
            }
        }
    }
}

fn resize_target(
    raw: RawSize,
    default_to_square: bool,
) -> std::result::Result<ResizeTarget, String> {
    match raw {
        RawSize::Int(n) if default_to_square => Ok(ResizeTarget::Exact {
            height: pixels(n)?,
            width: pixels(n)?,
        }),
        RawSize::Int(n) => Ok(ResizeTarget::ShortestEdge(pixels(n)?)),
        RawSize::Other(v) => Err(format!(
            "expected an integer, [height, width] or an object with `shortest_edge` or \
             `height` and `width`; got {v}"
        )),
        RawSize::Pair(v) => match v[..] {
            [height, width] => Ok(ResizeTarget::Exact {
                height: pixels(height)?,
                width: pixels(width)?,
            }),
            _ => Err(format!(
                "a list needs two entries [height, width], got {}",
                v.len()
            )),
        },
        RawSize::Dict {
            shortest_edge,
            longest_edge,
            height,
            width,
            max_height,
            max_width,
        } => {
            if longest_edge.is_some() || max_height.is_some() || max_width.is_some() {
                return Err(
                    "`longest_edge`, `max_height` and `max_width` are not supported".into(),
                );
            }
            match (shortest_edge, height, width) {
                (Some(n), None, None) => Ok(ResizeTarget::ShortestEdge(pixels(n)?)),
                (None, Some(height), Some(width)) => Ok(ResizeTarget::Exact {
                    height: pixels(height)?,
                    width: pixels(width)?,
                }),
                _ => Err("needs either `shortest_edge` or both `height` and `width`".into()),
            }
        }
    }
}

fn channels(raw: Option<RawChannels>, default: [f64; 3]) -> std::result::Result<[f64; 3], String> {
    match raw {
        None => Ok(default),
        Some(RawChannels::One(v)) => Ok([v; 3]),
        Some(RawChannels::Many(v)) => match v[..] {
            [r, g, b] => Ok([r, g, b]),
            _ => Err(format!("needs 3 values (R, G, B), got {}", v.len())),
        },
    }
}

/// Pillow's `alpha_composite` of one pixel over opaque white (`AlphaComposite.c`, integer
/// arithmetic with 7 extra bits), returning the colour channels.
#[inline]
fn over_white(rgb: [u8; 3], a: u8) -> [u8; 3] {
    if a == 0 {
        return [255; 3];
    }
    const BITS: u32 = 7;
    let a = u32::from(a);
    let dst_a = 255u32;
    let blend = dst_a * (255 - a);
    let outa255 = a * 255 + blend;
    let coef1 = a * 255 * 255 * (1 << BITS) / outa255;
    let coef2 = 255 * (1 << BITS) - coef1;
    let shift_div255 = |v: u32| ((v >> 8) + v) >> 8;
    rgb.map(|c| {
        let tmp = u32::from(c) * coef1 + 255 * coef2;
        // C stores the result in a UINT8 (truncation).
        (shift_div255(tmp + (0x80 << BITS)) >> BITS) as u8
    })
}

/// High byte of a 16-bit sample (Pillow's `RGB;16B`, `RGBA;16B`, `LA;16B` unpackers).
#[inline]
fn hi(v: u16) -> u8 {
    (v >> 8) as u8
}

/// Converts a decoded image to interleaved 8-bit RGB as transformers' `convert_to_rgb` does
/// on the PIL image that `Image.open` gives for the same file:
///
/// - grey (`L`): replicated;
/// - with alpha (`LA`, `RGBA`, palette or grey/RGB with a `tRNS` chunk, which the `image`
///   crate expands into an alpha channel): composited onto white with Pillow's integer
///   `alpha_composite`;
/// - 16-bit RGB / RGBA / grey+alpha PNGs: Pillow opens them as 8-bit `RGB` / `RGBA` keeping the
///   high byte, so the high byte is kept;
/// - 16-bit grey PNGs: Pillow opens them as mode `I;16`, whose `convert("RGB")` clamps each
///   value to 255 (it does not scale): `min(v, 255)`.
/// - 32-bit float images (not PNG): converted by the `image` crate (no PIL counterpart
///   checked).
///
/// With `composite_alpha = false` alpha is dropped instead (used when `do_convert_rgb` is
/// off). Returns `(pixels, width, height)`.
pub fn to_rgb8(img: &DynamicImage, composite_alpha: bool) -> (Vec<u8>, usize, usize) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut out = Vec::with_capacity(w * h * 3);
    let mut push_rgba = |rgb: [u8; 3], a: u8| {
        let px = if composite_alpha {
            over_white(rgb, a)
        } else {
            rgb
        };
        out.extend_from_slice(&px);
    };
    match img {
        DynamicImage::ImageRgb8(b) => return (b.as_raw().clone(), w, h),
        DynamicImage::ImageLuma8(b) => b.as_raw().iter().for_each(|&l| push_rgba([l; 3], 255)),
        DynamicImage::ImageLumaA8(b) => b
            .as_raw()
            .chunks_exact(2)
            .for_each(|p| push_rgba([p[0]; 3], p[1])),
        DynamicImage::ImageRgba8(b) => b
            .as_raw()
            .chunks_exact(4)
            .for_each(|p| push_rgba([p[0], p[1], p[2]], p[3])),
        DynamicImage::ImageLuma16(b) => b
            .as_raw()
            .iter()
            .for_each(|&l| push_rgba([l.min(255) as u8; 3], 255)),
        DynamicImage::ImageLumaA16(b) => b
            .as_raw()
            .chunks_exact(2)
            .for_each(|p| push_rgba([hi(p[0]); 3], hi(p[1]))),
        DynamicImage::ImageRgb16(b) => b
            .as_raw()
            .chunks_exact(3)
            .for_each(|p| push_rgba([hi(p[0]), hi(p[1]), hi(p[2])], 255)),
        DynamicImage::ImageRgba16(b) => b
            .as_raw()
            .chunks_exact(4)
            .for_each(|p| push_rgba([hi(p[0]), hi(p[1]), hi(p[2])], hi(p[3]))),
        other => {
            let rgba = other.to_rgba8();
            rgba.as_raw()
                .chunks_exact(4)
                .for_each(|p| push_rgba([p[0], p[1], p[2]], p[3]));
        }
    }
    (out, w, h)
}

/// A pixel region `[left, right) × [top, bottom)` of an image, as Pillow's `Image.crop` takes
/// it; it may extend past the image (the outside is black). ARO scores each image cropped to
/// its bounding box this way before the model's preprocessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Crop {
    pub left: i64,
    pub top: i64,
    pub right: i64,
    pub bottom: i64,
}

/// Pillow's `image.convert("RGB").crop(box)`: the RGB8 pixels of `img` inside `c`, black
/// where `c` lies outside the image. The image is first converted as [`to_rgb8`] does
/// (`composite_alpha` as there). A crop with no area yields an empty image
/// ([`Preprocessor::load_region`] refuses one).
pub fn crop_rgb8(img: &DynamicImage, composite_alpha: bool, c: Crop) -> DynamicImage {
    let (rgb, w, h) = to_rgb8(img, composite_alpha);
    let cw = (c.right - c.left).max(0) as usize;
    let ch = (c.bottom - c.top).max(0) as usize;
    let mut out = vec![0u8; cw * ch * 3];
    // the part of the crop inside the image, in image coordinates
    let (x0, x1) = (c.left.clamp(0, w as i64), c.right.clamp(0, w as i64));
    let (y0, y1) = (c.top.clamp(0, h as i64), c.bottom.clamp(0, h as i64));
    if x0 < x1 {
        let len = (x1 - x0) as usize * 3;
        for y in y0..y1 {
            let src = (y as usize * w + x0 as usize) * 3;
            let dst = ((y - c.top) as usize * cw + (x0 - c.left) as usize) * 3;
            out[dst..dst + len].copy_from_slice(&rgb[src..src + len]);
        }
    }
    let buf = image::RgbImage::from_raw(cw as u32, ch as u32, out)
        .expect("buffer length is width * height * 3");
    DynamicImage::ImageRgb8(buf)
}

/// The CLIP image preprocessor: decoded image → normalised CHW `f32` pixels.
#[derive(Debug, Clone)]
pub struct Preprocessor {
    cfg: PreprocessConfig,
    /// Per channel: `f32` value of every `u8` after rescale and normalise.
    lut: [[f32; 256]; 3],
}

impl Preprocessor {
    /// A preprocessor for `cfg`. Call [`PreprocessConfig::validate`] on a hand-built config:
    /// when its output size depends on the image, [`Preprocessor::output_size`] reports the
    /// nominal size and [`Preprocessor::load_batch`] rejects images of another size.
    pub fn new(cfg: PreprocessConfig) -> Preprocessor {
        let lut = std::array::from_fn(|c| {
            let mean = cfg.image_mean[c] as f32;
            let std = cfg.image_std[c] as f32;
            std::array::from_fn(|v| pixel_value(v as u8, &cfg, mean, std))
        });
        Preprocessor { cfg, lut }
    }

    /// Reads `dir/preprocessor_config.json`; a missing file is [`Error::MissingFile`].
    pub fn from_dir(dir: &Path) -> Result<Preprocessor> {
        let path = dir.join(CONFIG_FILE);
        if !path.is_file() {
            return Err(Error::MissingFile {
                path,
                what: "image preprocessing config".into(),
            });
        }
        Ok(Preprocessor::new(PreprocessConfig::from_file(&path)?))
    }

    /// The configuration.
    pub fn config(&self) -> &PreprocessConfig {
        &self.cfg
    }

    /// `(height, width)` of each output image.
    pub fn output_size(&self) -> (usize, usize) {
        self.cfg.fixed_output_size().unwrap_or(match self.cfg.size {
            ResizeTarget::ShortestEdge(n) => (n, n),
            ResizeTarget::Exact { height, width } => (height, width),
        })
    }

    /// Preprocesses one decoded image into `3 * height * width` CHW values.
    ///
    /// An image with zero width or height has nothing to resize; it yields the centre crop of
    /// an empty image, i.e. zero padding.
    pub fn process(&self, img: &DynamicImage) -> Vec<f32> {
        let (pixels, h, w) = if self.cfg.alpha_after_resize && img.color().has_alpha() {
            self.resize_rgba_then_drop_alpha(img)
        } else {
            let (rgb, w, h) = to_rgb8(img, self.cfg.do_convert_rgb);
            self.resize_and_crop(&rgb, w, h)
        };
        let plane = h * w;
        let mut out = vec![0f32; 3 * plane];
        for (c, (dst, lut)) in out
            .chunks_exact_mut(plane.max(1))
            .zip(&self.lut)
            .enumerate()
        {
            for (o, px) in dst.iter_mut().zip(pixels.chunks_exact(3)) {
                *o = lut[usize::from(px[c])];
            }
        }
        out
    }

    /// Pillow's resize of an RGBA image (premultiplied: `RGBA → RGBa`, resample, `RGBa →
    /// RGBA`, only when the size changes), the crop, then `convert("RGB")` dropping alpha: what
    /// open_clip's `Resize`, `CenterCrop`, `MaybeConvertMode` do to an image with alpha.
    fn resize_rgba_then_drop_alpha(&self, img: &DynamicImage) -> (Vec<u8>, usize, usize) {
        let rgba = img.to_rgba8();
        let (w, h) = (rgba.width() as usize, rgba.height() as usize);
        let mut px = rgba.into_raw();
        let resized =
            self.cfg.do_resize && w > 0 && h > 0 && self.cfg.resize_output_size(h, w) != (h, w);
        if resized {
            for p in px.chunks_exact_mut(4) {
                let a = u32::from(p[3]);
                for c in &mut p[..3] {
                    // Pillow's MULDIV255
                    let t = u32::from(*c) * a + 128;
                    *c = (((t >> 8) + t) >> 8) as u8;
                }
            }
        }
        let (mut out, oh, ow) = self.resize_and_crop_channels(&px, w, h, 4);
        if resized {
            for p in out.chunks_exact_mut(4) {
                let a = u32::from(p[3]);
                if a != 0 && a != 255 {
                    for c in &mut p[..3] {
                        // Pillow's rgba2rgbA: CLIP8(255 * c / a)
                        *c = (255 * u32::from(*c) / a).min(255) as u8;
                    }
                }
            }
        }
        let rgb = out
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        (rgb, oh, ow)
    }

    /// Resize and centre crop on interleaved RGB; returns `(pixels, height, width)`.
    fn resize_and_crop(&self, rgb: &[u8], w: usize, h: usize) -> (Vec<u8>, usize, usize) {
        self.resize_and_crop_channels(rgb, w, h, 3)
    }

    /// [`Self::resize_and_crop`] on `nc` interleaved channels.
    fn resize_and_crop_channels(
        &self,
        rgb: &[u8],
        w: usize,
        h: usize,
        nc: usize,
    ) -> (Vec<u8>, usize, usize) {
        let cfg = &self.cfg;
        let (rh, rw) = if cfg.do_resize && w > 0 && h > 0 {
            cfg.resize_output_size(h, w)
        } else {
            (h, w)
        };
        if !cfg.do_center_crop {
            if (rh, rw) == (h, w) {
                return (rgb.to_vec(), h, w);
            }
            return (resize::resize(rgb, w, h, nc, rw, rh, cfg.resample), rh, rw);
        }
        let (ch, cw) = cfg.crop_size;
        // transformers' `center_crop`: `top = (in - crop) // 2` (floor); torchvision rounds
        // (see [`CropOffset`]); rows outside the image are zero padding.
        let top = crop_offset(cfg.crop_offset, rh, ch);
        let left = crop_offset(cfg.crop_offset, rw, cw);
        let (y0, y1) = (
            top.max(0) as usize,
            (top + ch as i64).min(rh as i64) as usize,
        );
        let (x0, x1) = (
            left.max(0) as usize,
            (left + cw as i64).min(rw as i64) as usize,
        );
        let mut out = vec![0u8; ch * cw * nc];
        if y1 <= y0 || x1 <= x0 {
            return (out, ch, cw);
        }
        let window = Window {
            left: x0,
            top: y0,
            width: x1 - x0,
            height: y1 - y0,
        };
        // With equal sizes this is a plain crop (Pillow's `resize` returns a copy then).
        let part = resize::resize_window(rgb, w, h, nc, rw, rh, window, cfg.resample);
        // Place the computed rectangle at its offset inside the crop.
        let (oy, ox) = ((y0 as i64 - top) as usize, (x0 as i64 - left) as usize);
        let row_len = window.width * nc;
        for (r, src_row) in part.chunks_exact(row_len).enumerate() {
            let start = ((oy + r) * cw + ox) * nc;
            out[start..start + row_len].copy_from_slice(src_row);
        }
        (out, ch, cw)
    }

    /// Decodes the image file at `path` and preprocesses it. Unreadable, truncated or
    /// non-image files, and images with zero width or height, are [`Error::Image`] naming the
    /// file.
    pub fn load(&self, path: &Path) -> Result<Vec<f32>> {
        self.load_region(path, None)
    }

    /// [`Preprocessor::load`] of the region `crop` of the image (see [`crop_rgb8`]), or of the
    /// whole image when `crop` is `None`. A crop with no area, or of more pixels than
    /// [`crate::decode::max_pixels`] allows, is an [`Error::Image`] naming the file.
    pub fn load_region(&self, path: &Path, crop: Option<Crop>) -> Result<Vec<f32>> {
        let img = decode(path)?;
        let Some(c) = crop else {
            return Ok(self.process(&img));
        };
        let (w, h) = (c.right - c.left, c.bottom - c.top);
        let area = (w.max(0) as u64).saturating_mul(h.max(0) as u64);
        if w <= 0 || h <= 0 || area > crate::decode::max_pixels() {
            return Err(Error::Image {
                path: path.to_path_buf(),
                message: format!(
                    "crop box [{}, {}, {}, {}] is {w} x {h} pixels: empty, or more than the {} \
                     pixels accepted",
                    c.left,
                    c.top,
                    c.right,
                    c.bottom,
                    crate::decode::max_pixels()
                ),
            });
        }
        Ok(self.process(&crop_rgb8(&img, self.cfg.do_convert_rgb, c)))
    }

    /// [`Preprocessor::load`] for many files in parallel (rayon). The outputs are concatenated
    /// in input order (`paths.len() * 3 * height * width` values). On failure, returns the
    /// error of the first failing path by index.
    pub fn load_batch(&self, paths: &[PathBuf]) -> Result<Vec<f32>> {
        let whole: Vec<(PathBuf, Option<Crop>)> = paths.iter().map(|p| (p.clone(), None)).collect();
        self.load_regions(&whole)
    }

    /// [`Preprocessor::load_batch`] of image regions: `(file, crop)` pairs.
    pub fn load_regions(&self, items: &[(PathBuf, Option<Crop>)]) -> Result<Vec<f32>> {
        let (h, w) = self.output_size();
        let per = 3 * h * w;
        let parts: Vec<Result<Vec<f32>>> = items
            .par_iter()
            .map(|(p, crop)| {
                let v = self.load_region(p, *crop)?;
                if v.len() != per {
                    return Err(Error::Image {
                        path: p.clone(),
                        message: format!(
                            "preprocessed to {} values, expected {per} (3 x {h} x {w}); the \
                             config has no fixed output size",
                            v.len()
                        ),
                    });
                }
                Ok(v)
            })
            .collect();
        let mut out = Vec::with_capacity(items.len() * per);
        for part in parts {
            out.extend_from_slice(&part?);
        }
        Ok(out)
    }

    /// A stable description of every setting that affects output pixels, for cache keys.
    /// Equal fingerprints mean equal outputs for equal input files.
    pub fn fingerprint(&self) -> String {
        let c = &self.cfg;
        let size = match c.size {
            ResizeTarget::ShortestEdge(n) => format!("shortest_edge={n}"),
            ResizeTarget::Exact { height, width } => format!("{height}x{width}"),
        };
        format!(
            "clipprobe-preprocess-v{PIPELINE_VERSION};rgb={};resize={};size={size};\
             resample={};crop={};crop_size={}x{}{};rescale={};factor={:?};normalize={};\
             mean={:?};std={:?}",
            c.do_convert_rgb,
            c.do_resize,
            c.resample.name(),
            c.do_center_crop,
            c.crop_size.0,
            c.crop_size.1,
            match (c.crop_offset, c.alpha_after_resize) {
                (CropOffset::Floor, false) => "",
                (CropOffset::Torchvision, false) => ";crop_offset=torchvision",
                (CropOffset::Floor, true) => ";alpha_after_resize",
                (CropOffset::Torchvision, true) => ";crop_offset=torchvision;alpha_after_resize",
            },
            c.do_rescale,
            c.rescale_factor,
            c.do_normalize,
            c.image_mean,
            c.image_std,
        )
    }
}

/// Rescale then normalise one 8-bit value, in transformers' dtypes.
/// Offset of a centre crop of `crop` in `len` (negative: padding before).
fn crop_offset(rule: CropOffset, len: usize, crop: usize) -> i64 {
    let d = len as i64 - crop as i64;
    match rule {
        CropOffset::Floor => d.div_euclid(2),
        CropOffset::Torchvision if d < 0 => -((-d) / 2),
        // round(d / 2) with ties to even: k + 0.5 goes to k when k is even, else k + 1
        CropOffset::Torchvision => {
            let k = d / 2;
            if d % 2 == 1 && k % 2 == 1 {
                k + 1
            } else {
                k
            }
        }
    }
}

fn pixel_value(v: u8, cfg: &PreprocessConfig, mean: f32, std: f32) -> f32 {
    let x = if cfg.do_rescale {
        // `image.astype(np.float64) * scale`, then `.astype(np.float32)`.
        (f64::from(v) * cfg.rescale_factor) as f32
    } else {
        f32::from(v)
    };
    if cfg.do_normalize {
        (x - mean) / std
    } else {
        x
    }
}

/// Decodes an image file, detecting the format from its content. No EXIF rotation. See
/// [`crate::decode::decode`] (regular files only, pixel cap, truncated files refused).
pub fn decode(path: &Path) -> Result<DynamicImage> {
    crate::decode::decode(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected pixels printed by Pillow 13 (`im.crop(box).getdata()`) for a 3 × 2 RGB image
    /// whose pixel `i` (row-major) is `(10i, 10i + 1, 10i + 2)`.
    #[test]
    fn crop_matches_pillow_inside_and_past_the_edges() {
        let px: Vec<u8> = (0..6u8)
            .flat_map(|i| [10 * i, 10 * i + 1, 10 * i + 2])
            .collect();
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_raw(3, 2, px).expect("3x2"));
        let crop = |left, top, right, bottom| {
            let c = crop_rgb8(
                &img,
                true,
                Crop {
                    left,
                    top,
                    right,
                    bottom,
                },
            );
            (c.width(), c.height(), c.to_rgb8().into_raw())
        };
        // past the left and bottom edges: black there
        assert_eq!(
            crop(-1, 1, 2, 3),
            (
                3,
                2,
                vec![0, 0, 0, 30, 31, 32, 40, 41, 42, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            )
        );
        // inside
        assert_eq!(
            crop(1, 0, 3, 2),
            (2, 2, vec![10, 11, 12, 20, 21, 22, 40, 41, 42, 50, 51, 52])
        );
        // wholly outside: all black
        assert_eq!(crop(5, 5, 6, 6), (1, 1, vec![0, 0, 0]));
    }

    #[test]
    fn load_region_refuses_empty_and_oversized_crops() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("a.png");
        image::RgbImage::from_pixel(4, 3, image::Rgb([9, 9, 9]))
            .save(&path)
            .expect("png");
        let p = Preprocessor::new(parse("{}").expect("config"));
        let c = |left, top, right, bottom| Crop {
            left,
            top,
            right,
            bottom,
        };
        assert_eq!(
            p.load_region(&path, Some(c(0, 0, 4, 3)))
                .expect("whole box"),
            p.load(&path).expect("whole image")
        );
        for bad in [c(1, 0, 1, 3), c(0, 2, 4, 1), c(0, 0, 1 << 31, 1 << 31)] {
            match p.load_region(&path, Some(bad)) {
                Err(Error::Image { path: q, message }) => {
                    assert_eq!(q, path);
                    assert!(message.contains("crop box"), "{message}");
                }
                other => panic!("{bad:?}: expected an image error, got {other:?}"),
            }
        }
    }

    fn parse(json: &str) -> Result<PreprocessConfig> {
        PreprocessConfig::from_json(json, Path::new("preprocessor_config.json"))
    }

    #[test]
    fn current_and_legacy_forms_parse_to_the_same_config() {
        let current = parse(
            r#"{"size": {"shortest_edge": 224}, "crop_size": {"height": 224, "width": 224},
                "resample": 3, "do_center_crop": true}"#,
        )
        .expect("current form");
        let legacy = parse(r#"{"size": 224, "crop_size": 224, "resample": 3}"#).expect("legacy");
        assert_eq!(current, legacy);
        assert_eq!(current.size, ResizeTarget::ShortestEdge(224));
        assert_eq!(current.crop_size, (224, 224));
    }

    #[test]
    fn empty_json_gives_transformers_defaults() {
        let cfg = parse("{}").expect("empty config");
        assert_eq!(cfg.size, ResizeTarget::ShortestEdge(224));
        assert_eq!(cfg.resample, Filter::Bicubic);
        assert_eq!(cfg.crop_size, (224, 224));
        assert_eq!(cfg.rescale_factor, 0.00392156862745098);
        assert_eq!(cfg.image_mean, [0.48145466, 0.4578275, 0.40821073]);
        assert_eq!(cfg.image_std, [0.26862954, 0.26130258, 0.27577711]);
        assert!(cfg.do_resize && cfg.do_center_crop && cfg.do_rescale && cfg.do_normalize);
        assert!(cfg.do_convert_rgb);
    }

    #[test]
    fn exact_size_and_scalar_mean_parse() {
        let cfg = parse(
            r#"{"size": {"height": 40, "width": 30}, "do_center_crop": false,
                "image_mean": 0.5, "image_std": [0.5, 0.25, 0.125], "resample": 2}"#,
        )
        .expect("config");
        assert_eq!(
            cfg.size,
            ResizeTarget::Exact {
                height: 40,
                width: 30
            }
        );
        assert_eq!(cfg.image_mean, [0.5; 3]);
        assert_eq!(cfg.image_std, [0.5, 0.25, 0.125]);
        assert_eq!(cfg.resample, Filter::Bilinear);
        assert_eq!(Preprocessor::new(cfg).output_size(), (40, 30));
    }

    #[test]
    fn unsupported_settings_are_config_errors() {
        for (json, needle) in [
            (r#"{"resample": 0}"#, "resample"),
            (r#"{"resample": 6}"#, "resample"),
            (
                r#"{"size": {"shortest_edge": 224, "longest_edge": 300}}"#,
                "longest_edge",
            ),
            (r#"{"crop_size": {"shortest_edge": 224}}"#, "crop_size"),
            (r#"{"image_mean": [0.5, 0.5]}"#, "image_mean"),
            (r#"{"image_std": [0.5, 0.0, 0.5]}"#, "image_std"),
            (r#"{"do_center_crop": false}"#, "fixed size"),
            (r#"{"size": "big"}"#, "size: expected an integer"),
            // issue 9, finding 12: was "untagged enum RawSize"
            (
                r#"{"crop_size": -5}"#,
                "crop_size: -5 is not a size in pixels",
            ),
            (
                r#"{"crop_size": {"height": 224, "width": -1}}"#,
                "crop_size: -1 is not a size",
            ),
            (r#"{"size": [0, 224]}"#, "size: 0 is not a size"),
            ("{", ""),
        ] {
            match parse(json) {
                Err(Error::Config { path, message }) => {
                    assert_eq!(path, Path::new("preprocessor_config.json"));
                    assert!(message.contains(needle), "{json}: {message}");
                }
                other => panic!("{json}: expected a config error, got {other:?}"),
            }
        }
    }

    #[test]
    fn shortest_edge_output_size_truncates() {
        let cfg = PreprocessConfig::default();
        // 224 * 500 / 333 = 336.33.. -> 336; the width is the short edge.
        assert_eq!(cfg.resize_output_size(500, 333), (336, 224));
        // 224 * 640 / 480 = 298.66.. -> 298 (truncated, not rounded).
        assert_eq!(cfg.resize_output_size(480, 640), (224, 298));
        assert_eq!(cfg.resize_output_size(7, 7), (224, 224));
    }

    #[test]
    fn alpha_composite_over_white_matches_pillow_formula() {
        // Values worked out by hand from AlphaComposite.c: a = 128, c = 0:
        // tmp = 255 * (255 - 128) * 128 + (0x80 << 7) = 4_161_664;
        // ((tmp >> 8) + tmp) >> 8 = 16_320, >> 7 = 127.
        assert_eq!(over_white([0, 0, 0], 128), [127, 127, 127]);
        assert_eq!(over_white([10, 20, 30], 255), [10, 20, 30]);
        assert_eq!(over_white([10, 20, 30], 0), [255, 255, 255]);
    }

    #[test]
    fn centre_crop_pads_small_images_with_zeros_before_normalising() {
        let cfg = PreprocessConfig {
            do_resize: false,
            crop_size: (3, 4),
            do_normalize: false,
            do_rescale: false,
            ..PreprocessConfig::default()
        };
        let p = Preprocessor::new(cfg);
        // A 2 x 1 (w x h) image: pad rows: ceil((3-1)/2) = 1 above; columns: 1 before.
        let img = DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(2, 1, vec![1, 2, 3, 4, 5, 6]).expect("buffer"),
        );
        let out = p.process(&img);
        let red: Vec<f32> = out[..12].to_vec();
        assert_eq!(red, vec![0., 0., 0., 0., 0., 1., 4., 0., 0., 0., 0., 0.]);
    }

    #[test]
    fn torchvision_crop_offsets_round_half_to_even() {
        // Python: int(round(d / 2)) for d = 0..8 → 0 0 1 2 2 2 3 4 4; floor differs at 3 and 7
        let tv: Vec<i64> = (0..9)
            .map(|d| crop_offset(CropOffset::Torchvision, 10 + d, 10))
            .collect();
        assert_eq!(tv, [0, 0, 1, 2, 2, 2, 3, 4, 4]);
        let floor: Vec<i64> = (0..9)
            .map(|d| crop_offset(CropOffset::Floor, 10 + d, 10))
            .collect();
        assert_eq!(floor, [0, 0, 1, 1, 2, 2, 3, 3, 4]);
        // smaller than the crop: torchvision pads (crop - in) // 2 before, transformers ceil
        assert_eq!(crop_offset(CropOffset::Torchvision, 7, 10), -1);
        assert_eq!(crop_offset(CropOffset::Floor, 7, 10), -2);
    }

    #[test]
    fn siglip_processor_type_takes_siglip_defaults() {
        let cfg = parse(r#"{"image_processor_type": "SiglipImageProcessor", "size": {"height": 32, "width": 32}}"#)
            .expect("siglip");
        assert!(!cfg.do_center_crop);
        assert_eq!(cfg.image_mean, [0.5; 3]);
        assert_eq!(cfg.fixed_output_size(), Some((32, 32)));
    }

    #[test]
    fn fingerprint_changes_with_every_pixel_setting() {
        let base = Preprocessor::new(PreprocessConfig::default()).fingerprint();
        let variants = [
            PreprocessConfig {
                resample: Filter::Bilinear,
                ..Default::default()
            },
            PreprocessConfig {
                size: ResizeTarget::ShortestEdge(336),
                ..Default::default()
            },
            PreprocessConfig {
                crop_size: (224, 223),
                ..Default::default()
            },
            PreprocessConfig {
                image_mean: [0.5, 0.4578275, 0.40821073],
                ..Default::default()
            },
            PreprocessConfig {
                crop_offset: CropOffset::Torchvision,
                ..Default::default()
            },
            PreprocessConfig {
                do_convert_rgb: false,
                ..Default::default()
            },
            PreprocessConfig {
                rescale_factor: 1.0 / 256.0,
                ..Default::default()
            },
        ];
        for v in variants {
            assert_ne!(Preprocessor::new(v).fingerprint(), base);
        }
        assert_eq!(
            Preprocessor::new(PreprocessConfig::default()).fingerprint(),
            base
        );
    }
}
