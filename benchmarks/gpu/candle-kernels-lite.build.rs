// Local test build only (benchmarks/gpu, docs/performance.md): the PTX kernels are the ones the
// unmodified candle-kernels 0.11.1 build.rs produced (copied into prebuilt/); the statically
// linked GGUF/MoE kernels (libmoe.a), unused by clipprobe, are aborting stubs, because nvcc
// needs about an hour for them on the loaded 2-core build machine.
use std::path::PathBuf;
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let mut rs = String::new();
    for id in ["affine", "binary", "cast", "conv", "fill", "indexing", "quantized", "reduce", "sort", "ternary", "unary"] {
        std::fs::copy(format!("prebuilt/{id}.ptx"), out.join(format!("{id}.ptx"))).unwrap();
        rs.push_str(&format!(
            "pub const {}: &str = include_str!(concat!(env!(\"OUT_DIR\"), \"/{id}.ptx\"));\n",
            id.to_uppercase()
        ));
    }
    std::fs::write(out.join("ptx.rs"), rs).unwrap();
    let obj = out.join("moe_stub.o");
    assert!(std::process::Command::new("cc").args(["-c", "-fPIC", "-O1", "prebuilt/moe_stub.c", "-o"]).arg(&obj).status().unwrap().success());
    assert!(std::process::Command::new("ar").arg("crs").arg(out.join("libmoe.a")).arg(&obj).status().unwrap().success());
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-lib=moe");
    println!("cargo:rustc-link-lib=dylib=cudart");
    println!("cargo:rustc-link-lib=stdc++");
}
