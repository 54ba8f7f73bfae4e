"""Figures for the lesson "Backprop and gradients": gradients drawn on the network, analytic against
numerical gradients, the error of every backward variant, and the weight gradients as heatmaps.

Speed: every builder assembles plain-dict traces on the cached house layout
(ui.theme.house_figure) and skips Plotly's validation; tests/test_backprop_figures.py rebuilds each
figure validated to prove the dicts are valid Plotly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from core.two_layer import PASS_THRESHOLD
from ui.figures.common import network
from ui.theme import DIVERGING, NO_SCALING, PALETTE, REFERENCE, SEQUENCE, house_figure

THRESHOLD = PASS_THRESHOLD  # a relative difference below this means the backward is right (core.two_layer)
FLOOR = 1e-16  # differences are drawn no lower than this on log axes (0 has no logarithm)
LEGEND_BELOW = {"orientation": "h", "y": -0.2, "yanchor": "top", "x": 0.0, "xanchor": "left"}
MARGIN = {"l": 80, "r": 26, "t": 50, "b": 135}  # the legend below: see ui.theme on margins


def gradient_network(x, a, probs, kept, dW1, dW2, *, title: str, height: int = 420) -> go.Figure:
    """The 4-6-3 net with edge widths = |gradient| relative to the largest of its layer (dW1 is often much
    smaller than dW2), zero-gradient edges dotted grey and dropped units hollow.

    x (D,), a (H,), probs (C,): one example's input, hidden activation and output probabilities (hover);
    kept (H,) bool; dW1 (D, H), dW2 (H, C).
    """
    return network((np.shape(dW1)[0], np.shape(dW1)[1], np.shape(dW2)[1]), title,
                   kept=[None, np.asarray(kept, dtype=bool), None], edge_values=[dW1, dW2],
                   layer_names=["input x", "hidden (ReLU + dropout)", "output (softmax)"],
                   node_values=[x, a, probs], value_names=["x", "a", "p"], edge_title="gradient",
                   per_layer_widths=True, height=height, legend={**LEGEND_BELOW, "y": -0.15}, margin=MARGIN)


def check_scatter(analytic: Mapping[str, np.ndarray], numerical: Mapping[str, np.ndarray], *, title: str,
                  names: Sequence[str] = ("W1", "b1", "W2", "b2", "a"), height: int = 440) -> go.Figure:
    """Every gradient entry as a point (analytic, numerical), each gradient divided by its own largest
    entry so that small gradients are as visible as large ones. A correct backward puts every point on
    the diagonal; a wrong one scatters the gradients it gets wrong off it."""
    traces = [{"type": "scatter", "x": [-1.1, 1.1], "y": [-1.1, 1.1], "mode": "lines", "name": "numerical = analytic",
               "line": {"color": REFERENCE, "dash": "dash", "width": 1.5}, "hoverinfo": "skip"}]
    for i, name in enumerate(names):
        a = np.asarray(analytic[name], dtype=float).ravel()
        n = np.asarray(numerical[name], dtype=float).ravel()
        largest = float(max(np.max(np.abs(a), initial=0.0), np.max(np.abs(n), initial=0.0)))
        scale = largest if np.isfinite(largest) and largest > 0 else 1.0
        traces.append({
            "type": "scatter", "x": a / scale, "y": n / scale, "customdata": np.stack([a, n], axis=-1),
            "mode": "markers", "name": f"d{name}",
            "marker": {"size": 9, "color": SEQUENCE[i % len(SEQUENCE)], "opacity": 0.8,
                       "line": {"color": "white", "width": 0.5}},
            "hovertemplate": f"d{name}<br>analytic %{{customdata[0]:.3g}}<br>numerical %{{customdata[1]:.3g}}"
                             "<extra></extra>",
        })
    return house_figure(traces, title, "analytic gradient (backward), ÷ largest entry",
                        "numerical gradient, ÷ largest entry", height=height, xaxis={"range": [-1.15, 1.15]},
                        yaxis={"range": [-1.15, 1.15]}, legend=LEGEND_BELOW, margin=MARGIN)


def variant_errors(labels: Sequence[str], errors: Sequence[float], *, selected: int | None = None,
                   height: int = 380) -> go.Figure:
    """Horizontal bars of the relative difference of each backward variant on a log axis, with the 1e-7 line."""
    errors = np.maximum(np.asarray(errors, dtype=float), FLOOR)
    colours = [PALETTE["green"] if e < THRESHOLD else NO_SCALING for e in errors]
    outline = [REFERENCE if i == selected else "rgba(0,0,0,0)" for i in range(len(errors))]
    traces = [
        {"type": "bar", "x": errors, "y": list(labels), "orientation": "h", "name": "relative difference",
         "showlegend": False, "marker": {"color": colours, "line": {"color": outline, "width": 3}},
         "text": [f"{e:.1e}" for e in errors], "textposition": "outside", "cliponaxis": False,
         "hovertemplate": "%{y}<br>relative difference %{x:.2e}<extra></extra>"},
        {"type": "bar", "x": [None], "y": [None], "name": "passes (< 1e-7)", "marker": {"color": PALETTE["green"]}},
        {"type": "bar", "x": [None], "y": [None], "name": "fails", "marker": {"color": NO_SCALING}},
    ]
    threshold_line = {"type": "line", "xref": "x", "yref": "paper", "x0": THRESHOLD, "x1": THRESHOLD, "y0": 0,
                      "y1": 1, "line": {"color": REFERENCE, "dash": "dash", "width": 2}}
    label = {"x": float(np.log10(THRESHOLD)), "y": 1.0, "xref": "x", "yref": "paper", "text": "1e-7: pass below",
             "showarrow": False, "xanchor": "left", "yanchor": "bottom", "font": {"size": 12}}
    return house_figure(traces, "Every backward variant against the numerical gradient",
                        "relative difference (log scale)", None, height=height,
                        xaxis={"type": "log", "range": [-13, 1.8], "exponentformat": "power"},
                        yaxis={"autorange": "reversed"}, shapes=[threshold_line], annotations=[label],
                        margin={"l": 170, "r": 20, "t": 60, "b": 100},
                        legend={**LEGEND_BELOW, "y": -0.25})


def weight_gradient_heatmap(grad, *, title: str, x_title: str, y_title: str, x_labels: Sequence[str],
                            y_labels: Sequence[str], height: int = 330) -> go.Figure:
    """A weight gradient (rows = from, columns = to) on the diverging scale, numbers on the cells, named ticks."""
    grad = np.asarray(grad, dtype=float) + 0.0  # + 0.0: no "-0.000" on the cells
    if grad.ndim != 2:
        raise ValueError(f"grad must be 2-D, got shape {grad.shape}")
    limit = float(np.max(np.abs(grad), initial=0.0)) or 1.0
    trace = {
        "type": "heatmap", "z": grad, "x": np.arange(grad.shape[1]), "y": np.arange(grad.shape[0]),
        "colorscale": DIVERGING, "zmin": -limit, "zmax": limit, "xgap": 2, "ygap": 2,
        "colorbar": {"title": {"text": "gradient"}}, "texttemplate": "%{z:.3f}", "textfont": {"size": 11},
        "hovertemplate": f"{x_title} %{{x}}<br>{y_title} %{{y}}<br>gradient %{{z:.4f}}<extra></extra>",
    }
    return house_figure([trace], title, x_title, y_title, height=height, show_legend=False,
                        xaxis={"tickvals": list(range(grad.shape[1])), "ticktext": list(x_labels)},
                        yaxis={"tickvals": list(range(grad.shape[0])), "ticktext": list(y_labels),
                               "autorange": "reversed"},
                        margin={"l": 124, "r": 100, "t": 60, "b": 110})  # labels and colour bar: see ui.theme


def unit_labels(prefix: str, dropped, *, separator: str = " ") -> list[str]:
    """Tick labels such as 'h0', 'h1 (dropped)' for a boolean array of dropped units
    (separator "<br>" puts "(dropped)" on a second line, for a crowded x axis)."""
    return [f"{prefix}{i}{separator}(dropped)" if d else f"{prefix}{i}"
            for i, d in enumerate(np.asarray(dropped, dtype=bool))]
