"""What every command shares: the error type, argument types and options, the period, the rules, the engine.

Conventions (see :mod:`core.cli`): ``--db URL``, ``--from/--to YYYY-MM-DD`` inclusive, ``--format``,
exit 0 on success and 2 on bad arguments or input with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from core.infra import db

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class CliError(Exception):
    """A bad argument or input: printed as one line on stderr, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse with a one-line reason instead of usage + exit on a bad argument."""

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
    """A number above zero, or a one-line reason."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def add_common(p: argparse.ArgumentParser, formats: Sequence[str] = ("table", "json", "csv")) -> None:
    """``--db URL`` and ``--format``, which every command but ``import`` takes."""
    p.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $CALLCENTER_DB_URL, else the embedded data/callcenter.duckdb)",
    )
    p.add_argument("--format", choices=formats, default="table")


def add_period(p: argparse.ArgumentParser) -> None:
    """``--from/--to``, both inclusive (default: the last complete month of the data)."""
    p.add_argument(
        "--from",
        dest="date_from",
        type=parse_date,
        metavar="YYYY-MM-DD",
        help="first day (inclusive); default: the last complete month",
    )
    p.add_argument("--to", dest="date_to", type=parse_date, metavar="YYYY-MM-DD", help="last day (inclusive)")


def add_rules(p: argparse.ArgumentParser) -> None:
    """``--rules FILE``: a company's override of the default rules."""
    p.add_argument(
        "--rules",
        metavar="FILE",
        help="a rules file overriding core/infra/rules.toml for this run only "
        "(default: the rules version in force in the database, see `rules list`)",
    )


def split(text: str | None) -> list[str]:
    """A comma list as its non-empty, stripped items: ``"a, b,"`` → ``["a", "b"]``."""
    return [x.strip() for x in (text or "").split(",") if x.strip()]


def period(args: argparse.Namespace) -> tuple[date, date]:
    """The inclusive period from --from/--to (default: the last complete month of the data)."""
    if args.date_from and args.date_to:
        if args.date_to < args.date_from:
            raise CliError(f"--to {args.date_to} is before --from {args.date_from}")
        return args.date_from, args.date_to
    if args.date_from or args.date_to:
        raise CliError("give both --from and --to, or neither (default: the last complete month)")
    from core.pagedata import home

    engine = db.make_engine(db.resolve_url(args.db), create_dirs=False)
    first, last = home.last_complete_month(engine, date.today())
    return first, last


def rules_of(args: argparse.Namespace, engine: Any = None) -> Any:
    """The rules of ``--rules FILE`` when given (the defaults + that file, for this run only, stored
    nowhere), else the rules in force in the database (:func:`core.infra.rule_versions.rules_in_force`:
    the defaults + the latest version's overrides). A bad file is a one-line error naming the key
    and its range (exit 2)."""
    from core.infra import rule_versions
    from core.infra.rules import RulesError, load_rules

    try:
        if getattr(args, "rules", None):
            return load_rules(args.rules)
        if engine is None:
            engine = db.make_engine(db.resolve_url(args.db), create_dirs=False)
        return rule_versions.rules_in_force(engine)
    except RulesError as exc:
        raise CliError(exc.en) from None


def report_year(args: argparse.Namespace, engine: Any) -> int:
    """``--year``, else the last complete year of the data."""
    if args.year:
        return int(args.year)
    from core.pagedata import home

    last_day = home.latest_call_day(engine) or date.today()
    return last_day.year if (last_day.month, last_day.day) == (12, 31) else last_day.year - 1


#: While a command runs (inside :func:`holding`): what it holds open until the command ends.
_HELD: contextlib.ExitStack | None = None


@contextlib.contextmanager
def holding() -> Iterator[None]:
    """Run one command: what :func:`engine_with_schema` opens is held until the block ends."""
    global _HELD
    with contextlib.ExitStack() as held:
        _HELD = held
        try:
            yield
        finally:
            _HELD = None


def engine_with_schema(args: argparse.Namespace) -> Any:
    """The engine of ``--db`` after a schema check, held open until the command ends
    (:func:`core.infra.db.held_open`: a report's hundred queries then open a DuckDB file once)."""
    url = db.resolve_url(args.db)
    engine = db.make_engine(url, create_dirs=False)
    problems = db.ready_schema(engine)
    if problems:
        raise CliError(db.schema_error(problems).en)
    if _HELD is not None:
        _HELD.enter_context(db.held_open(engine))
    return engine
