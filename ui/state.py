"""Shared controls and state: the sidebar keep_prob and seed, bound to the URL, with friendly checks.

Every widget whose value belongs in a shared link is created with `bind="query-params"`, so the
URL carries the state (`?keep_prob=0.8&seed=3`). Streamlit silently drops a malformed bound
value; we look at the raw query string first so that the learner is told what was ignored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import streamlit as st

from ui.lessons import all_pages

KEEP_PROB_KEY = "keep_prob"
SEED_KEY = "seed"
DEFAULT_KEEP_PROB = 0.5  # the original paper's choice for hidden units
KEEP_PROB_STEP = 0.05  # the sidebar slider's step (ui.cached.precompute trains every value it can take)
DEFAULT_SEED = 0
SEED_MAX = 9_999  # seeds are for sharing views; four digits are plenty
ROUTER_FLAG = "_router_running"  # True while app.py's navigation is running a page
PRESENT_KEY = "present"
# A local icon: a Material icon here would be fetched from the internet by the browser.
PAGE_CONFIG = {"page_title": "Dropout Lab", "page_icon": "assets/favicon.png", "layout": "wide"}

# Presentation mode, for a projector: larger text, the main column as wide as the screen (charts
# keep their own layout, so they still fit their columns), and the sidebar reduced to keep_prob
# (the seed still applies from the link). A constant: nothing a visitor types reaches this HTML.
PRESENTATION_CSS = """<style>
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.3rem !important; }
[data-testid="stCaptionContainer"] p { font-size: 1.1rem !important; }
[data-testid="stMetricValue"] p { font-size: 2.4rem !important; }
[data-testid="stMainBlockContainer"] { max-width: 96% !important; }
.st-key-seed, .st-key-framework_names { display: none; }
</style>"""


@dataclass(frozen=True)
class Settings:
    """What every lesson reads: the keep probability and the seed of its random draws."""

    keep_prob: float  # probability of KEEPING a unit (PyTorch p = Keras rate = 1 - keep_prob)
    seed: int  # determines every random draw on the page, so a link reproduces the view
    presentation: bool = False  # instructor mode: larger, fewer controls (?present=true)


def parse_float(raw: str, low: float, high: float) -> float | None:
    """The finite float in [low, high] that `raw` spells, or None."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def parse_int(raw: str, low: int, high: int) -> int | None:
    """The whole number in [low, high] that `raw` spells (\"3\" or \"3.0\"), or None."""
    value = parse_float(raw, low, high)
    return int(value) if value is not None and value == int(value) else None


def parse_choice(options: Sequence[str]) -> Callable[[str], str | None]:
    """A parser that accepts exactly one of `options`."""
    return lambda raw: raw if raw in options else None


def check_query_param(key: str, parse: Callable[[str], object], expected: str) -> None:
    """Warn (visibly, once per bad link) when the URL holds a value for `key` that `parse` rejects.

    Call it before creating the widget bound to `key`. Streamlit then drops the value (the widget
    keeps its default) or, for a number input given a fraction, truncates it: either way the
    widget shows what applies.
    """
    raw_values = st.query_params.get_all(key)
    if not raw_values:
        return
    if len(raw_values) > 1:
        st.warning(f"The link gives `{key}` {len(raw_values)} times, but it can hold one value: the `{key}` "
                   "control shows the one that applies.", icon=":material/link:")
    raw = raw_values[-1]  # Streamlit reads the last of repeated values
    if parse(raw) is None:
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        st.warning(
            f"The link's `{key}={shown}` is not valid ({expected}), so it was not used as given: "
            f"the value now shown by the `{key}` control applies.",
            icon=":material/link_off:",
        )


def bound_int_input(label: str, min_value: int, max_value: int, value: int | None, *, key: str,
                    help: str | None = None, check: bool = True) -> int:
    """A whole-number input bound to the URL parameter `key`, safe against any link.

    Streamlit 1.67's integer number_input raises OverflowError when a bound URL value is
    `inf` or `1e999`, so this uses a float input shown without decimals and rounds it; a value
    that is not a whole number in range gets check_query_param's warning (check=False: the page
    warns itself). value None starts at min_value and leaves the value to st.session_state[key]
    (for pages whose buttons set it); such callbacks should store a float.
    """
    if check:
        check_query_param(key, lambda raw: parse_int(raw, min_value, max_value),
                          f"a whole number from {min_value} to {max_value}")
    chosen = st.number_input(label, min_value=float(min_value), max_value=float(max_value),
                             value="min" if value is None else float(value), step=1.0, format="%.0f", key=key,
                             bind="query-params", help=help)
    return round(chosen)


