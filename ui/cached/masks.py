"""Cached wrappers for the lessons "Masks" and "Expected activations" (core/lessons_masks.py).

Arguments are plain values (keep_prob, seed, iteration, sample counts); every Generator is built
inside core from them. Results are small arrays, so a few dozen entries each cost little memory.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import lessons_masks as lm

# keep_prob values at which the variance chart draws Monte-Carlo points (0 is left out: the
# inverted variance has no finite limit there, and at 0 itself the output is the constant 0).
VARIANCE_GRID = tuple(round(0.1 * i, 1) for i in range(1, 11))
CURVE_GRID = tuple(float(q) for q in np.linspace(0.05, 1.0, 96))  # the analytic curve over keep_prob
EXAMPLE = 0  # which example of the batch the single-example views (network, layer means) show


@st.cache_data(max_entries=4, show_spinner=False)
def layer() -> lm.Layer:
    """The lessons' fixed hidden layer (inputs (8, 6) -> activations (8, 16))."""
    return lm.synthetic_layer()


@st.cache_data(max_entries=64, show_spinner=False)
def masks_view(keep_prob: float, seed: int, iteration: int) -> lm.MaskedLayer:
    """The mask, scaled mask and output of forward pass `iteration` on the fixed layer."""
    return lm.masked_layer(layer().activations, keep_prob, seed, iteration)


@st.cache_data(max_entries=32, show_spinner=False)
def kept_history(keep_prob: float, seed: int, iteration: int) -> lm.KeptHistory:
    """Fraction kept by every mask so far (iterations 1..iteration)."""
    return lm.kept_history(layer().activations.shape, keep_prob, seed, iteration)


@st.cache_data(max_entries=32, show_spinner=False)
def network_signals(keep_prob: float, seed: int, iteration: int):
    """(inputs, incoming, outgoing, next_input) of example EXAMPLE at this forward pass (lm.layer_signals)."""
    return lm.layer_signals(layer(), masks_view(keep_prob, seed, iteration).output, EXAMPLE)


@st.cache_data(max_entries=32, show_spinner=False)
def unit_view(x: float, keep_prob: float, n_samples: int, seed: int, inverted: bool):
    """One unit under n_samples masks: (UnitExperiment, outcome distribution, running mean)."""
    experiment = lm.unit_experiment(x, keep_prob, n_samples, seed, inverted=inverted)
    outcomes = lm.outcome_distribution(experiment.samples, x, keep_prob, inverted=inverted)
    running = lm.running_mean(experiment.samples, x, keep_prob, inverted=inverted)
    return experiment, outcomes, running


@st.cache_data(max_entries=32, show_spinner=False)
def variance_view(x: float, n_samples: int, seed: int, inverted: bool):
    """Analytic variance over CURVE_GRID, and MC variances (with standard errors) over VARIANCE_GRID."""
    curve = lm.variance_curve(x, CURVE_GRID, inverted=inverted)
    points, errors = lm.variance_points(x, VARIANCE_GRID, n_samples, seed, inverted=inverted)
    return np.array(CURVE_GRID), curve, np.array(VARIANCE_GRID), points, errors


@st.cache_data(max_entries=32, show_spinner=False)
def layer_view(keep_prob: float, n_samples: int, seed: int, inverted: bool) -> lm.LayerMoments:
    """MC mean per unit of example EXAMPLE against its test-time activation."""
    return lm.layer_moments(layer().activations[EXAMPLE], keep_prob, n_samples, seed, inverted=inverted)
