//! Model sources: Hub download against a local fake Hub, the cache layout, offline resolution,
//! local folders.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use clipprobe_clip::source::{resolve, HubOptions, ModelSource, ResolvedModel};

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const TOKEN: &str = "hf_test_token";

/// A repository served by [`FakeHub`].
#[derive(Clone)]
struct FixtureRepo {
    sha: String,
    files: BTreeMap<String, Vec<u8>>,
    gated: bool,
    hostile: Hostile,
}

/// How a hostile or broken Hub misbehaves on `/resolve/` requests.
#[derive(Clone, Default)]
enum Hostile {
    #[default]
    No,
    /// This `etag` header for every file.
    Etag(String),
    /// This `x-repo-commit` header for every file.
    Commit(String),
    /// Every file answers `302` to itself.
    RedirectLoop,
    /// Reads the request, then never answers.
    Silent,
    /// `GET` of a file answers `302` to the same path on this other server.
    RedirectTo(String),
    /// `Range` is ignored: always `200` with the whole file.
    IgnoreRange,
    /// The etag is the SHA-256 of other bytes.
    WrongSha256,
    /// `HEAD` announces this many bytes for `config.json` (and the listing gives no sizes).
    HugeConfig(u64),
    /// `GET` sends 100,000 bytes more than `HEAD` announced for `model.safetensors`.
    LongerBody,
}

fn repo_with(files: &[(&str, &[u8])]) -> FixtureRepo {
    FixtureRepo {
        sha: SHA.into(),
        files: files
            .iter()
            .map(|(n, b)| (n.to_string(), b.to_vec()))
            .collect(),
        gated: false,
        hostile: Hostile::No,
    }
}

fn tiny_repo() -> FixtureRepo {
    repo_with(&[
        ("config.json", b"{\"model_type\": \"clip\"}"),
        ("model.safetensors", b"not really safetensors, but bytes"),
        ("tokenizer.json", b"{\"tokenizer\": true}"),
        ("preprocessor_config.json", b"{\"crop_size\": 8}"),
        ("tokenizer_config.json", b"{}"),
        ("README.md", b"# not needed"),
    ])
}

/// A minimal Hugging Face Hub on 127.0.0.1: `GET /api/models/{repo}/revision/{rev}` and
/// `GET|HEAD /{repo}/resolve/{rev}/{file}` with the headers a Hub client reads (`x-repo-commit`,
/// `etag`, `content-range` for ranges), or a hostile variant of them ([`Hostile`]). The thread stops when the value is dropped, or after a
/// minute at most.
struct FakeHub {
    endpoint: String,
    log: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeHub {
    fn start(repos: BTreeMap<String, FixtureRepo>) -> FakeHub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stop2.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => serve(stream, &repos, &log2, &stop2),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FakeHub {
            endpoint,
            log,
            stop,
            thread: Some(thread),
        }
    }

    fn requests(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }

    fn opts(&self, cache: &Path) -> HubOptions {
        HubOptions {
            offline: false,
            token: None,
            endpoint: Some(self.endpoint.clone()),
            cache_dir: Some(cache.to_path_buf()),
            progress: false,
            timeout: Some(Duration::from_millis(500)),
        }
    }
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(
    mut stream: TcpStream,
    repos: &BTreeMap<String, FixtureRepo>,
    log: &Mutex<Vec<String>>,
    stop: &AtomicBool,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65536 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_string();
    let path = first.next().unwrap_or("").to_string();
    let headers: BTreeMap<String, String> = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut line = format!("{method} {path}");
    if let Some(a) = headers.get("authorization") {
        line.push_str(&format!(" [{a}]"));
    }
    if let Some(r) = headers.get("range") {
        line.push_str(&format!(" [range {r}]"));
    }
    log.lock().expect("log").push(line);
    let (status, extra, body) = answer(&method, &path, &headers, repos);
    if status == 0 {
        // Silent: hold the connection without answering until the hub is dropped.
        while !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(10));
        }
        return;
    }
    let reason = match status {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        401 => "Unauthorized",
        _ => "Not Found",
    };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\nconnection: close\r\n");
    if !extra.iter().any(|(k, _)| k == "content-length") {
        head.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    if method != "HEAD" {
        let _ = stream.write_all(&body);
    }
    let _ = stream.flush();
}

type Answer = (u16, Vec<(String, String)>, Vec<u8>);

