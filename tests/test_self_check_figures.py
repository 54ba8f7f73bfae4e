"""ui/figures/practice.py: the self-check forward pass and the conventions chart."""

from __future__ import annotations

import numpy as np
import pytest

from core import self_check as sc
from core.conventions import CONVENTIONS, KEEP, framework_value
from ui.figures.practice import BAR_WIDTH, CONVENTION_BAR, conventions_figure, forward_pass_figure
from ui.theme import DROPPED, KEPT


@pytest.mark.parametrize("keep_prob", [0.0, 0.5, 1.0])
def test_forward_pass_figure(keep_prob):
    fp = sc.live_forward_pass(keep_prob, 3)
    fig = forward_pass_figure(fp.activations, fp.mask, keep_prob)
    kept, dropped = fig.data
    assert (kept.marker.color, dropped.marker.color) == (KEPT, DROPPED)
    assert len(kept.x) == int(fp.mask.sum()) and len(dropped.x) == int((~fp.mask).sum())
    np.testing.assert_array_equal(np.concatenate([kept.y, dropped.y]),
                                  np.concatenate([fp.activations[fp.mask], fp.activations[~fp.mask]]))
    title = fig.layout.title.text
    assert f"{int(fp.mask.sum())} of {sc.N_UNITS} units kept" in title and "nan" not in title.lower()
    assert fig.layout.xaxis.title.text == "unit" and "activation" in fig.layout.yaxis.title.text
    assert kept.width == dropped.width == BAR_WIDTH  # not sized from each trace's own spacing
    assert all("output" not in str(trace.text).lower() for trace in fig.data)  # the answers are not drawn


def test_forward_pass_figure_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="one shape"):
        forward_pass_figure(np.ones(3), np.ones(4, dtype=bool), 0.5)


@pytest.mark.parametrize("keep_prob", [0.0, 0.3, 1.0])
def test_conventions_figure(keep_prob):
    labels = [c.where for c in CONVENTIONS]
    values = [framework_value(c, keep_prob) for c in CONVENTIONS]
    keeps = [c.meaning == KEEP for c in CONVENTIONS]
    fig = conventions_figure(labels, values, keeps, keep_prob)
    keep_trace, drop_trace = fig.data
    assert keep_trace.marker.color == KEPT and drop_trace.marker.color == DROPPED
    assert np.allclose(keep_trace.x, keep_prob) and np.allclose(drop_trace.x, 1 - keep_prob)
    assert len(keep_trace.y) + len(drop_trace.y) == len(CONVENTIONS)
    assert fig.layout.shapes[0].x0 == keep_prob  # the keep_prob line
    assert keep_trace.width == drop_trace.width == CONVENTION_BAR
    assert f"{keep_prob:.2f}" in fig.layout.title.text and fig.layout.xaxis.title.text
    # every name is written on the chart (above its bar, not as a tick label), each bar's row beside it
    names = {a.text: a.y for a in fig.layout.annotations if a.text in labels}
    assert list(names) == labels
    rows = dict(zip(keep_trace.customdata + drop_trace.customdata, [*keep_trace.y, *drop_trace.y], strict=True))
    assert all(rows[label] - CONVENTION_BAR / 2 == y for label, y in names.items())
    with pytest.raises(ValueError, match="one length"):
        conventions_figure(labels[:-1], values, keeps, keep_prob)
