"""Reusable Streamlit pieces for the lessons: the code behind a view, CSV export, a runnable
snippet, and a shareable link. Each is one call near the end of a page:

    from ui.components import export_csv, reproduce_snippet, share_link, show_code

    show_code(dropout_forward, dropout_backward)                       # the real source, in an expander
    export_csv("mask", view.mask, key="masks_csv_mask")                # a DataFrame or a 1-/2-D array
    reproduce_snippet(masks_snippet(keep_prob, seed, iteration), key="masks_snippet")
    share_link("masks", keys=("masks_iteration",))                     # keep_prob and seed are always in

The pure helpers (`source_of`, `as_frame`, `csv_bytes`, `slug`, `link_params`, `build_link`,
`app_base_url`) are
tested without Streamlit.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import numpy as np
import pandas as pd
import streamlit as st

from ui.lessons import all_pages
from ui.state import DEFAULT_KEEP_PROB, DEFAULT_SEED, KEEP_PROB_KEY, SEED_KEY

__all__ = [
    "app_base_url",
    "as_frame",
    "build_link",
    "csv_bytes",
    "export_csv",
    "link_params",
    "reproduce_snippet",
    "share_link",
    "show_code",
    "slug",
    "source_of",
]

ROOT = Path(__file__).resolve().parents[1]  # the project folder: source paths are shown relative to it


# --- pure helpers --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _source(obj) -> tuple[str, str, int]:
    source = inspect.getsource(obj)
    try:
        path = Path(inspect.getsourcefile(obj) or "").resolve()
        shown = path.relative_to(ROOT).as_posix()
    except ValueError:  # outside the project (a library function)
        shown = str(inspect.getsourcefile(obj))
    line = inspect.getsourcelines(obj)[1]
    return source, shown, line


def source_of(obj) -> tuple[str, str, int]:
    """(source text, file path relative to the project, first line number) of a function or class.

    Cached wrappers (st.cache_data) are unwrapped to the function they cache. TypeError for
    anything that is not a Python function, method or class.
    """
    target = inspect.unwrap(obj) if callable(obj) else obj
    if not (inspect.isfunction(target) or inspect.ismethod(target) or inspect.isclass(target)):
        raise TypeError(f"show_code takes functions or classes, got {type(obj).__name__} {obj!r}")
    return _source(target)


def as_frame(data, *, row_name: str = "row", column_name: str = "column") -> pd.DataFrame:
    """A DataFrame from a DataFrame (returned as is), a Series, or a 0-, 1- or 2-D array.

    A 2-D array (R, C) gets an index `row_name` 0..R-1 and columns "`column_name` 0".. ; a 1-D array
    (R,) becomes one column named `column_name`. Booleans stay booleans (a mask reads True/False).
    """
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame()
    array = np.asarray(data)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim == 1:
        frame = pd.DataFrame({column_name: array})
    elif array.ndim == 2:
        frame = pd.DataFrame(array, columns=[f"{column_name} {j}" for j in range(array.shape[1])])
    else:
        raise ValueError(f"data must be a DataFrame or an array of at most 2 dimensions, got shape {array.shape}")
    frame.index.name = row_name
    return frame


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The CSV text of a DataFrame (index included when it is named, full float precision), as UTF-8 bytes."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    keep_index = frame.index.name is not None or isinstance(frame.index, pd.MultiIndex)
    return frame.to_csv(index=keep_index, float_format="%.17g").encode("utf-8")


def slug(name: str) -> str:
    """A file-name-safe version of name: lower case, runs of other characters turned into '_'."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    cleaned = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return cleaned or "data"


def _format_value(value) -> list[str]:
    """How Streamlit writes a bound widget's value into the URL: true/false, numbers, text, repeats for lists."""
    if isinstance(value, (bool, np.bool_)):
        return ["true" if value else "false"]
    if isinstance(value, numbers.Integral):
        return [str(int(value))]
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"a link cannot carry the value {value!r}")
        return [str(int(value))] if value == int(value) and abs(value) < 1e15 else [f"{value:.10g}"]
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [item for part in value for item in _format_value(part)]
    raise TypeError(f"a link value must be a bool, number, string or list of them, got {type(value).__name__}")


