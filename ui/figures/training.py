"""Figure builders for the lesson "Training lab": learning curves, the keep_prob sweep, activation
sparsity, misclassified digits and decision boundaries. Plain functions: arrays and DataFrames in,
go.Figure out."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from ui.theme import DIVERGING, PALETTE, REFERENCE, WITH_DROPOUT, WITHOUT_DROPOUT, house_figure, style

TRAIN_DASH = "dot"  # training-set curves are dotted, test-set curves solid
EVAL_DASH = "dashdot"  # the dropout run's training loss measured with dropout off


def _model_label(keep_prob: float, keep_prob_input: float) -> str:
    if keep_prob_input < 1.0:
        return f"dropout {keep_prob:.2f}, input {keep_prob_input:.2f}"
    return f"dropout {keep_prob:.2f}"


def _line(x, y, name: str, colour: str, width: int, hovertemplate: str, dash: str | None = None) -> dict:
    """One curve as a plain-dict Plotly trace (ui.theme.house_figure: built without Plotly's validation)."""
    line = {"color": colour, "width": width} | ({"dash": dash} if dash else {})
    return {"type": "scatter", "x": np.asarray(x), "y": np.asarray(y), "mode": "lines", "name": name, "line": line,
            "hovertemplate": hovertemplate}


def _epoch_axis(epochs: int | None, **axis) -> dict:
    """The epoch axis: fixed to the planned epochs when given, so that it does not jump while the curves grow."""
    return axis | ({"range": [0.5, epochs + 0.5]} if epochs is not None else {})


# The curves' names under the plot, two per row, where they cover no data (and the margin they need). A name
# must fit half the chart's width: the dropout run's training curves are named by their colour and "dropout
# on/off" (the run's keep_prob is in its test curve's name).
LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.2, "xanchor": "left", "x": 0.0, "entrywidth": 0.5,
                "entrywidthmode": "fraction"}
MARGIN_LEGEND_BELOW = {"l": 78, "r": 20, "t": 60, "b": 120}


def error_curves(with_dropout: pd.DataFrame, without_dropout: pd.DataFrame, *, keep_prob: float,
                 keep_prob_input: float = 1.0, epochs: int | None = None, height: int = 460) -> go.Figure:
    """Train (dotted) and test (solid) error per epoch, with and without dropout, on the same axes (percent).
    Both are measured after the epoch with dropout off (the network as it is used), which the names say.

    epochs: the planned number of epochs, so the x axis does not jump while the curves grow.
    Speed: plain-dict traces on the house layout (a live chart builds it at 21 keep_prob values);
    tests/test_training_figures.py rebuilds it validated.
    """
    traces = []
    for history, name, colour in ((without_dropout, "no dropout", WITHOUT_DROPOUT),
                                  (with_dropout, _model_label(keep_prob, keep_prob_input), WITH_DROPOUT)):
        traces.append(_line(history["epoch"], 100 * history["test_error"], f"test, {name}", colour, 3,
                            "epoch %{x}<br>test error %{y:.2f}%<extra></extra>"))
        traces.append(_line(history["epoch"], 100 * history["train_error"],
                            "train, dropout off" if name != "no dropout" else f"train, {name}", colour, 2,
                            "epoch %{x}<br>train error %{y:.2f}% (dropout off)<extra></extra>", dash=TRAIN_DASH))
    return house_figure(traces, "Error: train (dotted) and test (solid)", "epoch", "error (%), dropout off",
                        height=height, xaxis=_epoch_axis(epochs), yaxis={"rangemode": "tozero"}, legend=LEGEND_BELOW,
                        margin=MARGIN_LEGEND_BELOW)


