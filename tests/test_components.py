"""ui/components.py: the pure helpers, and each Streamlit piece rendered by AppTest in a tiny script."""

from __future__ import annotations

import inspect
import io

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import lessons_masks
from core.dropout import DropoutCache, bernoulli_mask, dropout_backward, dropout_forward
from core.snippets import masks_snippet
from tests.conftest import open_page_via_home, open_tools, pages_calling
from ui import components
from ui.cached import masks as cached_masks

TOOLS = "Its numbers as CSV, a NumPy script and the code behind it"  # lesson_tools' lazy expander


def test_source_of_reads_the_real_file():
    source, path, line = components.source_of(dropout_forward)
    assert source == inspect.getsource(dropout_forward)
    assert path == "core/dropout.py"
    with open(components.ROOT / path) as handle:
        assert handle.read().splitlines()[line - 1].startswith("def dropout_forward")


def test_source_of_unwraps_cached_functions_and_takes_classes():
    source, path, _ = components.source_of(cached_masks.masks_view)
    assert path == "ui/cached/masks.py" and "def masks_view" in source
    assert "class DropoutCache" in components.source_of(DropoutCache)[0]


@pytest.mark.parametrize("bad", [3, "dropout_forward", np.zeros(2)])
def test_source_of_rejects_non_functions(bad):
    with pytest.raises(TypeError, match="functions or classes"):
        components.source_of(bad)


def test_as_frame_and_csv_round_trip():
    grid = np.arange(6, dtype=float).reshape(2, 3) / 3
    frame = components.as_frame(grid, row_name="example", column_name="unit")
    assert list(frame.columns) == ["unit 0", "unit 1", "unit 2"] and frame.index.name == "example"
    back = pd.read_csv(io.BytesIO(components.csv_bytes(frame)), index_col="example")
    np.testing.assert_array_equal(back.to_numpy(), grid)  # full precision survives
    mask = components.as_frame(np.array([True, False]), column_name="kept")
    assert mask["kept"].tolist() == [True, False]
    assert components.as_frame(np.float64(2.5)).shape == (1, 1)
    given = pd.DataFrame({"a": [1]})
    assert components.as_frame(given) is given
    assert b"a\n1\n" == components.csv_bytes(given)  # an unnamed index is left out
    with pytest.raises(ValueError, match="2 dimensions"):
        components.as_frame(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="DataFrame"):
        components.csv_bytes(grid)


def test_slug():
    assert components.slug("Scaled mask (m / keep_prob)") == "scaled_mask_m_keep_prob"
    assert components.slug("???") == "data"
    with pytest.raises(TypeError):
        components.slug(3)


def test_build_link():
    values = {"keep_prob": 0.30000000000000004, "seed": 2, "masks_iteration": 4, "inverted": False,
              "missing": None, "sizes": [64, 128], "variant": "spatial dropout"}
    link = components.build_link("masks", values)
    assert link == ("/masks?keep_prob=0.3&seed=2&masks_iteration=4&inverted=false&sizes=64&sizes=128"
                    "&variant=spatial+dropout")
    assert components.build_link("", {}) == "/"
    assert components.build_link("/backprop/", {"seed": 0}, base_url="http://localhost:8501/") == \
        "http://localhost:8501/backprop?seed=0"
    assert components.build_link("masks", {"keep_prob": 1.0}) == "/masks?keep_prob=1"
    with pytest.raises(ValueError, match="cannot carry"):
        components.build_link("masks", {"keep_prob": float("nan")})
    with pytest.raises(TypeError, match="url_path"):
        components.build_link(None, {})
    with pytest.raises(TypeError, match="link value"):
        components.build_link("masks", {"x": object()})


def _demo_page():
    """A tiny page using every component (AppTest.from_function runs this function's body as a script)."""
    import numpy as np
    import streamlit as st

    from core.dropout import dropout_backward, dropout_forward
    from core.snippets import masks_snippet
    from ui.components import export_csv, reproduce_snippet, share_link, show_code

    st.session_state.setdefault("keep_prob", 0.3)
    st.session_state.setdefault("seed", 2)
    st.number_input("iteration", min_value=1, max_value=9, value=4, key="demo_iteration")
    show_code(dropout_forward, dropout_backward)
    export_csv("mask", np.eye(2, dtype=bool), key="demo_csv", row_name="example", column_name="unit")
    reproduce_snippet(masks_snippet(0.3, 2, 4), key="demo_snippet")
    st.session_state["link"] = share_link("masks", keys=("demo_iteration",), extra={"inverted": True})


def test_components_render_in_a_page():
    at = AppTest.from_function(_demo_page, default_timeout=60).run()
    assert not at.exception, at.exception
    expanders = [e.label for e in at.expander]
    assert "Show the code" in expanders and "Reproduce this view in NumPy" in expanders
    codes = [c.value.strip() for c in at.code]
    assert inspect.getsource(dropout_forward).strip() in codes and inspect.getsource(dropout_backward).strip() in codes
    assert any("from core.dropout import dropout_forward" in c for c in codes)
    link = "/masks?keep_prob=0.3&seed=2&demo_iteration=4&inverted=true"
    assert at.session_state["link"] == link and link in codes
    assert len(at.get("download_button")) == 2
    at.number_input(key="demo_iteration").set_value(7).run()
    assert at.session_state["link"] == "/masks?keep_prob=0.3&seed=2&demo_iteration=7&inverted=true"


