"""Figures of the lesson "Pitfalls": one or two charts per bug, each from the arrays core/pitfalls.py computed.

Plain-dict traces on the house layout (ui.theme.house_figure), created unvalidated for speed; the tests
rebuild every figure validated. Each builder takes arrays and returns a go.Figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ui.theme import DROPPED, KEPT, LEGEND_BELOW, MASK_SCALE, NO_SCALING, PALETTE, REFERENCE, house_figure

BUG = NO_SCALING  # the buggy code's numbers
FIX = KEPT  # the fixed code's numbers
LEGEND_MARGIN = {"l": 78, "r": 20, "t": 60, "b": 120}  # room for a legend below the x-axis title


def _legend_below(**extra) -> dict:
    return {"legend": dict(LEGEND_BELOW, y=-0.28), "margin": LEGEND_MARGIN, **extra}


# --- 1. dropout left on at test time ---------------------------------------------------------------


def calls_figure(call_proba, eval_proba, image_index: int) -> go.Figure:
    """Bars of the top score of each call with dropout on (call_proba (T, C)), the digit it predicts written on
    it; bars that disagree with dropout off are in the bug's colour. A dashed line: the dropout-off score."""
    call_proba = np.asarray(call_proba, dtype=float)
    eval_proba = np.asarray(eval_proba, dtype=float)
    if call_proba.ndim != 2 or eval_proba.shape != call_proba.shape[1:]:
        raise ValueError(f"call_proba must be (T, C) and eval_proba (C,), got {call_proba.shape}, {eval_proba.shape}")
    predictions = call_proba.argmax(axis=1)
    scores = call_proba.max(axis=1)
    eval_prediction = int(eval_proba.argmax())
    calls = np.arange(1, call_proba.shape[0] + 1)
    same = predictions == eval_prediction
    traces = []
    for name, selected, colour in ((f"says {eval_prediction}, like dropout off", same, FIX),
                                   ("says another digit", ~same, BUG)):
        traces.append({
            "type": "bar", "x": calls[selected], "y": scores[selected], "name": name, "marker": {"color": colour},
            "width": 0.7, "text": [f"{d}" for d in predictions[selected]], "textposition": "outside",
            "textfont": {"size": 15}, "cliponaxis": False,
            "hovertemplate": "call %{x}: predicts %{text} with probability %{y:.2f}<extra></extra>",
        })
    off_score = float(eval_proba[eval_prediction])
    traces.append({"type": "scatter", "x": [0.5, calls[-1] + 0.5], "y": [off_score, off_score], "mode": "lines",
                   "name": f"dropout off: {eval_prediction} ({off_score:.2f}), every call",
                   "line": {"color": REFERENCE, "dash": "dash", "width": 2}, "hoverinfo": "skip"})
    n_distinct = np.unique(predictions).size
    answers = "one answer" if n_distinct == 1 else f"{n_distinct} answers"
    title = f"{calls[-1]} calls on image {image_index}: {answers}"
    return house_figure(traces, title, "call (dropout left on)", "probability of the predicted digit", height=400,
                        xaxis={"dtick": 1, "range": [0.5, calls[-1] + 0.5]}, yaxis={"range": [0, 1.12]},
                        **_legend_below())


def call_errors_figure(errors_on, error_off: float) -> go.Figure:
    """The test error of each dropout-on call (markers) against the one dropout-off error (a line), in percent."""
    errors_on = 100 * np.asarray(errors_on, dtype=float)
    calls = np.arange(1, errors_on.size + 1)
    traces = [
        {"type": "scatter", "x": calls, "y": errors_on, "mode": "markers", "name": "dropout on (model.train())",
         "marker": {"color": BUG, "size": 10}, "hovertemplate": "call %{x}: test error %{y:.2f}%<extra></extra>"},
        {"type": "scatter", "x": [0.5, errors_on.size + 0.5], "y": [100 * error_off] * 2, "mode": "lines",
         "name": f"dropout off (model.eval()): {100 * error_off:.2f}%", "line": {"color": FIX, "width": 3},
         "hoverinfo": "skip"},
    ]
    top = max(float(errors_on.max(initial=0.0)), 100 * error_off)
    return house_figure(traces, "Test error on all 797 test images, call by call", "call", "test error (%)",
                        height=400, xaxis={"dtick": 1, "range": [0.5, errors_on.size + 0.5]},
                        yaxis={"range": [0, top * 1.25 + 0.5]}, **_legend_below())


