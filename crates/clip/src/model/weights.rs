//! safetensors weights of a checkpoint folder: one `model.safetensors`, or shards listed by
//! `model.safetensors.index.json`. Every lookup checks presence and shape against what the
//! config implies, and names the tensor and file when either is wrong.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use candle_core::safetensors::SliceSafetensors;
use candle_core::{DType, Device, Tensor};
use memmap2::Mmap;

use crate::error::{Error, Result};

/// The weight files of a checkpoint folder, memory-mapped.
pub(crate) struct WeightFiles {
    /// `model.safetensors`, or the shard index: the file named when a tensor is missing.
    origin: PathBuf,
    files: Vec<(PathBuf, Mmap)>,
}

/// `model.safetensors.index.json` (only the part that says which shard holds which tensor).
#[derive(serde::Deserialize)]
struct ShardIndex {
    weight_map: BTreeMap<String, String>,
}

impl WeightFiles {
    /// Maps `dir/model.safetensors`, or every shard named in `dir/model.safetensors.index.json`.
    pub(crate) fn open(dir: &Path) -> Result<Self> {
        let single = dir.join("model.safetensors");
        let index = dir.join("model.safetensors.index.json");
        let (origin, paths) = if single.is_file() {
            (single.clone(), vec![single])
        } else if index.is_file() {
            let text = std::fs::read_to_string(&index).map_err(|source| Error::Io {
                path: index.clone(),
                source,
            })?;
            let parsed: ShardIndex = serde_json::from_str(&text).map_err(|e| Error::Config {
                path: index.clone(),
                message: e.to_string(),
            })?;
            let shards: std::collections::BTreeSet<String> =
                parsed.weight_map.into_values().collect();
            (index, shards.into_iter().map(|s| dir.join(s)).collect())
        } else {
            return Err(Error::MissingFile {
                path: single,
                what: "safetensors weights (model.safetensors or model.safetensors.index.json; \
                       pytorch_model.bin is not read)"
                    .into(),
            });
        };
        let files = paths
            .into_iter()
            .map(|path| map_file(&path).map(|m| (path, m)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { origin, files })
    }

    /// Parses every header and indexes the tensors by name. Tensors are converted to `dtype`
    /// and copied to `device` when fetched.
    pub(crate) fn weights(&self, dtype: DType, device: &Device) -> Result<Weights<'_>> {
        let mut readers = Vec::with_capacity(self.files.len());
        let mut index = BTreeMap::new();
        for (i, (path, map)) in self.files.iter().enumerate() {
            let reader = SliceSafetensors::new(map).map_err(|e| Error::Weights {
                path: path.clone(),
                message: format!(
                    "{e}{}{}",
                    crate::safetensors_header::explain(path)
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default(),
                    damaged_download_hint(path)
                ),
            })?;
            for (name, _) in reader.tensors() {
                index.insert(name, i);
            }
            readers.push((path.as_path(), map, reader));
        }
        Ok(Weights {
            origin: &self.origin,
            readers,
            index,
            memory: BTreeMap::new(),
            dtype,
            device: device.clone(),
        })
    }
}

/// For a file that is a link into a Hub cache's `blobs/`: which cached file to delete.
fn damaged_download_hint(path: &Path) -> String {
    match std::fs::canonicalize(path) {
        Ok(real) if real.parent().is_some_and(|p| p.ends_with("blobs")) => format!(
            " (the cached download {} looks damaged: delete it and run again online to fetch it \
             again)",
            real.display()
        ),
        _ => String::new(),
    }
}

#[allow(unsafe_code)]
fn map_file(path: &Path) -> Result<Mmap> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // SAFETY: the map is read-only and lives only while the model is built (tensors are copied
    // out of it); as with every mmap, the file must not be truncated meanwhile, which model
    // snapshots (content-addressed in the Hub cache) are not.
    unsafe { Mmap::map(&file) }.map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Indexed, parsed weights: see [`WeightFiles::weights`], or tensors already in memory
/// ([`Weights::in_memory`]).
pub(crate) struct Weights<'a> {
    origin: &'a Path,
    readers: Vec<(&'a Path, &'a Mmap, SliceSafetensors<'a>)>,
    index: BTreeMap<String, usize>,
    /// Tensors given under the names the model code asks for, each with the name it has in
    /// the file (`origin`), so that errors name the tensor as the user's file spells it.
    memory: BTreeMap<String, Renamed>,
    dtype: DType,
    device: Device,
}

/// A tensor of another layout, stored under the name the model code uses.
pub(crate) struct Renamed {
    pub(crate) tensor: Tensor,
    /// The tensor's name in the file (with a note when it is a part or a transpose).
    pub(crate) source: String,
}

