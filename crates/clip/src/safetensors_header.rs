//! Names the tensor and field when a safetensors header is inconsistent.
//!
//! The `safetensors` crate rejects a damaged header with messages such as "invalid shape, data
//! type, or offset for tensor" that do not say which of the file's tensors is wrong. When it
//! refuses a file, [`explain`] reads the header again (only the header: at most
//! [`MAX_HEADER`] bytes, never the data) and reports the first problem it finds, in the order of
//! the tensors' data offsets: the tensor's name, its dtype, shape and `data_offsets`, and what
//! they contradict.

use std::io::Read;
use std::path::Path;

/// The largest header read, as the `safetensors` crate allows (100 MB).
pub(crate) const MAX_HEADER: u64 = 100_000_000;

/// The first inconsistency of `path`'s header, or `None` when the header cannot be read (the
/// caller's own error then stands) or shows no problem this check knows.
pub(crate) fn explain(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let file_len = file.metadata().ok()?.len();
    let mut len = [0u8; 8];
    file.read_exact(&mut len).ok()?;
    let n = u64::from_le_bytes(len);
    if n > MAX_HEADER {
        return Some(format!(
            "the header claims {n} bytes (at most {MAX_HEADER} are allowed)"
        ));
    }
    if n > file_len.saturating_sub(8) {
        return Some(format!(
            "the header claims {n} bytes but the file holds only {} after its 8-byte length \
             (truncated download?)",
            file_len.saturating_sub(8)
        ));
    }
    let mut header = vec![0u8; n as usize];
    file.read_exact(&mut header).ok()?;
    problem(&header, file_len - 8 - n)
}

/// The first inconsistency of a header (`header`: its JSON bytes) whose data section holds
/// `data_len` bytes.
pub(crate) fn problem(header: &[u8], data_len: u64) -> Option<String> {
    let text = match std::str::from_utf8(header) {
        Ok(t) => t,
        Err(e) => {
            return Some(format!(
                "the header is not UTF-8 (byte {} of it)",
                e.valid_up_to()
            ))
        }
    };
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Some(format!("the header is not valid JSON: {e}")),
    };
    let Some(entries) = value.as_object() else {
        return Some("the header is not a JSON object".to_string());
    };
    let mut tensors = Vec::with_capacity(entries.len());
    for (name, info) in entries {
        if name == "__metadata__" {
            continue;
        }
        match tensor(name, info) {
            Ok(t) => tensors.push(t),
            Err(message) => return Some(message),
        }
    }
    tensors.sort_by_key(|t| (t.start, t.end));
    let mut end_prev: (u64, Option<&str>) = (0, None);
    for t in &tensors {
        if t.end < t.start {
            return Some(format!(
                "tensor `{}`: data_offsets [{}, {}] end before they start",
                t.name, t.start, t.end
            ));
        }
        if t.start != end_prev.0 {
            let after = match end_prev.1 {
                Some(prev) => format!("the previous tensor `{prev}` ends at {}", end_prev.0),
                None => "the data section starts at 0".to_string(),
            };
            let kind = if t.start < end_prev.0 {
                "overlap"
            } else {
                "gap"
            };
            return Some(format!(
                "tensor `{}`: data_offsets [{}, {}] start at byte {}, but {after} ({kind})",
                t.name, t.start, t.end, t.start
            ));
        }
        let bytes = t.bytes();
        if bytes != Some(t.end - t.start) {
            let need = match bytes {
                Some(b) => format!("need {b} bytes"),
                None => "do not make a whole number of bytes (or overflow)".to_string(),
            };
            return Some(format!(
                "tensor `{}`: dtype {} and shape {:?} {need}, but its data_offsets [{}, {}] hold \
                 {}",
                t.name,
                t.dtype,
                t.shape,
                t.start,
                t.end,
                t.end - t.start
            ));
        }
        end_prev = (t.end, Some(&t.name));
    }
    if end_prev.0 > data_len {
        let name = end_prev.1.unwrap_or_default();
        return Some(format!(
            "tensor `{name}` ends at byte {} of the data, but the file holds only {data_len} \
             data bytes (truncated download?)",
            end_prev.0
        ));
    }
    None
}

struct TensorInfo {
    name: String,
    dtype: String,
    bits: u64,
    shape: Vec<u64>,
    start: u64,
    end: u64,
}

impl TensorInfo {
    /// Bytes the dtype and shape need; `None` on overflow or a partial byte.
    fn bytes(&self) -> Option<u64> {
        let elements = self
            .shape
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))?;
        let bits = elements.checked_mul(self.bits)?;
        (bits % 8 == 0).then_some(bits / 8)
    }
}

