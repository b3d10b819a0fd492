//! Where a checkpoint comes from: a Hugging Face Hub repository (downloaded by [`crate::hub`]
//! into the standard Hub cache) or a local folder.
//!
//! [`ModelSource`] is parsed from the command line; [`resolve`] turns it into a
//! [`ResolvedModel`]: one folder holding every file the model needs, plus the commit the files
//! came from.
//!
//! # The files of a checkpoint
//!
//! | file | needed |
//! |---|---|
//! | `config.json` | always |
//! | `model.safetensors`, or `model.safetensors.index.json` and the shards it names | always; `pytorch_model.bin` alone is refused (no pickle loading) |
//! | `tokenizer.json`, or `vocab.json` + `merges.txt` | Hub checkpoints |
//! | `preprocessor_config.json` | Hub checkpoints |
//! | `tokenizer_config.json`, `special_tokens_map.json` | fetched when the repository has them |
//!
//! A local folder is only checked for `config.json` and the weights; the tokenizer and
//! preprocessor files are checked by the loaders that read them, so a vision-only or
//! text-only folder still resolves.
//!
//! # The Hub cache
//!
//! The layout is the one Python's `huggingface_hub` uses, so the two share a cache:
//!
//! ```text
//! <cache>/models--<org>--<name>/
//!     blobs/<etag>                  file contents
//!     refs/<revision>               the commit sha a branch or tag pointed at when last resolved
//!     snapshots/<sha>/<filename>    links to the blobs: the folder handed to the loaders
//! ```
//!
//! Online, [`resolve`] asks the Hub which commit the revision names
//! (`GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true`, which also lists the
//! files and their sizes),
//! downloads only the files missing from `snapshots/<sha>/` (pinned to that commit, so every
//! file comes from the same one), and records `refs/<revision>`. Offline, it reads
//! `refs/<revision>` (or takes a 40-hex revision as the commit) and checks the snapshot, naming
//! every missing file.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use crate::hub::download::{self, Fetched, RepoInfo};
use crate::hub::layout::RepoCache;
use crate::hub::{Client, Fail, DEFAULT_TIMEOUT, MAX_REDIRECTS};

use crate::error::{Error, Result};

/// The default Hub address.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";
/// The revision used when none is given.
pub const DEFAULT_REVISION: &str = "main";

const CONFIG: &str = "config.json";
const SAFETENSORS: &str = "model.safetensors";
const SAFETENSORS_INDEX: &str = "model.safetensors.index.json";
const TOKENIZER: &str = "tokenizer.json";
const VOCAB: &str = "vocab.json";
const MERGES: &str = "merges.txt";
const PREPROCESSOR: &str = "preprocessor_config.json";
const OPTIONAL: [&str; 2] = ["tokenizer_config.json", "special_tokens_map.json"];
const PICKLE_WEIGHTS: [&str; 2] = ["pytorch_model.bin", "pytorch_model.bin.index.json"];

/// Where a checkpoint comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// A Hub repository `org/name` at a branch, tag or commit (`None`: `main`).
    Hub {
        repo: String,
        revision: Option<String>,
    },
    /// A local folder in the Hugging Face layout (`save_pretrained` output, or a snapshot).
    Local(PathBuf),
}

impl FromStr for ModelSource {
    type Err = Error;

