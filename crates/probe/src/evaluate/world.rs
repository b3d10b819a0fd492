//! Splits of the synthetic world's rows (`source: "world"`, see `docs/world.md`): ITM
//! accuracy and Winoground text / image / group scores, each with its bootstrap interval,
//! by op, by concept kind, by depth and by scene size.
//!
//! A row's concept kind is the kind of its edits (`edits[].kind`) when they all share one,
//! else `mixed` (a depth-K row whose steps touch different kinds). Its scene size is
//! `extra.objects`. ITM on a world row is SugarCrepe's test on the original image:
//! `cos(image, caption) > cos(image, negative)`.

use std::collections::BTreeMap;

use super::{ci, outcomes, select_rows, Prepared};
use crate::bench::{BenchRecord, ConceptKind};
use crate::error::Result;
use crate::metrics::{self, Matrix, Summary, WinogroundOutcome, WinogroundScores};
use crate::report::{SplitResult, WinogroundCi, WorldSplits, WORLD_SOURCE};

/// The concept-kind split key of a row: `object`, `attribute`, `relation`, or `mixed`.
pub fn concept_kind(r: &BenchRecord) -> String {
    let name = |k: ConceptKind| match k {
        ConceptKind::Object => "object",
        ConceptKind::Attribute => "attribute",
        ConceptKind::Relation => "relation",
    };
    match r.edits.split_first() {
        Some((first, rest)) if rest.iter().all(|e| e.kind == first.kind) => {
            name(first.kind).to_string()
        }
        Some(_) => "mixed".to_string(),
        None => "unknown".to_string(),
    }
}

/// The scene-size split key of a row (`extra.objects`), when it has one.
fn scene_size(r: &BenchRecord) -> Option<u64> {
    r.extra.get("objects").and_then(serde_json::Value::as_u64)
}

/// One split's numbers over rows `ks` (indices into the per-pair vectors).
fn split(
    ks: &[usize],
    cos: &[f64],
    margins: &[f64],
    wino: &[WinogroundOutcome],
    seed: u64,
    name: &str,
) -> Result<SplitResult> {
    let pick = |v: &[f64]| -> Vec<f64> { ks.iter().map(|&k| v[k]).collect() };
    let m = pick(margins);
    let o: Vec<WinogroundOutcome> = ks.iter().map(|&k| wino[k]).collect();
    let of = |f: fn(&WinogroundOutcome) -> bool| outcomes(o.iter().map(f));
    Ok(SplitResult {
        pairs: ks.len(),
        text_cosine_mean: Summary::of(&pick(cos))?.mean,
        itm_accuracy: metrics::accuracy(&m)?,
        itm_accuracy_ci: ci(
            &outcomes(m.iter().map(|&x| x > 0.0)),
            seed,
            &format!("{name}/itm"),
        )?,
        winoground: WinogroundScores::of(&o)?,
        winoground_ci: WinogroundCi {
            text: ci(&of(|x| x.text), seed, &format!("{name}/wino_text"))?,
            image: ci(&of(|x| x.image), seed, &format!("{name}/wino_image"))?,
            group: ci(&of(|x| x.group), seed, &format!("{name}/wino_group"))?,
        },
    })
}

fn splits_by<K: Ord + Clone + std::fmt::Display>(
    keys: &[Option<K>],
    cos: &[f64],
    margins: &[f64],
    wino: &[WinogroundOutcome],
    seed: u64,
    dimension: &str,
) -> Result<BTreeMap<K, SplitResult>> {
    // The op split resamples with the per-op tables' bootstrap streams (`{op}/wino_group`,
    // ...), so an op whose rows all come from the world gets the same intervals in both.
    let stream = |key: &K| match dimension {
        "op" => key.to_string(),
        _ => format!("world/{dimension}/{key}"),
    };
    let mut groups: BTreeMap<K, Vec<usize>> = BTreeMap::new();
    for (k, key) in keys.iter().enumerate() {
        if let Some(key) = key {
            groups.entry(key.clone()).or_default().push(k);
        }
    }
    groups
        .into_iter()
        .map(|(key, ks)| {
            let name = stream(&key);
            Ok((key, split(&ks, cos, margins, wino, seed, &name)?))
        })
        .collect()
}

