//! A 2-D PCA of image and text embeddings together, for the modality-gap scatter plot.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{check_normalized, dot64, norm64, Matrix};
use crate::error::{Error, Result};

/// Power-iteration cap and convergence tolerance (`‖v_new − v_old‖`).
const MAX_ITERATIONS: usize = 1000;
const TOLERANCE: f64 = 1e-12;

/// 2-D coordinates of image and text embeddings on the top two principal components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// `[pc1, pc2]` per kept image row.
    pub image: Vec<[f64; 2]>,
    /// `[pc1, pc2]` per kept text row.
    pub text: Vec<[f64; 2]>,
    /// Share of the total variance on each component.
    pub explained_variance: [f64; 2],
}

/// PCA of the `2n` rows of `img` and `txt` (`(n_img, d)` and `(n_txt, d)`, L2-normalised)
/// taken together: rows are centred on the combined mean, the top two eigenvectors of the
/// covariance `C = X_cᵀX_c / N` (formed once, `O(N d²)`) are found by power iteration (fixed start from
/// `ChaCha8Rng::seed_from_u64(0)`, the second kept orthogonal to the first, up to 1000
/// iterations or until the step is below 1e-12), and each is signed so that its
/// largest-magnitude coordinate is positive. The fit uses every row; only the rows at
/// `⌊k·n/max_points⌋` (`k < max_points`) of each modality are returned when a modality has
/// more than `max_points` rows. Errors on an empty modality, `max_points == 0`, `d < 2`,
/// or rows that are all equal.
pub fn pca_projection(img: &Matrix, txt: &Matrix, max_points: usize) -> Result<Projection> {
    if img.rows == 0 || txt.rows == 0 || img.cols != txt.cols || img.cols < 2 || max_points == 0 {
        return Err(Error::Parameter {
            what: "projection".into(),
            reason: format!(
                "needs image and text rows of the same width ≥ 2 and max_points > 0 (got ({}, {}), ({}, {}), {max_points})",
                img.rows, img.cols, txt.rows, txt.cols
            ),
        });
    }
    check_normalized(img, "projection: images")?;
    check_normalized(txt, "projection: texts")?;
    let d = img.cols;
    let rows: Vec<Vec<f64>> = img
        .iter_rows()
        .chain(txt.iter_rows())
        .map(|r| r.iter().map(|&x| x as f64).collect())
        .collect();
    let n = rows.len() as f64;
    let mut mean = vec![0.0; d];
    for r in &rows {
        mean.iter_mut().zip(r).for_each(|(m, x)| *m += x);
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let centred: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| r.iter().zip(&mean).map(|(x, m)| x - m).collect())
        .collect();
    let total: f64 = centred.iter().map(|r| dot64(r, r)).sum::<f64>() / n;
    if !(total > 0.0) {
        return Err(Error::Undefined {
            what: "projection".into(),
            reason: "every embedding is the same point",
        });
    }
    let cov = covariance(&centred);
    let pc1 = top_eigenvector(&cov, d, None)?;
    let pc2 = top_eigenvector(&cov, d, Some(&pc1))?;
    let var = |v: &[f64]| centred.iter().map(|r| dot64(r, v).powi(2)).sum::<f64>() / n;
    let coords = |r: &Vec<f64>| [dot64(r, &pc1), dot64(r, &pc2)];
    let pick = |len: usize, offset: usize| -> Vec<[f64; 2]> {
        if len <= max_points {
            (0..len).map(|i| coords(&centred[offset + i])).collect()
        } else {
            (0..max_points)
                .map(|k| coords(&centred[offset + k * len / max_points]))
                .collect()
        }
    };
    Ok(Projection {
        image: pick(img.rows, 0),
        text: pick(txt.rows, img.rows),
        explained_variance: [var(&pc1) / total, var(&pc2) / total],
    })
}

/// The covariance `C = X_cᵀX_c / N` (`d × d`, row-major) of centred rows.
fn covariance(rows: &[Vec<f64>]) -> Vec<f64> {
    let d = rows[0].len();
    let mut c = vec![0.0f64; d * d];
    for r in rows {
        for a in 0..d {
            let ra = r[a];
            let out = &mut c[a * d..(a + 1) * d];
            for b in a..d {
                out[b] += ra * r[b];
            }
        }
    }
    let n = rows.len() as f64;
    for a in 0..d {
        for b in a..d {
            let v = c[a * d + b] / n;
            c[a * d + b] = v;
            c[b * d + a] = v;
        }
    }
    c
}

/// `C v`.
fn apply_cov(c: &[f64], d: usize, v: &[f64]) -> Vec<f64> {
    (0..d).map(|a| dot64(&c[a * d..(a + 1) * d], v)).collect()
}

fn orthogonalise(v: &mut [f64], against: Option<&[f64]>) {
    if let Some(u) = against {
        let p = dot64(v, u);
        v.iter_mut().zip(u).for_each(|(x, y)| *x -= p * y);
    }
}

