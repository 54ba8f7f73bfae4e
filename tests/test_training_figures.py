"""Figure builders of the lessons "Training lab" and "Inference": traces, titles, axes and legends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from tests.conftest import decode_arrays
from ui.figures import inference as inference_figures
from ui.figures import training as figures
from ui.theme import MC_AVERAGE, REFERENCE, WITH_DROPOUT, WITHOUT_DROPOUT


def _history(epochs: int, test_level: float) -> pd.DataFrame:
    epoch = np.arange(1, epochs + 1)
    return pd.DataFrame({"epoch": epoch, "train_loss": 1.0 / epoch, "train_loss_eval": 0.8 / epoch,
                         "train_error": 0.5 / epoch, "test_loss": 1.0 / epoch + 0.1,
                         "test_error": 0.5 / epoch + test_level})


def _titled(fig: go.Figure) -> None:
    assert fig.layout.title.text
    assert fig.layout.xaxis.title.text or fig.layout.xaxis.visible is False


@pytest.mark.parametrize("builder", [figures.error_curves, figures.loss_curves])
def test_curves_show_train_and_test_for_both_models_on_one_axis(builder):
    fig = builder(_history(7, 0.03), _history(7, 0.05), keep_prob=0.5, keep_prob_input=0.8, epochs=10)
    extra = 1 if builder is figures.loss_curves else 0  # the dropout run's training loss with dropout off
    assert len(fig.data) == 4 + extra
    names = [trace.name for trace in fig.data]
    assert any(n.startswith("test, no dropout") for n in names)
    assert any("dropout 0.50, input 0.80" in n for n in names)
    assert {trace.line.color for trace in fig.data} == {WITH_DROPOUT, WITHOUT_DROPOUT}
    dashes = {None, figures.TRAIN_DASH} | ({figures.EVAL_DASH} if extra else set())
    assert {trace.line.dash for trace in fig.data} == dashes
    assert tuple(fig.layout.xaxis.range) == (0.5, 10.5)
    _titled(fig)
    assert fig.layout.yaxis.title.text


def test_the_curves_say_whether_dropout_was_on():
    """Error curves: measured with dropout off. Loss curves: the dotted training loss is the objective with dropout
    on; the dash-dot one is the same dropout network's training loss with dropout off (train_loss_eval)."""
    with_dropout, without_dropout = _history(5, 0.03), _history(5, 0.05)
    errors = figures.error_curves(with_dropout, without_dropout, keep_prob=0.5)
    assert "dropout off" in errors.layout.yaxis.title.text
    assert [t.name for t in errors.data if t.name.startswith("train")] == ["train, no dropout",
                                                                          "train, dropout off"]
    losses = figures.loss_curves(with_dropout, without_dropout, keep_prob=0.5)
    by_name = {t.name: t for t in losses.data}
    assert "dropout on" in losses.layout.yaxis.title.text
    np.testing.assert_allclose(by_name["train, dropout on"].y, with_dropout["train_loss"])
    evaluated = by_name["train, dropout off"]
    np.testing.assert_allclose(evaluated.y, with_dropout["train_loss_eval"])
    assert evaluated.line.dash == figures.EVAL_DASH and evaluated.line.color == WITH_DROPOUT
    older = figures.loss_curves(with_dropout.drop(columns="train_loss_eval"), without_dropout, keep_prob=0.5)
    assert len(older.data) == 4  # a history without the column: no dash-dot curve, no error


def test_error_curves_are_in_percent():
    fig = figures.error_curves(_history(3, 0.1), _history(3, 0.2), keep_prob=0.5)
    test_trace = next(t for t in fig.data if t.name.startswith("test, dropout"))
    np.testing.assert_allclose(test_trace.y, 100 * _history(3, 0.1)["test_error"])


def test_gap_curves_subtract_train_from_test():
    fig = figures.gap_curves(_history(4, 0.03), _history(4, 0.06), keep_prob=0.5)
    gaps = {trace.name: np.asarray(trace.y) for trace in fig.data}
    np.testing.assert_allclose(gaps["no dropout"], 6.0)
    np.testing.assert_allclose(gaps["dropout 0.50"], 3.0)
    _titled(fig)


def test_sweep_figure_has_a_line_per_design_and_split():
    sweep = pd.DataFrame({"design": ["fixed n", "fixed keep_prob × n"] * 2, "keep_prob": [0.5, 0.5, 1.0, 1.0],
                          "width": [64, 128, 64, 64], "train_error": [0.0] * 4, "test_error": [0.03, 0.02, 0.04, 0.04]})
    fig = figures.sweep_figure(sweep)
    assert len(fig.data) == 4
    assert {t.name for t in fig.data} >= {"test, fixed n", "test, fixed keep_prob × n"}
    _titled(fig)


def test_sparsity_and_activity_figures():
    fig = figures.sparsity_figure({"no dropout": [0.4, 0.5], "dropout 0.50": [0.6, 0.7]})
    assert [t.name for t in fig.data] == ["no dropout", "dropout 0.50"]
    np.testing.assert_allclose(fig.data[1].y, [60.0, 70.0])
    _titled(fig)
    fig = figures.unit_activity_figure({"no dropout": np.random.default_rng(0).random(20), "dropout": np.zeros(20)})
    assert len(fig.data) == 2 and fig.layout.barmode == "overlay"
    _titled(fig)