/// One header entry, or the message naming the field that is missing or malformed.
fn tensor(name: &str, info: &serde_json::Value) -> Result<TensorInfo, String> {
    let field = |f: &str| {
        info.get(f)
            .ok_or_else(|| format!("tensor `{name}`: field `{f}` is missing"))
    };
    let dtype = field("dtype")?
        .as_str()
        .ok_or_else(|| format!("tensor `{name}`: field `dtype` is not a string"))?;
    let bits =
        dtype_bits(dtype).ok_or_else(|| format!("tensor `{name}`: unknown dtype `{dtype}`"))?;
    let numbers = |f: &str| -> Result<Vec<u64>, String> {
        field(f)?
            .as_array()
            .and_then(|a| a.iter().map(serde_json::Value::as_u64).collect())
            .ok_or_else(|| {
                format!("tensor `{name}`: field `{f}` is not a list of non-negative integers")
            })
    };
    let shape = numbers("shape")?;
    let offsets = numbers("data_offsets")?;
    let [start, end] = offsets[..] else {
        return Err(format!(
            "tensor `{name}`: field `data_offsets` has {} numbers, not 2",
            offsets.len()
        ));
    };
    Ok(TensorInfo {
        name: name.to_string(),
        dtype: dtype.to_string(),
        bits,
        shape,
        start,
        end,
    })
}

/// Bits per element of the safetensors dtypes.
fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" => 64,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(entries: &str) -> Vec<u8> {
        format!("{{\"__metadata__\":{{\"format\":\"pt\"}},{entries}}}").into_bytes()
    }

    #[test]
    fn a_consistent_header_shows_no_problem() {
        let h = header(
            r#""b":{"dtype":"F32","shape":[2,3],"data_offsets":[8,32]},
               "a":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}"#,
        );
        assert_eq!(problem(&h, 32), None);
    }

    #[test]
    fn size_gap_overlap_and_truncation_name_the_tensor() {
        let size = header(r#""w":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,8]}"#);
        let msg = problem(&size, 8).expect("test");
        assert!(
            msg.contains("tensor `w`") && msg.contains("need 4000000000000 bytes"),
            "{msg}"
        );
        let gap = header(
            r#""a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},
               "b":{"dtype":"U8","shape":[4],"data_offsets":[6,10]}"#,
        );
        let msg = problem(&gap, 10).expect("test");
        assert!(
            msg.contains("tensor `b`") && msg.contains("`a` ends at 4 (gap)"),
            "{msg}"
        );
        let overlap = header(
            r#""a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},
               "b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}"#,
        );
        assert!(problem(&overlap, 6).expect("test").contains("(overlap)"));
        let first = header(r#""a":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}"#);
        assert!(problem(&first, 6)
            .expect("test")
            .contains("starts at 0 (gap)"));
        let fine = header(r#""a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}"#);
        let msg = problem(&fine, 3).expect("test");
        assert!(
            msg.contains("tensor `a` ends at byte 4") && msg.contains("only 3"),
            "{msg}"
        );
        assert_eq!(problem(&fine, 4), None);
    }

    #[test]
    fn malformed_fields_are_named() {
        for (entry, expect) in [
            (
                r#""x":{"shape":[1],"data_offsets":[0,4]}"#,
                "field `dtype` is missing",
            ),
            (
                r#""x":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}"#,
                "unknown dtype `Q7`",
            ),
            (
                r#""x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}"#,
                "field `shape`",
            ),
            (
                r#""x":{"dtype":"F32","shape":[1],"data_offsets":[0]}"#,
                "has 1 numbers",
            ),
            (
                r#""x":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}"#,
                "end before",
            ),
            (
                r#""x":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}"#,
                "overflow",
            ),
            (
                r#""x":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}"#,
                "overflow",
            ),
        ] {
            let msg = problem(&header(entry), 100).expect("test");
            assert!(
                msg.contains("tensor `x`") && msg.contains(expect),
                "{entry}: {msg}"
            );
        }
        assert!(problem(b"[1,2]", 0)
            .expect("test")
            .contains("not a JSON object"));
        assert!(problem(b"{\"a\":", 0)
            .expect("test")
            .contains("not valid JSON"));
        assert!(problem(b"\xff", 0).expect("test").contains("not UTF-8"));
    }

    #[test]
    fn explain_reads_only_the_header_of_a_file() {
        let dir = std::env::temp_dir().join(format!("clipprobe-sthdr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("test");
        let path = dir.join("model.safetensors");
        let h = header(r#""t":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}"#);
        let mut bytes = (h.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(&h);
        bytes.extend_from_slice(&[0, 0]);
        std::fs::write(&path, &bytes).expect("test");
        let msg = explain(&path).expect("test");
        assert!(
            msg.contains("tensor `t` ends at byte 4") && msg.contains("only 2"),
            "{msg}"
        );
        bytes.extend_from_slice(&[0, 0]);
        std::fs::write(&path, &bytes).expect("test");
        assert_eq!(explain(&path), None);
        std::fs::write(&path, u64::MAX.to_le_bytes()).expect("test");
        assert!(explain(&path).expect("test").contains("at most 100000000"));
        let mut short = 50u64.to_le_bytes().to_vec();
        short.extend_from_slice(b"{}");
        std::fs::write(&path, &short).expect("test");
        assert!(explain(&path).expect("test").contains("only 2 after"));
        std::fs::remove_dir_all(&dir).expect("test");
    }
}
