"""Benchmark: warm page changes in a real browser (``streamlit run app.py`` driven by Debian's Chromium).

``python -m bench pages [--db URL] [--scale 1] [--rounds 3] [--lang zh|en] [--json FILE] [--workdir DIR]``

Without ``--db`` the demo company is built once at ``--scale`` (default 1, about 2.3 million calls,
the app's own first-start demo) into the work directory and reused by later runs. The benchmark
starts ``streamlit run app.py`` on it, opens the default page in Chromium at 1440×900, visits every
page once through the sidebar (the cold visits, which fill the caches), then goes round the menu
``--rounds`` times, each change one click on the sidebar link. A change is timed in the browser,
from the click until the page's title is shown, its script run has ended, Streamlit's running
indicator is gone, no element is still stale or a loading placeholder, and every plotly chart has
drawn (:data:`DONE_JS`). The issue's target: under a second per warm change on the demo database.

The machine's load average is printed next to the figures (a busy machine makes them longer).
Nothing here passes or fails on time: it prints a table. ``tests/e2e/test_page_timings_browser.py``
uses the same measurement on the small e2e demo and saves it to ``artifacts/page_timings.json``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "callcenter-bench-pages"
#: A cold page may compute a whole report year on a full-size demo.
COLD_TIMEOUT_MS = 600_000
WARM_TIMEOUT_MS = 120_000

#: Armed before a click: the click's time, in the page's own clock (capture phase, first click only).
ARM_JS = """() => {
  window.__ccClick = null;
  window.__ccDone = null;
  document.addEventListener('click', () => {
    if (window.__ccClick === null) window.__ccClick = performance.now();
  }, {capture: true, once: true});
}"""

#: True once the page titled ``title`` has rendered: its ``<h1>`` shown, the script run ended, the
#: running indicator gone, no stale element and no loading placeholder left, every plotly chart
#: drawn. Records the time.
DONE_JS = """(title) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"],'
      + ' [data-testid="stStatusWidgetRunningManIcon"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return false;
  const h1 = main.querySelector('h1');
  if (!h1 || h1.textContent.trim() !== title) return false;
  if (main.querySelector('[data-stale="true"]')) return false;
  // Placeholders while an element's code loads (the plotly bundle on a first chart, the data grid).
  if (main.querySelector('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]')) return false;
  for (const chart of main.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (!chart.querySelector('.main-svg')) return false;
  }
  if (window.__ccDone == null) window.__ccDone = performance.now();  // also unset: a first load
  return true;
}"""


@dataclass(frozen=True)
class PageSpec:
    """One page of the menu: its URL path and its title in the benchmark's language."""

    url_path: str
    title: str


@dataclass
class Change:
    """One timed page change."""

    page: str
    from_page: str
    ms: float
    received_kb: float  # websocket bytes the browser received during the change
    warm: bool


