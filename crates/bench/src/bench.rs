//! The benchmark record: one hard-negative pair per JSON Lines row.
//!
//! Written by `clipprobe negatives` and by the public-benchmark importers, read by
//! `clipprobe eval`. Wire format (one JSON object per line):
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `schema_version` | int | [`BENCH_SCHEMA_VERSION`]; readers reject others |
//! | `id` | string | unique per row |
//! | `caption` | string | the true caption |
//! | `negative` | string | the hard negative (false for `image`) |
//! | `op` | string | subset: a generator op (`swap_att`, ...) or a public benchmark's own subset name |
//! | `depth` | int | number of operators applied (1 for imported rows) |
//! | `edits` | array | provenance, one [`Edit`] per step (empty for imported rows) |
//! | `image` | string? | image path (relative paths resolve against `--images-root`, else the file's folder) |
//! | `negative_image` | string? | Winoground-style second image, whose true caption is `negative` |
//! | `scoring` | string | `itm` (SugarCrepe: cos(image, caption) > cos(image, negative)) or `winoground` |
//! | `alt_captions` | array? | further true captions (SugarCrepe++'s second positive) |
//! | `source` | string? | the benchmark it came from (`sugarcrepe`, `aro`, ...) |
//! | `bbox` | [x, y, w, h]? | score only this pixel region of `image` (ARO's bounding box; see [`BenchRecord::crop`]) |
//!
//! Any other field is kept as it is ([`BenchRecord::extra`]).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use clipprobe_io::formats;

/// Version of the benchmark JSON Lines format.
pub const BENCH_SCHEMA_VERSION: u64 = 1;

/// The seven operators of the generator, named as SugarCrepe names its subsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    SwapObj,
    SwapAtt,
    ReplaceObj,
    ReplaceAtt,
    ReplaceRel,
    AddObj,
    AddAtt,
}

impl Op {
    /// All operators, in the canonical order used by outputs and reports.
    pub const ALL: [Op; 7] = [
        Op::ReplaceObj,
        Op::ReplaceAtt,
        Op::ReplaceRel,
        Op::SwapObj,
        Op::SwapAtt,
        Op::AddObj,
        Op::AddAtt,
    ];

    /// The SugarCrepe subset name (`swap_att`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Op::SwapObj => "swap_obj",
            Op::SwapAtt => "swap_att",
            Op::ReplaceObj => "replace_obj",
            Op::ReplaceAtt => "replace_att",
            Op::ReplaceRel => "replace_rel",
            Op::AddObj => "add_obj",
            Op::AddAtt => "add_att",
        }
    }

    /// Parses a SugarCrepe subset name.
    pub fn from_name(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.name() == s)
    }

    /// The kind of concept the operator acts on.
    pub fn kind(self) -> ConceptKind {
        match self {
            Op::SwapObj | Op::ReplaceObj | Op::AddObj => ConceptKind::Object,
            Op::SwapAtt | Op::ReplaceAtt | Op::AddAtt => ConceptKind::Attribute,
            Op::ReplaceRel => ConceptKind::Relation,
        }
    }
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A row's subset (`op` on the wire): one of the generator's operators, or a public
/// benchmark's own subset name (ARO's `VG-Relation`, Winoground's `winoground`, a
/// `world:`-prefixed synthetic op, ...). Written and read as the plain string; a string that
/// names an [`Op`] always reads as [`Subset::Generated`], so the two cannot disagree.
/// Ordered by name, as reports list subsets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subset {
    /// A generator operator (SugarCrepe's subset names are the same seven).
    Generated(Op),
    /// Any other non-empty subset name, kept as written.
    Named(String),
}

impl Subset {
    /// The name as written in JSON Lines and reports.
    pub fn as_str(&self) -> &str {
        match self {
            Subset::Generated(op) => op.name(),
            Subset::Named(s) => s,
        }
    }

    /// The operator, when the subset is one.
    pub fn op(&self) -> Option<Op> {
        match self {
            Subset::Generated(op) => Some(*op),
            Subset::Named(_) => None,
        }
    }
}

impl From<Op> for Subset {
    fn from(op: Op) -> Self {
        Subset::Generated(op)
    }
}

impl From<String> for Subset {
    fn from(s: String) -> Self {
        match Op::from_name(&s) {
            Some(op) => Subset::Generated(op),
            None => Subset::Named(s),
        }
    }
}

impl From<&str> for Subset {
    fn from(s: &str) -> Self {
        Subset::from(s.to_owned())
    }
}

