"""The live charts hand the browser the right states: for every view of every lesson, the state a live chart
(or a live row of metrics) holds for keep_prob q equals what the page draws when it is opened at q.

The page opened at q is drawn with the live part switched off (the fallback: st.plotly_chart and plain
st.metric, each built for q alone), so the two sides come from separate computations: a state built from
the wrong keep_prob, or cached under settings it does not depend on, fails here. The unit tests of
ui/live.py (bundles, the payload bound, the fallback) are in tests/test_live.py.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import lesson_views, live_data, live_state, open_view, open_without_live, pages_calling, spec_text
from ui import live

SEED = "3"  # not the default, so that a state computed for the default seed would show
OTHER_KEEP_PROBS = (0.05, 0.8)  # the states checked, from a page opened at 0.5


def _views():
    live_pages = {lesson.path: lesson for lesson in pages_calling("live_chart") + pages_calling("live_metrics")}
    for lesson in live_pages.values():
        views = lesson_views(lesson.path)
        for key, labels in views.items():
            for label in labels:
                yield pytest.param(lesson.path, key, label, id=f"{lesson.url_path}-{label}")


@pytest.mark.parametrize(("page", "key", "label"), list(_views()))
def test_every_live_state_is_what_the_page_draws_at_that_keep_prob(page, key, label):
    at = open_view(page, key, label, {"keep_prob": "0.5", "seed": SEED}, timeout=90)
    elements = [node for node in at._tree if getattr(node, "type", None) == "bidi_component"]
    if at.get("plotly_chart"):  # allowed only where the page says why (ui.live.not_live_notice)
        assert any(caption.value.startswith(live.NOT_LIVE) for caption in at.caption), \
            f"{page} {label}: a chart that does not follow the slider live, and no word on why"
    if not elements:  # a view without charts (a worked example with fixed numbers): nothing to hand over
        return
    view_bytes = sum(len(element.proto.json.encode()) for element in elements)
    assert view_bytes <= live.MAX_BUNDLE_BYTES, f"{page} {label}: {view_bytes:,} bytes of live states in one view"
    for keep_prob in OTHER_KEEP_PROBS:
        drawn = open_without_live(page, {"keep_prob": str(keep_prob), "seed": SEED, key: label}, timeout=90)
        charts = {node.key: json.loads(node.proto.spec) for node in drawn._tree
                  if getattr(node, "type", None) == "plotly_chart"}
        metrics = {m.label: m.value for m in drawn.metric}
        for element in elements:
            state = live_state(element, keep_prob)
            chart_key = element.key.removeprefix("live_")
            if live_data(element)["bundle"]["kind"] == "metrics":
                for metric_label, value in state.items():
                    assert metrics.get(metric_label) == value, (page, label, keep_prob, metric_label)
                continue
            assert chart_key in charts, f"{page} {label}: no fallback chart {chart_key!r} at {keep_prob}"
            expected = charts[chart_key]
            assert spec_text(state["data"]) == spec_text(expected["data"]), (page, label, chart_key, keep_prob)
            assert spec_text(state["layout"]) == spec_text(expected["layout"]), (page, label, chart_key, keep_prob)
