"""The browser layer: a real Chromium (through Playwright) against a running server.

What only a browser shows: pages render without an exception or a console error, charts draw,
the keep_prob slider changes a chart and the address bar, a shared deep link works on a freshly
started server, and a bad link shows its warning.
"""

from __future__ import annotations

import json
import re
from itertools import pairwise

import pytest

from tests.conftest import ROOT
from ui.lessons import LESSONS, all_pages

pytestmark = pytest.mark.browser

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .every(chart => { const plot = chart.querySelector('.js-plotly-plot'); return plot && plot._fullData; })
  && [...document.querySelectorAll('[data-live-kind="chart"]')]
  .every(live => { const plot = live.querySelector('.dl-live-chart'); return plot && plot._fullData; })"""
ANY_CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot, .dl-live-chart.js-plotly-plot'
# Records, inside the page, every live switch (ui/live.js's "dropout-lab:live" events) and every start of
# a Streamlit rerun (the app's script state turning "running"), with their times.
RECORDER = """() => {
  window.__live = []; window.__reruns = [];
  document.addEventListener('dropout-lab:live', e => window.__live.push({t: performance.now(), ...e.detail}));
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__reruns.push(performance.now());
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
LIVE_DATA = "() => [...document.querySelectorAll('.dl-live-chart')].map(plot => JSON.stringify(plot.data))"
LIVE_STATES = "() => [...document.querySelectorAll('.dl-live-chart')].map(plot => plot.parentElement.dataset.keepProb)"
# Pages whose live charts need trained networks at all 21 keep_prob values: in the suite the store of
# precomputed runs is off, so they draw on release there (tests/test_training_store.py checks their live
# path with a filled store); Pitfalls is dragged on a view that needs no training.
NEEDS_THE_STORE = {"training_lab", "inference"}
# Views to open where a page's first view has no chart (Train vs test's worked example is a table) or
# needs a trained network (Pitfalls' first view).
CHART_VIEW = {"pitfalls": "&pitfalls_view=Flipped+comparison", "train_vs_test": "&tvt_view=Standard+vs+inverted"}
LIVE_LESSONS = [lesson for lesson in LESSONS if lesson.url_path not in NEEDS_THE_STORE
                and re.search(r"\blive_(chart|metrics)\(", (ROOT / lesson.path).read_text(encoding="utf-8"))]
ALL_CHARTS = """() => JSON.stringify([...document.querySelectorAll('.js-plotly-plot')]
  .map(plot => (plot._fullData || []).map(trace => [trace.z, trace.y, trace.x, trace.text])))"""


class Tab:
    """A browser page that records console errors and uncaught page errors."""

    def __init__(self, browser, width: int = 1366):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []  # requests to anywhere but this machine
        self.page.on("console", self._record)
        self.page.on("request", self._check_host)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _check_host(self, request) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        if not re.match(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/", url):
            self.outside.append(url)

    def _record(self, message) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "")
        # On a page address (/masks) Streamlit's frontend first probes /masks/_stcore/... in case
        # the app is served under that prefix, gets 404 and falls back to /: that is expected.
        if re.search(r"/[^/]+/_stcore/(health|host-config)$", source) and "404" in message.text:
            return
        self.errors.append(f"{message.text} ({source})")

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)  # the script has started
        self.settle()

    def settle(self) -> None:
        """Script finished, lazily loaded chart code fetched, and every chart drawn."""
        self.page.wait_for_selector(IDLE, timeout=60_000)
        self.page.wait_for_load_state("networkidle", timeout=60_000)
        self.page.wait_for_function(CHARTS_DRAWN, timeout=60_000)

    def keep_prob(self) -> float:
        """The value the sidebar slider shows (an <input type=range> labelled keep_prob)."""
        return float(self.slider().input_value())

    def slider(self):
        """The shared keep_prob slider in the sidebar (pages may have sliders of their own)."""
        return self.page.locator('[data-testid="stSidebar"] input[type="range"][aria-label="keep_prob"]')

    def exceptions(self) -> list[str]:
        return self.page.locator('[data-testid="stException"]').all_inner_texts()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser):
    opened = Tab(browser)
    yield opened
    opened.close()


@pytest.mark.parametrize("lesson", all_pages(), ids=lambda lesson: lesson.url_path or "home")
def test_every_page_renders_cleanly(server, tab, lesson):
    tab.open(f"{server}/{lesson.url_path}?keep_prob=0.3&seed=2")
    assert tab.exceptions() == []
    assert tab.errors == []
    assert tab.outside == [], "the page fetched something from outside this machine"
    assert tab.page.locator("h1").count() >= 1
    assert tab.keep_prob() == 0.3