def _tools_page():
    """A tiny page with lesson_tools (its expander, key "masks_tools", runs only while open)."""
    import numpy as np
    import streamlit as st

    from core.dropout import dropout_backward, dropout_forward
    from core.snippets import masks_snippet
    from ui.components import lesson_tools

    st.session_state.setdefault("keep_prob", 0.3)
    st.session_state.setdefault("seed", 2)
    st.number_input("iteration", min_value=1, max_value=9, value=4, key="demo_iteration")
    lesson_tools("masks", keys=("demo_iteration",), tables={"mask": np.eye(2, dtype=bool)},
                 snippet=masks_snippet(0.3, 2, 4), code=(dropout_forward, dropout_backward))
    lesson_tools("conventions")  # nothing but the link: no expander


def tools_box(at: AppTest):
    boxes = [e for e in at.expander if e.label == TOOLS]
    assert len(boxes) == 1, [e.label for e in at.expander]
    return boxes[0]


def test_lesson_tools_is_lazy_and_opens_with_downloads_snippet_and_code():
    at = AppTest.from_function(_tools_page, default_timeout=60).run()
    assert not at.exception, at.exception
    links = ["/masks?keep_prob=0.3&seed=2&demo_iteration=4", "/conventions?keep_prob=0.3&seed=2"]
    assert [c.value for c in at.code] == links  # closed: only the share links, always shown
    assert not tools_box(at).children and not at.get("download_button")

    open_tools(at, "masks")
    box = tools_box(at)
    assert [b.proto.label for b in box.get("download_button")] == ["Download mask (CSV)", "Download the script"]
    codes = [c.value.strip() for c in box.code]
    assert masks_snippet(0.3, 2, 4).strip() in codes
    assert inspect.getsource(dropout_forward).strip() in codes and inspect.getsource(dropout_backward).strip() in codes
    headings = [m.value for m in box.markdown]
    assert "**Reproduce this view in NumPy**" in headings and "**Show the code**" in headings  # inline=True
    assert [e.label for e in at.expander] == [TOOLS]  # no expander nested in it
    assert [c.value for c in at.code if c.value.startswith("/")] == links

    at.session_state["masks_tools"] = False
    at.run()
    assert not tools_box(at).children and not at.get("download_button")


def test_lesson_tools_on_the_masks_page():
    at = open_page_via_home("pages/masks.py", {"keep_prob": "0.3", "seed": "2"})
    assert not tools_box(at).children
    open_tools(at, "masks")
    box = tools_box(at)
    assert [b.proto.label for b in box.get("download_button")] == [
        "Download activations (CSV)", "Download mask (CSV)", "Download output (CSV)", "Download the script"]
    assert [b.proto.help for b in box.get("download_button")][:3] == ["8 rows × 16 columns, as shown on this page."] * 3
    codes = [c.value.strip() for c in box.code]
    assert masks_snippet(0.3, 2, 1, self_contained=True).strip() in codes
    for function in (lessons_masks.masked_layer, dropout_forward, bernoulli_mask):
        assert inspect.getsource(function).strip() in codes
    assert any(c.value.startswith("/masks?keep_prob=0.3&seed=2") for c in at.code)  # the link, outside the box


@pytest.mark.parametrize("lesson", pages_calling("lesson_tools"), ids=lambda lesson: lesson.url_path)
def test_every_lessons_tools_open_clean(lesson):
    at = open_page_via_home(lesson.path, {"keep_prob": "0.3", "seed": "2"})
    assert any(e.label == TOOLS for e in at.expander), f"{lesson.path}: no tools section"
    assert not tools_box(at).children  # lazy: nothing inside runs while it is closed
    box = tools_box(open_tools(at, lesson.url_path))
    assert "**Show the code**" in [m.value for m in box.markdown]
    assert any("def " in c.value for c in box.code)
    assert [e.label for e in at.expander if e.label in ("Show the code", "Reproduce this view in NumPy")] == []


def test_bad_calls_fail_loudly():
    with pytest.raises(ValueError, match="at least one"):
        components.show_code()
    with pytest.raises(ValueError, match="code"):
        components.reproduce_snippet("  ", key="x")


def test_app_base_url_trims_the_page_path():
    assert components.app_base_url("http://127.0.0.1:8501/masks") == "http://127.0.0.1:8501"
    assert components.app_base_url("http://127.0.0.1:8501/masks/") == "http://127.0.0.1:8501"
    assert components.app_base_url("https://host/course/dropout/backprop") == "https://host/course/dropout"
    assert components.app_base_url("http://127.0.0.1:8501") == "http://127.0.0.1:8501"
    assert components.app_base_url("http://127.0.0.1:8501/elsewhere", ["masks"]) == "http://127.0.0.1:8501/elsewhere"
    assert components.app_base_url("http://masks") == "http://masks"  # a host is never taken for a page
    assert components.app_base_url(None) is None and components.app_base_url("masks") is None
    base = components.app_base_url("http://h:1/self_check")
    assert components.build_link("self_check", {"seed": 3}, base_url=base) == "http://h:1/self_check?seed=3"
