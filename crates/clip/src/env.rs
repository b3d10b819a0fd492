//! The environment variables the crate reads, all in one place.
//!
//! Nothing else in the workspace calls `std::env::var`. The variables are the ones the Python
//! `huggingface_hub` library reads, with the same meaning, so a cache and a token set up for
//! Python work here unchanged:
//!
//! | variable | meaning |
//! |---|---|
//! | `HF_HUB_OFFLINE` | `1`/`true`/`yes`/`on`: never touch the network, resolve from the cache only |
//! | `HF_TOKEN` | access token for gated or private repositories (`HUGGING_FACE_HUB_TOKEN` is the legacy name) |
//! | `HF_ENDPOINT` | Hub address, default `https://huggingface.co` (a mirror, or a test server) |
//! | `HF_HUB_CACHE` | the cache folder itself (`HUGGINGFACE_HUB_CACHE` is the legacy name) |
//! | `HF_HOME` | Hugging Face home; the cache is `$HF_HOME/hub`, the token file `$HF_HOME/token` |
//! | `HF_HUB_DOWNLOAD_TIMEOUT` | connect and read timeout of each Hub request, in seconds (default 30) |
//! | `XDG_CACHE_HOME` | when `HF_HOME` is unset, home is `$XDG_CACHE_HOME/huggingface` |
//!
//! Without any of them the cache is `~/.cache/huggingface/hub`.

use std::path::PathBuf;

use crate::source::HubOptions;

/// `HF_HUB_OFFLINE`.
pub const HF_HUB_OFFLINE: &str = "HF_HUB_OFFLINE";
/// `HF_TOKEN`.
pub const HF_TOKEN: &str = "HF_TOKEN";
/// `HUGGING_FACE_HUB_TOKEN`, the legacy name of `HF_TOKEN`.
pub const HUGGING_FACE_HUB_TOKEN: &str = "HUGGING_FACE_HUB_TOKEN";
/// `HF_ENDPOINT`.
pub const HF_ENDPOINT: &str = "HF_ENDPOINT";
/// `HF_HOME`.
pub const HF_HOME: &str = "HF_HOME";
/// `HF_HUB_CACHE`.
pub const HF_HUB_CACHE: &str = "HF_HUB_CACHE";
/// `HUGGINGFACE_HUB_CACHE`, the legacy name of `HF_HUB_CACHE`.
pub const HUGGINGFACE_HUB_CACHE: &str = "HUGGINGFACE_HUB_CACHE";
/// `HF_HUB_DOWNLOAD_TIMEOUT`.
pub const HF_HUB_DOWNLOAD_TIMEOUT: &str = "HF_HUB_DOWNLOAD_TIMEOUT";
/// `XDG_CACHE_HOME`.
pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";

/// A snapshot of the variables above, so the rules that combine them can be tested without
/// touching the process environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HubEnv {
    /// `HF_HUB_OFFLINE`.
    pub offline: Option<String>,
    /// `HF_TOKEN`.
    pub token: Option<String>,
    /// `HUGGING_FACE_HUB_TOKEN`.
    pub legacy_token: Option<String>,
    /// `HF_ENDPOINT`.
    pub endpoint: Option<String>,
    /// `HF_HOME`.
    pub home: Option<String>,
    /// `HF_HUB_CACHE`.
    pub hub_cache: Option<String>,
    /// `HUGGINGFACE_HUB_CACHE`.
    pub legacy_hub_cache: Option<String>,
    /// `HF_HUB_DOWNLOAD_TIMEOUT`.
    pub timeout: Option<String>,
    /// `XDG_CACHE_HOME`.
    pub xdg_cache_home: Option<String>,
    /// The user's home folder (`HOME`, or `USERPROFILE` on Windows).
    pub user_home: Option<String>,
}

impl HubEnv {
    /// Reads the process environment. Empty values count as unset.
    pub fn read() -> Self {
        HubEnv {
            offline: var(HF_HUB_OFFLINE),
            token: var(HF_TOKEN),
            legacy_token: var(HUGGING_FACE_HUB_TOKEN),
            endpoint: var(HF_ENDPOINT),
            home: var(HF_HOME),
            hub_cache: var(HF_HUB_CACHE),
            legacy_hub_cache: var(HUGGINGFACE_HUB_CACHE),
            timeout: var(HF_HUB_DOWNLOAD_TIMEOUT),
            xdg_cache_home: var(XDG_CACHE_HOME),
            user_home: var("HOME").or_else(|| var("USERPROFILE")),
        }
    }

    /// The Hugging Face home folder: `HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else
    /// `~/.cache/huggingface`. `None` only when no home folder is known at all.
    pub fn hf_home(&self) -> Option<PathBuf> {
        if let Some(h) = &self.home {
            return Some(PathBuf::from(h));
        }
        self.user_cache_dir().map(|c| c.join("huggingface"))
    }

