//! Evaluation as a library: benchmark rows + L2-normalised embeddings → one model's
//! [`ModelResult`] and its per-pair results. No model, no files: every function here works
//! on [`BenchRecord`]s and plain [`Matrix`]es, so it is unit-tested on hand-made matrices
//! (`tests.rs`) and `clipprobe eval` only loads, embeds, calls and writes.
//!
//! Flow: [`select`] picks and checks rows (ops, limit, images present) →
//! [`Prepared::new`] interns the unique texts and images → the caller embeds
//! `Prepared::texts` / `Prepared::images` (and [`word_ablations`]) → [`evaluate`] and
//! [`pairs`] compute everything.

pub mod aro;
mod select;
#[cfg(test)]
mod tests;
mod world;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use select::{default_images_root, resolve_image, select, Selected, Selection, SkippedRow};
pub use world::{concept_kind, world_splits};

pub use crate::report::{PairResult, PAIRS_CSV_HEADER};

use crate::bench::{BenchRecord, ConceptKind, CropBox, Scoring};
use crate::concepts;
use crate::error::{Error, Result};
use crate::lexicon::Lexicon;
use crate::metrics::{
    self, bootstrap_mean_ci, derive_seed, Histogram, Interval, Matrix, Summary, BOOTSTRAP_RESAMPLES,
};
use crate::report::{
    self, DepthResult, GroupResult, ModelResult, OpResult, TokenSensitivity, WinogroundCi,
    WorstPair, WORST_PAIRS,
};

/// Most caption pairs sampled for the anisotropy baseline.
pub const ANISOTROPY_MAX_PAIRS: usize = 20_000;

/// The benchmark as evaluation needs it: rows, and the unique texts and images they use.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// SHA-256 of the benchmark file.
    pub sha256: String,
    pub rows: Vec<BenchRecord>,
    /// Unique texts (captions, negatives, alternative captions) in first-seen order.
    pub texts: Vec<String>,
    /// Unique images (resolved path and crop) in first-seen order.
    pub images: Vec<ImageRef>,
    /// Per row: index into `texts` of the caption and of the negative.
    pub caption_ix: Vec<usize>,
    pub negative_ix: Vec<usize>,
    /// Per row: index of the first alternative true caption (SugarCrepe++), else of the caption.
    pub alt_ix: Vec<usize>,
    /// Per row: index into `images` of the image and of the negative image.
    pub image_ix: Vec<Option<usize>>,
    pub negative_image_ix: Vec<Option<usize>>,
    /// Row indices per op (subset), in sorted op order.
    pub by_op: BTreeMap<String, Vec<usize>>,
}

/// An image as a row scores it: the resolved file and the region of it kept (the row's
/// [`BenchRecord::crop`], ARO's bounding box), or the whole image. Two rows share an
/// embedding only when both match, so the crop is part of the image's cache key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageRef {
    pub path: PathBuf,
    pub crop: Option<CropBox>,
}

fn intern<T: Clone + Ord>(map: &mut BTreeMap<T, usize>, list: &mut Vec<T>, v: &T) -> usize {
    if let Some(&i) = map.get(v) {
        return i;
    }
    list.push(v.clone());
    map.insert(v.clone(), list.len() - 1);
    list.len() - 1
}

