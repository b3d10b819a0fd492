//! `ClipModel` against transformers' `get_text_features` / `get_image_features` on the tiny
//! random-weight checkpoints of `tests/fixtures/` (made by `tests/fixtures/make_fixtures.py`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use clipprobe_clip::config::TextPooling;
use clipprobe_clip::model::ClipModel;
use clipprobe_clip::Error;

type TestResult = Result<(), Box<dyn std::error::Error>>;

pub(crate) fn fixture(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    assert!(
        dir.join("config.json").is_file(),
        "fixture {} is missing: run tests/fixtures/make_fixtures.py",
        dir.display()
    );
    dir
}

pub(crate) struct Golden {
    pub ids: Vec<Vec<u32>>,
    pub text: Tensor,
    pub pixels: Tensor,
    pub image: Tensor,
}

pub(crate) fn golden(dir: &Path) -> Result<Golden, Box<dyn std::error::Error>> {
    let mut t: HashMap<String, Tensor> =
        candle_core::safetensors::load(dir.join("golden.safetensors"), &Device::Cpu)?;
    let mut take = |name: &str| t.remove(name).ok_or(format!("golden lacks {name}"));
    let padded = take("input_ids")?.to_vec2::<i64>()?;
    let mask = take("attention_mask")?.to_vec2::<i64>()?;
    let ids = padded
        .iter()
        .zip(&mask)
        .map(|(row, m)| {
            row.iter()
                .zip(m)
                .filter(|(_, &m)| m == 1)
                .map(|(&id, _)| id as u32)
                .collect()
        })
        .collect();
    Ok(Golden {
        ids,
        text: take("text_features")?,
        pixels: take("pixel_values")?,
        image: take("image_features")?,
    })
}

/// Largest absolute difference, relative to the reference's largest magnitude (at least 1).
pub(crate) fn rel_max_diff(ours: &Tensor, reference: &Tensor) -> Result<f32, candle_core::Error> {
    assert_eq!(ours.dims(), reference.dims(), "shapes differ");
    let diff = (ours - reference)?
        .abs()?
        .flatten_all()?
        .max(0)?
        .to_scalar::<f32>()?;
    let scale = reference.abs()?.flatten_all()?.max(0)?.to_scalar::<f32>()?;
    Ok(diff / scale.max(1.0))
}

const TOL: f32 = 1e-4;

fn check_against_transformers(name: &str, pooling: TextPooling) -> TestResult {
    let dir = fixture(name);
    let g = golden(&dir)?;
    let model = ClipModel::load(&dir, &Device::Cpu, DType::F32)?;
    assert_eq!(model.config().text_pooling, pooling);
    assert!((model.logit_scale() - 4.6052).abs() < 1e-6);

    let text = model.text_features(&g.ids)?;
    let d = rel_max_diff(&text, &g.text)?;
    assert!(
        d < TOL,
        "{name}: text features differ from transformers by {d}"
    );

    let image = model.image_features(&g.pixels)?;
    let d = rel_max_diff(&image, &g.image)?;
    assert!(
        d < TOL,
        "{name}: image features differ from transformers by {d}"
    );

    // each caption alone (no padding) gives what the padded batch gave
    for (i, seq) in g.ids.iter().enumerate() {
        let alone = model.text_features(std::slice::from_ref(seq))?;
        let d = rel_max_diff(&alone, &g.text.narrow(0, i, 1)?)?;
        assert!(d < TOL, "{name}: caption {i} alone differs by {d}");
    }
    Ok(())
}

#[test]
fn legacy_argmax_checkpoint_matches_transformers() -> TestResult {
    check_against_transformers("tiny-argmax", TextPooling::Argmax)
}

#[test]
fn first_eos_sharded_checkpoint_matches_transformers() -> TestResult {
    check_against_transformers("tiny-eos", TextPooling::FirstEos(999))
}

#[test]
fn tokens_after_the_pooled_token_do_not_matter() -> TestResult {
    // tiny-eos pools at the first 999: under the causal mask, tokens after it cannot move the
    // feature, while a different token before it must.
    let dir = fixture("tiny-eos");
    let model = ClipModel::load(&dir, &Device::Cpu, DType::F32)?;
    let cut = model.text_features(&[vec![998, 40, 999]])?;
    let tail = model.text_features(&[vec![998, 40, 999, 5, 7]])?;
    assert!(rel_max_diff(&tail, &cut)? < TOL);
    let other = model.text_features(&[vec![998, 41, 999]])?;
    assert!(
        rel_max_diff(&other, &cut)? > 1e-3,
        "a different token left the feature unchanged"
    );
    Ok(())
}

