//! The modality gap on matched image/text pairs, its removal, and how text edits align with
//! it. All inputs are `(n, d)` and must be L2-normalised (checked); internally rows are
//! renormalised in `f64` so that `x·y` is exactly the cosine.

use serde::{Deserialize, Serialize};

use super::{check_normalized, dot64, mean_row, norm64, same_shape, Matrix, Summary};
use crate::error::{Error, Result};

/// Number of folds of the linear probe (fewer when there are fewer pairs).
pub const LINEAR_PROBE_FOLDS: usize = 5;
/// Ridge penalty `λ` of the linear probe.
pub const LINEAR_PROBE_RIDGE: f64 = 1.0;

/// Modality-gap measures over `n` matched pairs (see `docs/metrics.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModalityGap {
    /// Number of matched pairs `n`.
    pub pairs: usize,
    /// `‖mean(img) − mean(txt)‖`.
    pub l2m: f64,
    /// `mean_i ‖img_i − txt_i‖`.
    pub l2i: f64,
    /// Relative modality gap (Schrodi et al., 2024).
    pub rmg: f64,
    /// `cos(mean(img), mean(txt))`.
    pub centroid_cosine: f64,
    /// Held-out accuracy of a ridge classifier separating image from text embeddings.
    pub linear_probe_accuracy: f64,
    /// Mean `cos(img_i, txt_i)`.
    pub matched_cosine_mean: f64,
    /// Mean `cos(img_i, txt_j)` over `i ≠ j`.
    pub mismatched_cosine_mean: f64,
    /// Mean `cos(img_i, img_j)` over `i ≠ j`.
    pub image_self_cosine_mean: f64,
    /// Mean `cos(txt_i, txt_j)` over `i ≠ j`.
    pub text_self_cosine_mean: f64,
}