# --- 2. the wrong mask shape -----------------------------------------------------------------------


def mask_figure(mask, title: str) -> go.Figure:
    """One (N, D) boolean mask as a grid: kept blue, dropped grey; examples down, units across."""
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2-D, got shape {mask.shape}")
    # z as one byte a cell: the live chart sends a mask per keep_prob.
    trace = {"type": "heatmap", "z": mask.astype(np.uint8), "x": np.arange(mask.shape[1]),
             "y": np.arange(mask.shape[0]), "colorscale": MASK_SCALE, "zmin": 0, "zmax": 1, "showscale": False,
             "xgap": 1, "ygap": 1,
             "hovertemplate": "example %{y}, unit %{x}: %{z} (1 = kept)<extra></extra>"}
    return house_figure([trace], title, "unit", "example", height=300, show_legend=False,
                        yaxis={"autorange": "reversed", "dtick": 2}, xaxis={"dtick": 2},
                        margin={"l": 60, "r": 10, "t": 60, "b": 55})


def kept_fractions_figure(per_example: Mapping[str, np.ndarray], per_unit: Mapping[str, np.ndarray],
                          keep_prob: float) -> go.Figure:
    """For each mask shape, the fraction kept in every example and for every unit (a dot each), against keep_prob."""
    labels = list(per_example)
    traces = []
    for i, label in enumerate(labels):
        groups = (("per example", per_example[label], PALETTE["orange"]), ("per unit", per_unit[label], KEPT))
        for offset, (what, values, colour) in zip((-0.22, 0.22), groups, strict=True):
            values = np.asarray(values, dtype=float)
            spread = np.linspace(-0.15, 0.15, values.size) if values.size > 1 else np.zeros(1)
            traces.append({"type": "scatter", "x": i + offset + spread, "y": values, "mode": "markers",
                           "name": f"kept fraction {what}", "legendgroup": what, "showlegend": i == 0,
                           "marker": {"color": colour, "size": 9, "opacity": 0.8},
                           "hovertemplate": f"{label} mask, {what}: %{{y:.2f}}<extra></extra>"})
    right = len(labels) - 0.5
    traces.append({"type": "scatter", "x": [-0.5, right], "y": [keep_prob] * 2, "mode": "lines",
                   "name": f"keep_prob = {keep_prob:.2f}", "line": {"color": REFERENCE, "dash": "dash", "width": 2},
                   "hoverinfo": "skip"})
    return house_figure(traces, "Kept, per example and per unit", "mask shape", "fraction kept", height=430,
                        xaxis={"tickmode": "array", "tickvals": list(range(len(labels))), "ticktext": labels,
                               "tickangle": 0, "range": [-0.5, right]},
                        yaxis={"range": [-0.05, 1.05]}, **_legend_below())


# --- 3. the comparison flipped ---------------------------------------------------------------------


