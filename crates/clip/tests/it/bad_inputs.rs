//! Bad input files (issue 9, findings 10–12): truncated JPEGs, huge images, folders as images,
//! integer weights, NaN outputs.

use std::io::Cursor;

use candle_core::{DType, Device, Tensor};
use clipprobe_clip::embed::{Clip, LoadOptions};
use clipprobe_clip::model::ClipModel;
use clipprobe_clip::preprocess::decode;
use clipprobe_clip::Error;

use crate::model::copy_fixture;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn jpeg_bytes() -> Vec<u8> {
    // noisy, so the scan data (not the headers) is most of the file
    let img = image::RgbImage::from_fn(256, 192, |x, y| {
        let n = x
            .wrapping_mul(2_654_435_761)
            .wrapping_add(y.wrapping_mul(40_503))
            >> 7;
        image::Rgb([n as u8, (n >> 8) as u8, (x + y) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode");
    out.into_inner()
}

#[test]
fn a_jpeg_cut_in_half_is_refused() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let bytes = jpeg_bytes();
    let whole = tmp.path().join("whole.jpg");
    std::fs::write(&whole, &bytes)?;
    assert_eq!(decode(&whole)?.width(), 256);
    let half = tmp.path().join("half.jpg");
    std::fs::write(&half, &bytes[..bytes.len() / 2])?;
    let e = decode(&half).expect_err("truncated").to_string();
    assert!(e.contains("half.jpg") && e.contains("truncated"), "{e}");
    Ok(())
}

/// CRC-32 (PNG's), bit by bit.
fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[test]
fn an_image_over_the_pixel_cap_is_refused_before_decoding() -> TestResult {
    // only a PNG header announcing 20000 × 20000 pixels: refused from the header alone
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(20000u32.to_be_bytes());
    ihdr.extend(20000u32.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(13u32.to_be_bytes());
    png.extend(&ihdr);
    png.extend(crc32(&ihdr).to_be_bytes());
    for chunk in [&b"IDAT"[..], &b"IEND"[..]] {
        png.extend(0u32.to_be_bytes());
        png.extend(chunk);
        png.extend(crc32(chunk).to_be_bytes());
    }
    let tmp = tempfile::tempdir()?;
    let p = tmp.path().join("huge.png");
    std::fs::write(&p, &png)?;
    let e = decode(&p).expect_err("too many pixels").to_string();
    assert!(
        e.contains("huge.png")
            && e.contains("400000000 pixels")
            && e.contains("--max-image-pixels"),
        "{e}"
    );
    Ok(())
}

#[test]
fn a_folder_or_device_is_not_reported_as_missing() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let e = decode(tmp.path()).expect_err("folder").to_string();
    assert!(e.contains("is a folder"), "{e}");
    #[cfg(unix)]
    {
        let e = decode(std::path::Path::new("/dev/zero"))
            .expect_err("device")
            .to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }
    Ok(())
}

fn replace_tensor(dir: &std::path::Path, name: &str, f: impl Fn(&Tensor) -> Tensor) -> TestResult {
    let path = dir.join("model.safetensors");
    let mut tensors = candle_core::safetensors::load(&path, &Device::Cpu)?;
    let t = tensors.get(name).ok_or("no such tensor")?;
    let new = f(t);
    tensors.insert(name.to_string(), new);
    candle_core::safetensors::save(&tensors, &path)?;
    Ok(())
}

#[test]
fn integer_weights_are_refused_naming_the_tensor() -> TestResult {
    let tmp = copy_fixture("tiny-argmax")?;
    replace_tensor(tmp.path(), "text_projection.weight", |t| {
        t.to_dtype(DType::I64).expect("to i64")
    })?;
    match ClipModel::load(tmp.path(), &Device::Cpu, DType::F32) {
        Err(Error::Weights { message, .. }) => {
            assert!(
                message.contains("text_projection.weight") && message.contains("I64"),
                "{message}"
            );
        }
        Err(other) => panic!("expected a Weights error, got {other}"),
        Ok(_) => panic!("integer weights were loaded"),
    }
    Ok(())
}

#[test]
fn a_truncated_or_inconsistent_weight_file_names_the_tensor() -> TestResult {
    let tmp = copy_fixture("tiny-argmax")?;
    let path = tmp.path().join("model.safetensors");
    let bytes = std::fs::read(&path)?;
    // a download cut 3 bytes short: the last tensor of the data section is named
    std::fs::write(&path, &bytes[..bytes.len() - 3])?;
    let e = match ClipModel::load(tmp.path(), &Device::Cpu, DType::F32) {
        Err(Error::Weights { message, .. }) => message,
        Err(other) => panic!("expected a Weights error, got {other}"),
        Ok(_) => panic!("a truncated file was loaded"),
    };
    assert!(e.contains("ends at byte") && e.contains("truncated"), "{e}");
    let n = u64::from_le_bytes(bytes[..8].try_into()?) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n])?;
    let last = header
        .as_object()
        .ok_or("header")?
        .iter()
        .filter(|(k, _)| *k != "__metadata__")
        .max_by_key(|(_, v)| v["data_offsets"][1].as_u64())
        .map(|(k, _)| k.clone())
        .ok_or("no tensor")?;
    assert!(e.contains(&format!("tensor `{last}`")), "{e}");
    Ok(())
}

#[test]
fn a_nan_in_an_embedding_is_refused_naming_the_row() -> TestResult {
    let tmp = copy_fixture("tiny-argmax")?;
    replace_tensor(tmp.path(), "text_projection.weight", |t| {
        (t * f64::NAN).expect("nan")
    })?;
    let clip = Clip::load(tmp.path(), &LoadOptions::default())?;
    let ids = vec![vec![998, 5, 6, 999]];
    match clip.embed_token_ids(&ids, 8) {
        Err(e @ Error::InputRow { row: 0, .. }) => {
            let m = e.to_string();
            assert!(m.starts_with("text #0") && m.contains("non-finite"), "{m}")
        }
        Err(other) => panic!("expected a row error naming text #0, got {other}"),
        Ok(v) => panic!("NaN embedding returned: {:?}", &v[..4]),
    }
    Ok(())
}