#[test]
fn shared_prefixes_give_what_separate_passes_give() -> TestResult {
    // a caption, edits of it at depth 1 and 3, a duplicate, a longer continuation and an
    // unrelated text: neighbours share prefixes of 4+ tokens, which text_features computes once
    // (keys and values reused); each must equal its own full pass, which shares nothing
    let ids: Vec<Vec<u32>> = vec![
        vec![998, 10, 11, 12, 13, 14, 15, 999],
        vec![998, 10, 11, 12, 13, 20, 15, 999],
        vec![998, 10, 11, 12, 30, 31, 32, 999],
        vec![998, 50, 999],
        vec![998, 10, 11, 12, 13, 14, 15, 999],
        vec![998, 10, 11, 12, 13, 14, 15, 16, 17, 999],
        vec![998, 10, 11, 12, 13, 20, 21, 999],
    ];
    for name in ["tiny-argmax", "tiny-eos"] {
        let model = ClipModel::load(&fixture(name), &Device::Cpu, DType::F32)?;
        // lexicographic groups {5, 0, 4} (7 shared tokens), {3}, {1, 6, 2} (4 shared) compute
        // 2 × 7 + 7 × 4 = 42 positions; by length one group of six sharing 4 tokens, 46
        let order = model.text_order(&ids, 64);
        assert_eq!(
            order,
            [5, 0, 4, 3, 1, 6, 2],
            "{name}: not grouped by prefix"
        );
        let batch: Vec<Vec<u32>> = order.iter().map(|&i| ids[i].clone()).collect();
        let together = model.text_features(&batch)?;
        for (row, &i) in order.iter().enumerate() {
            let alone = model.text_features(std::slice::from_ref(&ids[i]))?;
            let d = rel_max_diff(&together.narrow(0, row, 1)?, &alone)?;
            assert!(
                d < 1e-5,
                "{name}: text {i} with shared prefixes differs by {d}"
            );
        }
    }
    Ok(())
}

pub(crate) fn copy_fixture(name: &str) -> Result<tempfile::TempDir, Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    for entry in std::fs::read_dir(fixture(name))? {
        let entry = entry?;
        std::fs::copy(entry.path(), tmp.path().join(entry.file_name()))?;
    }
    Ok(tmp)
}

#[test]
fn missing_or_misshapen_weights_name_the_tensor() -> TestResult {
    // a tensor removed from the file
    let tmp = copy_fixture("tiny-argmax")?;
    let path = tmp.path().join("model.safetensors");
    let mut tensors = candle_core::safetensors::load(&path, &Device::Cpu)?;
    let gone = "vision_model.encoder.layers.1.mlp.fc2.bias";
    assert!(tensors.remove(gone).is_some());
    candle_core::safetensors::save(&tensors, &path)?;
    match ClipModel::load(tmp.path(), &Device::Cpu, DType::F32) {
        Err(Error::MissingTensor { name, path: p }) => {
            assert_eq!(name, gone);
            assert_eq!(p, path);
        }
        other => panic!("expected MissingTensor, got {other:?}"),
    }

    // a config that disagrees with the weights
    let tmp = copy_fixture("tiny-argmax")?;
    let cfg_path = tmp.path().join("config.json");
    let mut cfg: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&cfg_path)?)?;
    cfg["vision_config"]["intermediate_size"] = 100.into();
    std::fs::write(&cfg_path, cfg.to_string())?;
    match ClipModel::load(tmp.path(), &Device::Cpu, DType::F32) {
        Err(Error::TensorShape {
            name,
            expected,
            found,
            ..
        }) => {
            assert_eq!(name, "vision_model.encoder.layers.0.mlp.fc1.weight");
            assert_eq!(expected, vec![100, 48]);
            assert_eq!(found, vec![96, 48]);
        }
        other => panic!("expected TensorShape, got {other:?}"),
    }

    // no weights, no config
    let tmp = tempfile::tempdir()?;
    assert!(matches!(
        ClipModel::load(tmp.path(), &Device::Cpu, DType::F32),
        Err(Error::MissingFile { .. })
    ));
    std::fs::copy(
        fixture("tiny-argmax").join("config.json"),
        tmp.path().join("config.json"),
    )?;
    match ClipModel::load(tmp.path(), &Device::Cpu, DType::F32) {
        Err(Error::MissingFile { path, .. }) => assert!(path.ends_with("model.safetensors")),
        other => panic!("expected MissingFile, got {other:?}"),
    }

    // a truncated file
    let tmp = copy_fixture("tiny-argmax")?;
    let path = tmp.path().join("model.safetensors");
    let bytes = std::fs::read(&path)?;
    std::fs::write(&path, &bytes[..bytes.len() / 2])?;
    assert!(matches!(
        ClipModel::load(tmp.path(), &Device::Cpu, DType::F32),
        Err(Error::Weights { .. })
    ));
    Ok(())
}

#[test]
fn bad_inputs_are_typed_errors() -> TestResult {
    let model = ClipModel::load(&fixture("tiny-eos"), &Device::Cpu, DType::F32)?;
    let cases: [(Vec<Vec<u32>>, &str); 4] = [
        (vec![], "empty"),
        (vec![vec![998; 13]], "max_position_embeddings"),
        (vec![vec![998, 1000, 999]], "vocabulary"),
        (vec![vec![998, 999], vec![998, 5]], "text #1"),
    ];
    for (ids, needle) in cases {
        match model.text_features(&ids) {
            Err(e @ (Error::Input(_) | Error::InputRow { .. })) => {
                let msg = e.to_string();
                assert!(msg.contains(needle), "`{msg}` lacks `{needle}`")
            }
            other => panic!("{ids:?}: expected Input error, got {other:?}"),
        }
    }
    let wrong = Tensor::zeros((2, 3, 32, 32), DType::F32, &Device::Cpu)?;
    assert!(matches!(model.image_features(&wrong), Err(Error::Input(_))));
    Ok(())
}

#[test]
fn half_precision_stays_close() -> TestResult {
    let dir = fixture("tiny-argmax");
    let g = golden(&dir)?;
    let model = ClipModel::load(&dir, &Device::Cpu, DType::BF16)?;
    let image = model.image_features(&g.pixels)?;
    assert_eq!(image.dtype(), DType::F32);
    let d = rel_max_diff(&image, &g.image)?;
    assert!(d < 0.1, "bf16 image features differ by {d}");
    Ok(())
}