impl Prepared {
    /// Indexes the rows of the benchmark at `bench` (for messages); `resolve` turns a row's image string into the path it names (see
    /// [`select`], which has already checked that each exists). A row's `bbox` crops its
    /// `image` (not its `negative_image`); a malformed one is an [`Error::Row`].
    pub fn new(
        rows: Vec<BenchRecord>,
        bench: &Path,
        sha256: String,
        resolve: impl Fn(&str) -> PathBuf,
    ) -> Result<Prepared> {
        let (mut tmap, mut imap) = (BTreeMap::new(), BTreeMap::new());
        let (mut texts, mut images) = (Vec::new(), Vec::new());
        let mut p = Prepared {
            sha256,
            rows: Vec::new(),
            texts: Vec::new(),
            images: Vec::new(),
            caption_ix: Vec::new(),
            negative_ix: Vec::new(),
            alt_ix: Vec::new(),
            image_ix: Vec::new(),
            negative_image_ix: Vec::new(),
            by_op: BTreeMap::new(),
        };
        for (i, r) in rows.iter().enumerate() {
            p.caption_ix.push(intern(&mut tmap, &mut texts, &r.caption));
            p.negative_ix
                .push(intern(&mut tmap, &mut texts, &r.negative));
            let alts: Vec<usize> = r
                .alt_captions
                .iter()
                .map(|a| intern(&mut tmap, &mut texts, a))
                .collect();
            p.alt_ix
                .push(alts.first().copied().unwrap_or(p.caption_ix[i]));
            let crop = r.crop().map_err(|message| Error::Row {
                path: bench.to_path_buf(),
                row: r.id.clone(),
                field: "bbox".into(),
                message,
            })?;
            let mut image = |rel: &Option<String>, crop: Option<CropBox>| {
                rel.as_ref().map(|rel| {
                    let img = ImageRef {
                        path: resolve(rel),
                        crop,
                    };
                    intern(&mut imap, &mut images, &img)
                })
            };
            p.image_ix.push(image(&r.image, crop));
            p.negative_image_ix.push(image(&r.negative_image, None));
            p.by_op.entry(r.op.to_string()).or_default().push(i);
        }
        p.rows = rows;
        p.texts = texts;
        p.images = images;
        Ok(p)
    }

    /// True when row `row` is scored SugarCrepe-style and has an image.
    pub fn has_itm_image(&self, row: usize) -> bool {
        self.rows[row].scoring == Scoring::Itm && self.image_ix[row].is_some()
    }

    /// True when row `row` is a Winoground item with both images.
    pub fn is_winoground(&self, row: usize) -> bool {
        self.rows[row].scoring == Scoring::Winoground
            && self.image_ix[row].is_some()
            && self.negative_image_ix[row].is_some()
    }
}

/// One word-level ablation: a caption with one concept's words removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ablation {
    /// Index of the original caption in [`Prepared::texts`].
    pub text_ix: usize,
    pub kind: ConceptKind,
    pub text: String,
}

/// For the first `limit` unique true captions: each object, attribute and relation concept
/// the parser finds, removed from the caption (model-independent, so built once).
pub fn word_ablations(prep: &Prepared, limit: usize) -> Vec<Ablation> {
    let lex = Lexicon::builtin();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for &ix in &prep.caption_ix {
        if seen.len() >= limit {
            break;
        }
        if !seen.insert(ix) {
            continue;
        }
        let caption = &prep.texts[ix];
        let parse = concepts::parse(caption, lex);
        let chars: Vec<char> = caption.chars().collect();
        for c in parse.concepts(lex) {
            let [a, b] = c.span;
            let left: String = chars[..a.min(chars.len())].iter().collect();
            let right: String = chars[b.min(chars.len())..].iter().collect();
            let text = format!("{} {}", left.trim_end(), right.trim_start())
                .trim()
                .to_string();
            if !text.is_empty() && text != *caption {
                out.push(Ablation {
                    text_ix: ix,
                    kind: c.kind,
                    text,
                });
            }
        }
    }
    out
}

/// Summaries of `1 − cos(t(caption), t(caption without the concept))` per concept kind;
/// `texts` rows follow [`Prepared::texts`], `ablated` rows follow `abl`.
pub fn token_sensitivity(
    abl: &[Ablation],
    texts: &Matrix,
    ablated: &Matrix,
) -> Result<TokenSensitivity> {
    if ablated.rows != abl.len() {
        return Err(Error::EmbeddingCount {
            what: "token sensitivity",
            items: "ablations",
            expected: abl.len(),
            got: ablated.rows,
        });
    }
    let of = |kind: ConceptKind| -> Result<Option<Summary>> {
        let v: Vec<f64> = abl
            .iter()
            .enumerate()
            .filter(|(_, a)| a.kind == kind)
            .map(|(i, a)| 1.0 - metrics::cosine(texts.row(a.text_ix), ablated.row(i)))
            .collect();
        Ok(if v.is_empty() {
            None
        } else {
            Some(Summary::of(&v)?)
        })
    };
    Ok(TokenSensitivity {
        object: of(ConceptKind::Object)?,
        attribute: of(ConceptKind::Attribute)?,
        relation: of(ConceptKind::Relation)?,
    })
}

fn select_rows(m: &Matrix, ix: impl IntoIterator<Item = usize>) -> Result<Matrix> {
    let ix: Vec<usize> = ix.into_iter().collect();
    Ok(m.select(&ix)?)
}

