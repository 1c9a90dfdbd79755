"""The call-record formats: Asterisk (``cdr`` with a header, ``Master.csv`` without), FreeSWITCH
``mod_cdr_csv``, VICIdial ``vicidial_log``.

Each format knows how to recognise its files (:meth:`CallFormat.layout`, which stops a file of
another shape before anything is written) and how to turn a chunk of its rows into call rows (or
Asterisk legs, folded later by :mod:`core.ingest.calls`) plus rejected rows with their reasons.

Examples of one row of each (numbers are fictitious, see ``tests/ingest``)::

    Master.csv (18 fields: loguniqueid and loguserfield on)
    "C01","8001","10000000012","from-internal","Agent 8001 <95000>","SIP/8001-0000001a",
    "SIP/trunk-0000001b","Dial","SIP/trunk/10000000012,60","2024-05-06 10:00:00",
    "2024-05-06 10:00:08","2024-05-06 10:01:08",68,60,"ANSWERED","DOCUMENTATION","1714960800.1",""

    mod_cdr_csv, "example" template (15 fields)
    "Agent","1001","10000000012","default","2024-05-06 10:00:00","2024-05-06 10:00:08",
    "2024-05-06 10:01:08","68","60","NORMAL_CLEARING","6a8b…-uuid","","C01","PCMA","PCMA"

    vicidial_log (header, then)
    1714960800.1,1001,101,C01,2024-05-06 10:00:00,1714960800,1714960860,60,SALE,86,10000000012,6001,,N,AGENTS,CALLER,MAIN,1
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from core.ingest import numbers
from core.ingest.common import IngestError
from core.ingest.mapping import FieldRule, Mapping
from core.ingest.parse import (
    MAX_INT,
    YEARS,
    bad_value,
    beyond_int,
    clean,
    direction_values,
    field_values,
    first_reason,
    outside_years,
    text,
    to_datetime,
    to_int,
    translate,
)
from core.ingest.readers import Source

#: Share of sampled records that must look right for a file to be taken as the declared format.
SNIFF_SHARE = 0.5

ASTERISK_BASE: tuple[str, ...] = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
)
#: Master.csv columns after the 16 standard ones, by field count (cdr.conf [csv] options).
ASTERISK_EXTRAS: dict[int, tuple[str, ...]] = {
    16: (),
    17: ("uniqueid",),
    18: ("uniqueid", "userfield"),
    19: ("peeraccount", "linkedid", "sequence"),
    20: ("uniqueid", "peeraccount", "linkedid", "sequence"),
    21: ("uniqueid", "userfield", "peeraccount", "linkedid", "sequence"),
}
#: Asterisk's own dispositions → canonical ones. A mapping's ``[dispositions]`` is looked up first.
#: The numbers are what cdr_adaptive_odbc (or a custom exporter) writes into an integer
#: ``disposition`` column: the AST_CDR_* values of include/asterisk/cdr.h since Asterisk 1.6
#: (AST_CDR_NOANSWER = 0, AST_CDR_NULL = 1 << 0, AST_CDR_FAILED = 1 << 1, AST_CDR_BUSY = 1 << 2,
#: AST_CDR_ANSWERED = 1 << 3, AST_CDR_CONGESTION = 1 << 4). AST_CDR_NULL means no disposition was
#: ever set (no answer, busy or failure was signalled), and Asterisk writes it as the text
#: "NO ANSWER" too, so it is taken as no_answer. Asterisk 1.4 numbered them differently
#: (NULL 0, FAILED 1, BUSY 2, NOANSWER 4, ANSWERED 8): such exports need a ``[dispositions]``
#: section (see mappings/README.md).
ASTERISK_DISPOSITIONS = {
    "ANSWERED": "answered",
    "NO ANSWER": "no_answer",
    "NOANSWER": "no_answer",
    "BUSY": "busy",
    "FAILED": "failed",
    "CONGESTION": "failed",
    "0": "no_answer",  # AST_CDR_NOANSWER
    "1": "no_answer",  # AST_CDR_NULL: never set, written "NO ANSWER" by Asterisk itself
    "2": "failed",  # AST_CDR_FAILED
    "4": "busy",  # AST_CDR_BUSY
    "8": "answered",  # AST_CDR_ANSWERED
    "16": "failed",  # AST_CDR_CONGESTION, like the text CONGESTION above
}
FREESWITCH_DEFAULT_15: tuple[str, ...] = (
    "caller_id_name",
    "caller_id_number",
    "destination_number",
    "context",
    "start_stamp",
    "answer_stamp",
    "end_stamp",
    "duration",
    "billsec",
    "hangup_cause",
    "uuid",
    "bleg_uuid",
    "accountcode",
    "read_codec",
    "write_codec",
)
LIMITS = {
    "call_id": 64,
    "agent_id": 32,
    "campaign_id": 32,
    "caller_number": 32,
    "callee_province": 16,
    "callee_carrier": 32,
}


@dataclass(frozen=True)
class Layout:
    """How a file's fields are named, and which variant of the format it is."""

    names: list[str]
    variant: str
    missing: tuple[str, ...] = ()  # mapped columns the file lacks (left empty)
    note: str = ""


@dataclass
class Converted:
    """A chunk converted: call rows (or legs), rejected rows, and extra rows for other tables."""

    rows: pl.DataFrame
    rejects: pl.DataFrame
    extra: dict[str, pl.DataFrame] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def header_names(header: list[str], mapping: Mapping) -> list[str]:
    """A header's names: trimmed, lower case, then renamed by the mapping's ``[rename]``."""
    out = []
    for name in header:
        low = name.strip().lstrip("\ufeff").strip().lower()
        out.append(mapping.rename.get(low, low))
    return out


