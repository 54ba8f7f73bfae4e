"""Throughput of the dropout core next to a plain array copy of the same size, measured in one run.

    python benchmarks/bench_core.py [--repeats 7] [--keep-prob 0.5]

Reports elements per second (best of `repeats`) for float32 arrays of 1e5, 1e6 and 1e7 entries:
inverted dropout_forward, dropout_backward, both together, the naive
`x * (rng.random(shape) < keep_prob) / keep_prob`, and `x.copy()`; the ratio of forward to copy
is the figure of merit (target: at least 0.3 at 1e7). If torch is importable, its
`torch.nn.functional.dropout` runs on the same arrays (one thread).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.dropout import dropout_backward, dropout_forward

SIZES = (100_000, 1_000_000, 10_000_000)


def best_time(function, repeats: int) -> float:
    function()  # warm-up: first-touch page faults, lazy imports
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def torch_dropout(x: np.ndarray, keep_prob: float):
    """A callable running torch's dropout on x, or None if torch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    tensor = torch.from_numpy(x)
    return lambda: torch.nn.functional.dropout(tensor, p=1 - keep_prob, training=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--keep-prob", type=float, default=0.5)
    args = parser.parse_args()
    keep_prob, rng = args.keep_prob, np.random.default_rng(0)

    print(f"dropout core throughput, float32, keep_prob {keep_prob}, best of {args.repeats} (M elements/s)\n")
    header = "| elements | copy | forward | forward / copy | backward | forward+backward | naive forward | torch |"
    print(header)
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in SIZES:
        x = rng.standard_normal(n, dtype=np.float32)
        dout = rng.standard_normal(n, dtype=np.float32)
        _, cache = dropout_forward(x, keep_prob, rng=rng)
        timings = {
            "copy": best_time(lambda x=x: x.copy(), args.repeats),
            "forward": best_time(lambda x=x: dropout_forward(x, keep_prob, rng=rng), args.repeats),
            "backward": best_time(lambda d=dout, c=cache: dropout_backward(d, c), args.repeats),
            "both": best_time(lambda x=x, d=dout: dropout_backward(d, dropout_forward(x, keep_prob, rng=rng)[1]),
                              args.repeats),
            "naive": best_time(lambda x=x: x * (rng.random(x.shape, dtype=np.float32) < keep_prob) / keep_prob,
                               args.repeats),
        }
        torch_call = torch_dropout(x, keep_prob)
        torch_rate = f"{n / best_time(torch_call, args.repeats) / 1e6:,.0f}" if torch_call else "n/a"
        rate = {name: n / seconds / 1e6 for name, seconds in timings.items()}
        print(f"| {n:,} | {rate['copy']:,.0f} | {rate['forward']:,.0f} | {timings['copy'] / timings['forward']:.2f} "
              f"| {rate['backward']:,.0f} | {rate['both']:,.0f} | {rate['naive']:,.0f} | {torch_rate} |")


if __name__ == "__main__":
    main()
