"""Figure builders shared by several lessons: the layered network diagram (Masks, Backprop)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ui.theme import DROPPED, KEPT, PALETTE, house_figure


def network(layer_sizes: Sequence[int], title: str, *, kept: Sequence[np.ndarray | None] | None = None,
            edge_values: Sequence[np.ndarray] | None = None, layer_names: Sequence[str] | None = None,
            node_values: Sequence[np.ndarray | None] | None = None, value_names: Sequence[str] | None = None,
            edge_title: str = "weight", per_layer_widths: bool = False, node_size: int = 26,
            height: int = 380, legend: dict | None = None, margin: dict | None = None) -> go.Figure:
    """A layered network: one column of nodes per layer, dropped nodes grey and hollow (unvalidated, fast).

    layer_sizes: units per layer, e.g. (4, 6, 3).
    kept: per layer, a boolean array (True = kept) or None (all kept).
    edge_values: per pair of layers, an array (n_in, n_out); an edge's width grows with |value|
        (relative to the largest of all layers, or of its own layer with per_layer_widths), and an edge
        whose value is exactly 0 is drawn as a thin dotted grey line.
    node_values: per layer, numbers written in the hover text (e.g. activations), named by value_names.
    """
    n_layers = len(layer_sizes)
    kept = list(kept) if kept is not None else [None] * n_layers
    layer_names = list(layer_names) if layer_names is not None else [f"layer {i}" for i in range(n_layers)]
    value_names = list(value_names) if value_names is not None else ["value"] * n_layers
    tallest = max(layer_sizes)
    ys = [(np.arange(size) - (size - 1) / 2.0)[::-1] * (tallest / max(tallest, 1)) for size in layer_sizes]
    traces: list[dict] = []
    if edge_values is not None:
        edges = [np.asarray(e, dtype=float) + 0.0 for e in edge_values]  # + 0.0: -0.0 counts as an exact zero
        overall = max((float(np.max(np.abs(e))) for e in edges if e.size), default=0.0) or 1.0
        zero_x, zero_y, live = [], [], []  # live: (relative width, x segment, y segment) per non-zero edge
        for i, values in enumerate(edges):
            largest = (float(np.max(np.abs(values), initial=0.0)) or 1.0) if per_layer_widths else overall
            for a, b in zip(*np.nonzero(values == 0.0), strict=True):
                zero_x += [i, i + 1, None]
                zero_y += [ys[i][a], ys[i + 1][b], None]
            for a, b in zip(*np.nonzero(values != 0.0), strict=True):
                live.append((abs(values[a, b]) / largest, [i, i + 1, None], [ys[i][a], ys[i + 1][b], None]))
        buckets = 4  # Plotly draws one width per trace: a few width classes
        for level in range(buckets):
            chosen = [(sx, sy) for w, sx, sy in live if min(int(w * buckets), buckets - 1) == level]
            if chosen:
                first = not any(t.get("legendgroup") == "live" for t in traces)  # one legend entry for them all
                traces.append({"type": "scatter", "mode": "lines", "hoverinfo": "skip",
                               "name": f"non-zero {edge_title}", "legendgroup": "live", "showlegend": first,
                               "x": [v for sx, _ in chosen for v in sx], "y": [v for _, sy in chosen for v in sy],
                               "line": {"color": PALETTE["orange"], "width": 0.8 + 2.2 * level},
                               "opacity": 0.35 + 0.15 * level})
        if zero_x:
            traces.append({"type": "scatter", "mode": "lines", "hoverinfo": "skip", "name": f"{edge_title} exactly 0",
                           "legendgroup": "zero", "x": zero_x, "y": zero_y,
                           "line": {"color": DROPPED, "width": 1, "dash": "dot"}})
    for i, size in enumerate(layer_sizes):
        is_kept = np.ones(size, dtype=bool) if kept[i] is None else np.asarray(kept[i], dtype=bool)
        values = None if node_values is None or node_values[i] is None else np.asarray(node_values[i], dtype=float)
        hover = [f"{layer_names[i]}, unit {u}: {'kept' if is_kept[u] else 'dropped'}"
                 + (f"<br>{value_names[i]} = {values[u]:.3f}" if values is not None else "") for u in range(size)]
        traces.append({"type": "scatter", "mode": "markers", "x": [i] * size, "y": ys[i], "hovertext": hover,
                       "hoverinfo": "text", "showlegend": False,
                       "marker": {"size": node_size, "color": [KEPT if k else "white" for k in is_kept],
                                  "line": {"color": [KEPT if k else DROPPED for k in is_kept], "width": 3}}})
    for name, fill in (("kept unit", KEPT), ("dropped unit", "white")):  # legend entries for the node states
        traces.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers", "name": name,
                       "marker": {"size": 14, "color": fill, "line": {"color": KEPT if fill == KEPT else DROPPED,
                                                                      "width": 2}}})
    layout = {"legend": legend} if legend is not None else {}
    if margin is not None:
        layout["margin"] = margin
    return house_figure(traces, title, None, None, height=height,
                        xaxis={"tickvals": list(range(n_layers)), "ticktext": layer_names, "showgrid": False,
                               "zeroline": False},
                        yaxis={"visible": False, "showgrid": False, "zeroline": False}, **layout)
