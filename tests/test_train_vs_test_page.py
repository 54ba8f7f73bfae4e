"""The lesson "Train vs test" under AppTest: every view runs at keep_prob 0, a middle value and 1, the
scheme radio exercised, the worked example in numbers, bad links warned."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import open_view

PAGE = "pages/train_vs_test.py"
VIEW = "tvt_view"
CHARTS_PER_VIEW = {"Standard vs inverted": 2, "Forgot to scale": 2, "Next layer": 1, "Worked example": 0}


def open_page(view: str = "Standard vs inverted", **query: str) -> AppTest:
    """The page with the view `view` open (by the link, as a shared link opens it)."""
    return open_view(PAGE, VIEW, view, query, check=False)


def _metric(at: AppTest, label: str) -> float:
    return float(next(m for m in at.metric if m.label == label).value)


@pytest.mark.parametrize("keep_prob", ["0", "0.5", "1"])
def test_page_runs_with_both_schemes_and_the_worked_example(keep_prob):
    views = {label: open_page(label, keep_prob=keep_prob) for label in CHARTS_PER_VIEW}
    for label, at in views.items():
        assert not at.exception, (label, at.exception)
        assert at.session_state[VIEW] == label
        assert at.title[0].value == "Train vs test"
        assert len(at.latex) >= 2
        assert len(at.get("plotly_chart")) == CHARTS_PER_VIEW[label], label
        if keep_prob == "0":
            assert any("every unit is dropped" in w.value for w in at.warning)
        if keep_prob == "1":
            assert any("nothing is dropped" in i.value for i in at.info)
    table = views["Worked example"].dataframe[0].value
    assert list(table.columns) == ["unit 0", "unit 1", "unit 2"]
    assert table.loc["standard train, mean over masks"].tolist() == pytest.approx(table.loc["standard test"].tolist())
    assert not table.isna().any().any()
    at = views["Next layer"]
    assert at.metric
    for metric in at.metric:
        assert "nan" not in str(metric.value).lower()
    if keep_prob == "1":
        assert _metric(at, "mean z at train time") == pytest.approx(_metric(at, "mean z at test time"), abs=1e-3)


def test_scheme_radio_shows_the_forgotten_scale_and_the_correct_ones():
    at = open_page("Next layer", keep_prob="0.5", seed="1")
    assert at.radio(key="tvt_scheme").value == "forgot to scale"
    train, test = _metric(at, "mean z at train time"), _metric(at, "mean z at test time")
    assert test > train * 1.5  # roughly twice at keep_prob 0.5 (the bias keeps it below 2)
    assert at.error
    for scheme in ("standard", "inverted"):
        at.radio(key="tvt_scheme").set_value(scheme).run()
        assert not at.exception
        train, test = _metric(at, "mean z at train time"), _metric(at, "mean z at test time")
        assert abs(test - train) < 0.1 * abs(test)  # Monte-Carlo noise only (its standard error is ~2%)
        assert not at.error


def test_bad_links_for_the_scheme_warn_and_fall_back():
    for raw in ("abc", "-1", "nan"):
        at = open_page("Next layer", tvt_scheme=raw)
        assert not at.exception
        assert any("tvt_scheme" in w.value for w in at.warning)
        assert at.radio(key="tvt_scheme").value == "forgot to scale"
