"""Cached training runs and their analyses for the lessons "Training lab" and "Inference" (core/mlp.py).

Arguments are plain values (sizes, keep_prob, epochs, seed); every Generator is built inside core.
A finished run is remembered per settings in a bounded st.cache_data store. A run that is not there
is looked up in the disk store (`ui.cached.store`), which `ui.cached.precompute` fills for the default
settings at every keep_prob; failing that it is trained epoch by epoch through `core.mlp.train_iter`,
so a page can draw the curves as they grow.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import streamlit as st

from core import mlp
from core.data import load_digits, make_toy_2d, train_test_split
from ui.cached import store
from ui.state import DEFAULT_SEED

# --- bounds and defaults shared by the two pages (every control is bounded by these) ---------------

DIGITS_POOL = 1000  # training images are the first n of these; the other 797 images are the test set
DIGITS_TRAIN_SIZES = (100, 200, 300, 500, 1000)
DEFAULT_TRAIN_SIZE = 1000
# The training recipe (optimiser, step, minibatches, schedule, default epochs and width) is core.mlp.RECIPE,
# TrainConfig's defaults: every digits run here leaves those options at their defaults.
RECIPE = mlp.RECIPE
HIDDEN_WIDTHS = (64, 128, 256)
DEFAULT_WIDTH = mlp.RECIPE.hidden[0]  # two hidden layers of this many units
MIN_EPOCHS, MAX_EPOCHS, DEFAULT_EPOCHS = 5, 100, mlp.RECIPE.epochs
DEFAULT_KEEP_PROB_INPUT = 1.0

# Seed-to-seed standard deviation of one run's test error (percentage points) per training-set size: measured at
# the default 40 epochs and 256 units, over seeds 0-7 (the mean of the runs with keep_prob 0.5 and 1.0; with 0.5 and
# 1.0 alone: 1000: 0.53 / 0.61, 500: 0.73 / 0.78, 300: 0.88 / 0.89, 200: 1.24 / 0.97, 100: 1.30 / 1.59).
# benchmarks/reproduce_results.py prints it again (over its seeds).
SEED_SCATTER = {100: 1.4, 200: 1.1, 300: 0.9, 500: 0.8, 1000: 0.6}

SWEEP_KEEP_PROBS = (0.2, 0.3, 0.5, 0.7, 0.9, 1.0)
SWEEP_BASE_WIDTH = 64  # "fixed n": 64 units per layer; "fixed keep_prob × n": 64 / keep_prob units
SWEEP_EPOCHS = 30

TOY_SHAPES = ("moons", "spirals")
TOY_SIZES = (50, 100, 200)
DEFAULT_TOY_SIZE = 100
DEFAULT_TOY_NOISE = 0.3
TOY_TEST_POINTS = 1000
MAX_TOY_NOISE = 0.5
TOY_HIDDEN = (128, 128)
TOY_EPOCHS = 300  # long enough for the network without dropout to fit the noise (train error ~1%)
TOY_BATCH = 25
TOY_LEARNING_RATE = 0.05  # SGD with momentum, like the digits
TOY_MAX_NORM = 3.0  # the paper's max-norm cap: without it, keep_prob <= 0.15 (kept units scaled by 7-20x) diverges
TOY_GRID = 50  # grid points per side of the decision-boundary maps (live: 21 maps of 50x50 float32 stay under 1 MB)
UNCERTAINTY_NOISE = {"moons": 0.3, "spirals": 0.1}  # the Inference lesson's toy sets: spirals need less noise
UNCERTAINTY_GRID = 60  # ... and of the MC-dropout maps (T passes per point: a coarser grid keeps them quick)

MC_MAX_KS = (20, 50, 100, 200)
DEFAULT_MC_MAX_K = 100
MAX_REPEATS = 8
DEFAULT_REPEATS = 3
MC_SAMPLE_CHOICES = (10, 20, 50, 100, 200)
AMBIGUOUS_SHOWN = 6
GAP_IMAGES = 10  # test images the linear-vs-ReLU comparison averages over (10 logits each)
GAP_MAX_K = 3000  # the ReLU's bias only shows once the sampling noise has fallen below it


# --- the remembered-runs store -------------------------------------------------------------------


class _NotTrainedYet(LookupError):
    """Raised (so nothing is cached) when a run is looked up before it has been trained."""


@st.cache_data(max_entries=24, show_spinner=False)
def _finished_run(key: tuple, _result: mlp.TrainResult | None = None) -> mlp.TrainResult:
    """The store: keyed by the run's settings (the `_result` argument is not part of the key).

    Looking up (no _result) raises on a miss, and exceptions are never cached; storing passes the
    result, which a miss returns and so caches. The cache is bounded (max_entries) like every other.
    """
    if _result is None:
        raise _NotTrainedYet(key)
    return _result


def _remembered(key: tuple) -> mlp.TrainResult | None:
    """The finished run from memory, else from the disk store (then kept in memory too), else None."""
    try:
        return _finished_run(key)
    except _NotTrainedYet:
        pass
    stored = store.load_run(key)
    if stored is not None:
        _finished_run(key, _result=stored)
    return stored


def _stream(key: tuple, make_iter) -> Iterator[mlp.TrainResult]:
    """Yield the remembered run at once, or train it epoch by epoch and remember the final result."""
    finished = _remembered(key)
    if finished is not None:
        yield finished
        return
    result = None
    for result in make_iter():
        yield result
    _finished_run(key, _result=result)


def _run(key: tuple, make_iter) -> mlp.TrainResult:
    *_, final = _stream(key, make_iter)
    return final


# --- the digits ----------------------------------------------------------------------------------


@st.cache_data(max_entries=8, show_spinner=False)
def digits_split(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A random split of the 1797 digits (by seed): a pool of 1000 training images and 797 test images."""
    X, y = load_digits()
    return train_test_split(X, y, n_train=DIGITS_POOL, rng=seed)


