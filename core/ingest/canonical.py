"""The canonical format: CSV, Excel or Parquet files in the columns of DOMAIN.md §4, for any table.

A file's table is ``--table``, else its Excel sheet's name, else the start of its file name
(``calls.csv``, ``calls-2024-05.xlsx``, ``agent_sessions_q2.parquet``). The header must hold the
table's key columns and its required ones; other known columns may be missing (they stay empty);
unknown columns are ignored and listed in the report. ``[rename]`` in a mapping file maps other
names; ``callee_number`` is accepted for ``callee_id``.

Each value is checked against its column: type (whole number, number, true/false, date, time),
length, known codes (``direction`` in/out, ``disposition``, ``channel`` …), times in order
(``started_at ≤ answered_at ≤ ended_at``, ``login_at ≤ logout_at`` …) and non-negative durations;
whole numbers fit the database's 32-bit ``Integer`` (at most 2^31 − 1), times fall in the years
2000–2099 and plain dates in 1900–2099, ids and codes (strings of up to 64 characters) hold no
control character, and a call's ``talk_seconds`` fits between its answer (else start) and its end.
``callee_id`` may hold ids already hashed (32 or 64 hex characters, kept) or clear numbers, which
are normalised and hashed before anything is stored.
"""

from __future__ import annotations

import re

import polars as pl
import sqlalchemy as sa

from core.infra import schema
from core.ingest import numbers
from core.ingest.common import DISPOSITIONS, IngestError
from core.ingest.formats import (
    Converted,
    Layout,
    control_chars,
    int_check,
    shown_columns,
    source_names,
    split_rejects,
    talk_checks,
)
from core.ingest.mapping import Mapping
from core.ingest.parse import (
    DATE_YEARS,
    YEARS,
    bad_value,
    clean,
    first_reason,
    outside_years,
    text,
    to_bool,
    to_date,
    to_datetime,
    to_float,
    to_int,
    translate,
)
from core.ingest.readers import Source

CODES: dict[tuple[str, str], tuple[str, ...]] = {
    ("calls", "direction"): ("in", "out"),
    ("calls", "disposition"): DISPOSITIONS,
    ("calls", "hangup_by"): ("customer", "agent", "system"),
    ("agents", "employment"): ("staff", "outsourced"),
    ("campaigns", "purpose"): ("marketing", "collection", "service", "survey", "notification"),
    ("campaigns", "dialer"): ("manual", "preview", "predictive", "robot"),
    ("numbers", "kind"): ("95", "96", "400", "1010", "landline", "mobile"),
    ("complaints", "channel"): ("12321", "miit", "carrier", "client", "internal"),
}
ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "calls": (("started_at", "answered_at"), ("answered_at", "ended_at"), ("started_at", "ended_at")),
    "agent_sessions": (("login_at", "logout_at"),),
    "complaints": (("received_at", "replied_at"),),
    "licences": (("valid_from", "valid_to"),),
    "sites": (("opened_on", "closed_on"),),
    "agents": (("hired_on", "left_on"),),
    "numbers": (("allocated_on", "released_on"),),
}
NON_NEGATIVE = ("ring_seconds", "talk_seconds", "wrap_seconds", "break_seconds", "declared_seats")
RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("shareholders", "share_pct"): (0.0, 100.0),
    ("qa_reviews", "score"): (0.0, 100.0),
}
HASHED: frozenset[tuple[str, str]] = frozenset(
    {("calls", "callee_id"), ("complaints", "callee_id"), ("dnc", "callee_id")}
)
HASHED_ID = r"^(?:[0-9a-f]{32}|[0-9a-f]{64})$"  # an id hashed already (kept as is)
ALIASES = {"callee_number": "callee_id", "customer_number": "callee_id"}
#: Company numbers, stored in the ledger's one written form (:func:`core.ingest.numbers.company_number`).
COMPANY_NUMBERS: frozenset[tuple[str, str]] = frozenset(
    {("numbers", "number"), ("calls", "caller_number"), ("complaints", "caller_number")}
)

#: Column names that betray another format (for a helpful message).
OTHER_FORMATS = {
    "calldate": "asterisk",
    "dcontext": "asterisk",
    "billsec": "asterisk",
    "length_in_sec": "vicidial",
    "phone_number": "vicidial",
}


def table_for(name: str) -> str | None:
    """The table a file or sheet name stands for (the longest table name it starts with)."""
    stem = name.strip().lower()
    best = None
    for table in schema.TABLE_NAMES:
        if (stem == table or re.match(rf"^{re.escape(table)}(?:[-_. ]|\d|$)", stem)) and (
            best is None or len(table) > len(best)
        ):
            best = str(table)  # a plain str, not SQLAlchemy's quoted_name
    return best


