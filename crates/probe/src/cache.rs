//! The on-disk embedding cache: embeddings are computed once per unique caption or image and
//! model, so a re-run, a second op or a resumed run costs nothing for finished work.
//!
//! Layout: one append-only file per (model key, modality), e.g.
//! `CACHE/<model-key>/texts.f32log`. The file starts with a 16-byte header
//! ([`HEADER`]) followed by the embedding dimension as
//! little-endian `u32`; then records of a 32-byte key (SHA-256 of the caption's UTF-8 bytes or
//! of the image file's bytes) followed by `dim` little-endian `f32`s. Records are appended
//! and synced after each batch, so a killed run loses at most the batch in flight; a torn
//! record at the end (from a kill mid-write) is detected on open and cut off.
//!
//! The model key (computed by the caller) must cover everything that changes the numbers:
//! model id and resolved revision (or the content of a local folder), compute dtype, and the
//! preprocessing settings. See `docs/architecture.md`.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Magic bytes at the start of every cache file (format version 1).
pub const HEADER: &[u8; 16] = b"CLIPPROBE-EMB\x00\x00\x01";

/// A content key: SHA-256 of the item's bytes.
pub type Key = [u8; 32];

/// Key of a caption (its UTF-8 bytes).
pub fn text_key(text: &str) -> Key {
    bytes_key(text.as_bytes())
}

