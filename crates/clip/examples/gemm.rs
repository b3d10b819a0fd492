//! GEMM throughput of the Linear layers exactly as the model calls them (candle_nn `Linear`
//! without bias on a `(batch, seq, in)` input, f32, CPU), for `benchmarks/embed/gemm.sh`, which
//! runs torch's `F.linear` on the same shapes beside it.
//!
//! usage: gemm [REPEATS]   prints one line per shape: `name batch seq in out gflops`

use std::time::Instant;

use candle_core::{Device, Tensor};
use candle_nn::{Linear, Module};

/// (name, batch, seq, in, out): the fused q/k/v, attention output, MLP up and MLP down
/// projections of ViT-B/32 and ViT-B/16 image batches of 32 and a text batch of 64 at 14 tokens.
const SHAPES: &[(&str, usize, usize, usize, usize)] = &[
    ("b32-image-qkv", 32, 50, 768, 2304),
    ("b32-image-out", 32, 50, 768, 768),
    ("b32-image-mlp-up", 32, 50, 768, 3072),
    ("b32-image-mlp-down", 32, 50, 3072, 768),
    ("b16-image-qkv", 32, 197, 768, 2304),
    ("b16-image-out", 32, 197, 768, 768),
    ("b16-image-mlp-up", 32, 197, 768, 3072),
    ("b16-image-mlp-down", 32, 197, 3072, 768),
    ("text-qkv", 64, 14, 512, 1536),
    ("text-out", 64, 14, 512, 512),
    ("text-mlp-up", 64, 14, 512, 2048),
    ("text-mlp-down", 64, 14, 2048, 512),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let repeats: usize = std::env::args().nth(1).map_or(Ok(5), |r| r.parse())?;
    let device = Device::Cpu;
    for &(name, batch, seq, k, n) in SHAPES {
        let x = Tensor::randn(0f32, 1.0, (batch, seq, k), &device)?;
        let w = Tensor::randn(0f32, 0.02, (n, k), &device)?;
        let linear = Linear::new(w, None);
        linear.forward(&x)?; // warm-up
        let mut best = f64::INFINITY;
        for _ in 0..repeats {
            let t = Instant::now();
            let y = linear.forward(&x)?;
            best = best.min(t.elapsed().as_secs_f64());
            drop(y);
        }
        let gflops = 2.0 * (batch * seq * k * n) as f64 / best / 1e9;
        println!("{name} {batch} {seq} {k} {n} {gflops:.1}");
    }
    Ok(())
}
