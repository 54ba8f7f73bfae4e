"""Seconds per epoch of the Training lab's default model, beside the matrix-multiply floor.

    python benchmarks/bench_training.py [--epochs 10] [--repeats 3]

The default model: 64-256-256-10 ReLU network, hidden keep_prob 0.5, 1000 training digits,
minibatches of 32, SGD with momentum, one BLAS thread; every epoch also scores the 1000 training
and 797 test images (the curves). The floor is the epoch's multiply-add count divided by the
GEMM rate measured on this machine, one thread, float32:
  * "peak" rate: a large (1024 x 256) @ (256 x 256) product;
  * "same shapes" rate: exactly the products one epoch performs, timed alone.
If torch is importable, the same model and loop in torch (CPU, one thread) is timed too.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import mlp  # noqa: E402
from core.data import load_digits, train_test_split  # noqa: E402
from ui.cached import training as recipe  # noqa: E402  (constants only)

WIDTH = recipe.DEFAULT_WIDTH
BATCH_SIZE = mlp.RECIPE.batch_size  # the lessons' recipe (TrainConfig's defaults)
LAYERS = ((64, WIDTH), (WIDTH, WIDTH), (WIDTH, 10))


def epoch_products(n_train: int, n_eval: int, batch: int) -> list[tuple[int, int, int]]:
    """(m, k, n) of every matrix product in one epoch: forward, backward (dX and dW) and the scoring passes."""
    products = []
    for start in range(0, n_train, batch):
        rows = min(batch, n_train - start)
        for d_in, d_out in LAYERS:
            products += [(rows, d_in, d_out), (rows, d_out, d_in), (d_in, rows, d_out)]  # fwd, dX, dW
    for d_in, d_out in LAYERS:
        products.append((n_eval, d_in, d_out))
    return products


def flops(products) -> float:
    return float(sum(2 * m * k * n for m, k, n in products))


def best_time(function, repeats: int) -> float:
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    X, y = load_digits()
    X_pool, X_test, y_pool, y_test = train_test_split(X, y, n_train=recipe.DIGITS_POOL, rng=0)
    n_train, n_eval = X_pool.shape[0], X_pool.shape[0] + X_test.shape[0]
    products = epoch_products(n_train, n_eval, BATCH_SIZE)
    epoch_flops = flops(products)
    rng = np.random.default_rng(0)

    with threadpool_limits(limits=1, user_api="blas"):
        a = rng.random((1024, 256), dtype=np.float32)
        b = rng.random((256, 256), dtype=np.float32)
        peak = 2 * 1024 * 256 * 256 / best_time(lambda: [a @ b for _ in range(20)], args.repeats) * 20
        operands = [(rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32))
                    for m, k, n in products]
        same_shapes = epoch_flops / best_time(lambda: [p @ q for p, q in operands], args.repeats)

    def numpy_epochs():
        mlp.train(X_pool, y_pool, X_test, y_test, hidden=(WIDTH, WIDTH), keep_prob=0.5, epochs=args.epochs)

    numpy_epoch = best_time(numpy_epochs, args.repeats) / args.epochs
    rows = [("NumPy core (core/mlp.py), 1 BLAS thread", numpy_epoch)]
    torch_note = ""
    try:
        rows.append(("PyTorch CPU, 1 thread, same model and loop", torch_epoch(X_pool, y_pool, X_test, args)))
    except ImportError:
        torch_note = "PyTorch is not installed: no torch row."

    floor_peak = epoch_flops / peak
    floor_shapes = epoch_flops / same_shapes
    print(f"Default model 64-{WIDTH}-{WIDTH}-10, {n_train} training images, batch {BATCH_SIZE}, "
          f"keep_prob 0.5; {epoch_flops / 1e9:.2f} GFLOP per epoch (training and scoring).")
    print(f"GEMM rate, 1 thread float32: peak {peak / 1e9:.1f} GFLOP/s; at this epoch's shapes "
          f"{same_shapes / 1e9:.1f} GFLOP/s.\n")
    print("| what | ms per epoch | × peak-GEMM floor | × same-shapes floor |")
    print("|---|---|---|---|")
    print(f"| floor: FLOPs / peak GEMM rate | {1e3 * floor_peak:.1f} | 1.00 | |")
    print(f"| floor: FLOPs / GEMM rate at these shapes | {1e3 * floor_shapes:.1f} | {floor_shapes / floor_peak:.2f} "
          "| 1.00 |")
    for name, seconds in rows:
        print(f"| {name} | {1e3 * seconds:.1f} | {seconds / floor_peak:.2f} | {seconds / floor_shapes:.2f} |")
    if torch_note:
        print(f"\n{torch_note}")


def torch_epoch(X_pool, y_pool, X_test, args) -> float:
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, WIDTH), torch.nn.ReLU(), torch.nn.Dropout(0.5),
                                torch.nn.Linear(WIDTH, WIDTH), torch.nn.ReLU(), torch.nn.Dropout(0.5),
                                torch.nn.Linear(WIDTH, 10))
    optimiser = torch.optim.SGD(model.parameters(), lr=mlp.RECIPE.learning_rate, momentum=mlp.RECIPE.momentum)
    X_train, y_train = torch.tensor(X_pool, dtype=torch.float32), torch.tensor(y_pool)
    X_eval = torch.tensor(np.concatenate([X_pool, X_test]), dtype=torch.float32)

    def epochs():
        for _ in range(args.epochs):
            model.train()
            order = torch.randperm(X_train.shape[0])
            for start in range(0, X_train.shape[0], BATCH_SIZE):
                batch = order[start: start + BATCH_SIZE]
                optimiser.zero_grad()
                torch.nn.functional.cross_entropy(model(X_train[batch]), y_train[batch]).backward()
                optimiser.step()
            model.eval()
            with torch.no_grad():
                model(X_eval).argmax(dim=1)

    return best_time(epochs, args.repeats) / args.epochs


if __name__ == "__main__":
    main()
