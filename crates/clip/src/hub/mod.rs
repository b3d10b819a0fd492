//! A small Hugging Face Hub client that can be pointed at a server it does not trust.
//!
//! It speaks the part of the Hub protocol clipprobe needs (the revision lookup
//! `GET /api/models/{repo}/revision/{rev}?blobs=true` and file downloads
//! `/{repo}/resolve/{commit}/{file}`) and writes the standard cache layout (see
//! [`crate::source`]). Everything a server says is checked before it is used:
//!
//! - a commit is 40 lowercase hex digits, and a file's `x-repo-commit` must be the commit asked
//!   for; an etag (the blob's file name) is a git SHA-1 (40 hex) or a SHA-256 (64 hex);
//! - every cache path is built from plain components under the cache folder ([`layout`]);
//! - at most [`MAX_REDIRECTS`] redirects are followed, `https` is never downgraded to `http`, and
//!   the token is only sent to the endpoint's own origin (scheme, host and port);
//! - connect and read timeouts ([`DEFAULT_TIMEOUT`], or [`crate::source::HubOptions::timeout`]);
//! - a download is written to `blobs/<etag>.incomplete`, resumed with `Range` (a server that
//!   answers `200` instead of `206` restarts it from zero), never written past the announced
//!   size, checked against the announced size and, for LFS files (SHA-256 etags), against the
//!   SHA-256, and only then renamed to `blobs/<etag>`;
//! - JSON answers and JSON files are capped at [`MAX_JSON_BYTES`].

pub(crate) mod download;
pub(crate) mod layout;

use std::io::Read;
use std::time::Duration;

use url::Url;

/// Redirects followed for one request before giving up.
pub const MAX_REDIRECTS: usize = 5;
/// The largest JSON answer or JSON file accepted (the revision listing, `config.json`,
/// `tokenizer.json`, ...).
pub const MAX_JSON_BYTES: u64 = 64 << 20;
/// Connect and read timeout when none is given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a request failed, before the caller adds which repository and file it was for.
#[derive(Debug)]
pub(crate) enum Fail {
    /// The server answered with an HTTP error status.
    Status(u16),
    /// No answer: connection refused, DNS, timeout, reset.
    Unreachable(String),
    /// More than [`MAX_REDIRECTS`] redirects.
    TooManyRedirects(String),
    /// The server's answer is unusable or hostile (bad header, size, hash, JSON).
    Bad(String),
    /// A local file could not be written.
    Io(std::path::PathBuf, std::io::Error),
}

/// The headers of the first answer (the Hub's own, before any redirect to a CDN): the ones that
/// describe the file.
#[derive(Debug, Default, Clone)]
pub(crate) struct FileHeaders {
    pub(crate) repo_commit: Option<String>,
    pub(crate) etag: Option<String>,
    pub(crate) size: Option<u64>,
}

impl FileHeaders {
    fn from(resp: &ureq::Response) -> Self {
        let h = |n: &str| resp.header(n).map(|v| v.trim().to_string());
        FileHeaders {
            repo_commit: h("x-repo-commit"),
            etag: h("x-linked-etag").or_else(|| h("etag")),
            size: h("x-linked-size")
                .or_else(|| h("content-length"))
                .and_then(|s| s.parse().ok()),
        }
    }
}

/// An HTTP client bound to one endpoint and token.
pub(crate) struct Client {
    agent: ureq::Agent,
    endpoint: Url,
    token: Option<String>,
}

