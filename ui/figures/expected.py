"""Figures of the lesson "Expected activations": a unit's output over many masks, its mean and variance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ui.theme import DROPPED, INVERTED, PALETTE, REFERENCE, STANDARD, style


def variant_colour(inverted: bool) -> str:
    return INVERTED if inverted else STANDARD


def variant_name(inverted: bool) -> str:
    return "inverted" if inverted else "standard"


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
    positions = ["middle right" if v <= middle else "middle left" for v in values]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=values, y=observed, width=span * 0.06, name=f"observed over {n_samples:,} masks",
                         marker={"color": variant_colour(inverted)},
                         customdata=list(labels),
                         hovertemplate="output %{x:.3f} (%{customdata})<br>observed %{y:.3f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=values, y=probabilities, mode="markers+text", name="probability",
                             text=[f"{label}: {p:.2f}" for label, p in zip(labels, probabilities, strict=True)],
                             textposition=positions if len(values) > 1 else "middle right",
                             marker={"symbol": "diamond", "size": 13, "color": REFERENCE},
                             hovertemplate="output %{x:.3f}<br>probability %{y:.3f}<extra></extra>"))
    fig.add_vline(x=expected, line={"color": PALETTE["vermillion"], "dash": "dash", "width": 2})
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"E[out] = {expected:.3g}",
                             line={"color": PALETTE["vermillion"], "dash": "dash", "width": 2}))
    fig.update_xaxes(range=[min(values.min(), 0.0) - 0.15 * span, max(values.max(), 0.0) + 0.15 * span])
    fig.update_yaxes(range=[0, 1.18])
    fig = style(fig, f"Output of the unit over {n_samples:,} masks", "training output of the unit",
                "fraction of masks", height=420)
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0.0},
                      margin={"b": 120})
    return fig


def running_mean_figure(counts, means, band_low, band_high, expected: float, test_output: float,
                        x: float, inverted: bool) -> go.Figure:
    """The Monte-Carlo mean after k masks (log k axis) converging to E[out], inside its ±2 SE band.

    counts, means, band_low, band_high: (K,). For standard dropout the unscaled x is drawn too:
    the training mean sits at keep_prob * x, not at x.
    """
    counts = np.asarray(counts)
    colour = variant_colour(inverted)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=np.concatenate([counts, counts[::-1]]),
                             y=np.concatenate([np.asarray(band_low), np.asarray(band_high)[::-1]]),
                             fill="toself", fillcolor=PALETTE["sky"], opacity=0.3, line={"width": 0},
                             hoverinfo="skip", name="E[out] ± 2 SE (analytic)"))
    fig.add_trace(go.Scatter(x=counts, y=means, mode="lines", name="mean of the first k masks",
                             line={"color": colour, "width": 3},
                             hovertemplate="k = %{x}<br>mean %{y:.4f}<extra></extra>"))
    ends = [counts[0], counts[-1]] if counts.size else [1, 2]
    if test_output == expected:
        fig.add_trace(go.Scatter(x=ends, y=[expected, expected], mode="lines", hoverinfo="skip",
                                 name=f"E[out] = test-time output = {expected:.3g}",
                                 line={"color": REFERENCE, "dash": "dash", "width": 2}))
    else:  # inverted dropout at keep_prob 0: training outputs only 0, test time passes x on
        fig.add_trace(go.Scatter(x=ends, y=[expected, expected], mode="lines", hoverinfo="skip",
                                 name=f"E[out] = {expected:.3g}", line={"color": REFERENCE, "dash": "dash"}))
        fig.add_trace(go.Scatter(x=ends, y=[test_output, test_output], mode="lines", hoverinfo="skip",
                                 name=f"test-time output = {test_output:.3g}",
                                 line={"color": PALETTE["green"], "dash": "dot"}))
    if not inverted and x != expected:
        fig.add_trace(go.Scatter(x=ends, y=[x, x], mode="lines", hoverinfo="skip",
                                 name=f"unscaled activation x = {x:.3g}",
                                 line={"color": DROPPED, "dash": "dot", "width": 3}))
    fig.update_xaxes(type="log", tickvals=[1, 10, 100, 1_000, 10_000], ticktext=["1", "10", "100", "1,000", "10,000"])
    fig = style(fig, "Running Monte-Carlo mean", "number of masks averaged, k (log scale)", "mean output",
                height=420)
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0.0},
                      margin={"b": 120})
    return fig


def variance_figure(curve_keep_probs, curve, point_keep_probs, points, point_errors, keep_prob: float,
                    current_variance: float, current_mc_variance: float, x: float, n_samples: int,
                    inverted: bool) -> go.Figure:
    """Var[out] over keep_prob: the formula (line), Monte-Carlo estimates ± 2 SE (points), the current keep_prob.

    curve_keep_probs, curve: (K,); point_keep_probs, points, point_errors: (M,).
    """
    formula = "x²(1 − q)/q" if inverted else "x² q(1 − q)"
    colour = variant_colour(inverted)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=curve_keep_probs, y=curve, mode="lines", name=f"formula {formula}",
                             line={"color": REFERENCE, "width": 2},
                             hovertemplate="keep_prob %{x:.2f}<br>variance %{y:.4f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=point_keep_probs, y=points, mode="markers",
                             name=f"Monte-Carlo, {n_samples:,} masks each (± 2 SE)",
                             error_y={"type": "data", "array": 2 * np.asarray(point_errors), "visible": True,
                                      "color": colour, "width": 3, "thickness": 1.5},
                             marker={"color": colour, "size": 9},
                             hovertemplate="keep_prob %{x:.2f}<br>sample variance %{y:.4f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[keep_prob], y=[current_mc_variance], mode="markers",
                             name=f"this page's masks at keep_prob {keep_prob:.2f}",
                             marker={"symbol": "star", "size": 16, "color": PALETTE["vermillion"],
                                     "line": {"color": REFERENCE, "width": 1}},
                             hovertemplate="keep_prob %{x:.2f}<br>sample variance %{y:.4f}<extra></extra>"))
    fig.add_vline(x=keep_prob, line={"color": PALETTE["vermillion"], "dash": "dot", "width": 1})
    finite = np.concatenate([np.asarray(points) + 2 * np.asarray(point_errors),
                             [current_mc_variance, current_variance]])
    top = float(np.max(finite)) if finite.size else 0.0
    top = 1.15 * top if top > 0 else 1.0
    fig.update_yaxes(range=[-0.03 * top, top])
    fig.update_xaxes(range=[-0.03, 1.03])
    fig = style(fig, f"Variance of the output vs keep_prob (x = {x:.3g})", "keep_prob (q)", "variance of the output",
                height=420)
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0.0},
                      margin={"b": 120})
    return fig


def layer_means_figure(activations, mc_mean, mc_standard_error, test_output, n_samples: int,
                       inverted: bool) -> go.Figure:
    """Per unit of one example: Monte-Carlo training mean (± 2 SE) against the test-time output.

    All arrays (D,). For standard dropout the unscaled activations are drawn too.
    """
    units = np.arange(len(activations))
    colour = variant_colour(inverted)
    fig = go.Figure()
    if not inverted:
        fig.add_trace(go.Scatter(x=units, y=activations, mode="markers", name="unscaled activation a",
                                 marker={"symbol": "circle-open", "size": 12, "color": DROPPED,
                                         "line": {"width": 2}},
                                 hovertemplate="unit %{x}<br>a %{y:.3f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=units, y=test_output, mode="markers", name="test-time output",
                             marker={"symbol": "line-ew", "size": 26, "color": REFERENCE,
                                     "line": {"width": 3, "color": REFERENCE}},
                             hovertemplate="unit %{x}<br>test-time output %{y:.3f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=units, y=mc_mean, mode="markers",
                             name=f"mean training output over {n_samples:,} masks (± 2 SE)",
                             error_y={"type": "data", "array": 2 * np.asarray(mc_standard_error), "visible": True,
                                      "color": colour, "width": 3, "thickness": 1.5},
                             marker={"color": colour, "size": 9},
                             hovertemplate="unit %{x}<br>training mean %{y:.3f}<extra></extra>"))
    fig.update_xaxes(dtick=1)
    fig = style(fig, f"The whole layer ({variant_name(inverted)} dropout), example 0", "hidden unit",
                "activation", height=420)
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0.0},
                      margin={"b": 120})
    return fig
