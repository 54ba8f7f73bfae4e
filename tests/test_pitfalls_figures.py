"""Figure builders of the lesson "Pitfalls": titles, axis titles and traces, valid Plotly, at keep_prob 0, 0.5, 1."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from core import pitfalls as pf
from ui.figures import pitfalls as figures
from ui.theme import PALETTE

KEEP_PROBS = (0.0, 0.3, 0.5, 1.0)


def _validated(fig: go.Figure) -> go.Figure:
    """The figure itself, after proving it valid Plotly by rebuilding it validated (the builders skip validation
    for speed)."""
    go.Figure(fig.to_dict())
    return fig


def _checked(fig: go.Figure, title_part: str, x_title: str, y_title: str) -> go.Figure:
    fig = _validated(fig)
    assert title_part in fig.layout.title.text
    assert fig.layout.xaxis.title.text == x_title and fig.layout.yaxis.title.text == y_title
    for trace in fig.data:
        for attr in ("x", "y"):
            values = getattr(trace, attr, None)
            if values is not None:
                assert np.all(np.isfinite(np.asarray(values, dtype=float))), (trace.name, attr)
    return fig


def _names(fig: go.Figure) -> list[str]:
    return [trace.name for trace in fig.data]


def test_calls_figure_colours_disagreeing_calls():
    call_proba = np.full((10, 10), 0.02)
    answers = [3, 3, 8, 3, 5, 3, 3, 3, 8, 3]
    call_proba[np.arange(10), answers] = 0.82
    eval_proba = np.full(10, 0.01)
    eval_proba[3] = 0.91
    fig = _checked(figures.calls_figure(call_proba, eval_proba, image_index=17),
                   "10 calls on image 17: 3 answers", "call (dropout left on)",
                   "probability of the predicted digit")
    same, other, line = fig.data
    assert list(same.x) == [1, 2, 4, 6, 7, 8, 10] and list(other.text) == ["8", "5", "8"]
    assert same.marker.color == figures.FIX and other.marker.color == figures.BUG
    assert "dropout off: 3 (0.91)" in line.name and list(line.y) == [0.91, 0.91]
    one = _validated(figures.calls_figure(np.tile(eval_proba, (10, 1)), eval_proba, 0))
    assert "one answer" in one.layout.title.text and len(one.data[1].x) == 0
    with pytest.raises(ValueError):
        figures.calls_figure(np.zeros(10), eval_proba, 0)


def test_call_errors_figure():
    fig = _checked(figures.call_errors_figure([0.04, 0.05, 0.045], 0.02), "Test error on all 797",
                   "call", "test error (%)")
    assert list(fig.data[0].y) == pytest.approx([4.0, 5.0, 4.5]) and "2.00%" in fig.data[1].name


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_mask_figures(keep_prob):
    shapes = pf.mask_shapes(keep_prob, seed=1)
    for label in pf.MASK_SHAPES:
        fig = _validated(figures.mask_figure(shapes.masks[label], f"{label}: {shapes.kinds[label]}"))
        assert fig.layout.title.text == f"<b>{label}: {shapes.kinds[label]}</b>"
        assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("unit", "example")
        assert np.asarray(fig.data[0].z).shape == (8, 12)
    fig = _checked(figures.kept_fractions_figure(shapes.per_example, shapes.per_unit, keep_prob),
                   "Kept, per example and per unit", "mask shape", "fraction kept")
    assert len(fig.data) == 7 and f"keep_prob = {keep_prob:.2f}" in fig.data[-1].name
    assert [len(t.y) for t in fig.data[:6]] == [8, 12] * 3
    assert list(fig.layout.xaxis.ticktext) == list(pf.MASK_SHAPES)


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_flipped_bias_figure(keep_prob):
    case = pf.flipped_case(keep_prob, seed=0)
    grid = np.linspace(0.05, 1, 20)
    fig = _checked(figures.flipped_bias_figure(grid, pf.flipped_bias(grid), keep_prob, case.measured_ratio,
                                               case.standard_error),
                   "Flipped comparison", "keep_prob", "E[buggy output] ÷ E[right output]")
    assert "rng.random(shape) > keep_prob" in fig.data[0].name and "<" in fig.data[1].name
    if keep_prob == 0:
        assert len(fig.data) == 2  # nothing measured: the ratio is undefined
    else:
        assert fig.data[2].x[0] == keep_prob and f"{case.measured_ratio:.3f}" in fig.data[2].name
    big = _validated(figures.flipped_bias_figure(grid, pf.flipped_bias(grid), 0.1, 9.0, 0.1))
    assert big.data[2].y[0] == 5.0 and "9.0 (off the chart)" in big.layout.annotations[0].text


def test_loss_figure():
    fig = _checked(figures.loss_figure([1, 2, 3], [0.9, 0.5, 0.4], [0.8, 0.2, 0.1], [0.6, 0.35, 0.3], 0.5),
                   "three losses (hidden keep_prob 0.50)", "epoch", "cross-entropy (log scale)")
    assert _names(fig) == ["training loss as reported (dropout on)", "training loss, dropout off",
                           "test loss (dropout off)"]
    assert fig.layout.yaxis.type == "log"


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_batchnorm_figures(keep_prob):
    shift = pf.variance_shift(keep_prob, seed=0, n_samples=2000)
    edges = np.linspace(-4, 4, 41)
    densities = {"bug": pf.density(shift.bug_output, edges), "fix": pf.density(shift.fix_output, edges)}
    centres = (edges[1:] + edges[:-1]) / 2
    fig = _checked(figures.bn_output_figure(centres, densities, shift.bug_output_std), "BatchNorm's output",
                   "BN output (should have std 1)", "density")
    if keep_prob == 0:  # no curve for an undefined output, and the chart says why
        assert len(fig.data) == 1 and "undefined" in fig.layout.annotations[0].text
    else:
        assert len(fig.data) == 2
        assert f"std {shift.bug_output_std:.2f}" in fig.data[0].name
    grid = np.linspace(0.05, 1, 20)
    curve = [pf.train_variance(shift.mean, shift.std, q) for q in grid]
    fig = _checked(figures.train_variance_figure(grid, curve, shift.test_variance_formula, keep_prob,
                                                 shift.train_variance_measured, shift.train_variance_se),
                   "The variance BatchNorm sees", "keep_prob", "variance of BN's input")
    assert len(fig.data) == 3 and "σ² = 1.00" in fig.data[1].name


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_order_figures(keep_prob):
    order = pf.activation_order(keep_prob, seed=0)
    for name in pf.ACTIVATIONS:
        fig = _checked(figures.order_figure(name, order.after[name], order.before[name], order.mask,
                                            order.max_difference[name]), name, "unit", "output")
        assert _names(fig)[:2] == [f"dropout({name}(z))", f"{name}(dropout(z))"]
        assert ("orders agree" in fig.layout.title.text) == (order.max_difference[name] == 0)
        if order.max_difference[name] > 0:
            assert f"(≤ {order.max_difference[name]:.2f})" in fig.layout.title.text
        dropped = int((~order.mask).sum())
        assert (len(fig.data) == 3) == (dropped > 0)
        assert fig.layout.barmode == "group"


def test_builders_use_the_palette():
    assert figures.BUG in PALETTE.values() and figures.FIX in PALETTE.values()
    assert figures.BUG != figures.FIX