@dataclass(frozen=True)
class DigitsRun:
    """The settings of one digits run: everything that decides its result."""

    n_train: int = DEFAULT_TRAIN_SIZE
    keep_prob: float = 0.5
    keep_prob_input: float = DEFAULT_KEEP_PROB_INPUT
    epochs: int = DEFAULT_EPOCHS
    width: int = DEFAULT_WIDTH
    seed: int = 0

    def key(self) -> tuple:
        return ("digits", self.n_train, round(self.keep_prob, 4), round(self.keep_prob_input, 4), self.epochs,
                self.width, self.seed)

    def without_dropout(self) -> DigitsRun:
        return DigitsRun(self.n_train, 1.0, 1.0, self.epochs, self.width, self.seed)

    def at(self, keep_prob: float) -> DigitsRun:
        """These settings at another hidden keep_prob (a state of a live chart)."""
        return replace(self, keep_prob=float(keep_prob))

    def iterate(self) -> Iterator[mlp.TrainResult]:
        X_pool, X_test, y_pool, y_test = digits_split(self.seed)
        return mlp.train_iter(X_pool[: self.n_train], y_pool[: self.n_train], X_test, y_test,
                              hidden=(self.width, self.width), keep_prob=self.keep_prob,
                              keep_prob_input=self.keep_prob_input, epochs=self.epochs, seed=self.seed)  # RECIPE


def lab_default_run(keep_prob: float, seed: int) -> DigitsRun:
    """The Training lab's digits run with every control on the page at its default."""
    return DigitsRun(DEFAULT_TRAIN_SIZE, keep_prob, DEFAULT_KEEP_PROB_INPUT, DEFAULT_EPOCHS, DEFAULT_WIDTH, seed)


INFERENCE_MODEL = DigitsRun()  # the Inference lesson's model: the Training lab's defaults (tests swap in a small one)


def inference_run(keep_prob: float, seed: int) -> DigitsRun:
    """The Inference lesson's model at the sidebar's keep_prob and seed."""
    return replace(INFERENCE_MODEL, keep_prob=keep_prob, seed=seed)


def train_digits(run: DigitsRun) -> mlp.TrainResult:
    """Train the run now, from scratch (no store, no cache): what `ui.cached.precompute` stores."""
    *_, final = run.iterate()
    return final


def store_digits(run: DigitsRun) -> None:
    """Train the run now and put it in the disk store (ui.cached.precompute)."""
    store.save_run(run.key(), train_digits(run))


def digits_stream(run: DigitsRun) -> Iterator[mlp.TrainResult]:
    """The run as it trains (one result per epoch), or the remembered result at once."""
    return _stream(run.key(), run.iterate)


