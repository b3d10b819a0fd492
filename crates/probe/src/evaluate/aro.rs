//! ARO's own scoring of VG-Relation and VG-Attribution (Yuksekgonul et al., ICLR 2023,
//! `dataset_zoo/aro_datasets.py` and the replication notebook of
//! <https://github.com/mertyg/vision-language-models-are-bows>): accuracy per class (the
//! relation, or the attribute pair), then the unweighted mean over classes. VG-Relation
//! leaves out ARO's list of symmetric relations; VG-Attribution keeps attribute pairs with at
//! least 25 test cases. The class is the row's `aro_subset` field (set by the ARO importer).

use crate::bench::BenchRecord;

/// How one ARO subset's macro accuracy is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacroProtocol {
    /// The subset (`op`) it applies to.
    pub subset: &'static str,
    /// Classes with fewer pairs are left out.
    pub min_pairs: usize,
    /// Whether ARO's symmetric relations ([`excluded_relations`]) are left out.
    pub exclude_symmetric: bool,
}

/// The row field holding the class.
pub const CLASS_FIELD: &str = "aro_subset";

/// ARO's two Visual Genome subsets.
pub const PROTOCOLS: [MacroProtocol; 2] = [
    MacroProtocol {
        subset: "vg_relation",
        min_pairs: 1,
        exclude_symmetric: true,
    },
    MacroProtocol {
        subset: "vg_attribution",
        min_pairs: 25,
        exclude_symmetric: false,
    },
];

/// ARO's symmetric relations, left out of VG-Relation's macro accuracy.
pub fn excluded_relations() -> Vec<&'static str> {
    include_str!("aro_excluded_relations.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
}

/// The protocol for rows of subset `op`, when every row is an ARO row with a class.
pub fn protocol(op: &str, rows: &[&BenchRecord]) -> Option<MacroProtocol> {
    let p = PROTOCOLS.into_iter().find(|p| p.subset == op)?;
    rows.iter()
        .all(|r| r.source.as_deref() == Some("aro") && class(r).is_some())
        .then_some(p)
}

/// The row's class ([`CLASS_FIELD`]).
pub fn class(r: &BenchRecord) -> Option<&str> {
    r.extra.get(CLASS_FIELD).and_then(|v| v.as_str())
}