impl<'a> Weights<'a> {
    /// Weights from tensors already loaded and renamed (e.g. an open_clip state dict mapped to
    /// transformers' names); `origin` is the file they came from.
    pub(crate) fn in_memory(
        origin: &'a Path,
        memory: BTreeMap<String, Renamed>,
        dtype: DType,
        device: &Device,
    ) -> Self {
        Weights {
            origin,
            readers: Vec::new(),
            index: BTreeMap::new(),
            memory,
            dtype,
            device: device.clone(),
        }
    }
}

impl Weights<'_> {
    /// The scope of the whole checkpoint (tensor names start at the root).
    pub(crate) fn root(&self) -> Scope<'_> {
        Scope {
            weights: self,
            prefix: String::new(),
        }
    }

    fn get(&self, name: &str, shape: &[usize]) -> Result<Tensor> {
        if let Some(r) = self.memory.get(name) {
            if r.tensor.dims() != shape {
                return Err(Error::TensorShape {
                    name: r.source.clone(),
                    path: self.origin.to_path_buf(),
                    expected: shape.to_vec(),
                    found: r.tensor.dims().to_vec(),
                });
            }
            return Ok(r.tensor.to_device(&self.device)?.to_dtype(self.dtype)?);
        }
        let Some(&i) = self.index.get(name) else {
            return Err(Error::MissingTensor {
                name: name.to_string(),
                path: self.origin.to_path_buf(),
            });
        };
        let (path, map, reader) = &self.readers[i];
        let bad = |e: candle_core::Error| Error::Weights {
            path: path.to_path_buf(),
            message: format!("tensor `{name}`: {e}"),
        };
        let view = reader.get(name).map_err(bad)?;
        let dtype = format!("{:?}", view.dtype());
        if !matches!(dtype.as_str(), "F16" | "BF16" | "F32" | "F64") {
            return Err(Error::Weights {
                path: path.to_path_buf(),
                message: format!(
                    "tensor `{name}` is stored as {dtype}; weights must be floating point \
                     (F16, BF16, F32 or F64)"
                ),
            });
        }
        if view.shape() != shape {
            return Err(Error::TensorShape {
                name: name.to_string(),
                path: path.to_path_buf(),
                expected: shape.to_vec(),
                found: view.shape().to_vec(),
            });
        }
        let tensor = reader
            .load(name, &self.device)
            .and_then(|t| t.to_dtype(self.dtype))
            .map_err(bad)?;
        release_pages(map, view.data());
        Ok(tensor)
    }
}

/// Drops the pages of `bytes` (a tensor's data in `map`, already copied out) from this
/// process's resident memory, so that the mapped file and the tensors built from it are not
/// resident together: without it, peak memory while loading was the checkpoint's size twice.
/// The map is read-only and file-backed, so a later read of these pages (a tensor shared with
/// a neighbour's page, or fetched twice) reads them from the file again: same bytes.
#[allow(unsafe_code)]
fn release_pages(map: &Mmap, bytes: &[u8]) {
    #[cfg(unix)]
    {
        let offset = (bytes.as_ptr() as usize).wrapping_sub(map.as_ptr() as usize);
        if offset
            .checked_add(bytes.len())
            .is_some_and(|end| end <= map.len())
        {
            // SAFETY: MADV_DONTNEED on a read-only, file-backed private map only discards
            // resident copies of unmodified file pages; nothing can have written to them.
            // Failing (e.g. an unsupported platform) only leaves the pages resident.
            let _ = unsafe {
                map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, bytes.len())
            };
        }
    }
}

/// A prefix inside the checkpoint, so that model code mirrors the tensor names
/// (`text_model.encoder.layers.0.self_attn.q_proj.weight`).
#[derive(Clone)]
pub(crate) struct Scope<'a> {
    weights: &'a Weights<'a>,
    prefix: String,
}

impl<'a> Scope<'a> {
    /// The sub-scope `prefix.name`.
    pub(crate) fn pp(&self, name: impl std::fmt::Display) -> Scope<'a> {
        Scope {
            weights: self.weights,
            prefix: self.full(&name.to_string()),
        }
    }

    fn full(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    /// The tensor `prefix.name`, which must have `shape`.
    pub(crate) fn get(&self, name: &str, shape: &[usize]) -> Result<Tensor> {
        self.weights.get(&self.full(name), shape)
    }

    /// Whether the checkpoint has the tensor `prefix.name`.
    pub(crate) fn contains(&self, name: &str) -> bool {
        let name = self.full(name);
        self.weights.index.contains_key(&name) || self.weights.memory.contains_key(&name)
    }
}
