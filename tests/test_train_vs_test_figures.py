"""Figure builders of the lesson "Train vs test": traces, titles, axis titles and legends, without Streamlit."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.scaling import compare_schemes, hidden_layer_example, mismatch_curve, next_layer_shift
from ui.figures import train_vs_test as figures
from ui.theme import INVERTED, NO_SCALING, STANDARD


def _title(fig: go.Figure) -> str:
    return fig.layout.title.text


def test_scheme_bars_show_activation_train_expected_and_test_on_a_shared_axis():
    a, mask = hidden_layer_example(0, 0.5)
    view = compare_schemes(a, mask, 0.5)["inverted"]
    fig = figures.scheme_bars(a, mask, view.train_output, view.expected_train, view.test_output,
                              scheme="inverted", title="Inverted dropout", y_max=5.0)
    names = [t.name for t in fig.data]
    assert names[:4] == ["activation a", "train output (this mask)", "expected train output", "test output"]
    np.testing.assert_allclose(fig.data[1].y, view.train_output)
    np.testing.assert_allclose(fig.data[3].y, view.test_output)
    assert fig.data[1].marker.color == INVERTED
    assert "Inverted dropout" in _title(fig)
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert fig.layout.showlegend
    assert fig.layout.yaxis.range[1] > 5.0
    dropped_bands = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(dropped_bands) == int((~mask).sum())
    assert ("dropped unit (grey band)" in names) == bool((~mask).any())


def test_scheme_colours_follow_the_palette():
    a = np.ones(3)
    mask = np.array([True, False, True])
    for scheme, colour in (("standard", STANDARD), ("forgot to scale", NO_SCALING)):
        fig = figures.scheme_bars(a, mask, a * mask, a, a, scheme=scheme, title=scheme)
        assert fig.data[1].marker.color == colour


def test_mismatch_figure_marks_the_current_keep_prob():
    curve = mismatch_curve(np.linspace(0, 1, 21))
    fig = figures.mismatch_figure(curve["keep_prob"], curve["expected_train"], curve["test"], 0.3)
    assert len(fig.data) == 3
    assert list(fig.data[2].x) == [0.3, 0.3]
    assert list(fig.data[2].y) == [0.3, 1.0]
    assert "gap" in fig.data[2].name
    assert fig.layout.xaxis.title.text == "keep_prob" and fig.layout.yaxis.title.text
    assert "Forgot to scale" in _title(fig)


def test_next_layer_figure_has_train_with_error_bars_test_and_expectation():
    shift = next_layer_shift("forgot to scale", 0.5, 0)
    fig = figures.next_layer_figure(shift.train_mean, shift.train_std_error, shift.expected_train, shift.test_mean,
                                    scheme="forgot to scale")
    assert [t.type for t in fig.data] == ["bar", "bar", "scatter"]
    np.testing.assert_allclose(fig.data[0].error_y.array, 2 * shift.train_std_error)
    np.testing.assert_allclose(fig.data[1].y, shift.test_mean)
    assert "forgot to scale" in _title(fig)
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text and fig.layout.showlegend


def test_figures_survive_keep_prob_zero_and_one():
    for keep_prob in (0.0, 1.0):
        a, mask = hidden_layer_example(0, keep_prob)
        for scheme, view in compare_schemes(a, mask, keep_prob).items():
            fig = figures.scheme_bars(a, mask, view.train_output, view.expected_train, view.test_output,
                                      scheme=scheme, title=scheme, y_max=float(a.max()))
            assert all(np.all(np.isfinite(np.asarray(t.y, dtype=float))) for t in fig.data if t.y is not None
                       and t.name != "dropped unit (grey band)")
        curve = mismatch_curve([0.0, 0.5, 1.0])
        figures.mismatch_figure(curve["keep_prob"], curve["expected_train"], curve["test"], keep_prob)


def test_every_builder_produces_valid_plotly_when_rebuilt_validated():
    """The builders skip Plotly's validation for speed; rebuilding each validated must succeed."""
    a, mask = hidden_layer_example(0, 0.5)
    view = compare_schemes(a, mask, 0.5)["standard"]
    curve = mismatch_curve(np.linspace(0, 1, 11))
    shift = next_layer_shift("inverted", 0.5, 0)
    figures_built = [
        figures.scheme_bars(a, mask, view.train_output, view.expected_train, view.test_output, scheme="standard",
                            title="t", y_max=3.0),
        figures.mismatch_figure(curve["keep_prob"], curve["expected_train"], curve["test"], 0.5),
        figures.next_layer_figure(shift.train_mean, shift.train_std_error, shift.expected_train, shift.test_mean,
                                  scheme="inverted"),
    ]
    for fig in figures_built:
        checked = go.Figure(fig.to_dict())  # raises on any invalid property
        assert checked.layout.template.layout.paper_bgcolor is not None  # the house template came along
        assert checked.layout.title.text
