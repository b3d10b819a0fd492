//! The on-disk embedding cache: embeddings are computed once per unique caption or image and
//! model, so a re-run, a second op or a resumed run costs nothing for finished work.
//!
//! Layout: one append-only file per (model key, modality), e.g.
//! `CACHE/<model-key>/texts.f32log`. The file starts with a 16-byte header ([`HEADER`],
//! format version 2) followed by the embedding dimension as little-endian `u32`; then records
//! of [`RECORD_MARK`] (4 bytes), a 32-byte key (SHA-256 of the caption's UTF-8 bytes or of the
//! image file's bytes), `dim` little-endian `f32`s, and an 8-byte checksum (the first 8 bytes
//! of the SHA-256 of key and values).
//!
//! Sharing and damage:
//!
//! - the file is opened with `O_APPEND` and every batch is appended and synced while holding an
//!   exclusive advisory lock on the file, so two processes sharing a cache cannot interleave
//!   their records; the same key written twice (two runs embedding the same item at once) keeps
//!   the first record;
//! - on open (under the same lock) every record's checksum is verified. A record that fails,
//!   bytes that were overwritten, inserted or deleted anywhere in the file, are skipped up to
//!   the next record that verifies; the file is then rewritten in place with the good records
//!   only, and [`EmbeddingCache::repair`] says how many bytes were dropped, so the caller can
//!   say so (the dropped items are simply embedded again);
//! - a torn record at the end (a kill mid-write) is cut off.
//!
//! The model key (computed by the caller) must cover everything that changes the numbers:
//! model id and resolved revision (or the content of a local folder), compute dtype, the
//! preprocessing settings and the batch size. See `docs/architecture.md`.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::Digest;

use crate::error::{CacheFileProblem, Error, ImageFileProblem, Result};

/// Magic bytes at the start of every cache file (format version 2).
pub const HEADER: &[u8; 16] = b"CLIPPROBE-EMB\x00\x00\x02";
/// The first bytes of every record, where a reader resynchronises after damage.
pub const RECORD_MARK: &[u8; 4] = b"\xc1\x1fRC";

/// A content key: SHA-256 of the item's bytes.
pub type Key = [u8; 32];

/// Key of a caption (its UTF-8 bytes).
pub fn text_key(text: &str) -> Key {
    bytes_key(text.as_bytes())
}

/// Key of arbitrary bytes.
pub fn bytes_key(bytes: &[u8]) -> Key {
    sha2::Sha256::digest(bytes).into()
}

/// Key of an image region: the file's content key alone for the whole image (so whole-image
/// entries stay valid), else SHA-256 of that key and the crop box `[left, top, right,
/// bottom]`, so each crop of a file is embedded and cached on its own.
pub fn region_key(file: Key, crop: Option<[i64; 4]>) -> Key {
    match crop {
        None => file,
        Some(b) => {
            let mut bytes = file.to_vec();
            bytes.extend_from_slice(b"crop");
            for c in b {
                bytes.extend_from_slice(&c.to_le_bytes());
            }
            bytes_key(&bytes)
        }
    }
}

/// Key of a file's content, hashed while streaming it (never read whole). A folder, a device or
/// other non-regular file, or a file larger than `max_bytes`, is an error naming it.
pub fn file_key(path: &Path, max_bytes: u64) -> Result<Key> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let refuse = |problem| Error::ImageFile {
        path: path.to_path_buf(),
        problem,
    };
    if meta.is_dir() {
        return Err(refuse(ImageFileProblem::Folder));
    }
    if !meta.is_file() {
        return Err(refuse(ImageFileProblem::NotRegular));
    }
    if meta.len() > max_bytes {
        return Err(refuse(ImageFileProblem::TooLarge {
            bytes: meta.len(),
            max_bytes,
        }));
    }
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = sha2::Sha256::new();
    let mut reader = file.take(max_bytes + 1);
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buf[..n]);
    }
    if total > max_bytes {
        return Err(refuse(ImageFileProblem::Grew { max_bytes }));
    }
    Ok(hasher.finalize().into())
}

/// What opening a cache file found damaged and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repair {
    /// Bytes that were not part of a record that verifies (dropped from the file).
    pub dropped_bytes: u64,
    /// Records that verified and were kept.
    pub kept_records: usize,
}

