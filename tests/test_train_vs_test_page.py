"""The lesson "Train vs test" under AppTest: every view runs at keep_prob 0, a middle value and 1, the
scheme radio exercised, the worked example in numbers, bad links warned."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import scaling
from tests.conftest import chart_count, open_page_via_home, open_view

PAGE = "pages/train_vs_test.py"
VIEW = "tvt_view"
CHARTS_PER_VIEW = {"Worked example": 0, "Standard vs inverted": 2, "Forgot to scale": 2, "Next layer": 1}


def open_page(view: str = "Worked example", **query: str) -> AppTest:
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
        assert chart_count(at) == CHARTS_PER_VIEW[label], label
        if keep_prob == "0":
            assert any("every unit is dropped" in w.value for w in at.warning)
        if keep_prob == "1":
            assert any("nothing is dropped" in i.value for i in at.info)
    table = views["Worked example"].dataframe[0].value
    assert list(table.columns) == ["unit 0", "unit 1", "unit 2"]
    expected = table.loc["standard train, expected over masks"].tolist()
    assert expected == pytest.approx(table.loc["standard test"].tolist())
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


def test_the_worked_example_is_the_first_view_and_sets_keep_prob_before_the_mask():
    at = open_page_via_home(PAGE, {"keep_prob": "0.5"})  # no view in the link: the first view opens
    assert at.session_state[VIEW] == "Worked example"
    text = " ".join(m.value for m in at.markdown)
    assert text.index("Set keep_prob = 2/3") < text.index("this mask happens to keep 2 of the 3")
    assert "all 8 possible masks" in text and "so the fraction kept is keep_prob" not in text
    assert "every framework" not in text + " ".join(m.value for m in at.markdown)


def test_the_inverted_scheme_names_frameworks_without_claiming_every_one():
    at = open_page("Standard vs inverted", keep_prob="0.5")
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "every framework" not in text
    assert "PyTorch, Keras/TensorFlow and most frameworks today" in text
    assert "One particular mask" not in text
    assert "this one mask's training output" in text


def test_the_forgotten_scale_names_the_pre_activation_and_its_numbers():
    at = open_page("Next layer", keep_prob="0.5", seed="1")
    train, test = _metric(at, "mean z at train time"), _metric(at, "mean z at test time")
    message = at.error[0].value
    assert "pre-activation z jumps by" in message
    assert f"{test - train:+.2f}" in message and f"({train:.2f} → {test:.2f})" in message
    assert "1 / keep_prob = 2 times" in message


@pytest.mark.parametrize("scheme", ["standard", "inverted"])
def test_a_correct_scheme_counts_the_units_within_the_noise(scheme):
    at = open_page("Next layer", keep_prob="0.5", seed="1", tvt_scheme=scheme)
    shift = scaling.next_layer_shift(scheme, 0.5, 1, n_examples=512)
    caption = next(c.value for c in at.caption if c.value.startswith("Train and test agree"))
    assert f"for {shift.units_within_noise} of 4 next-layer units" in caption


def test_inverted_dropout_at_keep_prob_zero_is_a_mismatch_not_noise():
    at = open_page("Next layer", keep_prob="0", tvt_scheme="inverted")
    assert at.error and not any(c.value.startswith("Train and test agree") for c in at.caption)


def test_a_mask_that_keeps_nothing_says_how_likely_that_is():
    seed = next(s for s in range(100) if not scaling.hidden_layer_example(s, 0.05, 8)[1].any())
    at = open_page("Standard vs inverted", keep_prob="0.05", seed=str(seed))
    caption = next(c.value for c in at.caption if "keep none" in c.value)
    assert f"(1 − keep_prob)^8 = {0.95 ** 8:.2g}" in caption
