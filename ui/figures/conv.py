"""Figures for the feature-maps lesson: the input, grids of channels (with their masks), the
correlation of neighbouring activations against distance, and the information left against keep_prob.

Speed: a keep_prob move redraws nine figures, and Plotly's validation of each property (mostly of
the template) costs tens of ms per figure. So the builders assemble plain dicts on the house layout
of ui.theme.style (computed once per height and cached) and create the Figure unvalidated; the tests
validate every builder's output by rebuilding it with `go.Figure(fig.to_dict())`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

from ui.theme import DIVERGING, DROPPED, MASK_SCALE, PALETTE, REFERENCE, SEQUENCE, SEQUENTIAL, style

KIND_LABELS = {
    "element": "element-wise dropout",
    "channel": "spatial (channel) dropout",
    "dropblock": "DropBlock",
}
KIND_COLOURS = {"element": PALETTE["vermillion"], "channel": PALETTE["blue"], "dropblock": PALETTE["green"]}
KIND_DASHES = {"element": "solid", "channel": "solid", "dropblock": "dash"}
_PLACEHOLDER = "\u2063TITLE\u2063"  # stands for the real title in the cached house layout


@lru_cache(maxsize=32)
def _house_layout_json(height: int, legend: bool, x_title: bool, y_title: bool) -> str:
    fig = style(go.Figure(), _PLACEHOLDER, _PLACEHOLDER if x_title else None, _PLACEHOLDER if y_title else None,
                height=height, legend=legend)
    return json.dumps(fig.layout.to_plotly_json(), cls=PlotlyJSONEncoder)


def _house_layout(title: str, x_title: str | None, y_title: str | None, *, height: int, legend: bool) -> dict:
    """ui.theme.style's layout as a fresh dict, with these titles."""
    layout = json.loads(_house_layout_json(height, legend, x_title is not None, y_title is not None))
    layout["title"]["text"] = layout["title"]["text"].replace(_PLACEHOLDER, title)
    for axis, text in (("xaxis", x_title), ("yaxis", y_title)):
        if text is not None:
            layout[axis]["title"]["text"] = text
    return layout


def _typed(values: np.ndarray, dtype: str = "f4") -> dict:
    """A 2-D array as a Plotly.js typed-array spec (base64 float32, or u1 for 0/1 layers): the validated
    path does this for us, the unvalidated one would otherwise send every number as JSON text (10x the bytes)."""
    values = np.ascontiguousarray(values, dtype="<" + dtype)
    return {"dtype": dtype, "bdata": base64.b64encode(values.tobytes()).decode("ascii"),
            "shape": ", ".join(str(n) for n in values.shape)}


def decode_typed(spec) -> np.ndarray:
    """The array behind a typed-array spec made by _typed (or any array-like, returned as an array)."""
    if isinstance(spec, dict) and "bdata" in spec:
        shape = tuple(int(n) for n in spec["shape"].split(","))
        return np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<" + spec["dtype"]).reshape(shape)
    return np.asarray(spec, dtype=float)


def _figure(traces: list[dict], layout: dict) -> go.Figure:
    return go.Figure(data=traces, layout=layout, _validate=False)


def _panel_axes(n_panels: int, x_domains, y_domains, shape: tuple[int, int]) -> dict:
    """Layout entries for n_panels image panels of `shape` (H, W): square pixels, row 0 on top,
    no ticks, ranges exactly the pixels (so no background shows around a panel)."""
    h, w = shape
    layout = {}
    for i in range(1, n_panels + 1):
        suffix = "" if i == 1 else str(i)
        layout[f"xaxis{suffix}"] = {"domain": list(x_domains[i - 1]), "showticklabels": False, "showgrid": False,
                                    "zeroline": False, "constrain": "domain", "anchor": f"y{suffix}",
                                    "range": [-0.5, w - 0.5]}
        layout[f"yaxis{suffix}"] = {"domain": list(y_domains[i - 1]), "showticklabels": False, "showgrid": False,
                                    "zeroline": False, "range": [h - 0.5, -0.5], "scaleanchor": f"x{suffix}",
                                    "constrain": "domain", "anchor": f"x{suffix}"}
    return layout


