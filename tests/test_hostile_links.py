"""Hostile links against every page: for each widget a page binds to the URL (found by walking
the page's element tree, in every view of the page, so new pages, views and controls are covered
without editing this file), malformed values give a visible warning naming the parameter and never
an exception; so does a link to a view the page does not have."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP, lesson_views, page_views, pages_calling, tab_sizes
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


def widgets_in_other_views(path: str, first: AppTest) -> dict[str, dict[str, str]]:
    """The URL-bound widgets that only a view other than the first draws (`first`: the page as opened
    without a view), each with the link parameter that opens its view."""
    shown, found = set(bound_widgets(first)), {}
    for view_key, labels in page_views(first).items():
        for label in labels[1:]:
            for key in bound_widgets(open_page(path, {view_key: label})):
                if key not in shown:
                    found.setdefault(key, {view_key: label})
    return found


@pytest.mark.parametrize("lesson", all_pages(), ids=lambda lesson: lesson.url_path or "home")
def test_hostile_values_for_every_bound_parameter(lesson):
    first = open_page(lesson.path, {})
    keys = bound_keys(first)
    assert {"keep_prob", "seed"} <= set(keys)
    in_views = widgets_in_other_views(lesson.path, first)  # e.g. tvt_scheme, opened with ?tvt_view=Next+layer
    for key, view in [(key, {}) for key in keys] + list(in_views.items()):
        for raw in HOSTILE:
            at = open_page(lesson.path, {**view, key: raw, "unknown": "1"})
            where = f"{lesson.path} with {''.join(f'{k}={v}&' for k, v in view.items())}{key}={raw[:30]!r}"
            assert not at.exception, f"{where}: {at.exception}"
            if raw != "":  # an empty value is simply absent
                warnings = " ".join(w.value for w in at.warning)
                assert key in warnings, f"no warning for {where}"


@pytest.mark.parametrize("lesson", pages_calling("view_tabs"), ids=lambda lesson: lesson.url_path)
def test_an_unknown_view_warns_and_opens_the_first(lesson):
    views = lesson_views(lesson.path)
    assert views, f"{lesson.path} calls view_tabs but shows no URL-bound views"
    for key, labels in views.items():
        for raw in ("Nope", labels[-1].swapcase(), "<script>alert(1)</script>"):  # labels match exactly
            at = open_page(lesson.path, {key: raw, "keep_prob": "0.35"})
            assert not at.exception, f"{lesson.path} with {key}={raw!r}: {at.exception}"
            warnings = [w.value for w in at.warning if f"`{key}=" in w.value]
            assert len(warnings) == 1 and f"`{key}={raw}` is not valid" in warnings[0], (raw, warnings)
            assert at.session_state[key] == labels[0]
            sizes = tab_sizes(at, key)
            assert sizes[labels[0]] and not any(sizes[label] for label in labels[1:]), (raw, sizes)


@pytest.mark.parametrize("lesson", all_pages(), ids=lambda lesson: lesson.url_path or "home")
def test_repeated_parameters(lesson):
    at = open_page(lesson.path, {"keep_prob": ["0.3", "0.7"], "seed": ["1", "2", "3"]})
    assert not at.exception
