"""``report``: the monthly regulatory dashboard as one self-contained HTML file plus PNG charts."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from core.cli.common import EXIT_OK, CliError, add_common, add_rules, engine_with_schema, rules_of
from core.cli.output import emit


def cmd_report(args: argparse.Namespace) -> int:
    """The monthly regulatory dashboard: one self-contained HTML file plus PNG charts in --out."""
    from core.pagedata import report

    try:
        month = report.month_of(args.month) if args.month else report.previous_month(date.today())
    except ValueError as exc:
        raise CliError(str(exc)) from None
    engine = engine_with_schema(args)
    try:
        files = report.write_report(
            engine, month, args.out, lang=args.lang, rules=rules_of(args, engine), png=not args.no_png
        )
    except OSError as exc:
        raise CliError(f"cannot write to {args.out}: {exc.strerror or exc}") from None
    except RuntimeError as exc:
        raise CliError(f"{exc} (the HTML file was written; --no-png skips the charts)") from None
    for path in (files.html, *files.pngs):
        sys.stderr.write(f"wrote {path}\n")
    if not files.has_calls:
        sys.stderr.write(f"warning: no calls in {month:%Y-%m}; check that the data has been imported\n")
    if args.format != "table":
        emit([{"file": str(p)} for p in (files.html, *files.pngs)], args.format)
    return EXIT_OK


def add_report(sub: Any) -> None:
    """Register ``report`` on the CLI's sub-parsers."""
    p = sub.add_parser("report", help="the monthly regulatory dashboard as offline HTML plus PNG charts")
    add_common(p)
    p.add_argument("--month", metavar="YYYY-MM", help="the month (default: the month before today)")
    p.add_argument("--out", required=True, metavar="DIR", help="directory for the HTML file and the PNGs")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--no-png", action="store_true", help="write the HTML file only (no Chromium needed)")
    add_rules(p)
    p.set_defaults(func=cmd_report)
