"""The ``--source SPEC`` of ``python -m core watch``: what to watch, parsed and checked.

Three kinds (options after ``?`` as in a URL query, ``&``-separated)::

    file:PATH?format=asterisk-csv                 a CDR file that grows (Master.csv, cdr-csv), rotation too
    folder:DIR?format=asterisk&pattern=*.csv      a folder where export files land, each imported once
    table:URL#TABLE?format=asterisk&column=sequence&overlap=100
                                                  a PBX's CDR table (MySQL/MariaDB, PostgreSQL), new rows
                                                  by a high-water mark on ``column``

``format`` is one of the import's formats (``python -m core import --format``; ``_`` may stand for
``-``): required for ``file`` and ``folder``, ``asterisk`` by default for ``table``. Every kind takes
``mapping=FILE`` (a mapping laid over the format's preset) and, for ``canonical``, ``table=NAME`` (the
target table; a folder's files otherwise name it). ``folder`` also takes ``pattern`` (a glob, default
``*``) and ``settle`` (seconds a file's modification time must lie in the past before it is taken,
default 5); ``table`` takes ``column`` (default ``sequence``), ``overlap`` (how far below the mark
rows are read again: in the column's units, seconds for a time column; default 0, the mark itself
is always read again) and ``limit`` (rows per batch, default 50,000). In ``table:URL#TABLE`` the
URL is the PBX database's SQLAlchemy URL (its own ``?query`` allowed); the table (``schema.table``
allowed) follows the last ``#``.

    >>> s = parse("table:mysql+pymysql://u:pw@pbx/asteriskcdrdb?charset=utf8#cdr?column=sequence&overlap=50")
    >>> (s.kind, s.table_name, s.column, s.overlap, s.fmt, s.key)
    ('table', 'cdr', 'sequence', 50.0, 'asterisk', 'table:mysql+pymysql://u:***@pbx/asteriskcdrdb?charset=utf8#cdr.sequence')
    >>> parse("file:/var/log/asterisk/cdr-csv/Master.csv?format=asterisk_csv").fmt
    'asterisk-csv'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

from core.infra import db
from core.ingest.common import FORMATS

KINDS = ("file", "folder", "table")
#: Formats a growing file can be read in: line-based text (not Tencent CCC's JSON).
LINE_FORMATS = ("asterisk", "asterisk-csv", "freeswitch", "vicidial", "canonical")
_OPTIONS: dict[str, frozenset[str]] = {
    "file": frozenset({"format", "mapping", "table"}),
    "folder": frozenset({"format", "mapping", "table", "pattern", "settle"}),
    "table": frozenset({"format", "mapping", "table", "column", "overlap", "limit"}),
}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
DEFAULT_SETTLE = 5.0
DEFAULT_LIMIT = 50_000


class SpecError(Exception):
    """A ``--source`` that cannot be used, explained in zh and en."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class Spec:
    """One parsed ``--source``. ``key`` names its stored position (no password in it)."""

    kind: str
    text: str
    fmt: str
    key: str
    path: Path | None = None  # file, folder
    url: str | None = None  # table
    table_name: str | None = None  # table: the PBX's table
    column: str = "sequence"
    overlap: float = 0.0
    limit: int = DEFAULT_LIMIT
    pattern: str = "*"
    settle: float = DEFAULT_SETTLE
    mapping: str | None = None
    target: str | None = None  # canonical: the target table
    options: dict[str, str] = field(default_factory=dict)


def _bad(spec: str, zh: str, en: str) -> SpecError:
    shown = db.redact_url(spec) if spec.startswith("table:") else spec
    return SpecError(f"--source {shown}:{zh}", f"--source {shown}: {en}")


def _number(spec: str, name: str, text: str, *, integer: bool = False) -> float:
    try:
        value = float(int(text)) if integer else float(text)
    except ValueError:
        raise _bad(spec, f"{name} 不是数字:{text!r}", f"{name} is not a number: {text!r}") from None
    if value < 0 or (integer and value < 1):
        raise _bad(spec, f"{name} 必须为正数:{text!r}", f"{name} must be positive: {text!r}")
    return value