@pytest.mark.parametrize("lesson", [lesson for lesson in LESSONS], ids=lambda lesson: lesson.url_path)
def test_keep_prob_slider_changes_a_chart_and_the_url(server, tab, lesson):
    tab.open(f"{server}/{lesson.url_path}?keep_prob=0.5&seed=1{CHART_VIEW.get(lesson.url_path, '')}")
    tab.page.wait_for_selector(ANY_CHART, state="attached", timeout=60_000)
    tab.settle()
    before = tab.page.evaluate(ALL_CHARTS)
    slider = tab.slider()
    slider.focus()
    for _ in range(4):  # four steps of 0.05: 0.5 -> 0.3
        slider.press("ArrowLeft")
    tab.page.wait_for_function(f"() => ({ALL_CHARTS})() !== {json.dumps(before)}", timeout=60_000)
    tab.settle()
    assert re.search(r"keep_prob=0\.3\b", tab.page.url), tab.page.url
    assert tab.exceptions() == [] and tab.errors == []


def test_sidebar_lists_every_page(server, tab):
    tab.open(server)
    links = tab.page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
    if len(all_pages()) > 1:
        for lesson in all_pages():
            assert any(lesson.title in link for link in links), (lesson.title, links)


def test_bad_link_shows_a_warning_in_the_browser(server, tab):
    tab.open(f"{server}/?keep_prob=abc&seed=-4")
    warnings = " ".join(tab.page.locator('[data-testid="stAlert"]').all_inner_texts())
    assert "keep_prob=abc" in warnings and "seed=-4" in warnings
    assert tab.keep_prob() == 0.5
    assert tab.exceptions() == []


@pytest.mark.parametrize("target", LESSONS, ids=lambda lesson: lesson.url_path)
def test_deep_link_works_on_a_freshly_started_server(fresh_server, tab, target):
    """A shared link is often the first request a server gets: it must open that page, in the app's
    frame, without anyone visiting / first."""
    tab.open(f"{fresh_server}/{target.url_path}?keep_prob=0.3&seed=4")
    assert target.title.split()[0].lower() in tab.page.locator("h1").first.inner_text().lower() or \
        tab.page.locator('[data-testid="stSidebarNavLink"][aria-current="page"]').inner_text().strip() == target.title
    assert tab.exceptions() == []
    assert tab.errors == []
    assert tab.keep_prob() == 0.3
    # Inside app.py's frame (its titled navigation), not the page file run on its own.
    links = tab.page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
    assert any(target.title in link for link in links), links
    assert tab.page.locator("h1").first.inner_text().strip() != ""


def _thumb_centre(tab) -> tuple[float, float]:
    box = tab.slider().locator("xpath=../..").bounding_box()  # the thumb: the input's wrapper's parent
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _open_live(tab, url: str) -> None:
    tab.open(url)
    tab.page.wait_for_selector(".dl-live-chart.js-plotly-plot", timeout=60_000)
    tab.settle()
    tab.page.evaluate(RECORDER)


@pytest.mark.parametrize("lesson", LIVE_LESSONS, ids=lambda lesson: lesson.url_path)
def test_dragging_keep_prob_redraws_the_charts_before_any_rerun(server, tab, lesson):
    """Mouse held on the thumb and moved a step at a time: the charts (and headline metrics) follow at every
    step and no rerun starts; on release one rerun brings the rest of the page and redraws no chart."""
    _open_live(tab, f"{server}/{lesson.url_path}?keep_prob=0.5&seed=1{CHART_VIEW.get(lesson.url_path, '')}")
    # Charts out of sight wait for the slider to rest (ui/live.js): a screen tall enough to see them all.
    tab.page.set_viewport_size({"width": 1366, "height": 3000})
    tab.page.wait_for_timeout(300)
    x, y = _thumb_centre(tab)
    step = tab.slider().locator("xpath=../../..").bounding_box()["width"] * 0.05  # one slider step in pixels
    tab.page.mouse.move(x, y)
    tab.page.mouse.down()
    shown = []
    for i in range(1, 5):  # four steps down: 0.45 ... 0.30
        tab.page.mouse.move(x - step * i, y, steps=2)
        below = 0.5 - 0.05 * i + 0.01
        tab.page.wait_for_function(f"() => window.__live.some(e => e.cause === 'slider' && e.keepProb < {below})",
                                   timeout=10_000)
        shown.append(tab.page.evaluate(LIVE_DATA))
    assert tab.page.evaluate("window.__reruns.length") == 0, "a rerun started while the thumb was held"
    keep_probs = sorted({round(e["keepProb"], 2) for e in tab.page.evaluate("window.__live")})
    assert set(keep_probs) >= {0.3, 0.35, 0.4, 0.45}, keep_probs
    assert any(a != b for a, b in pairwise(shown)), "no chart changed while dragging"
    tab.page.wait_for_timeout(400)  # the last step's whole frame (cell numbers included) is drawn
    drawn_before_release = tab.page.evaluate("window.__live.length")
    tab.page.mouse.up()
    tab.page.wait_for_function("() => window.__reruns.length > 0", timeout=10_000)
    tab.settle()
    assert re.search(r"keep_prob=0\.3\b", tab.page.url), tab.page.url
    redrawn = tab.page.evaluate(f"window.__live.slice({drawn_before_release})")
    assert redrawn == [], f"the release rerun redrew {redrawn}"
    assert tab.exceptions() == [] and tab.errors == []


