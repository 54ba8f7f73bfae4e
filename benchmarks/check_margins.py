"""Charts whose margins Plotly had to grow: each of them is drawn twice on every rerun.

    python benchmarks/check_margins.py [--width 1280] [--query "keep_prob=0.35"] [url paths ...]

Plotly measures legends, colour bars and tick labels after drawing; when they do not fit the
margins a figure asks for, it grows the margins and draws the whole figure again. Streamlit
redraws a changed chart from scratch on every rerun, so that second pass costs every keep_prob
move (see ui/theme.py). This opens every lesson page (or the given url paths) in headless
Chromium, opens each of its views (tabs) in turn, and lists every chart whose drawn margins
(`_fullLayout._size`) exceed the ones it asked for, with the margins it needed. Exit status 1 if
any did.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from benchmarks.screenshots import CHARTS_DRAWN, WAIT_IDLE  # noqa: E402
from tests.conftest import CHROMIUM_ARGS, chromium_executable, start_server  # noqa: E402
from ui.lessons import all_pages  # noqa: E402

MARGINS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(plot => {
  const layout = plot._fullLayout, asked = layout.margin, drawn = layout._size;
  return {title: (layout.title && layout.title.text || '').replace(/<[^>]+>/g, ''),
          asked: [asked.l, asked.r, asked.t, asked.b],
          drawn: [drawn.l, drawn.r, drawn.t, drawn.b].map(Math.round)};
})"""


def settle(page) -> None:
    page.wait_for_selector(WAIT_IDLE, timeout=120_000)
    page.wait_for_load_state("networkidle", timeout=120_000)
    page.wait_for_function(CHARTS_DRAWN, timeout=120_000)
    page.wait_for_timeout(300)


def grown(page, where: str) -> list[str]:
    rows = []
    for chart in page.evaluate(MARGINS):
        if any(drawn > asked + 0.5 for drawn, asked in zip(chart["drawn"], chart["asked"], strict=True)):
            rows.append(f"{where}: '{chart['title'][:60]}' asked l, r, t, b = {chart['asked']}, "
                        f"needed {chart['drawn']}")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", help="url paths; default: every lesson page")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--query", default="keep_prob=0.35&seed=0")
    args = parser.parse_args()
    wanted = args.pages or [lesson.url_path for lesson in all_pages() if lesson.url_path]

    process, url = start_server()
    problems: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": args.width, "height": 900}).new_page()
            for path in wanted:
                page.goto(f"{url}/{path}?{args.query}")
                settle(page)
                tabs = page.locator('[data-testid="stMain"] [role="tab"]')
                labels = tabs.all_inner_texts()
                problems += grown(page, f"{path} ({labels[0]})" if labels else path)
                for index in range(1, len(labels)):
                    tabs.nth(index).click()
                    page.wait_for_timeout(300)  # the rerun starts after the click
                    settle(page)
                    problems += grown(page, f"{path} ({labels[index]})")
                print(f"{path}: {len(labels) or 1} view(s) checked", file=sys.stderr)
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=20)
    print("\n".join(problems) if problems else f"No chart grows its margins at {args.width} px.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
