"""Shared fixtures: the app's path for AppTest, a fresh cache per test, and (for the browser
tests) a Streamlit server on a free loopback port plus a Chromium driven by Playwright."""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The suite sees no disk store of precomputed runs (so a run is trained where a test expects it) and starts
# no background training (it would compete with the tests for the CPU). Servers started here inherit both;
# tests/test_training_store.py switches the store on, in a temporary folder.
os.environ.setdefault("DROPOUT_LAB_STORE", "off")
os.environ.setdefault("DROPOUT_LAB_PRECOMPUTE", "0")
APP = str(ROOT / "app.py")  # absolute: AppTest resolves relative paths against the test file
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture
def app_path() -> str:
    return APP


def open_page_via_home(page: str, query: dict, *, check: bool = True, timeout: float = 60):
    """Run app.py with `query` in the URL (Home first, as a visitor arriving at /), then switch to `page`.

    check: assert that the page ran without an exception; timeout: seconds a run may take.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    if check:
        assert not at.exception, at.exception
    return at


def open_view(page: str, key: str, label: str, query: dict | None = None, *, check: bool = True,
              timeout: float = 60):
    """open_page_via_home with the view `label` of the page's view tabs `key` open, as a link opens it
    (`?key=label`); `query` holds the link's other parameters.
    """
    at = open_page_via_home(page, {**(query or {}), key: label}, check=check, timeout=timeout)
    if check:
        assert at.session_state[key] == label, f"{page}: the link did not open the view {label!r}"
    return at


def show_view(at, key: str, label: str):
    """Open the view `label` of the view tabs `key` in a running session (a click on its tab) and rerun.

    Under AppTest this works only in a session whose link held no `key`: AppTest never updates the
    query string it sends, and a bound tab's value there wins over session state (use open_view then).
    """
    at.session_state[key] = label
    at.run()
    assert not at.exception, at.exception
    assert at.session_state[key] == label, f"the view {label!r} of {key} did not open"
    return at


def _view_containers(at):
    """(query-parameter name, tab container block) of every URL-bound st.tabs on the current page."""
    from streamlit.proto.Block_pb2 import Block as BlockProto

    for node in at._tree:
        proto = getattr(node, "proto", None)
        if isinstance(proto, BlockProto) and proto.WhichOneof("type") == "tab_container":
            if proto.tab_container.query_param_key:
                yield proto.tab_container.query_param_key, node


def page_views(at) -> dict[str, list[str]]:
    """The URL-bound view tabs (ui.state.view_tabs) on the current page: query-parameter name -> tab labels."""
    return {key: [tab.label for _, tab in sorted(node.children.items())] for key, node in _view_containers(at)}


def pages_calling(function: str) -> list:
    """The pages (ui.lessons entries) whose source calls `function`, e.g. "view_tabs" or "lesson_tools":
    read from the files at collection time, so a test parametrized over them covers new pages too."""
    from ui.lessons import all_pages

    return [lesson for lesson in all_pages() if f"{function}(" in (ROOT / lesson.path).read_text(encoding="utf-8")]


@functools.cache
def lesson_views(page: str) -> dict[str, tuple[str, ...]]:
    """page_views of the page file `page` (opened once per test session: its views do not change)."""
    return {key: tuple(labels) for key, labels in page_views(open_page_via_home(page, {})).items()}


def tab_sizes(at, key: str) -> dict[str, int]:
    """How many elements each tab of the view tabs `key` holds: only the open tab's content runs."""
    for found, node in _view_containers(at):
        if found == key:
            return {tab.label: len(tab.children) for _, tab in sorted(node.children.items())}
    raise AssertionError(f"no view tabs {key!r} on this page")


def open_tools(at, url_path: str):
    """Open lesson_tools' lazy expander (CSV downloads, NumPy script, code) of the page `url_path` and rerun."""
    from ui.components import slug

    at.session_state[f"{slug(url_path)}_tools"] = True
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(autouse=True)
def _fresh_streamlit_cache():
    """st.cache_data and ui.live's cache of states are shared between AppTest runs in one process: isolate each test."""
    import streamlit as st

    from ui import live

    st.cache_data.clear()
    live.clear_cache()
    yield


