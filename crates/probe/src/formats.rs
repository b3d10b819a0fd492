//! File formats and safe writing, in one place: caption files, JSON / JSON Lines, `.npy`.
//!
//! Every writer goes through [`write_atomic`]: the bytes go to a temporary file in the target's
//! directory, which is renamed over the target only once complete, so a failed or killed run
//! never leaves a partial output file.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes a file atomically: `fill` writes into a temporary file beside `path`, which is then
/// flushed, synced and renamed to `path`. On any error the temporary file is removed and
/// `path` is left as it was.
pub fn write_atomic<F>(path: &Path, fill: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Error::File {
            path: path.to_path_buf(),
            message: format!("output folder {} does not exist", dir.display()),
        });
    }
    let tmp = tempfile::Builder::new()
        .prefix(".clipprobe-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(&dir, e))?;
    let mut w = BufWriter::new(tmp);
    fill(&mut w).map_err(|e| Error::io(path, e))?;
    let tmp = w
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Reads a UTF-8 text file as lines (1-based line numbers, `\r\n` accepted, the final newline
/// optional). A line that is not valid UTF-8 is an error naming the file and line.
pub fn read_lines(path: &Path) -> Result<Vec<(usize, String)>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    if bytes.is_empty() {
        return Ok(out);
    }
    let body = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
    for (i, raw) in body.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = std::str::from_utf8(raw).map_err(|e| Error::Line {
            path: path.to_path_buf(),
            line: i + 1,
            message: format!("not valid UTF-8 (byte {} of the line)", e.valid_up_to() + 1),
        })?;
        out.push((i + 1, line.to_string()));
    }
    Ok(out)
}

/// Reads a caption file: one caption per line, blank lines skipped (their numbers are
/// returned so callers can report them). Errors if no caption is left.
pub fn read_captions(path: &Path) -> Result<Captions> {
    let mut captions = Vec::new();
    let mut blank_lines = Vec::new();
    for (n, line) in read_lines(path)? {
        let t = line.trim();
        if t.is_empty() {
            blank_lines.push(n);
        } else {
            captions.push((n, t.to_string()));
        }
    }
    if captions.is_empty() {
        return Err(Error::File {
            path: path.to_path_buf(),
            message: "no captions (the file is empty or has only blank lines)".into(),
        });
    }
    Ok(Captions {
        captions,
        blank_lines,
    })
}

/// Captions read by [`read_captions`].
#[derive(Debug, Clone)]
pub struct Captions {
    /// (1-based line number, trimmed caption), in file order.
    pub captions: Vec<(usize, String)>,
    /// Line numbers of blank lines that were skipped.
    pub blank_lines: Vec<usize>,
}

/// Writes pretty JSON atomically, with a trailing newline.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::File {
        path: path.to_path_buf(),
        message: format!("cannot serialise: {e}"),
    })?;
    write_atomic(path, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })
}

/// Writes JSON Lines atomically: one compact JSON value per line.
pub fn write_jsonl<T: serde::Serialize>(path: &Path, rows: &[T]) -> Result<()> {
    let mut buf = Vec::new();
    for r in rows {
        serde_json::to_writer(&mut buf, r).map_err(|e| Error::File {
            path: path.to_path_buf(),
            message: format!("cannot serialise: {e}"),
        })?;
        buf.push(b'\n');
    }
    write_atomic(path, |w| w.write_all(&buf))
}

/// Reads JSON Lines into `T`, skipping blank lines; a bad line is an error naming its number.
pub fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<(usize, T)>> {
    let mut out = Vec::new();
    for (n, line) in read_lines(path)? {
        if line.trim().is_empty() {
            continue;
        }
        let v = serde_json::from_str(&line).map_err(|e| Error::Line {
            path: path.to_path_buf(),
            line: n,
            message: e.to_string(),
        })?;
        out.push((n, v));
    }
    Ok(out)
}

/// Reads a whole JSON file into `T`.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Writes a row-major `[rows, cols]` float32 matrix as a NumPy `.npy` file (format 1.0,
/// little-endian `<f4`, C order), atomically.
pub fn write_npy_f32(path: &Path, rows: usize, cols: usize, data: &[f32]) -> Result<()> {
    if data.len() != rows * cols {
        return Err(Error::Input(format!(
            "npy {}: {} values for shape [{rows}, {cols}]",
            path.display(),
            data.len()
        )));
    }
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // magic (6) + version (2) + header length (2) + header + '\n' is a multiple of 64
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let hlen =
        u16::try_from(header.len()).map_err(|_| Error::Input("npy header too long".into()))?;
    write_atomic(path, |w| {
        w.write_all(b"\x93NUMPY\x01\x00")?;
        w.write_all(&hlen.to_le_bytes())?;
        w.write_all(header.as_bytes())?;
        for v in data {
            w.write_all(&v.to_le_bytes())?;
        }
        Ok(())
    })
}

/// Reads a 2-D little-endian float32 `.npy` file (as written by [`write_npy_f32`] or NumPy).
/// Returns `(rows, cols, data)`.
pub fn read_npy_f32(path: &Path) -> Result<(usize, usize, Vec<f32>)> {
    let bad = |m: &str| Error::File {
        path: path.to_path_buf(),
        message: format!("not a 2-D float32 .npy file: {m}"),
    };
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("bad magic"));
    }
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        _ => return Err(bad("unsupported version")),
    };
    let header = bytes
        .get(start..start + hlen)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| bad("truncated header"))?;
    if !header.contains("'<f4'") || header.contains("'fortran_order': True") {
        return Err(bad("dtype must be '<f4' in C order"));
    }
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("no shape"))?;
    let dims: Vec<usize> = shape
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| bad("bad shape")))
        .collect::<Result<_>>()?;
    let (rows, cols) = match dims.as_slice() {
        [r, c] => (*r, *c),
        _ => return Err(bad("shape is not 2-D")),
    };
    let body = &bytes[start + hlen..];
    if body.len() != rows * cols * 4 {
        return Err(bad("data length does not match the shape"));
    }
    let data = body
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok((rows, cols, data))
}

/// SHA-256 of bytes, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_round_trip_and_header_alignment() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("a.npy");
        let data: Vec<f32> = (0..6).map(|i| i as f32 * 0.5 - 1.0).collect();
        write_npy_f32(&p, 2, 3, &data).expect("write");
        let bytes = std::fs::read(&p).expect("read");
        let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + hlen) % 64, 0);
        assert_eq!(read_npy_f32(&p).expect("read back"), (2, 3, data));
    }

    #[test]
    fn non_utf8_line_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("c.txt");
        std::fs::write(&p, b"a cat\r\nok\n\xff bad\n").expect("write");
        let err = read_lines(&p).expect_err("must fail").to_string();
        assert!(err.contains(":3:"), "{err}");
    }

    #[test]
    fn blank_only_caption_file_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("c.txt");
        std::fs::write(&p, "\n  \n").expect("write");
        assert!(read_captions(&p).is_err());
    }

    #[test]
    fn failed_atomic_write_leaves_no_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("out.json");
        let r = write_atomic(&p, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(r.is_err());
        assert!(!p.exists());
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 0);
    }
}

/// One CSV record (RFC 4180): fields joined by `,`, a field quoted (with `"` doubled) when it
/// holds a comma, quote, CR or LF; ends with `\n`.
pub fn csv_line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut out = String::new();
    for (i, f) in fields.iter().enumerate() {
        let f = f.as_ref();
        if i > 0 {
            out.push(',');
        }
        if f.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push('\n');
    out
}
