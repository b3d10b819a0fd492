//! `embed::Clip` end to end on the tiny fixtures: `tokenizer.json` ids against the `tokenizers`
//! library's, caption and PNG-file embeddings against transformers (`captions.json`,
//! `golden.safetensors`; see `tests/fixtures/make_fixtures.py`).

use std::collections::HashMap;
use std::path::PathBuf;

use candle_core::{Device, Tensor};
use clipprobe_clip::embed::{Clip, LoadOptions};
use clipprobe_clip::Error;

use crate::model::{copy_fixture, fixture, rel_max_diff};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[derive(serde::Deserialize)]
struct Captions {
    captions: Vec<String>,
    ids: Vec<Vec<u32>>,
    truncated: Vec<bool>,
}

fn check(name: &str) -> TestResult {
    let dir = fixture(name);
    let clip = Clip::load(&dir, &LoadOptions::default())?;
    let caps: Captions =
        serde_json::from_str(&std::fs::read_to_string(dir.join("captions.json"))?)?;
    let mut golden: HashMap<String, Tensor> =
        candle_core::safetensors::load(dir.join("golden.safetensors"), &Device::Cpu)?;
    let dim = clip.projection_dim();

    for (text, ids) in caps.captions.iter().zip(&caps.ids) {
        assert_eq!(&clip.tokenize(text)?, ids, "{name}: ids of {text:?}");
    }
    // batch of 3 over 7 captions of mixed lengths: bucketing must restore input order
    let mut done = 0;
    let e = clip.embed_texts(&caps.captions, 3, &mut |k| done += k)?;
    assert_eq!(done, caps.captions.len());
    assert_eq!((e.rows, e.dim), (caps.captions.len(), dim));
    let want: Vec<usize> = (0..caps.truncated.len())
        .filter(|&i| caps.truncated[i])
        .collect();
    assert!(
        !want.is_empty(),
        "fixture has no caption longer than the context window"
    );
    assert_eq!(e.truncated, want);
    let ours = Tensor::from_vec(e.data, (e.rows, dim), &Device::Cpu)?;
    let reference = golden
        .remove("caption_features")
        .ok_or("no caption_features")?;
    let d = rel_max_diff(&ours, &reference)?;
    assert!(
        d < 1e-4,
        "{name}: caption features differ from transformers by {d}"
    );

    let paths: Vec<PathBuf> = (0..3).map(|i| dir.join(format!("image{i}.png"))).collect();
    let data = clip.embed_images(&paths, 2, &mut |_| {})?;
    let ours = Tensor::from_vec(data, (paths.len(), dim), &Device::Cpu)?;
    let reference = golden.remove("file_features").ok_or("no file_features")?;
    let d = rel_max_diff(&ours, &reference)?;
    assert!(
        d < 1e-4,
        "{name}: image-file features differ from transformers by {d}"
    );
    Ok(())
}

#[test]
fn tiny_argmax_end_to_end_matches_transformers() -> TestResult {
    check("tiny-argmax")
}

#[test]
fn tiny_eos_end_to_end_matches_transformers() -> TestResult {
    check("tiny-eos")
}

#[test]
fn errors_name_the_caller_row_and_file() -> TestResult {
    let dir = fixture("tiny-eos");
    let clip = Clip::load(&dir, &LoadOptions::default())?;
    // row 2 of the input is the shortest, so it is row 0 of the first sorted batch
    let ids = vec![vec![998, 5, 6, 999], vec![998, 5, 6, 7, 999], vec![998, 5]];
    match clip.embed_token_ids(&ids, 8) {
        Err(Error::InputRow {
            what: "text",
            row: 2,
            ..
        }) => {}
        other => panic!("expected a row error naming text #2, got {other:?}"),
    }
    assert!(matches!(
        clip.embed_token_ids(&ids, 0),
        Err(Error::Input(_))
    ));
    let missing = dir.join("no-such-image.png");
    match clip.embed_images(&[dir.join("image0.png"), missing.clone()], 4, &mut |_| {}) {
        Err(e) => assert!(e.to_string().contains("no-such-image.png"), "{e}"),
        Ok(_) => panic!("a missing image was embedded"),
    }
    Ok(())
}

#[test]
fn preprocessor_size_must_match_the_model() -> TestResult {
    let tmp = copy_fixture("tiny-argmax")?;
    std::fs::copy(
        fixture("tiny-eos").join("preprocessor_config.json"),
        tmp.path().join("preprocessor_config.json"),
    )?;
    match Clip::load(tmp.path(), &LoadOptions::default()) {
        Err(Error::Config { path, message }) => {
            assert!(path.ends_with("preprocessor_config.json"));
            assert!(message.contains("image_size is 32"), "{message}");
        }
        other => panic!("expected Config error, got {other:?}"),
    }
    Ok(())
}
