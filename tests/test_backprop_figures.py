"""Figure builders of the lesson "Backprop and gradients", without Streamlit."""

from __future__ import annotations

import numpy as np

from core.two_layer import VARIANTS, check_every_variant, lesson_case
from ui.figures import backprop as figures
from ui.theme import DROPPED, NO_SCALING, PALETTE


def _mixed_case(keep_prob=0.5):
    for seed in range(50):
        case = lesson_case(seed, keep_prob, 1)
        if case.mask.any() and not case.mask.all():
            return case
    raise AssertionError("no mixed mask")


def test_gradient_network_draws_zero_gradient_edges_dotted_grey():
    case = _mixed_case()
    fig = figures.gradient_network(case.x[0], case.cache.a[0], case.cache.probs[0], ~case.dropped_everywhere,
                                   case.grads.W1, case.grads.W2, title="Gradient of every weight")
    zero = [t for t in fig.data if t.legendgroup == "zero"]
    assert zero and all(t.line.dash == "dot" and t.line.color == DROPPED for t in zero)
    n_dropped = int(case.dropped_everywhere.sum())
    n_zero_edges = sum(sum(v is None for v in t.x) for t in zero)  # one None ends each segment
    assert n_zero_edges == n_dropped * (4 + 3)  # every edge into and out of a dropped unit, no other
    assert "Gradient" in fig.layout.title.text
    assert fig.layout.showlegend


def test_check_scatter_puts_a_correct_backward_on_the_diagonal():
    checks = check_every_variant(_mixed_case())
    fig = figures.check_scatter(checks["correct"].analytic, checks["correct"].numerical, title="Analytic vs numerical")
    assert fig.data[0].name == "numerical = analytic"
    assert [t.name for t in fig.data[1:]] == ["dW1", "db1", "dW2", "db2", "da"]
    for trace in fig.data[1:]:
        np.testing.assert_allclose(trace.x, trace.y, atol=1e-6)
        assert np.all(np.abs(trace.x) <= 1.0 + 1e-12)
    bad = figures.check_scatter(checks["no_scale"].analytic, checks["no_scale"].numerical, title="bug")
    assert not np.allclose(bad.data[1].x, bad.data[1].y, atol=1e-3)
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_variant_errors_colours_passes_and_failures_and_floors_zeros():
    checks = check_every_variant(_mixed_case())
    labels = list(VARIANTS)
    fig = figures.variant_errors(labels, [*[checks[v].max_error for v in labels][:-1], 0.0], selected=1)
    colours = list(fig.data[0].marker.color)
    assert colours[0] == PALETTE["green"] and colours[1] == NO_SCALING
    assert colours[-1] == PALETTE["green"]  # an exact 0 passes, drawn at the floor of the log axis
    assert min(fig.data[0].x) >= figures.FLOOR
    assert fig.layout.xaxis.type == "log"
    assert {t.name for t in fig.data[1:]} == {"passes (< 1e-7)", "fails"}


def test_weight_gradient_heatmap_names_dropped_units():
    case = _mixed_case()
    labels = figures.unit_labels("h", case.dropped_everywhere)
    fig = figures.weight_gradient_heatmap(case.grads.W1, title="dW1", x_title="hidden unit", y_title="input",
                                          x_labels=labels, y_labels=[f"x{i}" for i in range(4)])
    assert list(fig.layout.xaxis.ticktext) == labels
    assert sum("(dropped)" in label for label in labels) == int(case.dropped_everywhere.sum())
    z = np.asarray(fig.data[0].z, dtype=float)
    assert not np.any(np.signbit(z[:, case.dropped_everywhere]))  # exact zeros, never "-0.000"
    assert fig.layout.title.text and fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_figures_survive_keep_prob_zero():
    case = lesson_case(0, 0.0, 1)
    fig = figures.gradient_network(case.x[0], case.cache.a[0], case.cache.probs[0], ~case.dropped_everywhere,
                                   case.grads.W1, case.grads.W2, title="all dropped")
    assert not [t for t in fig.data if t.legendgroup == "live"]  # every weight's gradient is exactly 0
    checks = check_every_variant(case)
    figures.check_scatter(checks["correct"].analytic, checks["correct"].numerical, title="zero")
    figures.variant_errors(list(VARIANTS), [checks[v].max_error for v in VARIANTS])


def test_every_builder_produces_valid_plotly_when_rebuilt_validated():
    """The builders skip Plotly's validation for speed; rebuilding each validated must succeed."""
    import plotly.graph_objects as go

    case = _mixed_case()
    checks = check_every_variant(case)
    built = [
        figures.gradient_network(case.x[0], case.cache.a[0], case.cache.probs[0], ~case.dropped_everywhere,
                                 case.grads.W1, case.grads.W2, title="net"),
        figures.check_scatter(checks["new_mask"].analytic, checks["new_mask"].numerical, title="t"),
        figures.variant_errors(list(VARIANTS), [checks[v].max_error for v in VARIANTS], selected=0),
        figures.weight_gradient_heatmap(case.grads.W2, title="dW2", x_title="class", y_title="hidden unit",
                                        x_labels=["a", "b", "c"],
                                        y_labels=figures.unit_labels("h", case.dropped_everywhere)),
    ]
    for fig in built:
        checked = go.Figure(fig.to_dict())  # raises on any invalid property
        assert checked.layout.title.text and checked.layout.template.layout.paper_bgcolor is not None