    /// Parses a model argument:
    ///
    /// - `hf:org/name[@revision]`: a Hub repository, even if a folder of that name exists;
    /// - `dir:PATH`: a local folder (checked by [`resolve`]);
    /// - a plain string naming an existing folder: that folder;
    /// - otherwise `org/name[@revision]`: a Hub repository.
    ///
    /// Anything else is an error that says which forms are accepted.
    fn from_str(s: &str) -> Result<Self> {
        if let Some(rest) = s.strip_prefix("hf:") {
            return parse_hub(rest).map_err(|why| {
                Error::Source(format!(
                    "`{s}`: {why} (expected hf:org/name or hf:org/name@revision)"
                ))
            });
        }
        if let Some(rest) = s.strip_prefix("dir:") {
            if rest.is_empty() {
                return Err(Error::Source(
                    "`dir:` needs a folder path after it, e.g. dir:./my-clip".into(),
                ));
            }
            return Ok(ModelSource::Local(PathBuf::from(rest)));
        }
        if s.trim().is_empty() {
            return Err(Error::Source(
                "empty model: give a Hub id (org/name[@revision]) or a folder".into(),
            ));
        }
        let path = Path::new(s);
        if path.is_dir() {
            return Ok(ModelSource::Local(path.to_path_buf()));
        }
        if path.is_file() {
            return Err(Error::Source(format!(
                "{s} is a file; the model must be a folder (holding config.json and the weights) or a Hub id"
            )));
        }
        parse_hub(s).map_err(|why| {
            Error::Source(format!(
                "no such folder {s}, and not a Hub id: {why} (expected a folder, org/name or \
                 org/name@revision; prefix dir: or hf: to be explicit)"
            ))
        })
    }
}

impl fmt::Display for ModelSource {
    /// The explicit form, which parses back to the same source.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelSource::Hub {
                repo,
                revision: Some(r),
            } => write!(f, "hf:{repo}@{r}"),
            ModelSource::Hub {
                repo,
                revision: None,
            } => write!(f, "hf:{repo}"),
            ModelSource::Local(p) => write!(f, "dir:{}", p.display()),
        }
    }
}

impl ModelSource {
    /// The same source with `revision` in place of the one it names (a folder is unchanged).
    pub fn with_revision(self, revision: Option<String>) -> Self {
        match self {
            ModelSource::Hub { repo, revision: r } => ModelSource::Hub {
                repo,
                revision: revision.or(r),
            },
            local => local,
        }
    }
}

fn parse_hub(s: &str) -> std::result::Result<ModelSource, String> {
    let (repo, revision) = match s.split_once('@') {
        Some((repo, rev)) => {
            check_revision(rev)?;
            (repo, Some(rev.to_string()))
        }
        None => (s, None),
    };
    check_repo_id(repo)?;
    Ok(ModelSource::Hub {
        repo: repo.to_string(),
        revision,
    })
}

/// The Hub's rules for a repository id (`huggingface_hub.utils.validate_repo_id`), restricted to
/// the `org/name` form.
fn check_repo_id(repo: &str) -> std::result::Result<(), String> {
    let Some((org, name)) = repo.split_once('/') else {
        return Err(format!("`{repo}` has no `org/` part"));
    };
    if repo.len() > 96 {
        return Err(format!("`{repo}` is longer than 96 characters"));
    }
    for part in [org, name] {
        if part.is_empty() {
            return Err(format!("`{repo}` has an empty part"));
        }
        if let Some(c) = part
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(format!("`{repo}` contains `{c}`"));
        }
        if part.starts_with(['-', '.']) || part.ends_with(['-', '.']) {
            return Err(format!("`{repo}`: a part starts or ends with `-` or `.`"));
        }
    }
    if repo.contains("--") || repo.contains("..") {
        return Err(format!("`{repo}` contains `--` or `..`"));
    }
    Ok(())
}

fn check_revision(rev: &str) -> std::result::Result<(), String> {
    if rev.is_empty() {
        return Err("empty revision after `@`".into());
    }
    if rev
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        || rev.contains("..")
        || rev.starts_with('/')
        || rev.ends_with('/')
    {
        return Err(format!("`{rev}` is not a valid revision"));
    }
    Ok(())
}