def digits_result(run: DigitsRun) -> mlp.TrainResult:
    """The finished run (trained now if it is not remembered)."""
    return _run(run.key(), run.iterate)


def paired_stream(run: DigitsRun, *, min_interval: float = 0.25
                  ) -> Iterator[tuple[mlp.TrainResult, mlp.TrainResult, bool]]:
    """(with dropout, without dropout, finished) as both train side by side, epoch by epoch.

    Yields at most every min_interval seconds (drawing is not free), and always the final pair.
    With keep_prob = keep_prob_input = 1 the two runs are the same run, trained once.
    """
    baseline = run.without_dropout()
    same = baseline.key() == run.key()
    if is_trained(run):  # both remembered: the final pair only, drawn once
        yield digits_result(run), digits_result(baseline), True
        return
    streams = (digits_stream(run),) if same else (digits_stream(run), digits_stream(baseline))
    last = [None, None]
    shown_at = -np.inf
    for pair in itertools.zip_longest(*streams):
        last = [new if new is not None else old for new, old in zip(pair, last, strict=False)]
        if time.monotonic() - shown_at >= min_interval:
            shown_at = time.monotonic()
            yield last[0], last[-1] if not same else last[0], False
    yield last[0], last[-1] if not same else last[0], True


def is_trained(run: DigitsRun) -> bool:
    """Whether the run and its no-dropout partner are both remembered (nothing to wait for)."""
    return _remembered(run.key()) is not None and _remembered(run.without_dropout().key()) is not None


@st.cache_data(max_entries=24, show_spinner=False)  # 24: a live view reads the 21 keep_prob values in turn
def misclassified(run: DigitsRun, limit: int = 16) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Test images the dropout model gets wrong: (images (K, 64), true, predicted, n wrong, n wrong without)."""
    _, X_test, _, y_test = digits_split(run.seed)
    predicted = mlp.predict_proba(digits_result(run), X_test).argmax(axis=1)
    baseline = mlp.predict_proba(digits_result(run.without_dropout()), X_test).argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_test)
    shown = wrong[:limit]
    return X_test[shown], y_test[shown], predicted[shown], int(wrong.size), int((baseline != y_test).sum())


@st.cache_data(max_entries=24, show_spinner=False)  # 24: a live view reads the 21 keep_prob values in turn
def _hidden_activity(run: DigitsRun) -> tuple[list[float], np.ndarray]:
    """One network's mean share of hidden units at 0 per layer on the test images, and each last-layer unit's mean
    activation (cached per network, so that the partner without dropout is computed once for every keep_prob)."""
    _, X_test, _, _ = digits_split(run.seed)
    layers = mlp.hidden_activations(digits_result(run), X_test)
    return [float(mlp.activation_sparsity(a).mean()) for a in layers], layers[-1].mean(axis=0)


def sparsity(run: DigitsRun) -> tuple[dict[str, list[float]], dict[str, np.ndarray]]:
    """Per model ("no dropout" first, then the dropout run): the mean share of hidden units at 0 per layer, and
    each last-layer unit's mean activation."""
    zero_fraction, unit_means = {}, {}
    for name, settings in (("no dropout", run.without_dropout()), (f"dropout {run.keep_prob:.2f}", run)):
        zero_fraction[name], unit_means[name] = _hidden_activity(settings)
    return zero_fraction, unit_means


@st.cache_data(max_entries=64, show_spinner=False)
def sweep_point(n_train: int, keep_prob: float, width: int, seed: int) -> tuple[float, float]:
    """(train error, test error) of a small network (two layers of `width`) at this hidden keep_prob."""
    run = DigitsRun(n_train, keep_prob, 1.0, SWEEP_EPOCHS, width, seed)
    history = _run(("sweep", *run.key()), run.iterate).history
    return float(history["train_error"].iloc[-1]), float(history["test_error"].iloc[-1])


def sweep_plan() -> list[tuple[str, float, int]]:
    """(design, keep_prob, width) of every run of the sweep, in the order to train them."""
    plan = []
    for keep_prob in SWEEP_KEEP_PROBS:
        plan.append(("fixed n", keep_prob, SWEEP_BASE_WIDTH))
        plan.append(("fixed keep_prob × n", keep_prob, round(SWEEP_BASE_WIDTH / keep_prob)))
    return plan


