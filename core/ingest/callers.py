"""Guard rail: the column a mapping routes to ``caller_number`` must hold the company's numbers.

``caller_number`` is stored in clear (it is the company's own access number, DOMAIN.md §4); a
mapping that sends a customer's number there would put customers' numbers into the database and
the UI in clear. Before anything is written, the first :data:`SAMPLE_RECORDS` records of each call
file are converted as the import will convert them, and the caller numbers that are not the
company's are counted:

* when the numbers ledger (the ``numbers`` table) has rows: a number not in it (compared in the
  one written form of :func:`core.ingest.numbers.company_number`);
* when the ledger is empty: a Chinese mobile number (the usual shape of a customer's number).

The column is refused, naming the mapping key, when at least :data:`MIN_DISTINCT` distinct such
numbers appear and they repeat less than twice on average: a company calls from a few lines again
and again, customers' numbers change from call to call. A company mobile registered in the ledger
is never counted; an unregistered company line used for many calls is not refused either (it is the
``unregistered_number`` risk signal, which the import must keep).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import schema
from core.ingest import numbers
from core.ingest.common import IngestError
from core.ingest.formats import CallFormat, Layout
from core.ingest.mapping import Mapping
from core.ingest.readers import Source

#: Records of each file looked at (the first ones).
SAMPLE_RECORDS = 200
#: Distinct non-company numbers needed before a column is refused.
MIN_DISTINCT = 5


def ledger_numbers(engine: Engine) -> set[str]:
    """The numbers of the ledger, each in its stored written form (empty: no ledger)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.numbers.c.number)).scalars().all()
    return {n for n in (numbers.company_number(str(r)) for r in rows if r is not None) if n}


def check_caller_numbers(
    files: Sequence[tuple[str, Source, CallFormat, Layout | None]],
    mapping: Mapping,
    engine: Engine,
    key: bytes,
) -> None:
    """Refuse a mapping whose ``caller_number`` column holds customers' numbers (see the module).

    ``files``: ``(file name, source, format, layout)`` of each call file (layout None: empty file).

    Raises:
        IngestError: names the file, the mapping key(s) and how many numbers looked like customers'.
    """
    rule = mapping.field("caller_number")
    if not (rule.column or rule.column_in or rule.column_out):
        return
    ledger: set[str] | None = None
    for name, source, handler, layout in files:
        if layout is None:
            continue
        frame = _sample_frame(source, layout.names)
        if frame.height == 0:
            continue
        rows = handler.convert(frame, layout, mapping, key).rows
        if rows.height == 0 or "caller_number" not in rows.columns:
            continue
        if ledger is None:
            ledger = ledger_numbers(engine)
        pairs = [
            (v, d)
            for v, d in rows.select("caller_number", "direction").iter_rows()
            if v is not None and _not_company(v, ledger)
        ]
        seen = Counter(v for v, _d in pairs)
        if len(seen) >= MIN_DISTINCT and len(pairs) < 2 * len(seen):
            _refuse(name, mapping, rule_keys(mapping, {d for _v, d in pairs}), seen, bool(ledger))


def _not_company(value: str, ledger: set[str]) -> bool:
    if ledger:
        return value not in ledger
    return bool(re.fullmatch(numbers.CN_MOBILE, value.replace("-", "")))


def rule_keys(mapping: Mapping, directions: set[Any]) -> list[str]:
    """The ``[caller_number]`` keys that gave values for calls of ``directions``, as written in a
    mapping file (``column_out = "dst"``)."""
    rule = mapping.field("caller_number")
    keys: list[str] = []
    for direction, specific in (("out", "column_out"), ("in", "column_in")):
        if direction not in directions:
            continue
        column = getattr(rule, specific)
        shown = f'{specific} = "{column}"' if column else f'column = "{rule.column}"'
        if (column or rule.column) and shown not in keys:
            keys.append(shown)
    if not keys and rule.column:
        keys.append(f'column = "{rule.column}"')
    return keys


def _refuse(name: str, mapping: Mapping, keys: list[str], seen: Counter[str], ledger: bool) -> None:
    where_zh = f"映射文件 {mapping.source_file.name}" if mapping.source_file else f"{mapping.format} 预设映射"
    where_en = (
        f"the mapping {mapping.source_file.name}" if mapping.source_file else f"the {mapping.format} preset"
    )
    key_text = ", ".join(f"[caller_number] {k}" for k in keys)
    shown = ", ".join(numbers.mask_number(v) for v in list(seen)[:3])
    why_zh = "不在号码台账(numbers 表)中" if ledger else "是手机号(号码台账为空)"
    why_en = (
        "are not in the numbers ledger (the numbers table)"
        if ledger
        else "are mobile numbers (the ledger is empty)"
    )
    fix_zh = "" if ledger else ";若确为本企业的手机号,请先把它们导入 numbers 表"
    fix_en = (
        ""
        if ledger
        else "; if they really are the company's mobiles, import them into the numbers table first"
    )
    raise IngestError(
        f"{name}:{where_zh} 的 {key_text} 读到的主叫号码中有 {len(seen)} 个不同号码{why_zh},"
        f"且几乎每通呼叫都不同(如 {shown}),看起来是客户号码。主叫号码以明文保存,客户号码必须放在 "
        f"[customer_number](导入时加盐哈希)。请改正该映射{fix_zh}。未写入任何数据。",
        f"{name}: {key_text} of {where_en} gives caller numbers of which {len(seen)} distinct ones "
        f"{why_en} and change from call to call (e.g. {shown}): they look like customers' numbers. "
        "The caller number is stored in clear; a customer's number belongs in [customer_number] (hashed "
        f"with the salt at import). Correct the mapping{fix_en}. Nothing was written.",
    )


def _sample_frame(source: Source, names: list[str]) -> pl.DataFrame:
    """The first records of a file as the chunks give them (string columns and ``_line``)."""
    records = [(line, fields) for line, fields in source.sample(SAMPLE_RECORDS) if len(fields) == len(names)]
    data: dict[str, Any] = {
        n: pl.Series(n, [f[i] for _line, f in records], dtype=pl.String) for i, n in enumerate(names)
    }
    data["_line"] = pl.Series("_line", [line for line, _f in records], dtype=pl.Int64)
    return pl.DataFrame(data)
