"""Train ahead of time what Training lab and Inference show at their default settings, at every keep_prob.

    python -m ui.cached.precompute [--seed 0] [--parent PID] [--nice N]

The sidebar's keep_prob moves in steps of 0.05, so the default views can only ever ask for 21 digits
networks, 21 Monte-Carlo curves and 21 toy networks per seed. Training one takes 1-3 s, far too long for a
slider move, so this process trains them all once (about two minutes of one core, at low priority) and
writes them to the disk store (`ui.cached.store`); the pages then find them there. Other settings
(another seed, more epochs, ...) are still trained when asked for, as before.

The app starts this process once per server (`ui.cached.training.start_precompute`); a lock makes a second
server on the same store wait its turn rather than train the same runs twice. With `--parent`, it stops
when that server process has gone.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

# st.cache_data outside a server warns on every call that it keeps its entries in memory: true, and fine here.
# (A filter, not a level: Streamlit resets its loggers' levels when it reads its configuration.)
logging.getLogger("streamlit.runtime.caching.cache_data_api").addFilter(
    lambda record: "No runtime found" not in record.getMessage())

from ui.cached import store  # noqa: E402
from ui.cached import training as cached  # noqa: E402
from ui.state import DEFAULT_SEED, KEEP_PROB_STEP  # noqa: E402

KEEP_PROBS = tuple(round(i * KEEP_PROB_STEP, 2) for i in range(round(1 / KEEP_PROB_STEP) + 1))  # the slider's values


@dataclass(frozen=True)
class Task:
    """One thing to store: its key and how to compute and save it."""

    key: tuple
    make: Callable[[], None]  # computes the result and writes it to the store


def _order(keep_probs) -> list[float]:
    """1 first (every digits view compares against it), then outwards from the default 0.5."""
    return sorted(keep_probs, key=lambda q: (q != 1.0, abs(q - 0.5), q))


def plan(seed: int = DEFAULT_SEED, keep_probs: tuple[float, ...] | None = None) -> list[Task]:
    """Every run and curve the default views of Training lab and Inference read (at every keep_prob of the
    slider unless `keep_probs` is given), nearest to 0.5 first."""
    tasks: dict[tuple, Task] = {}
    for keep_prob in _order(KEEP_PROBS if keep_probs is None else keep_probs):
        lab_run = cached.lab_default_run(keep_prob, seed)  # Training lab
        model = cached.inference_run(keep_prob, seed)  # Inference (the same network unless a test swaps it)
        mc_args = (model, cached.DEFAULT_MC_MAX_K, cached.DEFAULT_REPEATS)
        toy_args = (cached.TOY_SHAPES[0], cached.DEFAULT_TOY_NOISE, cached.DEFAULT_TOY_SIZE, keep_prob, seed)
        for key, make, args in ((lab_run.key(), cached.store_digits, (lab_run,)),
                                (model.key(), cached.store_digits, (model,)),
                                (cached.mc_curve_key(*mc_args), cached.store_mc_curve, mc_args),
                                (cached.toy_key(*toy_args), cached.store_toy, toy_args)):
            tasks.setdefault(key, Task(key, functools.partial(make, *args)))
    return list(tasks.values())


def missing(tasks: list[Task]) -> list[Task]:
    return [task for task in tasks if not store.has(task.key)]


def run(tasks: list[Task], keep_going: Callable[[], bool] = lambda: True) -> int:
    """Compute and store every task not stored yet, while keep_going(). Returns how many were computed."""
    done = 0
    for task in missing(tasks):
        if not keep_going():
            break
        task.make()
        done += 1
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--parent", type=int, default=None, help="stop when this process is gone")
    parser.add_argument("--nice", type=int, default=0, help="lower this process's priority by this much")
    args = parser.parse_args(argv)
    if args.nice and hasattr(os, "nice"):
        os.nice(args.nice)
    folder = store.store_dir()
    if folder is None:
        print("the store is switched off (DROPOUT_LAB_STORE=off): nothing to do")
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        with contextlib.suppress(ImportError):  # no fcntl (Windows): no lock, at worst a run is trained twice
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)  # another process filling the same store: wait, skip what it did
        start = time.perf_counter()
        tasks = plan(args.seed)
        alive = (lambda: os.getppid() == args.parent) if args.parent else (lambda: True)
        done = run(tasks, alive)
        print(f"{done} of {len(tasks)} runs computed in {time.perf_counter() - start:.0f} s; store: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
