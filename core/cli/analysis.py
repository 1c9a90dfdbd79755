"""Commands over a period: ``metrics`` (any metric of DOMAIN.md §5, cut by dimensions), ``risk``
(scores per entity and period, DOMAIN.md §7) and ``quality`` (the data-quality checks)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from core.cli.common import (
    EXIT_OK,
    CliError,
    add_common,
    add_period,
    add_rules,
    engine_with_schema,
    period,
    rules_of,
    split,
)
from core.cli.output import emit, fmt_cell
from core.infra import db


def cmd_metrics(args: argparse.Namespace) -> int:
    """Any metric of DOMAIN.md §5 over a period, cut by any dimensions."""
    from core.semantic import cubes, metrics

    by = split(args.by)
    keys = split(args.metrics) or list(metrics.METRIC_KEYS)
    unknown = [k for k in keys if k not in metrics.METRICS]
    if unknown:
        raise CliError(f"unknown metric key(s): {', '.join(unknown)} (see DOMAIN.md §5)")
    bad = [d for d in by if d not in cubes.DIMENSIONS]
    if bad:
        raise CliError(f"unknown dimension(s): {', '.join(bad)}; choose from {', '.join(cubes.DIMENSIONS)}")
    url = db.resolve_url(args.db)
    engine = db.make_engine(url, create_dirs=False)
    problems = db.ready_schema(engine)
    if problems:
        raise CliError(db.schema_error(problems).en)
    start, end = period(args)
    filters = cubes.Filters(
        sites=tuple(split(args.site)), teams=tuple(split(args.team)), campaigns=tuple(split(args.campaign))
    )
    rules = rules_of(args, engine)
    try:
        frame = metrics.compute_metrics(engine, start, end, by=by, metrics=keys, filters=filters, rules=rules)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    rows = frame.to_dicts()
    if args.format == "table":
        for row in rows:
            for k in keys:
                row[k] = fmt_cell(row[k], metrics.METRICS[k].fmt)
    emit(rows, args.format)
    return EXIT_OK


def cmd_risk(args: argparse.Namespace) -> int:
    """Risk scores per entity and period, riskiest first within each period."""
    from core.compliance import risk

    if args.by not in risk.ENTITIES:
        raise CliError(f"unknown entity {args.by!r}; choose from {', '.join(risk.ENTITIES)}")
    engine = engine_with_schema(args)
    start, end = period(args)
    frame = risk.compute_risk(
        engine, start, end, entity=args.by, grain=args.grain, rules=rules_of(args, engine)
    )
    if args.top:
        frame = frame.filter(frame["rank"] <= args.top)
    rows = []
    for r in frame.to_dicts():
        row = {
            "entity": r["entity"],
            "entity_type": args.by,
            "period": r["period"],
            "grain": args.grain,
            "period_start": r["period_start"],
            "period_end": r["period_end"],
            "score": round(r["score"], 2),
            "band": r["band"],
            "rank": r["rank"],
            "top_rules": r["top_rules"],
        }
        if args.format != "table":
            row["rules"] = {
                k[2:]: {"count": r[k], "severity": r["s_" + k[2:]]} for k in r if k.startswith("n_")
            }
        else:
            row["top_rules"] = ",".join(r["top_rules"])
        rows.append(row)
    if args.format == "csv":
        for row in rows:
            row["top_rules"] = (
                ",".join(row["top_rules"]) if isinstance(row["top_rules"], list) else row["top_rules"]
            )
            row["rules"] = json.dumps(row.get("rules"), ensure_ascii=False)
    emit(rows, args.format)
    return EXIT_OK


def cmd_quality(args: argparse.Namespace) -> int:
    """The data-quality checks over a period."""
    from core.reporting import quality

    engine = engine_with_schema(args)
    start, end = period(args)
    checks = quality.run_checks(engine, start, end)
    rows = [
        {
            "check": c.id,
            "severity": c.severity,
            "count": c.count,
            "passed": c.passed,
            "label": c.label_en,
            "examples": c.examples if args.format == "json" else len(c.examples),
        }
        for c in checks
    ]
    emit(rows, args.format)
    return EXIT_OK


def add_metrics(sub: Any) -> None:
    """Register ``metrics`` on the CLI's sub-parsers."""
    p = sub.add_parser("metrics", help="any metric of DOMAIN.md §5 over a period, cut by dimensions")
    add_common(p)
    add_period(p)
    p.add_argument(
        "--by",
        metavar="DIM,...",
        help="dimensions: month, day, hour, weekday, team, agent, site, "
        "campaign, purpose, client, caller_number, callee_province",
    )
    p.add_argument("--metrics", metavar="KEY,...", help="metric keys (default: all of DOMAIN.md §5)")
    p.add_argument("--site", metavar="ID,...", help="only these sites")
    p.add_argument("--team", metavar="NAME,...", help="only these teams")
    p.add_argument("--campaign", metavar="ID,...", help="only these campaigns")
    add_rules(p)
    p.set_defaults(func=cmd_metrics)


def add_risk(sub: Any) -> None:
    """Register ``risk`` on the CLI's sub-parsers."""
    p = sub.add_parser("risk", help="compliance risk scores per entity and period (DOMAIN.md §7)")
    add_common(p)
    add_period(p)
    p.add_argument(
        "--by", default="campaign", help="entity: caller_number, campaign, team, agent, callee_province"
    )
    p.add_argument("--grain", choices=("day", "week", "month"), default="week")
    p.add_argument("--top", type=int, default=0, help="only the N riskiest per period (0: all)")
    add_rules(p)
    p.set_defaults(func=cmd_risk)


def add_quality(sub: Any) -> None:
    """Register ``quality`` on the CLI's sub-parsers."""
    p = sub.add_parser("quality", help="data-quality checks over a period")
    add_common(p)
    add_period(p)
    p.set_defaults(func=cmd_quality)