def source_names(source: Source, mapping: Mapping) -> list[str]:
    """A header format's column names: the mapping's ``[source] columns`` when it names them (the
    file then has no header line, e.g. MySQL's ``SELECT … INTO OUTFILE``), else the header's."""
    if mapping.columns:
        return header_names(list(mapping.columns), mapping)
    assert source.header is not None
    return header_names(source.header, mapping)


def raw_records(frame: pl.DataFrame, names: list[str]) -> pl.Series:
    """Each row's source fields joined back into one CSV line (for the rejects file)."""
    parts = [
        pl.format('"{}"', pl.col(n).fill_null("").str.replace_all('"', '""'))
        for n in names
        if n in frame.columns
    ]
    return frame.select(pl.concat_str(parts, separator=",").alias("_raw")).to_series()


def split_rejects(
    frame: pl.DataFrame, reason: pl.Series, rows: pl.DataFrame, names: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(rows that passed, rejects)``; ``frame`` holds the source text, ``rows`` the converted rows."""
    bad = reason.is_not_null()
    rejects = frame.filter(bad)
    rejects = pl.DataFrame(
        {"_line": rejects["_line"], "_reason": reason.filter(bad), "_raw": raw_records(rejects, names)}
    )
    return rows.filter(~bad), rejects


def customer_numbers(
    frame: pl.DataFrame, rule: FieldRule, direction: pl.Series, key: bytes
) -> tuple[pl.Series, pl.Series, pl.Series, pl.Series]:
    """``(callee_id, not_a_number, province, carrier)``: the salted hash of each row's customer number
    (hashed here, before anything is stored), where a number was present but not a phone number, and the province and
    carrier of each number, read from the number before it is hashed
    (:func:`core.ingest.numbers.region_series`)."""
    raw = field_values(frame, rule, direction, "_cust")
    if rule.country_code_column and rule.country_code_column in frame.columns:
        code = _country_codes(text(frame, rule.country_code_column))
        raw = (
            pl.DataFrame({"n": raw, "c": code})
            .select(
                pl.when(pl.col("c").is_not_null() & (pl.col("c") != "86") & pl.col("n").is_not_null())
                .then(pl.format("+{}{}", pl.col("c"), pl.col("n").str.replace(r"^0+", "")))
                .otherwise(pl.col("n"))
            )
            .to_series()
        )
    norm, bad, abroad = numbers.normalise_column(raw, rule.strip_prefixes)
    province, carrier = numbers.region_series(norm, abroad)
    return (
        numbers.hash_series(norm, key).alias("callee_id"),
        bad.alias("bad"),
        province.alias("callee_province"),
        carrier.alias("callee_carrier"),
    )


def _country_codes(code: pl.Series) -> pl.Series:
    """A country-code column (VICIdial ``phone_code``) as digits: ``+86``, ``0086``, ``086``,
    ``８６`` → ``86``; empty stays empty (China)."""
    distinct = code.drop_nulls().unique()
    if distinct.len() == 0:
        return code
    folded = [numbers.fold_digits(v).strip().lstrip("+").lstrip("0") or None for v in distinct.to_list()]
    return code.replace_strict(
        distinct, pl.Series(folded, dtype=pl.String), default=None, return_dtype=pl.String
    )


def too_long(values: pl.Series, name: str) -> tuple[pl.Series, pl.Expr]:
    limit = LIMITS[name]
    return (values.str.len_chars() > limit).fill_null(False), pl.lit(f"{name} longer than {limit} characters")


#: Control characters (C0 and DEL). NUL bytes are already dropped by the readers.
CONTROL = r"[\x00-\x1f\x7f]"


def control_chars(values: pl.Series, name: str) -> tuple[pl.Series, str]:
    """An id or code holding a control character (a tab, a line break, a stray CR inside the value:
    a broken export) is refused, not stored: it would never match the same id written cleanly."""
    return values.str.contains(CONTROL).fill_null(False), f"{name} holds a control character"


def id_checks(values: pl.Series, name: str) -> list[tuple[pl.Series, pl.Expr | str]]:
    """An id's checks: no longer than its column (:data:`LIMITS`), no control character."""
    return [too_long(values, name), control_chars(values, name)]


def year_check(values: pl.Series, raw: pl.Series, label: str) -> tuple[pl.Series, pl.Expr]:
    """A time outside :data:`core.ingest.parse.YEARS` (``9999-12-31``, ``1970-01-01``: fillers)."""
    low, high = YEARS
    return outside_years(values), pl.format(f"{label} '{{}}' outside the years {low}–{high}", pl.lit(raw))


def int_check(raw: pl.Series, label: str) -> tuple[pl.Series, pl.Expr]:
    """A count of seconds too large for the database's 32-bit ``Integer`` columns."""
    return beyond_int(raw), pl.format(f"{label} '{{}}' out of range (larger than 2^31 − 1)", pl.lit(raw))


def talk_checks(
    talk: pl.Series, start: pl.Series, answer: pl.Series, end: pl.Series, label: str
) -> list[tuple[pl.Series, pl.Expr | str]]:
    """Talk time longer than the call it belongs to (one second of rounding allowed): longer than
    answer → end when the answer time is known, else than start → end."""
    to_end = (end - answer).dt.total_seconds()
    whole = (end - start).dt.total_seconds()
    return [
        ((talk > to_end + 1).fill_null(False), f"{label} longer than the call from answer to end"),
        (
            (answer.is_null() & (talk > whole + 1)).fill_null(False),
            f"{label} longer than the call from start to end",
        ),
    ]


def safe_seconds(seconds: pl.Expr) -> pl.Expr:
    """Seconds clipped to ``0..MAX_INT`` before they are added to a time (an out-of-range count
    would overflow the datetime; its row is rejected by :func:`int_check` anyway)."""
    return seconds.clip(0, MAX_INT)


def time_text(frame: pl.DataFrame, name: str) -> pl.Series:
    """A time column's text; MySQL's zero date ``0000-00-00 00:00:00`` means none."""
    s = text(frame, name)
    return s.set(s.str.starts_with("0000-00-00").fill_null(False), None)


def _sniff_rows(
    source: Source,
    check: Callable[[list[str]], bool],
    what: str,
    expected: str,
    times: tuple[tuple[str, int], ...] = (),
) -> None:
    """Stop unless at least half of the first records pass ``check``.

    ``times`` are the time columns the check reads (name, field index): when records fail, the
    message names those whose values are not times and shows a few of them (masked).
    """
    sample = source.sample(50)
    if not sample:
        return
    good = sum(1 for _line, fields in sample if check(fields))
    if good < max(1, SNIFF_SHARE * len(sample)):
        line, fields = next((ln, f) for ln, f in sample if not check(f))
        shown = numbers.mask_text(",".join(fields))[:160]
        unread = _unread_times(sample, times)
        why_zh = "".join(f"列 {name} 中有无法识别的时间:{', '.join(values)}。" for name, values in unread)
        why_en = "".join(
            f" The column {name} holds values that are not times: {', '.join(values)}."
            for name, values in unread
        )
        if unread:
            why_zh += f"可识别的时间写法:{TIME_FORMS}。"
            why_en += f" Accepted time forms: {TIME_FORMS}."
        if any(_DAY_MONTH.match(v.strip("'")) for _name, values in unread for v in values):
            why_zh += "6/2/2025 这样的日期无法判断是 6 月 2 日还是 2 月 6 日:请在 Excel 中把该列设为 yyyy-mm-dd hh:mm:ss 后另存。"
            why_en += (
                " A date such as 6/2/2025 is ambiguous (2 June or 6 February, by the PC's locale): set the "
                "column's format to yyyy-mm-dd hh:mm:ss in Excel and save again."
            )
        raise IngestError(
            f"{source.path.name} 看起来不是 {what} 文件(前 {len(sample)} 行中只有 {good} 行符合;第 {line} 行:{shown})。"
            f"{why_zh}应为:{expected}。未写入任何数据。",
            f"{source.path.name} does not look like {what} ({good} of the first {len(sample)} records fit; "
            f"line {line}: {shown}).{why_en} Expected: {expected}. Nothing was written.",
        )


#: The time forms :func:`core.ingest.parse.to_datetime` reads, for messages.
TIME_FORMS = (
    "2025-06-02 11:36:51, 2025/6/2 11:36, 2025-06-02 11:36:51+08 (+08:00, -05:00, +0800), "
    "2025-06-02T03:36:51Z, 1748835411 (epoch s), 1748835411000 (epoch ms), 45810.4839 (Excel serial)"
)
#: A day and month in an order Excel's locale decides (``6/2/2025``): not read, named in the message.
_DAY_MONTH = re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4}\b")


