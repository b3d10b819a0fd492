//! The crate-private importer trait and the helpers the benchmark modules share: reading
//! files into items, typed field access with item-level error messages, natural key order.

use std::cmp::Ordering;
use std::path::Path;

use serde_json::{Map, Value};

use super::{Benchmark, ImportOptions};
use crate::bench::BenchRecord;
use crate::error::{Error, Result};

/// One benchmark's file format.
pub(super) trait Importer: Sync {
    /// Extensions of the benchmark's annotation files (for folder inputs).
    fn extensions(&self) -> &'static [&'static str] {
        &["json"]
    }

    /// Whether [`ImportOptions::validated_only`] applies.
    fn supports_validation_filter(&self) -> bool {
        false
    }

    /// Splits one file into its subset and items. Errors here concern the whole file (not
    /// JSON, wrong top-level shape, a file name that is not a subset).
    fn parse(&self, path: &Path, bytes: &[u8]) -> Result<ParsedFile>;

    /// Turns one item into rows, with ids, subsets, images relative to the benchmark's image
    /// folder, and `source`.
    fn convert(
        &self,
        file: &FileCtx<'_>,
        key: &str,
        item: &Value,
        opts: &ImportOptions,
    ) -> std::result::Result<Vec<BenchRecord>, ItemIssue>;
}

/// The file an item comes from.
pub(super) struct FileCtx<'a> {
    pub(super) subset: &'a str,
}

/// A parsed annotation file.
pub(super) struct ParsedFile {
    pub(super) subset: String,
    pub(super) items: Vec<RawItem>,
}

/// One item of a file.
pub(super) struct RawItem {
    /// How errors name the item: `key "12"`, `index 3`, `line 4`.
    pub(super) label: String,
    /// The original id (object key, list index, or line number for JSON Lines).
    pub(super) key: String,
    /// 1-based line for JSON Lines items.
    pub(super) line: Option<usize>,
    /// The item, or why it could not be parsed.
    pub(super) value: std::result::Result<Value, String>,
}

/// Why an item gives no rows.
pub(super) enum ItemIssue {
    Malformed(String),
    Filtered(String),
}

impl From<String> for ItemIssue {
    fn from(s: String) -> Self {
        ItemIssue::Malformed(s)
    }
}

/// Parses a JSON file (a leading UTF-8 byte-order mark is skipped). An object with the same key
/// twice is an error naming the key and position: a plain parse would keep the last one and
/// silently drop the others.
pub(super) fn parse_json(path: &Path, bytes: &[u8]) -> Result<Value> {
    strict_json(clipprobe_io::formats::strip_bom(bytes)).map_err(|e| Error::File {
        path: path.to_path_buf(),
        message: format!("not valid JSON: {e}"),
    })
}

/// `serde_json::from_slice::<Value>`, except that a duplicate object key is an error.
pub(super) fn strict_json(bytes: &[u8]) -> serde_json::Result<Value> {
    serde_json::from_slice::<Strict>(bytes).map(|s| s.0)
}

/// A JSON value whose objects may not repeat a key.
struct Strict(Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Strict(v) = map.next_value()?;
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
            }
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Items of a JSON object keyed by id, in natural key order.
pub(super) fn keyed_items(path: &Path, value: Value, what: &str) -> Result<Vec<RawItem>> {
    match value {
        Value::Object(map) => {
            let mut items: Vec<RawItem> = map
                .into_iter()
                .map(|(k, v)| RawItem {
                    label: format!("key {k:?}"),
                    key: k,
                    line: None,
                    value: Ok(v),
                })
                .collect();
            items.sort_by(|a, b| natural_cmp(&a.key, &b.key));
            Ok(items)
        }
        other => Err(Error::File {
            path: path.to_path_buf(),
            message: format!(
                "expected {what} (a JSON object keyed by id), found {}",
                type_name(&other)
            ),
        }),
    }
}

/// Items of a JSON array, in order, keyed by index.
pub(super) fn listed_items(path: &Path, value: Value, what: &str) -> Result<Vec<RawItem>> {
    match value {
        Value::Array(list) => Ok(list
            .into_iter()
            .enumerate()
            .map(|(i, v)| RawItem {
                label: format!("index {i}"),
                key: i.to_string(),
                line: None,
                value: Ok(v),
            })
            .collect()),
        other => Err(Error::File {
            path: path.to_path_buf(),
            message: format!(
                "expected {what} (a JSON array), found {}",
                type_name(&other)
            ),
        }),
    }
}

