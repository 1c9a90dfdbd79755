"""``watch``: the watcher's command line (see :mod:`core.watch`).

Usage::

    python -m core watch --db URL --source SPEC [--source SPEC …] [--every SECONDS] [--once]
                         [--alerts FILE] [--rejects DIR]

SPEC is ``file:PATH?format=…``, ``folder:DIR?format=…`` or ``table:URL#TABLE?column=…`` (see
:mod:`core.watch.specs`). Runs until SIGTERM/SIGINT (the batch under way is finished first), exit 0;
with ``--once`` every source is polled once, exit 0, or 2 when a source failed (each failure on a
line of stderr). A bad option or SPEC exits 2 with a one-line reason, and so does a bad ``--alerts`` file
(checked by :func:`core.alerts.load_alert_rules` at the start; the rules are evaluated after every batch
and once per poll, and an edited file takes effect at the next poll: see
:class:`core.watch.service.AlertsHook`). The clock is Beijing time, or ``CALLCENTER_NOW`` when set
(:func:`core.pagedata.today.clock`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.cli.common import CliError, positive_float
from core.infra import db


def add_watch(sub: Any) -> None:
    """Register ``watch`` on the CLI's sub-parsers."""
    from core.watch.service import DEFAULT_EVERY

    p = sub.add_parser(
        "watch",
        help="import new call records as they appear (a growing CDR file, a folder, a PBX's CDR table)",
        description="A long-running service: polls every source, imports what is new through the "
        "importer and refreshes the rollups of the days it touched. Each source's position is stored "
        "in the database with the rows, so a restart loses nothing and doubles nothing.",
    )
    p.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $CALLCENTER_DB_URL, else the embedded data/callcenter.duckdb)",
    )
    p.add_argument(
        "--source",
        dest="sources",
        action="append",
        required=True,
        metavar="SPEC",
        help="file:PATH?format=F | folder:DIR?format=F | table:URL#TABLE?column=C (repeatable)",
    )
    p.add_argument(
        "--every",
        type=positive_float,
        default=DEFAULT_EVERY,
        metavar="SECONDS",
        help=f"seconds between polls (default {DEFAULT_EVERY:g})",
    )
    p.add_argument("--once", action="store_true", help="poll every source once and exit (tests, cron)")
    p.add_argument(
        "--alerts",
        metavar="FILE",
        help="alert rules (TOML): evaluated after each batch and once per poll; checked at the start, "
        "read again when edited",
    )
    p.add_argument(
        "--rejects", metavar="DIR", help="where rejects files go (default: data/rejects of the project)"
    )
    p.set_defaults(func=cmd_watch)


def cmd_watch(args: argparse.Namespace) -> int:
    """Parse the sources, then run the watcher."""
    from core.pagedata.today import clock
    from core.watch import SpecError, parse, watch

    try:
        specs = [parse(s) for s in args.sources]
    except SpecError as exc:
        raise CliError(exc.en) from None
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):
        raise CliError("the same source is given twice")
    alerts = Path(args.alerts) if args.alerts else None
    if alerts is not None:
        from core.alerts import AlertRulesError, load_alert_rules

        if not alerts.is_file():
            raise CliError(f"--alerts: no such file: {alerts}")
        try:  # a bad rules file stops the start; one that becomes bad later is reported while it runs
            load_alert_rules(alerts)
        except AlertRulesError as exc:
            raise CliError(f"--alerts: {exc.en}") from None
    try:
        clock()  # a CALLCENTER_NOW that is no time: one line before anything starts
    except ValueError as exc:
        raise CliError(str(exc)) from None
    url = db.resolve_url(args.db)
    db.make_engine(url)  # a URL that cannot be used is a one-line error before anything starts
    rejects = Path(args.rejects) if args.rejects else None
    return watch(url, specs, every=args.every, once=args.once, alerts=alerts, rejects_dir=rejects)