impl From<Subset> for String {
    fn from(s: Subset) -> Self {
        match s {
            Subset::Generated(op) => op.name().to_owned(),
            Subset::Named(s) => s,
        }
    }
}

impl std::fmt::Display for Subset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialOrd for Subset {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Subset {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for Subset {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Subset {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Subset {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Subset> for &str {
    fn eq(&self, other: &Subset) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Subset> for String {
    fn eq(&self, other: &Subset) -> bool {
        self == other.as_str()
    }
}

impl Serialize for Subset {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Subset {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(Subset::from)
    }
}

/// Kind of atomic concept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConceptKind {
    Object,
    Attribute,
    Relation,
}

/// One span change inside a step: `before` at `span` of the step's input becomes `after` at
/// `new_span` of the step's output. Spans are `[start, end)` in Unicode scalar values (chars).
/// ADD has `before == ""` (an empty span at the insertion point).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub before: String,
    pub after: String,
    pub span: [usize; 2],
    pub new_span: [usize; 2],
}

/// Provenance of one operator step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub op: Op,
    pub kind: ConceptKind,
    /// Lexicon category of the concept(s) (`color`, `animal`, `spatial`, ...).
    pub category: String,
    /// The step's text before and after.
    pub text_before: String,
    pub text_after: String,
    /// SWAP: two changes; REPLACE and ADD: one.
    pub changes: Vec<Change>,
}

/// How a row is scored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// SugarCrepe / ARO / VALSE: correct iff cos(image, caption) > cos(image, negative).
    #[default]
    Itm,
    /// Winoground: text, image and group scores over (caption, image) and (negative, negative_image).
    Winoground,
}

fn one() -> u32 {
    1
}

/// One benchmark row (see the module docs for the wire format).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchRecord {
    pub schema_version: u64,
    pub id: String,
    pub caption: String,
    pub negative: String,
    pub op: Subset,
    #[serde(default = "one")]
    pub depth: u32,
    #[serde(default)]
    pub edits: Vec<Edit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_image: Option<String>,
    #[serde(default, skip_serializing_if = "is_default_scoring")]
    pub scoring: Scoring,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alt_captions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Any other field of the row, kept as it is.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn is_default_scoring(s: &Scoring) -> bool {
    *s == Scoring::Itm
}

impl BenchRecord {
    /// A new depth-1 ITM record with no edits.
    pub fn new(
        id: impl Into<String>,
        caption: impl Into<String>,
        negative: impl Into<String>,
        op: impl Into<Subset>,
    ) -> Self {
        BenchRecord {
            schema_version: BENCH_SCHEMA_VERSION,
            id: id.into(),
            caption: caption.into(),
            negative: negative.into(),
            op: op.into(),
            depth: 1,
            edits: Vec::new(),
            image: None,
            negative_image: None,
            scoring: Scoring::Itm,
            alt_captions: Vec::new(),
            source: None,
            extra: serde_json::Map::new(),
        }
    }
}

impl BenchRecord {
    /// Appends the row's JSON to `out`: the same bytes as `serde_json::to_writer(out, self)`
    /// (a test compares them) in about a third of serde_json's instructions for the generator's
    /// rows (docs/performance.md, speed pass 4). A string with nothing to escape (no `"`,
    /// `\\` or control character: found in one pass without branches) is copied as it is; any
    /// other string, the enums and the extra fields are written by serde_json.
    pub fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        out.extend_from_slice(b"{\"schema_version\":");
        json_uint(out, self.schema_version);
        str_field(out, "id", &self.id)?;
        str_field(out, "caption", &self.caption)?;
        str_field(out, "negative", &self.negative)?;
        str_field(out, "op", self.op.as_str())?;
        field(out, "depth");
        json_uint(out, u64::from(self.depth));
        field(out, "edits");
        out.push(b'[');
        for (i, e) in self.edits.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"op\":");
            json_str(out, e.op.name())?;
            field(out, "kind");
            serde_json::to_writer(&mut *out, &e.kind)?;
            str_field(out, "category", &e.category)?;
            str_field(out, "text_before", &e.text_before)?;
            str_field(out, "text_after", &e.text_after)?;
            field(out, "changes");
            out.push(b'[');
            for (j, c) in e.changes.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"before\":");
                json_str(out, &c.before)?;
                str_field(out, "after", &c.after)?;
                for (name, span) in [("span", c.span), ("new_span", c.new_span)] {
                    field(out, name);
                    out.push(b'[');
                    json_uint(out, span[0] as u64);
                    out.push(b',');
                    json_uint(out, span[1] as u64);
                    out.push(b']');
                }
                out.push(b'}');
            }
            out.extend_from_slice(b"]}");
        }
        out.push(b']');
        for (name, v) in [
            ("image", &self.image),
            ("negative_image", &self.negative_image),
        ] {
            if let Some(v) = v {
                str_field(out, name, v)?;
            }
        }
        if !is_default_scoring(&self.scoring) {
            field(out, "scoring");
            serde_json::to_writer(&mut *out, &self.scoring)?;
        }
        if !self.alt_captions.is_empty() {
            field(out, "alt_captions");
            serde_json::to_writer(&mut *out, &self.alt_captions)?;
        }
        if let Some(v) = &self.source {
            str_field(out, "source", v)?;
        }
        for (k, v) in &self.extra {
            out.push(b',');
            json_str(out, k)?;
            out.push(b':');
            serde_json::to_writer(&mut *out, v)?;
        }
        out.push(b'}');
        Ok(())
    }
}