/// Whether `rev` is a full commit sha (40 lowercase hex digits).
pub fn is_commit_sha(rev: &str) -> bool {
    rev.len() == 40 && rev.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// How to reach the Hub and where its cache is. [`HubOptions::from_env`] (in [`crate::env`])
/// fills it from the standard `HF_*` variables; tests build it directly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HubOptions {
    /// Resolve from the cache only; never touch the network.
    pub offline: bool,
    /// Access token for gated or private repositories.
    pub token: Option<String>,
    /// Hub address (`None`: [`DEFAULT_ENDPOINT`]).
    pub endpoint: Option<String>,
    /// The cache folder itself (`None`: the one the environment names, see [`crate::env`]).
    pub cache_dir: Option<PathBuf>,
    /// Show download progress bars on stderr.
    pub progress: bool,
    /// Connect and read timeout for each request (`None`: [`crate::hub::DEFAULT_TIMEOUT`];
    /// `HF_HUB_DOWNLOAD_TIMEOUT` in seconds).
    pub timeout: Option<std::time::Duration>,
}

/// A source turned into one folder with the needed files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedModel {
    /// What was asked for.
    pub source: ModelSource,
    /// Display id: the repository, or the folder as given.
    pub id: String,
    /// Hub: the commit sha the files came from. Local folder: `None`.
    pub revision: Option<String>,
    /// The folder holding the files: the snapshot folder for the Hub.
    pub dir: PathBuf,
    /// What was repaired on the way, for the caller to show (a damaged cached file that was
    /// removed and downloaded again, naming its path).
    pub notes: Vec<String>,
}

/// Resolves a source: checks a local folder, or finds (offline) or completes (online) the Hub
/// snapshot in the cache. See the [module docs](self).
pub fn resolve(src: &ModelSource, opts: &HubOptions) -> Result<ResolvedModel> {
    match src {
        ModelSource::Local(dir) => resolve_local(src, dir),
        ModelSource::Hub { repo, revision } => {
            let revision = revision.as_deref().unwrap_or(DEFAULT_REVISION);
            let cache_dir = opts
                .cache_dir
                .clone()
                .or_else(crate::env::default_hub_cache)
                .ok_or_else(|| {
                    Error::Source(
                        "no Hugging Face cache folder: set HF_HUB_CACHE or HF_HOME (no home folder is known)"
                            .into(),
                    )
                })?;
            let hub = HubRepo {
                repo,
                revision,
                cache_dir: &cache_dir,
            };
            let (sha, dir, notes) = if opts.offline {
                let (sha, dir) = hub.resolve_offline()?;
                (sha, dir, Vec::new())
            } else {
                hub.resolve_online(opts)?
            };
            Ok(ResolvedModel {
                source: src.clone(),
                id: repo.clone(),
                revision: Some(sha),
                dir,
                notes,
            })
        }
    }
}

fn resolve_local(src: &ModelSource, dir: &Path) -> Result<ResolvedModel> {
    if !dir.exists() {
        return Err(Error::Source(format!(
            "model folder {} does not exist",
            dir.display()
        )));
    }
    if !dir.is_dir() {
        return Err(Error::Source(format!(
            "{} is not a folder; the model must be a folder holding config.json and the weights",
            dir.display()
        )));
    }
    let has = |f: &str| dir.join(f).is_file();
    let plan = plan_files(&has, false);
    let mut missing = plan.missing;
    if missing.is_empty() {
        if let Some(shards) = plan
            .index
            .then(|| read_shards(&dir.join(SAFETENSORS_INDEX)))
        {
            missing.extend(shards?.into_iter().filter(|s| !has(s)));
        }
    }
    if !missing.is_empty() {
        let why = pickle_note(plan.pickle_only);
        return Err(Error::Source(format!(
            "model folder {} is missing {}{why}",
            dir.display(),
            missing.join(", ")
        )));
    }
    Ok(ResolvedModel {
        source: src.clone(),
        id: dir.display().to_string(),
        revision: None,
        dir: dir.to_path_buf(),
        notes: Vec::new(),
    })
}

