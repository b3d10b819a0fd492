//! `clipprobe data download`: a manifest's public annotation files fetched over HTTP(S) into a
//! folder, each streamed into a temporary file beside its destination, hashed, checked against
//! the manifest's SHA-256 when it has one, and renamed into place only when complete and
//! verified. A server is untrusted: the body is capped at [`MAX_BYTES`] (refused up front when
//! `Content-Length` announces more, stopped when the stream goes past it), and every error names
//! the URL or the file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clipprobe_io::formats;
use sha2::Digest;

use crate::manifests::{Manifest, ManifestFile};

/// The largest annotation file accepted (1 GiB: the public benchmarks' files are at most tens
/// of MB; images are not downloaded).
pub const MAX_BYTES: u64 = 1 << 30;

/// Why one file could not be downloaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// The server answered with an error status.
    #[error("GET {url}: HTTP {code} {status}")]
    Http {
        url: String,
        code: u16,
        status: String,
    },
    /// No answer (DNS, connection, TLS, timeout).
    #[error("GET {url}: {message} (is the network reachable from here?)")]
    Network { url: String, message: String },
    /// The body is (or is announced as) larger than the cap.
    #[error("GET {url}: the body is larger than the {limit} bytes accepted{}; nothing written",
        .announced.map(|n| format!(" (Content-Length {n})")).unwrap_or_default())]
    TooLarge {
        url: String,
        limit: u64,
        announced: Option<u64>,
    },
    /// The body was cut or unreadable.
    #[error("GET {url}: reading the body: {source}")]
    Body {
        url: String,
        #[source]
        source: std::io::Error,
    },
    /// The body does not have the manifest's SHA-256.
    #[error("GET {url}: sha256 mismatch: got {got}, the manifest says {want}; nothing written")]
    Checksum {
        url: String,
        got: String,
        want: String,
    },
    /// A file already at the destination does not have the manifest's SHA-256.
    #[error("{} exists but its sha256 is {got}, the manifest says {want} (download again to replace it)", .path.display())]
    Present {
        path: PathBuf,
        got: String,
        want: String,
    },
    /// A manifest path that would leave the destination folder (never for the built-in ones).
    #[error("manifest file path {path:?} is not a plain relative path")]
    UnsafePath { path: String },
    /// Reading or writing a local file.
    #[error(transparent)]
    Io(#[from] clipprobe_io::Error),
}

/// An HTTP agent with `timeout` for connecting and for each read.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(timeout)
        .timeout_read(timeout)
        .build()
}

/// Streams `url` into a temporary file beside `dest`, hashing it; checks the SHA-256 when
/// `expected` is given; renames it to `dest` only when complete and verified. At most `limit`
/// bytes are accepted. Returns the SHA-256 (lowercase hex).
pub fn download_to(
    agent: &ureq::Agent,
    url: &str,
    dest: &Path,
    expected: Option<&str>,
    limit: u64,
) -> Result<String, DownloadError> {
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| clipprobe_io::Error::io(dir, e))?;
    let resp = match agent.get(url).call() {
        Ok(r) => r,
        Err(ureq::Error::Status(code, r)) => {
            return Err(DownloadError::Http {
                url: url.to_string(),
                code,
                status: r.status_text().to_string(),
            })
        }
        Err(e) => {
            return Err(DownloadError::Network {
                url: url.to_string(),
                message: e.to_string(),
            })
        }
    };
    let announced = resp
        .header("Content-Length")
        .and_then(|v| v.trim().parse::<u64>().ok());
    let too_large = |announced| DownloadError::TooLarge {
        url: url.to_string(),
        limit,
        announced,
    };
    if announced.is_some_and(|n| n > limit) {
        return Err(too_large(announced));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".clipprobe-download-")
        .tempfile_in(dir)
        .map_err(|e| clipprobe_io::Error::io(dir, e))?;
    let mut hasher = sha2::Sha256::new();
    let mut body = resp.into_reader();
    formats::copy_capped(&mut body, &mut tmp, Some(&mut hasher), 0, limit, |_| {}).map_err(
        |e| match e {
            formats::CopyError::TooLong => too_large(announced),
            formats::CopyError::Read(_, source) => DownloadError::Body {
                url: url.to_string(),
                source,
            },
            formats::CopyError::Write(e) => clipprobe_io::Error::io(tmp.path(), e).into(),
        },
    )?;
    let got = hex::encode(hasher.finalize());
    if let Some(want) = expected {
        if got != want {
            return Err(DownloadError::Checksum {
                url: url.to_string(),
                got,
                want: want.to_string(),
            });
        }
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| clipprobe_io::Error::io(tmp.path(), e))?;
    tmp.persist(dest)
        .map_err(|e| clipprobe_io::Error::io(dest, e.error))?;
    Ok(got)
}

