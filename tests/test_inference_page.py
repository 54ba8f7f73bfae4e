"""The Inference page through AppTest, with a small model swapped in so that it trains in a second."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import open_page_via_home, open_view, show_view
from ui.cached import training as cached

PAGE = "pages/inference.py"
SMALL = {"inf_max_k": "20", "inf_repeats": "2", "inf_samples": "10"}
VIEW = "inf_view"


@pytest.fixture(autouse=True)
def _small_model(monkeypatch):
    """The page's model is the Training lab's default (40 epochs on 1000 images): too slow for a test."""
    monkeypatch.setattr(cached, "INFERENCE_MODEL", cached.DigitsRun(n_train=200, epochs=5, width=64))


def _open(query: dict[str, str], view: str | None = None) -> AppTest:
    if view is not None:
        return open_view(PAGE, VIEW, view, query, check=False, timeout=120)
    return open_page_via_home(PAGE, query, check=False, timeout=120)


def _charts(at: AppTest) -> dict[str, dict]:
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return {spec["layout"]["title"]["text"]: spec for spec in specs}


@pytest.mark.parametrize("keep_prob", ["0", "0.5", "1"])
def test_page_runs_at_extreme_and_middle_keep_prob(keep_prob):
    at = _open({**SMALL, "keep_prob": keep_prob})
    assert not at.exception
    assert at.title[0].value == "Inference"
    titles = " ".join(_charts(at))
    assert "averaging k sampled networks" in titles
    for view, expected in (("Why: the ReLU", ("How far the average",)),
                           ("Uncertainty", ("Predictive entropy", "Spread of p(class 1)", "most uncertain test digits",
                                            "right and wrong"))):
        shown = _open({**SMALL, "keep_prob": keep_prob}, view)
        assert not shown.exception, (view, shown.exception)
        for title in expected:
            assert title in " ".join(_charts(shown)), title
    values = [metric.value for metric in at.metric]
    assert len(values) == 3 and not any("nan" in v.lower() for v in values)
    if keep_prob == "0":
        assert any("keep_prob = 0" in w.value for w in at.warning)
    if keep_prob == "1":
        assert any("no unit is ever dropped" in i.value for i in at.info)
        # Every pass is the full network: MC equals weight scaling, so all three numbers agree.
        assert len(set(values)) == 1
    assert at.success


def test_every_control():
    at = _open({**SMALL, "keep_prob": "0.5"})
    at.select_slider(key="inf_max_k").set_value(50)
    at.slider(key="inf_repeats").set_value(4)
    at.run()
    assert not at.exception
    mc = next(spec for title, spec in _charts(at).items() if "averaging k sampled" in title)
    assert sum(trace.get("name") == "one repeat" for trace in mc["data"]) == 4
    show_view(at, VIEW, "Uncertainty")
    at.select_slider(key="inf_samples").set_value(20)
    at.radio(key="inf_shape").set_value("spirals")
    at.run()
    assert not at.exception
    assert at.radio(key="inf_shape").value == "spirals"


def test_bad_links_are_rejected_with_a_message():
    bad = {"inf_max_k": "abc", "inf_repeats": "-1", "inf_samples": "nan", "inf_shape": "circles"}
    at = _open({**bad, "keep_prob": "0.5"})
    assert not at.exception
    warned = " ".join(w.value for w in at.warning)
    for key in ("inf_max_k", "inf_repeats"):
        assert f"`{key}=" in warned, key
    at = _open({**bad, "keep_prob": "0.5"}, "Uncertainty")  # the view of the sample and toy-set controls
    assert not at.exception
    warned = " ".join(w.value for w in at.warning)
    for key in ("inf_samples", "inf_shape"):
        assert f"`{key}=" in warned, key