def _unread_times(
    sample: list[tuple[int, list[str]]], times: tuple[tuple[str, int], ...]
) -> list[tuple[str, list[str]]]:
    """Per time column, up to three distinct values of the sample that are not times (masked, cut short)."""
    out = []
    for name, at in times:
        values = [f[at].strip() for _line, f in sample if len(f) > at and f[at].strip()]
        if not values:
            continue
        parsed = to_datetime(pl.Series(values, dtype=pl.String))
        bad = list(dict.fromkeys(v for v, p in zip(values, parsed, strict=True) if p is None))[:3]
        if bad:
            out.append((name, ["'" + numbers.mask_text(v[:40]) + "'" for v in bad]))
    return out


def _is_time(value: str) -> bool:
    value = value.strip()
    if not value:
        return False
    return bool(to_datetime(pl.Series([value])).is_not_null().item())


def _require(names: list[str], needed: tuple[str, ...], source: Source, what: str) -> None:
    missing = [n for n in needed if n not in names]
    if missing:
        have = shown_columns(names)
        raise IngestError(
            f"{source.path.name} 不是 {what}:缺少列 {', '.join(missing)}(文件的列:{have})。"
            "若列名不同,请在映射文件的 [rename] 中对应。未写入任何数据。",
            f"{source.path.name} is not {what}: it lacks the column(s) {', '.join(missing)} (its columns: "
            f"{have}). If yours are named differently, map them in [rename]. Nothing was written.",
        )


def shown_columns(names: list[str], limit: int = 200) -> str:
    """A file's column names for a message: masked (a header may really be a data row holding a
    customer's number) and cut short."""
    text = numbers.mask_text(", ".join(names))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _missing_mapped(names: list[str], mapping: Mapping) -> tuple[str, ...]:
    return tuple(sorted(c for c in mapping.source_columns() if c not in names))