def required_columns(table: sa.Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.columns if c.primary_key or not c.nullable)


class Canonical:
    """Rows of one canonical table."""

    name = "canonical"
    has_header = True
    multiline = True
    folds = False

    def __init__(self, table: str) -> None:
        self.table = schema.metadata.tables[table]

    def layout(self, source: Source, mapping: Mapping) -> Layout:
        names = [ALIASES.get(n, n) for n in source_names(source, mapping)]
        known = {c.name for c in self.table.columns}
        missing = [c for c in required_columns(self.table) if c not in names]
        if missing:
            hint = next((OTHER_FORMATS[n] for n in names if n in OTHER_FORMATS), None)
            extra_zh = f";这像是 {hint} 导出,请用 --format {hint}" if hint else ""
            extra_en = f"; it looks like a {hint} export: use --format {hint}" if hint else ""
            raise IngestError(
                f"{source.path.name} 不是 {self.table.name} 表的标准格式:缺少列 {', '.join(missing)}{extra_zh}。未写入任何数据。",
                f"{source.path.name} is not a canonical {self.table.name} file: it lacks the column(s) "
                f"{', '.join(missing)}{extra_en}. Nothing was written.",
            )
        dupes = sorted({n for n in names if names.count(n) > 1 and n in known})
        if dupes:
            raise IngestError(
                f"{source.path.name} 的列重复:{', '.join(dupes)}",
                f"{source.path.name} repeats the column(s) {', '.join(dupes)}",
            )
        # Unnamed or repeated unknown columns get unique placeholder names.
        unique: list[str] = []
        for i, n in enumerate(names):
            unique.append(n if n and n not in unique else f"_ignored_{i}")
        ignored = [n for n in names if n not in known]
        absent = tuple(c.name for c in self.table.columns if c.name not in names)
        note = f"ignored columns: {shown_columns(ignored)}" if ignored else ""
        return Layout(unique, self.table.name, absent, note)

    def convert(self, rows: pl.DataFrame, layout: Layout, mapping: Mapping, key: bytes) -> Converted:
        rows = clean(rows, layout.names)
        t = self.table
        out: dict[str, pl.Series] = {}
        checks: list[tuple[pl.Series, pl.Expr | str]] = []
        derived: dict[str, pl.Series] | None = None
        for col in t.columns:
            name = col.name
            raw = text(rows, name)
            if (t.name, name) == ("calls", "disposition") and mapping.dispositions:
                # The mapping's [dispositions] first ("接通" = "answered"); other values as written.
                raw = translate(raw, mapping.dispositions).fill_null(raw)
            if (t.name, name) in CODES:
                raw = raw.str.to_lowercase()
            value, bad = _typed(raw, col, mapping.timezone)
            if (t.name, name) in HASHED:
                value, bad, norm, abroad = _customer(raw, key)
                if t.name == "calls":
                    province, carrier = numbers.region_series(norm, abroad)
                    derived = {"callee_province": province, "callee_carrier": carrier}
            if (t.name, name) in COMPANY_NUMBERS:
                value = numbers.company_series(value)
            if t.name == "calls" and name in ("callee_province", "callee_carrier"):
                # A clear customer number gives them where the file has none.
                value = value.fill_null(derived[name]) if derived is not None else value
            out[name] = value
            if col.primary_key or not col.nullable:
                checks.append((value.is_null() & raw.is_null(), f"{name} is empty"))
            if isinstance(col.type, sa.Integer):
                checks.append(int_check(raw, name))
            if bad is not None:
                # A customer number never appears in a reason; other values do, cut short.
                reason = (
                    f"{name} is not a phone number or a hashed id"
                    if (t.name, name) in HASHED
                    else pl.format(f"{name} is not {_kind(col)}: '{{}}'", pl.lit(raw).str.slice(0, 40))
                )
                checks.append((bad, reason))
            if isinstance(col.type, sa.String) and col.type.length and (t.name, name) not in HASHED:
                checks.append(
                    (
                        (value.str.len_chars() > col.type.length).fill_null(False),
                        f"{name} longer than {col.type.length} characters",
                    )
                )
            if isinstance(col.type, sa.String) and (t.name, name) not in HASHED and _is_id(col):
                checks.append(control_chars(value, name))
            if isinstance(col.type, sa.DateTime | sa.Date):
                years = YEARS if isinstance(col.type, sa.DateTime) else DATE_YEARS
                checks.append(
                    (
                        outside_years(value, years),
                        pl.format(f"{name} '{{}}' outside the years {years[0]}–{years[1]}", pl.lit(raw)),
                    )
                )
            codes = CODES.get((t.name, name))
            if codes:
                checks.append(
                    (
                        value.is_not_null() & ~value.is_in(list(codes)).fill_null(False),
                        pl.format(
                            f"unknown {name} '{{}}' (one of {', '.join(codes)})",
                            pl.lit(value).str.slice(0, 20),
                        ),
                    )
                )
            if name in NON_NEGATIVE:
                checks.append(((value < 0).fill_null(False), f"negative {name}"))
            bounds = RANGES.get((t.name, name))
            if bounds:
                checks.append(
                    (
                        ((value < bounds[0]) | (value > bounds[1])).fill_null(False),
                        f"{name} outside {bounds[0]:g}..{bounds[1]:g}",
                    )
                )
        for first, then in ORDER.get(t.name, ()):
            checks.append(((out[then] < out[first]).fill_null(False), f"{then} before {first}"))
        if t.name == "calls":
            checks += talk_checks(
                out["talk_seconds"], out["started_at"], out["answered_at"], out["ended_at"], "talk_seconds"
            )
        reasons = first_reason(rows.height, checks)
        frame = pl.DataFrame(out).with_columns(rows["_line"])
        ok, rejects = split_rejects(rows, reasons, frame, layout.names)
        return Converted(ok, rejects)


