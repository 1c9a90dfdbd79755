"""The parser of ``python -m core`` (every command group registered in order) and :func:`main`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from core.cli import alerts, analysis, annual, database, ingest, monthly, rules, watch
from core.cli.common import EXIT_BAD_INPUT, EXIT_OK, CliError, Parser, holding
from core.infra import db


def build_parser() -> Parser:
    """The argument parser: one sub-command per command, in the order ``--help`` lists them."""
    parser = Parser(prog="python -m core", description="Call-centre licence compliance: data and reports.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    database.add_demo(sub)
    analysis.add_metrics(sub)
    analysis.add_risk(sub)
    annual.add_fields_and_changes(sub)
    annual.add_pack(sub)
    annual.add_credit(sub)
    analysis.add_quality(sub)
    monthly.add_report(sub)
    ingest.add_import(sub)  # python -m core import … (core/cli/ingest.py)
    watch.add_watch(sub)  # python -m core watch … (core/cli/watch.py)
    database.add_rollup(sub)
    database.add_check(sub)
    alerts.add_alerts(sub)  # python -m core alerts … (core/cli/alerts.py)
    rules.add_rules_command(sub)  # python -m core rules … (core/cli/rules.py)
    return parser


def main(argv: Sequence[str] | None = None, *, stderr: Callable[[str], Any] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 bad arguments or input)."""
    write = stderr or sys.stderr.write
    try:
        args = build_parser().parse_args(argv)
        with holding():
            return int(args.func(args))
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