fn answer(
    method: &str,
    path: &str,
    headers: &BTreeMap<String, String>,
    repos: &BTreeMap<String, FixtureRepo>,
) -> Answer {
    let full_path = path;
    let path = path.split('?').next().unwrap_or(path);
    let not_found = |what: &str| (404, vec![], what.as_bytes().to_vec());
    let find = |org: &str, name: &str, rev: &str| -> Option<&FixtureRepo> {
        let r = repos.get(&format!("{org}/{name}"))?;
        let rev = rev.replace("%2F", "/");
        (rev == "main" || rev == r.sha).then_some(r)
    };
    let authorized = |r: &FixtureRepo| {
        !r.gated || headers.get("authorization") == Some(&format!("Bearer {TOKEN}"))
    };
    let parts: Vec<&str> = path.trim_start_matches('/').splitn(6, '/').collect();
    match parts.as_slice() {
        ["api", "models", org, name, "revision", rev] => match find(org, name, rev) {
            None => not_found("Repository not found"),
            Some(r) if !authorized(r) => (401, vec![], b"gated".to_vec()),
            Some(r) => {
                let sizes = !matches!(r.hostile, Hostile::HugeConfig(_));
                let siblings: Vec<_> = r
                    .files
                    .iter()
                    .map(|(f, b)| match sizes {
                        true => serde_json::json!({ "rfilename": f, "size": b.len() }),
                        false => serde_json::json!({ "rfilename": f }),
                    })
                    .collect();
                let body = serde_json::json!({ "sha": r.sha, "siblings": siblings });
                (200, vec![], body.to_string().into_bytes())
            }
        },
        [org, name, "resolve", rev, file @ ..] if !file.is_empty() => {
            let file = file.join("/");
            let Some(r) = find(org, name, rev) else {
                return not_found("Repository not found");
            };
            if !authorized(r) {
                return (401, vec![], b"gated".to_vec());
            }
            let Some(content) = r.files.get(&file) else {
                return (
                    404,
                    vec![("x-error-code".into(), "EntryNotFound".into())],
                    b"Entry not found".to_vec(),
                );
            };
            let mut etag = format!("\"{}\"", sha256_hex(content));
            let mut commit = r.sha.clone();
            let mut extra = vec![];
            match &r.hostile {
                Hostile::No | Hostile::IgnoreRange => {}
                Hostile::Etag(e) => etag = e.clone(),
                Hostile::Commit(c) => commit = c.clone(),
                Hostile::RedirectLoop => {
                    return (302, vec![("location".into(), full_path.into())], vec![]);
                }
                Hostile::Silent => return (0, vec![], vec![]),
                Hostile::RedirectTo(other) if method == "GET" => {
                    let to = format!("{other}{full_path}");
                    return (302, vec![("location".into(), to)], vec![]);
                }
                Hostile::RedirectTo(_) => {}
                Hostile::WrongSha256 => etag = sha256_hex(b"other bytes"),
                Hostile::HugeConfig(n) if file == "config.json" => {
                    extra.push(("content-length".to_string(), n.to_string()));
                }
                Hostile::HugeConfig(_) => {}
                Hostile::LongerBody if method == "GET" && file == "model.safetensors" => {
                    let mut longer = content.clone();
                    longer.resize(content.len() + 100_000, b'x');
                    extra.push(("x-repo-commit".to_string(), commit));
                    extra.push(("etag".to_string(), etag));
                    return (200, extra, longer);
                }
                Hostile::LongerBody => {}
            }
            extra.push(("x-repo-commit".to_string(), commit));
            extra.push(("etag".to_string(), etag));
            let len = content.len();
            let ranged = !matches!(r.hostile, Hostile::IgnoreRange);
            if let Some(range) = headers
                .get("range")
                .and_then(|r| r.strip_prefix("bytes="))
                .filter(|_| ranged)
            {
                let (a, b) = range.split_once('-').unwrap_or((range, ""));
                let a: usize = a.parse().unwrap_or(0).min(len.saturating_sub(1));
                let b: usize = b.parse().unwrap_or(len - 1).min(len - 1);
                extra.push(("content-range".into(), format!("bytes {a}-{b}/{len}")));
                (206, extra, content[a..=b].to_vec())
            } else {
                (200, extra, content.clone())
            }
        }
        _ => not_found("no such route"),
    }
}

