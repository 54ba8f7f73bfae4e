"""Figures for the lesson "Train vs test": one scheme's train and test outputs per unit, the
forgot-to-scale mismatch over keep_prob, and what the next layer receives. Arrays in, go.Figure out."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.theme import DROPPED, INVERTED, NO_SCALING, PALETTE, REFERENCE, STANDARD, style

SCHEME_COLOURS = {"standard": STANDARD, "inverted": INVERTED, "forgot to scale": NO_SCALING}


def scheme_colour(scheme: str) -> str:
    return SCHEME_COLOURS.get(scheme, PALETTE["black"])


def scheme_bars(activations, mask, train_output, expected_train, test_output, *, scheme: str, title: str,
                y_max: float | None = None, height: int = 440) -> go.Figure:
    """Per unit: the activation a (grey outline), this mask's train output, E[train output], and the
    test output (black diamonds). All 1-D arrays of the same length; mask is boolean."""
    a = np.asarray(activations, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    units = np.arange(a.size)
    labels = [f"{u}" for u in units]
    colour = scheme_colour(scheme)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=labels, y=a, name="activation a", offsetgroup="a", marker={"color": "rgba(0,0,0,0)",
                         "line": {"color": DROPPED, "width": 2}},
                         hovertemplate="unit %{x}<br>a = %{y:.3f}<extra></extra>"))
    fig.add_trace(go.Bar(x=labels, y=np.asarray(train_output, dtype=float), name="train output (this mask)",
                         offsetgroup="train", marker={"color": colour},
                         hovertemplate="unit %{x}<br>train output %{y:.3f}<extra></extra>"))
    fig.add_trace(go.Bar(x=labels, y=np.asarray(expected_train, dtype=float), name="expected train output",
                         offsetgroup="expected", marker={"color": colour, "opacity": 0.45, "pattern": {"shape": "/"}},
                         hovertemplate="unit %{x}<br>E[train output] %{y:.3f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=labels, y=np.asarray(test_output, dtype=float), name="test output",
                             offsetgroup="expected", mode="markers",
                             marker={"symbol": "diamond", "size": 13, "color": REFERENCE,
                                     "line": {"color": "white", "width": 1}},
                             hovertemplate="unit %{x}<br>test output %{y:.3f}<extra></extra>"))
    fig.update_layout(barmode="group", scattermode="group", bargap=0.25, bargroupgap=0.05)
    _shade_dropped(fig, mask)
    if y_max is not None and y_max > 0:
        fig.update_yaxes(range=[0, y_max * 1.08])
    fig = style(fig, title, "hidden unit", "value", height=height)
    _legend_below(fig)
    return fig


def _legend_below(fig: go.Figure) -> None:
    """Legends of several entries go under the x axis, where they cannot cover the title."""
    fig.update_layout(margin={"t": 50, "b": 40}, legend={"orientation": "h", "y": -0.2, "yanchor": "top",
                                                         "x": 0.0, "xanchor": "left"})


def _shade_dropped(fig: go.Figure, mask: np.ndarray) -> None:
    """Grey bands behind the dropped units (category axis: unit i sits at x = i), with a legend entry."""
    for unit in np.flatnonzero(~mask):
        fig.add_vrect(x0=unit - 0.5, x1=unit + 0.5, fillcolor=DROPPED, opacity=0.3, line_width=0, layer="below")
    if (~mask).any():
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="dropped unit (grey band)",
                                 marker={"symbol": "square", "size": 14, "color": DROPPED}))


def mismatch_figure(keep_probs, expected_train, test, keep_prob: float, *, height: int = 440) -> go.Figure:
    """Forgot to scale: E[train output] and the test output as multiples of a, over keep_prob,
    with the gap shaded and the current keep_prob marked."""
    q = np.asarray(keep_probs, dtype=float)
    train = np.asarray(expected_train, dtype=float)
    test = np.asarray(test, dtype=float)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=q, y=train, mode="lines", name="E[train output] / a = keep_prob",
                             line={"color": NO_SCALING, "width": 3}))
    fig.add_trace(go.Scatter(x=q, y=test, mode="lines", name="test output / a = 1", fill="tonexty",
                             fillcolor="rgba(213, 94, 0, 0.15)", line={"color": REFERENCE, "width": 3,
                                                                        "dash": "dash"}))
    here = float(np.interp(keep_prob, q, train))
    fig.add_trace(go.Scatter(x=[keep_prob, keep_prob], y=[here, 1.0], mode="lines+markers",
                             name=f"gap at keep_prob {keep_prob:.2f}: {1.0 - here:.2f} a",
                             line={"color": PALETTE["purple"], "width": 3}, marker={"size": 9}))
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(range=[0, 1.12])
    fig = style(fig, "Forgot to scale: the gap grows as keep_prob falls", "keep_prob", "multiple of the activation a",
                height=height)
    _legend_below(fig)
    return fig


def next_layer_figure(train_mean, train_std_error, expected_train, test_mean, *, scheme: str,
                      height: int = 440) -> go.Figure:
    """Mean pre-activation of each next-layer unit over the batch: train (with ±2 standard errors) and test."""
    train_mean = np.asarray(train_mean, dtype=float)
    units = [f"unit {k}" for k in range(train_mean.size)]
    colour = scheme_colour(scheme)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=units, y=train_mean, name="train time (mean over the batch, fresh masks)",
                         offsetgroup="train", marker={"color": colour},
                         error_y={"type": "data", "array": 2 * np.asarray(train_std_error, dtype=float),
                                  "color": REFERENCE, "thickness": 1.5},
                         hovertemplate="%{x}<br>train mean %{y:.3f}<extra></extra>"))
    fig.add_trace(go.Bar(x=units, y=np.asarray(test_mean, dtype=float), name="test time", offsetgroup="test",
                         marker={"color": REFERENCE, "opacity": 0.75},
                         hovertemplate="%{x}<br>test mean %{y:.3f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=units, y=np.asarray(expected_train, dtype=float), mode="markers",
                             name="E[train] (exact)", offsetgroup="train", marker={"symbol": "line-ew-open", "size": 30,
                                                             "color": PALETTE["purple"], "line": {"width": 3}},
                             hovertemplate="%{x}<br>E[train] %{y:.3f}<extra></extra>"))
    fig.update_layout(barmode="group", scattermode="group", bargap=0.3)
    fig = style(fig, f"What the next layer receives ({scheme})", "next-layer unit", "mean pre-activation z",
                height=height)
    _legend_below(fig)
    return fig
