"""Throughput of the dropout core next to a plain array copy of the same size, timed in one interleaved loop.

    python benchmarks/bench_core.py [--repeats 11] [--keep-prob 0.5] [--sizes 100000 1000000 10000000]

For float32 arrays of 1e5, 1e6 and 1e7 entries, every repeat runs each candidate once, one after the
other: `x.copy()`, the inverted dropout_forward, dropout_backward, forward and backward together, the
naive `x * (rng.random(shape) < keep_prob) / keep_prob`, and torch's `torch.nn.functional.dropout` if
torch is importable (torch is never a dependency: `pip install torch==2.13.0` gives its column). A burst
of other work on a shared machine then slows the copy and the candidates of that repeat alike, instead
of only whichever was being timed. Reported: the median time of each over the repeats, as M elements/s,
and forward / copy, the figure of merit (target: at least 0.3 at 1e7), as the median of the per-repeat
ratios with their range. Everything runs on one thread (BLAS limited through threadpoolctl, torch through
set_num_threads). The machine's load average is printed before and after: on a busy machine the figures
are not worth keeping.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.dropout import dropout_backward, dropout_forward

SIZES = (100_000, 1_000_000, 10_000_000)
COLUMNS = ("copy", "forward", "backward", "forward+backward", "naive forward", "torch")


def candidates(x: np.ndarray, dout: np.ndarray, keep_prob: float, rng: np.random.Generator) -> dict:
    """name -> callable, each doing one pass over x (torch only if it is importable)."""
    _, cache = dropout_forward(x, keep_prob, rng=rng)
    calls = {
        "copy": x.copy,
        "forward": lambda: dropout_forward(x, keep_prob, rng=rng),
        "backward": lambda: dropout_backward(dout, cache),
        "forward+backward": lambda: dropout_backward(dout, dropout_forward(x, keep_prob, rng=rng)[1]),
        "naive forward": lambda: x * (rng.random(x.shape, dtype=np.float32) < keep_prob) / keep_prob,
    }
    try:
        import torch
    except ImportError:
        return calls
    torch.set_num_threads(1)
    tensor = torch.from_numpy(x)
    calls["torch"] = lambda: torch.nn.functional.dropout(tensor, p=1 - keep_prob, training=True)
    return calls


def interleaved_times(calls: dict, repeats: int) -> dict[str, list[float]]:
    """Seconds per call of each candidate, `repeats` rounds of one call each in turn (after one warm-up round)."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for round_index in range(repeats + 1):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            elapsed = time.perf_counter() - start
            if round_index:  # round 0 warms up: first-touch page faults, lazy imports
                times[name].append(elapsed)
    return times


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=11, help="interleaved rounds (default 11; use 9 or more)")
    parser.add_argument("--keep-prob", type=float, default=0.5)
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES, help="array sizes in elements")
    args = parser.parse_args()
    keep_prob, rng = args.keep_prob, np.random.default_rng(0)

    print(f"dropout core throughput: float32, keep_prob {keep_prob}, one thread, median of {args.repeats} "
          f"interleaved rounds, M elements/s")
    print(f"before: {load()}\n")
    print("| elements | " + " | ".join(COLUMNS) + " | forward / copy (range) |")
    print("|---:" * (len(COLUMNS) + 2) + "|")
    with threadpool_limits(limits=1, user_api="blas"):
        for n in args.sizes:
            x = rng.standard_normal(n, dtype=np.float32)
            dout = rng.standard_normal(n, dtype=np.float32)
            times = interleaved_times(candidates(x, dout, keep_prob, rng), args.repeats)
            rates = {name: f"{n / statistics.median(seconds) / 1e6:,.0f}" for name, seconds in times.items()}
            ratios = [copy / forward for copy, forward in zip(times["copy"], times["forward"], strict=True)]
            cells = [rates.get(name, "n/a") for name in COLUMNS]
            print(f"| {n:,} | " + " | ".join(cells)
                  + f" | {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) |", flush=True)
    print(f"\nafter: {load()}")


if __name__ == "__main__":
    main()
