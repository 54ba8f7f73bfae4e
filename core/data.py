"""Data for the lessons: the 8x8 handwritten digits shipped in assets/, and a 2-D toy set made in NumPy."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from core.dropout import make_rng

DIGITS_FILE = Path(__file__).resolve().parents[1] / "assets" / "digits.npz"


@lru_cache(maxsize=1)
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    with np.load(DIGITS_FILE) as archive:
        images = archive["images"]  # (1797, 64) uint8, pixel counts 0..16
        labels = archive["labels"]  # (1797,) uint8, digits 0..9
    return images, labels


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The UCI optical digits test set as scikit-learn ships it (CC BY 4.0; credit in README).

    Returns X: (1797, 64) float64 in [0, 1] (each 8x8 image flattened row by row),
    y: (1797,) int64 labels 0-9. Fresh arrays on every call, so callers may modify them.
    """
    images, labels = _digits_arrays()
    return images.astype(np.float64) / 16.0, labels.astype(np.int64)


# --- a 2-D toy set for decision boundaries ------------------------------------------------------

TOY_SHAPES = ("moons", "spirals")
MAX_TOY_POINTS = 20_000


def make_toy_2d(n_points: int = 300, *, shape: str = "moons", noise: float = 0.2, rng=None):
    """Two classes in the plane, generated in NumPy: two interleaved half moons, or two spirals.

    n_points: total points (split as evenly as possible between the classes, at least 2, at most
    MAX_TOY_POINTS); noise: standard deviation of the Gaussian jitter added to each coordinate
    (0 to 2; the shapes span about 3 units); rng: Generator, int seed or None.
    Returns X: (n_points, 2) float64 and y: (n_points,) int64 labels 0 and 1.
    """
    if isinstance(n_points, (bool, np.bool_)) or not isinstance(n_points, (int, np.integer)):
        raise TypeError(f"n_points must be a whole number, got {type(n_points).__name__} {n_points!r}")
    if not 2 <= n_points <= MAX_TOY_POINTS:
        raise ValueError(f"n_points must be between 2 and {MAX_TOY_POINTS}, got {n_points}")
    if shape not in TOY_SHAPES:
        raise ValueError(f"shape must be one of {TOY_SHAPES}, got {shape!r}")
    try:
        noise = float(noise)
    except (TypeError, ValueError):
        raise TypeError(f"noise must be a real number, got {noise!r}") from None
    if not (np.isfinite(noise) and 0.0 <= noise <= 2.0):
        raise ValueError(f"noise must be a number from 0 to 2, got {noise!r}")
    rng = make_rng(rng)
    n_first = (int(n_points) + 1) // 2
    y = np.concatenate([np.zeros(n_first, dtype=np.int64), np.ones(int(n_points) - n_first, dtype=np.int64)])
    if shape == "moons":
        t = rng.uniform(0.0, np.pi, size=y.size)  # position along each half circle
        upper = np.column_stack([np.cos(t), np.sin(t)])
        lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
        X = np.where(y[:, None] == 0, upper, lower) - np.array([0.5, 0.25])  # centred on the origin
    else:
        t = np.sqrt(rng.uniform(0.0, 1.0, size=y.size)) * 3.0 * np.pi  # even density along the arm
        arm = np.column_stack([t * np.cos(t), t * np.sin(t)]) / (3.0 * np.pi) * 1.5  # radius up to 1.5
        X = np.where(y[:, None] == 0, arm, -arm)
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(y.size)  # classes interleaved, so any prefix holds both
    return X[order], y[order]


def train_test_split(X, y, *, n_train: int | None = None, test_fraction: float | None = None, rng=0):
    """A deterministic random split: the same rng (seed) gives the same split.

    Give n_train (how many rows for training) or test_fraction (share of rows held out, 0 to 1);
    with neither, a quarter is held out. X: (N, ...), y: (N,). Inputs are not modified.
    Returns X_train, X_test, y_train, y_test (copies; at least one row on each side).
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim < 1 or y.shape != (X.shape[0],):
        raise ValueError(f"y must have one label per row of X: X has shape {X.shape}, y has shape {y.shape}")
    n = X.shape[0]
    if n < 2:
        raise ValueError(f"X needs at least 2 rows to split, got {n}")
    if n_train is not None and test_fraction is not None:
        raise ValueError("give n_train or test_fraction, not both")
    if n_train is None:
        fraction = 0.25 if test_fraction is None else test_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.floating)) or not 0 < fraction < 1:
            raise ValueError(f"test_fraction must be a number strictly between 0 and 1, got {test_fraction!r}")
        n_train = min(n - 1, max(1, round(n * (1 - fraction))))
    if isinstance(n_train, (bool, np.bool_)) or not isinstance(n_train, (int, np.integer)):
        raise TypeError(f"n_train must be a whole number, got {type(n_train).__name__} {n_train!r}")
    if not 1 <= n_train <= n - 1:
        raise ValueError(f"n_train must be between 1 and {n - 1} (rows of X minus one), got {n_train}")
    order = make_rng(rng).permutation(n)
    train_rows, test_rows = order[:n_train], order[n_train:]
    return X[train_rows], X[test_rows], y[train_rows], y[test_rows]
