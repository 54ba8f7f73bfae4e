"""Numerical gradients by centred differences, and the relative error used to compare gradients."""

from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, dout, h: float = 1e-5) -> np.ndarray:
    """d/dx of sum(f(x) * dout) by centred differences, one entry of x at a time.

    f: function of an array shaped like x; dout: upstream gradient shaped like f(x).
    x is not modified (each entry is perturbed on a private float64 copy).
    """
    if not h > 0:
        raise ValueError(f"h must be a positive step, got {h!r}")
    x = np.array(x, dtype=np.float64)  # private copy
    dout = np.asarray(dout, dtype=np.float64)
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + h
        plus = np.sum(np.asarray(f(x), dtype=np.float64) * dout)
        flat_x[i] = original - h
        minus = np.sum(np.asarray(f(x), dtype=np.float64) * dout)
        flat_x[i] = original
        flat_grad[i] = (plus - minus) / (2.0 * h)
    return grad


def relative_error(a, b) -> float:
    """max |a - b| / (|a| + |b|), taken entry-wise (0 where both are 0): the cs231n measure."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    denominator = np.abs(a) + np.abs(b)
    difference = np.abs(a - b)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(denominator > 0, difference / np.where(denominator > 0, denominator, 1.0), 0.0)
    return float(ratio.max()) if ratio.size else 0.0
