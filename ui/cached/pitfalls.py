"""Cached wrappers for the lesson "Pitfalls" (core/pitfalls.py).

Arguments are plain values (keep_prob, seed). Pitfalls 1 and 4 read the Training lab's network at its
default settings (ui/cached/training.py: remembered, or read from the disk store, or trained once);
the others are small NumPy computations. `lab_networks_ready` tells whether those two views can follow
the slider live: only when the network is at hand, untrained, for every keep_prob the slider can take.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import mlp
from core import pitfalls as core
from ui.cached import training

N_CALLS = 10  # calls of the dropout-left-on network on one test image
BIAS_GRID = tuple(float(q) for q in np.linspace(0.05, 1.0, 96))  # keep_prob axis of the flipped-comparison curve
VARIANCE_GRID = BIAS_GRID  # ... and of the variance-shift curve
DENSITY_EDGES = tuple(float(e) for e in np.linspace(-4.0, 4.0, 81))  # bins of the BatchNorm output densities


def lab_run(keep_prob: float, seed: int) -> training.DigitsRun:
    """The Training lab's digits run with its controls at their defaults (tests swap in a small one)."""
    return training.lab_default_run(keep_prob, seed)


def lab_network(keep_prob: float, seed: int) -> mlp.TrainResult:
    """The trained network of lab_run (remembered, stored or trained now)."""
    return training.digits_result(lab_run(keep_prob, seed))


def lab_networks_ready(keep_probs, seed: int) -> bool:
    """Whether the Training lab's network is at hand, without training, at every one of these keep_probs
    (remembered in memory or in the disk store of precomputed runs). Trains nothing; stops at the first miss."""
    # is_trained also asks for each run's keep_prob 1 partner, which is one of the slider's values anyway.
    return all(training.is_trained(lab_run(float(q), seed)) for q in keep_probs)


@st.cache_data(max_entries=32, show_spinner=False)
def dropout_left_on(keep_prob: float, seed: int) -> core.DropoutLeftOn:
    """Pitfall 1: N_CALLS calls with dropout on over the Training lab's 797 test images, and one with it off."""
    _, X_test, _, y_test = training.digits_split(seed)
    return core.dropout_left_on(lab_network(keep_prob, seed), X_test, y_test, N_CALLS, rng=seed)


@st.cache_data(max_entries=32, show_spinner=False)
def mask_shapes(keep_prob: float, seed: int) -> core.MaskShapes:
    """Pitfall 2: the masks (N, 1), (1, D) and (N, D) on one minibatch."""
    return core.mask_shapes(keep_prob, seed)


@st.cache_data(max_entries=32, show_spinner=False)
def flipped(keep_prob: float, seed: int) -> tuple[core.FlippedCase, np.ndarray, np.ndarray]:
    """Pitfall 3: the measured case, and the bias curve (1 − q) / q over BIAS_GRID (keep_prob, ratio)."""
    grid = np.asarray(BIAS_GRID)
    return core.flipped_case(keep_prob, seed), grid, core.flipped_bias(grid)


@st.cache_data(max_entries=32, show_spinner=False)
def loss_curves(keep_prob: float, seed: int) -> tuple[dict[str, np.ndarray], core.LossGap]:
    """Pitfall 4: the run's loss curves (epoch, train_loss, train_loss_eval, test_loss) and their summary."""
    history = lab_network(keep_prob, seed).history
    curves = {name: history[name].to_numpy(dtype=float)
              for name in ("epoch", "train_loss", "train_loss_eval", "test_loss")}
    return curves, core.loss_gap(curves["epoch"], curves["train_loss"], curves["train_loss_eval"], curves["test_loss"])


@st.cache_data(max_entries=32, show_spinner=False)
def variance_shift(keep_prob: float, seed: int) -> tuple[core.VarianceShift, dict[str, np.ndarray], np.ndarray,
                                                         np.ndarray]:
    """Pitfall 5: the measured shift, the densities of BN's test-time outputs ("bug", "fix") on DENSITY_EDGES'
    bin centres, and the training-time variance curve over VARIANCE_GRID (keep_prob, variance)."""
    shift = core.variance_shift(keep_prob, seed)
    edges = np.asarray(DENSITY_EDGES)
    densities = {"bug": core.density(shift.bug_output, edges), "fix": core.density(shift.fix_output, edges)}
    grid = np.asarray(VARIANCE_GRID)
    curve = np.array([core.train_variance(shift.mean, shift.std, q) for q in grid])
    return shift, densities, (edges[:-1] + edges[1:]) / 2, np.column_stack([grid, curve])


@st.cache_data(max_entries=32, show_spinner=False)
def activation_order(keep_prob: float, seed: int) -> core.ActivationOrder:
    """Pitfall 6: dropout before and after ReLU, sigmoid and tanh on one layer."""
    return core.activation_order(keep_prob, seed)
