//! The model families end to end on tiny random-weight checkpoints in their published layouts
//! (`tests/fixtures/families/`, made by `benchmarks/parity/make_family_fixtures.py`): open_clip
//! (Hub layout with safetensors / with a pickled `.bin`, raw `.pt` training checkpoint with
//! `state_dict` and `module.` prefixes) and SigLIP. Token ids must equal the reference's; text
//! embeddings must have cosine ≥ 0.99999 and image embeddings ≥ 0.9999 to the reference's
//! (open_clip `encode_text` / `encode_image`, transformers `get_text_features` /
//! `get_image_features`). Also the refusals: a code-executing pickle, a raw checkpoint without
//! an architecture or with an ambiguous activation, mismatched shapes.

use std::path::{Path, PathBuf};

use clipprobe_clip::config::HiddenAct;
use clipprobe_clip::embed::{Clip, Family, LoadOptions, TextPadding};
use clipprobe_clip::openclip::ActSource;
use clipprobe_clip::Error;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn families() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/families")
}

#[derive(serde::Deserialize)]
struct Expected {
    texts: Vec<String>,
    images: Vec<String>,
    ids: Vec<Vec<u32>>,
    text_features: Vec<Vec<f32>>,
    image_features: Vec<Vec<f32>>,
    logit_scale: f64,
    #[serde(default)]
    logit_bias: Option<f64>,
}

