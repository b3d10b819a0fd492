//! Image-text matching: SugarCrepe-style accuracy and Winoground's three scores.

use serde::{Deserialize, Serialize};

use super::{cosine, mean_row, same_shape, Matrix};
use crate::error::{Error, Result};

/// Per-pair margins `cos(image_i, caption_i) − cos(image_i, negative_i)` (shape `(n, d)`
/// each; rows need not be normalised). Pair `i` is correct iff its margin is `> 0`, i.e.
/// iff `cos_pos > cos_neg` strictly (for finite IEEE doubles `x − y > 0 ⇔ x > y`); a tie
/// counts as wrong. Errors on differing shapes, no rows, or an undefined cosine (zero row).
pub fn itm_margins(images: &Matrix, captions: &Matrix, negatives: &Matrix) -> Result<Vec<f64>> {
    same_shape(images, captions, "image-text accuracy (images vs captions)")?;
    same_shape(
        images,
        negatives,
        "image-text accuracy (images vs negatives)",
    )?;
    (0..images.rows)
        .map(|i| {
            let m =
                cosine(images.row(i), captions.row(i)) - cosine(images.row(i), negatives.row(i));
            if m.is_finite() {
                Ok(m)
            } else {
                Err(Error::NotFinite {
                    what: "image-text margin of pair".into(),
                    index: i,
                })
            }
        })
        .collect()
}

/// Accuracy: the fraction of margins `> 0`. Errors on an empty set.
pub fn accuracy(margins: &[f64]) -> Result<f64> {
    if margins.is_empty() {
        return Err(Error::TooFew {
            what: "accuracy: margins".into(),
            needed: 1,
            got: 0,
        });
    }
    Ok(margins.iter().filter(|&&m| m > 0.0).count() as f64 / margins.len() as f64)
}

/// Macro accuracy over classes, as ARO reports VG-Relation and VG-Attribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MacroAccuracy {
    /// Mean over the kept classes of each class's [`accuracy`].
    pub accuracy: f64,
    /// Classes kept (averaged).
    pub classes: usize,
    /// Pairs in the kept classes.
    pub pairs: usize,
    /// Classes left out: named in the exclusion list, or with fewer than the minimum pairs.
    pub excluded_classes: usize,
}

/// Macro accuracy: pairs are grouped by `classes[i]`; classes in `exclude` or with fewer than
/// `min_pairs` pairs are left out; the result is the unweighted mean of the remaining classes'
/// accuracies (margin `> 0` correct, as in [`accuracy`]). `None` when no class is left (a
/// run limited to a few rows); errors on differing lengths or a non-finite margin.
pub fn macro_accuracy(
    classes: &[&str],
    margins: &[f64],
    min_pairs: usize,
    exclude: &[&str],
) -> Result<Option<MacroAccuracy>> {
    if classes.len() != margins.len() {
        return Err(Error::ShapeMismatch {
            what: "macro accuracy (classes vs margins)".into(),
            left: (classes.len(), 1),
            right: (margins.len(), 1),
        });
    }
    if let Some(i) = margins.iter().position(|m| !m.is_finite()) {
        return Err(Error::NotFinite {
            what: "macro accuracy: margin".into(),
            index: i,
        });
    }
    let mut by_class: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    for (c, &m) in classes.iter().zip(margins) {
        by_class.entry(c).or_default().push(m);
    }
    let total = by_class.len();
    let kept: Vec<&Vec<f64>> = by_class
        .iter()
        .filter(|(c, m)| m.len() >= min_pairs && !exclude.contains(c))
        .map(|(_, m)| m)
        .collect();
    if kept.is_empty() {
        return Ok(None);
    }
    let mut sum = 0.0;
    for m in &kept {
        sum += accuracy(m)?;
    }
    Ok(Some(MacroAccuracy {
        accuracy: sum / kept.len() as f64,
        classes: kept.len(),
        pairs: kept.iter().map(|m| m.len()).sum(),
        excluded_classes: total - kept.len(),
    }))
}

