//! Caption inputs: plain text, JSON Lines, COCO captions JSON, SugarCrepe JSON.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::formats;

/// One caption to generate negatives from.
#[derive(Debug, Clone, PartialEq)]
pub struct InputCaption {
    /// Unique id (the input's own id, else the 1-based line number).
    pub id: String,
    pub caption: String,
    /// Image path, carried unchanged into every negative of this caption.
    pub image: Option<String>,
    /// Other fields of a JSON Lines row, carried into [`crate::bench::BenchRecord::extra`].
    /// Fields whose names clash with the record's own get an `input_` prefix.
    pub extra: Map<String, Value>,
}

impl InputCaption {
    /// A caption with only an id.
    pub fn new(id: impl Into<String>, caption: impl Into<String>) -> Self {
        InputCaption {
            id: id.into(),
            caption: caption.into(),
            image: None,
            extra: Map::new(),
        }
    }
}

/// Input file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// One caption per line; blank lines skipped.
    Text,
    /// One JSON object per line: `caption`, optional `image` and `id`, other fields kept.
    Jsonl,
    /// COCO captions: `annotations` (`image_id`, `caption`, `id`) and `images` (`id`, `file_name`).
    Coco,
    /// SugarCrepe: an object keyed by id with `filename`, `caption`, `negative_caption`
    /// (only the positives are read).
    Sugarcrepe,
}

impl InputFormat {
    /// All formats.
    pub const ALL: [InputFormat; 4] = [
        InputFormat::Text,
        InputFormat::Jsonl,
        InputFormat::Coco,
        InputFormat::Sugarcrepe,
    ];

    /// The name used by `--format`.
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Text => "text",
            InputFormat::Jsonl => "jsonl",
            InputFormat::Coco => "coco",
            InputFormat::Sugarcrepe => "sugarcrepe",
        }
    }

    /// Parses a `--format` name.
    pub fn from_name(s: &str) -> Option<InputFormat> {
        InputFormat::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// Captions read from a file.
#[derive(Debug, Clone)]
pub struct InputSet {
    pub format: InputFormat,
    pub captions: Vec<InputCaption>,
    /// Blank lines skipped (text and JSON Lines).
    pub blank_lines: usize,
}

/// Names of [`crate::bench::BenchRecord`] fields; input fields so named are renamed `input_*`.
const RESERVED: [&str; 12] = [
    "schema_version",
    "id",
    "caption",
    "negative",
    "op",
    "depth",
    "edits",
    "image",
    "negative_image",
    "scoring",
    "alt_captions",
    "source",
];

/// Reads captions, detecting the format (by extension, then content) unless one is given.
/// Errors: unreadable file, bad UTF-8 or JSON (with line numbers), missing `caption`,
/// duplicate ids, no caption at all.
pub fn read_input(path: &Path, format: Option<InputFormat>) -> Result<InputSet> {
    let format = match format {
        Some(f) => f,
        None => detect(path)?,
    };
    let set = match format {
        InputFormat::Text => read_text(path)?,
        InputFormat::Jsonl => read_jsonl(path)?,
        InputFormat::Coco => read_coco(path, &formats::read_json(path)?)?,
        InputFormat::Sugarcrepe => read_sugarcrepe(path, &formats::read_json(path)?)?,
    };
    let file_err = |message: String| Error::File {
        path: path.to_path_buf(),
        message,
    };
    if set.captions.is_empty() {
        return Err(file_err(
            "no captions (the file is empty or has only blank lines)".into(),
        ));
    }
    // the first duplicate id in input order; hashed (a search tree of the id strings took a
    // serial ≈ 30 ms per 100,000 captions)
    let mut seen = crate::lexicon::FxHashMap::default();
    seen.reserve(set.captions.len());
    for (i, c) in set.captions.iter().enumerate() {
        if let Some(prev) = seen.insert(c.id.as_str(), i) {
            return Err(file_err(format!(
                "duplicate id {:?} (captions {} and {})",
                c.id,
                prev + 1,
                i + 1
            )));
        }
    }
    Ok(set)
}

fn detect(path: &Path) -> Result<InputFormat> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("txt") => return Ok(InputFormat::Text),
        Some("jsonl") => return Ok(InputFormat::Jsonl),
        _ => {}
    }
    let bytes = std::fs::read(path).map_err(|e| clipprobe_io::Error::io(path, e))?;
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Ok(InputFormat::Text);
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => {
            if m.get("caption").is_some_and(Value::is_string) {
                Ok(InputFormat::Jsonl)
            } else if m.contains_key("annotations") {
                Ok(InputFormat::Coco)
            } else if !m.is_empty() && m.values().all(|v| v.get("caption").is_some()) {
                Ok(InputFormat::Sugarcrepe)
            } else {
                Err(Error::File {
                    path: path.to_path_buf(),
                    message: "JSON object is neither COCO captions (`annotations`) nor SugarCrepe \
                              (`{id: {filename, caption, ...}}`); pass --format"
                        .into(),
                })
            }
        }
        _ => Ok(InputFormat::Jsonl),
    }
}

