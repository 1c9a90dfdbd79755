"""Command line: ``python -m core <command>``, one module per command group.

Conventions shared by every command:

* ``--db URL`` (else ``CALLCENTER_DB_URL``, else the embedded ``data/callcenter.duckdb``);
* dates as ``--from/--to YYYY-MM-DD``, both inclusive;
* ``--format table|json|csv``; JSON is an array of objects, rates are fractions, missing values null;
* exit 0 on success, 2 on bad arguments or input with a one-line reason on stderr.

Modules: :mod:`~core.cli.parser` (the parser and :func:`main`), :mod:`~core.cli.common` (error,
options, period, rules, engine), :mod:`~core.cli.output` (table/JSON/CSV, progress bar) and the
command groups :mod:`~core.cli.database` (demo, rollup, check), :mod:`~core.cli.analysis`
(metrics, risk, quality), :mod:`~core.cli.annual` (fields, changes, pack, credit),
:mod:`~core.cli.monthly` (report), :mod:`~core.cli.ingest` (import) and :mod:`~core.cli.watch`
(watch). The CLI is the top of
``core``: it may import any core module, and no core module imports it.
"""

from __future__ import annotations

from core.cli.common import EXIT_BAD_INPUT, EXIT_OK, CliError
from core.cli.output import ProgressBar, emit
from core.cli.parser import build_parser, main

__all__ = ["EXIT_BAD_INPUT", "EXIT_OK", "CliError", "ProgressBar", "build_parser", "emit", "main"]
