"""torch's F.linear (no bias, f32, CPU) on the shapes of crates/clip/examples/gemm.rs.

usage: python gemm.py SHAPES_FILE [REPEATS]  (SHAPES_FILE: the example's output, one
`name batch seq in out ...` line per shape; the same shapes are timed here)
prints `name gflops` per shape, best of REPEATS after one warm-up.
"""
import sys
import time

import torch


def main():
    shapes = [line.split() for line in open(sys.argv[1]) if line.strip()]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    torch.manual_seed(0)
    for name, batch, seq, k, n in (s[:5] for s in shapes):
        batch, seq, k, n = int(batch), int(seq), int(k), int(n)
        x = torch.randn(batch, seq, k)
        w = torch.randn(n, k) * 0.02
        with torch.inference_mode():
            torch.nn.functional.linear(x, w)
            best = float("inf")
            for _ in range(repeats):
                t = time.perf_counter()
                torch.nn.functional.linear(x, w)
                best = min(best, time.perf_counter() - t)
        print(name, "%.1f" % (2 * batch * seq * k * n / best / 1e9))


if __name__ == "__main__":
    main()
