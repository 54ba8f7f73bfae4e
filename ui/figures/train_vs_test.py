"""Figures for the lesson "Train vs test": one scheme's train and test outputs per unit, the
forgot-to-scale mismatch over keep_prob, and what the next layer receives. Arrays in, go.Figure out.

Speed: like the Masks lesson's builders, these assemble plain-dict traces on the cached house layout
(ui.theme.house_figure) and skip Plotly's validation (2-5 ms instead of 15-45 ms a figure);
tests/test_train_vs_test_figures.py rebuilds each figure validated to prove the dicts are valid Plotly.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.theme import DROPPED, INVERTED, NO_SCALING, PALETTE, REFERENCE, STANDARD, house_figure

SCHEME_COLOURS = {"standard": STANDARD, "inverted": INVERTED, "forgot to scale": NO_SCALING}
LEGEND_BELOW = {"orientation": "h", "y": -0.2, "yanchor": "top", "x": 0.0, "xanchor": "left"}
MARGIN = {"l": 76, "r": 20, "t": 50, "b": 135}  # the legend below: see ui.theme on margins


def scheme_colour(scheme: str) -> str:
    return SCHEME_COLOURS.get(scheme, PALETTE["black"])


def _floats(values) -> np.ndarray:
    return np.asarray(values, dtype=float)


def scheme_bars(activations, mask, train_output, expected_train, test_output, *, scheme: str, title: str,
                y_max: float | None = None, height: int = 440) -> go.Figure:
    """Per unit: the activation a (grey outline), this mask's train output, E[train output], and the
    test output (black diamonds over the expected bar); dropped units on grey bands. All 1-D arrays of
    the same length; mask is boolean."""
    a = _floats(activations)
    mask = np.asarray(mask, dtype=bool)
    labels = [str(u) for u in range(a.size)]
    colour = scheme_colour(scheme)
    traces = [
        {"type": "bar", "x": labels, "y": a, "name": "activation a", "offsetgroup": "a",
         "marker": {"color": "rgba(0,0,0,0)", "line": {"color": DROPPED, "width": 2}},
         "hovertemplate": "unit %{x}<br>a = %{y:.3f}<extra></extra>"},
        {"type": "bar", "x": labels, "y": _floats(train_output), "name": "train output (this mask)",
         "offsetgroup": "train", "marker": {"color": colour},
         "hovertemplate": "unit %{x}<br>train output %{y:.3f}<extra></extra>"},
        {"type": "bar", "x": labels, "y": _floats(expected_train), "name": "expected train output",
         "offsetgroup": "expected", "marker": {"color": colour, "opacity": 0.45, "pattern": {"shape": "/"}},
         "hovertemplate": "unit %{x}<br>E[train output] %{y:.3f}<extra></extra>"},
        {"type": "scatter", "x": labels, "y": _floats(test_output), "name": "test output",
         "offsetgroup": "expected", "mode": "markers",
         "marker": {"symbol": "diamond", "size": 13, "color": REFERENCE, "line": {"color": "white", "width": 1}},
         "hovertemplate": "unit %{x}<br>test output %{y:.3f}<extra></extra>"},
    ]
    dropped = np.flatnonzero(~mask)
    shapes = [{"type": "rect", "xref": "x", "yref": "paper", "x0": unit - 0.5, "x1": unit + 0.5, "y0": 0, "y1": 1,
               "fillcolor": DROPPED, "opacity": 0.3, "line": {"width": 0}, "layer": "below"} for unit in dropped]
    if dropped.size:  # a legend entry for the bands
        traces.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers",
                       "name": "dropped unit (grey band)",
                       "marker": {"symbol": "square", "size": 14, "color": DROPPED}})
    yaxis = {"range": [0, y_max * 1.08]} if y_max is not None and y_max > 0 else {}
    return house_figure(traces, title, "hidden unit", "value", height=height, barmode="group",
                        scattermode="group", bargap=0.25, bargroupgap=0.05, shapes=shapes, yaxis=yaxis,
                        legend=LEGEND_BELOW, margin={**MARGIN, "b": 168})  # five legend entries


def mismatch_figure(keep_probs, expected_train, test, keep_prob: float, *, height: int = 440) -> go.Figure:
    """Forgot to scale: E[train output] and the test output as multiples of a, over keep_prob,
    with the gap shaded and the current keep_prob marked."""
    q = _floats(keep_probs)
    train = _floats(expected_train)
    here = float(np.interp(keep_prob, q, train))
    traces = [
        {"type": "scatter", "x": q, "y": train, "mode": "lines", "name": "E[train output] / a = keep_prob",
         "line": {"color": NO_SCALING, "width": 3}},
        {"type": "scatter", "x": q, "y": _floats(test), "mode": "lines", "name": "test output / a = 1",
         "fill": "tonexty", "fillcolor": "rgba(213, 94, 0, 0.15)",
         "line": {"color": REFERENCE, "width": 3, "dash": "dash"}},
        {"type": "scatter", "x": [keep_prob, keep_prob], "y": [here, 1.0], "mode": "lines+markers",
         "name": f"gap at keep_prob {keep_prob:.2f}: {1.0 - here:.2f} a",
         "line": {"color": PALETTE["purple"], "width": 3}, "marker": {"size": 9}},
    ]
    return house_figure(traces, "Forgot to scale: the gap grows as keep_prob falls", "keep_prob",
                        "multiple of the activation a", height=height, xaxis={"range": [0, 1]},
                        yaxis={"range": [0, 1.12]}, legend=LEGEND_BELOW, margin=MARGIN)


def next_layer_figure(train_mean, train_std_error, expected_train, test_mean, *, scheme: str,
                      height: int = 440) -> go.Figure:
    """Mean pre-activation of each next-layer unit over the batch: train (with ±2 standard errors) and test."""
    train_mean = _floats(train_mean)
    units = [f"unit {k}" for k in range(train_mean.size)]
    traces = [
        {"type": "bar", "x": units, "y": train_mean, "name": "train time (mean over the batch, fresh masks)",
         "offsetgroup": "train", "marker": {"color": scheme_colour(scheme)},
         "error_y": {"type": "data", "array": 2 * _floats(train_std_error), "color": REFERENCE, "thickness": 1.5},
         "hovertemplate": "%{x}<br>train mean %{y:.3f}<extra></extra>"},
        {"type": "bar", "x": units, "y": _floats(test_mean), "name": "test time", "offsetgroup": "test",
         "marker": {"color": REFERENCE, "opacity": 0.75},
         "hovertemplate": "%{x}<br>test mean %{y:.3f}<extra></extra>"},
        {"type": "scatter", "x": units, "y": _floats(expected_train), "mode": "markers", "name": "E[train] (exact)",
         "offsetgroup": "train",
         "marker": {"symbol": "line-ew-open", "size": 30, "color": PALETTE["purple"], "line": {"width": 3}},
         "hovertemplate": "%{x}<br>E[train] %{y:.3f}<extra></extra>"},
    ]
    return house_figure(traces, f"What the next layer receives ({scheme})", "next-layer unit",
                        "mean pre-activation z", height=height, barmode="group", scattermode="group", bargap=0.3,
                        legend=LEGEND_BELOW, margin=MARGIN)