def sweep_table(rows: list[tuple[str, float, int, float, float]]) -> pd.DataFrame:
    """The sweep's results as the DataFrame the sweep figure reads."""
    return pd.DataFrame(rows, columns=["design", "keep_prob", "width", "train_error", "test_error"])


# --- the 2-D toy set -----------------------------------------------------------------------------


@st.cache_data(max_entries=16, show_spinner=False)
def toy_data(shape: str, noise: float, n_points: int, seed: int):
    """(X_train, X_test, y_train, y_test): n_points to train on and TOY_TEST_POINTS held out."""
    X, y = make_toy_2d(n_points + TOY_TEST_POINTS, shape=shape, noise=noise, rng=seed)
    return train_test_split(X, y, n_train=n_points, rng=seed)


def toy_key(shape: str, noise: float, n_points: int, keep_prob: float, seed: int) -> tuple:
    return ("toy", shape, round(noise, 4), n_points, round(keep_prob, 4), seed)


def _toy_iter(shape: str, noise: float, n_points: int, keep_prob: float, seed: int) -> Iterator[mlp.TrainResult]:
    X_train, _, y_train, _ = toy_data(shape, noise, n_points, seed)
    return mlp.train_iter(X_train, y_train, hidden=TOY_HIDDEN, keep_prob=keep_prob, epochs=TOY_EPOCHS,
                          batch_size=TOY_BATCH, optimizer="sgd", learning_rate=TOY_LEARNING_RATE, max_norm=TOY_MAX_NORM,
                          seed=seed)


def train_toy(shape: str, noise: float, n_points: int, keep_prob: float, seed: int) -> mlp.TrainResult:
    """Train the toy network now, from scratch (no store, no cache): what `ui.cached.precompute` stores."""
    *_, final = _toy_iter(shape, noise, n_points, keep_prob, seed)
    return final


def store_toy(shape: str, noise: float, n_points: int, keep_prob: float, seed: int) -> None:
    """Train the toy network now and put it in the disk store (ui.cached.precompute)."""
    store.save_run(toy_key(shape, noise, n_points, keep_prob, seed), train_toy(shape, noise, n_points, keep_prob, seed))


def toy_result(shape: str, noise: float, n_points: int, keep_prob: float, seed: int) -> mlp.TrainResult:
    """A (128, 128) ReLU network trained on the toy set with hidden keep_prob (remembered per settings).

    No test set during training (scoring 1000 test points every epoch would cost as much as the
    training itself): the boundary view scores it once at the end.
    """
    return _run(toy_key(shape, noise, n_points, keep_prob, seed),
                lambda: _toy_iter(shape, noise, n_points, keep_prob, seed))


def toy_grid(shape: str, noise: float, n_points: int, seed: int, size: int = TOY_GRID):
    """grid_x (G,), grid_y (G,) and the points (G*G, 2), row by row, covering the data with a margin."""
    X_train = toy_data(shape, noise, n_points, seed)[0]
    low, high = X_train.min(axis=0) - 0.5, X_train.max(axis=0) + 0.5
    grid_x, grid_y = np.linspace(low[0], high[0], size), np.linspace(low[1], high[1], size)
    xx, yy = np.meshgrid(grid_x, grid_y)
    return grid_x, grid_y, np.column_stack([xx.ravel(), yy.ravel()])


@st.cache_data(max_entries=24, show_spinner=False)  # 24: a live view reads the 21 keep_prob values in turn
def _toy_map(shape: str, noise: float, n_points: int, keep_prob: float, seed: int):
    """One toy network's p(class 1) on the grid (G, G), train error, test error and which test points it gets wrong
    (cached per network, so that the network without dropout is scored once for every keep_prob)."""
    _, _, points = toy_grid(shape, noise, n_points, seed)
    _, X_test, _, y_test = toy_data(shape, noise, n_points, seed)
    result = toy_result(shape, noise, n_points, keep_prob, seed)
    proba = mlp.predict_proba(result, points)[:, 1].reshape(TOY_GRID, TOY_GRID)
    wrong = mlp.predict_proba(result, X_test).argmax(axis=1) != y_test
    return proba, float(result.history["train_error"].iloc[-1]), float(wrong.mean()), wrong


