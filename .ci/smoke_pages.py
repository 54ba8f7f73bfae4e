"""Open the app and every page it registers, in every view, under Streamlit's AppTest; exit 1 on any exception.

Also fails when threadpoolctl cannot see NumPy's BLAS (training would then not be held to one thread).

    python .ci/smoke_pages.py [--keep-prob 0.5] [--timeout 120]

Needs only the runtime requirements (no pytest), so it can run in an environment that holds exactly the
declared lower bounds (.ci/lower_bounds.sh). Each page is opened as a visitor would: app.py first, then a
switch to the page; each of its URL-bound views (ui.state.view_tabs) is then opened by its link
(`?<key>=<label>`), and the lesson's tools section is opened once. Every failure is printed with the page,
the view and the exception, and all pages are tried before the exit.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")  # absolute: AppTest resolves relative paths against the calling file
sys.path.insert(0, str(ROOT))
# No disk store and no background training: each page computes what it shows, as in the test suite.
os.environ.setdefault("DROPOUT_LAB_STORE", "off")
os.environ.setdefault("DROPOUT_LAB_PRECOMPUTE", "0")
# AppTest runs outside a server: Streamlit logs a harmless "missing ScriptRunContext" line per cached call.
logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
    lambda record: "missing ScriptRunContext" not in record.getMessage())

import streamlit as st  # noqa: E402
from streamlit.proto.Block_pb2 import Block as BlockProto  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from ui.components import slug  # noqa: E402
from ui.lessons import all_pages  # noqa: E402


def open_page(path: str, query: dict[str, str], timeout: float) -> AppTest:
    """app.py with `query` in the URL, then a switch to the page file `path` (relative to app.py)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if not at.exception:
        at.switch_page(path).run()
    return at


def view_tabs_on(at: AppTest) -> dict[str, list[str]]:
    """The URL-bound tab containers on the current page: query-parameter name -> tab labels."""
    views = {}
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if isinstance(proto, BlockProto) and proto.WhichOneof("type") == "tab_container":
            key = proto.tab_container.query_param_key
            if key:
                views[key] = [tab.label for _, tab in sorted(node.children.items())]
    return views


def problems(at: AppTest) -> list[str]:
    return [f"{error.message}\n{''.join(error.stack_trace)}" for error in at.exception]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep-prob", default="0.5", help="the keep_prob in every link (default 0.5)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds one run of a page may take")
    args = parser.parse_args()
    import numpy
    import pandas
    import plotly
    import threadpoolctl

    print("streamlit", st.__version__, "· numpy", numpy.__version__, "· pandas", pandas.__version__,
          "· plotly", plotly.__version__, "· threadpoolctl", threadpoolctl.__version__, flush=True)
    failures, runs = [], 0
    # Training runs inside threadpool_limits(1): a threadpoolctl too old to recognise NumPy's BLAS (before
    # 3.5 for the OpenBLAS that NumPy 2 wheels ship) limits nothing, silently. Make that loud.
    if not any(library["user_api"] == "blas" for library in threadpoolctl.threadpool_info()):
        failures.append("threadpoolctl")
        print(f"\nFAILED threadpoolctl {threadpoolctl.__version__} finds no BLAS in NumPy {numpy.__version__}: "
              "threadpool_limits(1) would not limit training to one thread", file=sys.stderr, flush=True)
    for lesson in all_pages():
        query = {"keep_prob": args.keep_prob}
        start = time.perf_counter()
        st.cache_data.clear()
        at = open_page(lesson.path, query, args.timeout)
        runs += 1
        found = [(f"{lesson.path} (first view)", problems(at))]
        views = view_tabs_on(at) if not at.exception else {}
        if not at.exception:  # the closing tools section (CSV, NumPy script, code), open
            at.session_state[f"{slug(lesson.url_path or 'home')}_tools"] = True
            at.run()
            found.append((f"{lesson.path} (tools section open)", problems(at)))
        for key, labels in views.items():
            for label in labels[1:]:
                view = open_page(lesson.path, {**query, key: label}, args.timeout)
                runs += 1
                found.append((f"{lesson.path}?{key}={label}", problems(view)))
        for where, messages in found:
            for message in messages:
                failures.append(where)
                print(f"\nFAILED {where}:\n{message}", file=sys.stderr, flush=True)
        count = 1 + sum(len(labels) - 1 for labels in views.values())
        print(f"{lesson.path}: {count} view(s), {time.perf_counter() - start:.1f} s", flush=True)
    if failures:
        print(f"\n{len(failures)} failure(s), {runs} page runs: " + ", ".join(failures), file=sys.stderr)
        return 1
    print(f"every page ran without an exception ({runs} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