def loss_curves(with_dropout: pd.DataFrame, without_dropout: pd.DataFrame, *, keep_prob: float,
                keep_prob_input: float = 1.0, epochs: int | None = None, height: int = 460) -> go.Figure:
    """Test loss (solid, dropout off), the training objective (dotted: the epoch's minibatches with dropout ON,
    as trained) and, for the dropout run, its training loss measured with dropout off (dash-dot), log scale.

    The last trace needs the history column train_loss_eval; it is left out when the history has none, and when
    nothing is dropped (keep_prob = keep_prob_input = 1: it would repeat the training curve). Plain-dict traces on
    the house layout, as error_curves."""
    traces = []
    dropout_label = _model_label(keep_prob, keep_prob_input)
    for history, name, colour in ((without_dropout, "no dropout", WITHOUT_DROPOUT),
                                  (with_dropout, dropout_label, WITH_DROPOUT)):
        traces.append(_line(history["epoch"], history["test_loss"], f"test, {name}", colour, 3,
                            "epoch %{x}<br>test loss %{y:.3f}<extra></extra>"))
        traces.append(_line(history["epoch"], history["train_loss"],
                            "train, dropout on" if name != "no dropout" else f"train, {name}", colour, 2,
                            "epoch %{x}<br>training objective %{y:.3f} (as trained)<extra></extra>", dash=TRAIN_DASH))
    if "train_loss_eval" in with_dropout and (keep_prob < 1.0 or keep_prob_input < 1.0):  # else: the same curve
        traces.append(_line(with_dropout["epoch"], with_dropout["train_loss_eval"],
                            "train, dropout off", WITH_DROPOUT, 2,
                            "epoch %{x}<br>training loss, dropout off %{y:.3f}<extra></extra>", dash=EVAL_DASH))
    return house_figure(traces, "Cross-entropy loss (log scale)", "epoch", "loss (dotted: as trained, dropout on)",
                        height=height, xaxis=_epoch_axis(epochs),
                        yaxis={"type": "log", "dtick": 1},  # ticks at powers of ten only
                        legend=LEGEND_BELOW, margin=MARGIN_LEGEND_BELOW)


def gap_curves(with_dropout: pd.DataFrame, without_dropout: pd.DataFrame, *, keep_prob: float,
               keep_prob_input: float = 1.0, epochs: int | None = None, height: int = 400) -> go.Figure:
    """The generalisation gap, test error minus train error (percentage points), per epoch. Plain-dict traces on
    the house layout, as error_curves."""
    traces = []
    for history, name, colour in ((without_dropout, "no dropout", WITHOUT_DROPOUT),
                                  (with_dropout, _model_label(keep_prob, keep_prob_input), WITH_DROPOUT)):
        gap = 100 * (history["test_error"] - history["train_error"])
        traces.append(_line(history["epoch"], gap, name, colour, 3, "epoch %{x}<br>gap %{y:.2f} points<extra></extra>"))
    zero = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": 0, "y1": 0,
            "line": {"color": REFERENCE, "width": 1}}
    return house_figure(traces, "Generalisation gap: test error − train error", "epoch", "gap (percentage points)",
                        height=height, xaxis=_epoch_axis(epochs), shapes=[zero])


def sweep_figure(sweep: pd.DataFrame, *, height: int = 400) -> go.Figure:
    """Test error against keep_prob for the two ways of sizing the network (Srivastava et al. 2014, fig. 9).

    sweep: columns keep_prob, design ("fixed n" / "fixed keep_prob × n"), width, test_error, train_error.
    """
    fig = go.Figure()
    colours = {"fixed n": WITH_DROPOUT, "fixed keep_prob × n": PALETTE["green"]}
    for design, rows in sweep.groupby("design", sort=False):
        rows = rows.sort_values("keep_prob")
        colour = colours.get(design, REFERENCE)
        fig.add_trace(go.Scatter(
            x=rows["keep_prob"], y=100 * rows["test_error"], mode="lines+markers", name=f"test, {design}",
            line={"color": colour, "width": 3}, marker={"size": 9}, customdata=rows["width"],
            hovertemplate="keep_prob %{x:.2f}<br>width %{customdata} units<br>test error %{y:.2f}%<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=rows["keep_prob"], y=100 * rows["train_error"], mode="lines+markers", name=f"train, {design}",
            line={"color": colour, "width": 2, "dash": TRAIN_DASH}, marker={"size": 6}, customdata=rows["width"],
            hovertemplate="keep_prob %{x:.2f}<br>width %{customdata} units<br>train error %{y:.2f}%<extra></extra>"))
    fig.update_xaxes(range=[0.15, 1.05], dtick=0.1)
    fig.update_yaxes(rangemode="tozero")
    style(fig, "Error against keep_prob (hidden layers)", "keep_prob", "error (%)", height=height)
    fig.update_layout(legend={"orientation": "v", "yanchor": "top", "y": 1.0, "xanchor": "right", "x": 1.0})
    return fig