/// The etag the Hub gives an LFS file: its SHA-256, hex.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn hub_source(repo: &str, rev: Option<&str>) -> ModelSource {
    ModelSource::Hub {
        repo: repo.into(),
        revision: rev.map(Into::into),
    }
}

fn one_repo(name: &str, repo: FixtureRepo) -> FakeHub {
    FakeHub::start(BTreeMap::from([(name.to_string(), repo)]))
}

fn downloads(log: &[String]) -> usize {
    log.iter().filter(|l| l.contains("/resolve/")).count()
}

#[test]
fn download_fills_the_standard_cache_layout_and_offline_reuses_it() {
    let fixture = tiny_repo();
    let hub = one_repo("clipprobe/tiny", fixture.clone());
    let cache = tempfile::tempdir().expect("tempdir");
    let opts = hub.opts(cache.path());
    let src = hub_source("clipprobe/tiny", None);

    let got = resolve(&src, &opts).expect("online resolve");
    let repo_dir = cache.path().join("models--clipprobe--tiny");
    assert_eq!(got.id, "clipprobe/tiny");
    assert_eq!(got.revision.as_deref(), Some(SHA));
    assert_eq!(got.dir, repo_dir.join("snapshots").join(SHA));
    for f in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "preprocessor_config.json",
        "tokenizer_config.json",
    ] {
        let p = got.dir.join(f);
        assert_eq!(std::fs::read(&p).expect(f), fixture.files[f], "{f}");
        let target = std::fs::read_link(&p).expect("snapshot entries link to blobs");
        assert!(
            target.starts_with("../../blobs"),
            "{f} -> {}",
            target.display()
        );
    }
    assert!(
        !got.dir.join("README.md").exists(),
        "unneeded files are not fetched"
    );
    assert_eq!(
        std::fs::read_to_string(repo_dir.join("refs").join("main")).expect("ref"),
        SHA
    );
    assert!(!repo_dir.join("refs").join(SHA).exists());
    let first = hub.requests();
    assert!(first[0].starts_with("GET /api/models/clipprobe/tiny/revision/main"));
    assert!(downloads(&first) >= 5, "{first:?}");

    // Online again: the commit is looked up, but nothing is downloaded a second time.
    let again = resolve(&src, &opts).expect("second online resolve");
    assert_eq!(again, got);
    let second = hub.requests();
    assert_eq!(downloads(&second), downloads(&first), "{second:?}");

    // Offline: same answer, no request at all.
    let offline = HubOptions {
        offline: true,
        ..opts.clone()
    };
    assert_eq!(resolve(&src, &offline).expect("offline resolve"), got);
    let by_sha = resolve(&hub_source("clipprobe/tiny", Some(SHA)), &offline).expect("by sha");
    assert_eq!(by_sha.dir, got.dir);
    assert_eq!(hub.requests().len(), second.len());
}

#[test]
fn offline_with_an_empty_cache_names_the_missing_files() {
    let cache = tempfile::tempdir().expect("tempdir");
    let opts = HubOptions {
        offline: true,
        cache_dir: Some(cache.path().to_path_buf()),
        ..HubOptions::default()
    };
    let e = resolve(&hub_source("org/model", Some("v2")), &opts)
        .expect_err("nothing cached")
        .to_string();
    for needle in [
        "offline",
        "org/model@v2",
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "preprocessor_config.json",
        "HF_HUB_CACHE",
    ] {
        assert!(e.contains(needle), "{needle:?} not in: {e}");
    }
}

#[test]
fn missing_repository_is_a_clear_error() {
    let hub = one_repo("clipprobe/tiny", tiny_repo());
    let cache = tempfile::tempdir().expect("tempdir");
    let e = resolve(&hub_source("clipprobe/nope", None), &hub.opts(cache.path()))
        .expect_err("404")
        .to_string();
    assert!(e.contains("clipprobe/nope@main"), "{e}");
    assert!(e.contains("not found"), "{e}");
    let e = resolve(
        &hub_source("clipprobe/tiny", Some("no-such-branch")),
        &hub.opts(cache.path()),
    )
    .expect_err("unknown revision")
    .to_string();
    assert!(
        e.contains("no-such-branch") && e.contains("not found"),
        "{e}"
    );
}

