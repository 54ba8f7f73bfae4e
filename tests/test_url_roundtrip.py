"""Shareable views: on every lesson, in each of its views, change keep_prob, the seed and each of the
page's own URL-bound controls there, take the link the page offers, open it in a new session, and get
the same view back."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP, page_views, show_view
from tests.test_hostile_links import bound_widgets
from ui.lessons import LESSONS

SHARED = {"keep_prob", "seed", "present"}


def another_value(widget):
    """A valid value for `widget` other than its current one, the cheaper end where there is a choice."""
    kind = type(widget).__name__
    if kind in ("Slider", "NumberInput"):
        low = widget.min if widget.min is not None else widget.value - widget.step
        return low if widget.value != low else low + widget.step
    if kind in ("Radio", "Selectbox", "SelectSlider"):
        options = list(widget.options)
        current = widget.format_func(widget.value) if kind == "Selectbox" else str(widget.value)
        choice = next(option for option in options if str(option) != current)
        return type(widget.value)(choice) if not isinstance(widget.value, str) else choice
    if kind in ("Toggle", "Checkbox"):
        return not widget.value
    raise AssertionError(f"no rule for a bound {kind}")


def values_of(at: AppTest, keys) -> dict[str, object]:
    widgets = bound_widgets(at)
    return {key: widgets[key].value for key in keys}


def round_trip(lesson, view: dict[str, str]) -> AppTest:
    """The round trip in the view `view` ({view key: label}; {} for the page as first opened); returns
    the first session."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page(lesson.path)
    at.query_params["keep_prob"] = "0.35"
    at.query_params["seed"] = "7"
    at.run()
    for key, label in view.items():
        show_view(at, key, label)
    own = {key: widget for key, widget in bound_widgets(at).items() if key not in SHARED}
    for widget in own.values():
        widget.set_value(another_value(widget))
    at.run()
    assert not at.exception
    expected = values_of(at, own)
    links = [code.value for code in at.code if code.value.startswith(f"/{lesson.url_path}?")]
    assert len(links) == 1, f"{lesson.path} shows no share link (or several): {links}"
    query = dict(parse_qsl(urlsplit(links[0]).query))
    assert query["keep_prob"] == "0.35" and query["seed"] == "7"
    assert set(own) <= set(query), f"the link leaves out {set(own) - set(query)}"
    assert all(query.get(key) == label for key, label in view.items()), f"the link leaves out the view {view}"

    reopened = AppTest.from_file(APP, default_timeout=180)
    reopened.switch_page(lesson.path)
    for key, value in query.items():
        reopened.query_params[key] = value
    reopened.run()
    assert not reopened.exception
    link_warnings = [w.value for w in reopened.warning if "link" in w.icon]  # a lesson's own advice may show
    assert not link_warnings, link_warnings
    assert reopened.slider(key="keep_prob").value == 0.35
    assert round(reopened.number_input(key="seed").value) == 7
    assert values_of(reopened, own) == expected
    assert all(reopened.session_state[key] == label for key, label in view.items())
    return at


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.url_path)
def test_the_share_link_reopens_the_same_view(lesson):
    first = round_trip(lesson, {})
    for key, labels in page_views(first).items():  # the page's other views, with the controls only they draw
        for label in labels[1:]:
            round_trip(lesson, {key: label})
