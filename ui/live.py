"""Live keep_prob: a view's charts and headline numbers computed at every slider value, switched in the browser.

Python decides, the browser shows. For each chart, Python builds the figure (with the figure builder
of ui/figures/, the one definition of the chart) at every keep_prob the sidebar slider can take, and
hands the lot to the browser once per seed and page settings. ui/live.js then follows the slider while
it is dragged or stepped with the keys, and switches each chart to the state of the value shown
(`Plotly.react`, only where the state differs). It computes nothing. On release Streamlit reruns the
page as usual; the charts are already at that state and are not drawn again.

    live_chart("masks_output", lambda q: figures.output_figure(...at q...), keep_prob,
               depends_on=(seed, iteration))
    live_metrics("masks_metrics", lambda q: [Metric("fraction kept", f"{...:.3f}")], keep_prob,
                 depends_on=(seed, iteration))

`depends_on` names everything besides keep_prob that the builder reads (seed, page settings): the
states are cached under it, so a value left out would serve stale states. If plotly.js cannot be
loaded in the browser, the component says so and the page falls back to `st.plotly_chart` with a
caption: the charts still appear, updated on release as before.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from ui.state import KEEP_PROB_STEP

__all__ = [
    "LIVE_FAILED_KEY",
    "Metric",
    "chart_bundle",
    "ensure_plotly_js",
    "keep_prob_states",
    "live_chart",
    "live_metrics",
    "metrics_bundle",
    "not_live_notice",
]

HERE = Path(__file__).resolve().parent
STATIC = HERE.parent / "static"  # served at app/static/ (server.enableStaticServing in .streamlit/config.toml)
PLOTLY_JS = "plotly.min.js"
LIVE_FAILED_KEY = "_live_failed"  # set (for the session) when the browser reports that plotly.js did not load
MAX_BUNDLE_BYTES = 1_000_000  # the most state data one chart hands to the browser
GRID_SIZE = round(1 / KEEP_PROB_STEP) + 1  # 21 slider values: 0, 0.05, ..., 1

_component = st.components.v2.component(
    "dropout_lab_live",
    js=(HERE / "live.js").read_text(encoding="utf-8"),
    css=(HERE / "live.css").read_text(encoding="utf-8"),
    isolate_styles=False,  # Plotly styles its charts through the document's stylesheets, not a shadow root
)


def ensure_plotly_js(static_dir: Path = STATIC) -> Path | None:
    """Copy plotly.js from the installed plotly package to static/ (once; again if plotly changed). None on failure.

    The file is not committed: it is the one the plotly Python package ships, so the live charts and
    the figures Python builds always come from the same Plotly release.
    """
    try:
        import plotly

        source = Path(plotly.__file__).resolve().parent / "package_data" / PLOTLY_JS
        target = static_dir / PLOTLY_JS
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            static_dir.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".partial")
            shutil.copyfile(source, partial)
            partial.replace(target)  # atomic: a browser never reads half a file
        return target
    except OSError:
        return None


def keep_prob_states(keep_prob: float) -> tuple[float, ...]:
    """The keep_prob values a view is computed at: the slider's 21 values, plus keep_prob itself when a
    link sets one between them (the slider then shows it, and the view must too)."""
    grid = [round(i * KEEP_PROB_STEP, 10) for i in range(GRID_SIZE)]
    if all(not math.isclose(keep_prob, value, abs_tol=1e-9) for value in grid):
        grid.append(float(keep_prob))
    return tuple(sorted(grid))


# --- bundles: what the browser receives ------------------------------------------------------------


def _figure_parts(fig: go.Figure) -> tuple[list[str], str]:
    """The figure's traces (each as JSON text) and its layout as JSON text (Plotly's own encoder: arrays as
    typed-array specs)."""
    spec = json.loads(pio.to_json(fig, validate=False))
    return ([json.dumps(trace, separators=(",", ":")) for trace in spec.get("data", [])],
            json.dumps(spec.get("layout", {}), separators=(",", ":")))


def _unique(texts: list[str]) -> tuple[list[str], list[int]]:
    """Distinct texts in order of first appearance, and for each text the index of its distinct copy."""
    index: dict[str, int] = {}
    for text in texts:
        index.setdefault(text, len(index))
    return list(index), [index[text] for text in texts]


@dataclass(frozen=True)
class Bundle:
    """The states of one live element as JSON text, with a digest the browser uses to skip re-reading it."""

    text: str
    digest: str

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))


def _bundle(payload: dict) -> Bundle:
    text = json.dumps(payload, separators=(",", ":"))
    return Bundle(text, hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest())


def chart_bundle(build: Callable[[float], go.Figure], keep_probs: Sequence[float]) -> Bundle:
    """One chart at every keep_prob: {"kind": "chart", "keep_probs", "traces": [distinct traces],
    "layouts": [distinct layouts], "frames": [[[trace indices], layout index] per keep_prob]}.

    A trace or a layout equal to one already sent is sent once: a feature map that keep_prob does not
    change goes over once, while the mask drawn on top of it goes over for every state.
    """
    parts = [_figure_parts(build(float(q))) for q in keep_probs]
    traces, trace_index = _unique([trace for trace_texts, _ in parts for trace in trace_texts])
    layouts, layout_index = _unique([layout for _, layout in parts])
    frames, start = [], 0
    for (trace_texts, _), layout in zip(parts, layout_index, strict=True):
        frames.append([trace_index[start : start + len(trace_texts)], layout])
        start += len(trace_texts)
    # The distinct parts are already JSON: splice them in rather than parse and encode them again.
    text = ('{"kind":"chart","keep_probs":' + json.dumps([float(q) for q in keep_probs])
            + ',"traces":[' + ",".join(traces) + '],"layouts":[' + ",".join(layouts) + ']'
            + ',"frames":' + json.dumps(frames, separators=(",", ":")) + "}")
    return Bundle(text, hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest())


@dataclass(frozen=True)
class Metric:
    """A headline number: st.metric's label, the value as text, its help tooltip, and an optional delta
    (text such as "+0.01 vs formula", drawn grey: a comparison, not a gain or a loss)."""

    label: str
    value: str
    help: str | None = None
    delta: str | None = None
    delta_color: str = "off"  # st.metric's; drawn for the page's keep_prob (the browser rewrites text, not colour)


def metrics_bundle(build: Callable[[float], Sequence[Metric]], keep_probs: Sequence[float]) -> Bundle:
    """The values of a row of metrics at every keep_prob: {"keep_probs", "labels", "values": [[...] per keep_prob]}."""
    rows = [list(build(float(q))) for q in keep_probs]
    labels = [metric.label for metric in rows[0]]
    for q, row in zip(keep_probs, rows, strict=True):
        if [metric.label for metric in row] != labels:
            raise ValueError(f"live_metrics: the labels at keep_prob {q} differ from those at {keep_probs[0]}")
    return _bundle({"kind": "metrics", "keep_probs": [float(q) for q in keep_probs], "labels": labels,
                    "values": [[metric.value for metric in row] for row in rows],
                    "deltas": [[metric.delta for metric in row] for row in rows]})


class _BoundedCache:
    """The most recently used bundles, at most `size` of them (shared by every session of the server)."""

    def __init__(self, size: int):
        self._size = size
        self._items: OrderedDict[Hashable, Bundle] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Bundle]) -> Bundle:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        bundle = make()  # outside the lock: two sessions may build the same bundle once each, never wrongly
        with self._lock:
            self._items[key] = bundle
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return bundle

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_BUNDLES = _BoundedCache(size=96)  # a view's few charts for a few dozen seeds and settings; each well under 1 MB


def clear_cache() -> None:
    """Forget every cached bundle (tests use it to isolate themselves, like st.cache_data.clear())."""
    _BUNDLES.clear()


# --- the Streamlit side ------------------------------------------------------------------------------


def _live_failed() -> bool:
    return bool(st.session_state.get(LIVE_FAILED_KEY, False))


def _mark_failed() -> None:
    st.session_state[LIVE_FAILED_KEY] = True


def _mount(key: str, bundle: Bundle, keep_prob: float, target: str | None = None) -> None:
    _component(
        key=f"live_{key}",
        data={"bundle": bundle.text, "digest": bundle.digest, "keep_prob": float(keep_prob), "target": target},
        default={"failed": False},
        on_failed_change=_mark_failed,
        width="stretch",
        height="content",
    )


def live_chart(key: str, build: Callable[[float], go.Figure], keep_prob: float, *,
               depends_on: tuple = (), live: bool = True) -> None:
    """A chart that follows the keep_prob slider while it moves.

    key: a unique name for the chart on its page ("masks_output"); build: keep_prob -> the figure, from
    a builder in ui/figures/; keep_prob: the sidebar's value (the state shown before the browser takes
    over, and after every rerun); depends_on: plain values for everything else build reads.
    live: False draws the chart for keep_prob alone, updated on release (for a view whose states are too
    costly to compute at every slider value, e.g. a training run not in the store): say why with
    not_live_notice().
    """
    if _live_failed() or not live:
        st.plotly_chart(build(keep_prob), width="stretch", key=key, theme=None)
        return
    states = keep_prob_states(keep_prob)
    bundle = _BUNDLES.get(("chart", key, depends_on, states), lambda: chart_bundle(build, states))
    if bundle.size > MAX_BUNDLE_BYTES:
        raise ValueError(f"live_chart {key!r}: {bundle.size:,} bytes of states, more than {MAX_BUNDLE_BYTES:,}")
    _mount(key, bundle, keep_prob)


def live_metrics(key: str, build: Callable[[float], Sequence[Metric]], keep_prob: float, *,
                 depends_on: tuple = (), per_row: int | None = None, live: bool = True) -> None:
    """Rows of st.metric whose values follow the keep_prob slider while it moves.

    The metrics are ordinary st.metric elements (drawn for keep_prob, `per_row` to a row, all in one row
    by default); the browser rewrites their value and delta text, from the values Python computed for
    every slider value, while the slider is dragged. live=False: the metrics for keep_prob alone (see live_chart).
    """
    metrics = list(build(keep_prob))
    per_row = per_row or len(metrics)
    with st.container(key=key):
        for start in range(0, len(metrics), per_row):
            row = metrics[start : start + per_row]
            for column, metric in zip(st.columns(per_row), row, strict=False):
                column.metric(metric.label, metric.value, delta=metric.delta, delta_color=metric.delta_color,
                              help=metric.help)
        if live and not _live_failed():
            states = keep_prob_states(keep_prob)
            bundle = _BUNDLES.get(("metrics", key, depends_on, states), lambda: metrics_bundle(build, states))
            _mount(key, bundle, keep_prob, target=key)


NOT_LIVE = ":material/pause_circle:"  # the icon of not_live_notice's caption (tests look for it)


def not_live_notice(reason: str) -> None:
    """The caption of a view drawn with live=False: why its charts follow keep_prob only on release."""
    st.caption(f"{NOT_LIVE} Not live while dragging: {reason} The charts follow keep_prob when the slider is "
               "released.")


def fallback_notice() -> None:
    """The caption a page shows when the live charts could not load (call it once, near the charts)."""
    if _live_failed():
        st.caption(":material/info: The live charts could not load plotly.js in this browser, so the charts "
                   "follow keep_prob when the slider is released, not while it is dragged.")