fn check_shapes(prep: &Prepared, texts: &Matrix, images: Option<&Matrix>) -> Result<()> {
    if texts.rows != prep.texts.len() {
        return Err(Error::EmbeddingCount {
            what: "evaluation",
            items: "unique texts",
            expected: prep.texts.len(),
            got: texts.rows,
        });
    }
    match images {
        Some(m) if m.rows != prep.images.len() => Err(Error::EmbeddingCount {
            what: "evaluation",
            items: "unique images",
            expected: prep.images.len(),
            got: m.rows,
        }),
        None if !prep.images.is_empty() => Err(Error::EmbeddingCount {
            what: "evaluation",
            items: "unique images",
            expected: prep.images.len(),
            got: 0,
        }),
        _ => Ok(()),
    }
}

fn outcomes(v: impl Iterator<Item = bool>) -> Vec<f64> {
    v.map(|b| if b { 1.0 } else { 0.0 }).collect()
}

fn ci(values: &[f64], seed: u64, name: &str) -> Result<Interval> {
    Ok(bootstrap_mean_ci(
        &[values],
        BOOTSTRAP_RESAMPLES,
        derive_seed(seed, name),
    )?)
}

/// SugarCrepe's three averages (defined with the ops, in the bench crate).
pub use crate::bench::GROUPS;

/// Every metric of one model on a prepared benchmark, from L2-normalised embeddings
/// (`texts` rows follow [`Prepared::texts`], `images` rows follow [`Prepared::images`]).
/// `seed` drives the anisotropy-baseline sample and every bootstrap interval. The result's
/// `label`, `model`, `revision`, `token_sensitivity` and `published` are left for the
/// caller to fill.
pub fn evaluate(
    prep: &Prepared,
    texts: &Matrix,
    images: Option<&Matrix>,
    seed: u64,
) -> Result<ModelResult> {
    check_shapes(prep, texts, images)?;
    if prep.rows.is_empty() {
        return Err(Error::NoRows);
    }
    // anisotropy baseline over the unique true captions
    let mut uniq: Vec<usize> = prep.caption_ix.clone();
    uniq.sort_unstable();
    uniq.dedup();
    let baseline =
        metrics::anisotropy_baseline(&select_rows(texts, uniq)?, ANISOTROPY_MAX_PAIRS, seed)?;

    // matched (image, caption) pairs: the modality gap, its direction and the projection
    let mut matched = BTreeSet::new();
    for r in 0..prep.rows.len() {
        if let Some(i) = prep.image_ix[r] {
            matched.insert((i, prep.caption_ix[r]));
        }
        if let Some(i) = prep.negative_image_ix[r] {
            matched.insert((i, prep.negative_ix[r]));
        }
    }
    let (mut gap, mut direction, mut projection) = (None, None, None);
    if let (Some(img), true) = (images, matched.len() >= 2) {
        let mi = select_rows(img, matched.iter().map(|p| p.0))?;
        let mt = select_rows(texts, matched.iter().map(|p| p.1))?;
        gap = Some(metrics::modality_gap(&mi, &mt)?);
        direction = Some(metrics::gap_direction(&mi, &mt)?);
        projection = Some(metrics::pca_projection(
            &mi,
            &mt,
            report::PROJECTION_MAX_POINTS,
        )?);
    }

    let mut ops = BTreeMap::new();
    let mut correct_by_op: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (op, rows) in &prep.by_op {
        let (result, correct) = evaluate_op(
            prep,
            op,
            rows,
            texts,
            images,
            direction.as_deref(),
            baseline,
            seed,
        )?;
        if let Some(c) = correct {
            correct_by_op.insert(op.clone(), c);
        }
        ops.insert(op.clone(), result);
    }
    let groups = groups(&ops, &correct_by_op, seed)?;
    let world = world_splits(prep, texts, images, seed)?;
    let mut settings = BTreeMap::new();
    settings.insert("seed".into(), serde_json::json!(seed));
    settings.insert(
        "anisotropy_max_pairs".into(),
        serde_json::json!(ANISOTROPY_MAX_PAIRS),
    );
    settings.insert(
        "projection_max_points".into(),
        serde_json::json!(report::PROJECTION_MAX_POINTS),
    );
    settings.insert(
        "bootstrap_resamples".into(),
        serde_json::json!(BOOTSTRAP_RESAMPLES),
    );
    Ok(ModelResult {
        label: String::new(),
        model: String::new(),
        revision: String::new(),
        benchmark_sha256: prep.sha256.clone(),
        settings,
        ops,
        anisotropy_baseline: baseline,
        modality_gap: gap,
        token_sensitivity: None,
        projection,
        groups,
        published: None,
        world,
    })
}