def view_tabs(labels: Sequence[str], key: str) -> list:
    """Tabs of which only the open one runs: a page's views, bound to the URL parameter `key`.

    A keep_prob move then builds, sends and draws the charts of one view, not of all of them (the
    browser's drawing of each Plotly chart is most of a rerun's time). Use each tab's `.open`:

        grids, network = view_tabs(["Grids", "Network"], key="masks_view")
        with grids:
            if grids.open:
                st.plotly_chart(...)

    The URL holds the open tab's label (`?masks_view=Network`), so a link reopens the same view;
    a label that is not one of `labels` gets a visible warning and the first tab.
    """
    labels = list(labels)
    check_query_param(key, parse_choice(labels), "one of " + ", ".join(f"`{label}`" for label in labels))
    return st.tabs(labels, key=key, on_change="rerun", bind="query-params")


def shared_sidebar() -> Settings:
    """Draw the sidebar controls every lesson shares and return their values."""
    with st.sidebar:
        check_query_param(KEEP_PROB_KEY, lambda raw: parse_float(raw, 0.0, 1.0), "a number from 0 to 1")
        keep_prob = st.slider(
            "keep_prob",
            min_value=0.0,
            max_value=1.0,
            value=DEFAULT_KEEP_PROB,
            step=KEEP_PROB_STEP,
            key=KEEP_PROB_KEY,
            bind="query-params",
            help="The probability of KEEPING a unit. PyTorch's `p` and Keras' `rate` are 1 − keep_prob.",
        )
        seed = bound_int_input(
            "seed", 0, SEED_MAX, DEFAULT_SEED, key=SEED_KEY,
            help="Fixes every random draw: the same keep_prob and seed give the same masks.",
        )
        with st.container(key="framework_names"):
            st.caption(f"PyTorch `nn.Dropout(p={1 - keep_prob:.2f})` · Keras `Dropout(rate={1 - keep_prob:.2f})`")
        check_query_param(PRESENT_KEY, lambda raw: raw if raw.lower() in ("true", "false") else None, "true or false")
        presentation = st.toggle("Presentation mode", key=PRESENT_KEY, bind="query-params",
                                 help="For a projector: larger text and charts, only keep_prob in the sidebar. "
                                 "Share it with `?present=true`.")
    if presentation:
        st.html(PRESENTATION_CSS)
    return Settings(keep_prob=float(keep_prob), seed=int(seed), presentation=bool(presentation))


_HANDED_TO_ROUTER = "_handed_to_router"


def _hand_over_to_router() -> None:
    """Switch a freshly started server from running page files on their own to app.py's router.

    Until app.py has run once, Streamlit treats `pages/` as an old-style page folder and runs a
    page file alone when the first request is a direct link to it. Declaring the navigation here
    (hidden: app.py draws the real one) turns that mode off for the server, and the rerun then
    runs app.py, which shows this same page (its url_path is its file name) inside the frame.
    """
    from ui.lessons import all_pages  # here, not at the top: ui.lessons stays free of Streamlit

    st.session_state[_HANDED_TO_ROUTER] = True
    st.navigation([st.Page(lesson.path, url_path=lesson.url_path or None, default=not lesson.url_path)
                   for lesson in all_pages()], position="hidden")
    st.rerun()


def lesson_settings() -> Settings:
    """The shared settings, for a page. Called at the top of every lesson.

    Normally app.py has drawn the sidebar already. A page opened by a direct link on a freshly
    started server can run without app.py; then the page draws the sidebar itself, so a shared
    link works either way.
    """
    if not st.session_state.get(ROUTER_FLAG):
        if not st.session_state.get(_HANDED_TO_ROUTER):
            _hand_over_to_router()  # reruns: this line does not return
        st.set_page_config(**PAGE_CONFIG)  # the hand-over did not take: still a complete page
        return shared_sidebar()
    return Settings(
        keep_prob=float(st.session_state.get(KEEP_PROB_KEY, DEFAULT_KEEP_PROB)),
        seed=round(st.session_state.get(SEED_KEY, DEFAULT_SEED)),
        presentation=bool(st.session_state.get(PRESENT_KEY, False)),
    )


def run_frame(root: str = "", home: str | None = None) -> None:
    """The app's frame: navigation over every page of ui.lessons, the shared sidebar, then the open page.

    root: prefix of the page files (a main script outside the project folder passes the folder);
    home: another file to show at / instead of Home (benchmarks/frame_app.py: the baseline inside this frame).
    """
    sections: dict[str, list] = {}
    for lesson in all_pages():
        if lesson.url_path:
            page = st.Page(root + lesson.path, title=lesson.title, icon=lesson.icon, url_path=lesson.url_path)
        else:  # the default page lives at /
            page = st.Page(home or root + lesson.path, title=lesson.title, icon=lesson.icon, default=True)
        sections.setdefault(lesson.section, []).append(page)
    navigation = st.navigation(sections)

    shared_sidebar()
    st.session_state[ROUTER_FLAG] = True
    try:
        navigation.run()
    finally:
        st.session_state[ROUTER_FLAG] = False
