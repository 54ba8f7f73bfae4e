"""Figures of the lesson "Expected activations": a unit's output over many masks, its mean and variance.

Built as plain dicts on the house layout (ui.figures.masks.house_figure, unvalidated, for speed);
the tests rebuild every figure validated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ui.theme import DROPPED, INVERTED, LEGEND_BELOW, PALETTE, REFERENCE, STANDARD, house_figure

MARGIN_LEGEND_BELOW = {"l": 76, "r": 20, "t": 60, "b": 120}


def variant_colour(inverted: bool) -> str:
    return INVERTED if inverted else STANDARD


def variant_name(inverted: bool) -> str:
    return "inverted" if inverted else "standard"


def _vertical_line(x: float, colour: str, dash: str, width: float) -> dict:
    """A layout shape: a vertical line at data x across the whole plot height."""
    return {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
            "line": {"color": colour, "dash": dash, "width": width}}


def _line(x, y, name: str, colour: str, *, dash: str = "solid", width: float = 2, hover: str | None = None) -> dict:
    trace = {"type": "scatter", "x": x, "y": y, "mode": "lines", "name": name,
             "line": {"color": colour, "dash": dash, "width": width}}
    if hover is None:
        trace["hoverinfo"] = "skip"
    else:
        trace["hovertemplate"] = hover
    return trace


def _band(x, low, high, name: str, colour: str, opacity: float) -> dict:
    x = np.asarray(x)
    return {"type": "scatter", "x": np.concatenate([x, x[::-1]]),
            "y": np.concatenate([np.asarray(low, dtype=float), np.asarray(high, dtype=float)[::-1]]),
            "fill": "toself", "fillcolor": colour, "opacity": opacity, "line": {"width": 0}, "hoverinfo": "skip",
            "name": name}


def outcome_figure(values: Sequence[float], labels: Sequence[str], probabilities: Sequence[float],
                   observed: Sequence[float], expected: float, n_samples: int, inverted: bool) -> go.Figure:
    """The two spikes of a unit's training output: observed frequency (bars) and probability (diamonds).

    values, labels, probabilities, observed: one entry per outcome (1 or 2); expected: E[out],
    drawn as the balance point between the spikes.
    """
    values = np.asarray(values, dtype=float)
    span = float(np.ptp(np.append(values, 0.0))) or max(float(np.max(np.abs(values))), 1.0)
    middle = (values.min() + values.max()) / 2
    # Labels beside the diamonds, pointing inwards, so the E[out] line never crosses them.
    positions = ["middle right" if v <= middle else "middle left" for v in values] if len(values) > 1 \
        else "middle right"
    traces = [
        {"type": "bar", "x": values, "y": np.asarray(observed, dtype=float), "width": span * 0.06,
         "name": f"observed over {n_samples:,} masks", "marker": {"color": variant_colour(inverted)},
         "customdata": list(labels),
         "hovertemplate": "output %{x:.3f} (%{customdata})<br>observed %{y:.3f}<extra></extra>"},
        {"type": "scatter", "x": values, "y": np.asarray(probabilities, dtype=float), "mode": "markers+text",
         "name": "probability",
         "text": [f"{label}: {p:.2f}" for label, p in zip(labels, probabilities, strict=True)],
         "textposition": positions, "marker": {"symbol": "diamond", "size": 13, "color": REFERENCE},
         "hovertemplate": "output %{x:.3f}<br>probability %{y:.3f}<extra></extra>"},
        _line([None], [None], f"E[out] = {expected:.3g}", PALETTE["vermillion"], dash="dash"),
    ]
    x_range = [min(values.min(), 0.0) - 0.15 * span, max(values.max(), 0.0) + 0.15 * span]
    return house_figure(traces, f"Output of the unit over {n_samples:,} masks", "training output of the unit",
                        "fraction of masks", height=420, xaxis={"range": x_range}, yaxis={"range": [0, 1.18]},
                        shapes=[_vertical_line(expected, PALETTE["vermillion"], "dash", 2)],
                        legend=LEGEND_BELOW, margin=MARGIN_LEGEND_BELOW)


def running_mean_figure(counts, means, band_low, band_high, expected: float, test_output: float,
                        x: float, inverted: bool) -> go.Figure:
    """The Monte-Carlo mean after k masks (log k axis) converging to E[out], inside its ±2 SE band.

    counts, means, band_low, band_high: (K,). For standard dropout the unscaled x is drawn too:
    the training mean sits at keep_prob * x, not at x.
    """
    counts = np.asarray(counts)
    ends = [int(counts[0]), int(counts[-1])] if counts.size else [1, 2]
    traces = [
        _band(counts, band_low, band_high, "E[out] ± 2 SE (analytic)", PALETTE["sky"], 0.3),
        _line(counts, np.asarray(means, dtype=float), "mean of the first k masks", variant_colour(inverted), width=3,
              hover="k = %{x}<br>mean %{y:.4f}<extra></extra>"),
    ]
    if test_output == expected:
        traces.append(_line(ends, [expected, expected], f"E[out] = test-time output = {expected:.3g}", REFERENCE,
                            dash="dash"))
    else:  # inverted dropout at keep_prob 0: training outputs only 0, test time passes x on
        traces.append(_line(ends, [expected, expected], f"E[out] = {expected:.3g}", REFERENCE, dash="dash"))
        traces.append(_line(ends, [test_output, test_output], f"test-time output = {test_output:.3g}",
                            PALETTE["green"], dash="dot"))
    if not inverted and x != expected:
        traces.append(_line(ends, [x, x], f"unscaled activation x = {x:.3g}", DROPPED, dash="dot", width=3))
    return house_figure(traces, "Running Monte-Carlo mean", "number of masks averaged, k (log scale)", "mean output",
                        height=420, legend=LEGEND_BELOW, margin=MARGIN_LEGEND_BELOW,
                        xaxis={"type": "log", "tickvals": [1, 10, 100, 1_000, 10_000],
                               "ticktext": ["1", "10", "100", "1,000", "10,000"]})


def variance_figure(curve_keep_probs, curve, point_keep_probs, points, point_errors, keep_prob: float,
                    current_variance: float, current_mc_variance: float, x: float, n_samples: int,
                    inverted: bool) -> go.Figure:
    """Var[out] over keep_prob: the formula (line), Monte-Carlo estimates ± 2 SE (points), the current keep_prob.

    curve_keep_probs, curve: (K,); point_keep_probs, points, point_errors: (M,).
    """
    formula = "x²(1 − q)/q" if inverted else "x² q(1 − q)"
    colour = variant_colour(inverted)
    points = np.asarray(points, dtype=float)
    point_errors = np.asarray(point_errors, dtype=float)
    traces = [
        _line(np.asarray(curve_keep_probs, dtype=float), np.asarray(curve, dtype=float), f"formula {formula}",
              REFERENCE, hover="keep_prob %{x:.2f}<br>variance %{y:.4f}<extra></extra>"),
        {"type": "scatter", "x": np.asarray(point_keep_probs, dtype=float), "y": points, "mode": "markers",
         "name": f"Monte-Carlo, {n_samples:,} masks each (± 2 SE)",
         "error_y": {"type": "data", "array": 2 * point_errors, "visible": True, "color": colour, "width": 3,
                     "thickness": 1.5},
         "marker": {"color": colour, "size": 9},
         "hovertemplate": "keep_prob %{x:.2f}<br>sample variance %{y:.4f}<extra></extra>"},
        {"type": "scatter", "x": [keep_prob], "y": [current_mc_variance], "mode": "markers",
         "name": f"this page's masks at keep_prob {keep_prob:.2f}",
         "marker": {"symbol": "star", "size": 16, "color": PALETTE["vermillion"],
                    "line": {"color": REFERENCE, "width": 1}},
         "hovertemplate": "keep_prob %{x:.2f}<br>sample variance %{y:.4f}<extra></extra>"},
    ]
    finite = np.concatenate([points + 2 * point_errors, [current_mc_variance, current_variance]])
    top = float(np.max(finite)) if finite.size else 0.0
    top = 1.15 * top if top > 0 else 1.0
    return house_figure(traces, f"Variance of the output vs keep_prob (x = {x:.3g})", "keep_prob (q)",
                        "variance of the output", height=420, xaxis={"range": [-0.03, 1.03]},
                        yaxis={"range": [-0.03 * top, top]},
                        shapes=[_vertical_line(keep_prob, PALETTE["vermillion"], "dot", 1)],
                        legend=LEGEND_BELOW, margin=MARGIN_LEGEND_BELOW)


def layer_means_figure(activations, mc_mean, mc_standard_error, test_output, n_samples: int,
                       inverted: bool) -> go.Figure:
    """Per unit of one example: Monte-Carlo training mean (± 2 SE) against the test-time output.

    All arrays (D,). For standard dropout the unscaled activations are drawn too.
    """
    units = np.arange(len(activations))
    colour = variant_colour(inverted)
    traces = []
    if not inverted:
        traces.append({"type": "scatter", "x": units, "y": np.asarray(activations, dtype=float), "mode": "markers",
                       "name": "unscaled activation a",
                       "marker": {"symbol": "circle-open", "size": 12, "color": DROPPED, "line": {"width": 2}},
                       "hovertemplate": "unit %{x}<br>a %{y:.3f}<extra></extra>"})
    traces.append({"type": "scatter", "x": units, "y": np.asarray(test_output, dtype=float), "mode": "markers",
                   "name": "test-time output",
                   "marker": {"symbol": "line-ew", "size": 26, "color": REFERENCE,
                              "line": {"width": 3, "color": REFERENCE}},
                   "hovertemplate": "unit %{x}<br>test-time output %{y:.3f}<extra></extra>"})
    traces.append({"type": "scatter", "x": units, "y": np.asarray(mc_mean, dtype=float), "mode": "markers",
                   "name": f"mean training output over {n_samples:,} masks (± 2 SE)",
                   "error_y": {"type": "data", "array": 2 * np.asarray(mc_standard_error, dtype=float),
                               "visible": True, "color": colour, "width": 3, "thickness": 1.5},
                   "marker": {"color": colour, "size": 9},
                   "hovertemplate": "unit %{x}<br>training mean %{y:.3f}<extra></extra>"})
    return house_figure(traces, f"The whole layer ({variant_name(inverted)} dropout), example 0", "hidden unit",
                        "activation", height=420, xaxis={"dtick": 1}, legend=LEGEND_BELOW,
                        margin=MARGIN_LEGEND_BELOW)