/// [`itm_margins`] after removing the modality gap (see `docs/metrics.md`, "gap removal"):
/// images are centred on the mean of `images`, captions *and* negatives on the mean of
/// `captions` (the matched texts, so both candidate texts get the same shift), then every
/// row is L2-normalised again. Rows must be L2-normalised. Errors as [`itm_margins`], and
/// if a row becomes zero after centring.
pub fn itm_margins_gap_removed(
    images: &Matrix,
    captions: &Matrix,
    negatives: &Matrix,
) -> Result<Vec<f64>> {
    same_shape(
        images,
        captions,
        "gap-removed accuracy (images vs captions)",
    )?;
    same_shape(
        images,
        negatives,
        "gap-removed accuracy (images vs negatives)",
    )?;
    super::check_normalized(images, "gap-removed accuracy: images")?;
    super::check_normalized(captions, "gap-removed accuracy: captions")?;
    super::check_normalized(negatives, "gap-removed accuracy: negatives")?;
    let mi = mean_row(images)?;
    let mt = mean_row(captions)?;
    let images = super::gap::center_normalize(images, &mi, "images")?;
    let captions = super::gap::center_normalize(captions, &mt, "captions")?;
    let negatives = super::gap::center_normalize(negatives, &mt, "negatives")?;
    itm_margins(&images, &captions, &negatives)
}

/// Winoground outcome of one item with captions `c0, c1` and images `i0, i1` (`c0` is the
/// true caption of `i0`, `c1` of `i1`), `s` = cosine:
/// text: `s(c0,i0) > s(c1,i0) ∧ s(c1,i1) > s(c0,i1)`; image: `s(c0,i0) > s(c0,i1) ∧
/// s(c1,i1) > s(c1,i0)`; group: both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WinogroundOutcome {
    pub text: bool,
    pub image: bool,
    pub group: bool,
}

/// Winoground scores: the fraction of items whose text / image / group outcome holds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WinogroundScores {
    pub text: f64,
    pub image: f64,
    pub group: f64,
}

/// Winoground outcomes per item; `c0, i0, c1, i1` are `(n, d)` (rows need not be
/// normalised). Errors on differing shapes, no rows, or an undefined cosine.
pub fn winoground(
    c0: &Matrix,
    i0: &Matrix,
    c1: &Matrix,
    i1: &Matrix,
) -> Result<Vec<WinogroundOutcome>> {
    same_shape(c0, i0, "winoground (c0 vs i0)")?;
    same_shape(c0, c1, "winoground (c0 vs c1)")?;
    same_shape(c0, i1, "winoground (c0 vs i1)")?;
    (0..c0.rows)
        .map(|k| {
            let s00 = cosine(c0.row(k), i0.row(k));
            let s10 = cosine(c1.row(k), i0.row(k));
            let s01 = cosine(c0.row(k), i1.row(k));
            let s11 = cosine(c1.row(k), i1.row(k));
            if ![s00, s10, s01, s11].iter().all(|s| s.is_finite()) {
                return Err(Error::NotFinite {
                    what: "winoground: a cosine of item".into(),
                    index: k,
                });
            }
            let text = s00 > s10 && s11 > s01;
            let image = s00 > s01 && s11 > s10;
            Ok(WinogroundOutcome {
                text,
                image,
                group: text && image,
            })
        })
        .collect()
}

/// SugarCrepe++ scores (Dumpala et al., 2024) over items with two true captions `p1, p2` and
/// a negative `n`, `s` = cosine. ITI (image-to-text, needs the image `i`): correct iff
/// `s(i,p1) > s(i,n) ∧ s(i,p2) > s(i,n)`. TOT (text-only): correct iff
/// `s(p1,p2) > s(p1,n) ∧ s(p1,p2) > s(p2,n)`. Each score is the fraction correct.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SugarCrepePpScores {
    /// `null` without images.
    pub iti: Option<f64>,
    pub tot: f64,
}

