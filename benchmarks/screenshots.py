"""Full-page screenshots of every page (or some), as a learner's browser shows them.

    python benchmarks/screenshots.py                      # every page, default settings
    python benchmarks/screenshots.py masks backprop --query "keep_prob=0.3&seed=2" --width 1280

Starts its own server on a free loopback port, writes PNGs to benchmarks/out/screenshots/ and
stops the server (by its PID) when done.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import CHROMIUM_ARGS, chromium_executable, start_server  # noqa: E402
from ui.lessons import all_pages  # noqa: E402

WAIT_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .every(chart => { const plot = chart.querySelector('.js-plotly-plot'); return plot && plot._fullData; })
  && [...document.querySelectorAll('[data-live-kind="chart"]')]
  .every(live => { const plot = live.querySelector('.dl-live-chart'); return plot && plot._fullData; })"""


def wait_for_page(page, timeout_ms: int = 60_000) -> None:
    """Wait until the script has finished and every Plotly chart on the page is drawn."""
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout_ms)  # the script has started
    page.wait_for_selector(WAIT_IDLE, timeout=timeout_ms)
    page.wait_for_load_state("networkidle", timeout=timeout_ms)  # lazily loaded chart code
    page.wait_for_function(CHARTS_DRAWN, timeout=timeout_ms)
    page.wait_for_timeout(400)  # let the last layout settle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", help="url paths (e.g. masks; '' is Home); default: every page")
    parser.add_argument("--query", default="", help="query string without '?', e.g. keep_prob=0.3&seed=2")
    parser.add_argument("--width", type=int, default=1366, help="viewport width in pixels (a laptop: 1280-1440)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "screenshots"))
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    wanted = args.pages or [lesson.url_path for lesson in all_pages()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    process, url = start_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": 900})
            page.goto(url)  # open the router first
            wait_for_page(page)
            for url_path in wanted:
                joiner = "&" if "?" in url_path else "?"  # "masks?masks_view=Network": one view of a page
                page.goto(f"{url}/{url_path}" + (f"{joiner}{args.query}" if args.query else ""))
                wait_for_page(page)
                target = out / f"{url_path or 'home'}-{args.width}.png"
                # Streamlit scrolls inside its own container, so a "full page" shot would stop at the
                # first screen: grow the viewport to the content's height instead.
                height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
                page.set_viewport_size({"width": args.width, "height": min(int(height) + 40, 16_000)})
                page.wait_for_timeout(800)
                wait_for_page(page)
                page.screenshot(path=str(target))
                page.set_viewport_size({"width": args.width, "height": 900})
                print(target)
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=20)


if __name__ == "__main__":
    main()