/// One op's result, and its per-pair ITM outcomes (1/0) when it has images.
#[allow(clippy::too_many_arguments)]
fn evaluate_op(
    prep: &Prepared,
    op: &str,
    rows: &[usize],
    texts: &Matrix,
    images: Option<&Matrix>,
    direction: Option<&[f64]>,
    baseline: f64,
    seed: u64,
) -> Result<(OpResult, Option<Vec<f64>>)> {
    let metric = |metric: &'static str| {
        move |source: metrics::Error| Error::Metric {
            op: op.to_string(),
            metric,
            source,
        }
    };
    let cap = select_rows(texts, rows.iter().map(|&r| prep.caption_ix[r]))?;
    let neg = select_rows(texts, rows.iter().map(|&r| prep.negative_ix[r]))?;
    let cos = metrics::pair_cosines(&cap, &neg).map_err(metric("text cosine"))?;
    let summary = Summary::of(&cos).map_err(metric("text cosine"))?;

    // SugarCrepe-style rows with an image
    let itm_rows: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|&r| prep.has_itm_image(r))
        .collect();
    let (mut acc, mut acc_ci, mut margin, mut acc_gap_removed, mut acc_gap_removed_ci) =
        (None, None, None, None, None);
    let mut margins_by_row = BTreeMap::new();
    let mut correct = None;
    let mut macro_accuracy = None;
    let mut worst = Vec::new();
    if let (Some(img), false) = (images, itm_rows.is_empty()) {
        let i = select_rows(img, itm_rows.iter().filter_map(|&r| prep.image_ix[r]))?;
        let c = select_rows(texts, itm_rows.iter().map(|&r| prep.caption_ix[r]))?;
        let n = select_rows(texts, itm_rows.iter().map(|&r| prep.negative_ix[r]))?;
        let m = metrics::itm_margins(&i, &c, &n).map_err(metric("image-text accuracy"))?;
        acc = Some(metrics::accuracy(&m)?);
        let ok = outcomes(m.iter().map(|&x| x > 0.0));
        acc_ci = Some(ci(&ok, seed, &format!("{op}/itm"))?);
        margin = Some(Summary::of(&m)?);
        if itm_rows.len() >= 2 {
            let g = metrics::itm_margins_gap_removed(&i, &c, &n)
                .map_err(metric("gap-removed accuracy"))?;
            acc_gap_removed = Some(metrics::accuracy(&g)?);
            let okg = outcomes(g.iter().map(|&x| x > 0.0));
            acc_gap_removed_ci = Some(ci(&okg, seed, &format!("{op}/itm_gap_removed"))?);
        }
        // worst failures: lowest margins first, ties by row order; `!(m > 0)` on purpose: a
        // NaN margin is a failure too
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        let mut order: Vec<usize> = (0..m.len()).filter(|&k| !(m[k] > 0.0)).collect();
        order.sort_by(|&a, &b| m[a].total_cmp(&m[b]).then(a.cmp(&b)));
        worst = order
            .into_iter()
            .take(WORST_PAIRS)
            .map(|k| {
                let r = &prep.rows[itm_rows[k]];
                WorstPair {
                    id: r.id.clone(),
                    caption: r.caption.clone(),
                    negative: r.negative.clone(),
                    image: r.image.clone(),
                    margin: m[k],
                }
            })
            .collect();
        let recs: Vec<&BenchRecord> = itm_rows.iter().map(|&r| &prep.rows[r]).collect();
        if let Some(p) = aro::protocol(op, &recs) {
            let classes: Vec<&str> = recs.iter().filter_map(|r| aro::class(r)).collect();
            let exclude = if p.exclude_symmetric {
                aro::excluded_relations()
            } else {
                Vec::new()
            };
            macro_accuracy = metrics::macro_accuracy(&classes, &m, p.min_pairs, &exclude)
                .map_err(metric("ARO macro accuracy"))?;
        }
        margins_by_row = itm_rows.iter().copied().zip(m).collect();
        correct = Some(ok);
    }
    // an op whose every negative embeds like its caption has no edit direction to align
    let any_edit = (0..cap.rows).any(|k| cap.row(k) != neg.row(k));
    let alignment = match direction.filter(|_| any_edit) {
        Some(g) => {
            Some(metrics::edit_gap_alignment(&cap, &neg, g).map_err(metric("gap alignment"))?)
        }
        None => None,
    };

    // by depth
    let mut depth_rows: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (k, &r) in rows.iter().enumerate() {
        depth_rows.entry(prep.rows[r].depth).or_default().push(k);
    }
    let mut by_depth = BTreeMap::new();
    for (d, ks) in depth_rows {
        let c: Vec<f64> = ks.iter().map(|&k| cos[k]).collect();
        let m: Vec<f64> = ks
            .iter()
            .filter_map(|&k| margins_by_row.get(&rows[k]).copied())
            .collect();
        by_depth.insert(
            d,
            DepthResult {
                pairs: ks.len(),
                text_cosine_mean: Summary::of(&c)?.mean,
                itm_accuracy: if m.is_empty() {
                    None
                } else {
                    Some(metrics::accuracy(&m)?)
                },
            },
        );
    }

    // Winoground rows
    let wino: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|&r| prep.is_winoground(r))
        .collect();
    let (mut winoground, mut winoground_ci) = (None, None);
    if let (Some(img), false) = (images, wino.is_empty()) {
        let c0 = select_rows(texts, wino.iter().map(|&r| prep.caption_ix[r]))?;
        let c1 = select_rows(texts, wino.iter().map(|&r| prep.negative_ix[r]))?;
        let i0 = select_rows(img, wino.iter().filter_map(|&r| prep.image_ix[r]))?;
        let i1 = select_rows(img, wino.iter().filter_map(|&r| prep.negative_image_ix[r]))?;
        let o = metrics::winoground(&c0, &i0, &c1, &i1).map_err(metric("winoground"))?;
        winoground = Some(metrics::WinogroundScores::of(&o)?);
        winoground_ci = Some(WinogroundCi {
            text: ci(
                &outcomes(o.iter().map(|x| x.text)),
                seed,
                &format!("{op}/wino_text"),
            )?,
            image: ci(
                &outcomes(o.iter().map(|x| x.image)),
                seed,
                &format!("{op}/wino_image"),
            )?,
            group: ci(
                &outcomes(o.iter().map(|x| x.group)),
                seed,
                &format!("{op}/wino_group"),
            )?,
        });
    }

    // SugarCrepe++ rows: a second true caption
    let pp: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|&r| !prep.rows[r].alt_captions.is_empty())
        .collect();
    let sugarcrepe_pp = if pp.is_empty() {
        None
    } else {
        let p1 = select_rows(texts, pp.iter().map(|&r| prep.caption_ix[r]))?;
        let p2 = select_rows(texts, pp.iter().map(|&r| prep.alt_ix[r]))?;
        let n = select_rows(texts, pp.iter().map(|&r| prep.negative_ix[r]))?;
        let with_images = images.filter(|_| pp.iter().all(|&r| prep.has_itm_image(r)));
        let i = match with_images {
            Some(img) => Some(select_rows(
                img,
                pp.iter().filter_map(|&r| prep.image_ix[r]),
            )?),
            None => None,
        };
        Some(metrics::sugarcrepe_pp(i.as_ref(), &p1, &p2, &n).map_err(metric("SugarCrepe++"))?)
    };
    Ok((
        OpResult {
            pairs: rows.len(),
            text_cosine_hist: Histogram::cosine(&cos)?,
            text_cosine_normalized_mean: metrics::normalized_insensitivity(summary.mean, baseline)?,
            text_cosine: summary,
            itm_accuracy: acc,
            itm_pairs: itm_rows.len(),
            itm_accuracy_ci: acc_ci,
            itm_margin: margin,
            itm_accuracy_gap_removed: acc_gap_removed,
            itm_accuracy_gap_removed_ci: acc_gap_removed_ci,
            macro_accuracy,
            edit_gap_alignment: alignment,
            by_depth,
            winoground,
            winoground_ci,
            worst,
            sugarcrepe_pp,
        },
        correct,
    ))
}