def _tile(panels: Sequence[np.ndarray], columns: int, gap: int, title_rows: int) -> np.ndarray:
    """Lay (H, W) panels out on one canvas, row by row, with room for a title above each and NaN
    between them: (rows (title_rows + H) + (rows - 1) gap, columns W + (columns - 1) gap)."""
    h, w = np.shape(panels[0])
    rows = -(-len(panels) // columns)
    canvas = np.full((rows * (title_rows + h) + (rows - 1) * gap, columns * w + (columns - 1) * gap), np.nan)
    for i, panel in enumerate(panels):
        top, left = _panel_origin(i, columns, h, w, gap, title_rows)
        canvas[top : top + h, left : left + w] = panel
    return canvas


def _panel_origin(i: int, columns: int, h: int, w: int, gap: int, title_rows: int) -> tuple[int, int]:
    row, col = divmod(i, columns)
    return row * (title_rows + h + gap) + title_rows, col * (w + gap)


def _grid(panels: Sequence[np.ndarray], titles: Sequence[str], value_hover: str, columns: int,
          coloraxis: dict, title: str, height: int, holes: Sequence[np.ndarray] | None = None,
          binary: bool = False) -> go.Figure:
    """A grid of image panels drawn as ONE heatmap (panels tiled on a canvas with gaps): a browser
    draws one trace far faster than a subplot per panel. Panel titles are annotations above each panel.

    holes: per panel, a bool array, True where a pixel was dropped: drawn on top in grey, as one byte per
    pixel (the live charts send this layer once per keep_prob, so it must be small; the values below it
    are the same at every keep_prob and are sent once).
    """
    h, w = np.shape(panels[0])
    gap = max(2, w // 8)
    title_rows = max(3, h // 6)
    canvas = _tile(panels, columns, gap, title_rows)
    clear = "rgba(0,0,0,0)"
    if binary:  # 0/1 panels (masks): one byte a pixel, the gaps between panels covered by a constant white layer
        gaps = np.isnan(canvas)
        traces = [{"type": "heatmap", "z": _typed(np.nan_to_num(canvas), "u1"), "coloraxis": "coloraxis",
                   "name": "maps", "hovertemplate": f"{value_hover}<extra></extra>"},
                  {"type": "heatmap", "z": _typed(gaps, "u1"), "zmin": 0, "zmax": 1, "showscale": False,
                   "colorscale": [[0.0, clear], [0.5, clear], [0.5, "white"], [1.0, "white"]], "name": "gaps",
                   "hoverinfo": "skip"}]
    else:
        traces = [{"type": "heatmap", "z": _typed(canvas), "coloraxis": "coloraxis", "name": "maps",
                   "hovertemplate": f"{value_hover}<extra></extra>", "hoverongaps": False}]
    if holes is not None:
        dropped = np.nan_to_num(_tile([np.asarray(hole, float) for hole in holes], columns, gap, title_rows))
        traces.append({"type": "heatmap", "z": _typed(dropped, "u1"), "zmin": 0, "zmax": 1, "showscale": False,
                       "colorscale": [[0.0, clear], [0.5, clear], [0.5, DROPPED], [1.0, DROPPED]],
                       "name": "dropped", "hoverinfo": "skip"})
    annotations = []
    for i, name in enumerate(titles):
        top, left = _panel_origin(i, columns, h, w, gap, title_rows)
        annotations.append({"text": name, "x": left + (w - 1) / 2, "y": top - 0.5, "xref": "x", "yref": "y",
                            "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 12}})
    layout = _house_layout(title, None, None, height=height, legend=False)
    axes = _panel_axes(1, [(0.0, 1.0)], [(0.0, 1.0)], canvas.shape)
    for axis in ("xaxis", "yaxis"):
        layout.setdefault(axis, {}).update(axes[axis])
    right = 130 if coloraxis.get("showscale", True) else 10  # room for the colour bar (see ui.theme on margins)
    layout.update(coloraxis=coloraxis, annotations=annotations, margin={"l": 10, "r": right, "t": 60, "b": 10})
    return _figure(traces, layout)


def _check_stack(values, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 3:
        raise ValueError(f"{name} must have shape (C, H, W), got shape {array.shape}")
    return array


def input_figure(image, title: str, *, height: int = 300) -> go.Figure:
    """The input picture (H, W), values in [0, 1], as a sequential heatmap (dark to bright)."""
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D (H, W), got shape {image.shape}")
    trace = {"type": "heatmap", "z": _typed(image), "colorscale": SEQUENTIAL, "zmin": 0.0, "zmax": 1.0,
             "showscale": False, "hovertemplate": "row %{y}, column %{x}<br>brightness %{z:.2f}<extra></extra>"}
    layout = _house_layout(title, "w (pixel column)", "h (pixel row)", height=height, legend=False)
    axes = _panel_axes(1, [(0.0, 1.0)], [(0.0, 1.0)], image.shape)
    for axis in ("xaxis", "yaxis"):
        layout[axis].update(axes[axis])
    layout["margin"] = {"l": 48, "r": 10, "t": 60, "b": 40}
    return _figure([trace], layout)


def map_grid(maps, names: Sequence[str], title: str, *, kept=None, zmax: float | None = None,
             columns: int = 4, height: int = 360, colorbar: bool = True) -> go.Figure:
    """Feature maps (C, H, W) as a grid of channels, one panel each, on one shared colour scale.

    kept: None, or a bool array broadcastable to (C, H, W) (True = kept): dropped pixels are drawn
    grey (the colour of a dropped unit, as a layer on top that hides their value). The scale is
    blue-white-red with white at 0, so a pixel the ReLU set to 0 (white) and a dropped pixel (grey) look different.
    """
    maps = _check_stack(maps, "maps").astype(float)
    channels = maps.shape[0]
    if len(names) != channels:
        raise ValueError(f"names must name the {channels} channels, got {len(names)}")
    kept_full = np.ones(maps.shape, dtype=bool) if kept is None else np.broadcast_to(np.asarray(kept, bool), maps.shape)
    limit = zmax if zmax is not None else float(np.max(np.abs(maps))) if maps.size else 1.0
    limit = limit if limit > 0 else 1.0
    coloraxis = {"colorscale": DIVERGING, "cmin": -limit, "cmax": limit, "showscale": colorbar,
                 "colorbar": {"title": {"text": "activation"}, "thickness": 12}}
    holes = None if kept is None else [~kept_full[c] for c in range(channels)]
    hover = "activation %{z:.3f}" if kept is None else "activation %{z:.3f} before dropout (grey: dropped)"
    return _grid(list(maps), list(names), hover, columns, coloraxis, title, height, holes=holes)


def mask_grid(mask, names: Sequence[str], title: str, *, columns: int = 4, height: int = 300,
              colorbar: bool = True) -> go.Figure:
    """Masks (C, H, W) or per-channel (C,) as a grid of channels: kept blue, dropped grey."""
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim == 1:
        mask = np.broadcast_to(mask[:, None, None], (mask.shape[0], 8, 8))  # one draw per channel
    mask = _check_stack(mask, "mask")
    channels = mask.shape[0]
    if len(names) != channels:
        raise ValueError(f"names must name the {channels} channels, got {len(names)}")
    coloraxis = {
        "colorscale": MASK_SCALE, "cmin": 0, "cmax": 1, "showscale": colorbar,
        "colorbar": {"tickvals": [0.25, 0.75], "ticktext": ["dropped", "kept"], "title": {"text": "mask"},
                     "thickness": 12},
    }
    return _grid([mask[c].astype(float) for c in range(channels)], list(names), "kept %{z}", columns, coloraxis,
                 title, height, binary=True)


def correlation_figure(distances, correlation, names: Sequence[str], *, input_correlation=None,
                       height: int = 480) -> go.Figure:
    """Correlation of activations d pixels apart against d: one line per channel (C, D + 1),
    the input picture's own correlation dashed. NaN entries (a channel that never varies) are left out."""
    distances = np.asarray(distances)
    correlation = np.asarray(correlation, dtype=float)
    if correlation.ndim != 2 or correlation.shape != (len(names), len(distances)):
        raise ValueError(f"correlation must have shape ({len(names)}, {len(distances)}), got {correlation.shape}")
    traces = []
    for c, name in enumerate(names):
        valid = np.isfinite(correlation[c])
        if not valid.any():
            continue
        traces.append({
            "type": "scatter", "x": distances[valid], "y": correlation[c, valid], "mode": "lines+markers",
            "name": name, "line": {"color": SEQUENCE[c % len(SEQUENCE)], "width": 2}, "marker": {"size": 5},
            "hovertemplate": f"{name}<br>distance %{{x}} px<br>correlation %{{y:.2f}}<extra></extra>",
        })
    if input_correlation is not None:
        input_correlation = np.asarray(input_correlation, dtype=float)
        valid = np.isfinite(input_correlation)
        traces.append({
            "type": "scatter", "x": distances[valid], "y": input_correlation[valid], "mode": "lines",
            "name": "input picture", "line": {"color": REFERENCE, "width": 3, "dash": "dash"},
            "hovertemplate": "input picture<br>distance %{x} px<br>correlation %{y:.2f}<extra></extra>",
        })
    layout = _house_layout("Neighbouring activations move together", "distance between the two pixels (px)",
                           "correlation", height=height, legend=True)
    layout["yaxis"]["range"] = [-0.25, 1.05]
    layout["xaxis"]["dtick"] = 1
    layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": 0, "y1": 0,
                         "line": {"color": DROPPED, "width": 1}, "layer": "below"}]
    layout["legend"] = {"orientation": "v", "y": 1.0, "yanchor": "top", "x": 1.02, "xanchor": "left"}
    layout["margin"].update(r=150, b=70)  # the legend at the right
    return _figure(traces, layout)


def information_figure(keep_probs, information: Mapping[str, np.ndarray], keep_prob: float, *,
                       block_size: int | None = None, height: int = 480) -> go.Figure:
    """Information left (share of the maps' energy kept or restorable from neighbours) against
    keep_prob, one line per kind of mask, with the diagonal "kept pixels only" and the current
    keep_prob marked (a vertical line and a dot on each curve)."""
    keep_probs = np.asarray(keep_probs, dtype=float)
    traces = [{
        "type": "scatter", "x": [0.0, 1.0], "y": [0.0, 1.0], "mode": "lines",
        "name": "kept pixels only (no help from neighbours)",
        "line": {"color": REFERENCE, "width": 1.5, "dash": "dot"}, "hoverinfo": "skip",
    }]
    for kind, values in information.items():
        values = np.asarray(values, dtype=float)
        if values.shape != keep_probs.shape:
            raise ValueError(f"information[{kind!r}] must have shape {keep_probs.shape}, got {values.shape}")
        label = KIND_LABELS.get(kind, kind)
        if kind == "dropblock" and block_size is not None:
            label = f"{label} ({block_size}×{block_size} blocks)"
        colour = KIND_COLOURS.get(kind, REFERENCE)
        hover = f"{label}<br>keep_prob %{{x:.2f}}<br>information left %{{y:.2f}}<extra></extra>"
        traces.append({
            "type": "scatter", "x": keep_probs, "y": values, "mode": "lines", "name": label, "legendgroup": kind,
            "line": {"color": colour, "width": 3, "dash": KIND_DASHES.get(kind, "solid")}, "hovertemplate": hover,
        })
        traces.append({
            "type": "scatter", "x": [keep_prob], "y": [float(np.interp(keep_prob, keep_probs, values))],
            "mode": "markers", "name": f"{label} at keep_prob {keep_prob:.2f}", "legendgroup": kind,
            "showlegend": False, "hovertemplate": hover,
            "marker": {"color": colour, "size": 12, "line": {"color": "white", "width": 2}},
        })
    layout = _house_layout("What a dropped pixel's neighbours give back", "keep_prob", "information left in the maps",
                           height=height, legend=True)
    layout["xaxis"]["range"] = [-0.02, 1.02]
    layout["yaxis"]["range"] = [-0.02, 1.05]
    layout["shapes"] = [{"type": "line", "xref": "x", "x0": keep_prob, "x1": keep_prob, "yref": "paper",
                         "y0": 0, "y1": 1, "line": {"color": REFERENCE, "width": 1}}]
    layout["annotations"] = [{"text": f"keep_prob {keep_prob:.2f}", "x": keep_prob, "xref": "x", "y": 1.0,
                              "yref": "paper", "showarrow": False, "yanchor": "bottom",
                              "xanchor": "right" if keep_prob > 0.5 else "left"}]
    layout["legend"] = {"orientation": "h", "y": -0.22, "yanchor": "top", "x": 0.0, "xanchor": "left"}
    layout["margin"]["b"] = 185
    return _figure(traces, layout)
