"""The feature-maps lesson under AppTest: every view at keep_prob 0, a middle value and 1; each of its
widgets; bad links for its URL-bound widgets."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import chart_specs, open_page_via_home, open_view, show_view

PAGE = "pages/feature_maps.py"
VIEW = "conv_view"
CHARTS_ABOVE = 2  # the input picture and its clean feature maps, above the views
CHARTS_PER_VIEW = {"Element vs spatial": 2, "Why": 2, "DropBlock": 1, "Frameworks": 0}


def open_page(**query: str) -> AppTest:
    """The page as a link without a view opens it (the first view; show_view opens the others)."""
    return open_page_via_home(PAGE, query, check=False)


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [s.value for s in at.success] + [h.value for h in at.subheader] + [c.value for c in at.code]
    return "\n".join(parts)


def charts(at: AppTest) -> list:
    return chart_specs(at)


def view_text(at: AppTest, label: str) -> str:
    """page_text with the view `label` open in this session."""
    return page_text(show_view(at, VIEW, label))


@pytest.mark.parametrize("keep_prob", ["0", "0.35", "1"])
def test_page_runs_at_the_extremes_and_between(keep_prob):
    views = {label: open_view(PAGE, VIEW, label, {"keep_prob": keep_prob}) for label in CHARTS_PER_VIEW}
    for label, at in views.items():
        assert at.title[0].value == "Dropout on convolutional feature maps"
        assert len(charts(at)) == CHARTS_ABOVE + CHARTS_PER_VIEW[label], label
    text = "\n".join(page_text(at) for at in views.values())
    assert "nan" not in text.lower().replace("nan_", "")  # no NaN on screen
    assert "inf" not in text.replace("info", "").replace("inference", "")
    value = float(keep_prob)
    frameworks = page_text(views["Frameworks"])  # the framework one-liners (not the sidebar's caption)
    assert f"Dropout2d(p={1 - value:.2f})" in frameworks and f"SpatialDropout2D(rate={1 - value:.2f})" in frameworks
    masks = page_text(views["Element vs spatial"])
    assert f"keep_prob = {value:.2f}" in masks
    if value == 0.0:
        assert "0 of 8192 pixels kept" in masks and "0 of 8 maps kept" in masks
    elif value == 1.0:
        assert "8192 of 8192 pixels kept" in masks and "8 of 8 maps kept" in masks and "Nothing is dropped" in masks
    else:
        info = views["Why"].info[0].value
        assert "element-wise dropout removes 65%" in info and "Spatial dropout leaves" in info


def test_page_widgets_change_the_view():
    at = open_page(keep_prob="0.5")
    assert not at.exception
    assert at.radio(key="conv_source").value == "digit"
    assert at.toggle(key="conv_relu").value is True
    assert at.select_slider(key="conv_block").value == 3
    assert "3×3 blocks" in view_text(at, "Why")

    at.number_input(key="conv_index").set_value(7).run()
    assert not at.exception and "The first 7 in the data set" in page_text(at)

    at.radio(key="conv_source").set_value("scene").run()
    assert not at.exception
    assert at.number_input(key="conv_index").label == "Which scene"
    assert "Generated scene 7, 48×48 pixels" in page_text(at)
    assert "of 18432 pixels kept" in view_text(at, "Element vs spatial")  # 8 maps of 48 x 48

    at.toggle(key="conv_relu").set_value(False).run()
    assert not at.exception and at.toggle(key="conv_relu").value is False

    at.select_slider(key="conv_block").set_value(5).run()
    assert not at.exception and "5×5 blocks" in view_text(at, "Why")

    at.slider(key="keep_prob").set_value(0.8).run()
    assert not at.exception and "Dropout2d(p=0.20)" in view_text(at, "Frameworks")


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
    for label, count in CHARTS_PER_VIEW.items():  # every view still draws all its charts
        assert len(charts(show_view(at, VIEW, label))) == CHARTS_ABOVE + count, label


@pytest.mark.parametrize("keep_prob", ["0.05", "0.8"])
def test_the_words_follow_the_bank_the_masks_and_the_measurements(keep_prob):
    from core.conv import FILTER_NAMES, describe_filter_bank
    from ui.cached.conv import measurements

    value = float(keep_prob)
    masks_view = open_view(PAGE, VIEW, "Element vs spatial", {"keep_prob": keep_prob})
    text = page_text(masks_view)
    assert describe_filter_bank() in text and "four orientations" not in text
    kept, total = (int(n) for n in re.search(r"(\d+) of (\d+) pixels kept", text).groups())
    assert kept / total == pytest.approx(value, abs=5 * (value * (1 - value) / total) ** 0.5)
    assert ("scattered holes" in text) == (2 * kept >= total)
    assert ("Most pixels are dropped" in text) == (2 * kept < total)
    why = page_text(open_view(PAGE, VIEW, "Why", {"keep_prob": keep_prob}))
    measured = measurements("digit", True, 3, 0)
    assert measured.nearest_correlation_sentence(FILTER_NAMES) in why and "almost a copy" not in why
    assert f"the neighbours restore {measured.restored_share(value):.0%} of what it removed" in why
    assert f"**{measured.at(value)['element']:.0%}** of the information" in why
