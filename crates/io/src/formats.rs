//! File formats and safe writing, in one place: caption files, JSON / JSON Lines, `.npy`.
//!
//! Every writer goes through an [`OutputSet`]: each file's bytes go to a temporary file in its
//! target's folder; only when every file of the set is complete are they renamed over their
//! targets, so a failed or killed run leaves the previous set of outputs as it was (never a new
//! `.npy` beside an old sidecar, or a new `report.json` beside an old `report.html`).
//! [`write_atomic`] is the one-file set.
//!
//! - Files are created with mode `0666` minus the user's umask (`0644` by default), like any
//!   other program's output.
//! - Temporaries are named `.<target>.<pid>.clipprobe.tmp` and locked while written; one left
//!   by a killed run (its lock gone with the process) is removed the next time the same target
//!   is written.
//! - [`check_output`] checks an output location before any work is done.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, OutputProblem, Result};

const TMP_SUFFIX: &str = ".clipprobe.tmp";

/// Checks that `path` can be an output file: its folder exists and is a folder, and `path`
/// itself is not a folder. Call it before doing the work whose result goes there.
pub fn check_output(path: &Path) -> Result<()> {
    let dir = parent_dir(path);
    let refuse = |problem| Error::Output {
        path: path.to_path_buf(),
        problem,
    };
    if !dir.is_dir() {
        return Err(refuse(if dir.exists() {
            OutputProblem::ParentNotFolder(dir)
        } else {
            OutputProblem::NoFolder(dir)
        }));
    }
    if path.is_dir() {
        return Err(refuse(OutputProblem::IsFolder));
    }
    if path.file_name().is_none() {
        return Err(refuse(OutputProblem::NoFileName));
    }
    Ok(())
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Removes temporaries of `target` left by killed runs: those whose lock can be taken.
fn remove_stale_temporaries(target: &Path) {
    let (Some(name), dir) = (target.file_name(), parent_dir(target)) else {
        return;
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if !(n.starts_with(&prefix) && n.ends_with(TMP_SUFFIX)) {
            continue;
        }
        let p = e.path();
        if let Ok(f) = OpenOptions::new().write(true).open(&p) {
            if f.try_lock().is_ok() {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
}

/// Files written together: staged one by one into temporaries, then all renamed into place
/// by [`OutputSet::commit`], or none. Dropping a set that was not committed removes its
/// temporaries.
///
/// Each temporary is flushed to the disk (`fsync`) on a thread of its own, in steps while it is
/// written and in full once it is complete, so the caller goes on working meanwhile
/// (`negatives` computes its audit while its 100 MB of rows reach the disk: docs/performance.md,
/// "Speed pass 7"); [`OutputSet::commit`] waits for every flush before it renames anything, so a
/// renamed file is always on the disk.
#[derive(Debug, Default)]
pub struct OutputSet {
    staged: Vec<Staged>,
}

/// One staged file: (temporary, target, the locked temporary, its flush to the disk).
type Staged = (PathBuf, PathBuf, File, Flush);

/// Bytes written to a temporary between two early flushes ([`Flush`]).
const FLUSH_EVERY: u64 = 16 << 20;

/// A temporary's flush to the disk (`fsync`) on a thread of its own. While the file is written,
/// the writer asks the thread to flush what it has every [`FLUSH_EVERY`] bytes, so that most of
/// a large file is on the disk by the time it is complete; the thread ends with a full flush once
/// the file is written. The thread holds a second handle of the file; its outcome is the first
/// error of any of its flushes (a failed early flush is not reported again by a later one).
#[derive(Debug)]
enum Flush {
    Running {
        ask: Option<std::sync::mpsc::SyncSender<()>>,
        /// Ends with the number of early flushes it made.
        thread: std::thread::JoinHandle<std::io::Result<usize>>,
    },
    /// Flushed on the caller's thread (no second handle or thread to be had), with its outcome.
    Done(Option<std::io::Error>),
}

impl Flush {
    fn start(file: &File) -> Flush {
        let Ok(handle) = file.try_clone() else {
            return Flush::Done(None);
        };
        let (ask, asked) = std::sync::mpsc::sync_channel::<()>(1);
        let spawned = std::thread::Builder::new()
            .name("clipprobe-fsync".into())
            .spawn(move || {
                let (mut first, mut early) = (None, 0);
                for () in asked {
                    early += 1;
                    if let Err(e) = handle.sync_data() {
                        first.get_or_insert(e);
                    }
                }
                match (first, handle.sync_all()) {
                    (Some(e), _) | (None, Err(e)) => Err(e),
                    (None, Ok(())) => Ok(early),
                }
            });
        match spawned {
            Ok(thread) => Flush::Running {
                ask: Some(ask),
                thread,
            },
            Err(_) => Flush::Done(None),
        }
    }

    /// The file is written: the last flush begins (on the caller's thread when there is no
    /// flushing thread).
    fn written(&mut self, file: &File) {
        match self {
            Flush::Running { ask, .. } => drop(ask.take()),
            Flush::Done(outcome) => *outcome = file.sync_all().err(),
        }
    }

    /// Waits for the flush to end, with its outcome: the number of early flushes.
    fn wait(self) -> std::io::Result<usize> {
        match self {
            Flush::Running { ask, thread } => {
                drop(ask);
                thread.join().unwrap_or_else(|_| {
                    Err(std::io::Error::other(
                        "the thread flushing it to the disk failed",
                    ))
                })
            }
            Flush::Done(None) => Ok(0),
            Flush::Done(Some(e)) => Err(e),
        }
    }
}

/// The writer [`OutputSet::stage`] fills: the temporary, asking its [`Flush`] for an early
/// flush every [`FLUSH_EVERY`] bytes.
struct Writeback<'a> {
    file: &'a File,
    flush: &'a Flush,
    since: u64,
}

impl Write for Writeback<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = (&mut &*self.file).write(buf)?;
        self.since += n as u64;
        if self.since >= FLUSH_EVERY {
            self.since = 0;
            if let Flush::Running { ask: Some(ask), .. } = self.flush {
                // a flush already asked for and not begun covers these bytes too
                let _ = ask.try_send(());
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // a `File` keeps no buffer of its own
        Ok(())
    }
}

impl OutputSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `path`'s new content to a temporary beside it; `path` itself is not touched
    /// until [`OutputSet::commit`].
    pub fn stage<F>(&mut self, path: &Path, fill: F) -> Result<()>
    where
        F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
    {
        check_output(path)?;
        remove_stale_temporaries(path);
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let tmp = parent_dir(path).join(format!(
            ".{}.{}{TMP_SUFFIX}",
            name.unwrap_or_default(),
            std::process::id()
        ));
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| Error::io(&tmp, e))?;
        // locked until the set is committed or dropped: a later run can tell it is not stale
        let _ = file.try_lock();
        let mut flush = Flush::start(&file);
        let written = (|| {
            let mut w = BufWriter::new(Writeback {
                file: &file,
                flush: &flush,
                since: 0,
            });
            fill(&mut w)?;
            w.flush()
        })();
        if let Err(e) = written {
            let _ = flush.wait();
            drop(file);
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::io(path, e));
        }
        flush.written(&file);
        self.staged.push((tmp, path.to_path_buf(), file, flush));
        Ok(())
    }

    /// Stages `bytes` as `path`'s new content.
    pub fn stage_bytes(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        self.stage(path, |w| w.write_all(bytes))
    }

    /// Renames every staged file over its target. If one rename fails, the targets already
    /// replaced are put back as they were (from hard-link backups taken first), so the set is
    /// replaced whole or not at all.
    pub fn commit(mut self) -> Result<()> {
        // every temporary on the disk before any is renamed (a failed flush: `Drop` removes
        // the temporaries)
        for (_, target, _, flush) in &mut self.staged {
            let f = std::mem::replace(flush, Flush::Done(None));
            f.wait().map_err(|e| Error::io(&*target, e))?;
        }
        let staged = &self.staged;
        for (_, target, _, _) in staged {
            check_output(target)?;
        }
        // back up each existing target (a hard link: no copy, and the old bytes stay reachable)
        let mut backups: Vec<Option<PathBuf>> = Vec::with_capacity(staged.len());
        let cleanup = |staged: &[Staged], backups: &[Option<PathBuf>]| {
            for (tmp, _, _, _) in staged {
                let _ = std::fs::remove_file(tmp);
            }
            for b in backups.iter().flatten() {
                let _ = std::fs::remove_file(b);
            }
        };
        for (tmp, target, _, _) in staged {
            if !target.exists() {
                backups.push(None);
                continue;
            }
            let b = PathBuf::from(
                tmp.display()
                    .to_string()
                    .replace(TMP_SUFFIX, &format!(".bak{TMP_SUFFIX}")),
            );
            let _ = std::fs::remove_file(&b);
            if let Err(e) = std::fs::hard_link(target, &b) {
                cleanup(staged, &backups);
                return Err(Error::io(target, e));
            }
            backups.push(Some(b));
        }
        for (i, (tmp, target, _, _)) in staged.iter().enumerate() {
            if let Err(e) = std::fs::rename(tmp, target) {
                // put back what was already replaced
                for ((_, t, _, _), b) in staged[..i].iter().zip(&backups) {
                    match b {
                        Some(b) => {
                            let _ = std::fs::rename(b, t);
                        }
                        None => {
                            let _ = std::fs::remove_file(t);
                        }
                    }
                }
                cleanup(staged, &backups);
                return Err(Error::io(target, e));
            }
        }
        cleanup(&[], &backups);
        self.staged.clear();
        Ok(())
    }
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        for (tmp, _, file, flush) in self.staged.drain(..) {
            // the flushing thread holds a handle of the file: its end first
            let _ = flush.wait();
            drop(file);
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Writes one file atomically: `fill` writes into a temporary file beside `path`, which is then
/// flushed, synced and renamed to `path`. On any error the temporary file is removed and
/// `path` is left as it was.
pub fn write_atomic<F>(path: &Path, fill: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let mut set = OutputSet::new();
    set.stage(path, fill)?;
    set.commit()
}

/// `bytes` without a leading UTF-8 byte-order mark (`EF BB BF`), which some editors write and
/// which would otherwise become part of the first caption or key.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Reads a UTF-8 text file as lines (1-based line numbers, `\r\n` accepted, the final newline
/// optional, a leading byte-order mark skipped). A line that is not valid UTF-8 is an error
/// naming the file and line.
pub fn read_lines(path: &Path) -> Result<Vec<(usize, String)>> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bytes = strip_bom(&raw);
    let mut out = Vec::new();
    if bytes.is_empty() {
        return Ok(out);
    }
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    for (i, raw) in body.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = std::str::from_utf8(raw).map_err(|e| Error::NotUtf8 {
            path: path.to_path_buf(),
            line: i + 1,
            byte: e.valid_up_to() + 1,
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
        return Err(Error::NoCaptions {
            path: path.to_path_buf(),
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
    let mut set = OutputSet::new();
    stage_json(&mut set, path, value)?;
    set.commit()
}

/// Stages pretty JSON with a trailing newline into `set`.
pub fn stage_json<T: serde::Serialize>(set: &mut OutputSet, path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|source| Error::Serialize {
        path: path.to_path_buf(),
        source,
    })?;
    set.stage(path, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })
}

/// Writes JSON Lines atomically: one compact JSON value per line.
pub fn write_jsonl<T: serde::Serialize>(path: &Path, rows: &[T]) -> Result<()> {
    let mut set = OutputSet::new();
    stage_jsonl(&mut set, path, rows)?;
    set.commit()
}

/// Stages JSON Lines (see [`write_jsonl`]) into `set`.
pub fn stage_jsonl<T: serde::Serialize>(
    set: &mut OutputSet,
    path: &Path,
    rows: &[T],
) -> Result<()> {
    let mut buf = Vec::new();
    for r in rows {
        serde_json::to_writer(&mut buf, r).map_err(|source| Error::Serialize {
            path: path.to_path_buf(),
            source,
        })?;
        buf.push(b'\n');
    }
    set.stage_bytes(path, &buf)
}

/// Reads JSON Lines into `T`, skipping blank lines; a bad line is an error naming its number.
pub fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<(usize, T)>> {
    let mut out = Vec::new();
    for (n, line) in read_lines(path)? {
        if line.trim().is_empty() {
            continue;
        }
        let v = serde_json::from_str(&line).map_err(|source| Error::JsonLine {
            path: path.to_path_buf(),
            line: n,
            source,
        })?;
        out.push((n, v));
    }
    Ok(out)
}

/// Reads a whole JSON file into `T`.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|source| Error::Json {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a row-major `[rows, cols]` float32 matrix as a NumPy `.npy` file (format 1.0,
/// little-endian `<f4`, C order), atomically.
pub fn write_npy_f32(path: &Path, rows: usize, cols: usize, data: &[f32]) -> Result<()> {
    let mut set = OutputSet::new();
    stage_npy_f32(&mut set, path, rows, cols, data)?;
    set.commit()
}

/// Stages a `.npy` file (see [`write_npy_f32`]) into `set`.
pub fn stage_npy_f32(
    set: &mut OutputSet,
    path: &Path,
    rows: usize,
    cols: usize,
    data: &[f32],
) -> Result<()> {
    if data.len() != rows * cols {
        return Err(Error::NpyShape {
            path: path.to_path_buf(),
            rows,
            cols,
            values: data.len(),
        });
    }
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // magic (6) + version (2) + header length (2) + header + '\n' is a multiple of 64
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let hlen = u16::try_from(header.len()).map_err(|_| Error::NpyHeader {
        path: path.to_path_buf(),
        rows,
        cols,
    })?;
    set.stage(path, |w| {
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
    let bad = |reason| Error::Npy {
        path: path.to_path_buf(),
        reason,
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
    // the text after `'key':` in the header's dict literal
    let value = |key: &str| {
        header
            .split_once(&format!("'{key}':"))
            .map(|(_, rest)| rest.trim_start())
    };
    let f4 = value("descr").is_some_and(|v| v.starts_with("'<f4'"));
    let c_order = value("fortran_order").is_some_and(|v| v.starts_with("False"));
    if !(f4 && c_order) {
        return Err(bad("dtype must be '<f4' in C order"));
    }
    let shape = value("shape")
        .and_then(|v| v.strip_prefix('('))
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
    // checked: a hostile shape must not wrap around to the length of a short body
    if rows.checked_mul(cols).and_then(|n| n.checked_mul(4)) != Some(body.len()) {
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

/// SHA-256 of a file as lowercase hex, streamed (the file is never held in memory whole).
pub fn sha256_file(path: &Path) -> Result<String> {
    use sha2::Digest;
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = sha2::Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(|e| Error::io(path, e))?;
    Ok(hex::encode(h.finalize()))
}

/// Why [`copy_capped`] stopped.
#[derive(Debug)]
pub enum CopyError {
    /// Reading the source failed (a cut or unreadable body) when the total was `.0`.
    Read(u64, std::io::Error),
    /// Writing the destination failed.
    Write(std::io::Error),
    /// The source holds more than the limit; the chunk that went past it was not written.
    TooLong,
}

/// Streams an untrusted body (an HTTP download) from `from` into `to`, feeding `hasher` when
/// given and calling `progress` with the running total, which starts at `start` (bytes already
/// there when resuming). Stops with [`CopyError::TooLong`] as soon as the total would pass
/// `limit`, before writing the offending bytes. Returns the final total.
pub fn copy_capped(
    from: &mut impl std::io::Read,
    to: &mut impl std::io::Write,
    mut hasher: Option<&mut sha2::Sha256>,
    start: u64,
    limit: u64,
    mut progress: impl FnMut(u64),
) -> std::result::Result<u64, CopyError> {
    use sha2::Digest;
    let mut buf = vec![0u8; 1 << 16];
    let mut total = start;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(total, e)),
        };
        total += n as u64;
        if total > limit {
            return Err(CopyError::TooLong);
        }
        to.write_all(&buf[..n]).map_err(CopyError::Write)?;
        if let Some(h) = hasher.as_deref_mut() {
            h.update(&buf[..n]);
        }
        progress(total);
    }
}

/// Whether a path taken from an untrusted file is a plain relative path that stays inside the
/// folder it is joined onto: not empty, no root, drive prefix or `..` component.
pub fn is_plain_relative(path: &str) -> bool {
    use std::path::Component;
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_capped_counts_hashes_and_stops_past_the_limit() {
        use sha2::Digest;
        let body = vec![7u8; 200_000];
        let mut out = Vec::new();
        let mut h = sha2::Sha256::new();
        let mut seen = Vec::new();
        let n = copy_capped(&mut &body[..], &mut out, Some(&mut h), 5, 200_005, |t| {
            seen.push(t)
        })
        .expect("within the limit");
        assert_eq!(n, 200_005);
        assert_eq!(out, body);
        assert_eq!(h.finalize()[..], sha2::Sha256::digest(&body)[..]);
        assert_eq!(seen.last(), Some(&200_005));
        // one byte over: refused, and the chunk that crossed the limit is not written
        let mut out = Vec::new();
        let r = copy_capped(&mut &body[..], &mut out, None, 0, 199_999, |_| {});
        assert!(matches!(r, Err(CopyError::TooLong)));
        assert!(out.len() < body.len() && out.len() % (1 << 16) == 0);
    }

    #[test]
    fn plain_relative_paths_stay_inside() {
        for ok in ["a.jpg", "sub/a.jpg", "./a.jpg", "a..b.jpg", "..a/b"] {
            assert!(is_plain_relative(ok), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../a.jpg", "sub/../../a", "a/.."] {
            assert!(!is_plain_relative(bad), "{bad}");
        }
    }

    #[test]
    fn sha256_file_streams_the_same_digest() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("x.bin");
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, &bytes).expect("write");
        assert_eq!(sha256_file(&p).expect("hash"), sha256_hex(&bytes));
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let e = sha256_file(&dir.path().join("missing")).expect_err("missing");
        assert!(e.to_string().contains("missing"), "{e}");
    }

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

    /// Byte for byte what NumPy 2.4.6 writes for
    /// `np.save(f, np.arange(6, dtype='<f4').reshape(2, 3) * 0.5 - 1)`: 152 bytes, the header
    /// padded with the fewest spaces that make the data start at byte 128.
    #[test]
    fn npy_bytes_are_numpys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("a.npy");
        let data: Vec<f32> = (0..6).map(|i| i as f32 * 0.5 - 1.0).collect();
        write_npy_f32(&p, 2, 3, &data).expect("write");
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        let numpy = [
            &b"\x93NUMPY\x01\x00\x76\x00"[..],
            dict.as_bytes(),
            " ".repeat(58).as_bytes(),
            b"\n",
            &hex::decode("000080bf000000bf000000000000003f0000803f0000c03f").expect("hex"),
        ]
        .concat();
        assert_eq!(numpy.len(), 152);
        assert_eq!(std::fs::read(&p).expect("read"), numpy);
    }

    /// Hostile `.npy` files: each is refused with its reason (never a panic on a short file),
    /// and the format 2.0 header (a 4-byte length) is read.
    #[test]
    fn hostile_npy_files_are_refused_with_their_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.npy");
        let read = |bytes: &[u8]| {
            std::fs::write(&p, bytes).expect("write");
            match read_npy_f32(&p) {
                Err(Error::Npy { reason, .. }) => Err(reason),
                Err(other) => panic!("{other}"),
                Ok(v) => Ok(v),
            }
        };
        let file = |version: u8, header: &str, body: &[u8]| {
            let mut b = b"\x93NUMPY".to_vec();
            b.extend_from_slice(&[version, 0]);
            match version {
                1 => b.extend_from_slice(&(header.len() as u16).to_le_bytes()),
                _ => b.extend_from_slice(&(header.len() as u32).to_le_bytes()),
            }
            b.extend_from_slice(header.as_bytes());
            b.extend_from_slice(body);
            b
        };
        let f4 = |shape: &str| {
            format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}\n")
        };
        let one = 1.5f32.to_le_bytes();
        assert_eq!(read(b"\x93NUM"), Err("bad magic"));
        assert_eq!(read(b"\x93NUMPX\x01\x00\x00\x00"), Err("bad magic"));
        // ten bytes: a complete magic and an empty version-1 header
        assert_eq!(
            read(b"\x93NUMPY\x01\x00\x00\x00"),
            Err("dtype must be '<f4' in C order")
        );
        assert_eq!(
            read(b"\x93NUMPY\x02\x00\x00\x00\x00"),
            Err("unsupported version")
        );
        assert_eq!(
            read(&file(4, &f4("(1, 1)"), &one)),
            Err("unsupported version")
        );
        assert_eq!(read(&file(2, &f4("(1, 1)"), &one)), Ok((1, 1, vec![1.5])));
        assert_eq!(read(&file(3, &f4("(1, 1)"), &one)), Ok((1, 1, vec![1.5])));
        let cut = file(1, &f4("(1, 1)"), b"");
        assert_eq!(read(&cut[..cut.len() - 5]), Err("truncated header"));
        let f8 = f4("(1, 1)").replace("<f4", "<f8");
        assert_eq!(
            read(&file(1, &f8, &[0; 8])),
            Err("dtype must be '<f4' in C order")
        );
        let fortran = f4("(1, 1)").replace("False", "True");
        assert_eq!(
            read(&file(1, &fortran, &one)),
            Err("dtype must be '<f4' in C order")
        );
        let no_shape = "{'descr': '<f4', 'fortran_order': False}\n";
        assert_eq!(read(&file(1, no_shape, &one)), Err("no shape"));
        assert_eq!(read(&file(1, &f4("(1, x)"), &one)), Err("bad shape"));
        assert_eq!(read(&file(1, &f4("(1,)"), &one)), Err("shape is not 2-D"));
        assert_eq!(
            read(&file(1, &f4("(1, 1, 1)"), &one)),
            Err("shape is not 2-D")
        );
        assert_eq!(
            read(&file(1, &f4("(1, 2)"), &one)),
            Err("data length does not match the shape")
        );
        assert_eq!(read(&file(1, &f4("(0, 3)"), b"")), Ok((0, 3, vec![])));
        // the dtype and order are read from their own keys, however the dict is spaced; a
        // shape whose byte count overflows is refused (2^62 rows of one value: 2^64 bytes,
        // which wraps to 0 in unchecked arithmetic)
        let fortran_squeezed =
            f4("(1, 1)").replace("'fortran_order': False", "'fortran_order':True");
        let f8_elsewhere = f8
            .replace("(1, 1)", "(1, 2)")
            .replace('}', "'note': '<f4', }");
        let huge = f4(&format!("({}, 1)", 1u64 << 62));
        let c_squeezed = "{'descr':'<f4','fortran_order':False,'shape':(1, 1)}\n";
        let got = [
            read(&file(1, &fortran_squeezed, &one)),
            read(&file(1, &f8_elsewhere, &[0; 8])),
            read(&file(1, &huge, b"")),
            read(&file(1, c_squeezed, &one)),
        ];
        let dtype = Err("dtype must be '<f4' in C order");
        let length = Err("data length does not match the shape");
        assert_eq!(got, [dtype.clone(), dtype, length, Ok((1, 1, vec![1.5]))]);
    }

    /// The FIPS 180-2 test vector: SHA-256 of "abc".
    #[test]
    fn sha256_hex_is_the_published_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    /// CSV lines as Python's `csv.writer(f, lineterminator="\n")` writes them (Python 3.11),
    /// and a field with a CR quoted as RFC 4180 asks (Python quotes it too with its default
    /// `\r\n` terminator).
    #[test]
    fn csv_lines_are_quoted_as_pythons_csv_module_does() {
        let fields = ["a", "b,c", "say \"hi\"", "x\ny", "", " sp "];
        assert_eq!(
            csv_line(&fields),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\",, sp \n"
        );
        assert_eq!(csv_line(&["r\rs"]), "\"r\rs\"\n");
        assert_eq!(csv_line::<&str>(&[]), "\n");
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("c.txt");
        std::fs::write(&p, b"\xEF\xBB\xBFa cat\na dog\n").expect("write");
        let lines = read_lines(&p).expect("read");
        assert_eq!(lines[0], (1, "a cat".to_string()));
    }

    #[test]
    fn non_utf8_line_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("c.txt");
        std::fs::write(&p, b"a cat\r\nok\nok\xff bad\n").expect("write");
        let err = read_lines(&p).expect_err("must fail").to_string();
        let want = format!("{}:3: not valid UTF-8 (byte 3 of the line)", p.display());
        assert_eq!(err, want);
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

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .expect("ls")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// The rename of the third file fails after the first two were renamed (its temporary
    /// vanished after the checks): the first two are put back, the one that did not exist
    /// before is removed again, and no temporary or backup is left.
    #[test]
    fn a_rename_failing_midway_puts_the_earlier_files_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = |n: &str| dir.path().join(n);
        std::fs::write(p("a.json"), "old a").expect("old");
        std::fs::write(p("c.json"), "old c").expect("old");
        let mut set = OutputSet::new();
        for n in ["a.json", "b.json", "c.json"] {
            set.stage_bytes(&p(n), format!("new {n}").as_bytes())
                .expect("stage");
        }
        let tmp = p(&format!(".c.json.{}{TMP_SUFFIX}", std::process::id()));
        std::fs::remove_file(&tmp).expect("the staged temporary of c.json");
        let err = set.commit().expect_err("the third rename fails");
        assert!(err.to_string().contains("c.json"), "{err}");
        assert_eq!(std::fs::read_to_string(p("a.json")).expect("a"), "old a");
        assert_eq!(std::fs::read_to_string(p("c.json")).expect("c"), "old c");
        assert_eq!(listing(dir.path()), ["a.json", "c.json"]);
    }

    #[test]
    fn a_set_is_replaced_whole_or_not_at_all() {
        let dir = tempfile::tempdir().expect("tempdir");
        let names = ["report.json", "report.md", "report.html"];
        for n in names {
            std::fs::write(dir.path().join(n), format!("old {n}")).expect("old");
        }
        // the third output cannot be written: the first two must stay old
        std::fs::remove_file(dir.path().join("report.html")).expect("rm");
        std::fs::create_dir(dir.path().join("report.html")).expect("dir in the way");
        let mut set = OutputSet::new();
        let r = names
            .iter()
            .try_for_each(|n| set.stage_bytes(&dir.path().join(n), b"new"))
            .and_then(|()| set.commit());
        assert!(r.is_err());
        for n in &names[..2] {
            assert_eq!(
                std::fs::read_to_string(dir.path().join(n)).expect("read"),
                format!("old {n}")
            );
        }
        assert_eq!(
            listing(dir.path()),
            ["report.html", "report.json", "report.md"]
        );

        // a target that turns into a folder between staging and committing
        std::fs::remove_dir(dir.path().join("report.html")).expect("rmdir");
        let mut set = OutputSet::new();
        for n in names {
            set.stage_bytes(&dir.path().join(n), b"new").expect("stage");
        }
        std::fs::create_dir(dir.path().join("report.html")).expect("dir in the way");
        assert!(set.commit().is_err());
        assert_eq!(
            listing(dir.path()),
            ["report.html", "report.json", "report.md"]
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("report.json")).expect("read"),
            "old report.json"
        );

        std::fs::remove_dir(dir.path().join("report.html")).expect("rmdir");
        let mut set = OutputSet::new();
        for n in names {
            set.stage_bytes(&dir.path().join(n), b"new").expect("stage");
        }
        set.commit().expect("commit");
        for n in names {
            assert_eq!(std::fs::read(dir.path().join(n)).expect("read"), b"new");
        }
        assert_eq!(
            listing(dir.path()),
            ["report.html", "report.json", "report.md"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_the_same_mode_as_any_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let plain = dir.path().join("plain");
        std::fs::File::create(&plain).expect("create");
        let ours = dir.path().join("ours.json");
        write_json(&ours, &1).expect("write");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&ours), mode(&plain));
        assert_ne!(mode(&ours), 0o600, "not tempfile's private mode");
    }

    /// A file of several early-flush steps, written in uneven pieces, is staged whole while
    /// its flushing thread asks for early flushes; it stays locked (a later run would not take
    /// it for a killed run's) until the set is committed or dropped.
    #[test]
    fn a_large_file_is_flushed_in_steps_and_written_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("big.jsonl");
        let len = 3 * FLUSH_EVERY as usize + 12_345;
        let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let stage = |set: &mut OutputSet| {
            set.stage(&out, |w| {
                for piece in bytes.chunks(1 << 20 | 4321) {
                    w.write_all(piece)?;
                }
                Ok(())
            })
            .expect("stage");
        };
        let mut set = OutputSet::new();
        stage(&mut set);
        remove_stale_temporaries(&out);
        let tmp = set.staged[0].0.clone();
        assert!(tmp.exists(), "a staged temporary is locked");
        // the last flush begins once the file is written, not at `commit`: the thread ends on
        // its own
        let ended = |f: &Flush| matches!(f, Flush::Running { thread, .. } if thread.is_finished());
        let t0 = std::time::Instant::now();
        while !ended(&set.staged[0].3) && t0.elapsed().as_secs() < 10 {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert!(ended(&set.staged[0].3), "the flushing thread still runs");
        let flush = std::mem::replace(&mut set.staged[0].3, Flush::Done(None));
        let early = flush.wait().expect("flushed");
        // asked for at 16, 32 and 48 MB; asks made while a flush runs may fold into one
        assert!((1..=3).contains(&early), "early flushes: {early}");
        // the flushing thread has ended: only the set's own handle is open on the file
        #[cfg(target_os = "linux")]
        {
            let open = std::fs::read_dir("/proc/self/fd")
                .expect("fds")
                .flatten()
                .filter(|e| std::fs::read_link(e.path()).is_ok_and(|l| l == tmp))
                .count();
            assert_eq!(open, 1, "handles open on the temporary after the flush");
        }
        set.commit().expect("commit");
        assert!(std::fs::read(&out).expect("read") == bytes);
        assert_eq!(listing(dir.path()), ["big.jsonl"]);
        // dropped while its flush may still run: no temporary is left, the old file stays
        let mut set = OutputSet::new();
        stage(&mut set);
        drop(set);
        assert_eq!(listing(dir.path()), ["big.jsonl"]);
    }

    /// The writer asks for one early flush per [`FLUSH_EVERY`] bytes, wherever the writes'
    /// edges fall (a channel wide enough that no ask is folded into another).
    #[test]
    fn the_writer_asks_for_an_early_flush_every_step() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = File::create(dir.path().join("f")).expect("create");
        let (ask, asked) = std::sync::mpsc::sync_channel::<()>(64);
        let flush = Flush::Running {
            ask: Some(ask),
            thread: std::thread::spawn(|| Ok(0)),
        };
        let mut w = Writeback {
            file: &file,
            flush: &flush,
            since: 0,
        };
        let piece = vec![7u8; (FLUSH_EVERY / 5) as usize + 999];
        let mut written = 0u64;
        while written < 3 * FLUSH_EVERY + 10 {
            w.write_all(&piece).expect("write");
            written += piece.len() as u64;
        }
        assert_eq!(asked.try_iter().count(), 3);
        assert_eq!(file.metadata().expect("meta").len(), written);
        flush.wait().expect("the stand-in thread");
    }

    /// A flush that fails is the outcome of the flush, and a set with such a file is not
    /// committed: its targets stay as they were and its temporaries are removed.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_flush_stops_the_commit() {
        // Linux refuses to flush a character device (EINVAL)
        let null = File::open("/dev/null").expect("/dev/null");
        let mut flush = Flush::start(&null);
        flush.written(&null);
        assert!(flush.wait().is_err());

        let dir = tempfile::tempdir().expect("tempdir");
        let p = |n: &str| dir.path().join(n);
        std::fs::write(p("a.json"), "old a").expect("old");
        let mut set = OutputSet::new();
        set.stage_bytes(&p("a.json"), b"new a").expect("stage");
        set.stage_bytes(&p("b.json"), b"new b").expect("stage");
        set.staged[1].3 = Flush::Done(Some(std::io::Error::other("the disk is gone")));
        let err = set.commit().expect_err("a flush failed");
        assert!(err.to_string().contains("b.json"), "{err}");
        assert_eq!(std::fs::read_to_string(p("a.json")).expect("a"), "old a");
        assert_eq!(listing(dir.path()), ["a.json"]);
    }

    #[test]
    fn stale_temporaries_of_killed_runs_are_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("negs.jsonl");
        let stale = dir.path().join(".negs.jsonl.4242.clipprobe.tmp");
        std::fs::write(&stale, vec![0u8; 1000]).expect("stale");
        // one still being written by a live run (it holds the lock) is left alone
        let live = dir.path().join(".negs.jsonl.4343.clipprobe.tmp");
        let held = File::create(&live).expect("live");
        held.lock().expect("lock");
        // another output's temporary is not ours to remove
        let other = dir.path().join(".other.jsonl.4242.clipprobe.tmp");
        std::fs::write(&other, b"x").expect("other");
        write_jsonl(&out, &[1, 2]).expect("write");
        assert!(!stale.exists());
        assert!(live.exists());
        assert!(other.exists());
        assert_eq!(std::fs::read_to_string(&out).expect("read"), "1\n2\n");
    }

    #[test]
    fn check_output_names_the_problem() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = check_output(&dir.path().join("no/such/out.json"))
            .expect_err("no folder")
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
        let e = check_output(dir.path()).expect_err("folder").to_string();
        assert!(e.contains("is a folder"), "{e}");
        check_output(&dir.path().join("out.json")).expect("fine");
    }

    /// A bare file name is an output in the current folder (its parent is the empty path).
    #[test]
    fn a_bare_file_name_is_an_output_in_the_current_folder() {
        assert_eq!(parent_dir(Path::new("out.json")), PathBuf::from("."));
        check_output(Path::new("no-such-output.json")).expect("the current folder");
    }

    /// JSON Lines: values with their 1-based line numbers, blank lines skipped (their numbers
    /// too), a bad line named by its number.
    #[test]
    fn json_lines_keep_line_numbers_and_name_the_bad_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("rows.jsonl");
        std::fs::write(&p, "1\n\n  \n[2, 3]\r\n").expect("write");
        let rows: Vec<(usize, serde_json::Value)> = read_jsonl(&p).expect("read");
        assert_eq!(
            rows,
            [(1, serde_json::json!(1)), (4, serde_json::json!([2, 3]))]
        );
        std::fs::write(&p, "1\n\n{\"a\": }\n").expect("write");
        let e = read_jsonl::<serde_json::Value>(&p)
            .expect_err("line 3")
            .to_string();
        assert!(e.starts_with(&format!("{}:3: ", p.display())), "{e}");
    }
}
