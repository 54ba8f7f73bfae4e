"""Figures of the lesson "Masks": the batch before and after dropout, the mask, how much it keeps.

Speed: Plotly validates every property of a figure built from graph objects, 15-45 ms per figure,
most of a rerun. So the builders of this lesson and of "Expected activations" assemble plain
dicts on the house layout of ui.theme.style (computed once per height) and create the Figure
unvalidated (`ui.theme.house_figure`); the tests rebuild each figure validated (`go.Figure(fig.to_dict())`)
to prove the dicts are valid Plotly. The network diagram comes from ui/figures/common.py.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.figures.common import network
from ui.theme import KEPT, MASK_SCALE, PALETTE, REFERENCE, SEQUENTIAL, house_figure

X_TITLE = "unit"
Y_TITLE = "example"
HEATMAP_HEIGHT = 330
CELL_FONT = 11  # a fixed size: Plotly otherwise shrinks every cell's text to fit the longest one


def _fixed_margin(right: int) -> dict:
    """Margins that leave `right` pixels for the colour bar and never grow by themselves.

    Plotly otherwise measures the colour bar after drawing and, if it pushes the margin, draws the
    whole figure a second time: with four grids of 128 labelled cells that second pass is a large
    part of what a keep_prob move costs in the browser.
    """
    return {"l": 60, "r": right, "t": 60, "b": 55, "autoexpand": False}
def _value_heatmap(values: np.ndarray, title: str, text, zmax: float | None) -> go.Figure:
    """Non-negative values (N, D) on the sequential scale from 0 to zmax, each cell's text written on it."""
    top = zmax if zmax is not None else float(np.max(np.abs(values))) if values.size else 1.0
    trace = {
        "type": "heatmap", "z": values, "x": np.arange(values.shape[1]), "y": np.arange(values.shape[0]),
        "colorscale": SEQUENTIAL, "zmin": 0.0, "zmax": top if top > 0 else 1.0,
        "colorbar": {"title": {"text": "value"}}, "text": text, "texttemplate": "%{text}",
        "textfont": {"size": CELL_FONT},
        "hovertemplate": f"{X_TITLE} %{{x}}<br>{Y_TITLE} %{{y}}<br>value %{{z:.3f}}<extra></extra>",
    }
    return house_figure([trace], title, X_TITLE, Y_TITLE, height=HEATMAP_HEIGHT, show_legend=False,
                        yaxis={"autorange": "reversed"}, margin=_fixed_margin(95))


def activations_figure(activations, zmax: float | None = None) -> go.Figure:
    """Heatmap of the activations a (N, D) before dropout; zmax: top of the colour scale (shared with the output)."""
    activations = np.asarray(activations, dtype=float)
    if activations.ndim != 2:
        raise ValueError(f"activations must be 2-D, got shape {activations.shape}")
    n, d = activations.shape
    return _value_heatmap(activations, f"Activations a before dropout ({n} × {d})",
                          [[f"{v:.1f}" for v in row] for row in activations], zmax)


def mask_figure(mask, iteration: int) -> go.Figure:
    """The boolean mask (N, D) of one forward pass: kept blue, dropped grey."""
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2-D, got shape {mask.shape}")
    trace = {
        "type": "heatmap", "z": mask.astype(int), "x": np.arange(mask.shape[1]), "y": np.arange(mask.shape[0]),
        "colorscale": MASK_SCALE, "zmin": 0, "zmax": 1, "xgap": 1, "ygap": 1,
        "colorbar": {"tickvals": [0.25, 0.75], "ticktext": ["dropped", "kept"], "title": {"text": "mask"}},
        "hovertemplate": f"{X_TITLE} %{{x}}<br>{Y_TITLE} %{{y}}<br>mask %{{z}}<extra></extra>",
    }
    return house_figure([trace], f"Mask m of forward pass {iteration}: {int(mask.sum())} of {mask.size} kept",
                        X_TITLE, Y_TITLE, height=HEATMAP_HEIGHT, show_legend=False, yaxis={"autorange": "reversed"},
                        margin=_fixed_margin(120))


def scaled_mask_figure(scaled_mask, keep_prob: float) -> go.Figure:
    """The mask with the scaling folded in, m / keep_prob (N, D): entries 0 and 1/keep_prob.

    Coloured like the mask (kept blue, dropped grey) with each entry's value written on it.
    """
    scaled_mask = np.asarray(scaled_mask, dtype=float)
    if scaled_mask.ndim != 2:
        raise ValueError(f"scaled_mask must be 2-D, got shape {scaled_mask.shape}")
    kept = scaled_mask != 0
    if keep_prob == 1:
        title = "Scaled mask m / keep_prob: all 1s (nothing dropped)"
        kept_label = "1 = 1/keep_prob"
    elif keep_prob > 0:
        title = f"Scaled mask m / keep_prob: 0s and {1 / keep_prob:.3g}s"
        kept_label = f"{1 / keep_prob:.3g} = 1/keep_prob"
    else:  # 1/keep_prob is undefined: nothing is kept, every entry is 0
        title = "Scaled mask: all 0 (1/keep_prob undefined)"
        kept_label = "1/keep_prob (undefined)"
    trace = {
        "type": "heatmap", "z": kept.astype(int), "x": np.arange(scaled_mask.shape[1]),
        "y": np.arange(scaled_mask.shape[0]), "text": [[f"{v:.2g}" for v in row] for row in scaled_mask],
        "texttemplate": "%{text}", "textfont": {"size": CELL_FONT + 1}, "colorscale": MASK_SCALE,
        "zmin": 0, "zmax": 1, "xgap": 1, "ygap": 1,
        "colorbar": {"tickvals": [0.25, 0.75], "ticktext": ["0 (dropped)", kept_label],
                     "title": {"text": "m / keep_prob"}},
        "hovertemplate": f"{X_TITLE} %{{x}}<br>{Y_TITLE} %{{y}}<br>m / keep_prob %{{text}}<extra></extra>",
    }
    return house_figure([trace], title, X_TITLE, Y_TITLE, height=HEATMAP_HEIGHT, show_legend=False,
                        yaxis={"autorange": "reversed"}, margin=_fixed_margin(160))


