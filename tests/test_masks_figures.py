"""Figure builders of the lessons "Masks" and "Expected activations", tested without Streamlit."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from core import lessons_masks as lm
from ui.figures import expected as fe
from ui.figures import masks as fm
from ui.theme import INVERTED, STANDARD

KEEP_PROBS = [0.0, 0.1, 0.5, 1.0]


def _title(fig: go.Figure) -> str:
    return fig.layout.title.text


def _axis_titles(fig: go.Figure) -> tuple[str | None, str | None]:
    return fig.layout.xaxis.title.text, fig.layout.yaxis.title.text


def _legend_names(fig: go.Figure) -> list[str]:
    return [t.name for t in fig.data if t.showlegend is not False and t.name]


def _no_nan(fig: go.Figure) -> None:
    for trace in fig.data:
        for attr in ("x", "y", "z"):
            values = getattr(trace, attr, None)
            if values is None:
                continue
            array = np.array([v for v in np.ravel(np.asarray(values, dtype=object)) if v is not None], dtype=float)
            assert np.all(np.isfinite(array)), f"{trace.name}: non-finite {attr}"


# --- masks -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_heatmaps(keep_prob):
    layer = lm.synthetic_layer()
    view = lm.masked_layer(layer.activations, keep_prob, 0, 3)
    top = lm.largest_value(layer.activations, view.output)
    figures = [
        fm.activations_figure(layer.activations, zmax=top),
        fm.mask_figure(view.mask, 3),
        fm.scaled_mask_figure(view.scaled_mask, keep_prob),
        fm.output_figure(view.output, keep_prob, zmax=top),
    ]
    for fig in figures:
        assert isinstance(fig.data[0], go.Heatmap)
        assert np.asarray(fig.data[0].z).shape == (8, 16)
        assert _axis_titles(fig) == ("unit", "example")
        assert _title(fig)
        _no_nan(fig)
    assert figures[0].data[0].zmax == figures[3].data[0].zmax == top  # one colour scale for a and output
    assert "3" in _title(figures[1]) and f"{view.n_kept} of 128" in _title(figures[1])
    scaled_text = {t for row in figures[2].data[0].text for t in row}
    if keep_prob == 0.5:
        assert scaled_text == {"0", "2"} and "0s and 2s" in _title(figures[2])
    if keep_prob == 0.0:
        assert scaled_text == {"0"} and "undefined" in _title(figures[2])
    if keep_prob == 1.0:
        assert scaled_text == {"1"} and "all 1s" in _title(figures[2]) and "0s" not in _title(figures[2])


def test_scaled_mask_rejects_non_2d():
    with pytest.raises(ValueError, match="scaled_mask"):
        fm.scaled_mask_figure(np.zeros(3), 0.5)


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
@pytest.mark.parametrize("iteration", [1, 25])
def test_kept_fraction_figure(keep_prob, iteration):
    history = lm.kept_history((8, 16), keep_prob, 0, iteration)
    fig = fm.kept_fraction_figure(history.iterations, history.kept_fraction, history.running_fraction,
                                  history.band_per_mask, history.running_band, keep_prob, 128)
    assert "kept" in _title(fig)
    assert _axis_titles(fig) == ("forward pass (iteration)", "fraction kept")
    names = _legend_names(fig)
    assert len(names) == 5 and f"keep_prob = {keep_prob:.2f}" in names
    markers = next(t for t in fig.data if t.name == "fraction kept by this mask")
    np.testing.assert_array_equal(markers.y, history.kept_fraction)
    low, high = fig.layout.yaxis.range
    assert low <= min(history.kept_fraction.min(), keep_prob) and high >= max(history.kept_fraction.max(), keep_prob)
    _no_nan(fig)


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_network_figure(keep_prob):
    layer = lm.synthetic_layer()
    view = lm.masked_layer(layer.activations, keep_prob, 0, 1)
    inputs, incoming, outgoing, next_input = lm.layer_signals(layer, view.output, 0)
    fig = fm.network_figure(inputs, view.mask[0], view.output[0], incoming, outgoing, next_input)
    assert f"{int(view.mask[0].sum())} of 16" in _title(fig)
    names = _legend_names(fig)
    assert "kept unit" in names and "dropped unit" in names
    node_traces = [t for t in fig.data if t.mode == "markers" and t.showlegend is False]
    assert [len(t.x) for t in node_traces] == [6, 16, 4]
    hidden_hover = node_traces[1].hovertext
    assert sum("dropped" in h for h in hidden_hover) == int((~view.mask[0]).sum())
    if keep_prob == 0.0:
        assert "signal (value × weight) exactly 0" in names


# --- expected activations --------------------------------------------------------------------------


@pytest.mark.parametrize("inverted", [True, False])
@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_outcome_and_running_mean_figures(keep_prob, inverted):
    experiment = lm.unit_experiment(1.5, keep_prob, 1_000, 0, inverted=inverted)
    outcomes = lm.outcome_distribution(experiment.samples, 1.5, keep_prob, inverted=inverted)
    fig = fe.outcome_figure([o.value for o in outcomes], [o.label for o in outcomes],
                            [o.probability for o in outcomes], [o.observed for o in outcomes],
                            experiment.expected, 1_000, inverted)
    assert "1,000 masks" in _title(fig)
    assert _axis_titles(fig) == ("training output of the unit", "fraction of masks")
    bars = fig.data[0]
    assert isinstance(bars, go.Bar) and bars.marker.color == (INVERTED if inverted else STANDARD)
    np.testing.assert_allclose(bars.x, [o.value for o in outcomes])
    assert any(name.startswith("E[out]") for name in _legend_names(fig))
    _no_nan(fig)

    running = lm.running_mean(experiment.samples, 1.5, keep_prob, inverted=inverted)
    fig = fe.running_mean_figure(running.counts, running.means, *running.band, experiment.expected,
                                 experiment.test_output, 1.5, inverted)
    assert fig.layout.xaxis.type == "log"
    assert _axis_titles(fig)[1] == "mean output"
    names = _legend_names(fig)
    assert "mean of the first k masks" in names
    if experiment.expected == experiment.test_output:
        assert any("= test-time output" in n for n in names)
    else:  # inverted at keep_prob 0: the mismatch is drawn, not hidden
        assert inverted and keep_prob == 0.0
        assert any(n.startswith("test-time output") for n in names)
    assert any("unscaled activation" in n for n in names) == (not inverted and keep_prob < 1)
    _no_nan(fig)


@pytest.mark.parametrize("inverted", [True, False])
@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_variance_figure(keep_prob, inverted):
    grid = np.round(np.arange(1, 11) / 10, 1)
    curve_q = np.linspace(0.05, 1, 20)
    curve = lm.variance_curve(1.5, curve_q, inverted=inverted)
    points, errors = lm.variance_points(1.5, grid, 500, 0, inverted=inverted)
    experiment = lm.unit_experiment(1.5, keep_prob, 500, 0, inverted=inverted)
    fig = fe.variance_figure(curve_q, curve, grid, points, errors, keep_prob, experiment.variance,
                             experiment.mc_variance, 1.5, 500, inverted)
    assert _axis_titles(fig) == ("keep_prob (q)", "variance of the output")
    names = _legend_names(fig)
    assert names[0] == ("formula x²(1 − q)/q" if inverted else "formula x² q(1 − q)")
    mc = fig.data[1]
    np.testing.assert_allclose(mc.error_y.array, 2 * errors)
    low, high = fig.layout.yaxis.range
    assert low < 0 < high and high >= np.max(points + 2 * errors)
    _no_nan(fig)


def test_variance_figure_all_zero_still_has_a_range():
    zeros = np.zeros(3)
    fig = fe.variance_figure([0.5, 1.0], [0.0, 0.0], [0.5, 1.0, 1.0], zeros, zeros, 0.0, 0.0, 0.0, 0.0, 100, True)
    low, high = fig.layout.yaxis.range
    assert high > low


@pytest.mark.parametrize("inverted", [True, False])
def test_layer_means_figure(inverted):
    moments = lm.layer_moments(lm.synthetic_layer().activations[0], 0.5, 1_000, 0, inverted=inverted)
    fig = fe.layer_means_figure(moments.activations, moments.mc_mean, moments.mc_standard_error,
                                moments.test_output, 1_000, inverted)
    assert _axis_titles(fig) == ("hidden unit", "activation")
    names = _legend_names(fig)
    assert "test-time output" in names
    assert ("unscaled activation a" in names) == (not inverted)
    assert ("inverted" if inverted else "standard") in _title(fig)
    _no_nan(fig)


def test_output_cells_fit_three_characters():
    assert [fm.cell_text(v) for v in (0.0, 0.5, 4.84, 9.96, 15.2)] == ["0", "0.5", "4.8", "10", "15"]
    for keep_prob in (0.05, 0.1, 0.5, 1.0):
        view = lm.masked_layer(lm.synthetic_layer().activations, keep_prob, 0, 1)
        fig = fm.output_figure(view.output, keep_prob)
        assert max(len(t) for row in fig.data[0].text for t in row) <= 3


def test_house_template_is_applied():
    """ui.theme sets plotly_white once as the default (or per figure if the default was reset)."""
    fig = fm.activations_figure(lm.synthetic_layer().activations)
    assert fig.layout.template.layout.plot_bgcolor == "white"


@pytest.mark.parametrize("keep_prob", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("inverted", [True, False])
def test_every_builder_is_valid_plotly(keep_prob, inverted):
    """The builders skip Plotly's validation for speed: rebuilding each figure validated must succeed."""
    layer = lm.synthetic_layer()
    view = lm.masked_layer(layer.activations, keep_prob, 0, 4)
    history = lm.kept_history((8, 16), keep_prob, 0, 4)
    experiment = lm.unit_experiment(-0.8, keep_prob, 300, 0, inverted=inverted)
    outcomes = lm.outcome_distribution(experiment.samples, -0.8, keep_prob, inverted=inverted)
    running = lm.running_mean(experiment.samples, -0.8, keep_prob, inverted=inverted)
    grid = np.arange(1, 11) / 10
    points, errors = lm.variance_points(-0.8, grid, 300, 0, inverted=inverted)
    moments = lm.layer_moments(layer.activations[0], keep_prob, 300, 0, inverted=inverted)
    figures = [
        fm.activations_figure(layer.activations),
        fm.scaled_mask_figure(view.scaled_mask, keep_prob),
        fm.output_figure(view.output, keep_prob),
        fm.kept_fraction_figure(history.iterations, history.kept_fraction, history.running_fraction,
                                history.band_per_mask, history.running_band, keep_prob, 128),
        fe.outcome_figure([o.value for o in outcomes], [o.label for o in outcomes], [o.probability for o in outcomes],
                          [o.observed for o in outcomes], experiment.expected, 300, inverted),
        fe.running_mean_figure(running.counts, running.means, *running.band, experiment.expected,
                               experiment.test_output, -0.8, inverted),
        fe.variance_figure(grid, lm.variance_curve(-0.8, grid, inverted=inverted), grid, points, errors, keep_prob,
                           experiment.variance, experiment.mc_variance, -0.8, 300, inverted),
        fe.layer_means_figure(moments.activations, moments.mc_mean, moments.mc_standard_error, moments.test_output,
                              300, inverted),
    ]
    for fig in figures:
        checked = go.Figure(fig.to_dict())  # raises on any invalid property
        assert checked.layout.title.text and checked.layout.xaxis.title.text and checked.layout.yaxis.title.text
        assert checked.layout.template.layout.plot_bgcolor == "white"  # the house style
        fig.to_json()  # what st.plotly_chart sends