def flipped_bias_figure(grid, ratio, keep_prob: float, measured: float, standard_error: float,
                        y_max: float = 5.0) -> go.Figure:
    """E[buggy output] / E[right output] = (1 − q) / q over keep_prob, the right value 1, and the slider's
    keep_prob with the ratio measured over many masks (±2 standard errors)."""
    grid = np.asarray(grid, dtype=float)
    ratio = np.asarray(ratio, dtype=float)
    traces = [
        {"type": "scatter", "x": grid, "y": np.minimum(ratio, y_max * 1.2), "mode": "lines",
         "name": "buggy: rng.random(shape) > keep_prob", "line": {"color": BUG, "width": 3},
         "hovertemplate": "keep_prob %{x:.2f}<br>buggy ÷ right %{y:.2f}<extra></extra>"},
        {"type": "scatter", "x": [0, 1], "y": [1, 1], "mode": "lines", "name": "right: rng.random(shape) < keep_prob",
         "line": {"color": FIX, "width": 3}, "hoverinfo": "skip"},
    ]
    annotations = []
    if math.isfinite(measured):
        shown = min(measured, y_max)
        traces.append({"type": "scatter", "x": [keep_prob], "y": [shown], "mode": "markers",
                       "name": f"measured at keep_prob {keep_prob:.2f}: {measured:.3f}",
                       "marker": {"color": REFERENCE, "size": 13, "symbol": "diamond"},
                       "error_y": {"type": "constant", "value": 2 * standard_error, "color": REFERENCE},
                       "hovertemplate": "keep_prob %{x:.2f}<br>measured ratio " + f"{measured:.3f}<extra></extra>"})
        if measured > y_max:
            annotations.append({"x": keep_prob, "y": y_max, "text": f"{measured:.1f} (off the chart)",
                                "showarrow": True, "arrowhead": 2, "ax": 60, "ay": 20, "font": {"size": 13}})
    return house_figure(traces, "Flipped comparison: expected output ÷ the right one", "keep_prob",
                        "E[buggy output] ÷ E[right output]", height=430, xaxis={"range": [0, 1.02]},
                        yaxis={"range": [0, y_max]}, annotations=annotations, **_legend_below())


# --- 4. training loss measured with dropout on -----------------------------------------------------


def loss_figure(epochs, train_loss, train_loss_eval, test_loss, keep_prob: float) -> go.Figure:
    """The three loss curves of one run: reported (dropout on), training set with dropout off, test set."""
    epochs = np.asarray(epochs)
    lines = (("training loss as reported (dropout on)", train_loss, BUG, "dash"),
             ("training loss, dropout off", train_loss_eval, FIX, "solid"),
             ("test loss (dropout off)", test_loss, REFERENCE, "solid"))
    traces = [{"type": "scatter", "x": epochs, "y": np.asarray(values, dtype=float), "mode": "lines", "name": name,
               "line": {"color": colour, "width": 3, "dash": dash},
               "hovertemplate": "epoch %{x}<br>" + name + " %{y:.4f}<extra></extra>"}
              for name, values, colour, dash in lines]
    return house_figure(traces, f"One run, three losses (hidden keep_prob {keep_prob:.2f})", "epoch",
                        "cross-entropy (log scale)", height=430, yaxis={"type": "log", "dtick": 1},
                        **_legend_below())


# --- 5. dropout before BatchNorm ------------------------------------------------------------------


def bn_output_figure(centres, densities: Mapping[str, np.ndarray], bug_std: float) -> go.Figure:
    """Densities of BatchNorm's test-time outputs: dropout before BN (bug) and after the last BN (fix).

    bug_std NaN (keep_prob 0: a running variance of 0) leaves the bug's curve out and says why on the chart.
    """
    centres = np.asarray(centres, dtype=float)
    traces, annotations = [], []
    if math.isfinite(bug_std):
        traces.append({"type": "scatter", "x": centres, "y": np.asarray(densities["bug"], dtype=float),
                       "mode": "lines", "name": f"dropout before BN: std {bug_std:.2f}",
                       "line": {"color": BUG, "width": 3, "shape": "hvh"},
                       "hovertemplate": "BN output %{x:.1f}: density %{y:.3f}<extra></extra>"})
    else:
        annotations.append({"text": "dropout before BN: undefined<br>(running variance 0)", "x": 0.02, "y": 0.95,
                            "xref": "paper", "yref": "paper", "xanchor": "left", "showarrow": False,
                            "font": {"size": 13, "color": BUG}})
    traces.append({"type": "scatter", "x": centres, "y": np.asarray(densities["fix"], dtype=float), "mode": "lines",
                   "name": "dropout after BN: std 1.00", "line": {"color": FIX, "width": 3, "shape": "hvh"},
                   "hovertemplate": "BN output %{x:.1f}: density %{y:.3f}<extra></extra>"})
    return house_figure(traces, "BatchNorm's output at test time", "BN output (should have std 1)", "density",
                        height=430, annotations=annotations, **_legend_below())


