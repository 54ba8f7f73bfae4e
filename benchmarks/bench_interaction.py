"""Interactive speed in a real browser: key press on the keep_prob slider to rerun finished.

    python benchmarks/bench_interaction.py [--presses 30] [pages ...]

Starts the app and a trivial baseline app (benchmarks/baseline_app.py: the same slider and one
small heatmap) on loopback, opens each page in headless Chromium, and presses ArrowLeft /
ArrowRight on the sidebar slider `--presses` times: a sweep down from 0.95 to 0 (values not seen
before, so cache misses) and then back up (values seen before). The latency of a press is
measured inside the page, from the keydown event to the app's script state returning to
"notRunning" after a run. Also reports first load to every chart drawn. Target (issue 3 and 7):
each page's median at most 1.5x the baseline's, measured in the same run.

A second yardstick, benchmarks/frame_app.py, puts the baseline's page inside the app's own frame (the
navigation of every page, the shared sidebar): the column "× frame" compares each lesson with it, so
what the frame costs and what a lesson's own content costs can be told apart. Training lab and
Inference are measured with the store of precomputed runs filled first (`--cold`: without it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Measure the app as it runs for a visitor: with its disk store of precomputed runs (the test suite, whose
# helpers are imported below, switches the store off unless it is set; `--cold` switches it off here too).
os.environ.setdefault("DROPOUT_LAB_STORE", "")

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from benchmarks.screenshots import CHARTS_DRAWN, WAIT_IDLE  # noqa: E402
from tests.conftest import CHROMIUM_ARGS, chromium_executable, start_server  # noqa: E402
from ui.lessons import all_pages  # noqa: E402


def prepare_store(cold: bool) -> None:
    """Fill the store the way a server does in the background at its first start (but before measuring), or
    switch it off (`cold`: every new keep_prob on Training lab and Inference trains, as before the store)."""
    if cold:
        os.environ["DROPOUT_LAB_STORE"] = "off"
        return
    from ui.cached import precompute

    start = time.perf_counter()
    precompute.main([])
    print(f"store ready after {time.perf_counter() - start:.0f} s", file=sys.stderr)


LATENCY_PROBE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__latencies = []; let pressed = null;
  document.addEventListener('keydown', () => { pressed = performance.now(); }, true);
  new MutationObserver(records => {
    for (const record of records) {  // a run has finished when the state leaves "running"
      if (pressed !== null && record.oldValue === 'running') {
        window.__latencies.push(performance.now() - pressed); pressed = null;
      }
    }
  }).observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
}"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(browser, url: str, presses: int) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=120_000)
    page.wait_for_selector(WAIT_IDLE, timeout=120_000)
    page.wait_for_load_state("networkidle", timeout=120_000)
    page.wait_for_function(CHARTS_DRAWN, timeout=120_000)
    first_load = time.perf_counter() - start
    page.evaluate(LATENCY_PROBE)
    slider = page.locator('[data-testid="stSidebar"] input[type="range"][aria-label="keep_prob"]')
    slider.focus()
    down = min(presses, 19)  # 0.95 -> 0.0 in steps of 0.05
    keys = ["ArrowLeft"] * down + ["ArrowRight"] * (presses - down)
    missed = 0
    for key in keys:
        finished = page.evaluate("() => window.__latencies.length")
        slider.press(key)
        try:
            page.wait_for_function(f"() => window.__latencies.length > {finished}", timeout=15_000)
        except PlaywrightTimeout:  # no run finished within 15 s of the press: report it, carry on
            missed += 1
        page.wait_for_timeout(50)
    latencies = page.evaluate("() => window.__latencies")
    if "--verbose" in sys.argv:
        print(url, [round(value) for value in latencies], file=sys.stderr)
    context.close()
    return {"first_load_s": first_load, "missed": missed, "median_ms": statistics.median(latencies),
            "p95_ms": percentile(latencies, 0.95), "max_ms": max(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*",
                        help="url paths, optionally with a view (masks?masks_view=Network); default: every lesson page")
    parser.add_argument("--presses", type=int, default=30)
    parser.add_argument("--cold", action="store_true", help="without the store of precomputed runs")
    args = parser.parse_args()
    prepare_store(args.cold)

    wanted = args.pages or [lesson.url_path for lesson in all_pages() if lesson.url_path]
    app, app_url = start_server()
    baseline, baseline_url = start_server(app=str(ROOT / "benchmarks" / "baseline_app.py"))
    frame, frame_url = start_server(app=str(ROOT / "benchmarks" / "frame_app.py"))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
            measure(browser, f"{app_url}/?keep_prob=0.95", 2)  # warm the server: imports, first compiles
            rows = [("baseline", measure(browser, f"{baseline_url}/?keep_prob=0.95", args.presses))]
            measure(browser, f"{frame_url}/?keep_prob=0.95", 2)
            frame_row = ("baseline in the app's frame", measure(browser, f"{frame_url}/?keep_prob=0.95", args.presses))
            rows.append(frame_row)
            for url_path in wanted:
                joiner = "&" if "?" in url_path else "?"  # "masks?masks_view=Network": one view of a page
                rows.append((url_path, measure(browser, f"{app_url}/{url_path}{joiner}keep_prob=0.95&seed=0",
                                               args.presses)))
            rows.append(("baseline (again)", measure(browser, f"{baseline_url}/?keep_prob=0.95", args.presses)))
            browser.close()
    finally:
        for process in (app, baseline, frame):
            process.terminate()
            process.wait(timeout=20)

    reference = statistics.mean([rows[0][1]["median_ms"], rows[-1][1]["median_ms"]])
    store = "store off (--cold)" if args.cold else "store of precomputed runs filled"
    print(f"key press -> rerun finished, {args.presses} presses per page (ms); ratio = median / baseline median; "
          f"× frame = median / the baseline page's median inside the app's frame; {store}\n")
    in_frame = frame_row[1]["median_ms"]
    print("| page | median | p95 | max | ratio | × frame | presses with no rerun | first load to charts drawn (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, result in rows:
        print(f"| {name} | {result['median_ms']:.0f} | {result['p95_ms']:.0f} | {result['max_ms']:.0f} "
              f"| {result['median_ms'] / reference:.2f} | {result['median_ms'] / in_frame:.2f} | {result['missed']} "
              f"| {result['first_load_s']:.1f} |")


if __name__ == "__main__":
    main()
