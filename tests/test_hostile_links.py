"""Hostile links against every page: for each widget a page binds to the URL (found by walking
the page's element tree, so new pages and controls are covered without editing this file),
malformed values give a visible warning naming the parameter and never an exception."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP
from ui.lessons import all_pages

HOSTILE = ["abc", "nan", "-inf", "1e999", "-1e300", "", "<script>alert(1)</script>", "x" * 2000]  # invalid for any key


def bound_widgets(at: AppTest) -> dict:
    """The widgets on the current page bound with bind="query-params", by their query-parameter name."""
    widgets, stack = {}, [at._tree]
    while stack:
        node = stack.pop()
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(proto, "query_param_key", ""):
            widgets[proto.query_param_key] = node
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            stack.extend(children.values())
    return widgets


def bound_keys(at: AppTest) -> list[str]:
    """The query-parameter names of every widget on the current page bound to the URL."""
    return sorted(bound_widgets(at))


def open_page(path: str, query: dict[str, str | list[str]]) -> AppTest:
    """The first run of a session, straight onto `path`: what following a shared link does."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(path)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize("lesson", all_pages(), ids=lambda lesson: lesson.url_path or "home")
def test_hostile_values_for_every_bound_parameter(lesson):
    keys = bound_keys(open_page(lesson.path, {}))
    assert {"keep_prob", "seed"} <= set(keys)
    for key in keys:
        for raw in HOSTILE:
            at = open_page(lesson.path, {key: raw, "unknown": "1"})
            assert not at.exception, f"{lesson.path} with {key}={raw[:30]!r}: {at.exception}"
            if raw != "":  # an empty value is simply absent
                warnings = " ".join(w.value for w in at.warning)
                assert key in warnings, f"{lesson.path}: no warning for {key}={raw[:30]!r}"


@pytest.mark.parametrize("lesson", all_pages(), ids=lambda lesson: lesson.url_path or "home")
def test_repeated_parameters(lesson):
    at = open_page(lesson.path, {"keep_prob": ["0.3", "0.7"], "seed": ["1", "2", "3"]})
    assert not at.exception