/// SugarCrepe++ scores; all matrices `(n, d)` of the same shape (rows need not be normalised).
pub fn sugarcrepe_pp(
    images: Option<&Matrix>,
    p1: &Matrix,
    p2: &Matrix,
    negatives: &Matrix,
) -> Result<SugarCrepePpScores> {
    same_shape(p1, p2, "SugarCrepe++ (p1 vs p2)")?;
    same_shape(p1, negatives, "SugarCrepe++ (p1 vs negatives)")?;
    let finite = |v: [f64; 3], k: usize| -> Result<()> {
        if v.iter().all(|s| s.is_finite()) {
            Ok(())
        } else {
            Err(Error::NotFinite {
                what: "SugarCrepe++: a cosine of item".into(),
                index: k,
            })
        }
    };
    let n = p1.rows as f64;
    let mut tot = 0usize;
    for k in 0..p1.rows {
        let (s12, s1n, s2n) = (
            cosine(p1.row(k), p2.row(k)),
            cosine(p1.row(k), negatives.row(k)),
            cosine(p2.row(k), negatives.row(k)),
        );
        finite([s12, s1n, s2n], k)?;
        tot += usize::from(s12 > s1n && s12 > s2n);
    }
    let iti = match images {
        None => None,
        Some(i) => {
            same_shape(i, p1, "SugarCrepe++ (images vs p1)")?;
            let mut ok = 0usize;
            for k in 0..p1.rows {
                let (a, b, c) = (
                    cosine(i.row(k), p1.row(k)),
                    cosine(i.row(k), p2.row(k)),
                    cosine(i.row(k), negatives.row(k)),
                );
                finite([a, b, c], k)?;
                ok += usize::from(a > c && b > c);
            }
            Some(ok as f64 / n)
        }
    };
    Ok(SugarCrepePpScores {
        iti,
        tot: tot as f64 / n,
    })
}