    /// The user's cache folder: `$XDG_CACHE_HOME`, else `~/.cache`. `None` only when no
    /// home folder is known at all. (clipprobe's embedding cache lives in `<this>/clipprobe`.)
    pub fn user_cache_dir(&self) -> Option<PathBuf> {
        if let Some(x) = &self.xdg_cache_home {
            return Some(PathBuf::from(x));
        }
        self.user_home
            .as_ref()
            .map(|h| PathBuf::from(h).join(".cache"))
    }

    /// The Hub cache folder: `HF_HUB_CACHE`, else `HUGGINGFACE_HUB_CACHE`, else
    /// `<hf_home>/hub`.
    pub fn hub_cache(&self) -> Option<PathBuf> {
        if let Some(c) = self.hub_cache.as_ref().or(self.legacy_hub_cache.as_ref()) {
            return Some(PathBuf::from(c));
        }
        self.hf_home().map(|h| h.join("hub"))
    }

    /// Whether `HF_HUB_OFFLINE` is set to a true value (`1`, `true`, `yes`, `on`, any case).
    pub fn is_offline(&self) -> bool {
        self.offline.as_deref().is_some_and(is_true)
    }

    /// The token: `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`, else the contents of the token
    /// file `<hf_home>/token` written by `huggingface-cli login` / `hf auth login`.
    pub fn token(&self) -> Option<String> {
        if let Some(t) = self.token.as_ref().or(self.legacy_token.as_ref()) {
            return Some(t.trim().to_string());
        }
        let file = self.hf_home()?.join("token");
        let text = std::fs::read_to_string(file).ok()?;
        let t = text.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    /// [`HubOptions`] from these values (progress bars on).
    pub fn hub_options(&self) -> HubOptions {
        HubOptions {
            offline: self.is_offline(),
            token: self.token(),
            endpoint: self.endpoint.clone(),
            cache_dir: self.hub_cache(),
            progress: true,
            timeout: self.timeout(),
        }
    }

    /// `HF_HUB_DOWNLOAD_TIMEOUT` as a duration (positive seconds, fractions allowed); other
    /// values count as unset.
    pub fn timeout(&self) -> Option<std::time::Duration> {
        let secs: f64 = self.timeout.as_deref()?.trim().parse().ok()?;
        (secs.is_finite() && secs > 0.0).then(|| std::time::Duration::from_secs_f64(secs))
    }
}

impl HubOptions {
    /// Options from the environment: `HF_HUB_OFFLINE`, `HF_TOKEN`, `HF_ENDPOINT`, `HF_HOME`,
    /// `HF_HUB_CACHE` (see the [module docs](self)). Progress bars are on.
    pub fn from_env() -> Self {
        HubEnv::read().hub_options()
    }
}

/// The Hub cache folder the environment names (see [`HubEnv::hub_cache`]).
pub fn default_hub_cache() -> Option<PathBuf> {
    HubEnv::read().hub_cache()
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn is_true(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_folder_precedence() {
        let mut e = HubEnv {
            user_home: Some("/home/u".into()),
            ..HubEnv::default()
        };
        assert_eq!(
            e.hub_cache(),
            Some(PathBuf::from("/home/u/.cache/huggingface/hub"))
        );
        e.xdg_cache_home = Some("/xdg".into());
        assert_eq!(e.hub_cache(), Some(PathBuf::from("/xdg/huggingface/hub")));
        e.home = Some("/hf".into());
        assert_eq!(e.hub_cache(), Some(PathBuf::from("/hf/hub")));
        e.legacy_hub_cache = Some("/legacy".into());
        assert_eq!(e.hub_cache(), Some(PathBuf::from("/legacy")));
        e.hub_cache = Some("/cache".into());
        assert_eq!(e.hub_cache(), Some(PathBuf::from("/cache")));
        assert_eq!(HubEnv::default().hub_cache(), None);
    }

    #[test]
    fn offline_values() {
        for (v, want) in [
            ("1", true),
            ("TRUE", true),
            ("yes", true),
            ("On", true),
            ("0", false),
            ("false", false),
            ("", false),
        ] {
            let e = HubEnv {
                offline: Some(v.into()),
                ..HubEnv::default()
            };
            assert_eq!(e.is_offline(), want, "{v:?}");
        }
        assert!(!HubEnv::default().is_offline());
    }

    #[test]
    fn token_precedence_and_token_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("token"), "  file-token\n").expect("write");
        let mut e = HubEnv {
            home: Some(dir.path().to_string_lossy().into_owned()),
            ..HubEnv::default()
        };
        assert_eq!(e.token().as_deref(), Some("file-token"));
        e.legacy_token = Some("legacy".into());
        assert_eq!(e.token().as_deref(), Some("legacy"));
        e.token = Some("tok".into());
        assert_eq!(e.token().as_deref(), Some("tok"));
        let opts = e.hub_options();
        assert_eq!(opts.token.as_deref(), Some("tok"));
        assert_eq!(opts.cache_dir, Some(dir.path().join("hub")));
    }
}
