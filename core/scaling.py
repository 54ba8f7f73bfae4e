"""Train time against test time: standard dropout, inverted dropout and the "forgot to scale" bug,
on the same mask, with what each does to the next layer's input. Pure NumPy.

    scheme           train output            test output
    standard         a * mask                a * keep_prob
    inverted         a * mask / keep_prob    a
    forgot to scale  a * mask                a                 (the bug: train mean = keep_prob * test)

Standard and inverted dropout are core.dropout's two modes; "forgot to scale" is standard
dropout's training with inverted dropout's test time, the two halves that scale nothing.
"""

from __future__ import annotations

import itertools
import numbers
from dataclasses import dataclass

import numpy as np

from core.dropout import bernoulli_mask, check_keep_prob, expected_output, output_scale

__all__ = [
    "SCHEMES",
    "NextLayerShift",
    "SchemeView",
    "compare_schemes",
    "hidden_layer_example",
    "mismatch_curve",
    "next_layer_shift",
    "scale_factors",
    "worked_example",
]

# name -> (inverted flag of the train half, inverted flag of the test half), in core.dropout's terms
SCHEMES = {
    "standard": (False, False),
    "inverted": (True, True),
    "forgot to scale": (False, True),
}
MAX_UNITS = 256
MAX_EXAMPLES = 4096
# Mixed into the seed of the side-by-side example. Any value gives honest random draws; this one makes the
# default view (seed 0) keep some units and drop others at every keep_prob from 0.1 to 0.9.
LESSON_STREAM = 5


def _check_scheme(scheme: str) -> tuple[bool, bool]:
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {list(SCHEMES)}, got {scheme!r}")
    return SCHEMES[scheme]


def _check_count(n, name: str, low: int, high: int) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(n).__name__} {n!r}")
    if not low <= n <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {n}")
    return int(n)


def scale_factors(scheme: str, keep_prob: float) -> tuple[float, float]:
    """(train factor on kept units, test factor on every unit) of a scheme.

    At keep_prob 0 inverted dropout's 1/keep_prob is undefined; every unit is dropped, so the
    train factor is reported as 0 (nothing is kept to be scaled), as core.dropout does.
    """
    keep_prob = check_keep_prob(keep_prob)
    train_inverted, test_inverted = _check_scheme(scheme)
    return (output_scale(keep_prob, training=True, inverted=train_inverted),
            output_scale(keep_prob, training=False, inverted=test_inverted))


@dataclass(frozen=True)
class SchemeView:
    """One scheme on one input and mask. Every array has the shape of the activations."""

    scheme: str
    train_scale: float  # factor on kept units at train time
    test_scale: float  # factor on every unit at test time
    train_output: np.ndarray  # this mask's training output
    expected_train: np.ndarray  # E[training output] over masks
    test_output: np.ndarray  # the (deterministic) test-time output

    @property
    def totals(self) -> tuple[float, float, float]:
        """Sums over the units of (this mask's train output, expected train output, test output)."""
        return float(self.train_output.sum()), float(self.expected_train.sum()), float(self.test_output.sum())

    @property
    def gap(self) -> np.ndarray:
        """test output - E[train output]: zero for a correct scheme (keep_prob > 0)."""
        return self.test_output - self.expected_train


def compare_schemes(activations, mask, keep_prob: float) -> dict[str, SchemeView]:
    """Every scheme of SCHEMES on the same activations (any shape) and the same boolean mask."""
    keep_prob = check_keep_prob(keep_prob)
    a = np.asarray(activations, dtype=np.float64)
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"mask must be a boolean array, got dtype {mask.dtype}")
    if mask.shape != a.shape:
        raise ValueError(f"mask must have the activations' shape {a.shape}, got {mask.shape}")
    views = {}
    for scheme, (train_inverted, test_inverted) in SCHEMES.items():
        train_scale, test_scale = scale_factors(scheme, keep_prob)
        views[scheme] = SchemeView(
            scheme,
            train_scale,
            test_scale,
            a * mask * train_scale,
            expected_output(a, keep_prob, training=True, inverted=train_inverted),
            expected_output(a, keep_prob, training=False, inverted=test_inverted),
        )
    return views