impl WinogroundScores {
    /// Means of the outcomes; errors on an empty set.
    pub fn of(outcomes: &[WinogroundOutcome]) -> Result<WinogroundScores> {
        if outcomes.is_empty() {
            return Err(Error::TooFew {
                what: "winoground scores: outcomes".into(),
                needed: 1,
                got: 0,
            });
        }
        let n = outcomes.len() as f64;
        let frac =
            |f: fn(&WinogroundOutcome) -> bool| outcomes.iter().filter(|o| f(o)).count() as f64 / n;
        Ok(WinogroundScores {
            text: frac(|o| o.text),
            image: frac(|o| o.image),
            group: frac(|o| o.group),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rows: &[[f32; 2]]) -> Matrix {
        Matrix::from_rows(&rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>()).expect("m")
    }

    fn m3(rows: &[[f32; 3]]) -> Matrix {
        Matrix::from_rows(&rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>()).expect("m3")
    }

    /// One Winoground item's (text, image) outcome.
    fn wino(c0: [f32; 3], i0: [f32; 3], c1: [f32; 3], i1: [f32; 3]) -> (bool, bool) {
        let o = winoground(&m3(&[c0]), &m3(&[i0]), &m3(&[c1]), &m3(&[i1])).expect("wino")[0];
        assert_eq!(o.group, o.text && o.image);
        (o.text, o.image)
    }

    #[test]
    fn winoground_exact_ties_fail_each_comparison() {
        let (c0, c1) = ([1., 0., 0.], [0., 1., 0.]);
        // s00 = s10 (i0 has equal x and y), s11 = 1 > s01 = 0: text fails on the tie alone
        assert_eq!(wino(c0, [0.6, 0.6, 0.5], c1, [0., 1., 0.]), (false, true));
        // s00 = s01 = 0.6, s11 = 0.8 > s10 = 0: image fails on the tie alone
        assert!(!wino(c0, [0.6, 0., 0.8], c1, [0.6, 0.8, 0.]).1);
        // s11 = s10 = 0.8, s00 = 0.6 > s01 = 0: image fails on the tie alone
        assert!(!wino(c0, [0.6, 0.8, 0.], c1, [0., 0.8, 0.6]).1);
        // no ties: both hold
        assert_eq!(wino(c0, [0.8, 0.6, 0.], c1, [0.6, 0.8, 0.]), (true, true));
    }

    /// One SugarCrepe++ item's (ITI, TOT) correctness.
    fn pp(i: [f32; 3], p1: [f32; 3], p2: [f32; 3], n: [f32; 3]) -> (bool, bool) {
        let s = sugarcrepe_pp(Some(&m3(&[i])), &m3(&[p1]), &m3(&[p2]), &m3(&[n])).expect("pp");
        (s.iti == Some(1.0), s.tot == 1.0)
    }

    #[test]
    fn sugarcrepe_pp_exact_ties_fail_each_comparison() {
        let x = [1., 0., 0.];
        // TOT: s12 = 0.6 = s1n, s2n = 0.36 -> wrong; s12 = 0.6 = s2n, s1n = 0.36 -> wrong
        assert!(!pp(x, x, [0.6, 0.8, 0.], [0.6, 0., 0.8]).1);
        assert!(!pp(x, [0.6, 0.8, 0.], x, [0.6, 0., 0.8]).1);
        // ITI with image x: s(i,p1) = 0.6 = s(i,n), s(i,p2) = 0.8 -> wrong; and the mirror
        assert!(!pp(x, [0.6, 0.8, 0.], [0.8, 0.6, 0.], [0.6, 0., 0.8]).0);
        assert!(!pp(x, [0.8, 0.6, 0.], [0.6, 0.8, 0.], [0.6, 0., 0.8]).0);
        // strict on both sides: right (0.8, 0.8 > 0; TOT 0.64 > 0, 0)
        assert_eq!(
            pp(x, [0.8, 0.6, 0.], [0.8, 0., 0.6], [0., 1., 0.]),
            (true, true)
        );
    }

    #[test]
    fn sugarcrepe_pp_by_hand() {
        // item 0: p1 = p2 = (1,0), n = (0,1): s12 = 1 > 0 = s1n = s2n → TOT correct;
        //         image (1,0): 1 > 0 and 1 > 0 → ITI correct.
        // item 1: p1 = (1,0), p2 = (0,1), n = (1,1): s12 = 0 < 1/√2 → TOT wrong;
        //         image (1,0): s(i,p1) = 1 > 1/√2 but s(i,p2) = 0 < 1/√2 → ITI wrong.
        let p1 = m(&[[1., 0.], [1., 0.]]);
        let p2 = m(&[[1., 0.], [0., 1.]]);
        let n = m(&[[0., 1.], [1., 1.]]);
        let img = m(&[[1., 0.], [1., 0.]]);
        let s = sugarcrepe_pp(Some(&img), &p1, &p2, &n).expect("scores");
        assert_eq!(s.tot, 0.5);
        assert_eq!(s.iti, Some(0.5));
        assert_eq!(
            sugarcrepe_pp(None, &p1, &p2, &n).expect("text only").iti,
            None
        );
        assert!(sugarcrepe_pp(None, &p1, &m(&[[1., 0.]]), &n).is_err());
    }

    #[test]
    fn macro_accuracy_by_hand() {
        // a: +1, −1 → 1/2; b: one pair (< 2, left out); c: 0 (a tie: wrong), −0.2, +0.3 → 1/3
        let classes = ["a", "a", "b", "c", "c", "c"];
        let margins = [1.0, -1.0, 0.5, 0.0, -0.2, 0.3];
        let check = |min_pairs, exclude: &[&str], want: (usize, usize, usize), acc: f64| {
            let m = macro_accuracy(&classes, &margins, min_pairs, exclude)
                .expect("ok")
                .expect("classes left");
            assert_eq!((m.classes, m.pairs, m.excluded_classes), want, "{m:?}");
            assert!((m.accuracy - acc).abs() < 1e-15, "{m:?}");
        };
        check(2, &["x"], (2, 5, 1), (0.5 + 1.0 / 3.0) / 2.0);
        // a class with exactly the minimum is kept; excluded by name is left out
        check(1, &["a"], (2, 4, 1), (1.0 + 1.0 / 3.0) / 2.0);
        check(3, &[], (1, 3, 2), 1.0 / 3.0);
        assert_eq!(
            macro_accuracy(&classes, &margins, 4, &[]).expect("ok"),
            None
        );
        assert!(macro_accuracy(&classes[..5], &margins, 1, &[]).is_err());
        assert!(macro_accuracy(&["a"], &[f64::NAN], 1, &[]).is_err());
    }

    #[test]
    fn itm_by_hand() {
        // image (1,0); caption at 0°, negative at 90°: margin 1 - 0 = 1 (correct)
        // image (0,1); caption (1,0), negative (1,1): margin 0 - 1/√2 (wrong)
        // image (1,0); caption = negative: margin 0, a tie counts as wrong
        let img = m(&[[1., 0.], [0., 1.], [1., 0.]]);
        let cap = m(&[[1., 0.], [1., 0.], [1., 1.]]);
        let neg = m(&[[0., 1.], [1., 1.], [1., 1.]]);
        let mg = itm_margins(&img, &cap, &neg).expect("margins");
        assert!((mg[0] - 1.0).abs() < 1e-12);
        assert!((mg[1] + 0.5f64.sqrt()).abs() < 1e-7);
        assert_eq!(mg[2], 0.0);
        assert!((accuracy(&mg).expect("acc") - 1.0 / 3.0).abs() < 1e-15);
        assert!(accuracy(&[]).is_err());
        assert!(itm_margins(&img, &cap, &m(&[[0., 1.]])).is_err());
    }

    #[test]
    fn winoground_by_hand() {
        // item 0: all right. item 1: c0=c1 so text fails (ties), image holds.
        // item 2: captions swapped relative to images: all fail.
        let c0 = m(&[[1., 0.], [1., 0.], [0., 1.]]);
        let c1 = m(&[[0., 1.], [1., 0.], [1., 0.]]);
        let i0 = m(&[[1., 0.1], [1., 0.], [1., 0.]]);
        let i1 = m(&[[0.1, 1.], [0., 1.], [0., 1.]]);
        let o = winoground(&c0, &i0, &c1, &i1).expect("outcomes");
        let t = |text, image| WinogroundOutcome {
            text,
            image,
            group: text && image,
        };
        // item 1: image: s(c0,i0)=1 > s(c0,i1)=0 but s(c1,i1)=0 > s(c1,i0)=1 is false
        assert_eq!(o, vec![t(true, true), t(false, false), t(false, false)]);
        let s = WinogroundScores::of(&o).expect("scores");
        assert_eq!(
            (s.text, s.image, s.group),
            (1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0)
        );
    }

    #[test]
    fn winoground_text_and_image_can_differ() {
        // i0 close to both captions' directions: text ok, image not.
        // c0=(1,0), c1=(0,1), i0=(1,0.9), i1=(1,1): s00=.743 s10=.669 s11=.707 s01=.707
        // text: s00>s10 ✓, s11>s01 ✗ (tie) → false; image: s00>s01 ✓, s11>s10 ✓ → true
        let o = winoground(
            &m(&[[1., 0.]]),
            &m(&[[1., 0.9]]),
            &m(&[[0., 1.]]),
            &m(&[[1., 1.]]),
        )
        .expect("o");
        assert_eq!(
            o[0],
            WinogroundOutcome {
                text: false,
                image: true,
                group: false
            }
        );
    }
}