/// What became of one manifest file.
#[derive(Debug)]
pub enum FileOutcome {
    /// Downloaded; `verified` when the manifest has its SHA-256.
    Downloaded { sha256: String, verified: bool },
    /// Already at the destination (and matching the manifest's SHA-256 when it has one).
    Present { verified: bool },
    /// No public URL: the note says where to get it by hand.
    Manual { note: String },
    /// Could not be downloaded.
    Failed(DownloadError),
}

/// Fetches every file of `m` into `to` (files keep the manifest's relative paths). A file
/// already there is kept when it matches the manifest's SHA-256 (or the manifest has none),
/// unless `force`. `starting` is called before each request (for progress lines). Every file
/// gets an outcome; one failure does not stop the others.
pub fn download_manifest(
    m: &Manifest,
    to: &Path,
    force: bool,
    agent: &ureq::Agent,
    mut starting: impl FnMut(&ManifestFile, &str),
) -> Vec<(ManifestFile, PathBuf, FileOutcome)> {
    let mut out = Vec::with_capacity(m.files.len());
    for f in &m.files {
        let dest = to.join(&f.path);
        let outcome = one_file(f, &dest, force, agent, &mut starting);
        out.push((f.clone(), dest, outcome));
    }
    out
}

fn one_file(
    f: &ManifestFile,
    dest: &Path,
    force: bool,
    agent: &ureq::Agent,
    starting: &mut impl FnMut(&ManifestFile, &str),
) -> FileOutcome {
    if !formats::is_plain_relative(&f.path) {
        return FileOutcome::Failed(DownloadError::UnsafePath {
            path: f.path.clone(),
        });
    }
    let Some(url) = &f.url else {
        return FileOutcome::Manual {
            note: f
                .note
                .clone()
                .unwrap_or_else(|| "no public URL".to_string()),
        };
    };
    if dest.exists() && !force {
        let Some(want) = &f.sha256 else {
            return FileOutcome::Present { verified: false };
        };
        return match formats::sha256_file(dest) {
            Ok(got) if &got == want => FileOutcome::Present { verified: true },
            Ok(got) => FileOutcome::Failed(DownloadError::Present {
                path: dest.to_path_buf(),
                got,
                want: want.clone(),
            }),
            Err(e) => FileOutcome::Failed(e.into()),
        };
    }
    starting(f, url);
    match download_to(agent, url, dest, f.sha256.as_deref(), MAX_BYTES) {
        Ok(sha256) => FileOutcome::Downloaded {
            sha256,
            verified: f.sha256.is_some(),
        },
        Err(e) => FileOutcome::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// Serves `status` + `body` to one request on 127.0.0.1 and returns the URL. The header
    /// announces `length` (a server may lie), or no length at all when `None` (the body then
    /// ends when the connection closes).
    fn serve_once(status: &'static str, body: &'static [u8], length: Option<u64>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().expect("accept");
            let mut req = Vec::new();
            let mut b = [0u8; 1];
            while !req.ends_with(b"\r\n\r\n") && s.read(&mut b).map(|n| n == 1).unwrap_or(false) {
                req.push(b[0]);
            }
            let length = length
                .map(|n| format!("Content-Length: {n}\r\n"))
                .unwrap_or_default();
            let head = format!("HTTP/1.1 {status}\r\n{length}Connection: close\r\n\r\n");
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(body);
        });
        format!("http://127.0.0.1:{port}/data/file.json")
    }

    fn test_agent() -> ureq::Agent {
        agent(Duration::from_secs(10))
    }

    const BODY: &[u8] = b"{\"0\": {}}\n";

    fn empty(dir: &Path) -> bool {
        std::fs::read_dir(dir).expect("ls").count() == 0
    }

    #[test]
    fn download_writes_and_verifies() {
        let dir = tempfile::tempdir().expect("tmp");
        let dest = dir.path().join("sub/file.json");
        let want = formats::sha256_hex(BODY);
        let url = serve_once("200 OK", BODY, Some(BODY.len() as u64));
        let got =
            download_to(&test_agent(), &url, &dest, Some(&want), MAX_BYTES).expect("download");
        assert_eq!(got, want);
        assert_eq!(std::fs::read(&dest).expect("read"), BODY);
        // a body of exactly the cap is accepted
        let dest = dir.path().join("exact.json");
        let url = serve_once("200 OK", BODY, Some(BODY.len() as u64));
        download_to(&test_agent(), &url, &dest, None, BODY.len() as u64).expect("at the cap");
    }

    #[test]
    fn checksum_mismatch_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tmp");
        let dest = dir.path().join("file.json");
        let url = serve_once("200 OK", BODY, Some(BODY.len() as u64));
        let e = download_to(&test_agent(), &url, &dest, Some(&"0".repeat(64)), MAX_BYTES)
            .expect_err("mismatch");
        assert!(matches!(e, DownloadError::Checksum { .. }), "{e}");
        let e = e.to_string();
        assert!(e.contains("sha256 mismatch") && e.contains(&url), "{e}");
        assert!(empty(dir.path()), "temp file left behind");
    }

    #[test]
    fn bodies_over_the_cap_are_refused_announced_or_not() {
        let dir = tempfile::tempdir().expect("tmp");
        let dest = dir.path().join("file.json");
        // announced: refused before anything is written
        let url = serve_once("200 OK", BODY, Some(1 << 40));
        let e = download_to(&test_agent(), &url, &dest, None, MAX_BYTES).expect_err("announced");
        assert!(
            matches!(e, DownloadError::TooLarge { announced: Some(n), .. } if n == 1 << 40),
            "{e}"
        );
        // streamed past the cap: no length announced (a lower announced length is what the
        // client reads, no more)
        let url = serve_once("200 OK", BODY, None);
        let e = download_to(&test_agent(), &url, &dest, None, BODY.len() as u64 - 1)
            .expect_err("streamed");
        assert!(
            matches!(
                e,
                DownloadError::TooLarge {
                    announced: None,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains(&url), "{e}");
        assert!(empty(dir.path()), "partial file left behind");
    }

    #[test]
    fn http_error_and_closed_port_name_the_url() {
        let dir = tempfile::tempdir().expect("tmp");
        let dest = dir.path().join("file.json");
        let url = serve_once("404 Not Found", b"no", Some(2));
        let e = download_to(&test_agent(), &url, &dest, None, MAX_BYTES).expect_err("404");
        assert!(matches!(&e, DownloadError::Http { code: 404, .. }), "{e}");
        assert!(e.to_string().contains(&url), "{e}");
        // a port with nothing listening
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let url = format!("http://127.0.0.1:{port}/x.json");
        let e = download_to(&test_agent(), &url, &dest, None, MAX_BYTES).expect_err("closed");
        assert!(matches!(e, DownloadError::Network { .. }), "{e}");
        assert!(e.to_string().contains(&url), "{e}");
        assert!(!dest.exists());
    }

    fn manifest(files: Vec<ManifestFile>) -> Manifest {
        let mut m = crate::manifests::by_name("sugarcrepe").expect("built-in");
        m.files = files;
        m
    }

    fn file(path: &str, url: Option<String>, sha256: Option<String>) -> ManifestFile {
        ManifestFile {
            path: path.to_string(),
            url,
            sha256,
            note: None,
        }
    }

    #[test]
    fn a_manifest_gives_every_file_an_outcome() {
        let dir = tempfile::tempdir().expect("tmp");
        let good = formats::sha256_hex(BODY);
        std::fs::write(dir.path().join("kept.json"), BODY).expect("write");
        std::fs::write(dir.path().join("stale.json"), b"old").expect("write");
        let m = manifest(vec![
            file(
                "new.json",
                Some(serve_once("200 OK", BODY, Some(BODY.len() as u64))),
                Some(good.clone()),
            ),
            file(
                "kept.json",
                Some("http://127.0.0.1:1/never".into()),
                Some(good.clone()),
            ),
            file(
                "stale.json",
                Some("http://127.0.0.1:1/never".into()),
                Some(good.clone()),
            ),
            file("manual.json", None, None),
            file(
                "../escape.json",
                Some("http://127.0.0.1:1/never".into()),
                None,
            ),
        ]);
        let mut started = Vec::new();
        let out = download_manifest(&m, dir.path(), false, &test_agent(), |f, _| {
            started.push(f.path.clone())
        });
        assert_eq!(started, ["new.json"]);
        let kinds: Vec<String> = out
            .iter()
            .map(|(_, _, o)| match o {
                FileOutcome::Downloaded { verified, .. } => format!("downloaded {verified}"),
                FileOutcome::Present { verified } => format!("present {verified}"),
                FileOutcome::Manual { note } => format!("manual {note}"),
                FileOutcome::Failed(e) => format!("failed {e}"),
            })
            .collect();
        assert_eq!(kinds[0], "downloaded true");
        assert_eq!(kinds[1], "present true");
        assert!(
            kinds[2].starts_with("failed ") && kinds[2].contains("stale.json exists"),
            "{}",
            kinds[2]
        );
        assert_eq!(kinds[3], "manual no public URL");
        assert!(
            kinds[4].contains("not a plain relative path"),
            "{}",
            kinds[4]
        );
        assert!(!dir
            .path()
            .parent()
            .expect("parent")
            .join("escape.json")
            .exists());
    }
}
