"""Figures of the practice pages: the forward pass the self-check asks about, and the conventions chart."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.theme import DROPPED, KEPT, REFERENCE, style

# Bars of two traces (kept / dropped) on one axis: Plotly sizes each trace's bars from that trace's own
# spacing, so two kept units far apart would get very wide bars. A fixed width keeps every bar alike.
BAR_WIDTH = 0.65


def forward_pass_figure(activations, mask, keep_prob: float) -> go.Figure:
    """Bars of the activations a (D,) of the self-check's forward pass, kept units blue, dropped grey.

    The outputs are deliberately not drawn: predicting them is the learner's job.
    """
    activations = np.asarray(activations, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    if activations.ndim != 1 or mask.shape != activations.shape:
        raise ValueError(f"activations and mask must be 1-D of one shape, got {activations.shape} and {mask.shape}")
    units = np.arange(1, activations.size + 1)
    fig = go.Figure()
    for label, selected, colour in (("kept (m = 1)", mask, KEPT), ("dropped (m = 0)", ~mask, DROPPED)):
        fig.add_trace(go.Bar(
            x=units[selected], y=activations[selected], name=label, marker_color=colour, width=BAR_WIDTH,
            text=[f"{v:.1f}" for v in activations[selected]], textposition="outside", cliponaxis=False,
            textfont={"size": 13}, constraintext="none",  # readable above a phone's narrow bars
            hovertemplate="unit %{x}<br>activation a = %{y:.1f}<br>" + label + "<extra></extra>",
        ))
    n_kept = int(mask.sum())
    # Short enough for a phone's 390 px (the caption below says these are the questions' units).
    title = f"{n_kept} of {mask.size} units kept at keep_prob {keep_prob:.2f}"
    style(fig, title, "unit", "activation a", height=320)
    fig.update_xaxes(tickmode="array", tickvals=units, ticktext=[str(u) for u in units],
                     range=[0.5 - BAR_WIDTH / 2, activations.size + 0.5 + BAR_WIDTH / 2])
    fig.update_yaxes(range=[0, max(2.3, float(activations.max()) * 1.2)])
    fig.update_layout(barmode="overlay")
    return fig


CONVENTION_BAR = 0.4  # a bar's thickness in rows: the row's other 0.6 holds its name, written above the bar
ROW_HEIGHT = 42  # pixels per convention


def conventions_figure(labels, values, keeps, keep_prob: float) -> go.Figure:
    """Horizontal bars: the number each convention writes for keep_prob (K,), blue if it is a keep
    probability, grey if a drop probability; a black line marks keep_prob itself.

    Each name is written above its bar, from the left edge, rather than as a tick label beside it: the bars
    then get the figure's whole width, which a phone's 390 px needs (the names are up to 37 characters).
    """
    labels = [str(label) for label in labels]
    values = np.asarray(values, dtype=float)
    keeps = np.asarray(keeps, dtype=bool)
    if not (len(labels) == values.size == keeps.size):
        raise ValueError(f"labels, values and keeps must have one length, got {len(labels)}, {values.size}, "
                         f"{keeps.size}")
    rows = np.arange(len(labels))  # row 0 at the top (the y axis is reversed)
    fig = go.Figure()
    for name, selected, colour in (("keep probability (= keep_prob)", keeps, KEPT),
                                   ("drop probability (= 1 − keep_prob)", ~keeps, DROPPED)):
        fig.add_trace(go.Bar(
            y=rows[selected], x=values[selected], orientation="h", name=name, marker_color=colour,
            width=CONVENTION_BAR, customdata=[label for label, s in zip(labels, selected, strict=True) if s],
            text=[f"{v:.2f}" for v in values[selected]], textposition="outside", cliponaxis=False,
            textfont={"size": 13}, constraintext="none",
            hovertemplate="%{customdata}<br>writes %{x:.2f}<extra>" + name + "</extra>",
        ))
    for row, label in zip(rows, labels, strict=True):
        fig.add_annotation(x=0, y=row - CONVENTION_BAR / 2, xref="x", yref="y", xanchor="left", yanchor="bottom",
                           text=label, showarrow=False, font={"size": 13}, yshift=1,
                           bgcolor="rgba(255, 255, 255, 0.85)")  # over the keep_prob line, which would cross it
    fig.add_vline(x=keep_prob, line_color=REFERENCE, line_dash="dash", line_width=2)
    fig.add_annotation(x=keep_prob, y=1.0, yref="paper", yanchor="bottom", showarrow=False,
                       text=f"keep_prob {keep_prob:.2f}", font={"color": REFERENCE})
    style(fig, f"The number you write for keep_prob {keep_prob:.2f}", "value written in the call", None,
          height=150 + ROW_HEIGHT * len(labels))
    fig.update_xaxes(range=[0, 1.12], dtick=0.1)
    fig.update_yaxes(range=[len(labels) - 0.5, -0.9], showticklabels=False, showgrid=False, zeroline=False)
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0.0},
                      margin={"l": 12, "r": 12, "t": 70, "b": 96})
    return fig