def decode_arrays(value):
    """A Plotly spec with its typed-array specs ({"dtype", "bdata", "shape"}) decoded to nested lists."""
    import base64

    import numpy as np

    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
            shape = value.get("shape")
            if shape:
                array = array.reshape([int(n) for n in str(shape).split(",")])
            return array.tolist()
        return {key: decode_arrays(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode_arrays(item) for item in value]
    return value


def live_data(element) -> dict:
    """What a ui.live component hands to the browser: {"bundle": parsed states, "keep_prob", "target"}."""
    import json

    data = json.loads(element.proto.json)
    return {**data, "bundle": json.loads(data["bundle"])}


def live_state(element, keep_prob: float | None = None):
    """The state of a ui.live component at keep_prob (default: the value the page ran at): a chart's
    {"data", "layout"} spec, or a metrics row's {label: value}."""
    data = live_data(element)
    bundle = data["bundle"]
    keep_prob = data["keep_prob"] if keep_prob is None else keep_prob
    index = min(range(len(bundle["keep_probs"])), key=lambda i: abs(bundle["keep_probs"][i] - keep_prob))
    assert abs(bundle["keep_probs"][index] - keep_prob) < 1e-9, f"no state at keep_prob {keep_prob}"
    if bundle["kind"] == "metrics":
        return dict(zip(bundle["labels"], bundle["values"][index], strict=True))
    trace_indices, layout_index = bundle["frames"][index]
    return {"data": [bundle["traces"][i] for i in trace_indices], "layout": bundle["layouts"][layout_index]}


def spec_text(spec) -> str:
    """A Plotly spec as comparable text: typed arrays decoded, NaN equal to NaN (a heatmap gap is a gap)."""
    import json

    return json.dumps(decode_arrays(spec), sort_keys=True)


def open_without_live(page: str, query: dict, *, timeout: float = 120):
    """The page with `query` in its link and the live part off (as when plotly.js cannot load in the browser):
    st.plotly_chart and plain st.metric, each built for the link's keep_prob alone. Caches cleared first, so
    nothing computed for another keep_prob is reused."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ui import live

    st.cache_data.clear()
    live.clear_cache()
    at = AppTest.from_file(APP, default_timeout=timeout)
    for name, value in query.items():
        at.query_params[name] = value
    at.session_state[live.LIVE_FAILED_KEY] = True
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _charts_in_order(at):
    for node in at._tree:
        kind = getattr(node, "type", None)
        if kind == "plotly_chart" or (kind == "bidi_component" and live_data(node)["bundle"]["kind"] == "chart"):
            yield node


def chart_specs(at) -> list[dict]:
    """Every chart on the current page as a Plotly spec ({"data", "layout"}), in page order: st.plotly_chart's
    figure, and for a live chart (ui.live) its state at the keep_prob the page ran at."""
    import json

    return [json.loads(node.proto.spec) if node.type == "plotly_chart" else live_state(node)
            for node in _charts_in_order(at)]


def chart_count(at) -> int:
    """How many charts the current page shows (st.plotly_chart and live charts)."""
    return sum(1 for _ in _charts_in_order(at))


def chromium_executable() -> str | None:
    """Debian's Chromium (CI), a path from DROPOUT_LAB_CHROMIUM, or None for Playwright's own build."""
    candidates = [os.environ.get("DROPOUT_LAB_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")]
    return next((c for c in candidates if c and Path(c).exists()), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int | None = None, app: str = APP) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run` on loopback and wait until /_stcore/health answers ok."""
    port = port or _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", app, "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return process, url
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("streamlit did not become healthy within 60 s")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole browser layer."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_executable()
    with sync_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        except Exception as error:  # no browser at all
            if os.environ.get("CI"):
                raise  # CI must run the browser tests: never skip them there
            pytest.skip(f"no Chromium found ({error}); run `playwright install chromium` or set DROPOUT_LAB_CHROMIUM")
        yield chromium
        chromium.close()


@pytest.fixture
def fresh_server():
    """A server started for this test alone (for first-request behaviour such as deep links)."""
    process, url = start_server()
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def server():
    """A server shared by the browser tests that do not care about being first."""
    process, url = start_server()
    yield url
    process.terminate()
    process.wait(timeout=20)