/// SugarCrepe's REPLACE / SWAP / ADD averages over the subsets present in `ops`.
fn groups(
    ops: &BTreeMap<String, OpResult>,
    correct: &BTreeMap<String, Vec<f64>>,
    seed: u64,
) -> Result<BTreeMap<String, GroupResult>> {
    let mut out = BTreeMap::new();
    for (name, members) in GROUPS {
        let present: Vec<(&str, &OpResult)> = members
            .iter()
            .filter_map(|m| ops.get(m.name()).map(|o| (m.name(), o)))
            .collect();
        if present.is_empty() {
            continue;
        }
        let k = present.len() as f64;
        let text_cosine_mean = present.iter().map(|(_, o)| o.text_cosine.mean).sum::<f64>() / k;
        let accs: Option<Vec<f64>> = present.iter().map(|(_, o)| o.itm_accuracy).collect();
        let (itm_accuracy, itm_accuracy_ci) = match accs {
            Some(a) => {
                let samples: Vec<&[f64]> = present
                    .iter()
                    .filter_map(|(n, _)| correct.get(*n).map(Vec::as_slice))
                    .collect();
                (
                    Some(a.iter().sum::<f64>() / k),
                    Some(bootstrap_mean_ci(
                        &samples,
                        BOOTSTRAP_RESAMPLES,
                        derive_seed(seed, name),
                    )?),
                )
            }
            None => (None, None),
        };
        out.insert(
            name.to_string(),
            GroupResult {
                subsets: present.iter().map(|(n, _)| n.to_string()).collect(),
                pairs: present.iter().map(|(_, o)| o.pairs).sum(),
                text_cosine_mean,
                itm_accuracy,
                itm_accuracy_ci,
            },
        );
    }
    Ok(out)
}

