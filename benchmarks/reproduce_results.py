"""Measure the headline results of the Training lab and Inference lessons, with the pages' own recipe
(core.mlp.RECIPE, TrainConfig's defaults: the runs below leave every option but keep_prob and epochs at it).

    python benchmarks/reproduce_results.py                 # 5 seeds, about several minutes on 2 cores
    python benchmarks/reproduce_results.py --seeds 3 --quick

1. Test error on the 8x8 digits with and without hidden dropout (keep_prob 0.5), for 1000, 500, 300,
   200 and 100 training images, mean and standard error over seeds (each seed: its own split, initial
   weights, minibatch order and masks), and the standard deviation of one run's test error over the
   seeds (the Training lab's SEED_SCATTER). Also with Adam (1e-3, batches of 64), for comparison.
2. Monte-Carlo averaging over k masks against weight scaling: the smallest k at which the mean MC
   test error (over repeats) is at most the weight-scaling error, per seed.
Prints Markdown tables (pasteable into README).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import mlp  # noqa: E402
from core.data import load_digits, train_test_split  # noqa: E402
from ui.cached import training as recipe  # noqa: E402  (the constants only; nothing is cached here)

ADAM = {"optimizer": "adam", "learning_rate": 1e-3, "batch_size": 64}  # the comparison: Adam's usual settings


def digits_run(n_train: int, keep_prob: float, seed: int, *, epochs: int, optimizer: str) -> mlp.TrainResult:
    """The Training lab's run: the first n_train of the seed's pool of 1000, 797 test images, RECIPE (or ADAM)."""
    X, y = load_digits()
    X_pool, X_test, y_pool, y_test = train_test_split(X, y, n_train=recipe.DIGITS_POOL, rng=seed)
    options = ADAM if optimizer == "adam" else {}
    return mlp.train(X_pool[:n_train], y_pool[:n_train], X_test, y_test, keep_prob=keep_prob, epochs=epochs,
                     seed=seed, **options)


def mean_se(values) -> str:
    values = 100 * np.asarray(values, dtype=float)
    se = values.std(ddof=1) / np.sqrt(values.size) if values.size > 1 else float("nan")
    return f"{values.mean():.2f}% ± {se:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=recipe.DEFAULT_EPOCHS)
    parser.add_argument("--quick", action="store_true", help="skip the Adam comparison and use 3 MC repeats")
    args = parser.parse_args()
    seeds = range(args.seeds)
    started = time.perf_counter()

    width = mlp.RECIPE.hidden
    print(f"## Dropout on the digits ({args.epochs} epochs, 64-{width[0]}-{width[1]}-10, "
          f"mean ± standard error over {args.seeds} seeds; 797 test images)\n")
    print("| optimiser | training images | no dropout: test error | keep_prob 0.5: test error | relative change "
          "| train error (both) | sd of one run (no dropout / dropout) |")
    print("|---|---|---|---|---|---|---|")
    optimizers = ["sgd"] if args.quick else ["sgd", "adam"]
    dropout_models = {}
    for optimizer in optimizers:
        for n_train in (1000, 500, 300, 200, 100) if optimizer == "sgd" else (1000, 100):
            errors = {1.0: [], 0.5: []}
            train_errors = []
            for seed in seeds:
                for keep_prob in (1.0, 0.5):
                    result = digits_run(n_train, keep_prob, seed, epochs=args.epochs, optimizer=optimizer)
                    errors[keep_prob].append(result.history["test_error"].iloc[-1])
                    train_errors.append(result.history["train_error"].iloc[-1])
                    if optimizer == "sgd" and n_train == 1000 and keep_prob == 0.5:
                        dropout_models[seed] = result
            change = (np.mean(errors[0.5]) - np.mean(errors[1.0])) / np.mean(errors[1.0])
            label = mlp.describe_recipe(replace(mlp.RECIPE, **(ADAM if optimizer == "adam" else {})))
            sd = [100 * np.std(errors[q], ddof=1) if len(errors[q]) > 1 else float("nan") for q in (1.0, 0.5)]
            print(f"| {label} | {n_train} | {mean_se(errors[1.0])} | {mean_se(errors[0.5])} | {100 * change:+.0f}% "
                  f"| ≤ {100 * max(train_errors):.1f}% | {sd[0]:.2f} / {sd[1]:.2f} points |", flush=True)
            print(f"<!-- per seed, no dropout: {np.round(100 * np.array(errors[1.0]), 2).tolist()}, dropout: "
                  f"{np.round(100 * np.array(errors[0.5]), 2).tolist()} -->", flush=True)

    repeats = 3 if args.quick else 5
    ks = np.array([1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200])
    print(f"\n## Monte-Carlo averaging vs weight scaling (1000 training images, keep_prob 0.5, {repeats} repeats)\n")
    print("| seed | weight scaling | MC k=1 | MC k=10 | MC k=50 | MC k=200 | smallest k with MC ≤ weight scaling |")
    print("|---|---|---|---|---|---|---|")
    for seed, result in dropout_models.items():
        X, y = load_digits()
        _, X_test, _, y_test = train_test_split(X, y, n_train=recipe.DIGITS_POOL, rng=seed)
        errors = mlp.mc_error_curve(result, X_test, y_test, ks, repeats=repeats, rng=seed).mean(axis=0)
        scaling = float((mlp.predict_proba(result, X_test).argmax(axis=1) != y_test).mean())
        matched = ks[errors <= scaling]
        at = {k: errors[list(ks).index(k)] for k in (1, 10, 50, 200)}
        print(f"| {seed} | {100 * scaling:.2f}% | {100 * at[1]:.2f}% | {100 * at[10]:.2f}% | {100 * at[50]:.2f}% "
              f"| {100 * at[200]:.2f}% | {int(matched[0]) if matched.size else '> 200'} |", flush=True)
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