/// Items of a JSON Lines file (blank lines ignored); a line that is not JSON is a malformed
/// item, so `skip_bad` can record it.
pub(super) fn jsonl_items(path: &Path, bytes: &[u8]) -> Result<Vec<RawItem>> {
    let text =
        std::str::from_utf8(clipprobe_io::formats::strip_bom(bytes)).map_err(|e| Error::File {
            path: path.to_path_buf(),
            message: format!("not valid UTF-8 (byte {})", e.valid_up_to() + 1),
        })?;
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| RawItem {
            label: format!("line {}", i + 1),
            key: (i + 1).to_string(),
            line: Some(i + 1),
            value: strict_json(l.as_bytes()).map_err(|e| format!("not valid JSON: {e}")),
        })
        .collect())
}

/// Compares strings so that runs of digits compare as numbers (`"2" < "10"`,
/// `"test_9" < "test_10"`); ties fall back to plain string order.
pub(super) fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for ((da, xa), (db, xb)) in ca.iter().zip(cb.iter()) {
        let ord = if *da && *db {
            let (ta, tb) = (xa.trim_start_matches('0'), xb.trim_start_matches('0'));
            ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb))
        } else {
            xa.cmp(xb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

/// Typed access to an item's fields; errors are item-level reasons.
pub(super) struct Obj<'a> {
    pub(super) map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    pub(super) fn of(v: &'a Value) -> std::result::Result<Self, String> {
        match v {
            Value::Object(map) => Ok(Obj { map }),
            other => Err(format!(
                "expected a JSON object, found {}",
                type_name(other)
            )),
        }
    }

    pub(super) fn get(&self, key: &str) -> std::result::Result<&'a Value, String> {
        self.map
            .get(key)
            .ok_or_else(|| format!("missing field `{key}`"))
    }

    /// A non-empty (after trimming) string field.
    pub(super) fn text(&self, key: &str) -> std::result::Result<&'a str, String> {
        match self.get(key)? {
            Value::String(s) if s.trim().is_empty() => Err(format!("field `{key}` is empty")),
            Value::String(s) => Ok(s),
            other => Err(format!(
                "field `{key}` must be a string, found {}",
                type_name(other)
            )),
        }
    }

    pub(super) fn number(&self, key: &str) -> std::result::Result<f64, String> {
        match self.get(key)? {
            Value::Number(n) => n
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("field `{key}` is not a finite number")),
            other => Err(format!(
                "field `{key}` must be a number, found {}",
                type_name(other)
            )),
        }
    }

    /// An id-like field: a string or an integer, as a string.
    pub(super) fn id(&self, key: &str) -> std::result::Result<String, String> {
        match self.get(key)? {
            Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
            Value::Number(n) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
            other => Err(format!(
                "field `{key}` must be a non-empty string or an integer, found {}",
                type_name(other)
            )),
        }
    }

    /// A non-empty array of non-empty strings.
    pub(super) fn texts(&self, key: &str) -> std::result::Result<Vec<&'a str>, String> {
        let Value::Array(list) = self.get(key)? else {
            return Err(format!(
                "field `{key}` must be an array of strings, found {}",
                type_name(self.get(key)?)
            ));
        };
        if list.is_empty() {
            return Err(format!("field `{key}` is an empty array"));
        }
        list.iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) if !s.trim().is_empty() => Ok(s.as_str()),
                Value::String(_) => Err(format!("`{key}[{i}]` is empty")),
                other => Err(format!(
                    "`{key}[{i}]` must be a string, found {}",
                    type_name(other)
                )),
            })
            .collect()
    }

    /// The fields not in `used`, kept as upstream metadata.
    pub(super) fn rest(&self, used: &[&str]) -> Map<String, Value> {
        self.map
            .iter()
            .filter(|(k, _)| !used.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// A new imported row with `source`, `original_id` and (when not empty) `upstream` set.
pub(super) fn record(
    benchmark: Benchmark,
    subset: &str,
    id: &str,
    caption: &str,
    negative: &str,
    upstream: Map<String, Value>,
) -> BenchRecord {
    let mut r = BenchRecord::new(
        format!("{}/{subset}/{id}", benchmark.name()),
        caption,
        negative,
        subset,
    );
    r.source = Some(benchmark.name().to_string());
    r.extra
        .insert("original_id".into(), Value::String(id.to_string()));
    if !upstream.is_empty() {
        r.extra.insert("upstream".into(), Value::Object(upstream));
    }
    r
}

/// The file's stem, which several benchmarks use as the subset name.
pub(super) fn file_stem(path: &Path) -> Result<&str> {
    path.file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| Error::File {
            path: path.to_path_buf(),
            message: "file name is not valid UTF-8".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_sorts_numbers_numerically() {
        let mut v = vec!["10", "2", "1", "a_10", "a_9", "b", "02"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["1", "02", "2", "10", "a_9", "a_10", "b"]);
        // a run of digits against letters compares as plain text, whatever the lengths
        for (a, b) in [("10", "b"), ("1", "ab"), ("", "7"), ("", "b"), ("7", "7a")] {
            assert_eq!(natural_cmp(a, b), Ordering::Less, "{a} < {b}");
            assert_eq!(natural_cmp(b, a), Ordering::Greater, "{b} > {a}");
        }
        assert_eq!(natural_cmp("", ""), Ordering::Equal);
    }

    #[test]
    fn obj_reports_missing_wrong_and_empty_fields() {
        let v = serde_json::json!({"a": "x", "b": 3, "c": " ", "d": ["p", 4]});
        let o = Obj::of(&v).expect("object");
        assert_eq!(o.text("a"), Ok("x"));
        assert_eq!(o.text("z"), Err("missing field `z`".to_string()));
        assert!(o
            .text("b")
            .expect_err("number")
            .contains("must be a string, found a number"));
        assert!(o.text("c").expect_err("blank").contains("is empty"));
        assert!(o
            .texts("d")
            .expect_err("mixed")
            .contains("`d[1]` must be a string"));
        assert_eq!(o.id("b"), Ok("3".to_string()));
        assert_eq!(o.id("a"), Ok("x".to_string()));
        let ids = serde_json::json!({"neg": -4, "big": u64::MAX, "frac": 1.5, "e": [" ", "q"]});
        let ids = Obj::of(&ids).expect("object");
        assert_eq!(ids.id("neg"), Ok("-4".to_string()));
        assert_eq!(ids.id("big"), Ok(u64::MAX.to_string()));
        let e = ids.id("frac").expect_err("not an integer");
        assert!(e.ends_with("found a number"), "{e}");
        assert_eq!(ids.texts("e"), Err("`e[0]` is empty".to_string()));
        assert_eq!(
            o.id("c"),
            Err("field `c` must be a non-empty string or an integer, found a string".to_string())
        );
        assert!(Obj::of(&serde_json::json!([1])).is_err());
    }

    /// JSON Lines items are labelled, keyed and located by their 1-based line, blank lines
    /// counted but giving no item.
    #[test]
    fn json_lines_items_carry_their_line_number() {
        let items =
            jsonl_items(Path::new("f.jsonl"), b"\n{\"a\": 1}\n  \n{\"b\": 2}\n").expect("jsonl");
        let got: Vec<(&str, &str, Option<usize>)> = items
            .iter()
            .map(|i| (i.label.as_str(), i.key.as_str(), i.line))
            .collect();
        assert_eq!(got, [("line 2", "2", Some(2)), ("line 4", "4", Some(4))]);
    }

    /// Without a repeated key the strict parse is serde_json's own: every kind of value,
    /// negative, unsigned-64 and float numbers, escaped and non-ASCII strings, nesting.
    #[test]
    fn strict_json_equals_serde_jsons_parse() {
        let text = r#"{"neg": -3, "big": 18446744073709551615, "f": -0.5e-3, "s": "a\"b\u00e9",
            "t": "é", "z": null, "b": [true, false, [], {}], "o": {"k": [1, {"x": -9}]}}"#;
        let strict = strict_json(text.as_bytes()).expect("strict");
        let plain: Value = serde_json::from_str(text).expect("serde_json");
        assert_eq!(strict, plain);
        assert_eq!(strict["neg"], -3);
        assert_eq!(strict_json(b"null").expect("null"), Value::Null);
    }

    #[test]
    fn duplicate_keys_are_errors_and_a_bom_is_skipped() {
        let p = Path::new("f.json");
        let e = parse_json(p, br#"{"1": {"caption": "a"}, "1": {"caption": "b"}}"#)
            .expect_err("duplicate")
            .to_string();
        assert!(e.contains("duplicate key \"1\""), "{e}");
        let e = parse_json(p, br#"[{"caption": "a", "caption": "b"}]"#)
            .expect_err("nested duplicate")
            .to_string();
        assert!(e.contains("duplicate key \"caption\""), "{e}");
        let v = parse_json(p, b"\xEF\xBB\xBF{\"a\": [1, 2.5, null, true]}").expect("bom");
        assert_eq!(v, serde_json::json!({"a": [1, 2.5, null, true]}));
        let items =
            jsonl_items(p, b"\xEF\xBB\xBF{\"a\": 1}\n{\"a\": 1, \"a\": 2}\n").expect("jsonl");
        assert_eq!(
            items[0].value.as_ref().expect("first"),
            &serde_json::json!({"a": 1})
        );
        let e = items[1].value.as_ref().expect_err("duplicate");
        assert!(e.contains("duplicate key"), "{e}");
    }
}
