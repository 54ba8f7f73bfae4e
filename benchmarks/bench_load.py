"""A class opening a shared link at once: N browser sessions moving sliders for a fixed time.

    python benchmarks/bench_load.py [--sessions 6] [--seconds 60] [--shared-link] [--cold] [pages ...]

Loopback only and bounded: starts its own server on 127.0.0.1, opens N Playwright contexts on
one headless Chromium (each its own Streamlit session, pages assigned round-robin), and in each
presses the keep_prob slider's arrow keys (sweeping down and up) with a short think time until
the time is up. Reports per-press latency percentiles (key press to rerun finished, measured in
the page), presses with no rerun within 15 s, exceptions shown on pages, websocket disconnects,
and the server's resident memory before, after, and after a second round (caches are bounded,
so the second round should not add much), overall and per page. Target (issue 7): no errors, p95
under 2 s at N = 6. By default each session has its own seed, so no session profits from another's
cached results; `--shared-link` puts them all on seed 0, as when a class opens the instructor's link.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright  # noqa: E402

from benchmarks.bench_interaction import LATENCY_PROBE, percentile, prepare_store  # noqa: E402
from benchmarks.screenshots import CHARTS_DRAWN, WAIT_IDLE  # noqa: E402
from tests.conftest import CHROMIUM_ARGS, chromium_executable, start_server  # noqa: E402
from ui.lessons import all_pages  # noqa: E402

SLIDER = '[data-testid="stSidebar"] input[type="range"][aria-label="keep_prob"]'


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def session(browser, url: str, name: str, seconds: float, report: dict) -> None:
    context = await browser.new_context(viewport={"width": 1366, "height": 900})
    page = await context.new_page()
    page.on("websocket", lambda ws: ws.on("close", lambda _: report["disconnects"].append(url)))
    try:
        await page.goto(url)
        await page.wait_for_selector('[data-testid="stMain"] h1', timeout=120_000)
        await page.wait_for_selector(WAIT_IDLE, timeout=120_000)
        await page.wait_for_function(CHARTS_DRAWN, timeout=120_000)
        await page.evaluate(LATENCY_PROBE)
        slider = page.locator(SLIDER)
        await slider.focus()
        deadline, step = time.monotonic() + seconds, 0
        while time.monotonic() < deadline:
            key = "ArrowLeft" if (step // 18) % 2 == 0 else "ArrowRight"  # sweep 0.95 -> 0.05 -> 0.95 ...
            finished = await page.evaluate("() => window.__latencies.length")
            await slider.press(key)
            try:
                await page.wait_for_function(f"() => window.__latencies.length > {finished}", timeout=15_000)
            except Exception:
                report["missed"] += 1
            step += 1
            await page.wait_for_timeout(200)  # a learner's think time between moves
        latencies = await page.evaluate("() => window.__latencies")
        report["latencies"] += latencies
        report["by_page"].setdefault(name, []).extend(latencies)
        report["exceptions"] += await page.locator('[data-testid="stException"]').count()
    except Exception as error:  # a session that could not even load counts as an error
        report["failures"].append(f"{url}: {error}")
    finally:
        await context.close()


async def round_of_load(app_url: str, pages: list[str], sessions: int, seconds: float, shared_link: bool) -> dict:
    report = {"latencies": [], "by_page": {}, "missed": 0, "exceptions": 0, "disconnects": [], "failures": []}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
        # Each session its own seed (nothing cached by one helps another: the worst case), or all on the
        # instructor's one link (seed 0).
        names = [pages[i % len(pages)] for i in range(sessions)]
        urls = [f"{app_url}/{name}?keep_prob=0.95&seed={0 if shared_link else i}" for i, name in enumerate(names)]
        await asyncio.gather(*(session(browser, url, name, seconds, report)
                               for url, name in zip(urls, names, strict=True)))
        await browser.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", help="url paths; default: every lesson page")
    parser.add_argument("--sessions", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--cold", action="store_true", help="without the store of precomputed runs")
    parser.add_argument("--shared-link", action="store_true",
                        help="every session on seed 0, as when a class opens one link (default: one seed each)")
    args = parser.parse_args()
    prepare_store(args.cold)
    if not 1 <= args.sessions <= 30 or not 5 <= args.seconds <= 600:
        parser.error("--sessions must be 1-30 and --seconds 5-600 (the load is bounded on purpose)")
    pages = args.pages or [lesson.url_path for lesson in all_pages() if lesson.url_path]

    process, app_url = start_server()
    try:
        memory = [("after start", resident_mib(process.pid))]
        reports = []
        for name in ("first round", "second round"):
            reports.append(asyncio.run(round_of_load(app_url, pages, args.sessions, args.seconds, args.shared_link)))
            memory.append((f"after {name}", resident_mib(process.pid)))
    finally:
        process.terminate()
        process.wait(timeout=20)

    seeds = "all on seed 0 (--shared-link)" if args.shared_link else "one seed per session"
    print(f"{args.sessions} concurrent sessions x {args.seconds:.0f} s, {seeds}, pages: {', '.join(pages)}\n")
    print("| round | presses | median ms | p95 ms | max ms | no rerun in 15 s | exceptions | disconnects | failed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, report in zip(("first", "second"), reports, strict=True):
        latencies = report["latencies"] or [float("nan")]
        print(f"| {name} | {len(report['latencies'])} | {statistics.median(latencies):.0f} "
              f"| {percentile(latencies, 0.95):.0f} | {max(latencies):.0f} | {report['missed']} "
              f"| {report['exceptions']} | {len(report['disconnects'])} | {len(report['failures'])} |")
        for failure in report["failures"]:
            print(f"  failure: {failure[:300]}")
    print("\nper page, both rounds (presses, median ms, p95 ms): " + "; ".join(
        f"{name} {len(values)}, {statistics.median(values):.0f}, {percentile(values, 0.95):.0f}"
        for name in pages if (values := [v for report in reports for v in report["by_page"].get(name, [])])))
    print("\nserver resident memory (MiB): " + ", ".join(f"{name} {value:.0f}" for name, value in memory))


if __name__ == "__main__":
    main()
