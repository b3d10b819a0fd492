//! One file of one commit into the cache: announced etag and size checked, resumable,
//! verified, then renamed into place and linked from the snapshot.

use std::fs::{File, OpenOptions};
use std::io::Seek;
use std::path::{Path, PathBuf};

use clipprobe_io::formats::CopyError;
use sha2::{Digest, Sha256};

use super::layout::RepoCache;
use super::{blob_name, Client, Fail, MAX_JSON_BYTES};

/// What the revision listing says about a file (`?blobs=true`), when it says it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(crate) struct Sibling {
    pub(crate) rfilename: String,
    #[serde(default)]
    pub(crate) size: Option<u64>,
}

/// `GET /api/models/{repo}/revision/{rev}?blobs=true`.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct RepoInfo {
    pub(crate) sha: String,
    #[serde(default)]
    pub(crate) siblings: Vec<Sibling>,
}

/// A file fetched or found in the cache.
pub(crate) enum Fetched {
    /// Already in the snapshot with the listed size (or no size listed).
    Cached,
    /// Downloaded (or linked to a blob another snapshot already had).
    Downloaded,
    /// The cached copy was damaged: its blob was removed and the file downloaded again.
    Replaced(String),
}

/// Makes `snapshots/<commit>/<file>` hold the file. `listed` is the size the revision listing
/// announced, if any: a cached copy of another size is removed and downloaded again.
pub(crate) fn fetch(
    client: &Client,
    cache: &RepoCache,
    repo: &str,
    commit: &str,
    file: &str,
    listed: Option<u64>,
    progress: bool,
) -> Result<Fetched, Fail> {
    let bad = |e: String| Fail::Bad(e);
    let at = cache.snapshot_file(commit, file).map_err(bad)?;
    let mut replaced = None;
    if at.is_file() {
        let have = std::fs::metadata(&at).map(|m| m.len()).ok();
        match (listed, have) {
            (Some(want), Some(have)) if want != have => {
                let real = std::fs::canonicalize(&at).unwrap_or_else(|_| at.clone());
                let _ = std::fs::remove_file(&real);
                let _ = std::fs::remove_file(&at);
                replaced = Some(format!(
                    "cached {file} ({}) had {have} bytes where the Hub lists {want}: removed it \
                     and downloaded it again",
                    real.display()
                ));
            }
            _ => return Ok(Fetched::Cached),
        }
    }

    let mut segments: Vec<&str> = repo.split('/').collect();
    segments.extend(["resolve", commit]);
    segments.extend(file.split('/'));
    let url = client.url(&segments);
    let (headers, _) = client.send("HEAD", url.clone(), None)?;
    if let Some(c) = &headers.repo_commit {
        if c != commit {
            return Err(bad(format!(
                "the Hub says {file} comes from commit `{}`, not {commit}",
                c.escape_debug()
            )));
        }
    }
    let etag = headers
        .etag
        .as_deref()
        .ok_or_else(|| bad(format!("no etag for {file}")))
        .and_then(|e| blob_name(e).map_err(|e| bad(format!("{file}: {e}"))))?;
    let size = headers
        .size
        .ok_or_else(|| bad(format!("no size announced for {file}")))?;
    if let Some(want) = listed.filter(|w| *w != size) {
        return Err(bad(format!(
            "{file}: the listing says {want} bytes, the download {size}"
        )));
    }
    if file.ends_with(".json") && size > MAX_JSON_BYTES {
        return Err(bad(format!(
            "{file} is {size} bytes, more than the {MAX_JSON_BYTES} accepted for a JSON file"
        )));
    }
    let blob = cache.blob(&etag).map_err(bad)?;
    let have_blob = std::fs::metadata(&blob).map(|m| m.len()).ok();
    if have_blob != Some(size) {
        if have_blob.is_some() {
            let _ = std::fs::remove_file(&blob);
        }
        download(client, url, &blob, &etag, size, file, progress)?;
    }
    cache
        .link(commit, file, &etag)
        .map_err(|e| Fail::Io(at.clone(), e))?;
    Ok(replaced.map_or(Fetched::Downloaded, Fetched::Replaced))
}

/// Downloads into `<blob>.incomplete` (resuming what is there), verifies, renames to `blob`.
fn download(
    client: &Client,
    url: url::Url,
    blob: &Path,
    etag: &str,
    size: u64,
    file: &str,
    progress: bool,
) -> Result<(), Fail> {
    let partial = PathBuf::from(format!("{}.incomplete", blob.display()));
    let io = |e: std::io::Error| Fail::Io(partial.clone(), e);
    if let Some(dir) = partial.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut have = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
    if have >= size {
        have = 0;
    }
    let (_, resp) = client.send("GET", url, (have > 0).then_some(have))?;
    let resumed = have > 0
        && resp.status() == 206
        && resp
            .header("content-range")
            .is_some_and(|r| r.trim().starts_with(&format!("bytes {have}-")));
    if !resumed {
        have = 0;
        if resp.status() != 200 {
            return Err(Fail::Bad(format!(
                "{file}: unexpected HTTP {} for a download",
                resp.status()
            )));
        }
    }
    let mut out = OpenOptions::new()
        .create(true)
        .read(true)
        .write(true)
        .truncate(false)
        .open(&partial)
        .map_err(io)?;
    out.set_len(have).map_err(io)?;
    let check_sha = etag.len() == 64;
    let mut hasher = Sha256::new();
    if check_sha && have > 0 {
        hash_into(&mut out, &mut hasher).map_err(io)?;
    }
    out.seek(std::io::SeekFrom::End(0)).map_err(io)?;
    let bar = progress.then(|| {
        let pb = indicatif::ProgressBar::new(size);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{msg} {bytes}/{total_bytes} {bar:30} {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb.set_message(file.to_string());
        pb.set_position(have);
        pb
    });
    let mut reader = resp.into_reader();
    let copied = clipprobe_io::formats::copy_capped(
        &mut reader,
        &mut out,
        check_sha.then_some(&mut hasher),
        have,
        size,
        |got| {
            if let Some(pb) = &bar {
                pb.set_position(got);
            }
        },
    );
    let got = match copied {
        Ok(got) => got,
        Err(CopyError::Read(got, e)) => {
            return Err(Fail::Unreachable(format!(
                "{file}: download stopped after {got} of {size} bytes ({e}); run again to resume it"
            )))
        }
        Err(CopyError::Write(e)) => return Err(io(e)),
        Err(CopyError::TooLong) => {
            drop(out);
            let _ = std::fs::remove_file(&partial);
            return Err(Fail::Bad(format!(
                "{file}: the server sent more than the {size} bytes it announced"
            )));
        }
    };
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    if got < size {
        return Err(Fail::Unreachable(format!(
            "{file}: download stopped after {got} of {size} bytes; run again to resume it"
        )));
    }
    out.sync_all().map_err(io)?;
    drop(out);
    if check_sha {
        let found = hex::encode(hasher.finalize());
        if found != etag {
            let _ = std::fs::remove_file(&partial);
            return Err(Fail::Bad(format!(
                "{file}: the downloaded bytes have SHA-256 {found}, the Hub announced {etag}; \
                 the download was discarded"
            )));
        }
    }
    std::fs::rename(&partial, blob).map_err(|e| Fail::Io(blob.to_path_buf(), e))
}

fn hash_into(f: &mut File, hasher: &mut Sha256) -> std::io::Result<()> {
    f.seek(std::io::SeekFrom::Start(0))?;
    std::io::copy(f, hasher).map(|_| ())
}