#[test]
fn gated_repository_needs_the_token() {
    let mut repo = tiny_repo();
    repo.gated = true;
    let hub = one_repo("clipprobe/gated", repo);
    let cache = tempfile::tempdir().expect("tempdir");
    let src = hub_source("clipprobe/gated", None);
    let e = resolve(&src, &hub.opts(cache.path()))
        .expect_err("no token")
        .to_string();
    assert!(e.contains("access denied") && e.contains("HF_TOKEN"), "{e}");
    let opts = HubOptions {
        token: Some(TOKEN.into()),
        ..hub.opts(cache.path())
    };
    let got = resolve(&src, &opts).expect("with token");
    assert!(got.dir.join("model.safetensors").is_file());
}

#[test]
fn pickle_only_checkpoint_is_refused() {
    let hub = one_repo(
        "clipprobe/pickle",
        repo_with(&[
            ("config.json", b"{}"),
            ("pytorch_model.bin", b"pickle"),
            ("tokenizer.json", b"{}"),
            ("preprocessor_config.json", b"{}"),
        ]),
    );
    let cache = tempfile::tempdir().expect("tempdir");
    let e = resolve(
        &hub_source("clipprobe/pickle", None),
        &hub.opts(cache.path()),
    )
    .expect_err("pickle only")
    .to_string();
    assert!(
        e.contains("pytorch_model.bin") && e.contains("requires safetensors"),
        "{e}"
    );
    assert_eq!(downloads(&hub.requests()), 0, "nothing is downloaded");
}

#[test]
fn sharded_checkpoint_fetches_every_shard_and_vocab_merges() {
    let index = br#"{"metadata":{"total_size":8},"weight_map":{
        "a.weight":"model-00001-of-00002.safetensors",
        "b.weight":"model-00002-of-00002.safetensors"}}"#;
    let hub = one_repo(
        "clipprobe/sharded",
        repo_with(&[
            ("config.json", b"{}"),
            ("model.safetensors.index.json", index),
            ("model-00001-of-00002.safetensors", b"shard one"),
            ("model-00002-of-00002.safetensors", b"shard two"),
            ("vocab.json", b"{}"),
            ("merges.txt", b"#version: 0.2\n"),
            ("preprocessor_config.json", b"{}"),
        ]),
    );
    let cache = tempfile::tempdir().expect("tempdir");
    let got = resolve(
        &hub_source("clipprobe/sharded", None),
        &hub.opts(cache.path()),
    )
    .expect("sharded");
    for f in [
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "vocab.json",
        "merges.txt",
    ] {
        assert!(got.dir.join(f).is_file(), "{f}");
    }
}

#[test]
fn index_naming_an_absent_shard_is_an_error() {
    let index = br#"{"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}"#;
    let hub = one_repo(
        "clipprobe/broken",
        repo_with(&[
            ("config.json", b"{}"),
            ("model.safetensors.index.json", index),
            ("model-00001-of-00002.safetensors", b"shard one"),
            ("tokenizer.json", b"{}"),
            ("preprocessor_config.json", b"{}"),
        ]),
    );
    let cache = tempfile::tempdir().expect("tempdir");
    let e = resolve(
        &hub_source("clipprobe/broken", None),
        &hub.opts(cache.path()),
    )
    .expect_err("absent shard")
    .to_string();
    assert!(e.contains("model-00002-of-00002.safetensors"), "{e}");
}

#[test]
fn unreachable_hub_suggests_offline_mode() {
    // A port that was just free: nothing listens on it.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let cache = tempfile::tempdir().expect("tempdir");
    let opts = HubOptions {
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        cache_dir: Some(cache.path().to_path_buf()),
        ..HubOptions::default()
    };
    let e = resolve(&hub_source("org/model", None), &opts)
        .expect_err("unreachable")
        .to_string();
    assert!(
        e.contains("cannot reach") && e.contains("HF_HUB_OFFLINE"),
        "{e}"
    );
}

/// Writes a cache entry by hand the way Python's `huggingface_hub` leaves it (plain files are
/// accepted as well as links).
fn write_cache(cache: &Path, repo: &str, branch: &str, files: &[&str]) -> PathBuf {
    let repo_dir = cache.join(format!("models--{}", repo.replace('/', "--")));
    let snap = repo_dir.join("snapshots").join(SHA);
    std::fs::create_dir_all(&snap).expect("mkdir");
    std::fs::create_dir_all(repo_dir.join("refs")).expect("mkdir");
    std::fs::write(repo_dir.join("refs").join(branch), SHA).expect("ref");
    for f in files {
        std::fs::write(snap.join(f), b"x").expect("file");
    }
    snap
}