def link_params(values: Mapping[str, object]) -> list[tuple[str, str]]:
    """(key, text) pairs in the order given; None values are left out, lists become repeated keys."""
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        if value is None:
            continue
        pairs.extend((key, text) for text in _format_value(value))
    return pairs


def app_base_url(context_url: str | None, page_paths: Iterable[str] = ()) -> str | None:
    """The app's base address from the browser's URL of a page (st.context.url), or None.

    Streamlit 1.67 gives "http://host:8501/masks" on the page "masks" (the query string removed, the
    page path kept): a trailing segment that is one of `page_paths` (or the registered lessons'
    url paths, by default) is removed, leaving "http://host:8501".
    """
    if not isinstance(context_url, str) or not context_url.startswith(("http://", "https://")):
        return None
    paths = {path.strip("/") for path in page_paths} or {lesson.url_path for lesson in all_pages()}
    parts = urlsplit(context_url)
    path = parts.path.rstrip("/")
    head, _, last = path.rpartition("/")
    if last and last in paths:
        path = head
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def build_link(url_path: str, values: Mapping[str, object], base_url: str | None = None) -> str:
    """The link to page `url_path` with `values` as its query string.

    base_url None gives the relative link "/masks?keep_prob=0.3&seed=2"; with the app's base URL
    ("http://host:8501" or "https://host/app/") the full address.
    """
    if not isinstance(url_path, str):
        raise TypeError(f"url_path must be a string, got {type(url_path).__name__}")
    path = "/" + url_path.strip("/")
    query = urlencode(link_params(values))
    link = path + (f"?{query}" if query else "")
    if base_url:
        return base_url.rstrip("/") + link
    return link


# --- Streamlit pieces ----------------------------------------------------------------------------


def _section(title: str, icon: str, expanded: bool, inline: bool):
    """An expander, or (inline: inside lesson_tools' expander, which cannot hold another) a heading."""
    if inline:
        st.markdown(f"**{title}**")
        return st.container()
    return st.expander(title, icon=icon, expanded=expanded)


def show_code(*functions, title: str = "Show the code", expanded: bool = False, inline: bool = False) -> None:
    """An expander with the exact source of the core functions (or classes) a lesson calls.

    Pass the functions themselves, e.g. `show_code(dropout_forward, dropout_backward)`; cached
    wrappers are unwrapped to the function they cache. Each is shown with its file and line, so
    the learner reads the real implementation, not a copy that could drift. inline: under a bold
    heading instead of an expander, for use inside another expander (as lesson_tools does).
    """
    if not functions:
        raise ValueError("show_code needs at least one function")
    sources = [(obj, *source_of(obj)) for obj in functions]  # fail before drawing anything
    with _section(title, ":material/code:", expanded, inline):
        st.caption("The exact code this view runs, read from the project's files: no copy, no simplification.")
        for obj, source, path, line in sources:
            name = getattr(inspect.unwrap(obj), "__qualname__", getattr(obj, "__name__", "?"))
            st.markdown(f"`{name}` in `{path}`, line {line}")
            st.code(source, language="python", line_numbers=False)


def export_csv(name: str, dataframe, key: str, *, label: str | None = None, row_name: str = "row",
               column_name: str = "column") -> None:
    """A download button for `dataframe` as `<name>.csv` (no rerun when clicked).

    dataframe: a pandas DataFrame, or a 1-/2-D array (see `as_frame`; e.g. `row_name="example",
    column_name="unit"` for an (N, D) mask). key: a unique widget key, e.g. "masks_csv_mask".
    """
    frame = as_frame(dataframe, row_name=row_name, column_name=column_name)
    st.download_button(
        label or f"Download {name} (CSV)",
        data=csv_bytes(frame),
        file_name=f"{slug(name)}.csv",
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
        help=f"{frame.shape[0]} rows × {frame.shape[1]} columns, as shown on this page.",
    )