@dataclass
class Timings:
    """Every change of a run, with the load average around it."""

    changes: list[Change] = field(default_factory=list)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def warm_by_page(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        for change in self.changes:
            if change.warm:
                out.setdefault(change.page, []).append(change.ms)
        return out

    def summary(self) -> dict[str, Any]:
        """Per page: the cold visit, each warm change, their median and max (ms); and the load."""
        pages: dict[str, Any] = {}
        for change in self.changes:
            entry = pages.setdefault(change.page, {"cold_ms": None, "warm_ms": [], "warm_kb": []})
            if change.warm:
                entry["warm_ms"].append(round(change.ms, 1))
                entry["warm_kb"].append(round(change.received_kb, 1))
            elif entry["cold_ms"] is None:  # the first visit (the default page's first load)
                entry["cold_ms"] = round(change.ms, 1)
        for entry in pages.values():
            warm = entry["warm_ms"]
            entry["warm_median_ms"] = round(statistics.median(warm), 1) if warm else None
            entry["warm_max_ms"] = max(warm) if warm else None
        every = [c.ms for c in self.changes if c.warm]
        return {
            "pages": pages,
            "warm_median_ms": round(statistics.median(every), 1) if every else None,
            "warm_max_ms": round(max(every), 1) if every else None,
            "load_before": list(self.load_before),
            "load_after": list(self.load_after),
            "cpus": os.cpu_count(),
            "changes": [asdict(c) for c in self.changes],
        }


def menu_pages(lang: str = "zh") -> list[PageSpec]:
    """The pages of ``app.PAGES`` in menu order (read from app.py, which cannot be imported)."""
    from core.infra.i18n import t

    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "PAGES":
            assert node.value is not None
            pages = ast.literal_eval(node.value)
            return [PageSpec(url_path=p[3], title=t(p[1], lang)) for p in pages]
    raise RuntimeError("app.py has no PAGES")


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return round(one, 2), round(five, 2), round(fifteen, 2)


class _Received:
    """Counts the websocket bytes the page receives (Streamlit's deltas)."""

    def __init__(self, page: Any) -> None:
        self.total = 0
        page.on("websocket", self._attach)

    def _attach(self, ws: Any) -> None:
        ws.on("framereceived", self._frame)

    def _frame(self, payload: Any) -> None:
        self.total += len(payload) if isinstance(payload, bytes | str) else 0


def timed_change(page: Any, spec: PageSpec, *, timeout_ms: float, received: _Received) -> tuple[float, float]:
    """Click the sidebar link of ``spec``; the milliseconds until it has rendered (timed in the
    browser) and the kilobytes the websocket brought meanwhile."""
    page.evaluate(ARM_JS)
    before = received.total
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.get_by_role("link", name=spec.title, exact=True).click()
    page.wait_for_function(DONE_JS, arg=spec.title, polling="raf", timeout=timeout_ms)
    ms = float(page.evaluate("() => window.__ccDone - window.__ccClick"))
    return ms, (received.total - before) / 1024


def wait_rendered(page: Any, title: str, *, timeout_ms: float) -> None:
    """Wait until the page titled ``title`` has rendered (see :data:`DONE_JS`)."""
    page.wait_for_function(DONE_JS, arg=title, polling="raf", timeout=timeout_ms)


def run_changes(
    page: Any,
    base: str,
    pages: list[PageSpec],
    *,
    rounds: int,
    query: str = "",
    cold_timeout_ms: float = COLD_TIMEOUT_MS,
    warm_timeout_ms: float = WARM_TIMEOUT_MS,
    after_change: Any = None,
    log: Any = None,
) -> Timings:
    """Open the default page, visit every page once (cold), then go round the menu ``rounds`` times.

    ``after_change(spec)`` is called after every change (tests assert on the page there);
    ``log(text)`` gets one line per change.
    """
    received = _Received(page)
    timings = Timings(load_before=load_average())
    page.goto(base + "/" + query, wait_until="domcontentloaded")
    wait_rendered(page, pages[0].title, timeout_ms=cold_timeout_ms)
    # The first load, timed from the navigation's start (the page clock's origin).
    first_ms = float(page.evaluate("() => window.__ccDone"))
    timings.changes.append(
        Change(
            page=pages[0].url_path, from_page="", ms=first_ms, received_kb=received.total / 1024, warm=False
        )
    )
    if log:
        log(f"open {'':>12}   {pages[0].url_path:<12} {first_ms:8.0f} ms {received.total / 1024:8.1f} KB")
    if after_change:
        after_change(pages[0])
    order = [*pages[1:], pages[0]]  # the cold round ends back on the default page
    previous = pages[0]
    for round_no in range(rounds + 1):
        warm = round_no > 0
        for spec in order:
            ms, kb = timed_change(
                page, spec, timeout_ms=warm_timeout_ms if warm else cold_timeout_ms, received=received
            )
            change = Change(page=spec.url_path, from_page=previous.url_path, ms=ms, received_kb=kb, warm=warm)
            timings.changes.append(change)
            if log:
                log(
                    f"{'warm' if warm else 'cold'} {previous.url_path:>12} → {spec.url_path:<12} "
                    f"{ms:8.0f} ms {change.received_kb:8.1f} KB"
                )
            if after_change:
                after_change(spec)
            previous = spec
    timings.load_after = load_average()
    return timings


def format_table(timings: Timings) -> str:
    """Per page: cold, each warm change, median and max; then all warm changes; then the load."""
    summary = timings.summary()
    lines = [f"{'page':<14}{'cold ms':>10}{'warm ms (each)':>28}{'median':>9}{'max':>8}{'KB/change':>11}"]
    for name, entry in summary["pages"].items():
        each = " ".join(f"{v:.0f}" for v in entry["warm_ms"])
        kb = statistics.median(entry["warm_kb"]) if entry["warm_kb"] else 0.0
        cold = f"{entry['cold_ms']:.0f}" if entry["cold_ms"] is not None else "—"
        median = f"{entry['warm_median_ms']:.0f}" if entry["warm_median_ms"] is not None else "—"
        peak = f"{entry['warm_max_ms']:.0f}" if entry["warm_max_ms"] is not None else "—"
        lines.append(f"{name:<14}{cold:>10}{each:>28}{median:>9}{peak:>8}{kb:>11.1f}")
    if summary["warm_median_ms"] is not None:
        lines.append(
            f"all warm changes: median {summary['warm_median_ms']:.0f} ms, max {summary['warm_max_ms']:.0f} ms"
        )
    lines.append(
        f"load average (1/5/15 min) before {summary['load_before']}, after {summary['load_after']}, "
        f"{summary['cpus']} CPUs"
    )
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# The server and the browser
# ----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def streamlit_server(
    url: str, log_path: Path, *, deadline_s: float = 120, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """``streamlit run app.py`` on database ``url``; yields its base URL, stops it at the end.

    The benchmark and the browser tests (tests/e2e) start their servers with this.
    """
    from core.infra import db

    port = free_port()
    env = {**os.environ, db.ENV_VAR: url, **(extra_env or {})}
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        health = f"http://127.0.0.1:{port}/_stcore/health"
        end = time.monotonic() + deadline_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}"
                )
            try:
                with urllib.request.urlopen(health, timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > end:
                raise RuntimeError(
                    f"streamlit not healthy after {deadline_s}s:\n{log_path.read_text(errors='replace')}"
                )
            time.sleep(0.25)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextmanager
def chromium_page(lang: str = "zh") -> Iterator[Any]:
    """A page of Debian's Chromium at 1440×900."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError("Debian's Chromium is not installed at /usr/bin/chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(
                viewport={"width": 1440, "height": 900}, locale="zh-CN" if lang == "zh" else "en-US"
            )
        finally:
            browser.close()


def demo_database(workdir: Path, scale: float) -> str:
    """The demo at ``scale`` in the work directory (built on first use, ending last month)."""
    from core.demo.company import build_demo
    from core.infra import db

    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"demo-scale{scale:g}.duckdb"
    ready = path.with_name(path.name + ".ready")
    url = f"duckdb:///{path}"
    if not ready.exists() or not path.exists():
        print(f"building the demo at scale {scale:g} into {path} …", flush=True)
        started = time.perf_counter()
        engine = db.make_engine(url)
        try:
            counts = build_demo(engine, scale=scale)
        finally:
            engine.dispose()
        ready.write_text(json.dumps(counts))
        print(f"  {counts['calls']:,} calls in {time.perf_counter() - started:.0f} s", flush=True)
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench pages", description=__doc__.splitlines()[0])
    parser.add_argument("--db", metavar="URL", help="database to serve (default: the demo in --workdir)")
    parser.add_argument("--scale", type=float, default=1.0, help="demo scale when --db is not given")
    parser.add_argument("--rounds", type=int, default=3, help="warm rounds of the whole menu")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--json", metavar="FILE", help="also write every change as JSON")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = parser.parse_args(argv)

    url = args.db or demo_database(args.workdir, args.scale)
    pages = menu_pages(args.lang)
    args.workdir.mkdir(parents=True, exist_ok=True)
    log_path = args.workdir / "streamlit.log"
    print(f"serving {url}; load average {load_average()}", flush=True)
    query = "?lang=en" if args.lang == "en" else ""
    with streamlit_server(url, log_path) as base, chromium_page(args.lang) as page:
        timings = run_changes(
            page, base, pages, rounds=args.rounds, query=query, log=lambda s: print(s, flush=True)
        )
    print()
    print(format_table(timings))
    if args.json:
        Path(args.json).write_text(
            json.dumps(timings.summary(), indent=2, ensure_ascii=False), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