impl Client {
    pub(crate) fn new(
        endpoint: &str,
        token: Option<String>,
        timeout: Duration,
    ) -> Result<Self, String> {
        let endpoint = Url::parse(endpoint.trim_end_matches('/'))
            .map_err(|e| format!("HF_ENDPOINT `{endpoint}` is not a URL: {e}"))?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(format!("HF_ENDPOINT `{endpoint}` is not an http(s) URL"));
        }
        let agent = ureq::AgentBuilder::new()
            .redirects(0)
            .timeout_connect(timeout)
            .timeout_read(timeout)
            .timeout_write(timeout)
            .user_agent(concat!("clipprobe/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client {
            agent,
            endpoint,
            token,
        })
    }

    /// `{endpoint}/{segments...}` with each segment percent-encoded.
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.endpoint.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            for s in segments {
                path.push(s);
            }
        }
        url
    }

    /// Sends `method` to `url`, following at most [`MAX_REDIRECTS`] redirects. The token goes
    /// only to the endpoint's origin. Returns the first answer's file headers and the final
    /// answer.
    pub(crate) fn send(
        &self,
        method: &str,
        url: Url,
        range_from: Option<u64>,
    ) -> Result<(FileHeaders, ureq::Response), Fail> {
        let mut url = url;
        let mut first: Option<FileHeaders> = None;
        for _ in 0..=MAX_REDIRECTS {
            let mut req = self
                .agent
                .request(method, url.as_str())
                .set("accept-encoding", "identity");
            if let Some(t) = &self.token {
                if url.origin() == self.endpoint.origin() {
                    req = req.set("authorization", &format!("Bearer {t}"));
                }
            }
            if let Some(from) = range_from {
                req = req.set("range", &format!("bytes={from}-"));
            }
            let resp = match req.call() {
                Ok(r) => r,
                Err(ureq::Error::Status(code, _)) => return Err(Fail::Status(code)),
                Err(ureq::Error::Transport(t)) => return Err(Fail::Unreachable(t.to_string())),
            };
            let headers = first
                .get_or_insert_with(|| FileHeaders::from(&resp))
                .clone();
            if !(300..400).contains(&resp.status()) {
                return Ok((headers, resp));
            }
            let Some(location) = resp.header("location") else {
                return Err(Fail::Bad(format!(
                    "{url} answered HTTP {} without a Location",
                    resp.status()
                )));
            };
            let next = url
                .join(location)
                .map_err(|e| Fail::Bad(format!("{url} redirects to `{location}`: {e}")))?;
            let downgrade = url.scheme() == "https" && next.scheme() != "https";
            if downgrade || !matches!(next.scheme(), "http" | "https") {
                return Err(Fail::Bad(format!(
                    "{url} redirects to {next}, which is not https"
                )));
            }
            url = next;
        }
        Err(Fail::TooManyRedirects(url.to_string()))
    }

    /// `GET url` as JSON, refusing answers over [`MAX_JSON_BYTES`] before reading them whole.
    pub(crate) fn get_json<T: serde::de::DeserializeOwned>(&self, url: Url) -> Result<T, Fail> {
        let shown = url.to_string();
        let (_, resp) = self.send("GET", url, None)?;
        let bytes = read_capped(resp.into_reader(), MAX_JSON_BYTES)
            .map_err(|e| Fail::Bad(format!("{shown}: {e}")))?;
        serde_json::from_slice(&bytes).map_err(|e| Fail::Bad(format!("{shown}: invalid JSON: {e}")))
    }
}

/// Reads at most `cap` bytes; more is an error.
fn read_capped(reader: impl Read, cap: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    reader
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("read failed: {e}"))?;
    if bytes.len() as u64 > cap {
        return Err(format!("answer is larger than {cap} bytes"));
    }
    Ok(bytes)
}

/// An etag as a blob name: quotes and a weak `W/` prefix removed, then it must be a git SHA-1
/// (40 hex) or a SHA-256 (64 hex), lowercase.
pub(crate) fn blob_name(etag: &str) -> Result<String, String> {
    let e = etag.trim();
    let e = e.strip_prefix("W/").unwrap_or(e).trim_matches('"');
    if (e.len() == 40 || e.len() == 64) && e.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(e.to_string())
    } else {
        Err(format!(
            "etag `{}` is neither a git SHA-1 nor a SHA-256 (40 or 64 lowercase hex digits)",
            etag.escape_debug()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_must_be_hashes() {
        let sha1 = "a".repeat(40);
        let sha256 = "0".repeat(64);
        assert_eq!(blob_name(&format!("\"{sha1}\"")).as_deref(), Ok(&*sha1));
        assert_eq!(
            blob_name(&format!("W/\"{sha256}\"")).as_deref(),
            Ok(&*sha256)
        );
        for bad in [
            "\"../../etc/passwd\"",
            "/tmp/x",
            "",
            "\"0123\"",
            &"A".repeat(40),
            &format!("{sha1}/.."),
        ] {
            assert!(blob_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn capped_reads() {
        assert_eq!(read_capped(&b"abc"[..], 3).expect("fits"), b"abc");
        assert!(read_capped(&b"abcd"[..], 3).is_err());
    }
}