def test_digit_grid_one_image_per_digit_and_titles():
    images = np.random.default_rng(0).random((5, 64))
    fig = figures.digit_grid(images, [1, 2, 3, 4, 5], [7, 7, 8, 9, 6], title="wrong", columns=4)
    assert len(fig.data) == 5
    assert [a.text for a in fig.layout.annotations] == ["1 → 7", "2 → 7", "3 → 8", "4 → 9", "5 → 6"]
    assert fig.data[0].z.shape == (8, 8)
    empty = figures.digit_grid(np.zeros((0, 64)), [], [], title="none wrong")
    assert len(empty.data) == 0 and "No misclassified" in empty.layout.annotations[0].text


def test_digit_grid_is_valid_plotly_and_its_cached_shape_holds_no_earlier_images():
    """The grid reuses a figure built once per shape, unvalidated: rebuilt validated it must be the same figure,
    and a second grid of the same shape shows its own images and titles, not the first one's."""
    rng = np.random.default_rng(1)
    first, second = rng.random((5, 64)), rng.random((5, 64))
    figures.digit_grid(first, [1, 2, 3, 4, 5], [7, 7, 8, 9, 6], title="first", columns=4)
    fig = figures.digit_grid(second, [0, 0, 0, 0, 0], [1, 2, 3, 4, 5], title="second", columns=4)
    checked = go.Figure(fig.to_dict())  # raises on any invalid property
    assert checked.layout.title.text == "<b>second</b>"
    assert [a.text for a in checked.layout.annotations] == ["0 → 1", "0 → 2", "0 → 3", "0 → 4", "0 → 5"]
    for k, trace in enumerate(checked.data):
        np.testing.assert_array_equal(np.asarray(decode_arrays(trace.z)), second[k].reshape(8, 8))
        assert trace.xaxis == ("x" if k == 0 else f"x{k + 1}") and trace.yaxis == ("y" if k == 0 else f"y{k + 1}")
    assert checked.layout.yaxis5.scaleanchor == "x5" and checked.layout.xaxis8.visible is False


def test_decision_boundary_has_map_contour_and_both_classes():
    grid = np.linspace(-1, 1, 5)
    proba = np.tile(np.linspace(0, 1, 5), (5, 1))
    X = np.array([[0.0, 0.0], [0.5, 0.5], [-0.5, 0.2]])
    fig = figures.decision_boundary(grid, grid, proba, X, np.array([0, 1, 1]), title="boundary")
    kinds = [type(t).__name__ for t in fig.data]
    assert kinds == ["Heatmap", "Contour", "Scatter", "Scatter"]
    assert [t.name for t in fig.data[2:]] == ["class 0", "class 1"]
    assert len(fig.data[3].x) == 2
    _titled(fig)


def test_mc_error_figure_mean_band_and_weight_scaling_line():
    ks = np.array([1, 2, 5, 10])
    errors = np.array([[0.1, 0.06, 0.04, 0.03], [0.12, 0.05, 0.05, 0.03]])
    fig = inference_figures.mc_error_figure(ks, errors, 0.031)
    mean_trace = next(t for t in fig.data if t.name.startswith("Monte-Carlo"))
    np.testing.assert_allclose(mean_trace.y, 100 * errors.mean(axis=0))
    assert mean_trace.line.color == MC_AVERAGE
    scaling = next(t for t in fig.data if t.name.startswith("weight scaling"))
    assert scaling.line.color == REFERENCE and list(scaling.y) == [3.1, 3.1]
    assert sum(t.name == "one repeat" for t in fig.data) == 2
    assert fig.layout.xaxis.type == "log"
    _titled(fig)


def test_logit_gap_figure_log_log_with_guide():
    ks = np.array([1, 4, 16])
    fig = inference_figures.logit_gap_figure(ks, np.array([1.0, 0.5, 0.25]), np.array([1.0, 0.8, 0.75]))
    assert len(fig.data) == 3
    np.testing.assert_allclose(fig.data[2].y, [1.0, 0.5, 0.25])
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    _titled(fig)


def test_uncertainty_map_and_ambiguous_digits():
    grid = np.linspace(-1, 1, 4)
    fig = inference_figures.uncertainty_map(grid, grid, np.zeros((4, 4)), np.zeros((2, 2)), np.array([0, 1]),
                                            title="entropy", colorbar_title="nats", zmax=0.69)
    assert fig.data[0].zmax == 0.69 and fig.data[0].zmin == 0
    _titled(fig)
    proba = np.full((3, 10), 0.1)
    fig = inference_figures.ambiguous_digits_figure(np.zeros((3, 64)), [1, 2, 3], proba, np.full((3, 10), 0.05))
    assert sum(isinstance(t, go.Heatmap) for t in fig.data) == 3
    assert sum(isinstance(t, go.Bar) for t in fig.data) == 3
    assert fig.layout.title.text


def test_entropy_histogram_splits_right_and_wrong():
    fig = inference_figures.entropy_histogram(np.array([0.1, 0.2, 1.5]), np.array([False, False, True]))
    assert [t.name for t in fig.data] == ["correct (2)", "misclassified (1)"]
    _titled(fig)


@pytest.mark.parametrize("builder", [figures.error_curves, figures.loss_curves, figures.gap_curves])
def test_the_curves_are_valid_plotly_when_rebuilt_validated(builder):
    """The curve builders skip Plotly's validation for speed (a live chart builds them 21 times); rebuilt validated
    they must still be the same figure."""
    fig = builder(_history(7, 0.03), _history(7, 0.05), keep_prob=0.5, keep_prob_input=0.8, epochs=10)
    checked = go.Figure(fig.to_dict())  # raises on any invalid property
    assert checked.layout.title.text and checked.layout.template.layout.paper_bgcolor is not None
    assert checked.to_plotly_json()["layout"]["xaxis"]["range"] == [0.5, 10.5]
    assert len(checked.data) == len(fig.data) and all(trace.type == "scatter" for trace in checked.data)
