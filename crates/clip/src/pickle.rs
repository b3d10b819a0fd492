//! PyTorch checkpoints (`torch.save` zip files: `.pt`, `.pth`, `.bin`) read **without executing
//! code**: the pickle is parsed by candle's pickle reader (a stack machine that builds a tree of
//! values and never imports or calls anything), and the tree is then vetted: every GLOBAL it
//! names must be one of the torch functions and storage classes that rebuild tensors
//! ([`ALLOWED_GLOBALS`], `torch.*Storage`) or `collections.OrderedDict`. Anything else
//! (`os.system`, `builtins.eval`, a custom class) makes the whole file an
//! [`Error::UnsafePickle`] naming the file and the GLOBAL, before any tensor is read.
//!
//! The state dict is the top-level dict, or its `state_dict` entry when there is one (training
//! checkpoints: `{"epoch", "state_dict", "optimizer", ...}`); a `module.` prefix (left by
//! `DistributedDataParallel`) is stripped from every name.

use std::io::{BufReader, Read};
use std::path::Path;

use candle_core::pickle::{Object, PthTensors, Stack};
use candle_core::Tensor;

use crate::error::{Error, Result};

/// `module.class` GLOBALs that only rebuild tensors (plus every `torch.<X>Storage`).
pub const ALLOWED_GLOBALS: &[&str] = &[
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_parameter",
    "torch._tensor._rebuild_from_type_v2",
    "torch.Tensor",
    "torch.nn.parameter.Parameter",
    "collections.OrderedDict",
];

fn allowed(module: &str, class: &str) -> bool {
    (module == "torch" && class.ends_with("Storage"))
        || ALLOWED_GLOBALS
            .iter()
            .any(|g| g.strip_prefix(module).and_then(|r| r.strip_prefix('.')) == Some(class))
}

/// The first GLOBAL in `obj` that is not allowed, as `module.class`.
fn forbidden_global(obj: &Object) -> Option<String> {
    match obj {
        Object::Class {
            module_name,
            class_name,
        } => (!allowed(module_name, class_name)).then(|| format!("{module_name}.{class_name}")),
        Object::Tuple(v) | Object::List(v) => v.iter().find_map(forbidden_global),
        Object::Dict(kv) => kv
            .iter()
            .find_map(|(k, v)| forbidden_global(k).or_else(|| forbidden_global(v))),
        Object::Reduce { callable, args } | Object::Build { callable, args } => {
            forbidden_global(callable).or_else(|| forbidden_global(args))
        }
        Object::PersistentLoad(o) => forbidden_global(o),
        _ => None,
    }
}

/// All tensors of the checkpoint at `path`, `module.` prefixes stripped, sorted by name.
pub fn read_state_dict(path: &Path) -> Result<Vec<(String, Tensor)>> {
    let bad = |message: String| Error::Weights {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
        bad(format!(
            "not a torch.save zip archive ({e}); legacy (pre-1.6) pickles and TorchScript \
             archives are not read: re-save the state dict with torch.save, or as safetensors"
        ))
    })?;
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| bad(format!("unreadable zip directory: {e}")))?;
    let pkl: Vec<&String> = names.iter().filter(|n| n.ends_with("data.pkl")).collect();
    let [pkl] = pkl[..] else {
        return Err(bad(format!(
            "expected one data.pkl in the archive, found {}",
            pkl.len()
        )));
    };
    let mut bytes = Vec::new();
    zip.by_name(pkl)
        .and_then(|mut f| f.read_to_end(&mut bytes).map_err(Into::into))
        .map_err(|e| bad(format!("{pkl}: {e}")))?;
    let mut stack = Stack::empty();
    stack
        .read_loop(&mut bytes.as_slice())
        .map_err(|e| bad(format!("{pkl}: unreadable pickle: {e}")))?;
    let root = stack
        .finalize()
        .map_err(|e| bad(format!("{pkl}: unreadable pickle: {e}")))?;
    if let Some(global) = forbidden_global(&root) {
        return Err(Error::UnsafePickle {
            path: path.to_path_buf(),
            global,
        });
    }
    let key = match &root {
        Object::Dict(kv)
            if kv.iter().any(|(k, v)| {
                *k == Object::Unicode("state_dict".into()) && matches!(v, Object::Dict(_))
            }) =>
        {
            Some("state_dict")
        }
        Object::Dict(_) => None,
        _ => {
            return Err(bad(
                "the pickle is not a dict of tensors (a state dict)".into()
            ))
        }
    };
    let pth = PthTensors::new(path, key).map_err(|e| bad(e.to_string()))?;
    let mut names: Vec<&String> = pth.tensor_infos().keys().collect();
    names.sort();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let tensor = pth
            .get(name)
            .map_err(|e| bad(format!("tensor `{name}`: {e}")))?
            .ok_or_else(|| bad(format!("tensor `{name}` vanished")))?;
        let plain = name.strip_prefix("module.").unwrap_or(name);
        out.push((plain.to_string(), tensor));
    }
    if out.is_empty() {
        return Err(bad(format!(
            "no tensors found{}",
            key.map(|k| format!(" under `{k}`")).unwrap_or_default()
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tensor_rebuilding_globals_are_allowed() {
        assert!(allowed("torch._utils", "_rebuild_tensor_v2"));
        assert!(allowed("torch", "FloatStorage"));
        assert!(allowed("collections", "OrderedDict"));
        assert!(!allowed("posix", "system"));
        assert!(!allowed("builtins", "eval"));
        assert!(!allowed("torch._utils", "_rebuild_tensor_v2x"));
        assert!(!allowed("torch", "load"));
        let evil = Object::Dict(vec![(
            Object::Unicode("state_dict".into()),
            Object::Reduce {
                callable: Box::new(Object::Class {
                    module_name: "posix".into(),
                    class_name: "system".into(),
                }),
                args: Box::new(Object::Tuple(vec![Object::Unicode("echo".into())])),
            },
        )]);
        assert_eq!(forbidden_global(&evil).as_deref(), Some("posix.system"));
    }
}
