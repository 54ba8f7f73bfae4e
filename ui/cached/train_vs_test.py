"""Cached wrappers for the lesson "Train vs test" (core/scaling.py).

Arguments are plain values (keep_prob, seed, scheme name); every Generator is built inside core.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import scaling

N_UNITS = 8  # hidden units of the side-by-side example
N_EXAMPLES = 512  # batch behind the next-layer means (standard error ~ 0.05 of a mean of ~2.6)
CURVE_GRID = tuple(float(q) for q in np.linspace(0.0, 1.0, 101))


@st.cache_data(max_entries=64, show_spinner=False)
def scheme_views(keep_prob: float, seed: int):
    """(activations (N_UNITS,), mask (N_UNITS,), {scheme: SchemeView}, y_max) on one shared mask.

    y_max is the largest value any scheme shows, so that the side-by-side charts share one y axis.
    """
    activations, mask = scaling.hidden_layer_example(seed, keep_prob, N_UNITS)
    views = scaling.compare_schemes(activations, mask, keep_prob)
    y_max = max(float(np.max(activations)), *(float(np.max(np.concatenate(
        [v.train_output, v.expected_train, v.test_output]))) for v in views.values()))
    return activations, mask, views, y_max


@st.cache_data(max_entries=4, show_spinner=False)
def mismatch() -> dict[str, np.ndarray]:
    """The forgot-to-scale curve over CURVE_GRID (does not depend on the slider: computed once)."""
    return scaling.mismatch_curve(CURVE_GRID, "forgot to scale")


@st.cache_data(max_entries=64, show_spinner=False)
def mismatch_at(keep_prob: float) -> tuple[float, float]:
    """(gap, ratio) of the forgot-to-scale bug at one keep_prob: test - E[train] and test / E[train], per unit of a."""
    point = scaling.mismatch_curve([keep_prob], "forgot to scale")
    return float(point["gap"][0]), float(point["ratio"][0])


@st.cache_data(max_entries=96, show_spinner=False)
def next_layer(scheme: str, keep_prob: float, seed: int) -> scaling.NextLayerShift:
    """The next layer's mean pre-activation at train and test time for one scheme."""
    return scaling.next_layer_shift(scheme, keep_prob, seed, n_examples=N_EXAMPLES)


@st.cache_data(max_entries=4, show_spinner=False)
def worked_example() -> dict:
    """3 units, 2 kept (keep_prob 2/3), in numbers."""
    return scaling.worked_example()
