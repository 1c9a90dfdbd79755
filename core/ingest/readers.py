"""Reading input files in bounded chunks: delimited text, Excel and Parquet.

Every reader yields :class:`Batch` objects: the records that split into the expected fields, as a
frame of strings with their line numbers (``_line``), and the records that did not (``_line``,
``_reason``, ``_raw``). Values are parsed and checked later, by the format; here only the shape of a
record is judged. Blank lines are not records and are skipped.

Delimited text is read ``chunk_rows`` lines at a time from the raw bytes, so memory stays flat
however large the file. The common case goes through polars' parser: each line's fields are counted
first (quoted sections removed, then delimiters counted), so a truncated or padded line is rejected
with its line number instead of shifting the columns of its neighbours. A chunk with a quote that
spans lines falls back to Python's ``csv`` module; formats whose records never span lines (Asterisk
``Master.csv``, FreeSWITCH) read such a line on its own, so one stray quote costs one line, not the
rest of the file.

Encodings: UTF-8 with or without BOM, else GB18030 (a superset of GBK and GB2312), judged on the
first megabyte (see :func:`detect_encoding`), or as the mapping's ``[source] encoding`` says. Windows line ends are accepted;
bytes that do not decode make their record a reject.

Line ends and control characters: a file whose first megabyte holds carriage returns and no line
feed ends its lines with a lone CR (classic Mac OS, some Excel "CSV (Macintosh)" saves) and is
read line by line all the same. A CR inside a line stays in its field (the format then refuses it
in an id, see :func:`core.ingest.formats.control_chars`). NUL bytes are dropped when a file is
read: they are padding left by a broken writer or a disk copy, never text (in UTF-8 and GB18030 a
0 byte is only ever NUL), and PostgreSQL refuses them in text.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl

from core.ingest.common import IngestError

SAMPLE_BYTES = 1 << 20
#: Lines one record may span in formats that allow quoted line breaks.
MAX_RECORD_LINES = 200
_QUOTED = r'"(?:[^"]|"")*"'
_QUOTED_RE = re.compile(_QUOTED)
_DELIMITERS = (",", "\t", ";", "|")

csv.field_size_limit(1 << 24)


@dataclass
class Batch:
    """One chunk of records: ``rows`` (string columns + ``_line``) and ``bad`` (``_line``,
    ``_reason``, ``_raw``)."""

    rows: pl.DataFrame
    bad: pl.DataFrame

    @property
    def read(self) -> int:
        return self.rows.height + self.bad.height


def empty_bad() -> pl.DataFrame:
    return pl.DataFrame(schema={"_line": pl.Int64, "_reason": pl.String, "_raw": pl.String})


def _rows_frame(names: list[str], columns: list[list[str | None]], lines: list[int]) -> pl.DataFrame:
    data: dict[str, Any] = {n: pl.Series(n, c, dtype=pl.String) for n, c in zip(names, columns, strict=True)}
    data["_line"] = pl.Series("_line", lines, dtype=pl.Int64)
    return pl.DataFrame(data)


def empty_rows(names: list[str]) -> pl.DataFrame:
    return _rows_frame(names, [[] for _ in names], [])


# --------------------------------------------------------------------------------------------
# Delimited text
# --------------------------------------------------------------------------------------------


#: Stands for a carriage return inside a line while Python's ``csv`` splits it (the module takes a
#: bare CR in an unquoted field for the end of a record, and refuses it).
_CR_MARK = "\ue000"


def _hide_cr(line: str) -> str:
    """``line`` with every CR but its line end replaced by :data:`_CR_MARK`."""
    if "\r" not in line:
        return line
    body = line.rstrip("\r\n")
    return body.replace("\r", _CR_MARK) + line[len(body) :]


def _show_cr(fields: list[str]) -> list[str]:
    return [f.replace(_CR_MARK, "\r") for f in fields]


def split_line(text: str, delimiter: str) -> list[str]:
    """The fields of one line (Python's csv), a CR inside it kept in its field."""
    return _show_cr(next(csv.reader([_hide_cr(text)], delimiter=delimiter, quotechar='"', strict=False), []))


class CrLines:
    """A binary file whose lines end in a lone CR, read as lines ending in LF (``readline``,
    iteration and ``tell`` as the rest of the reader uses them on a plain file)."""

    def __init__(self, fh: Any) -> None:
        self.fh = fh
        self.lines: deque[bytes] = deque()
        self.rest = b""
        self.done = 0

    def __enter__(self) -> CrLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.fh.close()

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def readline(self) -> bytes:
        while not self.lines:
            block = self.fh.read(1 << 16)
            if not block:
                line, self.rest = self.rest, b""
                self.done += len(line)
                return line
            parts = (self.rest + block).split(b"\r")
            self.rest = parts.pop()
            self.lines.extend(p + b"\n" for p in parts)
        line = self.lines.popleft()
        self.done += len(line)
        return line

    def tell(self) -> int:
        return self.done


def _decode_errors(head: bytes, codec: str, *, cut: bool) -> tuple[str, int]:
    """``head`` decoded with replacement characters, and how many bytes did not decode. ``cut``: the
    sample stops inside the file, so a character cut at its end is left out (not an error)."""
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    text = decoder.decode(head, final=not cut)
    return text, text.count("\ufffd")


def detect_encoding(head: bytes) -> str:
    """``utf-8-sig``, ``utf-8`` or ``gb18030`` for the first bytes of a file (the whole file when
    shorter than :data:`SAMPLE_BYTES`).

    The same bytes always give the same answer:

    1. a UTF-8 BOM means ``utf-8-sig``;
    2. a sample that decodes as UTF-8 is UTF-8 (a character cut by the end of a sample taken from a
       longer file is not held against it: the sample ends at the last whole character);
    3. otherwise GB18030 only when both hold: GB18030 decodes the sample with fewer bad bytes than
       UTF-8 does, and fewer than two in three of its non-ASCII characters are valid UTF-8. GBK
       text is both; UTF-8 text with a stray bad byte is neither (a byte such as ``\\xff`` is
       bad in both encodings), and stays UTF-8: the bad byte's record alone is rejected.

    >>> detect_encoding("通话".encode("gbk")), detect_encoding(b"\\xef\\xbb\\xbfa,b"), detect_encoding(b"a,b")
    ('gb18030', 'utf-8-sig', 'utf-8')
    >>> detect_encoding("北京".encode() + b"\\xff"), detect_encoding("北京".encode() + b"\\xff" * 2)
    ('utf-8', 'utf-8')
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestError(
            "文件是 UTF-16 编码,请另存为 UTF-8(或 GBK)后再导入",
            "The file is UTF-16 encoded; save it as UTF-8 (or GBK) and import again",
        )
    cut = len(head) >= SAMPLE_BYTES
    text, errors = _decode_errors(head, "utf-8", cut=cut)
    if errors == 0:
        return "utf-8"
    _gb_text, gb_errors = _decode_errors(head, "gb18030", cut=cut)
    valid = sum(1 for ch in text if ord(ch) >= 0x80) - errors
    return "gb18030" if gb_errors < errors and valid < 2 * errors else "utf-8"


def _count_outside_quotes(line: str, delimiter: str) -> int:
    return int(
        pl.Series([line]).str.replace_all(_QUOTED, "").str.count_matches(delimiter, literal=True).item()
    )


def detect_delimiter(line: str) -> str:
    """The delimiter of a line: the most frequent of comma, tab, semicolon and bar outside quotes."""
    counts = {d: _count_outside_quotes(line, d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


class _Feed:
    """Lines for ``csv.reader`` that remembers which lines each record used. When a record wants
    more than ``max_lines`` lines (an unbalanced quote), it closes the quote artificially so the
    reader stops, and marks the record broken; the caller then reads those lines one by one."""

    __slots__ = ("broken", "it", "max_lines", "pending")

    def __init__(self, lines: Iterator[str], max_lines: int) -> None:
        self.it = lines
        self.max_lines = max_lines
        self.pending: list[str] = []
        self.broken = False

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if len(self.pending) >= self.max_lines:
            self.broken = True
            return '"\n'
        line = next(self.it)
        self.pending.append(line)
        return line


def _complete(line: str, delimiter: str, expected: int) -> bool:
    """Whether one line alone is a whole record: quotes balanced and ``expected`` fields."""
    bare = _QUOTED_RE.sub("", line.rstrip("\r\n"))
    return '"' not in bare and bare.count(delimiter) + 1 == expected


def parse_records(
    lines: list[str], first_line: int, delimiter: str, *, multiline: bool, expected: int | None = None
) -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` for the records in ``lines`` (Python's csv; blank lines skipped).

    A record over several lines is read line by line instead when it has not ``expected`` fields,
    or when one of its lines is a whole record by itself: a stray quote then costs its own line,
    not the records after it.
    """
    lines = [_hide_cr(x) for x in lines]
    feed = _Feed(iter(lines), MAX_RECORD_LINES if multiline else 1)
    reader = csv.reader(feed, delimiter=delimiter, quotechar='"', strict=False)
    line = first_line
    for record in reader:
        used, broken = feed.pending, feed.broken
        feed.pending, feed.broken = [], False
        if len(used) > 1 and expected is not None and not broken:
            broken = len(record) != expected or any(_complete(x, delimiter, expected) for x in used)
        if broken:
            for k, text in enumerate(used):
                fields = next(csv.reader([text], delimiter=delimiter, quotechar='"', strict=False), [])
                if fields and any(f.strip() for f in fields):
                    yield line + k, _show_cr([f.rstrip("\r\n") for f in fields])
        elif record and any(f.strip() for f in record):
            yield line, _show_cr(record)
        line += len(used)


class TextSource:
    """A delimited text file (CSV, TSV, Asterisk ``Master.csv`` …) read in chunks."""

    kind = "csv"

    def __init__(
        self,
        path: Path,
        *,
        encoding: str | None,
        has_header: bool,
        multiline: bool,
        delimiter: str | None = None,
    ) -> None:
        self.path = path
        self.size = path.stat().st_size
        self.has_header = has_header
        self.multiline = multiline
        with open(path, "rb") as fh:
            head = fh.read(SAMPLE_BYTES)
        #: Lines end in a lone CR (no LF in the first megabyte).
        self.cr_only = b"\r" in head and b"\n" not in head
        self.encoding = encoding or detect_encoding(head)
        self.codec = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
        try:
            codecs.lookup(self.codec)
        except LookupError:
            raise IngestError(f"不认识的编码:{self.encoding}", f"Unknown encoding: {self.encoding}") from None
        self.bytes_done = 0
        self.header: list[str] | None = None
        self.header_line = 0  # physical line of the header (0: none)
        first = self._first_line(head)
        self.delimiter = delimiter or (detect_delimiter(first[1]) if first else ",")
        if has_header and first:
            self.header_line, text = first
            self.header = [h.strip() for h in split_line(text, self.delimiter)]

    def _open(self) -> Any:
        """The file in binary, its lines ending in LF (see :class:`CrLines`)."""
        fh = open(self.path, "rb")  # noqa: SIM115 - closed by the caller's with
        return CrLines(fh) if self.cr_only else fh

    def _decode(self, data: bytes) -> str:
        return data.decode(self.codec, errors="replace").lstrip("\ufeff").replace("\x00", "")

    def _first_line(self, head: bytes) -> tuple[int, str] | None:
        for number, raw in enumerate(head.split(b"\r" if self.cr_only else b"\n"), start=1):
            text = self._decode(raw).rstrip("\r")
            if text.strip():
                return number, text
        return None

    @property
    def empty(self) -> bool:
        """True when the file holds no record (0 bytes, blank lines, or a header alone)."""
        return not self.sample(1)

    def sample(self, n: int = 50) -> list[tuple[int, list[str]]]:
        """The first ``n`` records after the header, as ``(line, fields)``."""
        with self._open() as fh:
            raw = list(itertools.islice(fh, self.header_line + n * 4 + 50))
        lines = [self._decode(x) for x in raw[self.header_line :]]
        records = parse_records(lines, self.header_line + 1, self.delimiter, multiline=self.multiline)
        return list(itertools.islice(records, n))

    def batches(self, names: list[str], chunk_rows: int) -> Iterator[Batch]:
        """Chunks of about ``chunk_rows`` lines, split into ``names`` (one name per field)."""
        for job in self.chunks(names, chunk_rows):
            yield job()

    def chunks(self, names: list[str], chunk_rows: int) -> Iterator[Callable[[], Batch]]:
        """The file read in chunks of about ``chunk_rows`` lines; each item parses its chunk when
        called (so chunks can be parsed in parallel while the next one is read)."""
        with self._open() as fh:
            for _ in range(self.header_line):
                fh.readline()
            line = self.header_line + 1
            while True:
                lines = list(itertools.islice(fh, chunk_rows))
                if not lines:
                    break
                if self.multiline:
                    # Never cut inside a quoted field: read on until the quotes balance.
                    quotes = sum(x.count(b'"') for x in lines)
                    extra = 0
                    while quotes % 2 and extra < MAX_RECORD_LINES:
                        more = fh.readline()
                        if not more:
                            break
                        lines.append(more)
                        quotes += more.count(b'"')
                        extra += 1
                self.bytes_done = fh.tell()
                yield functools.partial(self._parse_chunk, lines, line, names)
                line += len(lines)

    def _parse_chunk(self, lines: list[bytes], first_line: int, names: list[str]) -> Batch:
        fast = self._parse_bytes(lines, first_line, names)
        if fast is not None:
            return fast
        text = self._decode(b"".join(lines))
        parts = text.split("\n")
        if parts and parts[-1] == "":
            parts.pop()
        return self._parse(parts, first_line, names)

    def _parse_bytes(self, lines: list[bytes], first_line: int, names: list[str]) -> Batch | None:
        """The clean case straight from the bytes: every line decodes, none is blank, polars reads
        one row per line. Anything else (``None``) goes the careful way."""
        data = b"".join(lines)
        if data.startswith(codecs.BOM_UTF8):
            data = data[3:]
        if b"\x00" in data:
            data = data.replace(b"\x00", b"")
        try:
            if self.codec == "utf-8":
                data.decode("utf-8")
            else:
                data = data.decode(self.codec).encode("utf-8")
        except UnicodeDecodeError:
            return None
        if any(not x.strip() for x in lines):
            return None
        try:
            rows = pl.read_csv(
                io.BytesIO(data),
                has_header=False,
                infer_schema=False,
                new_columns=names,
                separator=self.delimiter,
                quote_char='"',
            )
        except pl.exceptions.PolarsError:
            return None
        if rows.height != len(lines) or rows.width != len(names):
            return None
        rows = rows.with_columns(
            pl.int_range(first_line, first_line + rows.height, dtype=pl.Int64).alias("_line")
        )
        if names[-1] in rows.columns:
            rows = rows.with_columns(pl.col(names[-1]).str.strip_suffix("\r"))
        suspect = rows[names[-1]].is_null()
        if not suspect.any():
            return Batch(rows, empty_bad())
        # A short line is padded with nulls by polars: count those lines' fields exactly.
        at = suspect.arg_true().to_list()
        frame = pl.DataFrame(
            {
                "_line": [first_line + i for i in at],
                "_raw": [self._decode(lines[i]).rstrip("\r\n") for i in at],
            },
            schema={"_line": pl.Int64, "_raw": pl.String},
        )
        judged = self._judge(frame, len(names))
        if self.multiline and judged["_stray"].any():
            return None
        bad = judged.filter(pl.col("_reason").is_not_null()).select("_line", "_reason", "_raw")
        return Batch(rows.filter(~pl.col("_line").is_in(bad["_line"].implode())), bad)

    def _parse(self, parts: list[str], first_line: int, names: list[str]) -> Batch:
        frame = (
            pl.DataFrame({"_raw": pl.Series(parts, dtype=pl.String)})
            .with_row_index("_i")
            .with_columns(
                (pl.col("_i").cast(pl.Int64) + first_line).alias("_line"),
                pl.col("_raw").str.strip_suffix("\r").alias("_raw"),
            )
            .filter(pl.col("_raw").str.strip_chars() != "")
            .select("_line", "_raw")
        )
        if frame.height == 0:
            return Batch(empty_rows(names), empty_bad())
        return self._parse_fast(frame, names) or self._parse_counted(frame, parts, first_line, names)

    def _judge(self, frame: pl.DataFrame, n: int) -> pl.DataFrame:
        """``frame`` (``_line``, ``_raw``) with each line's field count, stray quote and reason."""
        bare = pl.col("_raw").str.replace_all(_QUOTED, "")
        frame = frame.with_columns(
            (bare.str.count_matches(self.delimiter, literal=True) + 1).alias("_fields"),
            bare.str.contains('"', literal=True).alias("_stray"),
            pl.col("_raw").str.contains("\ufffd", literal=True).alias("_undecodable"),
        )
        reason = (
            pl.when(pl.col("_undecodable"))
            .then(pl.lit(f"undecodable bytes (the file was read as {self.encoding}; set [source] encoding)"))
            .when(pl.col("_stray"))
            .then(pl.lit("unbalanced quote"))
            .when(pl.col("_fields") != n)
            .then(pl.format(f"expected {n} fields, found {{}}", pl.col("_fields")))
        )
        return frame.with_columns(reason.alias("_reason"))

    def _read(self, raw: pl.Series, names: list[str]) -> pl.DataFrame:
        data = "\n".join(raw.to_list()).encode("utf-8")
        return pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            infer_schema=False,
            new_columns=names,
            separator=self.delimiter,
            quote_char='"',
        )

    def _parse_fast(self, frame: pl.DataFrame, names: list[str]) -> Batch | None:
        """Every line through polars at once. Polars refuses a line with too many fields or a
        misplaced quote (then ``None``: the chunk is judged line by line) and pads a short line
        with nulls, so only lines whose last field came out empty are counted exactly."""
        try:
            rows = self._read(frame["_raw"], names)
        except pl.exceptions.PolarsError:
            return None
        if rows.height != frame.height or rows.width != len(names):
            return None  # a quoted line break joined lines
        rows = rows.with_columns(frame["_line"])
        suspect = rows[names[-1]].is_null() | frame["_raw"].str.contains("\ufffd", literal=True)
        if not suspect.any():
            return Batch(rows, empty_bad())
        judged = self._judge(frame.filter(suspect), len(names))
        if self.multiline and judged["_stray"].any():
            return None
        bad = judged.filter(pl.col("_reason").is_not_null()).select("_line", "_reason", "_raw")
        return Batch(rows.filter(~pl.col("_line").is_in(bad["_line"].implode())), bad)

    def _parse_counted(
        self, frame: pl.DataFrame, parts: list[str], first_line: int, names: list[str]
    ) -> Batch:
        """Lines judged one by one (field count, stray quote), the good ones read by polars."""
        n = len(names)
        frame = self._judge(frame, n)
        if self.multiline and frame["_stray"].any():
            return self._parse_python(parts, first_line, names)
        bad = frame.filter(pl.col("_reason").is_not_null()).select("_line", "_reason", "_raw")
        good = frame.filter(pl.col("_reason").is_null())
        if good.height == 0:
            return Batch(empty_rows(names), bad)
        rows = self._read(good["_raw"], names)
        if rows.height != good.height or rows.width != n:  # pragma: no cover - a parser disagreement
            return self._parse_python(parts, first_line, names)
        rows = rows.with_columns(good["_line"])
        return Batch(rows, bad)

    def _parse_python(self, parts: list[str], first_line: int, names: list[str]) -> Batch:
        n = len(names)
        columns: list[list[str | None]] = [[] for _ in names]
        lines: list[int] = []
        bad: list[tuple[int, str, str]] = []
        for line, fields in parse_records(
            [p + "\n" for p in parts], first_line, self.delimiter, multiline=self.multiline, expected=n
        ):
            if any("\ufffd" in f for f in fields):
                bad.append((line, f"undecodable bytes (the file was read as {self.encoding})", _join(fields)))
            elif len(fields) != n:
                bad.append((line, f"expected {n} fields, found {len(fields)}", _join(fields)))
            else:
                lines.append(line)
                for col, value in zip(columns, fields, strict=True):
                    col.append(value)
        bad_frame = pl.DataFrame(bad, schema=empty_bad().schema, orient="row") if bad else empty_bad()
        return Batch(_rows_frame(names, columns, lines), bad_frame)