class CallFormat:
    """A source of call rows."""

    name = ""
    has_header = True
    multiline = False
    folds = False

    def layout(self, source: Source, mapping: Mapping) -> Layout:  # pragma: no cover - abstract
        raise NotImplementedError

    def convert(
        self, rows: pl.DataFrame, layout: Layout, mapping: Mapping, key: bytes
    ) -> Converted:  # pragma: no cover
        raise NotImplementedError

    # The direction, agent, campaign and numbers, the same way for every format.
    def mapped(self, rows: pl.DataFrame, mapping: Mapping, key: bytes) -> dict[str, pl.Series]:
        direction = direction_values(rows, mapping.direction)
        out = {"direction": direction}
        for name, target in (
            ("agent", "agent_id"),
            ("campaign", "campaign_id"),
            ("caller_number", "caller_number"),
            ("callee_province", "callee_province"),
            ("hangup_by", "hangup_by"),
        ):
            out[target] = field_values(rows, mapping.field(name), direction, target)
        for name in ("recorded", "robot"):
            rule = mapping.field(name)
            values = field_values(rows, rule, direction, name)
            out[name] = (
                values
                if values.dtype == pl.Boolean
                else values.str.to_lowercase().is_in(["true", "1", "yes", "y", "是"])
            )
            if not rule.defined:
                out[name] = pl.Series(name, [None] * rows.height, dtype=pl.Boolean)
        # The company's number in its one written form; the customer's hashed, its province and
        # carrier read first (a mapped province column wins where it has a value).
        out["caller_number"] = numbers.company_series(out["caller_number"])
        out["callee_id"], out["_bad_number"], province, out["callee_carrier"] = customer_numbers(
            rows, mapping.field("customer_number"), direction, key
        )
        out["callee_province"] = (
            pl.select(pl.coalesce(pl.lit(out["callee_province"]), pl.lit(province)))
            .to_series()
            .alias("callee_province")
        )
        return out

    def common_checks(
        self, rows: pl.DataFrame, m: dict[str, pl.Series], mapping: Mapping
    ) -> list[tuple[pl.Series, pl.Expr | str]]:
        checks: list[tuple[pl.Series, pl.Expr | str]] = []
        rule = mapping.direction
        if not rule.value:
            source = text(rows, rule.column or "")
            checks.append(
                (
                    m["direction"].is_null(),
                    pl.format(
                        f"unknown direction: {rule.column} {{}} (add it to [direction] in or out of the mapping)",
                        pl.lit(source).fill_null("''"),
                    ),
                )
            )
        checks.append((m["_bad_number"], "customer number is not a phone number"))
        checks.append(
            (
                (m["direction"] == "out").fill_null(False) & m["callee_id"].is_null(),
                "outbound call without a customer number",
            )
        )
        for name in ("agent_id", "campaign_id", "caller_number", "callee_province"):
            checks += id_checks(m[name], name)
        return checks


# --------------------------------------------------------------------------------------------
# Asterisk
# --------------------------------------------------------------------------------------------


