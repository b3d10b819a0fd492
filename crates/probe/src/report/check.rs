//! Every number of a report must be finite before it is written: serde_json would write
//! NaN and ±inf as `null`, indistinguishable from a missing value. Errors name the field.

use super::{ModelResult, OpResult, Report};
use crate::error::{Error, Result};
use crate::metrics::Summary;

fn num(path: &str, v: f64) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(Error::Input(format!(
            "report field {path} is not finite ({v}); refusing to write it"
        )))
    }
}

fn opt(path: &str, v: Option<f64>) -> Result<()> {
    v.map_or(Ok(()), |v| num(path, v))
}

fn summary(path: &str, s: &Summary) -> Result<()> {
    for (name, v) in s.fields() {
        num(&format!("{path}.{name}"), v)?;
    }
    Ok(())
}

fn op(path: &str, o: &OpResult) -> Result<()> {
    summary(&format!("{path}.text_cosine"), &o.text_cosine)?;
    num(
        &format!("{path}.text_cosine_hist.lo"),
        o.text_cosine_hist.lo,
    )?;
    num(
        &format!("{path}.text_cosine_hist.hi"),
        o.text_cosine_hist.hi,
    )?;
    num(
        &format!("{path}.text_cosine_normalized_mean"),
        o.text_cosine_normalized_mean,
    )?;
    opt(&format!("{path}.itm_accuracy"), o.itm_accuracy)?;
    if let Some(s) = &o.itm_margin {
        summary(&format!("{path}.itm_margin"), s)?;
    }
    opt(
        &format!("{path}.itm_accuracy_gap_removed"),
        o.itm_accuracy_gap_removed,
    )?;
    if let Some(pp) = &o.sugarcrepe_pp {
        opt(&format!("{path}.sugarcrepe_pp.iti"), pp.iti)?;
        num(&format!("{path}.sugarcrepe_pp.tot"), pp.tot)?;
    }
    if let Some(a) = &o.edit_gap_alignment {
        summary(
            &format!("{path}.edit_gap_alignment.abs_cosine"),
            &a.abs_cosine,
        )?;
        summary(
            &format!("{path}.edit_gap_alignment.energy_share"),
            &a.energy_share,
        )?;
    }
    for (k, d) in &o.by_depth {
        num(
            &format!("{path}.by_depth.{k}.text_cosine_mean"),
            d.text_cosine_mean,
        )?;
        opt(&format!("{path}.by_depth.{k}.itm_accuracy"), d.itm_accuracy)?;
    }
    if let Some(w) = &o.winoground {
        num(&format!("{path}.winoground.text"), w.text)?;
        num(&format!("{path}.winoground.image"), w.image)?;
        num(&format!("{path}.winoground.group"), w.group)?;
    }
    Ok(())
}

fn result(path: &str, r: &ModelResult) -> Result<()> {
    num(
        &format!("{path}.anisotropy_baseline"),
        r.anisotropy_baseline,
    )?;
    for (name, o) in &r.ops {
        op(&format!("{path}.ops.{name}"), o)?;
    }
    if let Some(g) = &r.modality_gap {
        for (name, v) in g.fields() {
            num(&format!("{path}.modality_gap.{name}"), v)?;
        }
    }
    if let Some(t) = &r.token_sensitivity {
        for (name, s) in [
            ("object", &t.object),
            ("attribute", &t.attribute),
            ("relation", &t.relation),
        ] {
            if let Some(s) = s {
                summary(&format!("{path}.token_sensitivity.{name}"), s)?;
            }
        }
    }
    if let Some(p) = &r.projection {
        for (side, pts) in [("image", &p.image), ("text", &p.text)] {
            for (i, xy) in pts.iter().enumerate() {
                num(&format!("{path}.projection.{side}[{i}][0]"), xy[0])?;
                num(&format!("{path}.projection.{side}[{i}][1]"), xy[1])?;
            }
        }
        num(
            &format!("{path}.projection.explained_variance[0]"),
            p.explained_variance[0],
        )?;
        num(
            &format!("{path}.projection.explained_variance[1]"),
            p.explained_variance[1],
        )?;
    }
    Ok(())
}

/// Checks every number of `report`.
pub(super) fn report(report: &Report) -> Result<()> {
    for (i, r) in report.results.iter().enumerate() {
        result(&format!("results[{i}]"), r)?;
    }
    if let Some(c) = &report.comparison {
        for (i, d) in c.deltas.iter().enumerate() {
            let p = format!("comparison.deltas[{i}]");
            num(&format!("{p}.anisotropy_baseline"), d.anisotropy_baseline)?;
            for (name, o) in &d.ops {
                num(
                    &format!("{p}.ops.{name}.text_cosine_mean"),
                    o.text_cosine_mean,
                )?;
                num(
                    &format!("{p}.ops.{name}.text_cosine_normalized_mean"),
                    o.text_cosine_normalized_mean,
                )?;
                opt(&format!("{p}.ops.{name}.itm_accuracy"), o.itm_accuracy)?;
                opt(
                    &format!("{p}.ops.{name}.itm_accuracy_gap_removed"),
                    o.itm_accuracy_gap_removed,
                )?;
                opt(
                    &format!("{p}.ops.{name}.winoground_group"),
                    o.winoground_group,
                )?;
            }
            for (name, v) in d.modality_gap.iter().flatten() {
                num(&format!("{p}.modality_gap.{name}"), *v)?;
            }
        }
    }
    Ok(())
}