def output_figure(output, keep_prob: float, zmax: float | None = None) -> go.Figure:
    """Heatmap of the dropout output a * m / keep_prob (N, D); zmax: top of the colour scale."""
    output = np.asarray(output, dtype=float)
    if output.ndim != 2:
        raise ValueError(f"output must be 2-D, got shape {output.shape}")
    if keep_prob > 0:
        title = f"Output a · m / keep_prob: kept entries × {1 / keep_prob:.3g}"
    else:
        title = "Output: all 0 (every unit dropped)"
    return _value_heatmap(output, title, [[cell_text(v) for v in row] for row in output], zmax)


def cell_text(value: float) -> str:
    """At most three characters, so that it fits a cell: 0 (dropped), 0.5, 4.8, 15."""
    if value == 0:
        return "0"
    return f"{value:.1f}" if abs(value) < 9.95 else f"{value:.0f}"


def kept_fraction_figure(iterations, kept_fraction, running_fraction, band_per_mask, running_band,
                         keep_prob: float, n_entries: int) -> go.Figure:
    """Fraction kept per forward pass (markers) and over all passes so far (line), against keep_prob.

    iterations, kept_fraction, running_fraction: (T,); band_per_mask: (low, high) floats;
    running_band: (low (T,), high (T,)).
    """
    iterations = np.asarray(iterations)
    kept_fraction = np.asarray(kept_fraction, dtype=float)
    last = max(int(iterations[-1]) if iterations.size else 1, 10)  # at least 10 passes wide
    x_band = [0.5, last + 0.5]
    low, high = band_per_mask
    running_low, running_high = (np.asarray(b, dtype=float) for b in running_band)
    traces = [
        {"type": "scatter", "x": [*x_band, *x_band[::-1]], "y": [low, low, high, high], "fill": "toself",
         "fillcolor": PALETTE["sky"], "opacity": 0.25, "line": {"width": 0}, "hoverinfo": "skip",
         "name": f"±2 SE for one mask of {n_entries} entries"},
        {"type": "scatter", "x": np.concatenate([iterations, iterations[::-1]]),
         "y": np.concatenate([running_low, running_high[::-1]]), "fill": "toself",
         "fillcolor": PALETTE["orange"], "opacity": 0.3, "line": {"width": 0}, "hoverinfo": "skip",
         "name": "±2 SE for all masks so far"},
        {"type": "scatter", "x": x_band, "y": [keep_prob, keep_prob], "mode": "lines",
         "name": f"keep_prob = {keep_prob:.2f}", "line": {"color": REFERENCE, "dash": "dash", "width": 2},
         "hoverinfo": "skip"},
        {"type": "scatter", "x": iterations, "y": kept_fraction, "mode": "markers",
         "name": "fraction kept by this mask", "marker": {"color": KEPT, "size": 8},
         "hovertemplate": "pass %{x}<br>fraction kept %{y:.3f}<extra></extra>"},
        {"type": "scatter", "x": iterations, "y": np.asarray(running_fraction, dtype=float), "mode": "lines",
         "name": "fraction kept by all masks so far", "line": {"color": PALETTE["vermillion"], "width": 3},
         "hovertemplate": "passes 1..%{x}<br>fraction kept %{y:.3f}<extra></extra>"},
    ]
    # Zoom on keep_prob and the observed fractions (a full 0..1 axis makes the scatter look flat).
    shown = np.concatenate([np.atleast_1d(kept_fraction), [low, high, keep_prob]])
    y_range = [max(-0.03, float(shown.min()) - 0.1), min(1.03, float(shown.max()) + 0.1)]
    x_axis = {"range": x_band} | ({"dtick": 1} if last <= 12 else {})
    return house_figure(traces, "Fraction of units kept, pass by pass", "forward pass (iteration)", "fraction kept",
                        height=470, xaxis=x_axis, yaxis={"range": y_range},
                        legend={"orientation": "h", "yanchor": "top", "y": -0.24, "xanchor": "left", "x": 0.0},
                        margin={"l": 80, "r": 20, "t": 60, "b": 130})


def network_figure(inputs, hidden_mask, hidden_output, incoming, outgoing, next_input) -> go.Figure:
    """The layer as a network for one example: inputs -> hidden units (dropout) -> next layer.

    inputs (n_in,), hidden_mask (D,) bool, hidden_output (D,), incoming (n_in, D), outgoing (D, n_out),
    next_input (n_out,). Edge width follows |input × weight|; edges out of a dropped unit are exactly 0.
    """
    hidden_mask = np.asarray(hidden_mask, dtype=bool)
    sizes = (len(inputs), hidden_mask.size, len(next_input))
    title = f"Example 0 as a network: {int(hidden_mask.sum())} of {hidden_mask.size} hidden units kept"
    # 16 hidden units in one column: smaller nodes than the shared default, so they do not overlap.
    return network(sizes, title, kept=[None, hidden_mask, None], edge_values=[incoming, outgoing],
                   layer_names=["inputs", "hidden units (dropout)", "next layer"],
                   node_values=[inputs, hidden_output, next_input], edge_title="signal (value × weight)",
                   node_size=17, height=600,
                   legend={"orientation": "h", "yanchor": "top", "y": -0.08, "xanchor": "left", "x": 0.0},
                   margin={"l": 60, "r": 20, "t": 60, "b": 80})