def train_variance_figure(grid, variance, test_variance: float, keep_prob: float, measured: float,
                          standard_error: float, y_max: float = 12.0) -> go.Figure:
    """The variance BN sees in training, (σ² + μ²)/q − μ², over keep_prob, against σ² at test time; the
    slider's keep_prob with the Monte-Carlo measurement (±2 standard errors)."""
    grid = np.asarray(grid, dtype=float)
    variance = np.asarray(variance, dtype=float)
    traces = [
        {"type": "scatter", "x": grid, "y": np.minimum(variance, y_max * 1.2), "mode": "lines",
         "name": "training: (σ² + μ²) / keep_prob − μ²", "line": {"color": BUG, "width": 3},
         "hovertemplate": "keep_prob %{x:.2f}<br>variance %{y:.2f}<extra></extra>"},
        {"type": "scatter", "x": [0, 1], "y": [test_variance] * 2, "mode": "lines",
         "name": f"test time: σ² = {test_variance:.2f}", "line": {"color": FIX, "width": 3}, "hoverinfo": "skip"},
    ]
    if math.isfinite(measured):
        traces.append({"type": "scatter", "x": [keep_prob], "y": [min(measured, y_max)], "mode": "markers",
                       "name": f"measured at keep_prob {keep_prob:.2f}: {measured:.3f}",
                       "marker": {"color": REFERENCE, "size": 13, "symbol": "diamond"},
                       "error_y": {"type": "constant", "value": 2 * standard_error, "color": REFERENCE},
                       "hoverinfo": "skip"})
    return house_figure(traces, "The variance BatchNorm sees", "keep_prob", "variance of BN's input", height=430,
                        xaxis={"range": [0, 1.02]}, yaxis={"range": [0, y_max]}, **_legend_below())


# --- 6. dropout before or after the activation ----------------------------------------------------


def order_figure(name: str, after, before, mask, max_difference: float) -> go.Figure:
    """One activation function: each unit's output with dropout after it (the usual order) and before it,
    dropped units' bars hatched grey at their base."""
    after = np.asarray(after, dtype=float)
    before = np.asarray(before, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    units = np.arange(after.size)
    traces = [
        {"type": "bar", "x": units, "y": after, "name": f"dropout({name}(z))", "marker": {"color": FIX},
         "hovertemplate": "unit %{x}: %{y:.3f}<extra>dropout after</extra>"},
        {"type": "bar", "x": units, "y": before, "name": f"{name}(dropout(z))", "marker": {"color": BUG},
         "hovertemplate": "unit %{x}: %{y:.3f}<extra>dropout before</extra>"},
    ]
    if (~mask).any():  # mark the dropped units on the axis
        traces.append({"type": "scatter", "x": units[~mask], "y": np.zeros(int((~mask).sum())), "mode": "markers",
                       "name": "dropped unit", "marker": {"color": DROPPED, "size": 11, "symbol": "x",
                                                          "line": {"width": 1, "color": REFERENCE}},
                       "hoverinfo": "skip"})
    verdict = "orders agree" if max_difference == 0 else f"orders differ (≤ {max_difference:.2f})"
    return house_figure(traces, f"{name}: {verdict}", "unit", "output", height=380, barmode="group",
                        **_legend_below())


__all__: Sequence[str] = (
    "bn_output_figure", "call_errors_figure", "calls_figure", "flipped_bias_figure", "kept_fractions_figure",
    "loss_figure", "mask_figure", "order_figure", "train_variance_figure",
)
