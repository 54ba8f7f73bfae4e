"""Figure builders shared by several lessons: a labelled heatmap and a layered network diagram."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ui.theme import DIVERGING, DROPPED, KEPT, MASK_SCALE, PALETTE, style


def heatmap(values, title: str, x_title: str, y_title: str, *, colorbar_title: str = "value",
            signed: bool = True, text_format: str | None = ".2f", height: int = 320,
            zmax: float | None = None) -> go.Figure:
    """A heatmap of a 2-D array (rows = y, columns = x), symmetric around 0 when `signed`.

    text_format: how each cell's number is written on it (None: no numbers, for large arrays).
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-D, got shape {values.shape}")
    limit = zmax if zmax is not None else float(np.max(np.abs(values))) if values.size else 1.0
    limit = limit if limit > 0 else 1.0
    trace = go.Heatmap(
        z=values,
        x=np.arange(values.shape[1]),
        y=np.arange(values.shape[0]),
        colorscale=DIVERGING if signed else "Cividis",
        zmin=-limit if signed else 0.0,
        zmax=limit,
        colorbar={"title": {"text": colorbar_title}},
        texttemplate=f"%{{z:{text_format}}}" if text_format else None,
        hovertemplate=f"{x_title} %{{x}}<br>{y_title} %{{y}}<br>{colorbar_title} %{{z:.3f}}<extra></extra>",
    )
    fig = go.Figure(trace)
    fig.update_yaxes(autorange="reversed")
    return style(fig, title, x_title, y_title, height=height, legend=False)


def mask_heatmap(mask, title: str, x_title: str, y_title: str, *, height: int = 320) -> go.Figure:
    """A boolean mask as a two-colour grid: kept (blue) and dropped (grey), with a legend-like colourbar."""
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2-D, got shape {mask.shape}")
    trace = go.Heatmap(
        z=mask.astype(int),
        x=np.arange(mask.shape[1]),
        y=np.arange(mask.shape[0]),
        colorscale=MASK_SCALE,
        zmin=0,
        zmax=1,
        xgap=1,
        ygap=1,
        colorbar={"tickvals": [0.25, 0.75], "ticktext": ["dropped", "kept"], "title": {"text": "mask"}},
        hovertemplate=f"{x_title} %{{x}}<br>{y_title} %{{y}}<br>mask %{{z}}<extra></extra>",
    )
    fig = go.Figure(trace)
    fig.update_yaxes(autorange="reversed")
    return style(fig, title, x_title, y_title, height=height, legend=False)


def network(layer_sizes: Sequence[int], title: str, *, kept: Sequence[np.ndarray | None] | None = None,
            edge_values: Sequence[np.ndarray] | None = None, layer_names: Sequence[str] | None = None,
            node_values: Sequence[np.ndarray | None] | None = None, edge_title: str = "weight",
            height: int = 380) -> go.Figure:
    """A layered network: one column of nodes per layer, dropped nodes grey and hollow.

    layer_sizes: units per layer, e.g. (4, 6, 3).
    kept: per layer, a boolean array (True = kept) or None (all kept).
    edge_values: per pair of layers, an array (n_in, n_out); an edge's width grows with |value|,
        an edge whose value is exactly 0 is drawn as a thin dotted grey line.
    node_values: per layer, numbers written in the hover text (e.g. activations).
    """
    n_layers = len(layer_sizes)
    kept = list(kept) if kept is not None else [None] * n_layers
    layer_names = list(layer_names) if layer_names is not None else [f"layer {i}" for i in range(n_layers)]
    tallest = max(layer_sizes)
    positions = [
        (np.full(size, float(i)), (np.arange(size) - (size - 1) / 2.0)[::-1] * (tallest / max(tallest, 1)))
        for i, size in enumerate(layer_sizes)
    ]
    fig = go.Figure()
    if edge_values is not None:
        largest = max((float(np.max(np.abs(e))) for e in edge_values if np.size(e)), default=0.0) or 1.0
        for i, values in enumerate(edge_values):
            values = np.asarray(values, dtype=float)
            (x0, y0), (x1, y1) = positions[i], positions[i + 1]
            live_x, live_y, zero_x, zero_y, widths = [], [], [], [], []
            for a in range(layer_sizes[i]):
                for b in range(layer_sizes[i + 1]):
                    if values[a, b] == 0.0:
                        zero_x += [x0[a], x1[b], None]
                        zero_y += [y0[a], y1[b], None]
                    else:
                        live_x += [x0[a], x1[b], None]
                        live_y += [y0[a], y1[b], None]
                        widths.append(abs(values[a, b]) / largest)
            # Plotly draws one width per trace: bucket the live edges into a few widths.
            if live_x:
                _add_edges_by_width(fig, live_x, live_y, widths, name=f"non-zero {edge_title}", show=(i == 0))
            if zero_x:
                fig.add_trace(go.Scatter(x=zero_x, y=zero_y, mode="lines", hoverinfo="skip",
                                         line={"color": DROPPED, "width": 1, "dash": "dot"},
                                         name=f"{edge_title} exactly 0", legendgroup="zero",
                                         showlegend=not any(t.legendgroup == "zero" for t in fig.data)))
    for i, (x, y) in enumerate(positions):
        is_kept = np.ones(layer_sizes[i], dtype=bool) if kept[i] is None else np.asarray(kept[i], dtype=bool)
        values = None if node_values is None or node_values[i] is None else np.asarray(node_values[i], dtype=float)
        hover = [
            f"{layer_names[i]}, unit {u}: {'kept' if is_kept[u] else 'dropped'}"
            + (f"<br>value {values[u]:.3f}" if values is not None else "")
            for u in range(layer_sizes[i])
        ]
        fig.add_trace(go.Scatter(
            x=x, y=y, mode="markers", hovertext=hover, hoverinfo="text", showlegend=False,
            marker={"size": 26, "color": [KEPT if k else "white" for k in is_kept],
                    "line": {"color": [KEPT if k else DROPPED for k in is_kept], "width": 3}},
        ))
    # Legend entries for the node states.
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="kept unit",
                             marker={"size": 14, "color": KEPT, "line": {"color": KEPT, "width": 2}}))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="dropped unit",
                             marker={"size": 14, "color": "white", "line": {"color": DROPPED, "width": 2}}))
    fig.update_xaxes(tickvals=list(range(n_layers)), ticktext=layer_names, showgrid=False, zeroline=False)
    fig.update_yaxes(visible=False, showgrid=False, zeroline=False)
    return style(fig, title, "layer", None, height=height)


def _add_edges_by_width(fig: go.Figure, xs, ys, widths, *, name: str, show: bool, buckets: int = 4) -> None:
    """Add line segments (three entries each in xs/ys) grouped into a few width classes."""
    widths = np.asarray(widths)
    levels = np.minimum((widths * buckets).astype(int), buckets - 1)  # 0..buckets-1
    for level in range(buckets):
        chosen = np.flatnonzero(levels == level)
        if not chosen.size:
            continue
        seg_x = [v for j in chosen for v in xs[3 * j: 3 * j + 3]]
        seg_y = [v for j in chosen for v in ys[3 * j: 3 * j + 3]]
        fig.add_trace(go.Scatter(
            x=seg_x, y=seg_y, mode="lines", hoverinfo="skip", name=name, legendgroup="live",
            showlegend=show and not any(t.legendgroup == "live" for t in fig.data),
            line={"color": PALETTE["orange"], "width": 0.8 + 2.2 * level},
            opacity=0.35 + 0.15 * level,
        ))
