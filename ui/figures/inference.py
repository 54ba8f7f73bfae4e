"""Figure builders for the lesson "Inference": Monte-Carlo averaging against weight scaling, the
linear-vs-ReLU gap, and MC-dropout uncertainty on the 2-D set and on digits."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures.training import _add_points, _square_plane
from ui.theme import MC_AVERAGE, PALETTE, REFERENCE, SEQUENTIAL, WITH_DROPOUT, style


def _band_colour(hex_colour: str, alpha: float) -> str:
    red, green, blue = (int(hex_colour[i: i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _log_k_axis(fig: go.Figure, ks) -> None:
    """A log k axis labelled at 1, 2, 5, 10, 20, 50, ... only (no crowded minor labels)."""
    top = float(np.max(ks)) if np.size(ks) else 1.0
    ticks = [m * 10**e for e in range(0, 6) for m in (1, 2, 5) if m * 10**e <= top * 1.0001]
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])


def mc_error_figure(ks: Sequence[int], errors: np.ndarray, weight_scaling_error: float, *,
                    height: int = 420) -> go.Figure:
    """Test error of MC averaging over k masks (mean over repeats, min-max band, each repeat faint) against k,
    with weight scaling as a horizontal line. errors: (repeats, len(ks)) in [0, 1]."""
    ks = np.asarray(ks)
    errors = 100 * np.asarray(errors, dtype=float)
    fig = go.Figure()
    for r, row in enumerate(errors):
        fig.add_trace(go.Scatter(x=ks, y=row, mode="lines", line={"color": _band_colour(MC_AVERAGE, 0.35), "width": 1},
                                 name="one repeat", legendgroup="repeats", showlegend=r == 0,
                                 hovertemplate="k %{x}<br>error %{y:.2f}%<extra>one repeat</extra>"))
    fig.add_trace(go.Scatter(x=np.concatenate([ks, ks[::-1]]),
                             y=np.concatenate([errors.max(axis=0), errors.min(axis=0)[::-1]]),
                             fill="toself", fillcolor=_band_colour(MC_AVERAGE, 0.15), line={"width": 0},
                             hoverinfo="skip", name=f"range over {errors.shape[0]} repeats"))
    fig.add_trace(go.Scatter(x=ks, y=errors.mean(axis=0), mode="lines+markers", name="Monte-Carlo average (mean)",
                             line={"color": MC_AVERAGE, "width": 3}, marker={"size": 7},
                             hovertemplate="k %{x}<br>mean error %{y:.2f}%<extra></extra>"))
    fig.add_trace(go.Scatter(x=[ks.min(), ks.max()], y=[100 * weight_scaling_error] * 2, mode="lines",
                             name=f"weight scaling ({100 * weight_scaling_error:.2f}%)",
                             line={"color": REFERENCE, "width": 2, "dash": "dash"},
                             hovertemplate="weight scaling %{y:.2f}%<extra></extra>"))
    _log_k_axis(fig, ks)
    fig.update_yaxes(rangemode="tozero")
    style(fig, "Test error: averaging k sampled networks vs one weight-scaled pass", "k (masks averaged)",
          "test error (%)", height=height)
    fig.update_layout(legend={"orientation": "v", "yanchor": "top", "y": 1.0, "xanchor": "right", "x": 1.0})
    return fig


def logit_gap_figure(ks: Sequence[int], gap_linear: np.ndarray, gap_relu: np.ndarray, *,
                     height: int = 420) -> go.Figure:
    """Mean |MC average of the logits − weight-scaled logits| against k, log-log, with a 1/sqrt(k) guide."""
    ks = np.asarray(ks, dtype=float)
    gap_linear, gap_relu = np.asarray(gap_linear, dtype=float), np.asarray(gap_relu, dtype=float)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=ks, y=gap_relu, mode="lines+markers", name="with ReLU (as trained)",
                             line={"color": WITH_DROPOUT, "width": 3},
                             hovertemplate="k %{x}<br>gap %{y:.3g}<extra>ReLU</extra>"))
    fig.add_trace(go.Scatter(x=ks, y=gap_linear, mode="lines+markers", name="ReLU removed (linear network)",
                             line={"color": PALETTE["vermillion"], "width": 3},
                             hovertemplate="k %{x}<br>gap %{y:.3g}<extra>linear</extra>"))
    if gap_linear.size and gap_linear[0] > 0:
        fig.add_trace(go.Scatter(x=ks, y=gap_linear[0] / np.sqrt(ks / ks[0]), mode="lines", name="∝ 1/√k",
                                 line={"color": REFERENCE, "width": 1, "dash": "dot"}, hoverinfo="skip"))
    _log_k_axis(fig, ks)
    fig.update_yaxes(type="log", dtick=1)
    style(fig, "How far the average over k masks is from weight scaling", "k (masks averaged)",
          "mean |MC logit − scaled logit|", height=height)
    fig.update_layout(legend={"orientation": "v", "yanchor": "bottom", "y": 0.0, "xanchor": "left", "x": 0.0})
    return fig


def uncertainty_map(grid_x: np.ndarray, grid_y: np.ndarray, values: np.ndarray, X: np.ndarray, y: np.ndarray, *,
                    title: str, colorbar_title: str, zmax: float | None = None, height: int = 470) -> go.Figure:
    """A non-negative map over the plane (entropy or spread), with the training points on top."""
    values = np.asarray(values, dtype=float)
    fig = go.Figure(go.Heatmap(x=grid_x, y=grid_y, z=values, colorscale=SEQUENTIAL, zmin=0,
                               zmax=zmax if zmax is not None else max(float(values.max()), 0.01),  # 0.01: a flat
                               # map (keep_prob 0 or 1) gets a readable colour bar, not one in pico-units
                               colorbar={"title": {"text": colorbar_title, "side": "right"}, "len": 0.8},
                               hovertemplate="(%{x:.2f}, %{y:.2f})<br>" + colorbar_title + " %{z:.3f}<extra></extra>"))
    _add_points(fig, X, y)
    style(fig, title, "x₁", "x₂", height=height)
    _square_plane(fig, grid_x, grid_y, right=116, bottom=90)
    return fig


def ambiguous_digits_figure(images: np.ndarray, true_labels: Sequence[int], mean_proba: np.ndarray,
                            spread: np.ndarray, *, height: int = 430) -> go.Figure:
    """Each ambiguous digit above a bar chart of its MC-averaged class probabilities (error bars: spread
    over the sampled masks). images: (K, 64); mean_proba, spread: (K, 10)."""
    images = np.asarray(images, dtype=float).reshape(-1, 8, 8)
    count = images.shape[0]
    if count == 0:
        return style(go.Figure(), "No test images", None, None, height=200, legend=False)
    titles = [f"true {int(t)}, MC says {int(np.argmax(p))}" for t, p in zip(true_labels, mean_proba, strict=True)]
    fig = make_subplots(rows=2, cols=count, row_heights=[0.45, 0.55], vertical_spacing=0.12,
                        horizontal_spacing=0.03, subplot_titles=titles + [""] * count)
    classes = np.arange(mean_proba.shape[1])
    for k in range(count):
        fig.add_trace(go.Heatmap(z=images[k], zmin=0, zmax=1, colorscale="Greys", showscale=False,
                                 hovertemplate="pixel (%{y}, %{x}) = %{z:.2f}<extra></extra>"), row=1, col=k + 1)
        fig.add_trace(go.Bar(x=classes, y=mean_proba[k], marker_color=WITH_DROPOUT, name="MC mean probability",
                             showlegend=False, error_y={"type": "data", "array": spread[k], "visible": True,
                                                         "color": REFERENCE, "thickness": 1.2},
                             hovertemplate="class %{x}<br>p %{y:.2f}<extra></extra>"), row=2, col=k + 1)
    for k in range(1, count + 1):
        suffix = "" if k == 1 else str(k)
        fig.layout[f"yaxis{suffix}"].update(visible=False, autorange="reversed", scaleanchor=f"x{suffix}")
        fig.layout[f"xaxis{suffix}"].update(visible=False)
        bar_suffix = str(count + k)
        fig.layout[f"xaxis{bar_suffix}"].update(tickvals=list(classes), tickfont={"size": 10})
        fig.layout[f"yaxis{bar_suffix}"].update(range=[0, 1.05], showticklabels=k == 1)
    style(fig, "The most uncertain test digits: MC-averaged probabilities ± spread over masks", None, None,
          height=height)
    fig.update_annotations(font={"size": 13})
    fig.layout[f"yaxis{count + 1}"].update(title_text="probability")
    return fig


def entropy_histogram(entropy: np.ndarray, wrong: np.ndarray, *, height: int = 360) -> go.Figure:
    """Predictive entropy of every test image, split by whether the MC prediction was right."""
    entropy, wrong = np.asarray(entropy, dtype=float), np.asarray(wrong, dtype=bool)
    fig = go.Figure()
    top = max(float(entropy.max()), 1e-6) if entropy.size else 1.0
    for chosen, name, colour in ((~wrong, "correct", WITH_DROPOUT), (wrong, "misclassified", PALETTE["vermillion"])):
        fig.add_trace(go.Histogram(x=entropy[chosen], name=f"{name} ({int(chosen.sum())})", marker_color=colour,
                                   opacity=0.7, histnorm="percent", xbins={"start": 0, "end": top * 1.0001,
                                                                           "size": top / 25},
                                   hovertemplate="entropy %{x}<br>%{y:.1f}% of the group<extra></extra>"))
    fig.update_layout(barmode="overlay")
    return style(fig, "Uncertainty of right and wrong predictions", "predictive entropy (nats)",
                 "share of the group (%)", height=height)
