//! GEMM throughput of the Linear layers as the model calls them, f32, CPU: candle_nn `Linear`
//! without bias on a `(batch, seq, in)` input (the `gemm` crate, all threads) and the packed
//! AVX2/FMA GEMM of `model::packed` (weights packed once, outside the timing), for
//! `benchmarks/embed/gemm.sh`, which runs torch's `F.linear` on the same shapes beside them.
//!
//! usage: gemm [REPEATS]   prints one line per shape:
//! `name batch seq in out candle_gflops packed_gflops candle_cpu_gflops packed_cpu_gflops`
//! (best of REPEATS after a warm-up; the `_cpu` rates divide by the process's CPU time instead
//! of wall time: GFLOP per CPU-second, what a loaded machine can still compare).
#![allow(clippy::print_stdout)] // a benchmark that prints its table

use std::time::Instant;

use candle_core::{Device, Tensor};
use candle_nn::{Linear, Module};
use clipprobe_clip::model::packed::{self, PackedWeight};

/// (name, batch, seq, in, out): the fused q/k/v, attention output, MLP up and MLP down
/// projections of ViT-B/32 and ViT-B/16 image batches of 32 (ViT-B/16 in the model's passes of
/// 8 images) and a text batch of 64 at 14 tokens.
const SHAPES: &[(&str, usize, usize, usize, usize)] = &[
    ("b32-image-qkv", 32, 50, 768, 2304),
    ("b32-image-out", 32, 50, 768, 768),
    ("b32-image-mlp-up", 32, 50, 768, 3072),
    ("b32-image-mlp-down", 32, 50, 3072, 768),
    ("b16-image-qkv", 8, 197, 768, 2304),
    ("b16-image-out", 8, 197, 768, 768),
    ("b16-image-mlp-up", 8, 197, 768, 3072),
    ("b16-image-mlp-down", 8, 197, 3072, 768),
    ("text-qkv", 64, 14, 512, 1536),
    ("text-out", 64, 14, 512, 512),
    ("text-mlp-up", 64, 14, 512, 2048),
    ("text-mlp-down", 64, 14, 2048, 512),
];

/// CPU seconds of this process so far (all threads).
fn cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec to write; the clock id is a constant of the platform.
    #[allow(unsafe_code)]
    unsafe {
        libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t)
    };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// Best wall and best CPU seconds of `repeats` calls of `f`, after one warm-up call.
fn best(repeats: usize, mut f: impl FnMut()) -> (f64, f64) {
    f();
    let (mut wall, mut cpu) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..repeats {
        let (t, c) = (Instant::now(), cpu_seconds());
        f();
        wall = wall.min(t.elapsed().as_secs_f64());
        cpu = cpu.min(cpu_seconds() - c);
    }
    (wall, cpu)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let repeats: usize = std::env::args().nth(1).map_or(Ok(5), |r| r.parse())?;
    let device = Device::Cpu;
    let threads = candle_core::utils::get_num_threads();
    if !packed::available() {
        eprintln!("no AVX2/FMA: the packed GEMM does not run here");
    }
    for &(name, batch, seq, k, n) in SHAPES {
        let x = Tensor::randn(0f32, 1.0, (batch, seq, k), &device)?;
        let w = Tensor::randn(0f32, 0.02, (n, k), &device)?;
        let xv = x.flatten_all()?.to_vec1::<f32>()?;
        let packed = PackedWeight::new(&w.flatten_all()?.to_vec1::<f32>()?, n, k);
        let linear = Linear::new(w, None);
        let (cw, cc) = best(repeats, || drop(linear.forward(&x)));
        let (pw, pc) = match &packed {
            Some(p) => best(repeats, || {
                drop(packed::matmul(&xv, p, threads, |_, _, _| {}))
            }),
            None => (f64::NAN, f64::NAN),
        };
        let flop = 2.0 * (batch * seq * k * n) as f64 / 1e9;
        println!(
            "{name} {batch} {seq} {k} {n} {:.1} {:.1} {:.1} {:.1}",
            flop / cw,
            flop / pw,
            flop / cc,
            flop / pc
        );
    }
    Ok(())
}