def toy_boundaries(shape: str, noise: float, n_points: int, keep_prob: float, seed: int):
    """For "no dropout" and "dropout": p(class 1) on the grid (G, G), train error, test error, and which test points
    it gets wrong (TOY_TEST_POINTS,) bool (so the two models can be compared point by point)."""
    grid_x, grid_y, _ = toy_grid(shape, noise, n_points, seed)
    return grid_x, grid_y, {name: _toy_map(shape, noise, n_points, q, seed)
                            for name, q in (("no dropout", 1.0), ("dropout", keep_prob))}


@st.cache_data(max_entries=16, show_spinner=False)
def toy_uncertainty(shape: str, noise: float, n_points: int, keep_prob: float, seed: int, n_samples: int):
    """MC dropout on the grid: predictive entropy of the averaged prediction and the spread of p(class 1)."""
    grid_x, grid_y, points = toy_grid(shape, noise, n_points, seed, UNCERTAINTY_GRID)
    samples = mlp.mc_samples(toy_result(shape, noise, n_points, keep_prob, seed), points, n_samples, rng=seed)
    entropy = mlp.predictive_entropy(samples.mean(axis=0)).reshape(UNCERTAINTY_GRID, UNCERTAINTY_GRID)
    spread = samples[:, :, 1].std(axis=0).reshape(UNCERTAINTY_GRID, UNCERTAINTY_GRID)
    return grid_x, grid_y, entropy, spread


# --- inference on the digits ---------------------------------------------------------------------


def mc_ks(max_k: int, count: int = 14) -> np.ndarray:
    """About `count` k from 1 to max_k, spread evenly on a log scale."""
    return np.unique(np.round(np.geomspace(1, max_k, count)).astype(int))


def mc_curve_key(run: DigitsRun, max_k: int, repeats: int) -> tuple:
    return ("mc_curve", *run.key(), max_k, repeats)


@st.cache_data(max_entries=24, show_spinner=False)
def mc_curve(run: DigitsRun, max_k: int, repeats: int) -> tuple[np.ndarray, np.ndarray, float]:
    """ks, MC test errors (repeats, len(ks)) and the weight-scaling test error of the dropout model.

    Read from the disk store when `ui.cached.precompute` has put it there, computed otherwise."""
    stored = store.load_arrays(mc_curve_key(run, max_k, repeats))
    if stored is not None:
        return stored["ks"], stored["errors"], float(stored["weight_scaling"])
    return compute_mc_curve(run, max_k, repeats)


def store_mc_curve(run: DigitsRun, max_k: int, repeats: int) -> None:
    """Compute the curve now and put it in the disk store (ui.cached.precompute)."""
    ks, errors, weight_scaling = compute_mc_curve(run, max_k, repeats)
    store.save_arrays(mc_curve_key(run, max_k, repeats), ks=ks, errors=errors, weight_scaling=weight_scaling)


def compute_mc_curve(run: DigitsRun, max_k: int, repeats: int) -> tuple[np.ndarray, np.ndarray, float]:
    """mc_curve, computed now (no store, no cache)."""
    _, X_test, _, y_test = digits_split(run.seed)
    result = digits_result(run)
    ks = mc_ks(max_k)
    errors = mlp.mc_error_curve(result, X_test, y_test, ks, repeats=repeats, rng=run.seed)
    weight_scaling = float((mlp.predict_proba(result, X_test).argmax(axis=1) != y_test).mean())
    return ks, errors, weight_scaling


