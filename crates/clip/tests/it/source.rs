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
}

fn repo_with(files: &[(&str, &[u8])]) -> FixtureRepo {
    FixtureRepo {
        sha: SHA.into(),
        files: files
            .iter()
            .map(|(n, b)| (n.to_string(), b.to_vec()))
            .collect(),
        gated: false,
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
/// `GET|HEAD /{repo}/resolve/{rev}/{file}` with the headers `hf-hub` reads (`x-repo-commit`,
/// `etag`, `content-range` for ranges). The thread stops when the value is dropped, or after a
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
                    Ok((stream, _)) => serve(stream, &repos, &log2),
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

fn serve(mut stream: TcpStream, repos: &BTreeMap<String, FixtureRepo>, log: &Mutex<Vec<String>>) {
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
    log.lock().expect("log").push(format!("{method} {path}"));
    let (status, extra, body) = answer(&path, &headers, repos);
    let reason = match status {
        200 => "OK",
        206 => "Partial Content",
        401 => "Unauthorized",
        _ => "Not Found",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
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
    path: &str,
    headers: &BTreeMap<String, String>,
    repos: &BTreeMap<String, FixtureRepo>,
) -> Answer {
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
                let siblings: Vec<_> = r
                    .files
                    .keys()
                    .map(|f| serde_json::json!({ "rfilename": f }))
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
            let etag = fnv_hex(content);
            let mut extra = vec![
                ("x-repo-commit".to_string(), r.sha.clone()),
                ("etag".to_string(), format!("\"{etag}\"")),
            ];
            let len = content.len();
            if let Some(range) = headers.get("range").and_then(|r| r.strip_prefix("bytes=")) {
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

/// A stable content hash for etags (FNV-1a, hex); the real Hub uses git or sha256 hashes.
fn fnv_hex(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
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