def _is_id(col: sa.Column) -> bool:  # type: ignore[type-arg]
    """Ids and codes (strings of up to 64 characters: ``ID``, ``LONG_ID``, ``CODE`` in the schema),
    where a control character is refused; longer text (names, notes) may hold line breaks."""
    length = getattr(col.type, "length", None)
    return length is not None and length <= 64


def _kind(col: sa.Column) -> str:  # type: ignore[type-arg]
    if isinstance(col.type, sa.Integer):
        return "a whole number"
    if isinstance(col.type, sa.Float | sa.Double):
        return "a number"
    if isinstance(col.type, sa.Boolean):
        return "true/false"
    if isinstance(col.type, sa.DateTime):
        return "a time (YYYY-MM-DD HH:MM:SS)"
    if isinstance(col.type, sa.Date):
        return "a date (YYYY-MM-DD)"
    return "valid"


def _typed(raw: pl.Series, col: sa.Column, tz: str) -> tuple[pl.Series, pl.Series | None]:  # type: ignore[type-arg]
    kind = col.type
    if isinstance(kind, sa.Boolean):
        value = to_bool(raw)
    elif isinstance(kind, sa.Integer):
        value = to_int(raw)
    elif isinstance(kind, sa.Float | sa.Double):
        value = to_float(raw)
    elif isinstance(kind, sa.DateTime):
        value = to_datetime(raw, tz)
    elif isinstance(kind, sa.Date):
        value = to_date(raw)
    else:
        return raw.alias(col.name), None
    return value.alias(col.name), bad_value(raw, value)


def _customer(raw: pl.Series, key: bytes) -> tuple[pl.Series, pl.Series, pl.Series, pl.Series]:
    """``(callee_id, bad, normalised, abroad)``: ids already hashed are kept (lower case); anything
    else is a number, normalised (once: its province and carrier are read from the same digits) and
    hashed."""
    low = raw.str.to_lowercase()
    hashed = low.str.contains(HASHED_ID).fill_null(False)
    norm, bad, abroad = numbers.normalise_column(raw.set(hashed, None))
    ids = numbers.hash_series(norm, key)
    value = pl.select(pl.when(pl.lit(hashed)).then(pl.lit(low)).otherwise(pl.lit(ids))).to_series()
    return value.alias("callee_id"), bad, norm, abroad


def infer_two_way_voice(calls: pl.DataFrame, min_talk_seconds: int) -> pl.DataFrame:
    """Canonical calls: ``two_way_voice`` inferred where empty (see :mod:`core.ingest.calls`),
    ``_tw_inferred`` marking where; every other value is kept as the file gave it."""
    answered = pl.col("disposition") == "answered"
    missing = pl.col("two_way_voice").is_null()
    return calls.with_columns(
        (missing & answered).alias("_tw_inferred"),
        pl.when(missing)
        .then(answered & (pl.col("talk_seconds").fill_null(0) >= min_talk_seconds))
        .otherwise(pl.col("two_way_voice"))
        .alias("two_way_voice"),
    )