@st.cache_data(max_entries=16, show_spinner=False)
def logit_gaps(run: DigitsRun) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ks (1 to GAP_MAX_K) and the mean |MC mean logit − weight-scaled logit| over GAP_IMAGES test digits,
    with the ReLUs (as trained) and with them removed (a linear network with the same weights)."""
    _, X_test, _, _ = digits_split(run.seed)
    result = digits_result(run)
    ks = mc_ks(GAP_MAX_K, 16)
    linear = mlp.mc_logit_gap(result, X_test[:GAP_IMAGES], ks, activation="linear", rng=run.seed)
    relu = mlp.mc_logit_gap(result, X_test[:GAP_IMAGES], ks, activation="relu", rng=run.seed)
    return ks, linear, relu


@st.cache_data(max_entries=16, show_spinner=False)
def ambiguous_digits(run: DigitsRun, n_samples: int):
    """The test images with the most uncertain MC-dropout prediction (highest predictive entropy).

    Returns images (K, 64), true labels (K,), MC mean probabilities (K, 10), their spread over the
    samples (K, 10), the entropy of every test image (N,) and whether each was misclassified (N,).
    """
    _, X_test, _, y_test = digits_split(run.seed)
    samples = mlp.mc_samples(digits_result(run), X_test, n_samples, rng=run.seed)  # (T, N, 10)
    mean = samples.mean(axis=0)
    entropy = mlp.predictive_entropy(mean)
    chosen = np.argsort(entropy)[::-1][:AMBIGUOUS_SHOWN]
    wrong = mean.argmax(axis=1) != y_test
    return X_test[chosen], y_test[chosen], mean[chosen], samples[:, chosen].std(axis=0), entropy, wrong


# --- live views: are a view's results at every keep_prob in the disk store? --------------------------


@dataclass(frozen=True)
class Coverage:
    """How many of the results a view reads at the slider's keep_prob values are in the disk store.

    A view of these lessons follows the slider live only when all of them are (`complete`): its charts are
    then built at every keep_prob from stored results, and nothing is trained on a page view.
    """

    stored: int
    needed: int
    default_settings: bool  # the page's settings (seed aside) are those ui.cached.precompute stores
    seed: int

    @property
    def complete(self) -> bool:
        return self.needed > 0 and self.stored == self.needed

    @property
    def precomputed(self) -> bool:
        """Whether ui.cached.precompute trains these settings ahead of time (the defaults, the default seed)."""
        return self.default_settings and self.seed == DEFAULT_SEED


def _coverage(keys: list[tuple], default_settings: bool, seed: int) -> Coverage:
    unique = set(keys)
    return Coverage(store.count_stored(unique), len(unique), default_settings, seed)


def digits_coverage(run: DigitsRun, keep_probs) -> Coverage:
    """The run at every keep_prob and its no-dropout partner (Training lab's digits views)."""
    return _coverage([run.at(q).key() for q in keep_probs] + [run.without_dropout().key()],
                     run == lab_default_run(run.keep_prob, run.seed), run.seed)


def toy_coverage(shape: str, noise: float, n_points: int, seed: int, keep_probs) -> Coverage:
    """The toy network at every keep_prob and at 1 (Training lab's decision boundaries)."""
    return _coverage([toy_key(shape, noise, n_points, q, seed) for q in (*keep_probs, 1.0)],
                     (shape, round(noise, 4), n_points) == (TOY_SHAPES[0], round(DEFAULT_TOY_NOISE, 4),
                                                            DEFAULT_TOY_SIZE), seed)


def mc_curve_coverage(run: DigitsRun, max_k: int, repeats: int, keep_probs) -> Coverage:
    """Inference's Monte-Carlo curve at every keep_prob (ui.cached.precompute stores each with its run)."""
    return _coverage([mc_curve_key(run.at(q), max_k, repeats) for q in keep_probs],
                     run == inference_run(run.keep_prob, run.seed)
                     and (max_k, repeats) == (DEFAULT_MC_MAX_K, DEFAULT_REPEATS), run.seed)


# --- training ahead of time ------------------------------------------------------------------------

PRECOMPUTE_ENV = "DROPOUT_LAB_PRECOMPUTE"  # "0" switches the background training off (the test suite does)


@st.cache_resource(show_spinner=False)
def start_precompute() -> subprocess.Popen | None:
    """Once per server: start `ui.cached.precompute` in a low-priority process if the store lacks any of its runs.

    Returns the process (None if nothing was started). It trains the default settings of Training lab
    and Inference at every keep_prob, so those pages stop training on slider moves within a few minutes
    of the first start, and from then on for good (the store is on disk).
    """
    from ui.cached import precompute  # here, not at the top: precompute imports this module

    if os.environ.get(PRECOMPUTE_ENV, "1") == "0" or store.store_dir() is None:
        return None
    if not precompute.missing(precompute.plan()):
        return None
    return subprocess.Popen(  # at low priority (--nice): the server's reruns come first
        [sys.executable, "-m", "ui.cached.precompute", "--parent", str(os.getpid()), "--nice", "15"],
        cwd=str(store.ROOT), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