fn top_eigenvector(cov: &[f64], d: usize, against: Option<&[f64]>) -> Result<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut v: Vec<f64> = (0..d).map(|_| rng.random::<f64>() - 0.5).collect();
    let unit = |v: &mut Vec<f64>| -> Result<()> {
        let n = norm64(v);
        if !(n > 0.0 && n.is_finite()) {
            return Err(Error::Undefined {
                what: "projection".into(),
                reason: "the embeddings span fewer than two directions",
            });
        }
        v.iter_mut().for_each(|x| *x /= n);
        Ok(())
    };
    orthogonalise(&mut v, against);
    unit(&mut v)?;
    for _ in 0..MAX_ITERATIONS {
        let mut w = apply_cov(cov, d, &v);
        orthogonalise(&mut w, against);
        unit(&mut w)?;
        let step = w
            .iter()
            .zip(&v)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        v = w;
        if step < TOLERANCE {
            break;
        }
    }
    // sign: the largest-magnitude coordinate is positive (first one on ties)
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if x.abs() > v[best].abs() {
            best = i;
        }
    }
    if v[best] < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_by_hand() {
        // 3-D points: images (1,0,0),(0,1,0) texts (-1,0,0),(0,-1,0). Mean 0; covariance
        // diag(.5,.5,0): PC1/PC2 span the x/y plane; the z axis gets nothing.
        let img = Matrix::new(2, 3, vec![1., 0., 0., 0., 1., 0.]).expect("img");
        let txt = Matrix::new(2, 3, vec![-1., 0., 0., 0., -1., 0.]).expect("txt");
        let p = pca_projection(&img, &txt, 10).expect("pca");
        let ev = p.explained_variance;
        assert!((ev[0] + ev[1] - 1.0).abs() < 1e-9, "{ev:?}");
        // every point keeps its full length in the plane
        for c in p.image.iter().chain(&p.text) {
            assert!((c[0].hypot(c[1]) - 1.0).abs() < 1e-9, "{c:?}");
        }
        // images and texts are mirror images through the origin
        for (a, b) in p.image.iter().zip(&p.text) {
            assert!((a[0] + b[0]).abs() < 1e-9 && (a[1] + b[1]).abs() < 1e-9);
        }
    }

    #[test]
    fn projection_caps_points() {
        let rows: Vec<Vec<f32>> = (0..10)
            .map(|i| {
                let a = i as f32 * 0.3;
                vec![a.cos(), a.sin(), 0.0]
            })
            .collect();
        let img = Matrix::from_rows(&rows).expect("img");
        let txt = Matrix::new(1, 3, vec![0., 0., 1.]).expect("txt");
        let p = pca_projection(&img, &txt, 4).expect("pca");
        assert_eq!((p.image.len(), p.text.len()), (4, 1));
        assert!(pca_projection(&img, &txt, 0).is_err());
        // the fit uses every row; the kept rows are ⌊k·n/max_points⌋ = 0, 2, 5, 7
        let full = pca_projection(&img, &txt, 100).expect("pca");
        let want: Vec<[f64; 2]> = [0, 2, 5, 7].iter().map(|&i| full.image[i]).collect();
        assert_eq!(p.image, want);
    }

    #[test]
    fn each_bad_shape_alone_is_refused() {
        let m = |rows: usize, cols: usize| {
            let data = (0..rows * cols)
                .map(|i| ((i * 7 % 5) as f32) - 2.0)
                .collect();
            Matrix::new(rows, cols, data).expect("m")
        };
        let refused = |img: &Matrix, txt: &Matrix, max: usize| {
            matches!(pca_projection(img, txt, max), Err(Error::Parameter { .. }))
        };
        assert!(refused(&m(0, 3), &m(3, 3), 5), "no images");
        assert!(refused(&m(3, 3), &m(0, 3), 5), "no texts");
        assert!(refused(&m(3, 3), &m(3, 4), 5), "widths differ");
        assert!(refused(&m(3, 1), &m(3, 1), 5), "one dimension");
        assert!(refused(&m(3, 3), &m(3, 3), 0), "max_points 0");
        let unit_img = Matrix::new(2, 2, vec![1., 0., 0., 1.]).expect("img");
        let unit_txt = Matrix::new(2, 2, vec![0.6, 0.8, -0.8, 0.6]).expect("txt");
        let two = pca_projection(&unit_img, &unit_txt, 5);
        assert!(two.is_ok(), "two dimensions suffice: {two:?}");
        let same = Matrix::new(2, 2, vec![1., 0., 1., 0.]).expect("same");
        match pca_projection(&same, &same, 5) {
            Err(Error::Undefined { reason, .. }) => assert!(reason.contains("same point")),
            other => panic!("expected all rows to be one point, got {other:?}"),
        }
    }

    #[test]
    fn eigenvectors_are_signed_by_their_largest_coordinate() {
        // diagonal covariance with its largest eigenvalue on axis k: PC1 is +e_k whatever the
        // sign the seeded start vector has on axis k (axis 0 has variance 0, so its coordinate
        // is exactly 0 and cannot decide the sign)
        let d = 5;
        for k in 1..d {
            let mut cov = vec![0.0; d * d];
            for a in 1..d {
                cov[a * d + a] = if a == k { 2.0 } else { 1.0 };
            }
            let v = top_eigenvector(&cov, d, None).expect("eigenvector");
            assert!((v[k] - 1.0).abs() < 1e-9, "axis {k}: {v:?}");
        }
        // a tie in magnitude goes to the first coordinate: (1, -1)/√2, not (-1, 1)/√2
        let v = top_eigenvector(&[1.0, -1.0, -1.0, 1.0], 2, None).expect("tie");
        let h = 0.5f64.sqrt();
        assert!(
            (v[0] - h).abs() < 1e-12 && (v[1] + h).abs() < 1e-12,
            "{v:?}"
        );
    }

    #[test]
    fn a_second_direction_that_does_not_exist_is_an_error() {
        // rank-1 covariance: orthogonal to PC1 = e_0 the covariance is exactly zero
        match top_eigenvector(&[1.0, 0.0, 0.0, 0.0], 2, Some(&[1.0, 0.0])) {
            Err(Error::Undefined { reason, .. }) => assert!(reason.contains("two directions")),
            other => panic!("expected no second direction, got {other:?}"),
        }
    }
}