def parse(spec: str) -> Spec:
    """``spec`` as a :class:`Spec`, or :class:`SpecError` saying what is wrong with it."""
    kind, colon, rest = spec.partition(":")
    if not colon or kind not in KINDS or not rest:
        raise _bad(
            spec,
            "应为 file:路径?format=…、folder:目录?format=… 或 table:数据库地址#表名?column=…",
            "expected file:PATH?format=…, folder:DIR?format=… or table:URL#TABLE?column=…",
        )
    if kind == "table":
        url, hash_, tail = rest.rpartition("#")
        if not hash_ or not url:
            raise _bad(spec, "缺少 #表名(table:数据库地址#表名)", "no #TABLE after the URL (table:URL#TABLE)")
        name, _, query = tail.partition("?")
    else:
        url = ""
        name, _, query = rest.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = sorted(set(options) - _OPTIONS[kind])
    if unknown:
        raise _bad(
            spec,
            f"未知选项 {', '.join(unknown)}(可用:{', '.join(sorted(_OPTIONS[kind]))})",
            f"unknown option {', '.join(unknown)} (known: {', '.join(sorted(_OPTIONS[kind]))})",
        )
    fmt = options.get("format", "asterisk" if kind == "table" else "").replace("_", "-")
    if not fmt:
        raise _bad(
            spec, f"缺少 format=(可选:{', '.join(FORMATS)})", f"no format= (one of {', '.join(FORMATS)})"
        )
    allowed = LINE_FORMATS if kind != "folder" else FORMATS
    if fmt not in allowed:
        raise _bad(
            spec,
            f"format={fmt} 不适用(可选:{', '.join(allowed)})",
            f"format={fmt} does not apply here (one of {', '.join(allowed)})",
        )
    target = options.get("table") or None
    if fmt == "canonical" and kind != "folder" and not target:
        raise _bad(spec, "canonical 格式须给出 table=目标表", "the canonical format needs table=TARGET")
    common = {"fmt": fmt, "mapping": options.get("mapping") or None, "target": target, "options": options}
    if kind == "file":
        path = Path(name).expanduser().absolute()
        if path.is_dir():
            raise _bad(spec, "这是目录;目录请用 folder:", "this is a folder; use folder: for folders")
        return Spec(kind, spec, key=f"file:{path}"[:512], path=path, **common)  # type: ignore[arg-type]
    if kind == "folder":
        path = Path(name).expanduser().absolute()
        if not path.is_dir():
            raise _bad(spec, "找不到该目录", "no such folder")
        settle = _number(spec, "settle", options.get("settle", str(DEFAULT_SETTLE)))
        return Spec(
            kind,
            spec,
            key=f"folder:{path}"[:512],
            path=path,
            pattern=options.get("pattern") or "*",
            settle=settle,
            **common,  # type: ignore[arg-type]
        )
    column = options.get("column") or "sequence"
    for what, value in (("table", name), ("column", column)):
        if not _NAME.match(value):
            raise _bad(spec, f"{what} 名称无效:{value!r}", f"not a valid {what} name: {value!r}")
    try:
        backend = db.dialect_of(url)
    except Exception:  # noqa: BLE001 - any parse failure is the same mistake
        backend = "?"
    if backend not in ("mysql", "postgresql"):
        raise _bad(
            spec,
            "数据库地址应为 MySQL/MariaDB 或 PostgreSQL(如 mysql+pymysql://用户:密码@主机/asteriskcdrdb)",
            "the URL must name a MySQL/MariaDB or PostgreSQL database "
            "(e.g. mysql+pymysql://user:pw@host/asteriskcdrdb)",
        )
    return Spec(
        kind,
        spec,
        key=f"table:{db.redact_url(url)}#{name}.{column}"[:512],
        url=url,
        table_name=name,
        column=column,
        overlap=_number(spec, "overlap", options.get("overlap", "0")),
        limit=int(_number(spec, "limit", options.get("limit", str(DEFAULT_LIMIT)), integer=True)),
        **common,  # type: ignore[arg-type]
    )
