"""``python -m core alerts``: the alert log, a rules file's check, one evaluation.

* ``alerts [--from DAY --to DAY] [--format table|json|csv]``: every ``alert`` / ``resolved`` event of
  those days (default: today, Beijing time) with its deliveries: the channels that took it, those
  that failed (with the last error) and the attempts;
* ``alerts --check FILE``: validate an alert rules file (a bad one: one line on stderr, exit 2);
* ``alerts --evaluate FILE [--now YYYY-MM-DDTHH:MM]``: evaluate the rules once, deliver, and list the
  events this evaluation logged (the watcher does this after every batch and on a timer).
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from core.cli.common import EXIT_OK, CliError, add_common, engine_with_schema, parse_date
from core.cli.output import emit


def add_alerts(sub: Any) -> None:
    """Register ``alerts`` on the CLI's sub-parsers."""
    p = sub.add_parser("alerts", help="the alert log; check an alert rules file; evaluate the rules once")
    add_common(p)
    p.add_argument(
        "--from", dest="date_from", type=parse_date, metavar="YYYY-MM-DD", help="first day (default: today)"
    )
    p.add_argument(
        "--to", dest="date_to", type=parse_date, metavar="YYYY-MM-DD", help="last day (default: --from)"
    )
    p.add_argument("--check", metavar="FILE", help="validate an alert rules file and exit")
    p.add_argument("--evaluate", metavar="FILE", help="evaluate these alert rules once and deliver")
    p.add_argument(
        "--now", metavar="YYYY-MM-DDTHH:MM", help="the evaluation's time, Beijing (default: the clock)"
    )
    p.set_defaults(func=cmd_alerts)


def _config(path: str) -> Any:
    from core.alerts.config import AlertRulesError, load_alert_rules

    try:
        return load_alert_rules(path)
    except AlertRulesError as exc:
        raise CliError(exc.en) from None


def cmd_alerts(args: argparse.Namespace) -> int:
    from core.alerts import store
    from core.pagedata.today import beijing_now

    if args.check:
        config = _config(args.check)
        print(f"ok: {len(config.rules)} rules, {len(config.channels)} channels")
        return EXIT_OK
    engine = engine_with_schema(args)
    if args.evaluate:
        from core.alerts.evaluate import evaluate_alerts

        config = _config(args.evaluate)
        try:
            now = datetime.fromisoformat(args.now) if args.now else None
        except ValueError:
            raise CliError(f"--now is not a time (YYYY-MM-DDTHH:MM): {args.now!r}") from None
        events = evaluate_alerts(engine, config, now=now)
        emit(_rows(engine, events, args.format), args.format)
        return EXIT_OK
    first = args.date_from or beijing_now().date()
    last = args.date_to or first
    if last < first:
        raise CliError(f"--to {last} is before --from {first}")
    store.ensure_tables(engine)
    emit(_rows(engine, store.read_events(engine, first, last), args.format), args.format)
    return EXIT_OK


def _rows(engine: Any, events: list[Any], fmt: str) -> list[dict[str, Any]]:
    from core.alerts import store

    tried = store.read_deliveries(engine, [e.event_id for e in events])
    per: dict[str, list[dict[str, Any]]] = {}
    for r in tried.iter_rows(named=True):
        per.setdefault(r["event_id"], []).append(r)
    rows = []
    for e in events:
        attempts = per.get(e.event_id, [])
        ok = sorted({r["channel"] for r in attempts if r["ok"]})
        failed = {r["channel"]: r["error"] for r in attempts if not r["ok"] and r["channel"] not in ok}
        rows.append(
            {
                "raised_at": e.raised_at,
                "day": e.day,
                "kind": e.kind,
                "rule_id": e.rule_id,
                "entity_kind": e.entity_kind,
                "entity": e.entity,
                "value": e.value,
                "threshold": e.threshold,
                "delivered": ok if fmt == "json" else ",".join(ok),
                "failed": failed if fmt == "json" else "; ".join(f"{k}: {v}" for k, v in failed.items()),
                "attempts": len(attempts),
                "message": e.message if fmt != "table" else e.message.splitlines()[0],
                "link": e.link,
            }
        )
    return rows