class Asterisk(CallFormat):
    """Asterisk CDRs: ``cdr`` exported with a header (``asterisk``) or ``Master.csv`` (``asterisk-csv``)."""

    folds = True

    def __init__(self, headerless: bool) -> None:
        self.headerless = headerless
        self.has_header = not headerless
        self.name = "asterisk-csv" if headerless else "asterisk"

    def layout(self, source: Source, mapping: Mapping) -> Layout:
        if self.headerless and not mapping.columns:
            return self._layout_master(source, mapping)
        if mapping.columns and mapping.extra_columns is not None:
            raise IngestError(
                "映射文件的 [source] 不能同时有 columns 和 extra_columns:columns 已列出全部字段",
                "The mapping's [source] cannot have both columns and extra_columns: columns lists every field",
            )
        names = source_names(source, mapping)
        times: tuple[str, ...]
        if "calldate" in names:
            variant, times = "calldate", ("calldate",)
        elif "start" in names:
            variant, times = "start", ("start", "end")
        elif mapping.columns:
            raise IngestError(
                "映射文件的 [source] columns 既没有 start 也没有 calldate",
                "The mapping's [source] columns names neither start nor calldate",
            )
        else:
            looks_headerless = (
                bool(source.header)
                and source.header is not None
                and _is_time(source.header[9] if len(source.header) > 9 else "")
            )
            hint = ";这像是无表头的 Master.csv,请用 --format asterisk-csv" if looks_headerless else ""
            hint_en = (
                "; it looks like a Master.csv without a header: use --format asterisk-csv"
                if looks_headerless
                else ""
            )
            raise IngestError(
                f"{source.path.name} 不是带表头的 Asterisk cdr 导出:没有 calldate 或 start 列{hint}。未写入任何数据。",
                f"{source.path.name} is not an Asterisk cdr export with a header: it has neither a calldate nor "
                f"a start column{hint_en}. Nothing was written.",
            )
        needed: tuple[str, ...] = (*times, "duration", "billsec", "disposition")
        if mapping.direction.column:
            needed = (*needed, mapping.direction.column)
        _require(names, needed, source, "Asterisk cdr")
        at = names.index(times[0])
        if mapping.columns:  # no header: every record has exactly these fields
            n = len(names)
            _sniff_rows(
                source,
                lambda f: len(f) == n and _is_time(f[at]),
                "Asterisk CDR",
                f"{n} fields as [source] columns names them ({', '.join(names[:4])}, …), {times[0]} holding times",
                ((times[0], at),),
            )
            return Layout(names, variant, _missing_mapped(names, mapping), f"columns from the mapping ({n})")
        _sniff_rows(
            source,
            lambda f: len(f) > at and _is_time(f[at]),
            "Asterisk cdr",
            f"{times[0]} holds times",
            ((times[0], at),),
        )
        return Layout(names, variant, _missing_mapped(names, mapping))

    def _layout_master(self, source: Source, mapping: Mapping) -> Layout:
        sample = source.sample(50)
        expected = "Master.csv: 16–21 quoted fields, start time in field 10, no header"
        if sample and any(
            v.strip().lower() in ("calldate", "accountcode", "dcontext", "billsec") for v in sample[0][1]
        ):
            raise IngestError(
                f"{source.path.name} 第一行是表头;带表头的 cdr 导出请用 --format asterisk。未写入任何数据。",
                f"{source.path.name} starts with a header; for a cdr export with a header use --format asterisk. "
                "Nothing was written.",
            )
        if not sample:
            return Layout(list(ASTERISK_BASE), "master-16")
        counts: dict[int, int] = {}
        for _line, fields in sample:
            counts[len(fields)] = counts.get(len(fields), 0) + 1
        n = max(counts, key=lambda k: counts[k])
        _refuse_cdr_custom(source, sample)
        if mapping.extra_columns is not None:
            extras = mapping.extra_columns
            if 16 + len(extras) != n:
                raise IngestError(
                    f"映射文件的 extra_columns 有 {len(extras)} 列,但 {source.path.name} 每行有 {n} 个字段(应为 16 + {len(extras)})",
                    f"The mapping's extra_columns names {len(extras)} columns, but the records of "
                    f"{source.path.name} have {n} fields (expected 16 + {len(extras)})",
                )
        elif n in ASTERISK_EXTRAS:
            extras = ASTERISK_EXTRAS[n]
        else:
            extras = ()
        _sniff_rows(
            source,
            lambda f: len(f) == n and n in range(16, 22) and _is_time(f[9]),
            "Asterisk Master.csv",
            expected,
            (("start", 9),),
        )
        names = [*ASTERISK_BASE, *extras]
        return Layout(names, f"master-{n}", _missing_mapped(names, mapping))

    def convert(self, rows: pl.DataFrame, layout: Layout, mapping: Mapping, key: bytes) -> Converted:
        rows = clean(rows, layout.names)
        tz = mapping.timezone
        start_raw = time_text(rows, "calldate" if layout.variant == "calldate" else "start")
        start = to_datetime(start_raw, tz)
        duration_raw, billsec_raw = text(rows, "duration"), text(rows, "billsec")
        duration, billsec = to_int(duration_raw), to_int(billsec_raw)
        disp_raw = text(rows, "disposition")
        disposition = translate(disp_raw, mapping.dispositions, ASTERISK_DISPOSITIONS)
        w = pl.DataFrame(
            {"start": start, "duration": duration, "billsec": billsec, "disposition": disposition}
        )
        checks: list[tuple[pl.Series, pl.Expr | str]] = []
        if layout.variant == "calldate":
            w = w.with_columns(
                (pl.col("start") + pl.duration(seconds=safe_seconds(pl.col("duration")))).alias("end"),
            ).with_columns(
                pl.when(pl.col("disposition") == "answered")
                .then(pl.col("end") - pl.duration(seconds=safe_seconds(pl.col("billsec"))))
                .alias("answer")
            )
            checks += [
                (start_raw.is_null(), "missing calldate"),
                (bad_value(start_raw, start), pl.format("bad calldate '{}'", pl.lit(start_raw))),
                year_check(start, start_raw, "calldate"),
            ]
        else:
            answer_raw, end_raw = time_text(rows, "answer"), time_text(rows, "end")
            w = w.with_columns(
                to_datetime(answer_raw, tz).alias("answer"),
                to_datetime(end_raw, tz).alias("end"),
            )
            checks += [
                (start_raw.is_null(), "missing start time"),
                (bad_value(start_raw, start), pl.format("bad start time '{}'", pl.lit(start_raw))),
                (end_raw.is_null(), "missing end time"),
                (bad_value(end_raw, w["end"]), pl.format("bad end time '{}'", pl.lit(end_raw))),
                (bad_value(answer_raw, w["answer"]), pl.format("bad answer time '{}'", pl.lit(answer_raw))),
                year_check(start, start_raw, "start time"),
                year_check(w["answer"], answer_raw, "answer time"),
                year_check(w["end"], end_raw, "end time"),
            ]
        checks += [
            int_check(duration_raw, "duration"),
            int_check(billsec_raw, "billsec"),
            (duration.is_null(), pl.format("duration is not a whole number: '{}'", pl.lit(duration_raw))),
            (billsec.is_null(), pl.format("billsec is not a whole number: '{}'", pl.lit(billsec_raw))),
            ((duration < 0) | (billsec < 0), "negative duration"),
            (billsec > duration + 1, "billsec longer than duration"),
            (w["end"] < w["start"], "end time before start time"),
            (
                w["answer"].is_not_null() & ((w["answer"] < w["start"]) | (w["answer"] > w["end"])),
                "answer time outside the call",
            ),
            *talk_checks(billsec, w["start"], w["answer"], w["end"], "billsec"),
            (
                disposition.is_null(),
                pl.format(
                    "unknown disposition '{}' (add it to [dispositions] in the mapping)",
                    pl.lit(disp_raw).fill_null(""),
                ),
            ),
        ]
        m = self.mapped(rows, mapping, key)
        checks += self.common_checks(rows, m, mapping)
        linkedid, uniqueid = text(rows, "linkedid"), text(rows, "uniqueid")
        family = pl.select(pl.coalesce(pl.lit(linkedid), pl.lit(uniqueid))).to_series()
        if family.is_null().any():
            family = pl.select(pl.coalesce(pl.lit(family), pl.lit(_synthetic_ids(rows)))).to_series()
        call_id = (mapping.call_id_prefix + family) if mapping.call_id_prefix else family
        checks += id_checks(call_id, "call_id")
        reason = first_reason(rows.height, checks)
        answered_leg = w["disposition"] == "answered"
        apps = [a.lower() for a in mapping.abandon_apps]
        legs = pl.DataFrame(
            {
                "call_id": call_id,
                "_key": call_id,
                "direction": m["direction"],
                "started_at": w["start"],
                "answered_at": w["answer"],
                "ended_at": w["end"],
                "_talk": pl.select(
                    pl.when(pl.lit(answered_leg)).then(pl.lit(billsec)).otherwise(0)
                ).to_series(),
                "disposition": w["disposition"],
                "agent_id": m["agent_id"],
                "campaign_id": m["campaign_id"],
                "caller_number": m["caller_number"],
                "callee_id": m["callee_id"],
                "callee_province": m["callee_province"],
                "callee_carrier": m["callee_carrier"],
                "hangup_by": m["hangup_by"],
                "recorded": m["recorded"],
                "robot": m["robot"],
                "wrap_seconds": pl.Series([None] * rows.height, dtype=pl.Int64),
                "two_way_voice": pl.Series([None] * rows.height, dtype=pl.Boolean),
                "_bridged": text(rows, "dstchannel").is_not_null(),
                "_queue": text(rows, "lastapp").str.to_lowercase().is_in(apps).fill_null(False),
                "_seq": to_int(text(rows, "sequence")).fill_null(0),
                "_line": rows["_line"],
            }
        )
        ok, rejects = split_rejects(rows, reason, legs, layout.names)
        return Converted(ok, rejects)