def sparsity_figure(zero_fraction: dict[str, Sequence[float]], *, height: int = 360) -> go.Figure:
    """Average share of hidden units at exactly 0 for a test image, per layer, for each model.

    zero_fraction: {model name: one number per hidden layer (0-1)}.
    """
    fig = go.Figure()
    colours = [WITHOUT_DROPOUT, WITH_DROPOUT]
    for i, (name, fractions) in enumerate(zero_fraction.items()):
        fractions = np.asarray(fractions, dtype=float)
        layers = [f"hidden layer {j + 1}" for j in range(fractions.size)]
        fig.add_trace(go.Bar(x=layers, y=100 * fractions, name=name, marker_color=colours[i % 2],
                             text=[f"{100 * f:.0f}%" for f in fractions], textposition="outside",
                             hovertemplate="%{x}<br>%{y:.1f}% of units at 0<extra></extra>"))
    fig.update_yaxes(range=[0, 105])
    fig.update_layout(barmode="group")
    return style(fig, "Share of hidden units that are off (ReLU output 0)", "layer", "units at 0 (%)", height=height)


def unit_activity_figure(mean_activation: dict[str, np.ndarray], *, height: int = 360) -> go.Figure:
    """Histogram over hidden units of each unit's mean activation on the test set, one colour per model."""
    fig = go.Figure()
    colours = [WITHOUT_DROPOUT, WITH_DROPOUT]
    arrays = [np.asarray(v, dtype=float).ravel() for v in mean_activation.values()]
    top = max((float(a.max()) for a in arrays if a.size), default=1.0) or 1.0
    for i, (name, values) in enumerate(zip(mean_activation, arrays, strict=True)):
        fig.add_trace(go.Histogram(x=values, name=name, marker_color=colours[i % 2], opacity=0.6,
                                   xbins={"start": 0.0, "end": top * 1.0001, "size": top / 30},
                                   hovertemplate="mean activation %{x}<br>%{y} units<extra></extra>"))
    fig.update_layout(barmode="overlay")
    return style(fig, "Mean activation of each unit (last hidden layer)", "mean activation over test images",
                 "number of units", height=height)


_CELL_TITLE = "\u2063{}\u2063"  # stands for subplot k's title in the cached grid figure