/// The world splits of a prepared benchmark, or `None` when it has no world rows with both
/// images (or no image embeddings).
pub fn world_splits(
    prep: &Prepared,
    texts: &Matrix,
    images: Option<&Matrix>,
    seed: u64,
) -> Result<Option<WorldSplits>> {
    let Some(img) = images else { return Ok(None) };
    let rows: Vec<usize> = (0..prep.rows.len())
        .filter(|&r| prep.rows[r].source.as_deref() == Some(WORLD_SOURCE) && prep.is_winoground(r))
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let c0 = select_rows(texts, rows.iter().map(|&r| prep.caption_ix[r]))?;
    let c1 = select_rows(texts, rows.iter().map(|&r| prep.negative_ix[r]))?;
    let i0 = select_rows(img, rows.iter().filter_map(|&r| prep.image_ix[r]))?;
    let i1 = select_rows(img, rows.iter().filter_map(|&r| prep.negative_image_ix[r]))?;
    let cos = metrics::pair_cosines(&c0, &c1)?;
    let margins = metrics::itm_margins(&i0, &c0, &c1)?;
    let wino = metrics::winoground(&c0, &i0, &c1, &i1)?;
    let recs: Vec<&BenchRecord> = rows.iter().map(|&r| &prep.rows[r]).collect();
    let by =
        |keys: Vec<Option<String>>, dim: &str| splits_by(&keys, &cos, &margins, &wino, seed, dim);
    Ok(Some(WorldSplits {
        pairs: rows.len(),
        by_op: by(recs.iter().map(|r| Some(r.op.to_string())).collect(), "op")?,
        by_kind: by(recs.iter().map(|r| Some(concept_kind(r))).collect(), "kind")?,
        by_depth: splits_by(
            &recs.iter().map(|r| Some(r.depth)).collect::<Vec<_>>(),
            &cos,
            &margins,
            &wino,
            seed,
            "depth",
        )?,
        by_objects: splits_by(
            &recs.iter().map(|r| scene_size(r)).collect::<Vec<_>>(),
            &cos,
            &margins,
            &wino,
            seed,
            "objects",
        )?,
    }))
}

#[cfg(test)]
mod tests {
    //! Hand-made embeddings where each row's outcomes are known by construction: row `r` lives
    //! on axes `2r` (its caption) and `2r + 1` (its negative), and its two images are chosen
    //! from three patterns whose ITM / text / image / group outcomes are worked out below.

    use std::path::{Path, PathBuf};

    use super::*;
    use crate::bench::{Edit, Op, Scoring};
    use crate::report::{self, BenchmarkInfo, ModelInfo, Report};

    /// (image, negative image) coordinates on the row's (caption, negative) axes.
    /// ALL: i = (1, .2), j = (.2, 1): every outcome holds.
    /// TEXT_FAILS: i = (1, .2), j = (1, .9): j prefers the caption (text fails), but
    /// s(c0,i0) = .981 > s(c0,i1) = .743 and s(c1,i1) = .669 > s(c1,i0) = .196 (image holds);
    /// ITM on i holds; group fails.
    /// NONE: i = (.2, 1), j = (1, .2): every outcome fails.
    const ALL: [[f32; 2]; 2] = [[1.0, 0.2], [0.2, 1.0]];
    const TEXT_FAILS: [[f32; 2]; 2] = [[1.0, 0.2], [1.0, 0.9]];
    const NONE: [[f32; 2]; 2] = [[0.2, 1.0], [1.0, 0.2]];

    fn edit(kind: ConceptKind) -> Edit {
        Edit {
            op: Op::ReplaceAtt,
            kind,
            category: "color".into(),
            text_before: String::new(),
            text_after: String::new(),
            changes: Vec::new(),
        }
    }