#: Asterisk's AMA flags as cdr_csv and cdr_custom write them.
AMA_FLAGS = ("DOCUMENTATION", "BILLING", "OMIT", "DEFAULT")


def _refuse_cdr_custom(source: Source, sample: list[tuple[int, list[str]]]) -> None:
    """Stop a cdr_custom ``Master.csv`` read as cdr_csv's layout.

    cdr_csv writes ``accountcode, src, dst, …, start`` (field 10), ``…, disposition`` (field 15),
    ``amaflags`` (field 16); the sample cdr_custom.conf writes ``clid`` first, so ``disposition`` is
    field 14 and ``amaflags`` field 15, and its field 10 is ``answer``, a time on answered calls:
    enough of such a file passes the time check that every row would then be rejected for an
    "unknown disposition 'DOCUMENTATION'". A majority of records with a disposition in field 14 and
    an AMA flag in field 15 is that layout.
    """
    known = {k for k in ASTERISK_DISPOSITIONS if not k.isdigit()}

    def custom(f: list[str]) -> bool:
        return len(f) > 14 and f[13].strip().upper() in known and f[14].strip().upper() in AMA_FLAGS

    if sum(1 for _line, f in sample if custom(f)) * 2 > len(sample):
        raise IngestError(
            f"{source.path.name} 看起来是 cdr_custom 写的 Master.csv(第 1 列是 clid,第 14 列是 disposition),"
            "不是 cdr_csv 的列顺序。按 Asterisk 示例 cdr_custom.conf 的列顺序导入请加 --mapping asterisk-cdr-custom.toml;"
            "列顺序不同时,在映射文件的 [source] columns 中按你的 cdr_custom.conf 写出各列。未写入任何数据。",
            f"{source.path.name} looks like a Master.csv written by cdr_custom (clid in field 1, disposition "
            "in field 14), not in cdr_csv's column order. For the column order of Asterisk's sample "
            "cdr_custom.conf add --mapping asterisk-cdr-custom.toml; for another order, list your "
            "cdr_custom.conf fields in [source] columns of a mapping file. Nothing was written.",
        )


#: What tells two Asterisk calls apart when the export has neither linkedid nor uniqueid: the
#: calling channel, when it started (``start``, or ``calldate`` in a cdr export without it), who
#: called whom, where and on whose account. Not the answer, end or destination channel, which
#: differ between the forks of one call (a ring group's legs share all of these and fold).
SYNTHETIC_ID_FIELDS: tuple[str, ...] = (
    "channel",
    "start",
    "calldate",
    "src",
    "dst",
    "dcontext",
    "clid",
    "accountcode",
)


def _synthetic_ids(rows: pl.DataFrame) -> pl.Series:
    """An id for CDRs without linkedid and uniqueid (Master.csv with 16 fields, a cdr export
    without them): a digest of :data:`SYNTHETIC_ID_FIELDS`, the same on every import of the same
    row. The call's own time is in it, so a channel name Asterisk reuses after a restart
    (``PJSIP/trunk-00000000`` on two days) does not make two calls one."""
    cols = [text(rows, n).fill_null("").to_list() for n in SYNTHETIC_ID_FIELDS]
    out = [
        "ast-" + hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]
        for parts in zip(*cols, strict=True)
    ]
    return pl.Series("_id", out, dtype=pl.String)


# --------------------------------------------------------------------------------------------
# FreeSWITCH
# --------------------------------------------------------------------------------------------