/// Key of arbitrary bytes (an image file's content).
pub fn bytes_key(bytes: &[u8]) -> Key {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// An append-only embedding store for one model and modality.
#[derive(Debug)]
pub struct EmbeddingCache {
    path: PathBuf,
    dim: usize,
    index: HashMap<Key, usize>,
    data: Vec<f32>,
    file: File,
}

impl EmbeddingCache {
    /// Opens (or creates) the cache file at `path` for embeddings of dimension `dim`.
    /// A file written for another dimension or with a bad header is an error naming it;
    /// a torn final record is cut off.
    pub fn open(path: &Path, dim: usize) -> Result<Self> {
        if dim == 0 {
            return Err(Error::Input(
                "embedding cache: dimension must be positive".into(),
            ));
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        let head = HEADER.len() + 4;
        let bad = |m: String| Error::File {
            path: path.to_path_buf(),
            message: format!("embedding cache: {m} (delete the file to rebuild it)"),
        };
        if bytes.len() < head {
            // new (or torn before the header was complete): start afresh
            file.set_len(0).map_err(|e| Error::io(path, e))?;
            file.seek(SeekFrom::Start(0))
                .map_err(|e| Error::io(path, e))?;
            file.write_all(HEADER).map_err(|e| Error::io(path, e))?;
            file.write_all(&(dim as u32).to_le_bytes())
                .map_err(|e| Error::io(path, e))?;
            file.sync_data().map_err(|e| Error::io(path, e))?;
            bytes.clear();
        } else {
            if &bytes[..HEADER.len()] != HEADER {
                return Err(bad(
                    "not a clipprobe cache file or another format version".into()
                ));
            }
            let mut d = [0u8; 4];
            d.copy_from_slice(&bytes[HEADER.len()..head]);
            let found = u32::from_le_bytes(d) as usize;
            if found != dim {
                return Err(bad(format!("written for dimension {found}, not {dim}")));
            }
        }
        let rec = 32 + 4 * dim;
        let body = bytes.get(head..).unwrap_or(&[]);
        let complete = body.len() / rec;
        let mut index = HashMap::with_capacity(complete);
        let mut data = Vec::with_capacity(complete * dim);
        for r in body.chunks_exact(rec) {
            let mut key = [0u8; 32];
            key.copy_from_slice(&r[..32]);
            let row = index.len();
            if index.insert(key, row).is_some() {
                return Err(bad("duplicate record".into()));
            }
            data.extend(
                r[32..]
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            );
        }
        if body.len() % rec != 0 {
            // a run was killed mid-record: drop the torn tail
            let keep = (head + complete * rec) as u64;
            file.set_len(keep).map_err(|e| Error::io(path, e))?;
        }
        file.seek(SeekFrom::End(0))
            .map_err(|e| Error::io(path, e))?;
        Ok(EmbeddingCache {
            path: path.to_path_buf(),
            dim,
            index,
            data,
            file,
        })
    }

    /// The embedding dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of cached embeddings.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The cached embedding for `key`, if any.
    pub fn get(&self, key: &Key) -> Option<&[f32]> {
        self.index
            .get(key)
            .map(|&r| &self.data[r * self.dim..(r + 1) * self.dim])
    }

    /// Appends a batch (`keys.len()` rows of `dim` values, row-major) and syncs it to disk.
    /// Keys already present are skipped. Non-finite values are refused.
    pub fn insert_batch(&mut self, keys: &[Key], rows: &[f32]) -> Result<()> {
        if rows.len() != keys.len() * self.dim {
            return Err(Error::Input(format!(
                "embedding cache {}: {} values for {} keys of dimension {}",
                self.path.display(),
                rows.len(),
                keys.len(),
                self.dim
            )));
        }
        if let Some(i) = rows.iter().position(|v| !v.is_finite()) {
            return Err(Error::Input(format!(
                "embedding cache {}: non-finite value in row {} of the batch",
                self.path.display(),
                i / self.dim
            )));
        }
        let mut buf = Vec::with_capacity(keys.len() * (32 + 4 * self.dim));
        for (k, row) in keys.iter().zip(rows.chunks_exact(self.dim)) {
            if self.index.contains_key(k) {
                continue;
            }
            buf.extend_from_slice(k);
            for v in row {
                buf.extend_from_slice(&v.to_le_bytes());
            }
            self.index.insert(*k, self.index.len());
            self.data.extend_from_slice(row);
        }
        self.file
            .write_all(&buf)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| Error::io(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_resume_after_torn_write() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("m/texts.f32log");
        let (a, b) = (text_key("a cat"), text_key("a dog"));
        {
            let mut c = EmbeddingCache::open(&p, 3).expect("open");
            c.insert_batch(&[a, b], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
                .expect("insert");
        }
        // simulate a kill in the middle of the next record
        let mut f = OpenOptions::new().append(true).open(&p).expect("open raw");
        f.write_all(&[7u8; 40]).expect("torn write");
        drop(f);
        let mut c = EmbeddingCache::open(&p, 3).expect("reopen");
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(&b), Some(&[4.0, 5.0, 6.0][..]));
        let d = text_key("a bird");
        c.insert_batch(&[d, a], &[7.0, 8.0, 9.0, 0.0, 0.0, 0.0])
            .expect("append");
        drop(c);
        let c = EmbeddingCache::open(&p, 3).expect("reopen 2");
        assert_eq!(c.len(), 3);
        assert_eq!(
            c.get(&a),
            Some(&[1.0, 2.0, 3.0][..]),
            "existing keys are not overwritten"
        );
        assert_eq!(c.get(&d), Some(&[7.0, 8.0, 9.0][..]));
    }

    #[test]
    fn wrong_dimension_and_foreign_file_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("t.f32log");
        EmbeddingCache::open(&p, 4).expect("create");
        let e = EmbeddingCache::open(&p, 8).expect_err("dim").to_string();
        assert!(e.contains("dimension 4"), "{e}");
        std::fs::write(&p, b"not a cache file at all").expect("write");
        assert!(EmbeddingCache::open(&p, 4).is_err());
    }

    #[test]
    fn non_finite_rows_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut c = EmbeddingCache::open(&dir.path().join("t"), 2).expect("open");
        assert!(c.insert_batch(&[text_key("x")], &[f32::NAN, 0.0]).is_err());
        assert!(c.is_empty());
    }
}
