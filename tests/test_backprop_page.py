"""The lesson "Backprop and gradients" under AppTest: every view runs at keep_prob 0, a middle value and 1,
every backward variant selectable (bugs fail, the correct backward passes), both batch sizes, bad links warned."""

from __future__ import annotations

import math

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import open_page_via_home, open_view, show_view

PAGE = "pages/backprop.py"
VIEW = "bp_view"
CHARTS_PER_VIEW = {"Gradient flow": 1, "Gradient check": 2, "Zero updates": 2}
VARIANT_LABELS = ["correct backward", "no 1/keep_prob in backward", "new mask in backward", "scaled twice",
                  "mask redrawn in the check"]


def open_page(view: str = "Gradient flow", **query: str) -> AppTest:
    """The page with the view `view` open (by the link, as a shared link opens it)."""
    return open_view(PAGE, VIEW, view, query, check=False)


def _check_metric(at: AppTest) -> float:
    return float(next(m for m in at.metric if m.label.startswith("relative difference")).value)


@pytest.mark.parametrize("keep_prob", ["0", "0.5", "1"])
def test_page_runs_and_the_correct_backward_passes(keep_prob):
    views = {label: open_page(label, keep_prob=keep_prob) for label in CHARTS_PER_VIEW}
    for label, at in views.items():
        assert not at.exception, (label, at.exception)
        assert at.session_state[VIEW] == label
        assert at.title[0].value == "Backprop and gradients"
        assert len(at.get("plotly_chart")) == CHARTS_PER_VIEW[label], label
        assert len(at.latex) >= 3
        if keep_prob == "0":
            assert any("every hidden unit is dropped" in w.value for w in at.warning)
        if keep_prob == "1":
            assert any("nothing is dropped" in i.value for i in at.info)
    at = views["Gradient check"]
    assert at.radio(key="bp_variant").value == "correct backward"
    assert _check_metric(at) < 1e-7
    table = views["Gradient flow"].dataframe[0].value
    assert list(table.columns) == ["dA", "mask", "mask/keep_prob", "dA·mask/keep_prob"]
    assert not table.isna().any().any()
    if keep_prob == "0":
        assert (table["dA·mask/keep_prob"] == 0).all()
    if keep_prob == "1":
        assert (table["mask/keep_prob"] == 1).all()


def test_every_bug_fails_the_check_at_a_middle_keep_prob():
    at = open_page("Gradient check", keep_prob="0.5", seed="0")
    for label in VARIANT_LABELS[1:]:
        at.radio(key="bp_variant").set_value(label).run()
        assert not at.exception
        error = _check_metric(at)
        assert error > 1e-2, (label, error)
        assert at.error, label
    at.radio(key="bp_variant").set_value("no 1/keep_prob in backward").run()
    assert math.isclose(_check_metric(at), (1 - 0.5) / (1 + 0.5), rel_tol=1e-3)


def test_bugs_are_invisible_at_keep_prob_one_and_the_page_says_why():
    at = open_page("Gradient check", keep_prob="1", bp_variant="scaled twice")
    assert not at.exception
    assert _check_metric(at) < 1e-7
    assert any("Passes here by luck" in w.value for w in at.warning)


def test_batch_of_four_examples():
    at = open_page_via_home(PAGE, {"keep_prob": "0.3", "seed": "2"})  # no view in the link: show_view can switch
    at.radio(key="bp_examples").set_value("4").run()
    assert not at.exception
    assert "(example 0)" in " ".join(m.value for m in at.markdown)
    assert _check_metric(show_view(at, VIEW, "Gradient check")) < 1e-7


def test_bad_links_for_the_page_controls_warn_and_fall_back():
    for raw in ("abc", "-1", "nan"):
        at = open_page("Gradient check", bp_variant=raw, bp_examples=raw)
        assert not at.exception
        warnings = " ".join(w.value for w in at.warning)
        assert "bp_variant" in warnings and "bp_examples" in warnings
        assert at.radio(key="bp_variant").value == "correct backward"
        assert at.radio(key="bp_examples").value == "1"