def _join(fields: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Excel and Parquet (canonical and header formats)
# --------------------------------------------------------------------------------------------


def cell_text(value: Any) -> str | None:
    """An Excel cell as the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class ExcelSource:
    """One sheet of an ``.xlsx`` workbook, streamed row by row (openpyxl read-only mode).

    Line numbers are the sheet's row numbers, as Excel shows them.
    """

    kind = "xlsx"
    has_header = True
    encoding = "xlsx"

    def __init__(self, path: Path, sheet: str | None = None) -> None:
        import openpyxl

        self.path = path
        self.size = path.stat().st_size
        self.bytes_done = 0
        self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        self.sheet = sheet or self._book.sheetnames[0]
        self.header: list[str] | None = None
        self.header_line = 0
        for number, row in enumerate(self._book[self.sheet].iter_rows(values_only=True), start=1):
            if any(v is not None and str(v).strip() for v in row):
                self.header_line = number
                self.header = [str(v).strip() if v is not None else "" for v in row]
                while self.header and not self.header[-1]:
                    self.header.pop()
                break

    @staticmethod
    def sheet_names(path: Path) -> list[str]:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        try:
            return list(book.sheetnames)
        finally:
            book.close()

    def close(self) -> None:
        self._book.close()

    @property
    def empty(self) -> bool:
        return not self.sample(1)

    def _records(self) -> Iterator[tuple[int, list[str | None]]]:
        if not self.header_line:
            return
        ws = self._book[self.sheet]
        for number, row in enumerate(ws.iter_rows(min_row=self.header_line + 1, values_only=True)):
            cells = [cell_text(v) for v in row]
            if any(c is not None and c.strip() for c in cells):
                yield self.header_line + 1 + number, cells

    def sample(self, n: int = 50) -> list[tuple[int, list[str]]]:
        return [(line, [c or "" for c in cells]) for line, cells in itertools.islice(self._records(), n)]

    def batches(self, names: list[str], chunk_rows: int) -> Iterator[Batch]:
        n = len(names)
        records = self._records()
        while True:
            chunk = list(itertools.islice(records, chunk_rows))
            if not chunk:
                break
            columns: list[list[str | None]] = [[] for _ in names]
            lines: list[int] = []
            bad: list[tuple[int, str, str]] = []
            for line, cells in chunk:
                extra = [c for c in cells[n:] if c is not None and c.strip()]
                if extra:
                    bad.append(
                        (line, f"more cells than the {n} header columns", _join([c or "" for c in cells]))
                    )
                    continue
                cells = (cells + [None] * n)[:n]
                lines.append(line)
                for col, value in zip(columns, cells, strict=True):
                    col.append(value)
            self.bytes_done = int(self.size * min(1.0, (chunk[-1][0]) / max(1, self._max_row())))
            bad_frame = pl.DataFrame(bad, schema=empty_bad().schema, orient="row") if bad else empty_bad()
            yield Batch(_rows_frame(names, columns, lines), bad_frame)

    def chunks(self, names: list[str], chunk_rows: int) -> Iterator[Callable[[], Batch]]:
        for batch in self.batches(names, chunk_rows):
            yield functools.partial(_same, batch)

    def _max_row(self) -> int:
        return int(self._book[self.sheet].max_row or 1)


class ParquetSource:
    """A Parquet file read in record batches; values become text and are checked like CSV's.

    "Line" numbers are row numbers (first data row = 1).
    """

    kind = "parquet"
    has_header = True
    encoding = "parquet"
    header_line = 0

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.path = path
        self.size = path.stat().st_size
        self.bytes_done = 0
        try:
            self._file = pq.ParquetFile(path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several error types for bad files
            raise IngestError(
                f"无法读取 Parquet 文件 {path.name}:{exc}", f"Cannot read the Parquet file {path.name}: {exc}"
            ) from None
        self.header: list[str] | None = list(self._file.schema_arrow.names)
        self.rows_total = self._file.metadata.num_rows

    @property
    def empty(self) -> bool:
        return bool(self.rows_total == 0)

    def close(self) -> None:
        self._file.close()

    def _as_text(self, frame: pl.DataFrame) -> pl.DataFrame:
        exprs = []
        for name, dtype in frame.schema.items():
            if isinstance(dtype, pl.Datetime):
                exprs.append(pl.col(name).dt.replace_time_zone(None).dt.strftime("%Y-%m-%d %H:%M:%S%.f"))
            elif dtype == pl.Date:
                exprs.append(pl.col(name).dt.strftime("%Y-%m-%d"))
            elif dtype == pl.Boolean:
                exprs.append(
                    pl.when(pl.col(name)).then(pl.lit("true")).when(~pl.col(name)).then(pl.lit("false"))
                )
            else:
                exprs.append(pl.col(name).cast(pl.String).str.replace_all("\x00", "", literal=True))
        return frame.select([e.alias(n) for e, n in zip(exprs, frame.columns, strict=True)])

    def sample(self, n: int = 50) -> list[tuple[int, list[str]]]:
        for batch in self._file.iter_batches(batch_size=n):
            frame = self._as_text(pl.DataFrame(pl.from_arrow(batch)))
            return [(i + 1, ["" if v is None else v for v in row]) for i, row in enumerate(frame.rows())]
        return []

    def batches(self, names: list[str], chunk_rows: int) -> Iterator[Batch]:
        done = 0
        for batch in self._file.iter_batches(batch_size=chunk_rows):
            frame = self._as_text(pl.DataFrame(pl.from_arrow(batch)))
            frame.columns = names
            frame = frame.with_columns(
                pl.int_range(done + 1, done + 1 + frame.height, dtype=pl.Int64).alias("_line")
            )
            done += frame.height
            self.bytes_done = int(self.size * done / max(1, self.rows_total))
            yield Batch(frame, empty_bad())

    def chunks(self, names: list[str], chunk_rows: int) -> Iterator[Callable[[], Batch]]:
        for batch in self.batches(names, chunk_rows):
            yield functools.partial(_same, batch)


def _same(batch: Batch) -> Batch:
    return batch


Source = TextSource | ExcelSource | ParquetSource


def open_source(
    path: Path, *, has_header: bool, multiline: bool, encoding: str | None, sheet: str | None = None
) -> Source:
    """The reader for ``path`` by its extension: ``.xlsx``/``.xlsm`` Excel, ``.parquet`` Parquet, else text."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return ExcelSource(path, sheet)
    if suffix in (".parquet", ".pq"):
        return ParquetSource(path)
    if suffix == ".xls":
        raise IngestError(
            "不支持旧版 .xls 文件,请在 Excel 中另存为 .xlsx 或 CSV",
            "Old .xls workbooks are not supported; save the file as .xlsx or CSV",
        )
    return TextSource(path, encoding=encoding, has_header=has_header, multiline=multiline)
