//! Published numbers shown beside measured ones: a committed table
//! (`crates/report/published/sugarcrepe.tsv`, each row with its source) of SugarCrepe ITM
//! accuracies for known model ids. [`for_model`] attaches them to a result when the model id
//! matches and the op's rows all come from the SugarCrepe importer (`source: "sugarcrepe"`),
//! i.e. when the evaluated benchmark is the published one.

use std::collections::BTreeMap;

use clipprobe_bench::bench::BenchRecord;

use crate::error::{Error, Result};
use crate::PublishedResult;

/// The built-in table of published SugarCrepe numbers (TSV, `#` comments).
pub const SUGARCREPE_TSV: &str = include_str!("../published/sugarcrepe.tsv");

/// One published number.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedRow {
    pub model: String,
    pub subset: String,
    /// As a fraction (the table stores percent).
    pub accuracy: f64,
    pub source: String,
}

/// Parses a published-numbers table: `model<TAB>subset<TAB>percent<TAB>source` per line.
pub fn parse_table(text: &str) -> Result<Vec<PublishedRow>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |m: &str| Error::PublishedLine {
            line: i + 1,
            problem: m.to_string(),
        };
        let cols: Vec<&str> = line.split('\t').collect();
        let [model, subset, pct, source] = cols.as_slice() else {
            return Err(bad("expected 4 tab-separated columns"));
        };
        let pct: f64 = pct
            .parse()
            .map_err(|_| bad(&format!("accuracy {pct:?} is not a number")))?;
        if !(0.0..=100.0).contains(&pct) {
            return Err(bad(&format!("accuracy {pct} is outside [0, 100]")));
        }
        out.push(PublishedRow {
            model: model.to_string(),
            subset: subset.to_string(),
            accuracy: pct / 100.0,
            source: source.to_string(),
        });
    }
    Ok(out)
}

/// The built-in table, parsed.
pub fn builtin() -> Result<Vec<PublishedRow>> {
    parse_table(SUGARCREPE_TSV)
}

/// Published SugarCrepe numbers for `model` over the ops of `rows` whose rows all come from
/// SugarCrepe; `None` when nothing applies.
pub fn for_model(
    table: &[PublishedRow],
    model: &str,
    rows: &[BenchRecord],
) -> Option<PublishedResult> {
    let mut from_sugarcrepe: BTreeMap<&str, bool> = BTreeMap::new();
    for r in rows {
        let ok = r.source.as_deref() == Some("sugarcrepe");
        from_sugarcrepe
            .entry(r.op.as_str())
            .and_modify(|v| *v &= ok)
            .or_insert(ok);
    }
    let mut itm_accuracy = BTreeMap::new();
    let mut sources = Vec::new();
    for p in table.iter().filter(|p| p.model == model) {
        if from_sugarcrepe.get(p.subset.as_str()) == Some(&true) {
            itm_accuracy.insert(p.subset.clone(), p.accuracy);
            if !sources.contains(&p.source) {
                sources.push(p.source.clone());
            }
        }
    }
    if itm_accuracy.is_empty() {
        return None;
    }
    Some(PublishedResult {
        benchmark: "sugarcrepe".into(),
        source: sources.join("; "),
        itm_accuracy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_parses_and_has_the_papers_vit_b32_row() {
        let t = builtin().expect("table");
        let r = t
            .iter()
            .find(|r| r.model == "openai/clip-vit-base-patch32" && r.subset == "swap_att")
            .expect("row");
        assert!((r.accuracy - 0.6396).abs() < 1e-12);
    }

    #[test]
    fn bad_lines_are_errors_naming_the_line() {
        let e = parse_table("# c\nm\tx\tabc\ts\n").expect_err("nan");
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(parse_table("m\tx\t101\ts\n").is_err());
        assert!(parse_table("m\tx\t1\n").is_err());
    }

    fn row(op: &str, source: Option<&str>) -> BenchRecord {
        let mut r = BenchRecord::new("i", "a cat", "a dog", op);
        r.source = source.map(String::from);
        r
    }

    #[test]
    fn attached_only_for_the_model_and_sugarcrepe_rows() {
        let t = builtin().expect("table");
        let rows = vec![
            row("swap_att", Some("sugarcrepe")),
            row("swap_obj", Some("sugarcrepe")),
            row("swap_obj", None),
            row("add_att", None),
        ];
        let p = for_model(&t, "openai/clip-vit-base-patch32", &rows).expect("some");
        assert_eq!(p.itm_accuracy.keys().collect::<Vec<_>>(), ["swap_att"]);
        assert!(for_model(&t, "other/model", &rows).is_none());
        assert!(for_model(&t, "openai/clip-vit-base-patch32", &rows[3..]).is_none());
    }
}