fn read_text(path: &Path) -> Result<InputSet> {
    let mut captions = Vec::new();
    let mut blank = 0;
    for (n, line) in formats::read_lines(path)? {
        let t = line.trim();
        if t.is_empty() {
            blank += 1;
        } else {
            captions.push(InputCaption::new(n.to_string(), t));
        }
    }
    Ok(InputSet {
        format: InputFormat::Text,
        captions,
        blank_lines: blank,
    })
}

fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn read_jsonl(path: &Path) -> Result<InputSet> {
    let mut captions = Vec::new();
    let mut blank = 0;
    for (n, line) in formats::read_lines(path)? {
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        let bad = |message: String| Error::Line {
            path: path.to_path_buf(),
            line: n,
            message,
        };
        let Value::Object(mut m) = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?
        else {
            return Err(bad("expected a JSON object".into()));
        };
        let caption = match m.remove("caption") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            _ => return Err(bad("missing or empty string field `caption`".into())),
        };
        let id = match m.remove("id") {
            None | Some(Value::Null) => n.to_string(),
            Some(v) => id_of(&v).ok_or_else(|| bad("`id` must be a string or a number".into()))?,
        };
        let image = match m.remove("image") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err(bad("`image` must be a string".into())),
        };
        let mut extra = Map::new();
        for (k, v) in m {
            if RESERVED.contains(&k.as_str()) {
                extra.insert(format!("input_{k}"), v);
            } else {
                extra.insert(k, v);
            }
        }
        captions.push(InputCaption {
            id,
            caption,
            image,
            extra,
        });
    }
    Ok(InputSet {
        format: InputFormat::Jsonl,
        captions,
        blank_lines: blank,
    })
}

fn read_coco(path: &Path, v: &Value) -> Result<InputSet> {
    let bad = |message: String| Error::File {
        path: path.to_path_buf(),
        message,
    };
    let anns = v
        .get("annotations")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("COCO captions need an `annotations` array".into()))?;
    let mut files = BTreeMap::new();
    for img in v
        .get("images")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(id), Some(f)) = (
            img.get("id").and_then(id_of),
            img.get("file_name").and_then(Value::as_str),
        ) {
            files.insert(id, f.to_string());
        }
    }
    let mut captions = Vec::new();
    for (i, a) in anns.iter().enumerate() {
        let caption = a
            .get("caption")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad(format!("annotation {i}: missing or empty `caption`")))?;
        let image = a
            .get("image_id")
            .and_then(id_of)
            .and_then(|id| files.get(&id).cloned());
        let id = a.get("id").and_then(id_of).unwrap_or_else(|| i.to_string());
        let mut extra = Map::new();
        if let Some(iid) = a.get("image_id") {
            extra.insert("image_id".into(), iid.clone());
        }
        captions.push(InputCaption {
            id,
            caption: caption.to_string(),
            image,
            extra,
        });
    }
    Ok(InputSet {
        format: InputFormat::Coco,
        captions,
        blank_lines: 0,
    })
}