def hidden_layer_example(seed=0, keep_prob: float = 0.5, n_units: int = 8):
    """A reproducible hidden layer for one example: (activations (n_units,), mask (n_units,) bool).

    The activations (ReLU outputs between 0.3 and 2.0, so every bar is visible) depend on the seed
    only; the mask on the seed and keep_prob. Moving keep_prob keeps the input and the mask's random
    numbers (core.dropout.bernoulli_mask): a lower keep_prob keeps a subset of the units.
    """
    keep_prob = check_keep_prob(keep_prob)
    n_units = _check_count(n_units, "n_units", 1, MAX_UNITS)
    streams = np.random.SeedSequence([_seed_int(seed), LESSON_STREAM]).spawn(2)
    data_rng, mask_rng = (np.random.default_rng(s) for s in streams)
    activations = np.round(data_rng.uniform(0.3, 2.0, n_units), 2)
    return activations, bernoulli_mask(n_units, keep_prob, mask_rng)


def mismatch_curve(keep_probs, scheme: str = "forgot to scale") -> dict[str, np.ndarray]:
    """E[train output] and test output as multiples of the activation a, over a grid of keep_prob.

    Returns {"keep_prob", "expected_train", "test", "gap" (= test - expected_train), "ratio"
    (= test / expected_train, inf where the training mean is 0)}, each (K,).
    Forgot to scale: expected_train = keep_prob, test = 1, the gap 1 - keep_prob grows as keep_prob falls.
    """
    train_inverted, test_inverted = _check_scheme(scheme)
    grid = np.asarray(keep_probs, dtype=np.float64).ravel()
    for q in grid:
        check_keep_prob(float(q), "keep_probs")
    train = np.array([expected_output(1.0, q, training=True, inverted=train_inverted) for q in grid], dtype=float)
    test = np.array([expected_output(1.0, q, training=False, inverted=test_inverted) for q in grid], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(train > 0, test / np.where(train > 0, train, 1.0), np.inf)
    return {"keep_prob": grid, "expected_train": train, "test": test, "gap": test - train, "ratio": ratio}


@dataclass(frozen=True)
class NextLayerShift:
    """The next layer's pre-activation z = h W + b, averaged over a batch, at train and at test time.

    Arrays are (K,), one entry per next-layer unit.
    """

    scheme: str
    train_mean: np.ndarray  # mean over the batch of z at train time (each example its own mask)
    expected_train: np.ndarray  # E[z] at train time, exactly: E[h] W + b
    test_mean: np.ndarray  # mean over the batch of z at test time
    train_std_error: np.ndarray  # standard error of train_mean from the masks alone (0 at keep_prob 0 and 1)

    @property
    def overall_train(self) -> float:
        """Mean of z at train time over the batch and every next-layer unit."""
        return float(self.train_mean.mean())

    @property
    def overall_test(self) -> float:
        """Mean of z at test time over the batch and every next-layer unit."""
        return float(self.test_mean.mean())

    @property
    def units_within_noise(self) -> int:
        """How many next-layer units have their test mean within ±2 standard errors of their train mean."""
        return int(np.sum(np.abs(self.train_mean - self.test_mean) <= 2 * self.train_std_error))


def next_layer_shift(scheme: str, keep_prob: float, seed=0, *, n_examples: int = 512,
                     n_hidden: int = 16, n_next: int = 4) -> NextLayerShift:
    """How a scheme changes what the NEXT layer receives between training and test.

    A hidden layer of n_hidden ReLU units (n_examples examples; activations and next-layer weights
    drawn from `seed`) goes through dropout (one mask per example from `seed` and keep_prob), then
    z = h W + b. The same seed gives the same activations, weights and mask for every scheme.
    """
    keep_prob = check_keep_prob(keep_prob)
    train_inverted, _ = _check_scheme(scheme)
    n_examples = _check_count(n_examples, "n_examples", 2, MAX_EXAMPLES)
    n_hidden = _check_count(n_hidden, "n_hidden", 1, MAX_UNITS)
    n_next = _check_count(n_next, "n_next", 1, MAX_UNITS)
    data_rng, mask_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(_seed_int(seed)).spawn(2))
    a = np.maximum(data_rng.normal(0.8, 0.8, (n_examples, n_hidden)), 0.0)  # (N, H) ReLU outputs
    W = np.abs(data_rng.normal(0.0, 0.5, (n_hidden, n_next)))  # (H, K) positive: the shift is visible
    b = data_rng.normal(0.0, 0.2, n_next)  # (K,)
    mask = bernoulli_mask(a.shape, keep_prob, mask_rng)
    train_scale, test_scale = scale_factors(scheme, keep_prob)
    z_train = (a * mask * train_scale) @ W + b  # (N, K)
    z_test = (a * test_scale) @ W + b
    z_expected = expected_output(a, keep_prob, training=True, inverted=train_inverted) @ W + b  # (N, K): E over masks
    mask_noise = z_train - z_expected  # what the masks add, example by example (mean 0)
    return NextLayerShift(
        scheme,
        z_train.mean(axis=0),
        z_expected.mean(axis=0),
        z_test.mean(axis=0),
        mask_noise.std(axis=0, ddof=1) / np.sqrt(n_examples),
    )