/// An append-only embedding store for one model and modality.
#[derive(Debug)]
pub struct EmbeddingCache {
    path: PathBuf,
    dim: usize,
    index: HashMap<Key, usize>,
    data: Vec<f32>,
    file: File,
    repair: Option<Repair>,
}

fn checksum(key: &[u8], values: &[u8]) -> [u8; 8] {
    let mut h = sha2::Sha256::new();
    h.update(key);
    h.update(values);
    let d = h.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&d[..8]);
    out
}

/// Runs `f` while holding an exclusive advisory lock on `file`.
fn locked<T>(file: &File, path: &Path, f: impl FnOnce(&File) -> std::io::Result<T>) -> Result<T> {
    file.lock().map_err(|e| Error::io(path, e))?;
    let out = f(file);
    let unlocked = file.unlock();
    let out = out.map_err(|e| Error::io(path, e))?;
    unlocked.map_err(|e| Error::io(path, e))?;
    Ok(out)
}

impl EmbeddingCache {
    /// Opens (or creates) the cache file at `path` for embeddings of dimension `dim`.
    /// A file written for another dimension or with a bad header is an error naming it;
    /// damaged records are dropped (see [`EmbeddingCache::repair`]); a torn final record is
    /// cut off.
    pub fn open(path: &Path, dim: usize) -> Result<Self> {
        if dim == 0 {
            return Err(Error::CacheDimension {
                path: path.to_path_buf(),
            });
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        let head = HEADER.len() + 4;
        let rec = RECORD_MARK.len() + 32 + 4 * dim + 8;
        let mut foreign = None;
        let (index, data, repair) = locked(&file, path, |mut f| {
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes)?;
            if bytes.len() < head {
                // new (or torn before the header was complete): start afresh
                f.set_len(0)?;
                f.write_all(HEADER)?;
                f.write_all(&(dim as u32).to_le_bytes())?;
                f.sync_data()?;
                return Ok((HashMap::new(), Vec::new(), None));
            }
            if &bytes[..HEADER.len()] != HEADER {
                foreign = Some(CacheFileProblem::Foreign);
                return Ok((HashMap::new(), Vec::new(), None));
            }
            let found = u32::from_le_bytes([
                bytes[HEADER.len()],
                bytes[HEADER.len() + 1],
                bytes[HEADER.len() + 2],
                bytes[HEADER.len() + 3],
            ]) as usize;
            if found != dim {
                foreign = Some(CacheFileProblem::Dimension {
                    found,
                    expected: dim,
                });
                return Ok((HashMap::new(), Vec::new(), None));
            }
            let body = &bytes[head..];
            let verifies = |at: usize| {
                body.get(at..at + rec).is_some_and(|r| {
                    &r[..4] == RECORD_MARK && r[rec - 8..] == checksum(&r[4..36], &r[36..rec - 8])
                })
            };
            let mut index = HashMap::new();
            let mut data = Vec::new();
            let mut good: Vec<usize> = Vec::new();
            let mut dropped = 0u64;
            let mut pos = 0usize;
            while pos < body.len() {
                if verifies(pos) {
                    let r = &body[pos..pos + rec];
                    let mut key = [0u8; 32];
                    key.copy_from_slice(&r[4..36]);
                    if !index.contains_key(&key) {
                        index.insert(key, index.len());
                        data.extend(
                            r[36..rec - 8]
                                .chunks_exact(4)
                                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                        );
                        good.push(pos);
                    }
                    pos += rec;
                    continue;
                }
                // skip to the next record that verifies; what is skipped is damage, unless it
                // is a record torn at the end of the file by a kill
                let next = (pos + 1..body.len())
                    .find(|&p| body[p..].starts_with(RECORD_MARK) && verifies(p))
                    .unwrap_or(body.len());
                let torn_tail = next == body.len()
                    && body.len() - pos < rec
                    && body[pos..]
                        .starts_with(&RECORD_MARK[..RECORD_MARK.len().min(body.len() - pos)]);
                if !torn_tail {
                    dropped += (next - pos) as u64;
                }
                pos = next;
            }
            let clean = good.len() * rec == body.len();
            if !clean {
                // rewrite in place with the good records only (appends from other processes,
                // made under the same lock, cannot happen meanwhile)
                let mut out = Vec::with_capacity(head + good.len() * rec);
                out.extend_from_slice(&bytes[..head]);
                for p in &good {
                    out.extend_from_slice(&body[*p..*p + rec]);
                }
                f.set_len(0)?;
                f.write_all(&out)?;
                f.sync_data()?;
            }
            let repair = (dropped > 0).then_some(Repair {
                dropped_bytes: dropped,
                kept_records: good.len(),
            });
            Ok((index, data, repair))
        })?;
        if let Some(problem) = foreign {
            return Err(Error::CacheFile {
                path: path.to_path_buf(),
                problem,
            });
        }
        Ok(EmbeddingCache {
            path: path.to_path_buf(),
            dim,
            index,
            data,
            file,
            repair,
        })
    }