@lru_cache(maxsize=32)
def _grid_figure_json(count: int, columns: int, height: int) -> str:
    """The grid of `count` blank images, built the validated (slow) way once per shape, as JSON: its subplot
    domains, axes, annotations and heatmap traces, with placeholder titles (see digit_grid)."""
    rows = -(-count // columns)
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[_CELL_TITLE.format(k) for k in range(count)],
                        horizontal_spacing=0.02, vertical_spacing=0.12 / max(rows, 1) + 0.04)
    for k in range(count):
        fig.add_trace(go.Heatmap(z=np.zeros((8, 8)), zmin=0, zmax=1, colorscale="Greys", showscale=False,
                                 hovertemplate="pixel (%{y}, %{x}) = %{z:.2f}<extra></extra>"),
                      row=k // columns + 1, col=k % columns + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    for i in range(1, count + 1):  # every image square: subplot i's y axis is tied to its own x axis
        suffix = "" if i == 1 else str(i)
        fig.layout[f"yaxis{suffix}"].update(scaleanchor=f"x{suffix}", scaleratio=1)
    style(fig, _CELL_TITLE.format("title"), None, None, height=height, legend=False)
    fig.update_annotations(font={"size": 14})
    return pio.to_json(fig, validate=False)


def digit_grid(images: np.ndarray, true_labels: Sequence[int], predicted: Sequence[int], *, title: str,
               columns: int = 8, height: int | None = None) -> go.Figure:
    """Digits as 8x8 grey images in a grid, each titled "true → predicted". images: (K, 64) or (K, 8, 8) in [0, 1].

    Speed: the grid is built validated once per shape (make_subplots and 2 axes per image cost ~70 ms); each call
    fills in its images and titles without Plotly's validation (a live chart builds this figure 21 times).
    tests/test_training_figures.py rebuilds it validated.
    """
    images = np.asarray(images, dtype=float).reshape(-1, 8, 8)
    count = images.shape[0]
    if count == 0:
        fig = go.Figure()
        fig.add_annotation(text="No misclassified test images", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper", font={"size": 16})
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return style(fig, title, None, None, height=height or 200, legend=False)
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    titles = [f"{int(t)} → {int(p)}" for t, p in zip(true_labels, predicted, strict=True)]
    spec = json.loads(_grid_figure_json(count, columns, height or 60 + 150 * rows))
    for trace, image in zip(spec["data"], images, strict=True):
        trace["z"] = image
    for annotation, text in zip(spec["layout"]["annotations"], titles, strict=True):
        annotation["text"] = text
    spec["layout"]["title"]["text"] = f"<b>{title}</b>"
    return go.Figure(data=spec["data"], layout=spec["layout"], _validate=False)


def decision_boundary(grid_x: np.ndarray, grid_y: np.ndarray, proba: np.ndarray, X: np.ndarray, y: np.ndarray, *,
                      title: str, height: int = 470) -> go.Figure:
    """p(class 1) over the plane as a diverging heatmap, the 0.5 contour as the boundary, and the points.

    grid_x: (G,), grid_y: (G,), proba: (G, G) with rows along grid_y; X: (N, 2), y: (N,) in {0, 1}.
    The map is sent as float32 (7 digits, far more than the 2 its hover shows): half the bytes, so that a live
    chart's 21 maps stay within ui.live's bound.
    """
    proba = np.asarray(proba, dtype=np.float32)
    fig = go.Figure()
    fig.add_trace(go.Heatmap(x=grid_x, y=grid_y, z=proba, zmin=0, zmax=1, colorscale=DIVERGING, opacity=0.75,
                             colorbar={"title": {"text": "p(class 1)"}, "len": 0.8},
                             hovertemplate="(%{x:.2f}, %{y:.2f})<br>p(class 1) %{z:.2f}<extra></extra>"))
    fig.add_trace(go.Contour(x=grid_x, y=grid_y, z=proba, contours={"start": 0.5, "end": 0.5, "coloring": "none"},
                             line={"color": REFERENCE, "width": 3}, showscale=False, name="boundary (p = 0.5)",
                             showlegend=True, hoverinfo="skip"))
    _add_points(fig, X, y)
    style(fig, title, "x₁", "x₂", height=height)
    _square_plane(fig, grid_x, grid_y)
    return fig


def _add_points(fig: go.Figure, X: np.ndarray, y: np.ndarray) -> None:
    X, y = np.asarray(X), np.asarray(y)
    for label, colour, symbol in ((0, DIVERGING[0][1], "circle"), (1, DIVERGING[-1][1], "diamond")):
        chosen = y == label
        fig.add_trace(go.Scatter(x=X[chosen, 0], y=X[chosen, 1], mode="markers", name=f"class {label}",
                                 marker={"color": colour, "symbol": symbol, "size": 7,
                                         "line": {"color": "white", "width": 1}},
                                 hovertemplate=f"class {label}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>"))


def _square_plane(fig: go.Figure, grid_x: np.ndarray, grid_y: np.ndarray, *, right: int = 110,
                  bottom: int = 120) -> None:
    """Equal units on both axes, the plot shrunk to the data (not the ranges stretched), legend below.

    right, bottom: the margins for the colour bar and the legend (margins that fit: see ui.theme).
    """
    fig.update_xaxes(range=[float(grid_x[0]), float(grid_x[-1])], showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(range=[float(grid_y[0]), float(grid_y[-1])], showgrid=False, zeroline=False,
                     scaleanchor="x", scaleratio=1, constrain="domain")
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0.0},
                      margin={"l": 78, "r": right, "t": 50, "b": bottom})
