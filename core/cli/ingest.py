"""``import``: the importer's command line (the import command group of :mod:`core.cli`).

Usage::

    python -m core import --format canonical|asterisk|asterisk-csv|freeswitch|vicidial|tencent-ccc
                          [--table TABLE] [--mapping FILE] [--db URL] [--report table|json]
                          [--rejects DIR] [--chunk-rows N] FILE...

``--format`` names the *input* format here (the other commands use it for output); the report's
output is chosen with ``--report``. Exit 0 when the import was committed (even with rejected rows:
the report says how many and where they are), 2 when nothing was imported, with a one-line reason.
An import that inserted nothing while rejecting rows (every row refused, or refused and the rest
already stored) also exits 2, after printing its report and the rejects file, so a cron job can
tell; an import of rows all already stored, with none rejected, exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from core.cli.common import EXIT_BAD_INPUT, EXIT_OK, CliError
from core.cli.output import ProgressBar, emit
from core.infra import db
from core.ingest.common import FORMATS, IngestError

if TYPE_CHECKING:
    from core.ingest.pipeline import ImportReport


def add_import(sub: Any) -> None:
    """Register ``import`` on the CLI's sub-parsers."""
    p = sub.add_parser(
        "import",
        help="import call records or canonical tables (Asterisk, FreeSWITCH, VICIdial, Tencent CCC, CSV/Excel/Parquet)",
        description="Import files into the database (created when missing); duplicates are skipped, bad rows "
        "go to a rejects file, and a failure leaves the database as it was.",
    )
    p.add_argument("--format", dest="input_format", required=True, choices=FORMATS, help="the files' format")
    p.add_argument("--table", help="canonical only: target table (default: from the file or sheet name)")
    p.add_argument(
        "--mapping",
        metavar="FILE",
        help="a TOML mapping laid over the format's preset (core/ingest/mappings)",
    )
    p.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $CALLCENTER_DB_URL, else the embedded data/callcenter.duckdb)",
    )
    p.add_argument("--report", choices=("table", "json"), default="table", help="how to print the report")
    p.add_argument(
        "--rejects", metavar="DIR", help="write the rejects file here (default: beside the first file)"
    )
    p.add_argument(
        "--chunk-rows", type=int, default=None, metavar="N", help="lines per chunk (memory grows with it)"
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    """Import the files, refresh the rollups when rows went in, and print the report."""
    from core.ingest.pipeline import DEFAULT_CHUNK_ROWS, import_files

    if args.chunk_rows is not None and args.chunk_rows < 1:
        raise CliError("--chunk-rows must be a positive number")
    from core.rollup import build as rollup_build

    url = db.resolve_url(args.db)
    before = rollup_build.fingerprint_before_import(url)
    try:
        report = import_files(
            url,
            args.files,
            args.input_format,
            table=args.table,
            mapping=args.mapping,
            rejects_dir=args.rejects,
            chunk_rows=args.chunk_rows or DEFAULT_CHUNK_ROWS,
            progress=ProgressBar(),
        )
    except IngestError as exc:
        raise CliError(exc.en) from None
    # The pre-aggregates follow the new calls, on every engine: only the days the import touched when
    # they were current before it (DuckDB), else rebuilt (core/semantic/rollup.py)
    rollup_build.refresh_after_import(url, report, before)
    if args.report == "json":
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return _exit_code(report)
    _print_table(report)
    return _exit_code(report)


def _exit_code(report: ImportReport) -> int:
    """2 when rows were rejected and none was inserted (the reason on stderr), else 0."""
    if report.inserted == 0 and report.rejected > 0:
        where = f"; see {report.rejects_file}" if report.rejects_file else ""
        sys.stderr.write(
            f"error: nothing was imported: {report.rejected:,} of {report.read:,} rows were rejected{where}\n"
        )
        return EXIT_BAD_INPUT
    return EXIT_OK


def _print_table(report: ImportReport) -> None:
    out = sys.stdout
    out.write(
        f"{report.format}: {report.inserted:,} of {report.read:,} rows imported into {report.database} "
        f"in {report.seconds:.1f}s\n\n"
    )
    rows = [
        {"count": k, "rows": getattr(report, k)}
        for k in ("read", "inserted", "merged", "duplicates", "rejected")
    ]
    rows.append({"count": "inferred_two_way_voice", "rows": report.inferred_two_way_voice})
    if report.dnc_added:
        rows.append({"count": "dnc_added", "rows": report.dnc_added})
    emit(rows, "table", out)
    if len(report.files) > 1 or any(f.note for f in report.files):
        out.write("\n")
        emit(
            [
                {
                    "file": f.file,
                    "table": f.table,
                    "encoding": f.encoding,
                    "read": f.read,
                    "rejected": f.rejected,
                    "note": f.note,
                }
                for f in report.files
            ],
            "table",
            out,
        )
    if report.rejects_file:
        out.write(f"\nrejected rows (line and reason): {report.rejects_file}\n")
