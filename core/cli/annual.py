"""Commands on a report year: ``fields`` (the 46 annual-report fields), ``changes`` (the risk
difference list), ``pack`` (the compliance asset pack) and ``credit`` (the credit score estimate)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from core.cli.common import (
    EXIT_OK,
    CliError,
    add_common,
    add_rules,
    engine_with_schema,
    parse_date,
    report_year,
    rules_of,
    split,
)
from core.cli.output import change_text, emit, short, write_rows


def cmd_fields(args: argparse.Namespace) -> int:
    """The 46 annual-report fields for a year, with last year, the change and the rule tripped."""
    from core.reporting import regulatory

    engine = engine_with_schema(args)
    year = report_year(args, engine)
    rules = rules_of(args, engine)
    # Once: the fields mark their material changes with it, and the workbook lists it.
    changes = regulatory.compute_changes(engine, year, rules=rules)
    rows = regulatory.compute_fields(
        engine, year, rules=rules, with_sql=args.format in ("json", "xlsx"), changes=changes
    )
    if args.format == "xlsx":
        from core.reporting import exports

        out = Path(args.out or f"annual-report-{year}.xlsx")
        exports.write_report_xlsx(out, year, rows, changes, rules_version=rules.provenance())
        sys.stderr.write(f"wrote {out}\n")
        return EXIT_OK
    if args.format != "json":
        for row in rows:
            row.pop("sql", None)
            row["evidence"] = ";".join(row["evidence"])
    if args.format == "table":
        # A terminal-width view; json/csv carry every column.
        rows = [
            {
                "id": r["id"],
                "field": r["name_zh"],
                "value": short(r["value"]),
                "previous": short(r["previous"]),
                "change": change_text(r["change"], r["unit"]),
                "material": "!" if r["material"] else "",
            }
            for r in rows
        ]
    write_rows(rows, args)
    return EXIT_OK


def cmd_changes(args: argparse.Namespace) -> int:
    """The risk difference list (风险差异清单): one object per material change of the year."""
    from core.reporting import regulatory

    engine = engine_with_schema(args)
    year = report_year(args, engine)
    rules = rules_of(args, engine)
    rows = regulatory.compute_changes(engine, year, rules=rules)
    if args.format == "xlsx":
        from core.reporting import exports

        out = Path(args.out or f"difference-list-{year}.xlsx")
        exports.write_changes_xlsx(out, year, rows, rules_version=rules.provenance())
        sys.stderr.write(f"wrote {out}\n")
        return EXIT_OK
    if args.format != "json":
        for row in rows:
            row["evidence"] = ";".join(row["evidence"])
    write_rows(rows, args)
    return EXIT_OK


def cmd_pack(args: argparse.Namespace) -> int:
    """The compliance asset pack for up to three years as a self-contained HTML page."""
    from core.reporting import asset_pack

    try:
        years = sorted({int(y) for y in split(args.years)})
    except ValueError:
        raise CliError(f"--years must be a comma list of years, got {args.years!r}") from None
    if not 1 <= len(years) <= 3:
        raise CliError("--years takes one to three years, e.g. --years 2023,2024,2025")
    engine = engine_with_schema(args)
    rules = rules_of(args, engine)
    out = asset_pack.write_pack(engine, years, args.out, lang=args.lang, rules=rules)
    pack = asset_pack.build_pack(engine, years, rules=rules)
    sys.stderr.write(f"wrote {out}\n")
    if args.format != "table":
        emit([{"year": y.year, **y.scores} for y in pack], args.format)
    else:
        emit(
            [
                {"year": y.year, **{k: None if v is None else round(v, 1) for k, v in y.scores.items()}}
                for y in pack
            ],
            "table",
        )
        sentence = asset_pack.benchmark_sentence(pack, args.lang)
        sys.stdout.write(
            f"\n{sentence or '(no benchmark claim: the rate was not below the benchmark every year)'}\n"
        )
    return EXIT_OK


def cmd_credit(args: argparse.Namespace) -> int:
    """The credit score estimate for a report year."""
    from core.reporting import credit

    engine = engine_with_schema(args)
    year = report_year(args, engine)
    est = credit.estimate(engine, year, today=args.today or date.today(), rules=rules_of(args, engine))
    rows = [
        {"component": k, "weight": est.weights[k], "score": v, "points": round(est.weights[k] * v / 100, 2)}
        for k, v in est.components.items()
    ]
    if args.format == "json":
        json.dump(
            {
                "year": year,
                "score": est.score,
                "grade": est.grade,
                "passes": est.passes,
                "threshold": est.threshold,
                "components": rows,
                "consequences": [en for _, en in est.consequences],
                "improvements": est.improvements,
                "estimate": True,
            },
            sys.stdout,
            ensure_ascii=False,
            indent=2,
            default=str,
        )
        sys.stdout.write("\n")
        return EXIT_OK
    emit(rows, args.format)
    if args.format == "table":
        verdict = (
            "passes"
            if est.passes
            else "below " + f"{est.threshold:g}: " + "; ".join(en for _, en in est.consequences)
        )
        sys.stdout.write(f"\nestimate {est.score:.1f} ({est.grade}) — {verdict}\n")
    return EXIT_OK


def add_fields_and_changes(sub: Any) -> None:
    """Register ``fields`` and ``changes`` (same options) on the CLI's sub-parsers."""
    for name, func, helptext in (
        ("fields", cmd_fields, "the 46 annual-report fields of a year (DOMAIN.md §8)"),
        ("changes", cmd_changes, "the risk difference list: material changes of a year (DOMAIN.md §3)"),
    ):
        p = sub.add_parser(name, help=helptext)
        add_common(p, formats=("table", "json", "csv", "xlsx"))
        p.add_argument("--year", type=int, help="report year (default: the last complete year of the data)")
        p.add_argument("--out", metavar="FILE", help="write to FILE (required name for xlsx: default in cwd)")
        add_rules(p)
        p.set_defaults(func=func)


def add_pack(sub: Any) -> None:
    """Register ``pack`` on the CLI's sub-parsers."""
    p = sub.add_parser("pack", help="the compliance asset pack as a self-contained HTML page (DOMAIN.md §10)")
    add_common(p)
    p.add_argument("--years", required=True, metavar="Y1,Y2,Y3", help="one to three years")
    p.add_argument("--out", required=True, metavar="FILE.html")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    add_rules(p)
    p.set_defaults(func=cmd_pack)


def add_credit(sub: Any) -> None:
    """Register ``credit`` on the CLI's sub-parsers."""
    p = sub.add_parser("credit", help="the credit score estimate of a report year (DOMAIN.md §9)")
    add_common(p)
    p.add_argument("--year", type=int, help="report year (default: the last complete year of the data)")
    p.add_argument("--today", type=parse_date, help="judge timeliness as of this day (default: today)")
    add_rules(p)
    p.set_defaults(func=cmd_credit)
