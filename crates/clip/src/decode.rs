//! Opening an image file safely, before any preprocessing: only regular files, a pixel-count
//! cap checked from the header before the pixels are decoded, and truncated files refused.
//!
//! The cap is process-wide ([`set_max_pixels`], the CLI's `--max-image-pixels`), so the
//! preprocessing code that calls [`decode`] needs no extra parameter.

use std::io::Cursor;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use image::DynamicImage;

use crate::error::{Error, Result};

/// The default pixel cap: Pillow's `Image.MAX_IMAGE_PIXELS` (89,478,485 pixels, about
/// 9459 × 9459).
pub const DEFAULT_MAX_PIXELS: u64 = 89_478_485;

static MAX_PIXELS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_PIXELS);

/// Sets the largest image (width × height) [`decode`] accepts, for the whole process.
pub fn set_max_pixels(pixels: u64) {
    MAX_PIXELS.store(pixels.max(1), Ordering::Relaxed);
}

/// The current pixel cap.
pub fn max_pixels() -> u64 {
    MAX_PIXELS.load(Ordering::Relaxed)
}

/// Decodes an image file, detecting the format from its content. No EXIF rotation.
/// A folder, a device, an image over the pixel cap, a truncated JPEG (no end-of-image marker
/// after its last scan) or any decoder error is [`Error::Image`] naming the file.
pub fn decode(path: &Path) -> Result<DynamicImage> {
    let err = |message: String| Error::Image {
        path: path.to_path_buf(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(e.to_string()))?;
    if meta.is_dir() {
        return Err(err("is a folder, not an image file".into()));
    }
    if !meta.is_file() {
        return Err(err(
            "is not a regular file (a device, pipe or socket)".into()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let reader = image::ImageReader::new(Cursor::new(&bytes))
        .with_guessed_format()
        .map_err(|e| err(e.to_string()))?;
    let Some(format) = reader.format() else {
        return Err(err("not a recognised image format".into()));
    };
    let (w, h) = image::ImageReader::with_format(Cursor::new(&bytes), format)
        .into_dimensions()
        .map_err(|e| err(e.to_string()))?;
    let pixels = u64::from(w) * u64::from(h);
    let cap = max_pixels();
    if pixels > cap {
        return Err(err(format!(
            "{w} × {h} = {pixels} pixels, more than the {cap} accepted (--max-image-pixels)"
        )));
    }
    if format == image::ImageFormat::Jpeg && !jpeg_is_complete(&bytes) {
        return Err(err(
            "truncated JPEG: no end-of-image marker after the last scan".into(),
        ));
    }
    let img = reader.decode().map_err(|e| err(e.to_string()))?;
    if img.width() == 0 || img.height() == 0 {
        return Err(err("image has zero width or height".into()));
    }
    Ok(img)
}

/// Whether a JPEG has an end-of-image marker (`FF D9`) after its last start-of-scan (`FF DA`).
/// Entropy-coded data stuffs every `FF` byte as `FF 00`, so the marker cannot occur by chance.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let Some(sos) = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]) else {
        return false;
    };
    bytes[sos..].windows(2).any(|w| w == [0xFF, 0xD9])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_end_marker() {
        assert!(jpeg_is_complete(&[
            0xFF, 0xD8, 0xFF, 0xDA, 1, 2, 0xFF, 0xD9
        ]));
        assert!(!jpeg_is_complete(&[0xFF, 0xD8, 0xFF, 0xDA, 1, 2]));
        assert!(!jpeg_is_complete(&[0xFF, 0xD8, 0xFF, 0xD9, 0xFF, 0xDA, 1]));
    }
}
