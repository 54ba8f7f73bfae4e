"""Data for the lessons: the 8x8 handwritten digits shipped in assets/, and a 2-D toy set made in NumPy."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

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