impl ModalityGap {
    /// The real-valued fields with their JSON names, in declaration order.
    pub fn fields(&self) -> [(&'static str, f64); 9] {
        [
            ("l2m", self.l2m),
            ("l2i", self.l2i),
            ("rmg", self.rmg),
            ("centroid_cosine", self.centroid_cosine),
            ("linear_probe_accuracy", self.linear_probe_accuracy),
            ("matched_cosine_mean", self.matched_cosine_mean),
            ("mismatched_cosine_mean", self.mismatched_cosine_mean),
            ("image_self_cosine_mean", self.image_self_cosine_mean),
            ("text_self_cosine_mean", self.text_self_cosine_mean),
        ]
    }
}

/// Rows of `m` as `f64`, each scaled to unit norm.
fn unit_rows(m: &Matrix) -> Vec<Vec<f64>> {
    m.iter_rows()
        .map(|r| {
            let v: Vec<f64> = r.iter().map(|&x| x as f64).collect();
            let n = norm64(&v);
            v.into_iter().map(|x| x / n).collect()
        })
        .collect()
}

fn sum_rows(rows: &[Vec<f64>], d: usize) -> Vec<f64> {
    let mut s = vec![0.0; d];
    for r in rows {
        s.iter_mut().zip(r).for_each(|(a, x)| *a += x);
    }
    s
}

fn check_pairs(img: &Matrix, txt: &Matrix, what: &str) -> Result<()> {
    same_shape(img, txt, what)?;
    if img.rows < 2 {
        return Err(Error::TooFew {
            what: format!("{what}: matched pairs"),
            needed: 2,
            got: img.rows,
        });
    }
    check_normalized(img, &format!("{what}: images"))?;
    check_normalized(txt, &format!("{what}: texts"))
}

/// All modality-gap measures on `n ≥ 2` matched pairs: row `i` of `img` and of `txt` (both
/// `(n, d)`, L2-normalised) are an image and its caption.
///
/// With `S_img = Σ img_i`: off-diagonal means use `Σ_{i≠j} x_i·x_j = ‖S‖² − n` (exact for
/// unit rows). RMG: `m = 1 − (matched + 1)/2`, `d_img = 1 − (image_self + 1)/2`, `d_txt`
/// likewise, `rmg = m / (m + (d_img + d_txt)/2)`.
pub fn modality_gap(img: &Matrix, txt: &Matrix) -> Result<ModalityGap> {
    check_pairs(img, txt, "modality gap")?;
    let (x, y) = (unit_rows(img), unit_rows(txt));
    let n = x.len() as f64;
    let d = img.cols;
    let (sx, sy) = (sum_rows(&x, d), sum_rows(&y, d));
    let mx: Vec<f64> = sx.iter().map(|v| v / n).collect();
    let my: Vec<f64> = sy.iter().map(|v| v / n).collect();
    let diff: Vec<f64> = mx.iter().zip(&my).map(|(a, b)| a - b).collect();
    let matched_sum: f64 = x.iter().zip(&y).map(|(a, b)| dot64(a, b)).sum();
    let l2i = x
        .iter()
        .zip(&y)
        .map(|(a, b)| {
            a.iter()
                .zip(b)
                .map(|(p, q)| (p - q) * (p - q))
                .sum::<f64>()
                .sqrt()
        })
        .sum::<f64>()
        / n;
    let off = n * (n - 1.0);
    let matched = matched_sum / n;
    let mismatched = (dot64(&sx, &sy) - matched_sum) / off;
    let image_self = (dot64(&sx, &sx) - n) / off;
    let text_self = (dot64(&sy, &sy) - n) / off;
    let (nx, ny) = (norm64(&mx), norm64(&my));
    if !(nx > 0.0 && ny > 0.0) {
        return Err(Error::Undefined {
            what: "modality gap".into(),
            reason: "an image or text centroid is zero, its cosine is undefined",
        });
    }
    let m = 1.0 - (matched + 1.0) / 2.0;
    let d_img = 1.0 - (image_self + 1.0) / 2.0;
    let d_txt = 1.0 - (text_self + 1.0) / 2.0;
    let denom = m + (d_img + d_txt) / 2.0;
    if !(denom > 0.0) {
        return Err(Error::Undefined {
            what: "modality gap".into(),
            reason: "every embedding coincides, the relative gap is undefined",
        });
    }
    Ok(ModalityGap {
        pairs: x.len(),
        l2m: norm64(&diff),
        l2i,
        rmg: m / denom,
        centroid_cosine: dot64(&mx, &my) / (nx * ny),
        linear_probe_accuracy: probe(&x, &y)?,
        matched_cosine_mean: matched,
        mismatched_cosine_mean: mismatched,
        image_self_cosine_mean: image_self,
        text_self_cosine_mean: text_self,
    })
}

/// Held-out accuracy of a linear classifier telling image from text embeddings (`(n, d)`
/// each, L2-normalised, `n ≥ 2`). Pair `i` goes to fold `i mod k`, `k = min(5, n)`, so a
/// pair's image and text are always in the same fold. For each fold a ridge classifier is fit
/// on the other folds (targets +1 image / −1 text, features centred on the training mean,
/// `w = (X_cᵀX_c + λI)⁻¹ X_cᵀy` with `λ =` [`LINEAR_PROBE_RIDGE`], `b = −μ·w`, the training
/// targets having mean 0) and scores the held-out rows: "image" iff `w·x + b > 0`. Returns
/// correct / `2n` over all folds.
pub fn linear_probe_accuracy(img: &Matrix, txt: &Matrix) -> Result<f64> {
    check_pairs(img, txt, "linear probe")?;
    probe(&unit_rows(img), &unit_rows(txt))
}

/// The linear probe's held-out decision values `w·x + b` (see [`linear_probe_accuracy`]):
/// row `i` is `[image_i, text_i]`, each scored by the classifier of the fold that held pair
/// `i` out; "image" iff the value is `> 0`.
pub fn linear_probe_scores(img: &Matrix, txt: &Matrix) -> Result<Vec<[f64; 2]>> {
    check_pairs(img, txt, "linear probe")?;
    probe_scores(&unit_rows(img), &unit_rows(txt))
}

fn probe(x: &[Vec<f64>], y: &[Vec<f64>]) -> Result<f64> {
    let correct: usize = probe_scores(x, y)?
        .iter()
        .map(|&[i, t]| usize::from(i > 0.0) + usize::from(t <= 0.0))
        .sum();
    Ok(correct as f64 / (2 * x.len()) as f64)
}

fn probe_scores(x: &[Vec<f64>], y: &[Vec<f64>]) -> Result<Vec<[f64; 2]>> {
    let n = x.len();
    let d = x[0].len();
    let k = LINEAR_PROBE_FOLDS.min(n);
    // Per fold: Gram Σ v vᵀ (upper triangle), Σ v, Σ label·v, count of rows.
    let mut gram = vec![vec![0.0f64; d * d]; k];
    let mut sums = vec![vec![0.0f64; d]; k];
    let mut xy = vec![vec![0.0f64; d]; k];
    for i in 0..n {
        let f = i % k;
        for (v, label) in [(&x[i], 1.0), (&y[i], -1.0)] {
            let g = &mut gram[f];
            for a in 0..d {
                let va = v[a];
                let row = &mut g[a * d..(a + 1) * d];
                for b in a..d {
                    row[b] += va * v[b];
                }
            }
            sums[f].iter_mut().zip(v).for_each(|(s, t)| *s += t);
            xy[f].iter_mut().zip(v).for_each(|(s, t)| *s += label * t);
        }
    }
    let mut scores = vec![[0.0f64; 2]; n];
    for f in 0..k {
        let train_rows = 2.0 * (0..n).filter(|i| i % k != f).count() as f64;
        let mut a = vec![0.0f64; d * d];
        let mut s = vec![0.0f64; d];
        let mut rhs = vec![0.0f64; d];
        for g in (0..k).filter(|&g| g != f) {
            a.iter_mut().zip(&gram[g]).for_each(|(p, q)| *p += q);
            s.iter_mut().zip(&sums[g]).for_each(|(p, q)| *p += q);
            rhs.iter_mut().zip(&xy[g]).for_each(|(p, q)| *p += q);
        }
        let mu: Vec<f64> = s.iter().map(|v| v / train_rows).collect();
        // centred Gram: Σ vvᵀ − N μμᵀ, plus λI, from the accumulated upper triangle into
        // the lower one (the only part `solve_spd` reads).
        for r in 0..d {
            for c in r..d {
                a[c * d + r] = a[r * d + c] - train_rows * mu[r] * mu[c]
                    + if r == c { LINEAR_PROBE_RIDGE } else { 0.0 };
            }
        }
        let w = solve_spd(a, rhs, d)?;
        let b = -dot64(&mu, &w);
        for i in (0..n).filter(|i| i % k == f) {
            scores[i] = [dot64(&w, &x[i]) + b, dot64(&w, &y[i]) + b];
        }
    }
    Ok(scores)
}

/// Solves `A x = b` for a symmetric positive-definite `d × d` `A` (Cholesky), reading only
/// `A`'s lower triangle (row-major).
fn solve_spd(mut a: Vec<f64>, mut b: Vec<f64>, d: usize) -> Result<Vec<f64>> {
    for j in 0..d {
        let mut diag = a[j * d + j];
        for k in 0..j {
            diag -= a[j * d + k] * a[j * d + k];
        }
        if !(diag > 0.0) {
            return Err(Error::Undefined {
                what: "linear probe".into(),
                reason: "the system is not positive definite",
            });
        }
        let l = diag.sqrt();
        a[j * d + j] = l;
        for i in j + 1..d {
            let mut v = a[i * d + j];
            for k in 0..j {
                v -= a[i * d + k] * a[j * d + k];
            }
            a[i * d + j] = v / l;
        }
    }
    for i in 0..d {
        let mut v = b[i];
        for k in 0..i {
            v -= a[i * d + k] * b[k];
        }
        b[i] = v / a[i * d + i];
    }
    for i in (0..d).rev() {
        let mut v = b[i];
        for k in i + 1..d {
            v -= a[k * d + i] * b[k];
        }
        b[i] = v / a[i * d + i];
    }
    Ok(b)
}

/// Rows of `m` minus `mean`, L2-normalised again; a row that becomes zero is an error.
pub(crate) fn center_normalize(m: &Matrix, mean: &[f64], what: &str) -> Result<Matrix> {
    let mut data = Vec::with_capacity(m.data.len());
    for (i, r) in m.iter_rows().enumerate() {
        let c: Vec<f64> = r.iter().zip(mean).map(|(&x, mu)| x as f64 - mu).collect();
        let n = norm64(&c);
        if !(n > 0.0 && n.is_finite()) {
            return Err(Error::ZeroRow {
                what: format!("gap removal: {what} minus its modality mean"),
                row: i,
                norm: n,
            });
        }
        data.extend(c.iter().map(|v| (v / n) as f32));
    }
    Matrix::new(m.rows, m.cols, data)
}

/// Removes the modality gap: each modality is centred on its own mean (over the rows given
/// here) and every row is L2-normalised again. Inputs `(n, d)`, L2-normalised, `n ≥ 2`.
pub fn remove_gap(img: &Matrix, txt: &Matrix) -> Result<(Matrix, Matrix)> {
    check_pairs(img, txt, "gap removal")?;
    let (mi, mt) = (mean_row(img)?, mean_row(txt)?);
    Ok((
        center_normalize(img, &mi, "image")?,
        center_normalize(txt, &mt, "text")?,
    ))
}

/// The gap direction `g = (mean(img) − mean(txt)) / ‖mean(img) − mean(txt)‖` over the given
/// rows (`(n, d)` each, L2-normalised, `n ≥ 2`); errors if the means coincide.
pub fn gap_direction(img: &Matrix, txt: &Matrix) -> Result<Vec<f64>> {
    check_pairs(img, txt, "gap direction")?;
    let (mi, mt) = (mean_row(img)?, mean_row(txt)?);
    let diff: Vec<f64> = mi.iter().zip(&mt).map(|(a, b)| a - b).collect();
    let n = norm64(&diff);
    if !(n > 0.0) {
        return Err(Error::Undefined {
            what: "gap direction".into(),
            reason: "the image and text means coincide",
        });
    }
    Ok(diff.into_iter().map(|v| v / n).collect())
}

/// How text edits align with the gap direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditGapAlignment {
    /// Pairs with a non-zero edit vector (the ones summarised).
    pub pairs: usize,
    /// Pairs whose caption and negative embed identically (`e = 0`, alignment undefined).
    pub zero_edits: usize,
    /// `|cos(e, g)|` per edit.
    pub abs_cosine: Summary,
    /// `(e·g)² / ‖e‖²`: the share of the edit's squared length along `g`.
    pub energy_share: Summary,
}

