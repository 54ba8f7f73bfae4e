"""One palette and one set of figure defaults for every chart (Okabe-Ito: safe for colour-blind eyes)."""

from __future__ import annotations

import json
from functools import lru_cache

import plotly.graph_objects as go
import plotly.io as pio
from plotly.utils import PlotlyJSONEncoder

# Okabe & Ito (2008): eight colours that stay distinct under the common colour-vision deficiencies.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#BBBBBB",  # dropped units
}

# Fixed meanings, used by every lesson.
KEPT = PALETTE["blue"]
DROPPED = PALETTE["grey"]
INVERTED = PALETTE["blue"]
STANDARD = PALETTE["orange"]
NO_SCALING = PALETTE["vermillion"]  # the "forgot to scale" bug
REFERENCE = PALETTE["black"]  # analytic values, test-time lines
WITH_DROPOUT = PALETTE["blue"]  # training lab / inference: the network trained with dropout
WITHOUT_DROPOUT = PALETTE["orange"]  # ... and the same network trained without
MC_AVERAGE = PALETTE["green"]  # Monte-Carlo averaging over sampled masks (weight scaling is REFERENCE)
SEQUENCE = [PALETTE[name] for name in ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow", "black")]

# Diverging scale for signed values (activations, gradients): blue below zero, white at zero,
# orange-brown above. Blue-orange stays readable for red-green colour blindness.
DIVERGING = [[0.0, "#2166AC"], [0.25, "#92C5DE"], [0.5, "#F7F7F7"], [0.75, "#F4A582"], [1.0, "#B2182B"]]
SEQUENTIAL = "Cividis"  # non-negative values
MASK_SCALE = [[0.0, DROPPED], [0.5, DROPPED], [0.5, KEPT], [1.0, KEPT]]  # 0 = dropped, 1 = kept

FONT_SIZE = 14


# The house template is made Plotly's default once: a new figure then starts white for a few ms,
# whereas `update_layout(template=...)` on every figure costs ~75 ms (a deep copy and validation
# of the whole template), the largest part of a page's rerun. Streamlit sets its own default when
# it is imported; app.py imports streamlit before this module, and style() falls back if not.
TEMPLATE = "plotly_white"
pio.templates.default = TEMPLATE


def style(fig: go.Figure, title: str, x_title: str | None = None, y_title: str | None = None,
          *, height: int = 360, legend: bool = True) -> go.Figure:
    """Apply the house layout: white template, readable font, bold title, axis titles."""
    if pio.templates.default != TEMPLATE:  # the default was reset after this module was imported
        fig.update_layout(template=TEMPLATE)
    fig.update_layout(
        title={"text": f"<b>{title}</b>", "x": 0.0, "xanchor": "left", "font": {"size": FONT_SIZE + 3}},
        font={"size": FONT_SIZE},
        height=height,
        margin={"l": 78, "r": 20, "t": 60, "b": 70},  # wide enough for the tick labels: see MARGINS below
        colorway=SEQUENCE,
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
    )
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    return fig


# Margins. Plotly measures legends, colour bars and tick labels after drawing; if they do not fit the
# margins it grows them and draws the whole figure again. Streamlit redraws a changed chart from
# scratch on every rerun, so that second pass costs every keep_prob move (a third of Plotly's time on
# the Train vs test and Expected pages). The builders therefore ask for margins that already fit what
# they draw (measured at 1280 px; Plotly still grows them if something does not fit).

# --- fast figures: plain-dict traces on the house layout, created without Plotly's validation ---
# Plotly validates every property of a figure built from graph objects (15-45 ms a figure, most of
# a rerun). Lesson builders therefore assemble dicts on this cached layout; their tests rebuild each
# figure validated (go.Figure(fig.to_dict())) to prove the dicts are valid Plotly.

LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0.0}
_PLACEHOLDER = "\u2063TITLE\u2063"  # stands for the real titles in the cached house layout


@lru_cache(maxsize=16)
def _house_layout_json(height: int, legend: bool) -> str:
    fig = style(go.Figure(), _PLACEHOLDER, _PLACEHOLDER, _PLACEHOLDER, height=height, legend=legend)
    return json.dumps(fig.layout.to_plotly_json(), cls=PlotlyJSONEncoder)


def house_figure(traces: list[dict], title: str, x_title: str | None, y_title: str | None, *, height: int,
                 show_legend: bool = True, **layout) -> go.Figure:
    """An unvalidated Figure of plain-dict traces on ui.theme.style's layout, with these titles.

    show_legend: the house legend on or off; layout: further top-level layout entries (a `legend` dict
    replaces the house one); `xaxis` and `yaxis` dicts are merged into the house axes.
    """
    house = json.loads(_house_layout_json(height, show_legend))
    house["title"]["text"] = house["title"]["text"].replace(_PLACEHOLDER, title)
    for axis, text in (("xaxis", x_title), ("yaxis", y_title)):
        if text is None:
            house[axis].pop("title", None)
        else:
            house[axis]["title"]["text"] = text
        house[axis].update(layout.pop(axis, {}))
    house.update(layout)
    return go.Figure(data=traces, layout=house, _validate=False)