class FreeSwitch(CallFormat):
    """FreeSWITCH ``mod_cdr_csv`` (no header), the default template: one row per leg (``legs="a"``:
    A-legs only; ``"ab"``: A-legs and B-legs), folded into calls by ``uuid``/``bleg_uuid`` (see
    :mod:`core.ingest.legs`)."""

    name = "freeswitch"
    has_header = False
    folds = True
    needed = ("start_stamp", "end_stamp", "duration", "billsec", "hangup_cause", "uuid")

    def layout(self, source: Source, mapping: Mapping) -> Layout:
        sample = source.sample(50)
        configured = mapping.columns
        counts: dict[int, int] = {}
        for _line, fields in sample:
            counts[len(fields)] = counts.get(len(fields), 0) + 1
        n = max(counts, key=lambda k: counts[k]) if counts else len(configured or FREESWITCH_DEFAULT_15)
        if configured and list(configured) != list(FREESWITCH_DEFAULT_15):
            names = list(configured)
        elif n in (13, 15):
            # 15: the shipped "example" template; 13: the template compiled into mod_cdr_csv.
            names = list(FREESWITCH_DEFAULT_15[:n])
        else:
            names = list(FREESWITCH_DEFAULT_15)
        missing = [c for c in self.needed if c not in names]
        if missing:
            raise IngestError(
                f"映射文件的 [source] columns 缺少 {', '.join(missing)}",
                f"The mapping's [source] columns lack {', '.join(missing)}",
            )
        at = names.index("start_stamp")
        expected = f"mod_cdr_csv: {len(names)} quoted fields ({', '.join(names[:5])}, …), no header"
        _sniff_rows(
            source,
            lambda f: len(f) == len(names) and _is_time(f[at]),
            "FreeSWITCH mod_cdr_csv",
            expected,
            (("start_stamp", at),),
        )
        return Layout(names, f"cdr_csv-{len(names)}", _missing_mapped(names, mapping))

    def convert(self, rows: pl.DataFrame, layout: Layout, mapping: Mapping, key: bytes) -> Converted:
        rows = clean(rows, layout.names, strip='"')
        tz = mapping.timezone
        start_raw, answer_raw, end_raw = (
            time_text(rows, n) for n in ("start_stamp", "answer_stamp", "end_stamp")
        )
        start, answer, end = (to_datetime(s, tz) for s in (start_raw, answer_raw, end_raw))
        duration_raw, billsec_raw = text(rows, "duration"), text(rows, "billsec")
        duration, billsec = to_int(duration_raw), to_int(billsec_raw)
        cause = text(rows, "hangup_cause").str.to_uppercase()
        m = self.mapped(rows, mapping, key)
        answered = (answer.is_not_null() | (billsec > 0).fill_null(False)).fill_null(False)
        unanswered = translate(cause, mapping.causes)
        chosen = translate(cause, mapping.dispositions)
        abandons = list(mapping.abandon_causes)
        w = pl.DataFrame({"a": answered, "u": unanswered, "m": chosen, "c": cause, "d": m["direction"]})
        # Answered (answer_stamp or billsec) whatever the cause; else [dispositions], the abandon
        # rule, [causes] in that order.
        disposition = w.select(
            pl.when(pl.col("a"))
            .then(pl.lit("answered"))
            .when(pl.col("m").is_not_null())
            .then(pl.col("m"))
            .when((pl.col("d") == "in") & pl.col("c").is_in(abandons))
            .then(pl.lit("abandoned"))
            .otherwise(pl.col("u"))
        ).to_series()
        uuid = text(rows, "uuid")
        call_id = (mapping.call_id_prefix + uuid) if mapping.call_id_prefix else uuid
        checks: list[tuple[pl.Series, pl.Expr | str]] = [
            (start_raw.is_null(), "missing start_stamp"),
            (bad_value(start_raw, start), pl.format("bad start_stamp '{}'", pl.lit(start_raw))),
            (end_raw.is_null(), "missing end_stamp"),
            (bad_value(end_raw, end), pl.format("bad end_stamp '{}'", pl.lit(end_raw))),
            (bad_value(answer_raw, answer), pl.format("bad answer_stamp '{}'", pl.lit(answer_raw))),
            year_check(start, start_raw, "start_stamp"),
            year_check(answer, answer_raw, "answer_stamp"),
            year_check(end, end_raw, "end_stamp"),
            int_check(duration_raw, "duration"),
            int_check(billsec_raw, "billsec"),
            (duration.is_null(), pl.format("duration is not a whole number: '{}'", pl.lit(duration_raw))),
            (billsec.is_null(), pl.format("billsec is not a whole number: '{}'", pl.lit(billsec_raw))),
            ((duration < 0) | (billsec < 0), "negative duration"),
            (billsec > duration + 1, "billsec longer than duration"),
            (end < start, "end time before start time"),
            (answer.is_not_null() & ((answer < start) | (answer > end)), "answer time outside the call"),
            *talk_checks(billsec, start, answer, end, "billsec"),
            (uuid.is_null(), "missing uuid"),
            (
                disposition.is_null(),
                pl.format("unknown hangup_cause '{}' (add it to [causes])", pl.lit(cause).fill_null("")),
            ),
        ]
        checks += self.common_checks(rows, m, mapping)
        checks += id_checks(call_id, "call_id")
        reason = first_reason(rows.height, checks)
        none = pl.Series([None] * rows.height, dtype=pl.Boolean)
        # Legs, keyed by their own uuid for now: the family (the A-leg's uuid) is known once every
        # file has been read (core.ingest.legs.link_families). The bridged leg and the order are
        # set at the fold (freeswitch_roles).
        legs = pl.DataFrame(
            {
                "call_id": call_id,
                "_key": call_id,
                "direction": m["direction"],
                "started_at": start,
                "answered_at": answer,
                "ended_at": end,
                "_talk": pl.select(
                    pl.when(pl.lit(disposition) == "answered").then(pl.lit(billsec)).otherwise(0)
                ).to_series(),
                "disposition": disposition,
                "agent_id": m["agent_id"],
                "campaign_id": m["campaign_id"],
                "caller_number": m["caller_number"],
                "callee_id": m["callee_id"],
                "callee_province": m["callee_province"],
                "callee_carrier": m["callee_carrier"],
                "hangup_by": m["hangup_by"],
                "recorded": m["recorded"],
                "robot": m["robot"],
                "wrap_seconds": pl.Series([None] * rows.height, dtype=pl.Int64),
                "two_way_voice": none,
                "_bridged": pl.Series([False] * rows.height, dtype=pl.Boolean),
                "_queue": pl.Series([False] * rows.height, dtype=pl.Boolean),
                "_seq": pl.Series([0] * rows.height, dtype=pl.Int64),
                "_leg": uuid,
                "_link": text(rows, "bleg_uuid"),
                "_line": rows["_line"],
            }
        )
        ok, rejects = split_rejects(rows, reason, legs, layout.names)
        return Converted(ok, rejects)


# --------------------------------------------------------------------------------------------
# VICIdial
# --------------------------------------------------------------------------------------------


