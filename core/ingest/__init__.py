"""Importing real call-centre data: Asterisk, FreeSWITCH, VICIdial, canonical CSV/Excel/Parquet.

``python -m core import --format FORMAT [--table T] [--mapping FILE] [--db URL] FILE…`` and the
data-quality page's upload both call :func:`import_files`::

    from core.ingest import import_files
    report = import_files("duckdb:///data/callcenter.duckdb", ["Master.csv"], "asterisk-csv")
    assert report.read == report.inserted + report.merged + report.duplicates + report.rejected

Modules: :mod:`~core.ingest.readers` (files in bounded chunks), :mod:`~core.ingest.formats` and
:mod:`~core.ingest.canonical` (recognising and converting rows, with the reasons rows are refused),
:mod:`~core.ingest.mapping` (which columns mean what; presets in ``mappings/``),
:mod:`~core.ingest.numbers` (customer numbers: normalised, salted hash, masking),
:mod:`~core.ingest.calls` (folding Asterisk forks, the two-way-voice inference),
:mod:`~core.ingest.sink` (one transaction, or ClickHouse staging), :mod:`~core.ingest.rejects`,
:mod:`~core.ingest.tables` (``call_inferences``, ``import_log``) and
:mod:`~core.ingest.pipeline` (the order of work).
"""

from __future__ import annotations

from core.ingest.common import CALL_FORMATS, FORMATS, IngestError, ProgressFn
from core.ingest.pipeline import DEFAULT_CHUNK_ROWS, FileReport, ImportReport, import_files

__all__ = [
    "CALL_FORMATS",
    "DEFAULT_CHUNK_ROWS",
    "FORMATS",
    "FileReport",
    "ImportReport",
    "IngestError",
    "ProgressFn",
    "import_files",
]