/// The files to fetch, or what is missing, given which files exist.
struct Plan {
    /// Top-level files to have, required ones first, then optional ones that exist.
    files: Vec<&'static str>,
    /// What is missing, as shown to the user.
    missing: Vec<String>,
    /// The weights are sharded: the index names more files.
    index: bool,
    /// Only pickle (`pytorch_model.bin`) weights exist.
    pickle_only: bool,
}

fn plan_files(has: &dyn Fn(&str) -> bool, full: bool) -> Plan {
    if !has(CONFIG) && has(crate::openclip::CONFIG_FILE) {
        return plan_open_clip(has, full);
    }
    let mut files = Vec::new();
    let mut missing = Vec::new();
    let mut index = false;
    let mut pickle_only = false;
    let need = |f: &'static str, files: &mut Vec<&'static str>, missing: &mut Vec<String>| {
        if has(f) {
            files.push(f);
        } else {
            missing.push(f.to_string());
        }
    };
    need(CONFIG, &mut files, &mut missing);
    if has(SAFETENSORS) {
        files.push(SAFETENSORS);
    } else if has(SAFETENSORS_INDEX) {
        files.push(SAFETENSORS_INDEX);
        index = true;
    } else {
        pickle_only = PICKLE_WEIGHTS.iter().any(|f| has(f));
        missing.push(format!(
            "{SAFETENSORS} (or {SAFETENSORS_INDEX} + its shards)"
        ));
    }
    if full {
        if has(TOKENIZER) {
            files.push(TOKENIZER);
        } else if has(VOCAB) && has(MERGES) {
            files.extend([VOCAB, MERGES]);
        } else {
            missing.push(format!("{TOKENIZER} (or {VOCAB} + {MERGES})"));
        }
        need(PREPROCESSOR, &mut files, &mut missing);
        files.extend(OPTIONAL.into_iter().filter(|f| has(f)));
    }
    Plan {
        files,
        missing,
        index,
        pickle_only,
    }
}

/// open_clip's Hub layout (no `config.json`): `open_clip_config.json`, the first of
/// [`crate::openclip::WEIGHT_FILES`] present (a pickled `.bin` is read without executing
/// code), and for Hub checkpoints the CLIP tokenizer files; no `preprocessor_config.json`
/// (open_clip's `preprocess_cfg` is inside its config).
fn plan_open_clip(has: &dyn Fn(&str) -> bool, full: bool) -> Plan {
    let mut files = vec![crate::openclip::CONFIG_FILE];
    let mut missing = Vec::new();
    match crate::openclip::WEIGHT_FILES.into_iter().find(|f| has(f)) {
        Some(w) => files.push(w),
        None => missing.push(crate::openclip::WEIGHT_FILES.join(" or ")),
    }
    if full {
        if has(TOKENIZER) {
            files.push(TOKENIZER);
        } else if has(VOCAB) && has(MERGES) {
            files.extend([VOCAB, MERGES]);
        } else {
            missing.push(format!("{TOKENIZER} (or {VOCAB} + {MERGES})"));
        }
        files.extend(OPTIONAL.into_iter().filter(|f| has(f)));
    }
    Plan {
        files,
        missing,
        index: false,
        pickle_only: false,
    }
}

fn pickle_note(pickle_only: bool) -> &'static str {
    if pickle_only {
        "; the checkpoint has only pytorch_model.bin weights, and clipprobe requires safetensors \
         (convert it with transformers: `model.save_pretrained(dir, safe_serialization=True)`, \
         or pick a revision that has model.safetensors)"
    } else {
        ""
    }
}