fn offline_opts(cache: &Path) -> HubOptions {
    HubOptions {
        offline: true,
        cache_dir: Some(cache.to_path_buf()),
        ..HubOptions::default()
    }
}

#[test]
fn offline_fixture_cache_resolves_by_branch_and_by_sha() {
    let cache = tempfile::tempdir().expect("tempdir");
    let snap = write_cache(
        cache.path(),
        "org/model",
        "main",
        &[
            "config.json",
            "model.safetensors",
            "tokenizer.json",
            "preprocessor_config.json",
        ],
    );
    let opts = offline_opts(cache.path());
    let got = resolve(&hub_source("org/model", None), &opts).expect("by branch");
    assert_eq!(
        got,
        ResolvedModel {
            source: hub_source("org/model", None),
            id: "org/model".into(),
            revision: Some(SHA.into()),
            dir: snap.clone(),
            notes: vec![],
        }
    );
    let got = resolve(&hub_source("org/model", Some(SHA)), &opts).expect("by sha");
    assert_eq!(got.dir, snap);
    let e = resolve(&hub_source("org/model", Some("v9")), &opts)
        .expect_err("branch never resolved")
        .to_string();
    assert!(e.contains("org/model@v9") && e.contains("refs"), "{e}");
}

#[test]
fn offline_incomplete_snapshot_names_only_what_is_missing() {
    let cache = tempfile::tempdir().expect("tempdir");
    write_cache(
        cache.path(),
        "org/model",
        "main",
        &["config.json", "model.safetensors", "vocab.json"],
    );
    let e = resolve(&hub_source("org/model", None), &offline_opts(cache.path()))
        .expect_err("incomplete")
        .to_string();
    assert!(e.contains(SHA), "{e}");
    assert!(
        e.contains("tokenizer.json (or vocab.json + merges.txt)"),
        "{e}"
    );
    assert!(e.contains("preprocessor_config.json"), "{e}");
    assert!(!e.contains("missing config.json"), "{e}");
}

#[test]
fn local_folder_checks_config_and_weights() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("ckpt");

    let e = resolve(&ModelSource::Local(dir.clone()), &HubOptions::default())
        .expect_err("absent")
        .to_string();
    assert!(e.contains("does not exist"), "{e}");

    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("config.json"), "{}").expect("w");
    let e = resolve(&ModelSource::Local(dir.clone()), &HubOptions::default())
        .expect_err("no weights")
        .to_string();
    assert!(e.contains("missing model.safetensors"), "{e}");

    std::fs::write(dir.join("pytorch_model.bin"), "pickle").expect("w");
    let e = resolve(&ModelSource::Local(dir.clone()), &HubOptions::default())
        .expect_err("pickle")
        .to_string();
    assert!(e.contains("requires safetensors"), "{e}");

    std::fs::write(dir.join("model.safetensors"), "x").expect("w");
    let got = resolve(&ModelSource::Local(dir.clone()), &HubOptions::default()).expect("ok");
    assert_eq!(got.revision, None);
    assert_eq!(got.dir, dir);
    assert_eq!(got.id, dir.display().to_string());
}

// ---- A hostile or broken Hub (issue 9, findings 1–5) -------------------------------------

fn hostile(mode: Hostile) -> FixtureRepo {
    FixtureRepo {
        hostile: mode,
        ..tiny_repo()
    }
}

