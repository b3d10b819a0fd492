mod metrics;
mod placeholder {}
mod importers;
