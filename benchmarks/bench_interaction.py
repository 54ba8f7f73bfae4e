"""Interactive speed in a real browser: the live charts while keep_prob moves, and the rerun after it.

    python benchmarks/bench_interaction.py [--presses 30] [--drag-steps 8] [--compare-with DIR] [pages ...]

Starts the app and a trivial baseline app (benchmarks/baseline_app.py: the same slider and one
small heatmap) on loopback, opens each page in headless Chromium, and presses ArrowLeft /
ArrowRight on the sidebar slider `--presses` times: a sweep down from 0.95 to 0 and back up.
For every press, measured inside the page from the keydown event:

- live: to the last chart redrawn by ui/live.js for that step (its "dropout-lab:live" events), before
  any rerun; target (issue 14): p95 at most half the baseline's key-press-to-rerun median;
- release: to the app's script state returning to "notRunning" after the rerun the press causes;
  target: at most 1.5x the baseline's median.

Then a held drag: the mouse down on the thumb, moved `--drag-steps` slider steps one at a time, and
released: how many steps the charts redrew while the button was held, and how many reruns started
before the release (target: a redraw for every step, no rerun). Also first load to every chart
drawn, and the live state data each page hands to the browser (AppTest, its default view).

A second yardstick, benchmarks/frame_app.py, puts the baseline's page inside the app's own frame (the
navigation of every page, the shared sidebar): the column "× frame" compares each lesson with it.
`--compare-with DIR` also serves another checkout of the app (e.g. a `git worktree` of an earlier
commit) and measures each page there right after this one, in the same run, for a before/after table.
Training lab and Inference are measured with the store of precomputed runs filled first (`--cold`:
without it).
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
  window.__latencies = []; window.__live = []; window.__reruns = 0; window.__pressed = null; let pressed = null;
  document.addEventListener('keydown', () => { pressed = performance.now(); window.__pressed = pressed; }, true);
  document.addEventListener('dropout-lab:live', e => {
    if (e.detail.cause !== 'slider' || window.__pressed === null) return;
    window.__live.push(performance.now() - window.__pressed);
  });
  new MutationObserver(records => {
    for (const record of records) {  // a run has finished when the state leaves "running"
      if (app.getAttribute('data-test-script-state') === 'running') window.__reruns += 1;
      if (pressed !== null && record.oldValue === 'running') {
        window.__latencies.push(performance.now() - pressed); pressed = null;
      }
    }
  }).observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
}"""
# The live latency of one press: from its keydown to the first chart it redrew, and to the last (all of the view's).
LIVE_TIMES = "() => window.__live.length ? [Math.min(...window.__live), Math.max(...window.__live)] : null"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def payload_bytes(url_path: str) -> int | None:
    """The live state data (bytes of JSON) a page hands to the browser in the view the path names, or None
    for a page without live charts. Measured with AppTest on the page's default settings."""
    from urllib.parse import parse_qsl, urlsplit

    from streamlit.testing.v1 import AppTest

    from ui.lessons import all_pages as pages

    parts = urlsplit(url_path)
    lesson = next(lesson for lesson in pages() if lesson.url_path == parts.path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for key, value in parse_qsl(parts.query):
        at.query_params[key] = value
    at.run()
    at.switch_page(lesson.path).run()
    sizes = [len(node.proto.json.encode()) for node in at._tree if getattr(node, "type", None) == "bidi_component"]
    return sum(sizes) if sizes else None


THUMB_VALUE = """() => document.querySelector('[data-testid="stSidebar"] input[type="range"][aria-label="keep_prob"]')
  .getAttribute('aria-valuetext')"""


def drag(page, steps: int) -> dict[str, int]:
    """Hold the mouse on the slider's thumb and move it `steps` slider steps toward the far end, one at a time
    (to the right when the thumb is in the left half, where the key sweep leaves it)."""
    slider = page.locator('[data-testid="stSidebar"] input[type="range"][aria-label="keep_prob"]')
    thumb = slider.locator("xpath=../..").bounding_box()
    track = slider.locator("xpath=../../..").bounding_box()
    x, y = thumb["x"] + thumb["width"] / 2, thumb["y"] + thumb["height"] / 2
    step = track["width"] * 0.05 * (1 if float(slider.input_value()) < 0.5 else -1)
    page.evaluate("""() => {
      window.__dragLive = new Set(); window.__dragReruns = window.__reruns;
      window.__dragListener = e => { if (e.detail.cause === 'slider') window.__dragLive.add(e.detail.keepProb); };
      document.addEventListener('dropout-lab:live', window.__dragListener);
    }""")
    page.mouse.move(x, y)
    page.mouse.down()
    crossed = set()
    for i in range(1, steps + 1):
        page.mouse.move(x + step * i, y, steps=2)
        page.wait_for_timeout(250)
        crossed.add(page.evaluate(THUMB_VALUE))
    reruns_held = page.evaluate("() => window.__reruns - window.__dragReruns")
    redrawn = page.evaluate("() => window.__dragLive.size")
    page.mouse.up()
    page.wait_for_selector(WAIT_IDLE, timeout=120_000)
    page.evaluate("() => document.removeEventListener('dropout-lab:live', window.__dragListener)")
    return {"steps": len(crossed), "redrawn": redrawn, "reruns_held": reruns_held}


# --height changes it: live charts out of sight redraw only once the slider rests.
VIEWPORT = {"width": 1366, "height": 900}


def measure(browser, url: str, presses: int, drag_steps: int = 0) -> dict[str, float]:
    context = browser.new_context(viewport=VIEWPORT)
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
    missed, live, first = 0, [], []
    for key in keys:
        finished = page.evaluate("() => { window.__live = []; return window.__latencies.length; }")
        slider.press(key)
        try:
            page.wait_for_function(f"() => window.__latencies.length > {finished}", timeout=15_000)
        except PlaywrightTimeout:  # no run finished within 15 s of the press: report it, carry on
            missed += 1
        page.wait_for_timeout(50)
        times = page.evaluate(LIVE_TIMES)
        if times is not None:
            first.append(times[0])
            live.append(times[1])
    latencies = page.evaluate("() => window.__latencies")
    dragged = drag(page, drag_steps) if drag_steps and live else None
    if "--verbose" in sys.argv:
        print(url, [round(value) for value in latencies], [round(value) for value in live], file=sys.stderr)
    context.close()
    if not latencies:  # not one rerun finished: report the page as such rather than stop the whole run
        latencies = [float("nan")]
    result = {"first_load_s": first_load, "missed": missed, "median_ms": statistics.median(latencies),
              "p95_ms": percentile(latencies, 0.95), "max_ms": max(latencies), "live": None, "drag": dragged}
    if live:
        result["live"] = {"median_ms": statistics.median(live), "p95_ms": percentile(live, 0.95), "max_ms": max(live),
                          "first_median_ms": statistics.median(first), "first_p95_ms": percentile(first, 0.95),
                          "n": len(live)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*",
                        help="url paths, optionally with a view (masks?masks_view=Network); default: every lesson page")
    parser.add_argument("--presses", type=int, default=30)
    parser.add_argument("--drag-steps", type=int, default=8)
    parser.add_argument("--compare-with", type=Path, default=None,
                        help="another checkout of the app, measured page by page in the same run")
    parser.add_argument("--cold", action="store_true", help="without the store of precomputed runs")
    parser.add_argument("--height", type=int, default=900,
                        help="browser window height in px (e.g. 3000: every chart of a view in sight)")
    args = parser.parse_args()
    VIEWPORT["height"] = args.height
    prepare_store(args.cold)

    wanted = args.pages or [lesson.url_path for lesson in all_pages() if lesson.url_path]
    payloads = {url_path: payload_bytes(url_path) for url_path in wanted}
    app, app_url = start_server()
    baseline, baseline_url = start_server(app=str(ROOT / "benchmarks" / "baseline_app.py"))
    frame, frame_url = start_server(app=str(ROOT / "benchmarks" / "frame_app.py"))
    servers = [app, baseline, frame]
    other_url = None
    if args.compare_with:
        other, other_url = start_server(app=str(args.compare_with.resolve() / "app.py"))
        servers.append(other)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
            measure(browser, f"{app_url}/?keep_prob=0.95", 2)  # warm the servers: imports, first compiles
            if other_url:
                measure(browser, f"{other_url}/?keep_prob=0.95", 2)
            rows = [("baseline", measure(browser, f"{baseline_url}/?keep_prob=0.95", args.presses), None)]
            measure(browser, f"{frame_url}/?keep_prob=0.95", 2)
            frame_row = ("baseline in the app's frame", measure(browser, f"{frame_url}/?keep_prob=0.95", args.presses),
                         None)
            rows.append(frame_row)
            for url_path in wanted:
                joiner = "&" if "?" in url_path else "?"  # "masks?masks_view=Network": one view of a page
                query = f"{url_path}{joiner}keep_prob=0.95&seed=0"
                now = measure(browser, f"{app_url}/{query}", args.presses, args.drag_steps)
                before = measure(browser, f"{other_url}/{query}", args.presses) if other_url else None
                rows.append((url_path, now, before))
                print(url_path, now, before, file=sys.stderr, flush=True)  # a long run's progress, page by page
            rows.append(("baseline (again)", measure(browser, f"{baseline_url}/?keep_prob=0.95", args.presses), None))
            browser.close()
    finally:
        for process in servers:
            process.terminate()
            process.wait(timeout=20)

    reference = statistics.mean([rows[0][1]["median_ms"], rows[-1][1]["median_ms"]])
    in_frame = frame_row[1]["median_ms"]
    store = "store off (--cold)" if args.cold else "store of precomputed runs filled"
    print(f"{args.presses} key presses per page; baseline key press -> rerun median {reference:.0f} ms (mean of the "
          f"two baseline runs); {store}. live: keydown -> last chart of the view redrawn for that step (target p95 <= "
          f"{reference / 2:.0f} ms); first: keydown -> first chart redrawn; release: keydown -> rerun finished "
          f"(target <= {1.5 * reference:.0f} ms, 1.5x baseline); drag: slider steps crossed with the button held / "
          "steps the charts redrew / reruns started before the release\n")
    header = ("| page | live p50 | live p95 | first p50 | first p95 | release p50 | release p95 | × baseline "
              "| × frame | drag | first load (s) | state data (kB) |")
    if other_url:
        header += " before: release p50 | before: × baseline | before: first load (s) |"
    print(header)
    print("|---" + "|---:" * (header.count("|") - 2) + "|")
    for name, result, before in rows:
        live = result["live"]
        dragged = result["drag"]
        payload = payloads.get(name)
        line = (f"| {name} | {live['median_ms']:.0f} | {live['p95_ms']:.0f} | {live['first_median_ms']:.0f} "
                f"| {live['first_p95_ms']:.0f} " if live else f"| {name} | – | – | – | – ")
        drag_text = f"{dragged['steps']} / {dragged['redrawn']} / {dragged['reruns_held']}" if dragged else "–"
        payload_text = f"{payload / 1000:.0f}" if payload else "–"
        line += (f"| {result['median_ms']:.0f} | {result['p95_ms']:.0f} | {result['median_ms'] / reference:.2f} "
                 f"| {result['median_ms'] / in_frame:.2f} | {drag_text} | {result['first_load_s']:.1f} "
                 f"| {payload_text} |")
        if other_url:
            line += (f" {before['median_ms']:.0f} | {before['median_ms'] / reference:.2f} | "
                     f"{before['first_load_s']:.1f} |" if before else " | | |")
        print(line)
        if result["missed"]:
            print(f"  ({name}: {result['missed']} presses with no rerun within 15 s)")


if __name__ == "__main__":
    main()