    /// One row: (kinds of the edits, scene size, pattern, from the world?).
    type Spec = (&'static [ConceptKind], u64, [[f32; 2]; 2], bool);

    fn case() -> (Prepared, Matrix, Matrix) {
        use ConceptKind::*;
        case_of(&[
            (&[Object], 2, ALL, true),
            (&[Object], 3, TEXT_FAILS, true),
            (&[Attribute], 2, NONE, true),
            (&[Relation, Relation], 3, ALL, true),
            (&[Object, Attribute], 4, TEXT_FAILS, true),
            (&[Object], 2, NONE, false), // not a world row: left out
        ])
    }

    /// A benchmark of rows of op `op` as `spec` says, and its embeddings.
    fn case_of(spec: &[Spec]) -> (Prepared, Matrix, Matrix) {
        let rows: Vec<BenchRecord> = spec
            .iter()
            .enumerate()
            .map(|(r, (kinds, objects, _, world))| {
                let mut b =
                    BenchRecord::new(format!("r{r}"), format!("c{r}"), format!("n{r}"), "op");
                b.scoring = Scoring::Winoground;
                b.image = Some(format!("i{r}"));
                b.negative_image = Some(format!("j{r}"));
                b.depth = kinds.len() as u32;
                b.edits = kinds.iter().map(|&k| edit(k)).collect();
                b.extra.insert("objects".into(), serde_json::json!(objects));
                if *world {
                    b.source = Some(WORLD_SOURCE.into());
                }
                b
            })
            .collect();
        let prep = Prepared::new(rows, Path::new("b.jsonl"), "sha".into(), |s: &str| {
            PathBuf::from(s)
        })
        .expect("prepared");
        let dim = 2 * spec.len();
        let vec_at = |r: usize, xy: [f32; 2]| {
            let mut v = vec![0.0; dim];
            v[2 * r] = xy[0];
            v[2 * r + 1] = xy[1];
            let n = (xy[0] * xy[0] + xy[1] * xy[1]).sqrt();
            v.iter().map(|x| x / n).collect::<Vec<f32>>()
        };
        let ix = |s: &str| s[1..].parse::<usize>().expect("row");
        let t: Vec<Vec<f32>> = prep
            .texts
            .iter()
            .map(|s| match &s[..1] {
                "c" => vec_at(ix(s), [1.0, 0.0]),
                _ => vec_at(ix(s), [0.0, 1.0]),
            })
            .collect();
        let i: Vec<Vec<f32>> = prep
            .images
            .iter()
            .map(|p| {
                let s = p.path.display().to_string();
                let which = usize::from(s.starts_with('j'));
                vec_at(ix(&s), spec[ix(&s)].2[which])
            })
            .collect();
        let t = Matrix::from_rows(&t).expect("texts");
        let i = Matrix::from_rows(&i).expect("images");
        (prep, t, i)
    }

    /// (pairs, ITM, text, image, group) of a split.
    fn numbers(s: &SplitResult) -> (usize, f64, f64, f64, f64) {
        let w = s.winoground;
        (s.pairs, s.itm_accuracy, w.text, w.image, w.group)
    }

    #[test]
    fn splits_by_kind_depth_and_size_count_their_rows() {
        let (prep, t, i) = case();
        let w = world_splits(&prep, &t, Some(&i), 3)
            .expect("splits")
            .expect("world rows");
        assert_eq!(w.pairs, 5, "the non-world row is left out");
        let k = |key: &str| numbers(&w.by_kind[key]);
        assert_eq!(k("object"), (2, 1.0, 0.5, 1.0, 0.5));
        assert_eq!(k("attribute"), (1, 0.0, 0.0, 0.0, 0.0));
        assert_eq!(k("relation"), (1, 1.0, 1.0, 1.0, 1.0));
        assert_eq!(k("mixed"), (1, 1.0, 0.0, 1.0, 0.0));
        assert_eq!(w.by_kind.len(), 4);
        let d1 = numbers(&w.by_depth[&1]);
        assert_eq!(d1.0, 3);
        let third = 1.0 / 3.0;
        for (got, want) in [
            (d1.1, 2.0 * third),
            (d1.2, third),
            (d1.3, 2.0 * third),
            (d1.4, third),
        ] {
            assert!((got - want).abs() < 1e-12, "{d1:?}");
        }
        assert_eq!(numbers(&w.by_depth[&2]), (2, 1.0, 0.5, 1.0, 0.5));
        assert_eq!(numbers(&w.by_objects[&2]), (2, 0.5, 0.5, 0.5, 0.5));
        assert_eq!(numbers(&w.by_objects[&3]), (2, 1.0, 0.5, 1.0, 0.5));
        assert_eq!(numbers(&w.by_objects[&4]), (1, 1.0, 0.0, 1.0, 0.0));
        assert_eq!(numbers(&w.by_op["op"]), (5, 0.8, 0.4, 0.8, 0.4));
        for s in w.by_kind.values().chain(w.by_depth.values()) {
            assert!(s.text_cosine_mean.abs() < 1e-6, "captions ⟂ negatives");
            let c = s.winoground_ci;
            for (v, ci) in [
                (s.itm_accuracy, s.itm_accuracy_ci),
                (s.winoground.text, c.text),
                (s.winoground.image, c.image),
                (s.winoground.group, c.group),
            ] {
                assert!(ci.lo <= v && v <= ci.hi, "{v} outside {ci:?}");
            }
        }
        // a split of one outcome has a degenerate interval; a mixed one does not
        let g = w.by_kind["relation"].winoground_ci.group;
        assert_eq!((g.lo, g.hi), (1.0, 1.0));
        let g = w.by_depth[&1].winoground_ci.group;
        assert!(g.lo < g.hi, "{g:?}");
        // no images, or no world rows: no splits
        assert!(world_splits(&prep, &t, None, 3).expect("none").is_none());
    }

    /// An exact margin tie is a failure in the split's accuracy and in its interval alike.
    #[test]
    fn a_split_of_exact_margin_ties_has_zero_accuracy_and_a_zero_interval() {
        let fail = WinogroundOutcome {
            text: false,
            image: false,
            group: false,
        };
        let s = split(&[0, 1], &[0.5, 0.5], &[0.0, 0.0], &[fail; 2], 3, "ties").expect("split");
        assert_eq!(s.itm_accuracy, 0.0);
        assert_eq!((s.itm_accuracy_ci.lo, s.itm_accuracy_ci.hi), (0.0, 0.0));
    }

    /// The op split draws its intervals from the per-op table's bootstrap streams: on an op
    /// whose rows all come from the world, both tables show the same intervals, while the
    /// kind split (the very same rows and outcomes, another stream) resamples differently.
    #[test]
    fn the_op_split_shares_the_op_tables_intervals() {
        let patterns = [ALL, TEXT_FAILS, NONE, ALL, NONE, TEXT_FAILS, ALL];
        let spec: Vec<Spec> = (0..60)
            .map(|r| (&[ConceptKind::Object][..], 2, patterns[r % 7], true))
            .collect();
        let (prep, t, i) = case_of(&spec);
        let res = crate::evaluate::evaluate(&prep, &t, Some(&i), 3).expect("eval");
        let table = res.ops["op"].winoground_ci.expect("op table intervals");
        let w = res.world.expect("world splits");
        assert_eq!(w.by_op["op"].winoground_ci, table);
        let kind = &w.by_kind["object"];
        assert_eq!(kind.winoground, w.by_op["op"].winoground, "same outcomes");
        assert_ne!(kind.winoground_ci, table, "another stream");
    }

    #[test]
    fn the_report_carries_the_splits_into_json_markdown_and_csv() {
        let (prep, t, i) = case();
        let mut res = crate::evaluate::evaluate(&prep, &t, Some(&i), 3).expect("eval");
        res.model = "m".into();
        res.revision = "local".into();
        res.label = "m".into();
        assert!(res.world.is_some());
        let bench = BenchmarkInfo {
            path: "b.jsonl".into(),
            sha256: "sha".into(),
            rows: 6,
            ops: [("op".to_string(), 6)].into_iter().collect(),
            selection: Default::default(),
            skipped: Vec::new(),
        };
        let model = ModelInfo {
            label: "m".into(),
            id: "m".into(),
            revision: "local".into(),
            dtype: "f32".into(),
            device: "cpu".into(),
            meta: None,
        };
        let rep = Report::new(bench, vec![model], vec![res]).expect("report");
        let files = report::render_files(&rep, None).expect("files");
        let get = |pred: &dyn Fn(&str) -> bool| -> String {
            let (_, b) = files.iter().find(|(n, _)| pred(n)).expect("file");
            String::from_utf8(b.clone()).expect("utf8")
        };
        let json: serde_json::Value =
            serde_json::from_str(&get(&|n| n == "report.json")).expect("json");
        let mixed = &json["results"][0]["world"]["by_kind"]["mixed"];
        assert_eq!(mixed["pairs"], 1);
        assert_eq!(mixed["winoground"]["image"], 1.0);
        assert_eq!(json["results"][0]["world"]["by_objects"]["4"]["pairs"], 1);
        let csv = get(&|n| n.starts_with("tables/") && n.contains("synthetic-world"));
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].starts_with("split,value,model,pairs"), "{csv}");
        assert!(
            lines.contains(
                &r#"concept kind,object,m,2,0.0000,"100.0 [100.0, 100.0]","50.0 [0.0, 100.0]","100.0 [100.0, 100.0]","50.0 [0.0, 100.0]""#
            ),
            "{csv}"
        );
        // kinds in the order object, attribute, relation, mixed; then depths, then sizes
        let order: Vec<String> = lines[1..]
            .iter()
            .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(
            order,
            [
                "op op",
                "concept kind object",
                "concept kind attribute",
                "concept kind relation",
                "concept kind mixed",
                "depth 1",
                "depth 2",
                "objects 2",
                "objects 3",
                "objects 4"
            ]
        );
        let md = get(&|n| n == "report.md");
        assert!(md.contains("## Synthetic world by op, concept kind, depth and scene size"));
        assert!(get(&|n| n == "report.html").contains("Synthetic world by op"));
        // read back
        let back: Report = serde_json::from_value(json).expect("read back");
        assert_eq!(back.results[0].world, rep.results[0].world);
    }
}