def _seed_int(seed) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def worked_example(activations=(0.6, 1.2, 0.9), mask=(True, False, True), keep_prob: float = 2 / 3) -> dict:
    """The classic example in numbers: keep_prob = 2/3 and 3 units, on a mask that happens to keep 2 of them.

    keep_prob is the probability that each unit is kept, set first; the mask is one draw (another could
    keep 1 unit, or all 3). Returns {"keep_prob": float, "n_masks": 2**n, "columns": {name: (n,) array}}
    with the columns "unit", "a", "mask", "standard train" (a*mask), "standard train, expected over
    masks", "standard test" (a*keep_prob), "inverted train" (a*mask/keep_prob), "inverted train,
    expected over masks", "inverted test" (a). "Expected over masks" averages the training output over
    all 2**n masks, each weighted by its probability keep_prob**k (1 - keep_prob)**(n - k) (k units
    kept): each unit is kept with probability keep_prob, so the average equals the test output exactly.
    """
    keep_prob = check_keep_prob(keep_prob)
    a = np.asarray(activations, dtype=np.float64)
    mask = np.asarray(mask)
    if a.ndim != 1 or not 1 <= a.size <= 10:
        raise ValueError(f"activations must be a 1-D sequence of 1 to 10 numbers, got shape {a.shape}")
    if mask.dtype != bool or mask.shape != a.shape:
        raise ValueError(f"mask must be booleans shaped like activations {a.shape}, got {mask.dtype} {mask.shape}")
    n = a.size
    every_mask = np.array(list(itertools.product([False, True], repeat=n)), dtype=bool)  # (2**n, n)
    kept = every_mask.sum(axis=1)
    probability = keep_prob ** kept * (1.0 - keep_prob) ** (n - kept)  # (2**n,), sums to 1
    views = compare_schemes(a, mask, keep_prob)
    expected = {scheme: sum(p * compare_schemes(a, m, keep_prob)[scheme].train_output
                            for p, m in zip(probability, every_mask, strict=True))
                for scheme in ("standard", "inverted")}
    columns = {
        "unit": np.arange(n),
        "a": a,
        "mask": mask.astype(int),
        "standard train": views["standard"].train_output,
        "standard train, expected over masks": expected["standard"],
        "standard test": views["standard"].test_output,
        "inverted train": views["inverted"].train_output,
        "inverted train, expected over masks": expected["inverted"],
        "inverted test": views["inverted"].test_output,
    }
    return {"keep_prob": keep_prob, "n_masks": len(every_mask), "columns": columns}