def reproduce_snippet(code: str, key: str, *, title: str = "Reproduce this view in NumPy",
                      file_name: str = "dropout_lab_view.py", inline: bool = False) -> None:
    """An expander with runnable Python that recomputes the view, and a button to download it.

    code: the script's source, from a generator in core/snippets.py (e.g. `masks_snippet(...)`).
    key: a unique widget key for the download button. inline: as for show_code.
    """
    if not isinstance(code, str) or not code.strip():
        raise ValueError("code must be a non-empty string of Python source")
    with _section(title, ":material/terminal:", False, inline):
        st.caption("Runs as it is and prints the same numbers as this page (same keep_prob, seed and settings).")
        st.code(code, language="python")
        st.download_button("Download the script", data=code.encode("utf-8"), file_name=file_name,
                           mime="text/x-python", key=key, on_click="ignore", icon=":material/download:")


def share_link(url_path: str, keys: Iterable[str] = (), *, extra: Mapping[str, object] | None = None) -> str:
    """Show the link that reopens this page as it is now, in a box with a copy button; return it.

    url_path: the page's address ("masks"; "" for Home). keep_prob and seed are always included
    (read from the session, which is current even when the URL omits a default value); `keys` are
    the widget keys of the page's own URL-bound controls, read the same way; `extra` adds explicit
    values. Call it after the page's controls are drawn.
    """
    values: dict[str, object] = {
        KEEP_PROB_KEY: st.session_state.get(KEEP_PROB_KEY, DEFAULT_KEEP_PROB),
        SEED_KEY: st.session_state.get(SEED_KEY, DEFAULT_SEED),
    }
    for key in keys:  # a control of a view that is not open keeps the link's own value
        values[key] = st.session_state.get(key, st.query_params.get(key))
    values.update(extra or {})
    try:
        context_url = st.context.url  # the page's address in a browser ("http://host:8501/masks"); None in AppTest
    except Exception:  # no browser context: fall back to the relative link
        context_url = None
    link = build_link(url_path, values, base_url=app_base_url(context_url))
    st.caption("Share this view: copy the link (the copy icon at the right of the box). It reopens this page "
               "with the same settings and the same random draws.")
    st.code(link, language=None, wrap_lines=True)
    return link


def lesson_tools(url_path: str, *, code: Iterable = (), keys: Iterable[str] = (),
                 tables: Mapping[str, object] | Callable[[], Mapping[str, object]] | None = None,
                 snippet: str | Callable[[], str] | None = None,
                 table_axes: tuple[str, str] = ("row", "column")) -> None:
    """The closing section every lesson shares: its link, its numbers as CSV, the NumPy script that
    reproduces it, and the source of the core functions it runs.

    url_path: the page's address; keys: the page's own URL-bound widget keys (for the link);
    tables: name -> DataFrame or 1-/2-D array, each offered as a CSV download; snippet: runnable
    code from core/snippets.py, if the lesson has one; code: the core functions to show.
    tables and snippet may be given as functions without arguments: they are then called only
    while the section is open (e.g. `tables=lambda: {...}`), so a closed section costs nothing.
    """
    st.subheader("Take this view with you")
    share_link(url_path, keys=tuple(keys))
    functions = tuple(code)
    if not (tables or snippet is not None or functions):
        return
    # Collapsed and lazy: what is inside runs only while it is open, so it costs a keep_prob move nothing.
    with st.expander("Its numbers as CSV, a NumPy script and the code behind it", icon=":material/download:",
                     key=f"{slug(url_path)}_tools", on_change="rerun") as box:
        if not box.open:
            return
        tables = tables() if callable(tables) else tables
        snippet = snippet() if callable(snippet) else snippet
        if tables:
            columns = st.columns(min(len(tables), 4))
            for index, (name, data) in enumerate(tables.items()):
                with columns[index % len(columns)]:
                    export_csv(name, data, key=f"{slug(url_path)}_csv_{slug(name)}", row_name=table_axes[0],
                               column_name=table_axes[1])
        if snippet is not None:
            reproduce_snippet(snippet, key=f"{slug(url_path)}_snippet", file_name=f"dropout_lab_{slug(url_path)}.py",
                              inline=True)
        if functions:
            show_code(*functions, inline=True)