fn expected(dir: &Path) -> Result<Expected, Box<dyn std::error::Error>> {
    Ok(serde_json::from_str(&std::fs::read_to_string(
        dir.join("expected.json"),
    )?)?)
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

/// Every row of `got` (row-major, `want[0].len()` wide) has cosine ≥ `min` to `want`'s.
fn assert_rows(what: &str, got: &[f32], want: &[Vec<f32>], min: f64) {
    let dim = want[0].len();
    assert_eq!(got.len(), want.len() * dim, "{what}: shape");
    for (i, (g, w)) in got.chunks_exact(dim).zip(want).enumerate() {
        let c = cosine(g, w);
        assert!(c >= min, "{what} row {i}: cosine {c} < {min}");
    }
}

/// Ids, texts (batched by 3, so buckets and order matter), images and the logit scale of
/// `clip` against `exp`.
fn check(name: &str, clip: &Clip, exp: &Expected, pad_ids_to: Option<u32>) -> TestResult {
    for (text, want) in exp.texts.iter().zip(&exp.ids) {
        let mut got = clip.tokenize(text)?;
        if let Some(pad) = pad_ids_to {
            got.resize(want.len(), pad);
        }
        assert_eq!(&got, want, "{name}: ids of {text:?}");
    }
    let texts = clip.embed_texts(&exp.texts, 3, &mut |_| {})?;
    assert_rows(
        &format!("{name} text"),
        &texts.data,
        &exp.text_features,
        0.99999,
    );
    let paths: Vec<PathBuf> = exp
        .images
        .iter()
        .map(|f| families().join("images").join(f))
        .collect();
    let images = clip.embed_images(&paths, 2, &mut |_| {})?;
    assert_rows(
        &format!("{name} image"),
        &images,
        &exp.image_features,
        0.9999,
    );
    assert!(
        (clip.logit_scale() - exp.logit_scale).abs() < 1e-5,
        "{name}: logit_scale"
    );
    Ok(())
}

#[test]
fn open_clip_hub_layout_with_safetensors_and_quick_gelu_from_the_config() -> TestResult {
    let dir = families().join("openclip-hub");
    let clip = Clip::load(&dir, &LoadOptions::default())?;
    assert_eq!(clip.family(), Family::OpenClip);
    let act = clip.activation().ok_or("no activation recorded")?;
    assert_eq!(
        (act.act, act.source),
        (HiddenAct::QuickGelu, ActSource::Config)
    );
    assert_eq!(clip.text_padding(), TextPadding::Bucketed);
    check("openclip-hub", &clip, &expected(&dir)?, None)
}

#[test]
fn open_clip_hub_layout_with_pickled_bin_means_gelu() -> TestResult {
    let dir = families().join("openclip-bin");
    let clip = Clip::load(&dir, &LoadOptions::default())?;
    let act = clip.activation().ok_or("no activation recorded")?;
    assert_eq!((act.act, act.source), (HiddenAct::Gelu, ActSource::Config));
    check("openclip-bin", &clip, &expected(&dir)?, None)
}

fn raw_opts(act: Option<HiddenAct>) -> LoadOptions {
    LoadOptions {
        arch: Some(
            families()
                .join("openclip-raw/arch.json")
                .to_string_lossy()
                .into_owned(),
        ),
        act,
        ..LoadOptions::default()
    }
}

#[test]
fn raw_training_checkpoint_with_state_dict_and_module_prefix() -> TestResult {
    let file = families().join("openclip-raw/negclip-tiny.pt");
    let clip = Clip::load(&file, &raw_opts(Some(HiddenAct::Gelu)))?;
    let act = clip.activation().ok_or("no activation recorded")?;
    assert_eq!(
        (act.act, act.source),
        (HiddenAct::Gelu, ActSource::Explicit)
    );
    // same weights as openclip-bin
    check(
        "openclip-raw",
        &clip,
        &expected(&families().join("openclip-bin"))?,
        None,
    )?;
    // the QuickGELU/GELU trap: the wrong activation loads but changes the embeddings
    let wrong = Clip::load(&file, &raw_opts(Some(HiddenAct::QuickGelu)))?;
    let exp = expected(&families().join("openclip-bin"))?;
    let t = wrong.embed_texts(&exp.texts, 8, &mut |_| {})?;
    let dim = exp.text_features[0].len();
    let worst = t
        .data
        .chunks_exact(dim)
        .zip(&exp.text_features)
        .map(|(g, w)| cosine(g, w))
        .fold(1.0, f64::min);
    assert!(
        worst < 0.99999,
        "quick_gelu gave the GELU embeddings ({worst})"
    );
    Ok(())
}

fn load_err(path: &Path, opts: &LoadOptions) -> String {
    match Clip::load(path, opts) {
        Ok(_) => panic!("{} loaded", path.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn raw_checkpoint_refusals_name_the_file_and_the_fix() {
    let file = families().join("openclip-raw/negclip-tiny.pt");
    // no architecture
    let e = load_err(&file, &LoadOptions::default());
    assert!(e.contains("negclip-tiny.pt") && e.contains("--arch"), "{e}");
    // an architecture without quick_gelu and no --act: the trap is explained
    let e = load_err(&file, &raw_opts(None));
    assert!(
        e.contains("negclip-tiny.pt") && e.contains("QuickGELU") && e.contains("--act"),
        "{e}"
    );
    // an architecture of another geometry: the first mismatching tensor is named
    let opts = LoadOptions {
        arch: Some("ViT-B-32-quickgelu".into()),
        ..LoadOptions::default()
    };
    let e = load_err(&file, &opts);
    assert!(e.contains("negclip-tiny.pt") && e.contains("shape"), "{e}");
}

#[test]
fn a_pickle_that_would_run_code_is_refused_before_anything_is_read() {
    let file = families().join("openclip-raw/evil.pt");
    match Clip::load(&file, &raw_opts(Some(HiddenAct::Gelu))) {
        Err(Error::UnsafePickle { path, global }) => {
            assert_eq!(path, file);
            assert!(global.ends_with(".system"), "{global}");
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("evil.pt loaded"),
    }
}

#[test]
fn shape_mismatch_names_the_open_clip_tensor() -> TestResult {
    // the same checkpoint read with a config claiming a wider text tower
    let tmp = tempfile::tempdir()?;
    let src = families().join("openclip-hub");
    for f in ["open_clip_model.safetensors", "vocab.json", "merges.txt"] {
        std::fs::copy(src.join(f), tmp.path().join(f))?;
    }
    let cfg = std::fs::read_to_string(src.join("open_clip_config.json"))?;
    let mut v: serde_json::Value = serde_json::from_str(&cfg)?;
    v["model_cfg"]["text_cfg"]["width"] = 64.into();
    std::fs::write(tmp.path().join("open_clip_config.json"), v.to_string())?;
    let e = load_err(tmp.path(), &LoadOptions::default());
    assert!(
        e.contains("open_clip_model.safetensors") && e.contains("has shape"),
        "{e}"
    );
    assert!(
        e.contains("`token_embedding.weight`") || e.contains("in_proj"),
        "{e}"
    );
    Ok(())
}

/// A SigLIP-family fixture folder (16-token texts) against its reference, the reference's
/// ids padded with `pad`.
fn check_siglip(name: &str, pad: u32) -> TestResult {
    let dir = families().join(name);
    let clip = Clip::load(&dir, &LoadOptions::default())?;
    assert_eq!(clip.family(), Family::Siglip);
    assert_eq!(clip.text_padding(), TextPadding::Fixed(16));
    let exp = expected(&dir)?;
    let bias = clip.logit_bias().ok_or("no logit_bias")?;
    assert!((bias - exp.logit_bias.ok_or("no reference bias")?).abs() < 1e-5);
    check(name, &clip, &exp, Some(pad))
}

#[test]
fn siglip_pads_to_the_fixed_length_and_pools_the_last_position() -> TestResult {
    // SigLIP's pad id is 1, also its EOS
    check_siglip("siglip", 1)
}

#[derive(serde::Deserialize)]
struct TokenizerVariant {
    class: String,
    ids: Vec<Vec<u32>>,
}

/// SigLIP 2 (fixed resolution): `SiglipModel` weights with a Gemma tokenizer saved by
/// transformers' `GemmaTokenizer`, as `google/siglip2-base-patch16-224` is laid out. The
/// processor pads with `<pad>` (0, not `text_config.pad_token_id`) and sends no attention
/// mask, so the tower attends to the padding; texts are not lowercased.
#[test]
fn siglip2_gemma_tokenizer_pads_with_its_own_id_and_no_mask() -> TestResult {
    check_siglip("siglip2", 0)
}

/// What transformers does with two edits of the SigLIP 2 tokenizer files: naming
/// `Siglip2Tokenizer` lowercases; a `Lowercase` put into `tokenizer.json`'s normalizer is
/// ignored by `GemmaTokenizer`, which builds its own pipeline.
#[test]
fn siglip2_tokenizer_variants_match_transformers() -> TestResult {
    let src = families().join("siglip2");
    let raw = std::fs::read_to_string(src.join("expected.json"))?;
    let v: serde_json::Value = serde_json::from_str(&raw)?;
    let texts: Vec<String> = serde_json::from_value(v["texts"].clone())?;
    let variants: std::collections::BTreeMap<String, TokenizerVariant> =
        serde_json::from_value(v["tokenizer_variants"].clone())?;
    assert_eq!(variants.len(), 2);
    for (name, want) in &variants {
        let tmp = tempfile::tempdir()?;
        for f in ["tokenizer.json", "tokenizer_config.json"] {
            std::fs::copy(src.join(f), tmp.path().join(f))?;
        }
        let cfg_path = tmp.path().join("tokenizer_config.json");
        let mut cfg: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&cfg_path)?)?;
        let tj_path = tmp.path().join("tokenizer.json");
        let mut tj: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&tj_path)?)?;
        match name.as_str() {
            "tokenizer_class_siglip2" => cfg["tokenizer_class"] = want.class.clone().into(),
            "lowercase_in_tokenizer_json" => {
                let n = tj["normalizer"].take();
                tj["normalizer"] = serde_json::json!({"type": "Sequence", "normalizers": [{"type": "Lowercase"}, n]});
            }
            other => return Err(format!("unknown variant {other}").into()),
        }
        std::fs::write(&cfg_path, cfg.to_string())?;
        std::fs::write(&tj_path, tj.to_string())?;
        let tok = clipprobe_clip::tokenizer::Tokenizer::siglip_from_dir(tmp.path(), 16)?;
        for (text, ids) in texts.iter().zip(&want.ids) {
            assert_eq!(&tok.encode(text)?.ids, ids, "{name}: ids of {text:?}");
        }
    }
    Ok(())
}

/// A Gemma tokenizer without `padding_side` pads on the left in transformers; clipprobe
/// refuses it rather than embed differently.
#[test]
fn gemma_tokenizer_without_padding_side_is_refused() -> TestResult {
    let src = families().join("siglip2");
    let tmp = tempfile::tempdir()?;
    std::fs::copy(
        src.join("tokenizer.json"),
        tmp.path().join("tokenizer.json"),
    )?;
    let mut cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(src.join("tokenizer_config.json"))?)?;
    cfg.as_object_mut()
        .ok_or("not an object")?
        .remove("padding_side");
    std::fs::write(tmp.path().join("tokenizer_config.json"), cfg.to_string())?;
    let err = match clipprobe_clip::tokenizer::Tokenizer::siglip_from_dir(tmp.path(), 16) {
        Ok(_) => return Err("accepted".into()),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("padding_side") && err.contains("left"),
        "{err}"
    );
    Ok(())
}

#[test]
fn cache_identity_differs_by_family_and_activation() -> TestResult {
    let hub = Clip::load(&families().join("openclip-hub"), &LoadOptions::default())?;
    let bin = Clip::load(&families().join("openclip-bin"), &LoadOptions::default())?;
    let siglip = Clip::load(&families().join("siglip"), &LoadOptions::default())?;
    let ids = [
        hub.cache_identity(),
        bin.cache_identity(),
        siglip.cache_identity(),
    ];
    assert!(
        ids[0].contains("family=open_clip") && ids[0].contains("QuickGelu"),
        "{}",
        ids[0]
    );
    assert!(ids[2].contains("family=siglip"), "{}", ids[2]);
    assert_ne!(ids[0], ids[1]);
    Ok(())
}