/// For each edit vector `e_i = t(negative_i) − t(caption_i)` (`captions`, `negatives`:
/// `(n, d)`, L2-normalised) and the unit gap direction `g` (from [`gap_direction`]):
/// `|cos(e, g)|` and the energy share `(e·g)²/‖e‖²`. Edits with `e = 0` are counted in
/// `zero_edits` and left out; errors if every edit is zero or `g` has the wrong length or
/// is not unit.
pub fn edit_gap_alignment(
    captions: &Matrix,
    negatives: &Matrix,
    g: &[f64],
) -> Result<EditGapAlignment> {
    same_shape(captions, negatives, "edit/gap alignment")?;
    check_normalized(captions, "edit/gap alignment: captions")?;
    check_normalized(negatives, "edit/gap alignment: negatives")?;
    if g.len() != captions.cols || (norm64(g) - 1.0).abs() > 1e-9 {
        return Err(Error::Parameter {
            what: "edit/gap alignment".into(),
            reason: format!(
                "the gap direction must be a unit vector of length {}",
                captions.cols
            ),
        });
    }
    let (mut cosines, mut shares, mut zero) = (Vec::new(), Vec::new(), 0);
    for i in 0..captions.rows {
        let e: Vec<f64> = negatives
            .row(i)
            .iter()
            .zip(captions.row(i))
            .map(|(&a, &b)| a as f64 - b as f64)
            .collect();
        let ee = dot64(&e, &e);
        if ee == 0.0 {
            zero += 1;
            continue;
        }
        let eg = dot64(&e, g);
        cosines.push(eg.abs() / ee.sqrt());
        shares.push(eg * eg / ee);
    }
    if cosines.is_empty() {
        return Err(Error::Undefined {
            what: "edit/gap alignment".into(),
            reason: "every negative embeds exactly like its caption",
        });
    }
    Ok(EditGapAlignment {
        pairs: cosines.len(),
        zero_edits: zero,
        abs_cosine: Summary::of(&cosines)?,
        energy_share: Summary::of(&shares)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rows: &[[f32; 2]]) -> Matrix {
        Matrix::from_rows(&rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>()).expect("m")
    }

    #[test]
    fn gap_by_hand() {
        // images at (1,0) and (0,1); texts at (-1,0) and (0,-1)
        // mean img (.5,.5), mean txt (-.5,-.5): l2m = √2, l2i = 2, centroid cos = -1
        // matched cos -1, mismatched 0, self cos 0 → m = 1, d = .5, rmg = 1/(1+.5) = 2/3
        let g = modality_gap(&m(&[[1., 0.], [0., 1.]]), &m(&[[-1., 0.], [0., -1.]])).expect("gap");
        assert!((g.l2m - 2f64.sqrt()).abs() < 1e-12);
        assert!((g.l2i - 2.0).abs() < 1e-12);
        assert!((g.centroid_cosine + 1.0).abs() < 1e-12);
        assert!((g.matched_cosine_mean + 1.0).abs() < 1e-12);
        assert!(g.mismatched_cosine_mean.abs() < 1e-12);
        assert!((g.rmg - 2.0 / 3.0).abs() < 1e-12);
        // probe: 2 folds of one pair each; trained on ((0,1) vs (0,-1)) the classifier is
        // w = (0, 2/3), b = 0, so held-out image (1,0) scores 0 (→ text, wrong) and text
        // (-1,0) scores 0 (→ text, right); symmetric in the other fold: 2 of 4 correct.
        assert_eq!(g.linear_probe_accuracy, 0.5);
    }

    #[test]
    fn fields_are_the_serialised_numbers_under_their_json_names() {
        let g =
            modality_gap(&m(&[[1., 0.], [0.6, 0.8]]), &m(&[[-1., 0.], [0., -1.]])).expect("gap");
        let json = serde_json::to_value(&g).expect("json");
        let obj = json.as_object().expect("object");
        let fields = g.fields();
        let reals = obj.values().filter(|v| v.is_f64()).count();
        assert_eq!(
            fields.len(),
            reals,
            "every real-valued field is listed once"
        );
        for (name, v) in fields {
            assert_eq!(obj[name].as_f64(), Some(v), "{name}");
        }
    }

    #[test]
    fn gap_needs_two_normalised_pairs() {
        assert!(modality_gap(&m(&[[1., 0.]]), &m(&[[0., 1.]])).is_err());
        let e = modality_gap(&m(&[[1., 0.], [2., 0.]]), &m(&[[0., 1.], [0., 1.]]))
            .expect_err("not normalised")
            .to_string();
        assert!(e.contains("row 1"), "{e}");
    }

    #[test]
    fn a_zero_centroid_on_either_side_is_undefined() {
        let opposite = m(&[[1., 0.], [-1., 0.]]); // mean (0, 0)
        let other = m(&[[0., 1.], [0.6, 0.8]]);
        for (img, txt) in [(&opposite, &other), (&other, &opposite)] {
            match modality_gap(img, txt) {
                Err(Error::Undefined { reason, .. }) => assert!(reason.contains("centroid")),
                other => panic!("expected an undefined centroid cosine, got {other:?}"),
            }
        }
    }

    #[test]
    fn coinciding_embeddings_leave_the_relative_gap_undefined() {
        // every image and text is (1, 0): matched and self cosines are exactly 1, so the
        // relative gap's denominator is exactly 0
        let same = m(&[[1., 0.], [1., 0.]]);
        match modality_gap(&same, &same) {
            Err(Error::Undefined { reason, .. }) => assert!(reason.contains("coincides")),
            other => panic!("expected an undefined relative gap, got {other:?}"),
        }
    }

    #[test]
    fn a_row_at_its_modality_mean_or_coinciding_means_are_refused() {
        // both images are (1, 0): minus their mean they are zero rows
        let img = m(&[[1., 0.], [1., 0.]]);
        let txt = m(&[[0., 1.], [1., 0.]]);
        match remove_gap(&img, &txt) {
            Err(Error::ZeroRow { row: 0, what, .. }) => assert!(what.contains("image"), "{what}"),
            other => panic!("expected a zero image row, got {other:?}"),
        }
        // identical modalities: no gap direction
        match gap_direction(&txt, &txt) {
            Err(Error::Undefined { reason, .. }) => assert!(reason.contains("coincide")),
            other => panic!("expected coinciding means, got {other:?}"),
        }
    }

    #[test]
    fn cholesky_solves_by_hand() {
        // [[4,2],[2,3]] x = [2,1] → x = [0.5, 0]
        let x = solve_spd(vec![4., 2., 2., 3.], vec![2., 1.], 2).expect("solve");
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12);
        // [[4,2,0],[2,5,1],[0,1,3]] x = [2,-1,5] → x = [1,-1,2] (every entry of L and of
        // both substitutions matters)
        let a = vec![4., 2., 0., 2., 5., 1., 0., 1., 3.];
        let x = solve_spd(a, vec![2., -1., 5.], 3).expect("solve 3x3");
        for (got, want) in x.iter().zip([1., -1., 2.]) {
            assert!((got - want).abs() < 1e-12, "{x:?}");
        }
        // singular (a zero pivot) and indefinite systems are refused
        assert!(solve_spd(vec![1., 1., 1., 1.], vec![1., 1.], 2).is_err());
        assert!(solve_spd(vec![1., 2., 2., 1.], vec![1., 1.], 2).is_err());
    }

    #[test]
    fn edit_alignment_by_hand() {
        // g = (1,0). edit 0: (1,0)→(0,1): e = (-1,1), |cos| = 1/√2, share = 1/2
        // edit 1: identical rows → zero edit
        let caps = m(&[[1., 0.], [0., 1.]]);
        let negs = m(&[[0., 1.], [0., 1.]]);
        let a = edit_gap_alignment(&caps, &negs, &[1.0, 0.0]).expect("alignment");
        assert_eq!((a.pairs, a.zero_edits), (1, 1));
        assert!((a.abs_cosine.mean - 0.5f64.sqrt()).abs() < 1e-12);
        assert!((a.energy_share.mean - 0.5).abs() < 1e-12);
        assert!(edit_gap_alignment(&caps, &negs, &[2.0, 0.0]).is_err());
    }
}
