//! TODO: filled in by the manifests work.