    /// What opening the file found damaged and dropped (`None`: nothing); the dropped items
    /// are missing from the cache and get embedded again.
    pub fn repair(&self) -> Option<Repair> {
        self.repair
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
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

    /// Appends a batch (`keys.len()` rows of `dim` values, row-major) and syncs it to disk,
    /// under the file's lock. Keys already present are skipped. Non-finite values are refused.
    pub fn insert_batch(&mut self, keys: &[Key], rows: &[f32]) -> Result<()> {
        if rows.len() != keys.len() * self.dim {
            return Err(Error::CacheBatch {
                path: self.path.clone(),
                values: rows.len(),
                keys: keys.len(),
                dim: self.dim,
            });
        }
        if let Some(i) = rows.iter().position(|v| !v.is_finite()) {
            return Err(Error::CacheNotFinite {
                path: self.path.clone(),
                row: i / self.dim,
            });
        }
        let mut buf = Vec::with_capacity(keys.len() * (44 + 4 * self.dim));
        for (k, row) in keys.iter().zip(rows.chunks_exact(self.dim)) {
            if self.index.contains_key(k) {
                continue;
            }
            let values: Vec<u8> = row.iter().flat_map(|v| v.to_le_bytes()).collect();
            buf.extend_from_slice(RECORD_MARK);
            buf.extend_from_slice(k);
            buf.extend_from_slice(&values);
            buf.extend_from_slice(&checksum(k, &values));
            self.index.insert(*k, self.index.len());
            self.data.extend_from_slice(row);
        }
        locked(&self.file, &self.path, |mut f| {
            f.write_all(&buf)?;
            f.sync_data()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_keys_keep_the_whole_image_key_and_tell_crops_apart() {
        let file = bytes_key(b"jpeg bytes");
        assert_eq!(region_key(file, None), file);
        let a = region_key(file, Some([0, 0, 10, 10]));
        assert_ne!(a, file);
        assert_eq!(a, region_key(file, Some([0, 0, 10, 10])));
        assert_ne!(a, region_key(file, Some([0, 0, 10, 11])));
        assert_ne!(a, region_key(bytes_key(b"other"), Some([0, 0, 10, 10])));
    }

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
        // the error names the row of the batch: value 2 is row 1's first
        let keys = [text_key("y"), text_key("z")];
        let e = c
            .insert_batch(&keys, &[0.0, 1.0, f32::INFINITY, 0.0])
            .expect_err("row 1")
            .to_string();
        assert!(e.ends_with("non-finite value in row 1 of the batch"), "{e}");
        assert!(c.is_empty());
        c.insert_batch(&keys, &[0.0, 1.0, 2.0, 3.0])
            .expect("finite");
        assert!(!c.is_empty());
    }

    fn rows(n: usize, dim: usize) -> (Vec<Key>, Vec<f32>) {
        let keys = (0..n).map(|i| text_key(&format!("caption {i}"))).collect();
        let values = (0..n * dim).map(|v| v as f32 * 0.25).collect();
        (keys, values)
    }

    fn ten_records(dir: &Path) -> (PathBuf, Vec<Key>, Vec<f32>) {
        let p = dir.join("t.f32log");
        let (keys, values) = rows(10, 4);
        let mut c = EmbeddingCache::open(&p, 4).expect("open");
        c.insert_batch(&keys, &values).expect("insert");
        (p, keys, values)
    }

    const REC4: usize = 4 + 32 + 16 + 8;
    const HEAD: usize = 20;

    #[test]
    fn overwritten_bytes_in_the_middle_are_detected_and_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (p, keys, values) = ten_records(dir.path());
        let mut bytes = std::fs::read(&p).expect("read");
        // change one value of record 5: the file still parses, the numbers would be wrong
        bytes[HEAD + 5 * REC4 + 40] ^= 0x40;
        std::fs::write(&p, &bytes).expect("write");
        let c = EmbeddingCache::open(&p, 4).expect("reopen");
        assert_eq!(
            c.repair(),
            Some(Repair {
                dropped_bytes: REC4 as u64,
                kept_records: 9
            })
        );
        assert_eq!(c.get(&keys[5]), None, "the damaged record is re-embedded");
        for i in (0..10).filter(|&i| i != 5) {
            assert_eq!(c.get(&keys[i]), Some(&values[i * 4..i * 4 + 4]), "{i}");
        }
        drop(c);
        let again = EmbeddingCache::open(&p, 4).expect("reopen 2");
        assert_eq!(again.repair(), None, "the file was rewritten clean");
        assert_eq!(again.len(), 9);
    }

    #[test]
    fn deleted_bytes_in_the_middle_lose_only_the_damaged_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (p, keys, values) = ten_records(dir.path());
        let mut bytes = std::fs::read(&p).expect("read");
        let at = HEAD + 3 * REC4 + 30; // the end of record 3 and the start of record 4
        bytes.drain(at..at + 50);
        std::fs::write(&p, &bytes).expect("write");
        let c = EmbeddingCache::open(&p, 4).expect("reopen");
        let repair = c.repair().expect("damage reported");
        assert_eq!(repair.kept_records, 8, "{repair:?}");
        for i in [3, 4] {
            assert_eq!(c.get(&keys[i]), None, "{i}");
        }
        for i in [0, 1, 2, 5, 6, 7, 8, 9] {
            assert_eq!(c.get(&keys[i]), Some(&values[i * 4..i * 4 + 4]), "{i}");
        }
    }

    #[test]
    fn concurrent_writers_do_not_interleave() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("shared.f32log");
        let dim = 64;
        EmbeddingCache::open(&p, dim).expect("create");
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let p = p.clone();
                std::thread::spawn(move || {
                    let mut c = EmbeddingCache::open(&p, dim).expect("open");
                    for b in 0..25 {
                        let keys: Vec<Key> = (0..8)
                            .map(|i| text_key(&format!("writer {w} batch {b} item {i}")))
                            .collect();
                        let values: Vec<f32> =
                            (0..8 * dim).map(|v| (w * 1000 + v) as f32).collect();
                        c.insert_batch(&keys, &values).expect("insert");
                    }
                })
            })
            .collect();
        for t in writers {
            t.join().expect("writer");
        }
        let c = EmbeddingCache::open(&p, dim).expect("reopen");
        assert_eq!(c.repair(), None);
        assert_eq!(c.len(), 4 * 25 * 8);
        let k = text_key("writer 2 batch 24 item 7");
        assert_eq!(c.get(&k).expect("present")[1], (2000 + 7 * dim + 1) as f32);
    }

    #[test]
    fn the_same_key_from_two_writers_is_not_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("t");
        let mut a = EmbeddingCache::open(&p, 2).expect("a");
        let mut b = EmbeddingCache::open(&p, 2).expect("b");
        a.insert_batch(&[text_key("x")], &[1.0, 2.0]).expect("a");
        b.insert_batch(&[text_key("x")], &[1.0, 2.0]).expect("b");
        let c = EmbeddingCache::open(&p, 2).expect("reopen");
        assert_eq!((c.len(), c.repair()), (1, None));
    }

    #[test]
    fn file_keys_stream_and_refuse_what_is_not_an_image_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("img.bin");
        std::fs::write(&f, b"0123456789").expect("write");
        assert_eq!(file_key(&f, 10).expect("fits"), bytes_key(b"0123456789"));
        let e = file_key(&f, 9).expect_err("too big").to_string();
        assert!(e.contains("more than the 9"), "{e}");
        let e = file_key(dir.path(), 10).expect_err("dir").to_string();
        assert!(e.contains("is a folder"), "{e}");
        #[cfg(unix)]
        {
            let e = file_key(Path::new("/dev/zero"), 10)
                .expect_err("dev")
                .to_string();
            assert!(e.contains("not a regular file"), "{e}");
        }
    }

    /// One record's bytes, as `insert_batch` writes them.
    fn record_bytes(key: &Key, values: &[f32]) -> Vec<u8> {
        let v: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
        [&RECORD_MARK[..], key, &v, &checksum(key, &v)].concat()
    }

    /// What opening the ten-record file with `tail` appended finds: (repair, records kept,
    /// file size afterwards).
    fn open_with_tail(p: &Path, clean: &[u8], tail: &[u8]) -> (Option<Repair>, usize, usize) {
        std::fs::write(p, [clean, tail].concat()).expect("write");
        let c = EmbeddingCache::open(p, 4).expect("open");
        let size = std::fs::metadata(p).expect("meta").len() as usize;
        (c.repair(), c.len(), size)
    }

    /// A record cut short at the end (a kill mid-write: it starts as a record does, if only
    /// with the first bytes of the mark) is cut off without being reported. Other bytes at the
    /// end, a last record of full length that does not verify, and a torn record right after
    /// damage (the skip runs to the end of the file) are reported as dropped.
    #[test]
    fn a_torn_final_record_is_cut_off_silently_but_other_tails_are_damage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (p, _, _) = ten_records(dir.path());
        let clean = std::fs::read(&p).expect("read");
        let new = record_bytes(&text_key("torn"), &[1.0, 2.0, 3.0, 4.0]);
        for n in [1, 2, 3, 4, 40, REC4 - 1] {
            let got = open_with_tail(&p, &clean, &new[..n]);
            assert_eq!(got, (None, 10, clean.len()), "torn after {n} bytes");
        }
        let damage = |dropped: usize, kept| {
            let r = Repair {
                dropped_bytes: dropped as u64,
                kept_records: kept,
            };
            (Some(r), kept, HEAD + kept * REC4)
        };
        assert_eq!(open_with_tail(&p, &clean, &[7; 40]), damage(40, 10));
        let mut not_a_mark = vec![0u8; 10];
        not_a_mark[0] = RECORD_MARK[0];
        assert_eq!(open_with_tail(&p, &clean, &not_a_mark), damage(10, 10));
        let mut bad_last = new.clone();
        bad_last[40] ^= 0x40;
        assert_eq!(open_with_tail(&p, &clean, &bad_last), damage(REC4, 10));
        let garbage_then_torn = [&[7u8; 40][..], &new[..30]].concat();
        assert_eq!(
            open_with_tail(&p, &clean, &garbage_then_torn),
            damage(70, 10)
        );
        // damage in the very first record: the search for the next record starts after it
        let mut first_bad = clean.clone();
        first_bad[HEAD + 40] ^= 0x40;
        assert_eq!(open_with_tail(&p, &first_bad, &[]), damage(REC4, 9));
    }

    /// Opening a clean cache reads it and leaves the file alone: no rewrite (which would cost a
    /// full copy of a large cache on every run).
    #[test]
    fn a_clean_cache_is_not_rewritten_on_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (p, _, _) = ten_records(dir.path());
        let mtime = || {
            std::fs::metadata(&p)
                .expect("meta")
                .modified()
                .expect("mtime")
        };
        let before = mtime();
        std::thread::sleep(std::time::Duration::from_millis(50));
        let c = EmbeddingCache::open(&p, 4).expect("reopen");
        assert_eq!((c.len(), c.repair()), (10, None));
        assert_eq!(mtime(), before);
    }

    /// A file below the limit hashes like its bytes; a file that holds more than its size says
    /// (procfs files report 0 bytes: the same as a file growing while it is read) is refused
    /// once the limit is passed, not hashed cut short.
    #[test]
    fn file_keys_hash_small_files_and_refuse_files_that_outgrow_their_size() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("small.bin");
        std::fs::write(&f, b"01234").expect("write");
        assert_eq!(file_key(&f, 10).expect("fits"), bytes_key(b"01234"));
        #[cfg(target_os = "linux")]
        {
            let status = Path::new("/proc/self/status");
            assert_eq!(std::fs::metadata(status).expect("procfs").len(), 0);
            match file_key(status, 10) {
                Err(Error::ImageFile {
                    problem: ImageFileProblem::Grew { max_bytes: 10 },
                    ..
                }) => {}
                other => panic!("expected Grew, got {other:?}"),
            }
        }
    }

    /// The dimension is a 4-byte little-endian field: one with its third and fourth bytes set
    /// (`0x0101_0001`) needs all four read back.
    #[test]
    fn a_dimension_above_u16_survives_a_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("wide.f32log");
        let dim = 0x0101_0001;
        EmbeddingCache::open(&p, dim).expect("create");
        assert_eq!(EmbeddingCache::open(&p, dim).expect("reopen").dim(), dim);
        let e = EmbeddingCache::open(&p, 1)
            .expect_err("other dim")
            .to_string();
        assert!(e.contains("written for dimension 16842753, not 1"), "{e}");
    }
}