class Vicidial(CallFormat):
    """VICIdial ``vicidial_log`` exported with a header: one outbound dialer call per row."""

    name = "vicidial"
    has_header = True
    needed = ("uniqueid", "call_date", "status", "phone_number")

    def layout(self, source: Source, mapping: Mapping) -> Layout:
        names = source_names(source, mapping)
        _require(names, self.needed, source, "VICIdial vicidial_log")
        at = names.index("call_date")
        _sniff_rows(
            source,
            lambda f: len(f) > at and _is_time(f[at]),
            "VICIdial vicidial_log",
            "call_date holds times",
            (("call_date", at),),
        )
        return Layout(names, "vicidial_log", _missing_mapped(names, mapping))

    def convert(self, rows: pl.DataFrame, layout: Layout, mapping: Mapping, key: bytes) -> Converted:
        rows = clean(rows, layout.names)
        start_raw = time_text(rows, "call_date")
        start = to_datetime(start_raw, mapping.timezone)
        length_raw = text(rows, "length_in_sec")
        length = to_int(length_raw)
        start_epoch, end_epoch = to_int(text(rows, "start_epoch")), to_int(text(rows, "end_epoch"))
        status = text(rows, "status").str.to_uppercase()
        disposition = translate(status, mapping.dispositions, mapping.statuses)
        m = self.mapped(rows, mapping, key)
        w = pl.DataFrame(
            {"start": start, "len": length, "se": start_epoch, "ee": end_epoch, "disp": disposition}
        ).with_columns(
            pl.when((pl.col("se") > 0) & (pl.col("ee") > 0))
            .then(pl.col("ee") - pl.col("se"))
            .otherwise(pl.col("len").fill_null(0))
            .alias("span")
        )
        w = w.with_columns((pl.col("start") + pl.duration(seconds=safe_seconds(pl.col("span")))).alias("end"))
        answered = w["disp"] == "answered"
        uniqueid = text(rows, "uniqueid")
        call_id = (mapping.call_id_prefix + uniqueid) if mapping.call_id_prefix else uniqueid
        checks: list[tuple[pl.Series, pl.Expr | str]] = [
            (uniqueid.is_null(), "missing uniqueid"),
            (start_raw.is_null(), "missing call_date"),
            (bad_value(start_raw, start), pl.format("bad call_date '{}'", pl.lit(start_raw))),
            year_check(start, start_raw, "call_date"),
            int_check(length_raw, "length_in_sec"),
            (
                bad_value(length_raw, length),
                pl.format("length_in_sec is not a whole number: '{}'", pl.lit(length_raw)),
            ),
            ((length < 0).fill_null(False), "negative length_in_sec"),
            (
                ((end_epoch < start_epoch) & (start_epoch > 0) & (end_epoch > 0)).fill_null(False),
                "end_epoch before start_epoch",
            ),
            (
                (w["span"] > MAX_INT).fill_null(False),
                "end_epoch − start_epoch out of range (larger than 2^31 − 1)",
            ),
            (
                ((length > w["span"] + 1) & (start_epoch > 0) & (end_epoch > 0)).fill_null(False),
                "length_in_sec longer than the call from start_epoch to end_epoch",
            ),
            (status.is_null(), "missing status"),
            (
                disposition.is_null(),
                pl.format(
                    "unknown status '{}' (add it to [statuses] in the mapping)", pl.lit(status).fill_null("")
                ),
            ),
        ]
        checks += self.common_checks(rows, m, mapping)
        checks += id_checks(call_id, "call_id")
        reason = first_reason(rows.height, checks)
        calls = pl.DataFrame(
            {
                "call_id": call_id,
                "direction": m["direction"],
                "started_at": w["start"],
                "answered_at": pl.select(pl.when(pl.lit(answered)).then(pl.lit(w["start"]))).to_series(),
                "ended_at": w["end"],
                "ring_seconds": pl.Series([None] * rows.height, dtype=pl.Int64),
                "_talk": pl.select(
                    pl.when(pl.lit(answered)).then(pl.lit(w["len"]).fill_null(0)).otherwise(0)
                ).to_series(),
                "disposition": disposition,
                "agent_id": m["agent_id"],
                "campaign_id": m["campaign_id"],
                "caller_number": m["caller_number"],
                "callee_id": m["callee_id"],
                "callee_province": m["callee_province"],
                "callee_carrier": m["callee_carrier"],
                "hangup_by": m["hangup_by"],
                "recorded": m["recorded"],
                "robot": m["robot"],
                "two_way_voice": pl.Series([None] * rows.height, dtype=pl.Boolean),
                "_status": status,
                "_line": rows["_line"],
            }
        )
        ok, rejects = split_rejects(rows, reason, calls, layout.names)
        extra: dict[str, pl.DataFrame] = {}
        if mapping.add_to_dnc_list and mapping.dnc_statuses:
            dnc = ok.filter(
                pl.col("_status").is_in(list(mapping.dnc_statuses)) & pl.col("callee_id").is_not_null()
            )
            extra["dnc"] = dnc.select(
                pl.col("callee_id"),
                pl.col("ended_at").alias("added_at"),
                pl.format("vicidial:{}", pl.col("_status")).alias("source"),
            )
        return Converted(ok.drop("_status"), rejects, extra)


def call_format(fmt: str) -> CallFormat:
    """The handler of a call-record ``--format``."""
    if fmt == "asterisk":
        return Asterisk(headerless=False)
    if fmt == "asterisk-csv":
        return Asterisk(headerless=True)
    if fmt == "freeswitch":
        return FreeSwitch()
    if fmt == "vicidial":
        return Vicidial()
    raise ValueError(fmt)
