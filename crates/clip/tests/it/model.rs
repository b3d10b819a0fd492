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
fn image_batches_larger_than_one_pass_give_each_image_its_own_features() -> TestResult {
    // the vision tower runs at most 2,048 token positions per pass: tiny-eos has 3 × 3 patches
    // and a class token, so 500 images take 3 passes; each must get the features it gets alone
    let dir = fixture("tiny-eos");
    let g = golden(&dir)?;
    let model = ClipModel::load(&dir, &Device::Cpu, DType::F32)?;
    let n = g.pixels.dim(0)?;
    let count = 500;
    let images = (0..count)
        .map(|i| {
            g.pixels
                .narrow(0, i % n, 1)?
                .affine(1.0 + i as f64 * 1e-3, 0.0)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let batch = model.image_features(&Tensor::cat(&images, 0)?)?;
    assert_eq!(batch.dims(), &[count, model.config().projection_dim]);
    for (i, image) in images.iter().enumerate() {
        let alone = model.image_features(image)?;
        let d = rel_max_diff(&batch.narrow(0, i, 1)?, &alone)?;
        assert!(d < 1e-5, "image {i} in the batch differs from alone by {d}");
    }
    let d = rel_max_diff(&batch.narrow(0, 0, n)?, &g.image)?;
    assert!(d < TOL, "batch differs from transformers by {d}");
    Ok(())
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

/// A caption (content tokens 10..) with `bos` / `eos` around it.
fn text(bos: u32, eos: u32, content: &[u32]) -> Vec<u32> {
    std::iter::once(bos)
        .chain(content.iter().copied())
        .chain(std::iter::once(eos))
        .collect()
}

/// `n` captions of 3 to `max_len` - 2 content tokens (ids 10..400) from a few shared
/// openings, each followed by up to 3 edits of itself at a random token: many texts sharing
/// prefixes at every depth, as a caption set with its hard negatives does. Deterministic (a
/// fixed linear congruential sequence).
fn caption_set(bos: u32, eos: u32, n: usize, max_len: usize) -> Vec<Vec<u32>> {
    let mut state = 12345u64;
    let mut next = |m: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % m
    };
    let openings: [&[u32]; 4] = [&[10, 11], &[10, 12, 13], &[14], &[15, 16, 17, 18]];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let mut c = openings[next(4) as usize].to_vec();
        let len = 3 + next(max_len as u64 - 4) as usize;
        while c.len() < len {
            c.push(10 + next(390) as u32);
        }
        out.push(text(bos, eos, &c));
        for _ in 0..next(4) {
            let mut e = c.clone();
            let at = next(e.len() as u64) as usize;
            e[at] = 10 + next(390) as u32;
            out.push(text(bos, eos, &e));
        }
    }
    out.truncate(n);
    out
}

/// Every text's feature from `model.text_features` over the passes of `model.text_passes`
/// (trie passes on the CPU in f32) equals its own single-text pass (a chain: plain causal
/// attention, checked against transformers and open_clip by the parity tests), to 1e-5.
fn check_trie_passes(name: &str, model: &ClipModel, ids: &[Vec<u32>]) -> TestResult {
    let passes = model.text_passes(ids, 64);
    let mut seen: Vec<usize> = passes.iter().flatten().copied().collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..ids.len()).collect::<Vec<_>>(), "{name}: passes");
    for pass in &passes {
        let batch: Vec<Vec<u32>> = pass.iter().map(|&i| ids[i].clone()).collect();
        let together = model.text_features(&batch)?;
        for (row, &i) in pass.iter().enumerate() {
            let got = together.narrow(0, row, 1)?;
            let alone = model.text_features(std::slice::from_ref(&ids[i]))?;
            let d = rel_max_diff(&got, &alone)?;
            assert!(d < 1e-5, "{name}: text {i} in its pass differs by {d}");
        }
    }
    Ok(())
}

/// The trie forward on `model`: hand-made depth-1 and depth-3
/// edits, duplicates, a continuation, an unrelated text and (`prefix`, argmax pooling only) a
/// text whose pooled token lies inside another's path; then a caption set large enough for
/// several passes.
fn check_trie(
    name: &str,
    model: &ClipModel,
    (bos, eos): (u32, u32),
    prefix: Option<Vec<u32>>,
) -> TestResult {
    let t = |c: &[u32]| text(bos, eos, c);
    let mut ids = vec![
        t(&[10, 11, 12, 13, 14, 15]),
        t(&[10, 11, 12, 13, 20, 15]),         // depth 1, late
        t(&[10, 21, 12, 13, 14, 15]),         // depth 1, early
        t(&[10, 11, 22, 13, 24, 25]),         // depth 3
        t(&[10, 11, 12, 13, 14, 15]),         // duplicate
        t(&[10, 11, 12, 13, 14, 15, 16, 17]), // continuation
        t(&[50]),                             // unrelated, short
        t(&[10, 11, 12, 13, 20, 15]),         // duplicate of an edit
    ];
    ids.extend(prefix);
    check_trie_passes(name, model, &ids)?;
    // one text alone, and a batch whose texts share nothing but the first token
    check_trie_passes(name, model, &ids[..1])?;
    check_trie_passes(name, model, &[t(&[30, 31]), t(&[40]), t(&[41, 42, 43])])?;
    // 1200 texts: several passes of at most 2048 distinct prefixes
    let max_len = model.config().text.max_position_embeddings;
    let many = caption_set(bos, eos, 1200, max_len);
    let passes = model.text_passes(&many, 64).len();
    assert!(passes >= 3, "{name}: {passes} passes");
    let positions = model.text_positions(&many, 64);
    let tokens: usize = many.iter().map(Vec::len).sum();
    assert!(positions < tokens, "{name}: {positions} of {tokens} tokens");
    eprintln!("{name}: {passes} passes, {positions} positions, {tokens} tokens");
    check_trie_passes(name, model, &many)
}

#[test]
fn trie_passes_give_what_separate_passes_give() -> TestResult {
    for (name, prefix) in [
        // argmax pooling: 300 is pooled, a node inside the first text's path
        ("tiny-argmax", Some(vec![998, 10, 11, 12, 300])),
        ("tiny-eos", None),
    ] {
        let model = ClipModel::load(&fixture(name), &Device::Cpu, DType::F32)?;
        check_trie(name, &model, (998, 999), prefix)?;
    }
    Ok(())
}

#[test]
fn trie_passes_give_what_separate_passes_give_open_clip() -> TestResult {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/families/openclip-hub");
    let model = clipprobe_clip::openclip::load(&dir, None, None, &Device::Cpu, DType::F32)?.model;
    assert_eq!(model.config().text_pooling, TextPooling::Argmax);
    check_trie(
        "open_clip",
        &model,
        (588, 589),
        Some(vec![588, 10, 11, 12, 300]),
    )
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
    // texts outside CPU f32 take the padded causal path: batches of `batch_size` by length
    let passes = model.text_passes(&g.ids, 2);
    assert!(passes.iter().all(|p| p.len() <= 2) && passes.len() == g.ids.len().div_ceil(2));
    let lengths: Vec<usize> = passes.iter().flatten().map(|&i| g.ids[i].len()).collect();
    assert!(lengths.windows(2).all(|w| w[0] <= w[1]), "not by length");
    let text = model.text_features(&g.ids)?;
    let d = rel_max_diff(&text, &g.text)?;
    assert!(d < 0.1, "bf16 text features differ by {d}");
    Ok(())
}
