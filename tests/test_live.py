"""ui/live.py without a browser: the states a bundle holds, their deduplication, the keep_prob grid, the
payload bound, the copy of plotly.js and the fallback to st.plotly_chart. (That every state equals what
the page draws at its keep_prob is tests/test_live_states.py; the browser side is tests/test_browser.py.)"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import plotly.graph_objects as go
import pytest

from tests.conftest import decode_arrays, live_state, open_page_via_home
from ui import live
from ui.state import KEEP_PROB_STEP


def _figure(q: float) -> go.Figure:
    return go.Figure(go.Bar(x=["kept", "dropped"], y=[q, 1 - q]), layout={"title": {"text": f"keep_prob {q:.2f}"}})


def test_the_states_are_the_slider_values():
    states = live.keep_prob_states(0.5)
    assert len(states) == live.GRID_SIZE == round(1 / KEEP_PROB_STEP) + 1
    assert states[0] == 0.0 and states[-1] == 1.0
    assert all(b - a == pytest.approx(KEEP_PROB_STEP) for a, b in pairwise(states))


def test_a_link_between_two_slider_values_gets_its_own_state():
    states = live.keep_prob_states(0.33)
    assert 0.33 in states and len(states) == live.GRID_SIZE + 1 and list(states) == sorted(states)


def test_a_chart_bundle_holds_each_keep_probs_figure():
    states = live.keep_prob_states(0.5)
    bundle = json.loads(live.chart_bundle(_figure, states).text)
    assert bundle["kind"] == "chart" and bundle["keep_probs"] == list(states)
    for q in (0.0, 0.35, 1.0):
        trace_indices, layout_index = bundle["frames"][states.index(q)]
        assert decode_arrays(bundle["traces"][trace_indices[0]])["y"] == pytest.approx([q, 1 - q])
        assert bundle["layouts"][layout_index]["title"]["text"] == f"keep_prob {q:.2f}"


def test_equal_states_are_sent_once():
    states = live.keep_prob_states(0.5)
    constant = json.loads(live.chart_bundle(lambda q: _figure(0.5), states).text)
    assert len(constant["traces"]) == 1 and len(constant["layouts"]) == 1
    assert constant["frames"] == [[[0], 0]] * len(states)


def test_a_trace_that_does_not_change_is_sent_once():
    def two_traces(q):
        return go.Figure([go.Bar(y=[1, 2, 3]), go.Bar(y=[q, q])])

    bundle = json.loads(live.chart_bundle(two_traces, live.keep_prob_states(0.5)).text)
    assert len(bundle["traces"]) == 1 + live.GRID_SIZE  # the constant bar once, the moving one per state
    assert all(frame[0][0] == 0 for frame in bundle["frames"])


def test_the_digest_follows_the_content():
    states = live.keep_prob_states(0.5)
    assert live.chart_bundle(_figure, states).digest == live.chart_bundle(_figure, states).digest
    assert live.chart_bundle(_figure, states).digest != live.chart_bundle(lambda q: _figure(1 - q), states).digest


def test_metrics_bundle_and_label_check():
    states = live.keep_prob_states(0.5)
    bundle = json.loads(live.metrics_bundle(lambda q: [live.Metric("scale", f"{q:.2f}")], states).text)
    assert bundle["labels"] == ["scale"] and bundle["values"][states.index(0.25)] == ["0.25"]
    with pytest.raises(ValueError, match="labels"):
        live.metrics_bundle(lambda q: [live.Metric(f"at {q}", "x")], states)


def test_a_chart_with_too_much_state_data_is_refused(monkeypatch):
    monkeypatch.setattr(live, "MAX_BUNDLE_BYTES", 1_000)
    with pytest.raises(ValueError, match="bytes of states"):
        live.live_chart("too_big", _figure, 0.5)


def test_the_cache_is_bounded():
    cache = live._BoundedCache(size=3)
    for i in range(5):
        cache.get(i, lambda i=i: live.Bundle(str(i), str(i)))
    assert list(cache._items) == [2, 3, 4]


def test_plotly_js_is_copied_from_the_plotly_package(tmp_path):
    import plotly

    target = live.ensure_plotly_js(tmp_path)
    source = Path(plotly.__file__).parent / "package_data" / live.PLOTLY_JS
    assert target is not None and target.read_bytes() == source.read_bytes()
    assert live.ensure_plotly_js(tmp_path) == target  # a second call finds it in place


def test_an_unwritable_static_folder_gives_none(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert live.ensure_plotly_js(blocker / "static") is None


def test_masks_page_hands_over_live_charts_and_metrics():
    at = open_page_via_home("pages/masks.py", {"keep_prob": "0.3", "seed": "2"})
    elements = [node for node in at._tree if getattr(node, "type", None) == "bidi_component"]
    assert {node.key for node in elements} >= {"live_masks_metrics", "live_masks_mask", "live_masks_output"}
    assert not at.get("plotly_chart")
    metrics = live_state(next(node for node in elements if node.key == "live_masks_metrics"))
    assert metrics == {m.label: m.value for m in at.metric}
    for node in elements:  # the payload bound, measured on a real page
        assert len(node.proto.json.encode()) < live.MAX_BUNDLE_BYTES


def test_fallback_draws_plotly_charts_and_says_why():
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[live.LIVE_FAILED_KEY] = True
    at.run()
    at.switch_page("pages/masks.py").run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 4
    assert not [node for node in at._tree if getattr(node, "type", None) == "bidi_component"]
    assert any("could not load plotly.js" in caption.value for caption in at.caption)
    assert {m.label for m in at.metric} >= {"fraction kept", "scale 1 / keep_prob"}


def test_not_live_draws_plain_charts_and_metrics():
    at = open_page_via_home("pages/training_lab.py", {})  # the store is off in the suite: nothing to be live with
    assert at.get("plotly_chart") and at.metric
    assert any(caption.value.startswith(live.NOT_LIVE) for caption in at.caption)