def test_metrics_follow_the_drag(server, tab):
    _open_live(tab, f"{server}/masks?keep_prob=0.5&seed=1")
    metric = tab.page.locator('.st-key-masks_metrics [data-testid="stMetricValue"]').nth(2)  # keep_prob itself
    assert metric.inner_text().strip() == "0.50"
    tab.slider().focus()
    tab.page.keyboard.down("ArrowLeft")  # held: steps until released, before any rerun can finish
    tab.page.wait_for_function("() => window.__live.some(e => e.cause === 'slider')", timeout=10_000)
    tab.page.keyboard.up("ArrowLeft")
    first = tab.page.evaluate("window.__live.find(e => e.cause === 'slider').t")
    reruns = tab.page.evaluate("window.__reruns")
    assert not reruns or first < reruns[0], "the charts changed only after a rerun started"
    tab.settle()
    assert metric.inner_text().strip() == f"{tab.keep_prob():.2f}"


def test_an_arrow_key_changes_a_chart_before_the_rerun(server, tab):
    _open_live(tab, f"{server}/masks?keep_prob=0.5&seed=1")
    tab.slider().focus()
    tab.slider().press("ArrowLeft")
    tab.page.wait_for_function("() => window.__reruns.length > 0 && window.__live.length > 0", timeout=10_000)
    live, reruns = tab.page.evaluate("[window.__live, window.__reruns]")
    assert live[0]["cause"] == "slider" and live[0]["keepProb"] == pytest.approx(0.45)
    assert live[0]["t"] < reruns[0], "the chart waited for the rerun"
    tab.settle()
    shown = tab.page.evaluate(LIVE_STATES)
    assert set(shown) <= {"0.45"} and shown, shown


def test_live_charts_fall_back_when_plotly_js_cannot_load(server, tab):
    tab.page.route("**/app/static/plotly.min.js", lambda route: route.abort())
    tab.page.goto(f"{server}/masks?keep_prob=0.3&seed=2")
    tab.page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=60_000)
    tab.settle()
    assert tab.page.locator('[data-testid="stPlotlyChart"]').count() == 4  # the Grids view, drawn by Streamlit
    captions = tab.page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
    assert any("could not load plotly.js" in text for text in captions), captions
    assert tab.exceptions() == []
    assert [e for e in tab.errors if "plotly.min.js" not in e and "ERR_FAILED" not in e] == []


def test_a_deep_link_to_a_fresh_server_opens_live_at_the_links_keep_prob(fresh_server, tab):
    """A shared link as the very first request: the live charts start at the link's keep_prob and follow the
    slider from there."""
    _open_live(tab, f"{fresh_server}/masks?keep_prob=0.3&seed=4")
    assert set(tab.page.evaluate(LIVE_STATES)) == {"0.3"}
    tab.slider().focus()
    tab.slider().press("ArrowRight")
    tab.page.wait_for_function("() => window.__live.some(e => e.cause === 'slider')", timeout=10_000)
    assert tab.page.evaluate("window.__live[0].keepProb") == pytest.approx(0.35)
    tab.settle()
    assert set(tab.page.evaluate(LIVE_STATES)) == {"0.35"}
    assert tab.exceptions() == [] and tab.errors == []


def test_a_hostile_keep_prob_link_warns_and_the_live_charts_start_at_the_default(server, tab):
    _open_live(tab, f"{server}/masks?keep_prob=1e999")
    warnings = " ".join(tab.page.locator('[data-testid="stAlert"]').all_inner_texts())
    assert "keep_prob=1e999" in warnings
    assert set(tab.page.evaluate(LIVE_STATES)) == {"0.5"}
    assert tab.exceptions() == []


def test_a_chart_out_of_sight_follows_when_the_slider_rests(server, tab):
    """Masks' lower grids are below the first screen: while the thumb moves only the charts in sight redraw,
    and the others catch up when the slider rests or the rerun arrives, whichever comes first."""
    _open_live(tab, f"{server}/masks?keep_prob=0.5&seed=1")
    tab.slider().focus()
    tab.slider().press("ArrowLeft")
    tab.page.wait_for_function("() => window.__reruns.length > 0", timeout=10_000)
    tab.settle()
    tab.page.wait_for_timeout(600)
    assert set(tab.page.evaluate(LIVE_STATES)) == {"0.45"}
    slider_keys = {e["key"] for e in tab.page.evaluate("window.__live") if e["cause"] == "slider"}
    later_keys = {e["key"] for e in tab.page.evaluate("window.__live") if e["cause"] in ("settle", "rerun")}
    assert slider_keys and later_keys - slider_keys, "every chart was drawn while moving: none was out of sight?"
