"""``python -m bench demo|risk|metrics|import|refresh|live|span|pages [options]``: on-demand benchmarks that print side-by-side figures.

* ``demo``: rows per second generating the demo company and loading it into each engine.
* ``risk``: the full risk computation of a year (every entity, weekly) from a fresh process, on each engine
  of ``--engines`` (duckdb, sqlite, postgresql, mariadb, clickhouse), with their agreement.
* ``metrics``: every metric of the touch and capacity pages on a year of about 20 million calls, on
  DuckDB, SQLite and a naive pandas baseline by default (``--engines``: also PostgreSQL, MariaDB and
  ClickHouse), with their agreement and the risk of the year.
* ``import``: rows per second and peak memory importing Asterisk Master.csv files of growing size.
* ``refresh``: one more day of calls imported into the year and the rollups refreshed, beside a full
  rebuild, on a scratch copy per engine of ``--engines``.
* ``live``: a batch of new calls (10,000 by default) appended to a file the watcher follows, imported and
  refreshed in one poll, on a scratch copy of the year in DuckDB.
* ``span``: the page data of a multi-year range (the demo's three years, about 60 M calls), each part from a
  fresh process.
* ``pages``: warm page changes of the app in Chromium (per page: each change, median and max).

The year's databases are built once per scale and reused (:mod:`bench.dataset`).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "demo":
        from bench import demo_bench

        return demo_bench.main(rest)
    if command == "risk":
        from bench import risk_bench

        return risk_bench.main(rest)
    if command == "metrics":
        from bench import metrics_bench

        return metrics_bench.main(rest)
    if command == "import":
        from bench import import_bench

        return import_bench.main(rest)
    if command == "refresh":
        from bench import refresh_bench

        return refresh_bench.main(rest)
    if command == "live":
        from bench import live_bench

        return live_bench.main(rest)
    if command == "span":
        from bench import span_bench

        return span_bench.main(rest)
    if command == "pages":
        from bench import pages_bench

        return pages_bench.main(rest)
    print(
        f"unknown benchmark {command!r}; choose demo, risk, metrics, import, refresh, live, span or pages",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    from core.infra.db import quiet_teardown

    quiet_teardown()
    raise SystemExit(main())