fn read_sugarcrepe(path: &Path, v: &Value) -> Result<InputSet> {
    let bad = |message: String| Error::File {
        path: path.to_path_buf(),
        message,
    };
    let m = v
        .as_object()
        .ok_or_else(|| bad("SugarCrepe JSON must be an object keyed by id".into()))?;
    let mut captions = Vec::new();
    for (k, row) in m {
        let caption = row
            .get("caption")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad(format!("entry {k:?}: missing or empty `caption`")))?;
        captions.push(InputCaption {
            id: k.clone(),
            caption: caption.to_string(),
            image: row
                .get("filename")
                .and_then(Value::as_str)
                .map(String::from),
            extra: Map::new(),
        });
    }
    Ok(InputSet {
        format: InputFormat::Sugarcrepe,
        captions,
        blank_lines: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, body: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let d = tempfile::tempdir().expect("tempdir");
        let p = d.path().join(name);
        std::fs::write(&p, body).expect("write");
        (d, p)
    }

    #[test]
    fn formats_are_detected_and_read() {
        let (_d, p) = write("c.txt", b"a dog\n\n a cat \n");
        let s = read_input(&p, None).expect("text");
        assert_eq!(s.format, InputFormat::Text);
        assert_eq!(s.blank_lines, 1);
        assert_eq!(s.captions[1], InputCaption::new("3", "a cat"));

        let (_d, p) = write(
            "c.data",
            br#"{"caption":"a dog","image":"x.jpg","split":"val","op":"k"}"#,
        );
        let s = read_input(&p, None).expect("jsonl");
        assert_eq!(s.format, InputFormat::Jsonl);
        let c = &s.captions[0];
        assert_eq!((c.id.as_str(), c.image.as_deref()), ("1", Some("x.jpg")));
        assert_eq!(c.extra.get("split"), Some(&Value::from("val")));
        assert_eq!(c.extra.get("input_op"), Some(&Value::from("k")));

        let coco = br#"{"images":[{"id":7,"file_name":"a.jpg"}],"annotations":[{"id":3,"image_id":7,"caption":"a cat "}]}"#;
        let (_d, p) = write("c.json", coco);
        let s = read_input(&p, None).expect("coco");
        assert_eq!(s.format, InputFormat::Coco);
        assert_eq!(s.captions[0].id, "3");
        assert_eq!(s.captions[0].image.as_deref(), Some("a.jpg"));
        assert_eq!(s.captions[0].caption, "a cat");

        let sc =
            br#"{"0":{"filename":"b.jpg","caption":"a red car","negative_caption":"a blue car"}}"#;
        let (_d, p) = write("c.json", sc);
        let s = read_input(&p, None).expect("sugarcrepe");
        assert_eq!(s.format, InputFormat::Sugarcrepe);
        assert_eq!(s.captions[0].caption, "a red car");
        assert_eq!(s.captions[0].image.as_deref(), Some("b.jpg"));
    }

    #[test]
    fn bad_inputs_have_clear_errors() {
        let (_d, p) = write("c.txt", b"");
        assert!(read_input(&p, None)
            .expect_err("empty")
            .to_string()
            .contains("no captions"));
        let (_d, p) = write("c.jsonl", b"{\"caption\":\"a\"}\n{\"text\":\"b\"}\n");
        let e = read_input(&p, None).expect_err("missing").to_string();
        assert!(e.contains(":2:") && e.contains("caption"), "{e}");
        let (_d, p) = write(
            "c.jsonl",
            b"{\"caption\":\"a\",\"id\":1}\n{\"caption\":\"b\",\"id\":\"1\"}\n",
        );
        assert!(read_input(&p, None)
            .expect_err("dup")
            .to_string()
            .contains("duplicate id"));
        let (_d, p) = write("c.json", b"{\"x\": 1}");
        assert!(read_input(&p, None)
            .expect_err("shape")
            .to_string()
            .contains("--format"));
    }
}
