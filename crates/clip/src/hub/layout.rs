//! The standard Hub cache layout for one repository, with every path checked to stay inside
//! the cache:
//!
//! ```text
//! <cache>/models--<org>--<name>/
//!     blobs/<etag>                  file contents (<etag>.incomplete while downloading)
//!     refs/<revision>               the commit a branch or tag pointed at when last resolved
//!     snapshots/<commit>/<file>     relative links to ../../blobs/<etag>
//! ```

use std::path::{Component, Path, PathBuf};

/// One repository's folder in one cache.
pub(crate) struct RepoCache {
    dir: PathBuf,
}

/// `base` joined with `rel`, refused unless every component of `rel` is a plain name (no `..`,
/// no root, no prefix, no empty path, no backslash), so the result stays inside `base`.
pub(crate) fn join_inside(base: &Path, rel: &str) -> Result<PathBuf, String> {
    let plain = !rel.is_empty()
        && !rel.contains('\\')
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if plain {
        Ok(base.join(rel))
    } else {
        Err(format!(
            "`{}` would leave the cache folder {}",
            rel.escape_debug(),
            base.display()
        ))
    }
}

impl RepoCache {
    /// `<cache>/models--<org>--<name>` for a checked `org/name` id.
    pub(crate) fn new(cache: &Path, repo: &str) -> Result<Self, String> {
        let name = format!("models--{}", repo.replace('/', "--"));
        Ok(RepoCache {
            dir: join_inside(cache, &name)?,
        })
    }

    pub(crate) fn blob(&self, etag: &str) -> Result<PathBuf, String> {
        join_inside(&self.dir.join("blobs"), etag)
    }

    pub(crate) fn snapshot(&self, commit: &str) -> Result<PathBuf, String> {
        join_inside(&self.dir.join("snapshots"), commit)
    }

    pub(crate) fn snapshot_file(&self, commit: &str, file: &str) -> Result<PathBuf, String> {
        join_inside(&self.snapshot(commit)?, file)
    }

    pub(crate) fn ref_path(&self, revision: &str) -> Result<PathBuf, String> {
        join_inside(&self.dir.join("refs"), revision)
    }

    /// Points `snapshots/<commit>/<file>` at `blobs/<etag>` with a relative link (a copy where
    /// links are not available), replacing whatever was there.
    pub(crate) fn link(&self, commit: &str, file: &str, etag: &str) -> std::io::Result<()> {
        let at = self
            .snapshot_file(commit, file)
            .map_err(std::io::Error::other)?;
        let blob = self.blob(etag).map_err(std::io::Error::other)?;
        if let Some(parent) = at.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let tmp = at.with_file_name(format!(".{etag}.link"));
        let _ = std::fs::remove_file(&tmp);
        #[cfg(unix)]
        {
            let up = "../".repeat(1 + Path::new(file).components().count());
            std::os::unix::fs::symlink(format!("{up}blobs/{etag}"), &tmp)?;
        }
        #[cfg(not(unix))]
        std::fs::copy(&blob, &tmp).map(|_| ())?;
        let _ = blob;
        std::fs::rename(&tmp, &at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside() {
        let c = RepoCache::new(Path::new("/c"), "org/name").expect("repo");
        assert_eq!(
            c.blob(&"a".repeat(40)).expect("blob"),
            Path::new("/c/models--org--name/blobs").join("a".repeat(40))
        );
        assert_eq!(
            c.ref_path("refs/pr/3").expect("ref"),
            Path::new("/c/models--org--name/refs/refs/pr/3")
        );
        for bad in ["../x", "/etc/passwd", "a/../../b", "", "a\\..\\b", "."] {
            assert!(c.blob(bad).is_err(), "{bad}");
            assert!(c.ref_path(bad).is_err(), "{bad}");
            assert!(c.snapshot_file(&"a".repeat(40), bad).is_err(), "{bad}");
        }
    }
}