/// `,"name":` (field names need no escaping).
fn field(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

/// `,"name":` and the string `s`.
fn str_field(out: &mut Vec<u8>, name: &str, s: &str) -> serde_json::Result<()> {
    field(out, name);
    json_str(out, s)
}

/// A JSON string as serde_json writes it.
fn json_str(out: &mut Vec<u8>, s: &str) -> serde_json::Result<()> {
    // no early exit: the compiler turns this into a vector loop
    let escape = s
        .bytes()
        .fold(false, |e, b| e | (b < 0x20) | (b == b'"') | (b == b'\\'));
    if escape {
        return serde_json::to_writer(out, s);
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
    Ok(())
}

/// An unsigned integer in decimal.
fn json_uint(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// A pixel region `[left, top, right, bottom)` of an image (see [`BenchRecord::crop`]).
pub type CropBox = [i64; 4];

/// Largest coordinate accepted in a `bbox`.
const MAX_COORD: f64 = 1e9;

impl BenchRecord {
    /// The region of `image` this row scores, from its optional field `bbox: [x, y, w, h]`
    /// (ARO's bounding boxes): `[x, y, x + w, y + h]`, each rounded half to even, as Pillow's
    /// `Image.crop` rounds the box ARO gives it. `Ok(None)` without `bbox`; an error naming
    /// the field when it is not 4 finite numbers, the row has no `image`, or the box holds no
    /// pixel.
    pub fn crop(&self) -> std::result::Result<Option<CropBox>, String> {
        let Some(v) = self.extra.get("bbox") else {
            return Ok(None);
        };
        let bad = |why: &str| format!("field `bbox` {why} (expected [x, y, width, height])");
        let nums: Vec<f64> = match v.as_array() {
            Some(a) if a.len() == 4 => a
                .iter()
                .map(|x| x.as_f64().filter(|x| x.abs() <= MAX_COORD))
                .collect::<Option<_>>()
                .ok_or_else(|| bad("must hold numbers of at most 1e9 in magnitude"))?,
            _ => return Err(bad("must be an array of 4 numbers")),
        };
        if self.image.is_none() {
            return Err("field `bbox` needs an `image` to crop".into());
        }
        let (x, y, w, h) = (nums[0], nums[1], nums[2], nums[3]);
        let b = [x, y, x + w, y + h].map(|c| c.round_ties_even() as i64);
        if b[2] <= b[0] || b[3] <= b[1] {
            return Err(bad(&format!(
                "{v} leaves no pixel (rounded box [{}, {}, {}, {}])",
                b[0], b[1], b[2], b[3]
            )));
        }
        Ok(Some(b))
    }
}

/// The names and member subsets of SugarCrepe's three averages.
pub const GROUPS: [(&str, &[Op]); 3] = [
    ("REPLACE", &[Op::ReplaceObj, Op::ReplaceAtt, Op::ReplaceRel]),
    ("SWAP", &[Op::SwapObj, Op::SwapAtt]),
    ("ADD", &[Op::AddObj, Op::AddAtt]),
];

/// Reads and validates a benchmark file. Errors name the line: bad JSON, a missing field,
/// an unsupported `schema_version`, an empty caption/negative, a duplicate `id`, a
/// `winoground` row without both images, a malformed `bbox`.
pub fn read_bench(path: &Path) -> Result<Vec<BenchRecord>> {
    let mut seen = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (line, r) in formats::read_jsonl::<BenchRecord>(path)? {
        let bad = |message: String| Error::Line {
            path: path.to_path_buf(),
            line,
            message,
        };
        if r.schema_version != BENCH_SCHEMA_VERSION {
            return Err(bad(format!(
                "unsupported schema_version {} (this clipprobe reads {BENCH_SCHEMA_VERSION})",
                r.schema_version
            )));
        }
        if r.caption.trim().is_empty() || r.negative.trim().is_empty() {
            return Err(bad("empty `caption` or `negative`".into()));
        }
        if r.op.as_str().trim().is_empty() {
            return Err(bad("empty `op`".into()));
        }
        if r.scoring == Scoring::Winoground && (r.image.is_none() || r.negative_image.is_none()) {
            return Err(bad(
                "`winoground` scoring needs `image` and `negative_image`".into(),
            ));
        }
        r.crop().map_err(bad)?;
        if let Some(prev) = seen.insert(r.id.clone(), line) {
            return Err(bad(format!(
                "duplicate id {:?} (first on line {prev})",
                r.id
            )));
        }
        out.push(r);
    }
    if out.is_empty() {
        return Err(Error::File {
            path: path.to_path_buf(),
            message: "no benchmark rows".into(),
        });
    }
    Ok(out)
}

/// Writes benchmark rows as JSON Lines, atomically.
pub fn write_bench(path: &Path, rows: &[BenchRecord]) -> Result<()> {
    Ok(formats::write_jsonl(path, rows)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_json_writes_what_serde_json_writes() {
        let texts = [
            "A dog on a red bed.",
            "",
            "say \"cheese\"",
            "back\\slash",
            "tab\tnew\nline\r\u{1}\u{1f}\u{7f}\u{8}\u{c}",
            "caf\u{e9} \u{1f436} \u{2028} </script>",
            "a long caption with nothing to escape in it at all, past sixteen bytes",
            "a long caption with one escape at its very end, past sixteen bytes\"",
        ];
        let mut rows = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            let next = texts[(i + 1) % texts.len()];
            let mut r = BenchRecord::new(*t, next, *t, Op::ALL[i % Op::ALL.len()]);
            r.schema_version = [0, 1, 10, u64::MAX][i % 4];
            r.depth = i as u32 * 1000;
            r.edits = (0..i % 3)
                .map(|k| Edit {
                    op: Op::ALL[(i + k) % Op::ALL.len()],
                    kind: [
                        ConceptKind::Object,
                        ConceptKind::Attribute,
                        ConceptKind::Relation,
                    ][(i + k) % 3],
                    category: next.into(),
                    text_before: t.to_string(),
                    text_after: next.into(),
                    changes: (0..=k)
                        .map(|j| Change {
                            before: next.into(),
                            after: t.to_string(),
                            span: [j, usize::MAX - j],
                            new_span: [10 * j + 9, 0],
                        })
                        .collect(),
                })
                .collect();
            if i % 2 == 1 {
                r.image = Some(t.to_string());
                r.source = Some(next.into());
            }
            if i % 3 == 1 {
                r.negative_image = Some(next.into());
                r.scoring = Scoring::Winoground;
                r.alt_captions = vec![t.to_string(), next.into()];
                r.op = Subset::Named(t.to_string());
            }
            if i % 2 == 0 {
                r.extra.insert(t.to_string(), serde_json::json!(next));
                r.extra.insert(
                    "bbox".into(),
                    serde_json::json!([0.1, -2, 1e300, {"k\"": [null, true]}]),
                );
            }
            rows.push(r);
        }
        for r in &rows {
            let mut fast = Vec::new();
            r.write_json(&mut fast).expect("a row");
            let want = serde_json::to_vec(r).expect("a row");
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&want)
            );
        }
    }

    fn with_bbox(v: serde_json::Value) -> BenchRecord {
        let mut r = BenchRecord::new("r", "a", "b", "vg_relation");
        r.image = Some("x.jpg".into());
        r.extra.insert("bbox".into(), v);
        r
    }

    #[test]
    fn crop_is_the_box_rounded_half_to_even_as_pillow_does() {
        let crop = |v| with_bbox(v).crop();
        // Pillow: (0.5, 0.5, 2.5, 1.5) → (0, 0, 2, 2); (1.5, 2.5) → (2, 2)
        assert_eq!(
            crop(serde_json::json!([0.5, 0.5, 2.0, 1.0])),
            Ok(Some([0, 0, 2, 2]))
        );
        assert_eq!(
            crop(serde_json::json!([1.5, 2.5, 3, 4])),
            Ok(Some([2, 2, 4, 6]))
        );
        assert_eq!(
            crop(serde_json::json!([-3, 4, 10, 20])),
            Ok(Some([-3, 4, 7, 24]))
        );
        assert_eq!(BenchRecord::new("r", "a", "b", "op").crop(), Ok(None));
        for (bad, why) in [
            (serde_json::json!([1, 2, 3]), "array of 4 numbers"),
            (serde_json::json!("1,2,3,4"), "array of 4 numbers"),
            (serde_json::json!([1, 2, "3", 4]), "numbers of at most"),
            (serde_json::json!([1, 2, 3e10, 4]), "numbers of at most"),
            (serde_json::json!([1.5, 0, 0.9, 4]), "leaves no pixel"),
            (serde_json::json!([0, 0, 4, 0]), "leaves no pixel"),
            (serde_json::json!([0, 0, -4, 4]), "leaves no pixel"),
        ] {
            let e = crop(bad.clone()).expect_err("bad bbox");
            assert!(e.contains("`bbox`") && e.contains(why), "{bad}: {e}");
        }
        let mut no_image = with_bbox(serde_json::json!([0, 0, 4, 4]));
        no_image.image = None;
        assert!(no_image
            .crop()
            .expect_err("no image")
            .contains("needs an `image`"));
    }

    #[test]
    fn op_names_round_trip() {
        for op in Op::ALL {
            assert_eq!(Op::from_name(op.name()), Some(op));
            assert_eq!(
                serde_json::to_string(&op).expect("ser"),
                format!("\"{}\"", op.name())
            );
        }
        assert_eq!(Op::from_name("swap_rel"), None);
    }

    #[test]
    fn subsets_read_op_names_as_ops_and_keep_other_names() {
        let read = |s: &str| -> Subset { serde_json::from_str(s).expect("subset") };
        for op in Op::ALL {
            let s = read(&format!("\"{}\"", op.name()));
            assert_eq!(s, Subset::Generated(op));
            assert_eq!(s.op(), Some(op));
            assert_eq!(serde_json::to_string(&s).expect("ser"), format!("\"{op}\""));
        }
        let named = read("\"VG-Relation\"");
        assert_eq!(named, Subset::Named("VG-Relation".into()));
        assert_eq!(named.op(), None);
        assert_eq!(named, "VG-Relation");
        assert_eq!(
            serde_json::to_string(&named).expect("ser"),
            "\"VG-Relation\""
        );
        // one spelling, one value: "replace_obj" built from a string is the op
        assert_eq!(Subset::from("replace_obj"), Subset::from(Op::ReplaceObj));
        // ordered by name, as reports list subsets (not by variant)
        let mut v = [
            Subset::from("world:swap_att"),
            Subset::from(Op::SwapAtt),
            Subset::from("VG-Relation"),
            Subset::from(Op::AddObj),
        ];
        v.sort();
        let names: Vec<&str> = v.iter().map(Subset::as_str).collect();
        assert_eq!(
            names,
            ["VG-Relation", "add_obj", "swap_att", "world:swap_att"]
        );
    }

    #[test]
    fn record_round_trip_keeps_extra_fields() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("b.jsonl");
        let mut r = BenchRecord::new("1", "a red car", "a blue car", "replace_att");
        r.extra.insert("split".into(), serde_json::json!("val"));
        write_bench(&p, std::slice::from_ref(&r)).expect("write");
        assert_eq!(read_bench(&p).expect("read"), vec![r]);
    }

    #[test]
    fn bad_rows_name_their_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("b.jsonl");
        let good = r#"{"schema_version":1,"id":"a","caption":"x","negative":"y","op":"o"}"#;
        for (bad, needle) in [
            (
                r#"{"schema_version":1,"id":"b","caption":"x","op":"o"}"#,
                "negative",
            ),
            (
                r#"{"schema_version":9,"id":"b","caption":"x","negative":"y","op":"o"}"#,
                "schema_version",
            ),
            (
                r#"{"schema_version":1,"id":"a","caption":"x","negative":"y","op":"o"}"#,
                "duplicate",
            ),
            (
                r#"{"schema_version":1,"id":"b","caption":" ","negative":"y","op":"o"}"#,
                "empty",
            ),
        ] {
            std::fs::write(&p, format!("{good}\n{bad}\n")).expect("write");
            let e = read_bench(&p).expect_err(bad).to_string();
            assert!(e.contains(":2:") && e.contains(needle), "{e}");
        }
    }
}
