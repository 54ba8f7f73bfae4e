"""The feature-maps lesson under AppTest: keep_prob 0, a middle value and 1; each of its widgets;
bad links for its URL-bound widgets."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import open_page_via_home

PAGE = "pages/feature_maps.py"


def open_page(**query: str) -> AppTest:
    return open_page_via_home(PAGE, query, check=False)


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [s.value for s in at.success] + [h.value for h in at.subheader] + [c.value for c in at.code]
    return "\n".join(parts)


def charts(at: AppTest) -> list:
    return at.get("plotly_chart")


@pytest.mark.parametrize("keep_prob", ["0", "0.35", "1"])
def test_page_runs_at_the_extremes_and_between(keep_prob):
    at = open_page(keep_prob=keep_prob)
    assert not at.exception
    assert at.title[0].value == "Dropout on convolutional feature maps"
    assert len(charts(at)) == 9
    text = page_text(at)
    assert "nan" not in text.lower().replace("nan_", "")  # no NaN on screen
    assert "inf" not in text.replace("info", "").replace("inference", "")
    value = float(keep_prob)
    assert f"p={1 - value:.2f}" in text and f"rate={1 - value:.2f}" in text  # the framework one-liners
    assert f"keep_prob = {value:.2f}" in text
    if value == 0.0:
        assert "0 of 8192 pixels kept" in text and "0 of 8 maps kept" in text
    elif value == 1.0:
        assert "8192 of 8192 pixels kept" in text and "8 of 8 maps kept" in text and "Nothing is dropped" in text
    else:
        info = at.info[0].value
        assert "element-wise dropout removes 65%" in info and "Spatial dropout leaves" in info


def test_page_widgets_change_the_view():
    at = open_page(keep_prob="0.5")
    assert not at.exception
    assert at.radio(key="conv_source").value == "digit"
    assert at.toggle(key="conv_relu").value is True
    assert at.select_slider(key="conv_block").value == 3
    assert "3×3 blocks" in page_text(at)

    at.number_input(key="conv_index").set_value(7).run()
    assert not at.exception and "The first 7 in the data set" in page_text(at)

    at.radio(key="conv_source").set_value("scene").run()
    assert not at.exception
    assert at.number_input(key="conv_index").label == "Which scene"
    assert "Generated scene 7, 48×48 pixels" in page_text(at)
    assert "of 18432 pixels kept" in page_text(at)  # 8 maps of 48 x 48

    at.toggle(key="conv_relu").set_value(False).run()
    assert not at.exception and at.toggle(key="conv_relu").value is False

    at.select_slider(key="conv_block").set_value(5).run()
    assert not at.exception and "5×5 blocks" in page_text(at)

    at.slider(key="keep_prob").set_value(0.8).run()
    assert not at.exception and "p=0.20" in page_text(at)


def test_good_links_set_the_page_controls():
    at = open_page(keep_prob="0.5", conv_source="scene", conv_index="3", conv_relu="false", conv_block="1")
    assert not at.exception and not at.warning
    assert at.radio(key="conv_source").value == "scene"
    assert at.number_input(key="conv_index").value == 3
    assert at.toggle(key="conv_relu").value is False
    assert at.select_slider(key="conv_block").value == 1


@pytest.mark.parametrize(
    "query",
    [
        {"conv_source": "abc", "conv_index": "-1", "conv_relu": "maybe", "conv_block": "4"},
        {"conv_source": "1", "conv_index": "nan", "conv_relu": "2", "conv_block": "abc"},
        {"conv_index": "99"},
        {"conv_index": "2.5", "conv_block": "-1"},
    ],
)
def test_bad_links_warn_and_fall_back(query):
    at = open_page(keep_prob="0.5", **query)
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    for key in query:
        assert f"`{key}=" in warnings
    assert at.radio(key="conv_source").value in ("digit", "scene")
    assert 0 <= at.number_input(key="conv_index").value <= 9
    assert at.select_slider(key="conv_block").value in (1, 3, 5, 7)
    assert len(charts(at)) == 9
