"""Commands on the database itself: ``demo`` (build the demo company), ``rollup`` (rebuild the
pre-aggregates, on every engine) and ``check`` (schema, row counts, data version)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from core.cli.common import EXIT_OK, CliError, add_common, parse_date, positive_float
from core.cli.output import ProgressBar, emit
from core.infra import db


def cmd_demo(args: argparse.Namespace) -> int:
    """Build the demo company into the database (replacing its tables)."""
    from core.demo import company as demo

    url = db.resolve_url(args.db)
    engine = db.make_engine(url)
    db.ping(engine)
    end = args.end or demo.default_end()
    bar = ProgressBar()
    started = time.perf_counter()
    counts = demo.build_demo(engine, end=end, seed=args.seed, scale=args.scale, progress=bar)
    seconds = time.perf_counter() - started
    sys.stderr.write(
        f"demo: {counts['calls']:,} calls, {sum(counts.values()):,} rows in {seconds:.1f}s "
        f"into {db.redact_url(url)} (report year {demo.report_year(end)})\n"
    )
    if args.format != "table":
        emit([{"table": k, "rows": v} for k, v in counts.items()], args.format)
    return EXIT_OK


def cmd_rollup(args: argparse.Namespace) -> int:
    """Rebuild the pre-aggregated rollups (core/semantic/rollup.py) on any engine; imports and ``demo`` do
    it themselves. ``built`` is false only for a database without a calls table yet."""
    from core.rollup import build as rollup_build
    from core.semantic import rollup

    url = db.resolve_url(args.db)
    engine = db.make_engine(url, create_dirs=False)
    problems = db.ready_schema(engine)
    if problems:
        raise CliError(
            f"schema check failed for {db.redact_url(url)}: " + "; ".join(p.message("en") for p in problems)
        )
    since = args.since
    # A refresh from a day on needs rollups of this layout to refresh, on an engine that refreshes
    # by day; otherwise refresh() rebuilds, and this says so.
    partial = since is not None and db.dialect_of(engine) in rollup_build.INCREMENTAL_DIALECTS
    if partial:
        with engine.connect() as conn:
            partial = rollup.built(conn)
    seconds = rollup_build.refresh(engine, since=since)
    built = seconds is not None
    what = f"refreshed from {since.isoformat()} on" if partial and since is not None else "rebuilt"
    if args.format == "table":
        sys.stdout.write(
            f"{db.dialect_of(engine)}: rollups {what} in {seconds:.1f}s\n"
            if built
            else f"{db.dialect_of(engine)}: no calls table yet, so no rollups; import calls first\n"
        )
    else:
        emit(
            [
                {
                    "engine": db.dialect_of(engine),
                    "built": built,
                    "since": since.isoformat() if since else None,
                    "seconds": seconds,
                }
            ],
            args.format,
        )
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Check the schema, print row counts and the data version; exit 2 when tables are missing."""
    url = db.resolve_url(args.db)
    engine = db.make_engine(url, create_dirs=False)
    problems = db.ready_schema(engine)
    if problems:
        missing = "; ".join(p.message("en") for p in problems)
        raise CliError(f"schema check failed for {db.redact_url(url)}: {missing}")
    counts = db.row_counts(engine)
    version = db.data_version(engine)
    rows = [{"table": k, "rows": v} for k, v in counts.items()]
    if args.format == "json":
        json.dump(
            {
                "database": db.redact_url(url),
                "engine": db.dialect_of(engine),
                "schema_ok": True,
                "data_version": version,
                "tables": rows,
            },
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        sys.stdout.write("\n")
    else:
        if args.format == "table":
            sys.stdout.write(
                f"database: {db.redact_url(url)} ({db.dialect_of(engine)})\n"
                f"schema: ok\ndata version: {version}\n\n"
            )
        emit(rows, args.format)
    return EXIT_OK


def add_demo(sub: Any) -> None:
    """Register ``demo`` on the CLI's sub-parsers."""
    p = sub.add_parser("demo", help="build the deterministic demo company (replaces its tables)")
    add_common(p)
    p.add_argument(
        "--end", type=parse_date, help="last day of the 36 months (default: last day of last month)"
    )
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--scale", type=positive_float, default=1.0, help="multiplies call volume (1 ≈ 2.4 M calls)"
    )
    p.set_defaults(func=cmd_demo)


def add_rollup(sub: Any) -> None:
    """Register ``rollup`` on the CLI's sub-parsers."""
    p = sub.add_parser(
        "rollup", help="rebuild the pre-aggregated rollups, on any engine (imports and demo do it)"
    )
    add_common(p)
    p.add_argument(
        "--since",
        type=parse_date,
        metavar="DAY",
        help="recompute only from this day (YYYY-MM-DD) on: calls before it are as the rollups have them "
        "(rollups missing or of an older layout: rebuilt whole)",
    )
    p.set_defaults(func=cmd_rollup)


def add_check(sub: Any) -> None:
    """Register ``check`` on the CLI's sub-parsers."""
    p = sub.add_parser("check", help="check the schema; print row counts and the data version")
    add_common(p)
    p.set_defaults(func=cmd_check)