/// Every file under `root`, as paths relative to it (links are not followed).
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if e.file_type().expect("type").is_dir() {
                todo.push(p);
            } else {
                out.push(p.strip_prefix(root).expect("prefix").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// Resolves against `repo` with the cache in `<tmp>/cache` and returns the error, after checking
/// that nothing was written outside the cache folder.
fn refused(repo: FixtureRepo) -> (String, FakeHub) {
    let hub = one_repo("clipprobe/tiny", repo);
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("cache");
    let e = resolve(&hub_source("clipprobe/tiny", None), &hub.opts(&cache))
        .expect_err("hostile answer refused")
        .to_string();
    let outside: Vec<_> = files_under(tmp.path())
        .into_iter()
        .filter(|p| !p.starts_with("cache"))
        .collect();
    assert!(outside.is_empty(), "written outside the cache: {outside:?}");
    (e, hub)
}

#[test]
fn etag_with_a_path_is_refused_and_writes_nothing_outside_the_cache() {
    let (e, _hub) = refused(hostile(Hostile::Etag("\"../../../../victim\"".into())));
    assert!(e.contains("etag") && e.contains("victim"), "{e}");
    let victim = tempfile::tempdir().expect("tempdir");
    let target = victim.path().join("victim");
    std::fs::write(&target, b"keep me").expect("write");
    let (e, _hub) = refused(hostile(Hostile::Etag(format!("\"{}\"", target.display()))));
    assert!(e.contains("etag"), "{e}");
    assert_eq!(std::fs::read(&target).expect("read"), b"keep me");
}

#[test]
fn hostile_repo_commit_header_is_refused() {
    let (e, _hub) = refused(hostile(Hostile::Commit("../../../../evil".into())));
    assert!(e.contains("commit") && e.contains("evil"), "{e}");
    // A well-formed but different commit is refused too: all files come from one commit.
    let (e, _hub) = refused(hostile(Hostile::Commit("f".repeat(40))));
    assert!(e.contains(&"f".repeat(40)), "{e}");
}

#[test]
fn hostile_commit_in_the_listing_is_refused() {
    let mut repo = tiny_repo();
    repo.sha = "../../../../evil".into();
    let hub = one_repo("clipprobe/tiny", repo);
    let tmp = tempfile::tempdir().expect("tempdir");
    // The fake only serves the files at `main` or at its sha; the listing is what matters.
    let e = resolve(
        &hub_source("clipprobe/tiny", None),
        &hub.opts(&tmp.path().join("cache")),
    )
    .expect_err("bad sha")
    .to_string();
    assert!(e.contains("not a commit sha"), "{e}");
}

#[test]
fn redirect_loop_stops_after_a_few_hops() {
    let (e, hub) = refused(hostile(Hostile::RedirectLoop));
    assert!(e.contains("redirects"), "{e}");
    assert!(!e.contains("cannot reach"), "{e}");
    let resolves = downloads(&hub.requests());
    assert!(
        resolves <= clipprobe_clip::hub::MAX_REDIRECTS + 1,
        "{resolves} requests"
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    let (e, _hub) = refused(hostile(Hostile::Silent));
    assert!(e.contains("cannot reach") && e.contains("timed out"), "{e}");
}

#[test]
fn token_is_not_sent_to_another_origin_after_a_redirect() {
    let cdn = one_repo("clipprobe/tiny", tiny_repo());
    let mut repo = hostile(Hostile::RedirectTo(cdn.endpoint.clone()));
    repo.gated = true;
    let hub = one_repo("clipprobe/tiny", repo);
    let cache = tempfile::tempdir().expect("tempdir");
    let opts = HubOptions {
        token: Some(TOKEN.into()),
        ..hub.opts(cache.path())
    };
    let got = resolve(&hub_source("clipprobe/tiny", None), &opts).expect("via the cdn");
    assert_eq!(
        std::fs::read(got.dir.join("model.safetensors")).expect("read"),
        tiny_repo().files["model.safetensors"]
    );
    let hub_log = hub.requests();
    assert!(
        hub_log.iter().all(|l| l.contains(TOKEN)),
        "the Hub itself gets the token: {hub_log:?}"
    );
    let cdn_log = cdn.requests();
    assert!(downloads(&cdn_log) >= 4, "{cdn_log:?}");
    assert!(
        cdn_log.iter().all(|l| !l.contains("Bearer")),
        "the other origin got the token: {cdn_log:?}"
    );
}

/// Leaves `bytes` as a partial download of `model.safetensors` in the cache.
fn partial_download(cache: &Path, bytes: &[u8]) -> PathBuf {
    let etag = sha256_hex(&tiny_repo().files["model.safetensors"]);
    let blobs = cache.join("models--clipprobe--tiny").join("blobs");
    std::fs::create_dir_all(&blobs).expect("mkdir");
    let p = blobs.join(format!("{etag}.incomplete"));
    std::fs::write(&p, bytes).expect("write");
    p
}

#[test]
fn resumed_download_is_verified_even_when_the_server_ignores_range() {
    let want = tiny_repo().files["model.safetensors"].clone();
    for (mode, partial) in [
        // An honest server resumes after a correct prefix.
        (Hostile::No, want[..10].to_vec()),
        // A server that ignores Range sends the whole file again: appending it would corrupt
        // the blob.
        (Hostile::IgnoreRange, want[..10].to_vec()),
        // A damaged prefix is caught by the SHA-256.
        (Hostile::No, b"XXXXXXXXXX".to_vec()),
    ] {
        let ignores = matches!(mode, Hostile::IgnoreRange);
        let damaged = partial[0] == b'X';
        let hub = one_repo("clipprobe/tiny", hostile(mode));
        let cache = tempfile::tempdir().expect("tempdir");
        let p = partial_download(cache.path(), &partial);
        let got = resolve(&hub_source("clipprobe/tiny", None), &hub.opts(cache.path()));
        let log = hub.requests();
        assert!(
            log.iter().any(|l| l.contains("[range bytes=10-]")),
            "resumed with Range: {log:?}"
        );
        if damaged {
            let e = got.expect_err("damaged prefix").to_string();
            assert!(e.contains("SHA-256"), "{e}");
            assert!(!p.exists(), "the bad partial file is removed");
            // The next run starts afresh and succeeds.
            let got = resolve(&hub_source("clipprobe/tiny", None), &hub.opts(cache.path()))
                .expect("second run");
            assert_eq!(
                std::fs::read(got.dir.join("model.safetensors")).expect("r"),
                want
            );
        } else {
            let got = got.expect("resumed");
            assert_eq!(
                std::fs::read(got.dir.join("model.safetensors")).expect("read"),
                want,
                "ignores range: {ignores}"
            );
            assert!(!p.exists());
        }
    }
}

#[test]
fn wrong_sha256_is_refused_and_nothing_is_cached() {
    let hub = one_repo("clipprobe/tiny", hostile(Hostile::WrongSha256));
    let cache = tempfile::tempdir().expect("tempdir");
    let e = resolve(&hub_source("clipprobe/tiny", None), &hub.opts(cache.path()))
        .expect_err("wrong hash")
        .to_string();
    assert!(e.contains("SHA-256") && e.contains("config.json"), "{e}");
    let blobs = cache.path().join("models--clipprobe--tiny").join("blobs");
    let left: Vec<_> = std::fs::read_dir(&blobs)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn oversized_json_is_refused_before_it_is_downloaded() {
    let (e, hub) = refused(hostile(Hostile::HugeConfig(3_000_000_000)));
    assert!(e.contains("config.json") && e.contains("3000000000"), "{e}");
    let log = hub.requests();
    assert!(
        !log.iter()
            .any(|l| l.starts_with("GET") && l.contains("config.json")),
        "{log:?}"
    );
}

#[test]
fn a_body_longer_than_announced_is_refused_and_discarded() {
    let (e, _hub) = refused(hostile(Hostile::LongerBody));
    assert!(
        e.contains("model.safetensors") && e.contains("more than the"),
        "{e}"
    );
    // nothing of it stays in the cache, not even the partial file a resume would continue
    let tmp = tempfile::tempdir().expect("tempdir");
    let hub = one_repo("clipprobe/tiny", hostile(Hostile::LongerBody));
    let cache = tmp.path().join("cache");
    resolve(&hub_source("clipprobe/tiny", None), &hub.opts(&cache)).expect_err("refused");
    let left: Vec<_> = files_under(&cache)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("blobs"))
        .collect();
    assert!(
        left.iter().all(|p| std::fs::metadata(cache.join(p))
            .map(|m| m.len())
            .unwrap_or(0)
            < 100),
        "{left:?}"
    );
}

#[test]
fn damaged_cached_file_is_named_removed_and_downloaded_again() {
    let hub = one_repo("clipprobe/tiny", tiny_repo());
    let cache = tempfile::tempdir().expect("tempdir");
    let src = hub_source("clipprobe/tiny", None);
    let first = resolve(&src, &hub.opts(cache.path())).expect("first");
    let weights = first.dir.join("model.safetensors");
    let blob = std::fs::canonicalize(&weights).expect("blob");
    // What a broken resume used to leave: extra bytes after the file.
    let mut grown = std::fs::read(&blob).expect("read");
    grown.extend_from_slice(b"trailing garbage");
    std::fs::write(&blob, &grown).expect("write");
    let again = resolve(&src, &hub.opts(cache.path())).expect("repaired");
    assert_eq!(again.notes.len(), 1, "{:?}", again.notes);
    assert!(
        again.notes[0].contains(&blob.display().to_string()),
        "{:?}",
        again.notes
    );
    assert_eq!(
        std::fs::read(&weights).expect("read"),
        tiny_repo().files["model.safetensors"]
    );
}