/// Per-row results of one model, in benchmark row order.
pub fn pairs(
    prep: &Prepared,
    label: &str,
    texts: &Matrix,
    images: Option<&Matrix>,
) -> Result<Vec<PairResult>> {
    check_shapes(prep, texts, images)?;
    let finite = |v: f64, r: &BenchRecord, what: &'static str| -> Result<f64> {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(Error::Undefined {
                row: r.id.clone(),
                what,
            })
        }
    };
    let mut out = Vec::with_capacity(prep.rows.len());
    for (k, r) in prep.rows.iter().enumerate() {
        let c = texts.row(prep.caption_ix[k]);
        let n = texts.row(prep.negative_ix[k]);
        let mut p = PairResult {
            model: label.to_string(),
            id: r.id.clone(),
            op: r.op.to_string(),
            depth: r.depth,
            scoring: r.scoring,
            caption: r.caption.clone(),
            negative: r.negative.clone(),
            image: r.image.clone(),
            negative_image: r.negative_image.clone(),
            cos_caption_negative: finite(metrics::cosine(c, n), r, "cos(caption, negative)")?,
            cos_image_caption: None,
            cos_image_negative: None,
            cos_negative_image_caption: None,
            cos_negative_image_negative: None,
            margin: None,
            correct: None,
        };
        if let (Some(img), Some(i)) = (images, prep.image_ix[k]) {
            let ic = finite(metrics::cosine(img.row(i), c), r, "cos(image, caption)")?;
            let ineg = finite(metrics::cosine(img.row(i), n), r, "cos(image, negative)")?;
            p.cos_image_caption = Some(ic);
            p.cos_image_negative = Some(ineg);
            match (r.scoring, prep.negative_image_ix[k]) {
                (Scoring::Itm, _) => {
                    p.margin = Some(ic - ineg);
                    p.correct = Some(ic - ineg > 0.0);
                }
                (Scoring::Winoground, Some(j)) => {
                    let jc = finite(
                        metrics::cosine(img.row(j), c),
                        r,
                        "cos(negative image, caption)",
                    )?;
                    let jn = finite(
                        metrics::cosine(img.row(j), n),
                        r,
                        "cos(negative image, negative)",
                    )?;
                    p.cos_negative_image_caption = Some(jc);
                    p.cos_negative_image_negative = Some(jn);
                    let text = ic > ineg && jn > jc;
                    let image = ic > jc && jn > ineg;
                    p.correct = Some(text && image);
                }
                (Scoring::Winoground, None) => {}
            }
        }
        out.push(p);
    }
    Ok(out)
}
