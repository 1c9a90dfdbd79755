"""Command line: ``python -m core <command>``.

Conventions shared by every command (later issues add metrics, risk, fields, import, report, pack):

* ``--db URL`` (else ``CALLCENTER_DB_URL``, else the embedded ``data/callcenter.duckdb``);
* dates as ``--from/--to YYYY-MM-DD``, both inclusive;
* ``--format table|json|csv``; JSON is an array of objects, rates are fractions, missing values null;
* exit 0 on success, 2 on bad arguments or input with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from core import db

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class CliError(Exception):
    """A bad argument or input: printed as one line on stderr, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse prints usage and exits 2; we keep the exit code and make the reason one line.
        raise CliError(message)


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` → date, or a one-line reason."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN → null
        return None
    return value


def emit(rows: list[dict[str, Any]], fmt: str, out: io.TextIOBase | Any = None) -> None:
    """Print rows as a table, a JSON array of objects, or CSV."""
    out = out or sys.stdout
    if fmt == "json":
        json.dump([{k: _jsonable(v) for k, v in r.items()} for r in rows], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    columns = list(rows[0]) if rows else []
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: "" if v is None else _jsonable(v) for k, v in r.items()})
        return
    text = [[("—" if r[c] is None else str(_jsonable(r[c]))) for c in columns] for r in rows]
    widths = [max([_width(c)] + [_width(t[i]) for t in text]) for i, c in enumerate(columns)]
    out.write("  ".join(_pad(c, w) for c, w in zip(columns, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for t in text:
        out.write("  ".join(_pad(v, w) for v, w in zip(t, widths, strict=True)).rstrip() + "\n")


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class ProgressBar:
    """A one-line text progress bar on stderr (quiet when stderr is not a terminal, except at the end)."""

    def __init__(self, stream: Any = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.perf_counter()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_line = ""

    def __call__(self, label: str, fraction: float) -> None:
        filled = round(self.width * max(0.0, min(1.0, fraction)))
        elapsed = time.perf_counter() - self.started
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {fraction * 100:5.1f}% {elapsed:6.1f}s {label}"
        if self.tty:
            self.stream.write("\r" + line.ljust(len(self.last_line)))
            if fraction >= 1.0:
                self.stream.write("\n")
        elif fraction >= 1.0 or fraction == 0.0:
            self.stream.write(line + "\n")
        self.last_line = line
        self.stream.flush()


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    """Build the demo company into the database (replacing its tables)."""
    from core import demo

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
    """Rebuild DuckDB's pre-aggregated rollups (core/rollup.py); imports and ``demo`` do it themselves."""
    from core import rollup_build

    url = db.resolve_url(args.db)
    engine = db.make_engine(url, create_dirs=False)
    problems = db.check_schema(engine)
    if problems:
        raise CliError(
            f"schema check failed for {db.redact_url(url)}: " + "; ".join(p.message("en") for p in problems)
        )
    seconds = rollup_build.refresh(engine)
    built = seconds is not None
    if args.format == "table":
        sys.stdout.write(
            f"rollups rebuilt in {seconds:.1f}s\n"
            if built
            else f"{db.dialect_of(engine)}: no rollups on this engine (DuckDB only); every metric reads the calls\n"
        )
    else:
        emit([{"engine": db.dialect_of(engine), "built": built, "seconds": seconds}], args.format)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Check the schema, print row counts and the data version; exit 2 when tables are missing."""
    url = db.resolve_url(args.db)
    engine = db.make_engine(url, create_dirs=False)
    problems = db.check_schema(engine)
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


def _split(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").split(",") if x.strip()]


def _period(args: argparse.Namespace) -> tuple[date, date]:
    """The inclusive period from --from/--to (default: the last complete month of the data)."""
    if args.date_from and args.date_to:
        if args.date_to < args.date_from:
            raise CliError(f"--to {args.date_to} is before --from {args.date_from}")
        return args.date_from, args.date_to
    if args.date_from or args.date_to:
        raise CliError("give both --from and --to, or neither (default: the last complete month)")
    from core import home

    engine = db.make_engine(db.resolve_url(args.db), create_dirs=False)
    first, last = home.last_complete_month(engine, date.today())
    return first, last


def cmd_metrics(args: argparse.Namespace) -> int:
    """Any metric of DOMAIN.md §5 over a period, cut by any dimensions."""
    from core import cubes, metrics

    by = _split(args.by)
    keys = _split(args.metrics) or list(metrics.METRIC_KEYS)
    unknown = [k for k in keys if k not in metrics.METRICS]
    if unknown:
        raise CliError(f"unknown metric key(s): {', '.join(unknown)} (see DOMAIN.md §5)")
    bad = [d for d in by if d not in cubes.DIMENSIONS]
    if bad:
        raise CliError(f"unknown dimension(s): {', '.join(bad)}; choose from {', '.join(cubes.DIMENSIONS)}")
    url = db.resolve_url(args.db)
    engine = db.make_engine(url, create_dirs=False)
    problems = db.check_schema(engine)
    if problems:
        raise CliError(db.schema_error(problems).en)
    start, end = _period(args)
    filters = cubes.Filters(
        sites=tuple(_split(args.site)), teams=tuple(_split(args.team)), campaigns=tuple(_split(args.campaign))
    )
    rules = _rules(args)
    try:
        frame = metrics.compute_metrics(engine, start, end, by=by, metrics=keys, filters=filters, rules=rules)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    rows = frame.to_dicts()
    if args.format == "table":
        for row in rows:
            for k in keys:
                row[k] = _fmt_cell(row[k], metrics.METRICS[k].fmt)
    emit(rows, args.format)
    return EXIT_OK


def _rules(args: argparse.Namespace) -> Any:
    from core.rules import RulesError, load_rules

    try:
        return load_rules(args.rules) if getattr(args, "rules", None) else load_rules()
    except RulesError as exc:
        raise CliError(exc.en) from None


def _fmt_cell(value: Any, fmt: str) -> Any:
    """Table output only: rates as percentages, hours with one decimal; JSON/CSV keep raw values."""
    if value is None:
        return None
    if fmt == "pct1":
        return f"{value * 100:.1f}%"
    if fmt in ("hours1", "num1"):
        return f"{value:,.1f}"
    if fmt in ("num2", "per10k2"):
        return f"{value:,.2f}"
    if fmt == "sec0":
        return f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else value


#: While :func:`main` runs a command: what it holds open until the command ends (see _engine_with_schema).
_HELD: contextlib.ExitStack | None = None


def _engine_with_schema(args: argparse.Namespace) -> Any:
    """The engine of ``--db`` after a schema check, held open until the command ends
    (:func:`core.db.held_open`: a report's hundred queries then open a DuckDB file once)."""
    url = db.resolve_url(args.db)
    engine = db.make_engine(url, create_dirs=False)
    problems = db.check_schema(engine)
    if problems:
        raise CliError(db.schema_error(problems).en)
    if _HELD is not None:
        _HELD.enter_context(db.held_open(engine))
    return engine


def cmd_risk(args: argparse.Namespace) -> int:
    """Risk scores per entity and period, riskiest first within each period."""
    from core import risk

    if args.by not in risk.ENTITIES:
        raise CliError(f"unknown entity {args.by!r}; choose from {', '.join(risk.ENTITIES)}")
    engine = _engine_with_schema(args)
    start, end = _period(args)
    frame = risk.compute_risk(engine, start, end, entity=args.by, grain=args.grain, rules=_rules(args))
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


def _report_year(args: argparse.Namespace, engine: Any) -> int:
    if args.year:
        return int(args.year)
    from core import home

    last_day = home.latest_call_day(engine) or date.today()
    return last_day.year if (last_day.month, last_day.day) == (12, 31) else last_day.year - 1


def cmd_fields(args: argparse.Namespace) -> int:
    """The 46 annual-report fields for a year, with last year, the change and the rule tripped."""
    from core import regulatory

    engine = _engine_with_schema(args)
    year = _report_year(args, engine)
    rules = _rules(args)
    # Once: the fields mark their material changes with it, and the workbook lists it.
    changes = regulatory.compute_changes(engine, year, rules=rules)
    rows = regulatory.compute_fields(
        engine, year, rules=rules, with_sql=args.format in ("json", "xlsx"), changes=changes
    )
    if args.format == "xlsx":
        from core import exports

        out = Path(args.out or f"annual-report-{year}.xlsx")
        exports.write_report_xlsx(out, year, rows, changes)
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
                "value": _short(r["value"]),
                "previous": _short(r["previous"]),
                "change": _change_text(r["change"], r["unit"]),
                "material": "!" if r["material"] else "",
            }
            for r in rows
        ]
    _write(rows, args)
    return EXIT_OK


def _change_text(change: float | None, unit: str) -> str | None:
    """Rates change in percentage points, everything else relatively."""
    if change is None:
        return None
    return f"{change * 100:+.1f}pp" if unit == "pct" else f"{change:+.1%}"


def _short(value: Any, width: int = 28) -> Any:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.1f}"
    text = "—" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_changes(args: argparse.Namespace) -> int:
    """The risk difference list (风险差异清单): one object per material change of the year."""
    from core import regulatory

    engine = _engine_with_schema(args)
    year = _report_year(args, engine)
    rows = regulatory.compute_changes(engine, year, rules=_rules(args))
    if args.format == "xlsx":
        from core import exports

        out = Path(args.out or f"difference-list-{year}.xlsx")
        exports.write_changes_xlsx(out, year, rows)
        sys.stderr.write(f"wrote {out}\n")
        return EXIT_OK
    if args.format != "json":
        for row in rows:
            row["evidence"] = ";".join(row["evidence"])
    _write(rows, args)
    return EXIT_OK


def _write(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    if getattr(args, "out", None):
        with open(args.out, "w", encoding="utf-8", newline="") as fh:
            emit(rows, args.format, fh)
        sys.stderr.write(f"wrote {args.out}\n")
    else:
        emit(rows, args.format)


def cmd_pack(args: argparse.Namespace) -> int:
    """The compliance asset pack for up to three years as a self-contained HTML page."""
    from core import asset_pack

    try:
        years = sorted({int(y) for y in _split(args.years)})
    except ValueError:
        raise CliError(f"--years must be a comma list of years, got {args.years!r}") from None
    if not 1 <= len(years) <= 3:
        raise CliError("--years takes one to three years, e.g. --years 2023,2024,2025")
    engine = _engine_with_schema(args)
    out = asset_pack.write_pack(engine, years, args.out, lang=args.lang, rules=_rules(args))
    pack = asset_pack.build_pack(engine, years, rules=_rules(args))
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
    from core import credit

    engine = _engine_with_schema(args)
    year = _report_year(args, engine)
    est = credit.estimate(engine, year, today=args.today or date.today(), rules=_rules(args))
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


def cmd_quality(args: argparse.Namespace) -> int:
    """The data-quality checks over a period."""
    from core import quality

    engine = _engine_with_schema(args)
    start, end = _period(args)
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


def cmd_report(args: argparse.Namespace) -> int:
    """The monthly regulatory dashboard: one self-contained HTML file plus PNG charts in --out."""
    from core import report

    try:
        month = report.month_of(args.month) if args.month else report.previous_month(date.today())
    except ValueError as exc:
        raise CliError(str(exc)) from None
    engine = _engine_with_schema(args)
    try:
        files = report.write_report(
            engine, month, args.out, lang=args.lang, rules=_rules(args), png=not args.no_png
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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m core", description="Call-centre licence compliance: data and reports.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(p: argparse.ArgumentParser, formats: Sequence[str] = ("table", "json", "csv")) -> None:
        p.add_argument(
            "--db",
            metavar="URL",
            help="database URL (default: $CALLCENTER_DB_URL, else the embedded data/callcenter.duckdb)",
        )
        p.add_argument("--format", choices=formats, default="table")

    def period(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--from",
            dest="date_from",
            type=parse_date,
            metavar="YYYY-MM-DD",
            help="first day (inclusive); default: the last complete month",
        )
        p.add_argument(
            "--to", dest="date_to", type=parse_date, metavar="YYYY-MM-DD", help="last day (inclusive)"
        )

    p = sub.add_parser("demo", help="build the deterministic demo company (replaces its tables)")
    common(p)
    p.add_argument(
        "--end", type=parse_date, help="last day of the 36 months (default: last day of last month)"
    )
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--scale", type=positive_float, default=1.0, help="multiplies call volume (1 ≈ 2.4 M calls)"
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("metrics", help="any metric of DOMAIN.md §5 over a period, cut by dimensions")
    common(p)
    period(p)
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
    p.add_argument("--rules", metavar="FILE", help="a rules file overriding core/rules.toml")
    p.set_defaults(func=cmd_metrics)

    p = sub.add_parser("risk", help="compliance risk scores per entity and period (DOMAIN.md §7)")
    common(p)
    period(p)
    p.add_argument(
        "--by", default="campaign", help="entity: caller_number, campaign, team, agent, callee_province"
    )
    p.add_argument("--grain", choices=("day", "week", "month"), default="week")
    p.add_argument("--top", type=int, default=0, help="only the N riskiest per period (0: all)")
    p.add_argument("--rules", metavar="FILE", help="a rules file overriding core/rules.toml")
    p.set_defaults(func=cmd_risk)

    for name, func, helptext in (
        ("fields", cmd_fields, "the 46 annual-report fields of a year (DOMAIN.md §8)"),
        ("changes", cmd_changes, "the risk difference list: material changes of a year (DOMAIN.md §3)"),
    ):
        p = sub.add_parser(name, help=helptext)
        common(p, formats=("table", "json", "csv", "xlsx"))
        p.add_argument("--year", type=int, help="report year (default: the last complete year of the data)")
        p.add_argument("--out", metavar="FILE", help="write to FILE (required name for xlsx: default in cwd)")
        p.add_argument("--rules", metavar="FILE", help="a rules file overriding core/rules.toml")
        p.set_defaults(func=func)

    p = sub.add_parser("pack", help="the compliance asset pack as a self-contained HTML page (DOMAIN.md §10)")
    common(p)
    p.add_argument("--years", required=True, metavar="Y1,Y2,Y3", help="one to three years")
    p.add_argument("--out", required=True, metavar="FILE.html")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--rules", metavar="FILE", help="a rules file overriding core/rules.toml")
    p.set_defaults(func=cmd_pack)

    p = sub.add_parser("credit", help="the credit score estimate of a report year (DOMAIN.md §9)")
    common(p)
    p.add_argument("--year", type=int, help="report year (default: the last complete year of the data)")
    p.add_argument("--today", type=parse_date, help="judge timeliness as of this day (default: today)")
    p.add_argument("--rules", metavar="FILE", help="a rules file overriding core/rules.toml")
    p.set_defaults(func=cmd_credit)

    p = sub.add_parser("quality", help="data-quality checks over a period")
    common(p)
    period(p)
    p.set_defaults(func=cmd_quality)

    p = sub.add_parser("report", help="the monthly regulatory dashboard as offline HTML plus PNG charts")
    common(p)
    p.add_argument("--month", metavar="YYYY-MM", help="the month (default: the month before today)")
    p.add_argument("--out", required=True, metavar="DIR", help="directory for the HTML file and the PNGs")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--no-png", action="store_true", help="write the HTML file only (no Chromium needed)")
    p.add_argument("--rules", metavar="FILE", help="a rules file overriding core/rules.toml")
    p.set_defaults(func=cmd_report)

    from core.ingest.command import add_parser as add_import_parser

    add_import_parser(sub)  # python -m core import … (core/ingest/command.py)

    p = sub.add_parser("rollup", help="rebuild DuckDB's pre-aggregated rollups (imports and demo do it)")
    common(p)
    p.set_defaults(func=cmd_rollup)

    p = sub.add_parser("check", help="check the schema; print row counts and the data version")
    common(p)
    p.set_defaults(func=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None, *, stderr: Callable[[str], Any] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 bad arguments or input)."""
    global _HELD
    write = stderr or sys.stderr.write
    try:
        args = build_parser().parse_args(argv)
        with contextlib.ExitStack() as held:
            _HELD = held
            try:
                return int(args.func(args))
            finally:
                _HELD = None
    except CliError as exc:
        write(f"error: {exc}\n")
        return EXIT_BAD_INPUT
    except db.DatabaseError as exc:
        write(f"error: {exc.en}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        write("interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