/// The shard file names a `model.safetensors.index.json` names, sorted, each checked to be a
/// plain relative path.
fn read_shards(index: &Path) -> Result<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Index {
        weight_map: std::collections::BTreeMap<String, String>,
    }
    let bytes = std::fs::read(index).map_err(|source| Error::Io {
        path: index.to_path_buf(),
        source,
    })?;
    let parsed: Index = serde_json::from_slice(&bytes).map_err(|e| Error::Config {
        path: index.to_path_buf(),
        message: e.to_string(),
    })?;
    let shards: BTreeSet<String> = parsed.weight_map.into_values().collect();
    if shards.is_empty() {
        return Err(Error::Config {
            path: index.to_path_buf(),
            message: "weight_map names no shard".into(),
        });
    }
    for s in &shards {
        let plain = !s.is_empty()
            && Path::new(s)
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !plain {
            return Err(Error::Config {
                path: index.to_path_buf(),
                message: format!("shard name `{s}` is not a plain relative file name"),
            });
        }
    }
    Ok(shards.into_iter().collect())
}

/// One repository at one revision in one cache.
struct HubRepo<'a> {
    repo: &'a str,
    revision: &'a str,
    cache_dir: &'a Path,
}

impl HubRepo<'_> {
    fn cache(&self) -> Result<RepoCache> {
        RepoCache::new(self.cache_dir, self.repo).map_err(Error::Source)
    }

    fn fix_hint(&self) -> String {
        format!(
            "run once without offline mode (unset HF_HUB_OFFLINE, drop --offline) to download it, \
             or set HF_HUB_CACHE to a cache folder that has {}@{}",
            self.repo, self.revision
        )
    }

    fn resolve_offline(&self) -> Result<(String, PathBuf)> {
        let cache = self.cache()?;
        let sha = if is_commit_sha(self.revision) {
            self.revision.to_string()
        } else {
            let refp = cache.ref_path(self.revision).map_err(Error::Source)?;
            match std::fs::read_to_string(&refp) {
                Ok(s) if is_commit_sha(s.trim()) => s.trim().to_string(),
                Ok(_) => {
                    return Err(Error::Source(format!(
                        "offline: {} does not hold a commit sha; {}",
                        refp.display(),
                        self.fix_hint()
                    )))
                }
                Err(_) => {
                    return Err(Error::Source(format!(
                        "offline: {}@{} is not in the Hugging Face cache {} (no {}): missing {}, \
                         {}, {}, {}; {}",
                        self.repo,
                        self.revision,
                        self.cache_dir.display(),
                        refp.display(),
                        CONFIG,
                        SAFETENSORS,
                        TOKENIZER,
                        PREPROCESSOR,
                        self.fix_hint()
                    )))
                }
            }
        };
        let dir = cache.snapshot(&sha).map_err(Error::Source)?;
        let has = |f: &str| dir.join(f).is_file();
        let plan = plan_files(&has, true);
        let mut missing = plan.missing;
        if missing.is_empty() && plan.index {
            missing.extend(
                read_shards(&dir.join(SAFETENSORS_INDEX))?
                    .into_iter()
                    .filter(|s| !has(s)),
            );
        }
        if !missing.is_empty() {
            return Err(Error::Source(format!(
                "offline: {}@{} (commit {sha}) is incomplete in the Hugging Face cache {}: missing \
                 {}{}; {}",
                self.repo,
                self.revision,
                self.cache_dir.display(),
                missing.join(", "),
                pickle_note(plan.pickle_only),
                self.fix_hint()
            )));
        }
        Ok((sha, dir))
    }

    fn resolve_online(&self, opts: &HubOptions) -> Result<(String, PathBuf, Vec<String>)> {
        let endpoint = opts
            .endpoint
            .as_deref()
            .unwrap_or(DEFAULT_ENDPOINT)
            .trim_end_matches('/')
            .to_string();
        let client = Client::new(
            &endpoint,
            opts.token.clone(),
            opts.timeout.unwrap_or(DEFAULT_TIMEOUT),
        )
        .map_err(Error::Source)?;
        let cache = self.cache()?;
        let mut segments: Vec<&str> = vec!["api", "models"];
        segments.extend(self.repo.split('/'));
        segments.extend(["revision", self.revision]);
        let mut url = client.url(&segments);
        url.set_query(Some("blobs=true"));
        let info: RepoInfo = client
            .get_json(url)
            .map_err(|e| self.hub_error(&endpoint, "cannot look up", e))?;
        let sha = info.sha.trim().to_string();
        if !is_commit_sha(&sha) {
            return Err(Error::Source(format!(
                "{endpoint}: {}@{} resolved to `{}`, which is not a commit sha (40 lowercase hex \
                 digits)",
                self.repo,
                self.revision,
                sha.escape_debug()
            )));
        }
        let listed: BTreeMap<String, Option<u64>> = info
            .siblings
            .into_iter()
            .map(|s| (s.rfilename, s.size))
            .collect();
        let has = |f: &str| listed.contains_key(f);
        let plan = plan_files(&has, true);
        if !plan.missing.is_empty() {
            return Err(Error::Source(format!(
                "{}@{} (commit {sha}) on {endpoint} has no {}{}",
                self.repo,
                self.revision,
                plan.missing.join(", "),
                pickle_note(plan.pickle_only)
            )));
        }

        let dir = cache.snapshot(&sha).map_err(Error::Source)?;
        let mut notes = Vec::new();
        // Every download is pinned to the commit, so all files come from the same one.
        let mut fetch = |f: &str| -> Result<()> {
            let size = listed.get(f).copied().flatten();
            match download::fetch(&client, &cache, self.repo, &sha, f, size, opts.progress) {
                Ok(Fetched::Replaced(note)) => notes.push(note),
                Ok(Fetched::Cached | Fetched::Downloaded) => {}
                Err(e) => {
                    return Err(self.hub_error(&endpoint, &format!("cannot download {f} of"), e))
                }
            }
            Ok(())
        };
        for f in &plan.files {
            fetch(f)?;
        }
        if plan.index {
            for shard in read_shards(&dir.join(SAFETENSORS_INDEX))? {
                if !has(&shard) {
                    return Err(Error::Source(format!(
                        "{}@{} (commit {sha}): {SAFETENSORS_INDEX} names {shard}, which the \
                         repository does not have",
                        self.repo, self.revision
                    )));
                }
                fetch(&shard)?;
            }
        }
        if !is_commit_sha(self.revision) {
            let refp = cache.ref_path(self.revision).map_err(Error::Source)?;
            let written = refp
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(&refp, &sha));
            written.map_err(|source| Error::Io { path: refp, source })?;
        }
        Ok((sha, dir, notes))
    }

    /// A Hub failure in words: what was being done, which repository, and what to do about it.
    fn hub_error(&self, endpoint: &str, doing: &str, e: Fail) -> Error {
        let what = format!("{doing} {}@{} on {endpoint}", self.repo, self.revision);
        let status = match e {
            Fail::Status(s) => s,
            Fail::Unreachable(why) => {
                return Error::Source(format!(
                    "{what}: cannot reach the Hub ({endpoint}: {why}); check the network or \
                     HF_ENDPOINT, or use offline mode (HF_HUB_OFFLINE=1, or --offline) if the \
                     model is already in the cache"
                ))
            }
            Fail::TooManyRedirects(url) => {
                return Error::Source(format!(
                    "{what}: more than {MAX_REDIRECTS} redirects (the last to {url}); the server \
                     at HF_ENDPOINT is misconfigured or hostile"
                ))
            }
            Fail::Bad(why) => {
                return Error::Source(format!("{what}: refused the server's answer: {why}"))
            }
            Fail::Io(path, source) => return Error::Io { path, source },
        };
        let why = match status {
            401 | 403 => "access denied: the repository is gated or private; accept its terms on \
                          the Hub and set HF_TOKEN (or log in with `hf auth login`)"
                .to_string(),
            404 => "not found: check the repository id and the revision".to_string(),
            429 => "rate limited by the Hub; wait and retry, or set HF_TOKEN".to_string(),
            s => format!("the Hub answered HTTP {s}"),
        };
        Error::Source(format!("{what}: {why}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(repo: &str, rev: Option<&str>) -> ModelSource {
        ModelSource::Hub {
            repo: repo.into(),
            revision: rev.map(Into::into),
        }
    }

    #[test]
    fn parses_hub_ids() {
        let p = |s: &str| s.parse::<ModelSource>().expect(s);
        assert_eq!(
            p("openai/clip-vit-base-patch32"),
            hub("openai/clip-vit-base-patch32", None)
        );
        assert_eq!(p("org/name@v1.0"), hub("org/name", Some("v1.0")));
        assert_eq!(
            p("hf:org/name@refs/pr/3"),
            hub("org/name", Some("refs/pr/3"))
        );
        assert_eq!(
            p("dir:no/such/dir"),
            ModelSource::Local("no/such/dir".into())
        );
    }

    #[test]
    fn existing_folder_wins_unless_hf_prefix() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let d = tmp.path().join("org").join("name");
        std::fs::create_dir_all(&d).expect("mkdir");
        let s = d.to_string_lossy().into_owned();
        assert_eq!(
            s.parse::<ModelSource>().expect("dir"),
            ModelSource::Local(d.clone())
        );
        assert!(format!("hf:{s}").parse::<ModelSource>().is_err());
    }

    #[test]
    fn rejects_bad_ids_with_a_reason() {
        for (s, needle) in [
            ("./no/such/folder", "no such folder ./no/such/folder"),
            ("justname", "no such folder justname"),
            ("org/name@", "empty revision"),
            ("org//name", "not a Hub id"),
            ("org/na me", "contains ` `"),
            ("hf:org", "no `org/` part"),
            ("dir:", "needs a folder"),
            ("", "empty model"),
        ] {
            let e = s.parse::<ModelSource>().expect_err(s).to_string();
            assert!(e.contains(needle), "{s:?}: {e}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            hub("a/b", None),
            hub("a/b", Some("main")),
            ModelSource::Local("x/y".into()),
        ] {
            assert_eq!(s.to_string().parse::<ModelSource>().expect("parse"), s);
        }
    }

    #[test]
    fn commit_sha_detection() {
        assert!(is_commit_sha(&"a".repeat(40)));
        assert!(!is_commit_sha(&"A".repeat(40)));
        assert!(!is_commit_sha("main"));
        assert!(!is_commit_sha(&"a".repeat(39)));
    }

    #[test]
    fn plan_prefers_safetensors_and_names_what_is_missing() {
        let have = |names: &'static [&'static str]| move |f: &str| names.contains(&f);
        let p = plan_files(&have(&["config.json", "pytorch_model.bin"]), true);
        assert!(p.pickle_only);
        assert_eq!(p.missing.len(), 3, "{:?}", p.missing);
        let p = plan_files(
            &have(&[
                "config.json",
                "model.safetensors.index.json",
                "vocab.json",
                "merges.txt",
                "preprocessor_config.json",
                "tokenizer_config.json",
            ]),
            true,
        );
        assert!(p.missing.is_empty() && p.index && !p.pickle_only);
        assert_eq!(
            p.files,
            [
                "config.json",
                "model.safetensors.index.json",
                "vocab.json",
                "merges.txt",
                "preprocessor_config.json",
                "tokenizer_config.json"
            ]
        );
    }

    #[test]
    fn shard_names_must_be_plain() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let idx = tmp.path().join("i.json");
        std::fs::write(&idx, r#"{"weight_map":{"a":"../evil.safetensors"}}"#).expect("w");
        assert!(read_shards(&idx).is_err());
        std::fs::write(
            &idx,
            r#"{"metadata":{},"weight_map":{"a":"m-2.safetensors","b":"m-1.safetensors","c":"m-2.safetensors"}}"#,
        )
        .expect("w");
        assert_eq!(
            read_shards(&idx).expect("shards"),
            ["m-1.safetensors", "m-2.safetensors"]
        );
    }
}
