"""Tencent Cloud Contact Center (腾讯云联络中心, CCC) call records: ``--format tencent-ccc``.

Two inputs, one conversion:

* **JSON** as the ``DescribeTelCdr`` API returns it (``{"Response": {"TotalCount": …, "TelCdrList":
  [TelCdrInfo, …], "RequestId": …}}``), the same without the ``Response`` wrapper, a bare list of
  ``TelCdrInfo``, or **JSON Lines** (one ``TelCdrInfo``, or one whole page, per line: how people
  save paginated calls). The deprecated ``TelCdrs`` array is read like ``TelCdrList``.
* **CSV** (or Excel) with the same field names as columns, a header row. ``SeatUser`` may be one
  column holding the object as JSON (or as Python writes a dict), or one column per field,
  ``SeatUser.StaffNumber`` …; ``ServeParticipants`` is one column holding the list as JSON.

A JSON file is recognised by its first character (``{`` or ``[``) and flattened into the columns a
CSV would have (``SeatUser.StaffNumber`` …, lists as JSON text), so both go through the same checks
and give the same calls. Field names are matched case-insensitively. In a JSON document (not JSON
Lines) the rejects file's "line" is the record's position in the list (1 = first record).

Sources (the public API reference, *云联络中心 API 文档*, cloud.tencent.com/document/api/679, and
the official SDK that is generated from it, ``tencentcloud-sdk-python``
``tencentcloud/ccc/v20200210/models.py``, classes ``DescribeTelCdrResponse``, ``TelCdrInfo``,
``SeatUserInfo``, ``ServeParticipant``):

======================  ==========================================================================
canonical               TelCdrInfo
======================  ==========================================================================
call_id                 ``SessionId`` (会话 ID)
direction               ``Direction``: 0 呼入 in, 1 呼出 out (preset ``[direction]``). ``CallType`` 6
                        (内线呼叫, agent to agent) is not a customer call: rejected
started_at              ``Time`` (呼叫发起时间戳, Unix seconds), else ``StartTimestamp`` (会话开始时间戳).
                        Unix seconds are instants: naive Beijing time whatever ``[source] timezone``
answered_at             ``AcceptTimestamp`` (接听时间戳; 0 or absent: none), else the first accepting
                        participant's; kept for answered calls only
ended_at                ``EndedTimestamp`` (结束时间戳); 0 or absent: ``started_at`` + ``Duration``
talk_seconds            ``Duration`` (通话时长) for an answered call, else 0. It runs from the answer
                        to the end: the API reference's own example has ``AcceptTimestamp``
                        1729756307, ``EndedTimestamp`` 1729756315, ``Duration`` 8 (DescribeProtected
                        TelCdr, cloud.tencent.com/document/product/679/72597). Never summed over
                        participants
ring_seconds            derived (answer − start, or the whole call when not answered), as for
                        every format; ``RingTimestamp`` is not needed
disposition             ``EndStatus`` / ``EndStatusString`` (:data:`END_STATUS`), after the
                        mapping's ``[dispositions]`` (keys: the code or the string)
agent_id                the first participant in ``ServeParticipants`` who accepted (earliest
                        ``AcceptTimestamp``, then ``Sequence``), else ``SeatUser``; an agent is
                        named by ``SeatUser.StaffNumber`` (工号), else ``UserId``, else ``Mail``. A
                        participant carries only ``Mail``: when it is the ``SeatUser``'s mail the
                        ``SeatUser``'s name is used, else the mail (``[agent] values`` can
                        translate mails to staff numbers)
customer (callee_id)    ``Caller`` inbound, ``Callee`` outbound (numbers are written ``0086…``),
                        salted hash. Masked (``138****5678``) or protected (``ProtectedCaller`` /
                        ``ProtectedCallee`` with the clear field empty, 号码保护) numbers give no
                        customer id and are not rejected; nor is the non-number caller of a VoIP
                        call (``CallType`` 3, 音频呼入)
caller_number           the other one: ``Callee`` inbound, ``Caller`` outbound
hangup_by               ``HungUpSide``: seat → agent, user → customer, system → system (other
                        values: empty)
recorded                ``RecordURL`` or ``CustomRecordURL`` not empty
robot                   ``AIAgentId`` set (an AI voice agent, 智能体, took the call)
team (agents table)     the accepting participant's ``SkillGroupName``, else ``SkillGroup``, else
                        ``SkillGroupId``: every agent seen is added to ``agents`` (agent_id, team)
                        unless already there; existing agents are left as they are
======================  ==========================================================================

The derived columns ``agent``, ``team``, ``recorded`` and ``robot`` are what the preset
(``mappings/tencent-ccc.toml``) names; a mapping can name any field instead (e.g. ``[agent] column
= "seatuser.mail"``, ``[campaign] column = "uui"``).
"""

from __future__ import annotations

import ast
import codecs
import functools
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from core.ingest.common import IngestError
from core.ingest.formats import (
    CallFormat,
    Converted,
    Layout,
    _sniff_rows,
    header_names,
    id_checks,
    int_check,
    safe_seconds,
    shown_columns,
    split_rejects,
    time_text,
    year_check,
)
from core.ingest.mapping import Mapping
from core.ingest.parse import bad_value, clean, first_reason, text, to_datetime, to_int, translate
from core.ingest.readers import (
    Batch,
    ExcelSource,
    ParquetSource,
    TextSource,
    _rows_frame,
    empty_bad,
    open_source,
)

#: EndStatus → canonical disposition, by code and by EndStatusString (TelCdrInfo.EndStatus in the API
#: reference and the SDK's models.py, which list code, string and meaning; the English table is at
#: tencentcloud.com/document/product/1229/71847). Codes not listed are rejected naming the code; a
#: mapping's ``[dispositions]`` translates them (or overrides these).
END_STATUS: dict[int, tuple[str, str]] = {
    1: ("ok", "answered"),  # 正常通话 (in & out)
    100: ("blackList", "rejected"),  # 黑名单 (system side, inbound): the centre refused the call
    102: ("ivrGiveUp", "abandoned"),  # IVR期间用户放弃: the caller hung up in the IVR
    103: ("waitingGiveUp", "abandoned"),  # 排队时用户放弃: hung up while queued
    104: ("ringingGiveUp", "abandoned"),  # 振铃时用户放弃: hung up while an agent's phone rang
    105: ("noSeatOnline", "no_answer"),  # 无座席在线: nobody there to answer
    106: ("notWorkTime", "no_answer"),  # 非工作时间: outside working hours
    107: ("ivrEnd", "answered"),  # IVR全自动结束: answered by the IVR, no agent (as Asterisk's IVR legs)
    108: ("restrictedCallee", "failed"),  # 全局外呼风险号码拦截: blocked before dialling
    109: ("tooManyRequest", "failed"),  # 外呼频控拦截
    110: ("restrictedArea", "failed"),  # 外呼地域拦截
    111: ("restrictedTime", "failed"),  # 外呼时段拦截
    202: ("notAnswer", "no_answer"),  # 被叫未接听
    203: ("userReject", "rejected"),  # 被叫拒接挂断
    204: ("powerOff", "failed"),  # 被叫关机 (as FreeSWITCH SUBSCRIBER_ABSENT)
    205: ("numberNotExist", "failed"),  # 被叫空号 (UNALLOCATED_NUMBER)
    206: ("busy", "busy"),  # 被叫忙
    207: ("outOfCredit", "failed"),  # 被叫欠费
    208: ("operatorError", "failed"),  # 运营商线路异常
    209: ("callerCancel", "no_answer"),  # 主叫取消 (ORIGINATOR_CANCEL)
    210: ("notInService", "failed"),  # 被叫不在服务区
    211: ("clientError", "failed"),  # 座席客户端错误
    212: ("carrierBlocked", "failed"),  # 运营商拦截
    213: ("callReminder", "failed"),  # 提示来电提醒: the carrier's "will tell them you called"
    215: ("numberInvalid", "failed"),  # 被叫号码无效
    216: ("callRestricted", "failed"),  # 提示呼叫受限
    217: ("calleeRestricted", "failed"),  # 被叫黑名单受限
    218: ("areaRestricted", "failed"),  # 被叫区域受限
    219: ("promptCallForwarding", "failed"),  # 提示呼叫转移
    220: ("callerCancelWhileRing", "no_answer"),  # 振铃中主叫取消
    221: ("callerCancelWithoutRing", "failed"),  # 未振铃被叫号码异常
    222: ("voiceMailReached", "no_answer"),  # 语音信箱挂断: nobody answered in person
    501: ("callConflict", "failed"),  # VoIP用户呼叫冲突终止
    502: ("clientTimeout", "failed"),  # VoIP用户客户端超时
    503: ("voipClientError", "failed"),  # VoIP用户客户端错误
}
_BY_CODE = {str(code): disp for code, (_name, disp) in END_STATUS.items()}
_BY_NAME = {name.upper(): disp for _code, (name, disp) in END_STATUS.items()}

#: HungUpSide (挂机方: seat 座席, user 用户, system 系统) → canonical hangup_by.
HUNG_UP_SIDE = {"seat": "agent", "user": "customer", "system": "system"}

#: CallType (通话类型): 1 呼出, 2 呼入, 3 音频呼入, 5 预测式外呼, 6 内线呼叫.
INTERNAL_CALL = 6
VOIP_CALL = 3

#: Fields read (lower case, SeatUser flattened); a JSON file always gets these columns.
FIELDS: tuple[str, ...] = (
    "sessionid",
    "direction",
    "calltype",
    "time",
    "starttimestamp",
    "ringtimestamp",
    "accepttimestamp",
    "endedtimestamp",
    "duration",
    "endstatus",
    "endstatusstring",
    "caller",
    "callee",
    "protectedcaller",
    "protectedcallee",
    "callerlocation",
    "recordurl",
    "customrecordurl",
    "skillgroup",
    "skillgroupid",
    "hungupside",
    "serveparticipants",
    "aiagentid",
    "uui",
    "remark",
    "seatuser.staffnumber",
    "seatuser.userid",
    "seatuser.mail",
    "seatuser.name",
)
SEAT_FIELDS = ("staffnumber", "userid", "mail", "name", "nick", "phone", "extensionnumber")
#: Columns made by :meth:`TencentCcc.convert` from the fields (named by the preset).
DERIVED = ("agent", "team", "recorded", "robot")
API_ERROR = "an API error response, not call records: "
WHAT = "Tencent Cloud Contact Center (腾讯云联络中心 DescribeTelCdr TelCdrInfo)"
TEAM_CHARS = 64


# --------------------------------------------------------------------------------------------
# JSON input, flattened into the columns of a CSV export
# --------------------------------------------------------------------------------------------


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def flatten(record: dict[str, Any]) -> dict[str, str | None]:
    """One TelCdrInfo as CSV columns: lower-case names, objects one column per field
    (``seatuser.staffnumber``), lists as JSON text.

    >>> flatten({"SessionId": "s1", "SeatUser": {"StaffNumber": 8001}, "ServeParticipants": []})
    {'sessionid': 's1', 'seatuser.staffnumber': '8001', 'serveparticipants': '[]'}
    """
    out: dict[str, str | None] = {}
    for name, value in record.items():
        key = str(name).strip().lower()
        if isinstance(value, dict):
            for sub, inner in value.items():
                out[f"{key}.{str(sub).strip().lower()}"] = _scalar(inner)
        else:
            out[key] = _scalar(value)
    return out


def records_of(value: Any) -> tuple[list[Any], str | None]:
    """The TelCdrInfo records in a JSON value, and an error text when it is an API error response.

    ``{"Response": {...}}``, ``{"TelCdrList": [...]}`` (or ``TelCdrs``), a list, or one record.
    """
    if isinstance(value, list):
        return value, None
    if isinstance(value, dict):
        keys = {str(k).lower(): k for k in value}
        if "response" in keys and isinstance(value[keys["response"]], dict):
            return records_of(value[keys["response"]])
        if "error" in keys and isinstance(value[keys["error"]], dict):
            err = value[keys["error"]]
            return [], f"{err.get('Code', '')}: {err.get('Message', '')}".strip(": ")
        for name in ("telcdrlist", "telcdrs"):
            if name in keys and isinstance(value[keys[name]], list):
                return value[keys[name]], None
        return [value], None
    return [value], None


class JsonSource:
    """A JSON document or JSON Lines file of TelCdrInfo records, read like a CSV with a header.

    ``header`` is :data:`FIELDS` then any other field of the first records; ``sample`` and
    ``chunks`` give each record's values in that order. A JSON document is loaded whole (the API
    returns at most 100 records a page); JSON Lines are read ``chunk_rows`` lines at a time.
    """

    kind = "json"
    header_line = 0
    has_header = True  # its records name their fields

    def __init__(self, path: Path, encoding: str | None) -> None:
        self.path = path
        self.size = path.stat().st_size
        self.bytes_done = 0
        self.encoding = encoding or "utf-8"
        self.codec = "utf-8" if self.encoding.lower() in ("utf-8-sig", "utf8") else self.encoding
        try:
            codecs.lookup(self.codec)
        except LookupError:
            raise IngestError(f"不认识的编码:{self.encoding}", f"Unknown encoding: {self.encoding}") from None
        self.records: list[tuple[int, Any]] | None = None  # a JSON document: (position, record)
        self.seen: list[str] = []
        first = self._first_value()
        if first is None or self._one_line():
            self.lines = False
            self.records = self._document()
        else:
            self.lines = True
        self.header: list[str] | None = self._header()

    def _decode(self, data: bytes) -> str:
        return data.decode(self.codec, errors="replace").lstrip("\ufeff")

    def _first_value(self) -> Any:
        """The first non-blank line's JSON value when that line is a whole JSON value (JSON Lines,
        or a document on one line), else None."""
        with open(self.path, "rb") as fh:
            for raw in fh:
                line = self._decode(raw).strip()
                if not line:
                    continue
                try:
                    return json.loads(line)
                except ValueError:
                    return None
        return None

    def _one_line(self) -> bool:
        """Whether the file has a single non-blank line (a document on one line, not JSON Lines)."""
        with open(self.path, "rb") as fh:
            return sum(1 for raw in itertools.islice((r for r in fh if r.strip()), 2)) < 2

    def _document(self) -> list[tuple[int, Any]]:
        data = self._decode(self.path.read_bytes())
        try:
            value = json.loads(data)
        except ValueError as exc:
            raise IngestError(
                f"{self.path.name} 不是有效的 JSON:{exc}。未写入任何数据。",
                f"{self.path.name} is not valid JSON: {exc}. Nothing was written.",
            ) from None
        records, error = records_of(value)
        if error is not None:
            self._api_error(error)
        return list(enumerate(records, start=1))

    def _api_error(self, error: str) -> None:
        raise IngestError(
            f"{self.path.name} 是一次失败的 API 调用的返回(Error {error}),其中没有话单。未写入任何数据。",
            f"{self.path.name} is the answer of a failed API call (Error {error}); it holds no "
            "call records. Nothing was written.",
        )

    def _records(self) -> Iterator[tuple[int, Any, str | None]]:
        """``(line, record, reason)`` for every record; ``reason`` when the line is not a record."""
        if self.records is not None:
            for position, record in self.records:
                yield position, record, None if isinstance(record, dict) else "not a JSON object"
            return
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                yield from self._line_records(number, raw)

    def _line_records(self, number: int, raw: bytes) -> Iterator[tuple[int, Any, str | None]]:
        line = self._decode(raw).strip()
        if not line:
            return
        try:
            value = json.loads(line)
        except ValueError as exc:
            yield number, line, f"not valid JSON: {exc}"
            return
        records, error = records_of(value)
        if error is not None:
            yield number, line, f"{API_ERROR}{error}"
        for record in records:
            yield number, record, None if isinstance(record, dict) else "not a JSON object"

    def _header(self) -> list[str] | None:
        found: dict[str, None] = {}
        any_record = False
        error = None
        for _line, record, reason in itertools.islice(self._records(), 200):
            if reason is None:
                any_record = True
                found.update(dict.fromkeys(flatten(record)))
            elif reason.startswith(API_ERROR):
                error = error or reason.removeprefix(API_ERROR)
        if error is not None and not any_record:
            self._api_error(error)
        self.seen = list(found)  # the fields the records really have (for the format check)
        if not any_record and not self._any():
            return None
        return list({**dict.fromkeys(FIELDS), **found})

    def _any(self) -> bool:
        return next(iter(self._records()), None) is not None

    @property
    def empty(self) -> bool:
        return self.header is None

    def close(self) -> None:
        return None

    def _row(self, record: dict[str, Any]) -> list[str | None]:
        flat = flatten(record)
        assert self.header is not None
        return [flat.get(h) for h in self.header]

    def sample(self, n: int = 50) -> list[tuple[int, list[str]]]:
        out = []
        for line, record, reason in self._records():
            if reason is None:
                out.append((line, [v or "" for v in self._row(record)]))
                if len(out) >= n:
                    break
        return out

    def _batch(self, items: list[tuple[int, Any, str | None]], names: list[str]) -> Batch:
        columns: list[list[str | None]] = [[] for _ in names]
        lines: list[int] = []
        bad: list[tuple[int, str, str]] = []
        for line, record, reason in items:
            if reason is not None:
                shown = record if isinstance(record, str) else _scalar(record) or ""
                bad.append((line, reason, shown))
                continue
            lines.append(line)
            for col, value in zip(columns, self._row(record), strict=True):
                col.append(value)
        frame = pl.DataFrame(bad, schema=empty_bad().schema, orient="row") if bad else empty_bad()
        return Batch(_rows_frame(names, columns, lines), frame)

    def chunks(self, names: list[str], chunk_rows: int) -> Iterator[Callable[[], Batch]]:
        """Chunks of about ``chunk_rows`` records (document) or lines (JSON Lines), parsed when called."""
        if self.records is not None:
            items = [(p, r, None if isinstance(r, dict) else "not a JSON object") for p, r in self.records]
            for at in range(0, len(items), chunk_rows):
                part = items[at : at + chunk_rows]
                self.bytes_done = int(self.size * min(1.0, (at + len(part)) / max(1, len(items))))
                yield functools.partial(self._batch, part, names)
            return
        with open(self.path, "rb") as fh:
            number = 1
            while True:
                lines = list(itertools.islice(fh, chunk_rows))
                if not lines:
                    break
                self.bytes_done = fh.tell()
                yield functools.partial(self._parse_lines, lines, number, names)
                number += len(lines)

    def _parse_lines(self, lines: list[bytes], first: int, names: list[str]) -> Batch:
        items = [item for k, raw in enumerate(lines) for item in self._line_records(first + k, raw)]
        return self._batch(items, names)

    def batches(self, names: list[str], chunk_rows: int) -> Iterator[Batch]:
        for job in self.chunks(names, chunk_rows):
            yield job()


def looks_like_json(path: Path) -> bool:
    """Whether a file's first non-blank character opens a JSON object or list."""
    with open(path, "rb") as fh:
        head = fh.read(4096).lstrip(codecs.BOM_UTF8).lstrip()
    return head[:1] in (b"{", b"[")


# --------------------------------------------------------------------------------------------
# Nested fields: SeatUser and ServeParticipants
# --------------------------------------------------------------------------------------------


def _parse_nested(value: str | None) -> tuple[Any, bool]:
    """A JSON (or Python-literal) cell: ``(value, ok)``; empty is ``(None, True)``."""
    if value is None or not value.strip():
        return None, True
    try:
        return json.loads(value), True
    except ValueError:
        pass
    try:  # pandas writes dicts and lists as Python literals ({'UserId': 'a'})
        return ast.literal_eval(value), True
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None, False


def _expand_seat_user(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """A ``seatuser`` column holding the object becomes ``seatuser.*`` columns (dotted columns
    already there win); returns the frame and where the cell could not be read."""
    bad = pl.Series("bad", [False] * rows.height)
    if "seatuser" not in rows.columns:
        return rows, bad
    values: dict[str, list[str | None]] = {f: [] for f in SEAT_FIELDS}
    flags = []
    for cell in rows["seatuser"].to_list():
        parsed, ok = _parse_nested(cell)
        ok = ok and (parsed is None or isinstance(parsed, dict))
        flags.append(not ok)
        low = {str(k).lower(): v for k, v in parsed.items()} if isinstance(parsed, dict) else {}
        for f in SEAT_FIELDS:
            values[f].append(_scalar(low.get(f)))
    exprs = []
    for f in SEAT_FIELDS:
        new = pl.Series(f"seatuser.{f}", values[f], dtype=pl.String).str.strip_chars().replace("", None)
        name = f"seatuser.{f}"
        exprs.append(
            pl.coalesce(pl.col(name), pl.lit(new)) if name in rows.columns else pl.lit(new).alias(name)
        )
    return rows.with_columns(exprs), pl.Series("bad", flags)


def _seat_id(staff: str | None, user: str | None, mail: str | None) -> str | None:
    return staff or user or mail


def _first_accepted(cell: str | None) -> tuple[dict[str, Any] | None, bool]:
    """The first ServeParticipant who accepted (earliest AcceptTimestamp, then Sequence), and
    whether the cell could be read."""
    parsed, ok = _parse_nested(cell)
    if not ok or (parsed is not None and not isinstance(parsed, list)):
        return None, False
    best: tuple[int, int] | None = None
    chosen = None
    for item in parsed or []:
        if not isinstance(item, dict):
            return None, False
        low = {str(k).lower(): v for k, v in item.items()}
        try:
            accept = int(low.get("accepttimestamp") or 0)
            seq = int(low.get("sequence") or 0)
        except (TypeError, ValueError):
            return None, False
        if accept > 0 and (best is None or (accept, seq) < best):
            best, chosen = (accept, seq), low
    return chosen, True


def _people(rows: pl.DataFrame) -> dict[str, pl.Series]:
    """``agent``, ``team``, the first accepting participant's answer time, and unreadable cells."""
    staff = text(rows, "seatuser.staffnumber").to_list()
    user = text(rows, "seatuser.userid").to_list()
    mail = text(rows, "seatuser.mail").to_list()
    group = text(rows, "skillgroup").to_list()
    group_id = text(rows, "skillgroupid").to_list()
    cells = text(rows, "serveparticipants").to_list()
    agents: list[str | None] = []
    teams: list[str | None] = []
    accepts: list[str | None] = []
    bad: list[bool] = []
    for i, cell in enumerate(cells):
        seat = _seat_id(staff[i], user[i], mail[i])
        first, ok = _first_accepted(cell)
        bad.append(not ok)
        agent, team, accept = seat, group[i] or group_id[i], None
        if first is not None:
            p_mail = _scalar(first.get("mail"))
            p_mail = p_mail.strip() if p_mail else None
            same = p_mail is not None and p_mail.lower() in {
                (x or "").strip().lower() for x in (mail[i], user[i])
            }
            agent = seat if same or not p_mail else p_mail
            p_group = _scalar(first.get("skillgroupname")) or _scalar(first.get("skillgroupid"))
            team = (p_group or "").strip() or team
            accept = _scalar(first.get("accepttimestamp"))
        agents.append(agent)
        teams.append(team[:TEAM_CHARS] if team else None)
        accepts.append(accept)
    return {
        "agent": pl.Series("agent", agents, dtype=pl.String),
        "team": pl.Series("team", teams, dtype=pl.String),
        "_p_accept": pl.Series("_p_accept", accepts, dtype=pl.String),
        "_bad_participants": pl.Series("_bad_participants", bad, dtype=pl.Boolean),
    }


def _epoch_text(rows: pl.DataFrame, name: str) -> pl.Series:
    """A time field's text; ``0`` (the API's "never") is none."""
    s = time_text(rows, name)
    return s.set((s == "0").fill_null(False), None)


# --------------------------------------------------------------------------------------------
# The format
# --------------------------------------------------------------------------------------------


class TencentCcc(CallFormat):
    """``DescribeTelCdr`` records (JSON, JSON Lines, or CSV/Excel with the same field names)."""

    name = "tencent-ccc"
    has_header = True
    multiline = True

    def open_source(
        self, path: Path, mapping: Mapping
    ) -> TextSource | ExcelSource | ParquetSource | JsonSource:
        """JSON when the file starts with ``{`` or ``[`` (whatever its name), else CSV/Excel/Parquet."""
        if path.suffix.lower() not in (".xlsx", ".xlsm", ".parquet", ".pq", ".xls") and looks_like_json(path):
            return JsonSource(path, mapping.encoding)
        return open_source(path, has_header=True, multiline=True, encoding=mapping.encoding)

    def layout(self, source: Any, mapping: Mapping) -> Layout:
        assert source.header is not None
        names = header_names(source.header, mapping)
        fields = source.seen if isinstance(source, JsonSource) else list(source.header)
        have = set(header_names(fields, mapping))
        if "seatuser" in have:
            have |= {f"seatuser.{f}" for f in SEAT_FIELDS}
        needs = (
            ("SessionId", ("sessionid",)),
            ("Direction", ("direction",)),
            ("Time (or StartTimestamp)", ("time", "starttimestamp")),
            ("EndStatus (or EndStatusString)", ("endstatus", "endstatusstring")),
        )
        missing = [label for label, options in needs if not any(o in have for o in options)]
        if missing:
            shown = shown_columns(fields)
            raise IngestError(
                f"{source.path.name} 不是腾讯云联络中心话单(DescribeTelCdr 的 TelCdrInfo):缺少字段 "
                f"{', '.join(missing)}(文件的字段:{shown})。JSON 应为 API 的返回(Response.TelCdrList)、"
                "TelCdrInfo 列表或每行一条的 JSON Lines;CSV 应有同名表头。若列名不同,请在映射文件的 [rename] "
                "中对应。未写入任何数据。",
                f"{source.path.name} is not {WHAT} records: it lacks the field(s) {', '.join(missing)} "
                f"(its fields: {shown}). JSON should be the API's answer (Response.TelCdrList), a list of "
                "TelCdrInfo, or JSON Lines of them; CSV should have these names in its header. If yours are "
                "named differently, map them in [rename]. Nothing was written.",
            )
        time_name = "time" if "time" in names else "starttimestamp"
        at = names.index(time_name)
        at_id = names.index("sessionid")

        def fits(f: list[str]) -> bool:
            return len(f) > max(at, at_id) and bool(f[at_id].strip()) and _is_epoch_or_time(f[at])

        _sniff_rows(
            source,
            fits,
            WHAT,
            "SessionId set and Time a Unix timestamp (seconds)",
            ((time_name, at),),
        )
        used = mapping.source_columns() - set(DERIVED)
        absent = tuple(sorted(c for c in used if c not in have))
        variant = "json" if isinstance(source, JsonSource) else "csv"
        if isinstance(source, JsonSource) and source.lines:
            variant = "jsonl"
        return Layout(names, variant, absent)

    def convert(self, rows: pl.DataFrame, layout: Layout, mapping: Mapping, key: bytes) -> Converted:
        source = clean(rows, layout.names)
        rows, bad_seat = _expand_seat_user(source)
        rows = clean(rows, [c for c in rows.columns if c.startswith("seatuser.")])
        people = _people(rows)
        call_type = to_int(text(rows, "calltype"))
        # Customer numbers: masked ones (138****5678) and protected ones (号码保护: the clear field
        # empty, ProtectedCaller/Callee set) give no customer id, and are not "missing".
        withheld = {}
        for side in ("caller", "callee"):
            clear = text(rows, side)
            masked = clear.str.contains("*", literal=True).fill_null(False)
            protected = clear.is_null() & text(rows, f"protected{side}").is_not_null()
            withheld[side] = masked | protected
            rows = rows.with_columns(clear.set(masked, None).alias(side))
        voip = (call_type == VOIP_CALL).fill_null(False)
        caller = text(rows, "caller")
        voip_name = voip & caller.is_not_null() & ~caller.str.contains(r"^[+\d\s()\-.]+$").fill_null(False)
        withheld["caller"] = withheld["caller"] | voip_name
        rows = rows.with_columns(caller.set(voip_name, None).alias("caller"))
        present = set(layout.names)
        record_cols = [c for c in ("recordurl", "customrecordurl") if c in present]
        recorded = (
            pl.select(
                pl.any_horizontal([pl.lit(text(rows, c)).is_not_null() for c in record_cols])
            ).to_series()
            if record_cols
            else None
        )
        robot_id = text(rows, "aiagentid")
        robot = robot_id.is_not_null() & (robot_id != "0").fill_null(False)
        rows = rows.with_columns(
            people["agent"],
            people["team"],
            _flag(recorded).alias("recorded"),
            _flag(robot).alias("robot"),
            text(rows, "hungupside").str.to_lowercase().alias("hungupside"),
        )
        m = self.mapped(rows, mapping, key)
        hangup = m["hangup_by"]
        m["hangup_by"] = hangup.set(~hangup.is_in(list(HUNG_UP_SIDE.values())).fill_null(True), None)

        tz = mapping.timezone
        start_name = "time" if text(rows, "time").is_not_null().any() else "starttimestamp"
        start_raw = pl.select(
            pl.coalesce(_epoch_text(rows, "time"), _epoch_text(rows, "starttimestamp"))
        ).to_series()
        accept_raw = pl.select(
            pl.coalesce(_epoch_text(rows, "accepttimestamp"), people["_p_accept"].replace("0", None))
        ).to_series()
        ended_raw = _epoch_text(rows, "endedtimestamp")
        ring_raw = _epoch_text(rows, "ringtimestamp")
        start, accept, ended, ring = (
            to_datetime(s, tz) for s in (start_raw, accept_raw, ended_raw, ring_raw)
        )
        duration_raw = text(rows, "duration")
        duration = to_int(duration_raw)
        talk = duration.fill_null(0)
        end = pl.select(
            pl.coalesce(pl.lit(ended), pl.lit(start) + pl.duration(seconds=safe_seconds(pl.lit(talk))))
        ).to_series()

        code = text(rows, "endstatus")
        name = text(rows, "endstatusstring")
        disposition = pl.select(
            pl.coalesce(
                pl.lit(translate(code, mapping.dispositions)),
                pl.lit(translate(name, mapping.dispositions)),
                pl.lit(translate(code, _BY_CODE)),
                pl.lit(translate(name, _BY_NAME)),
            )
        ).to_series()
        answered = (disposition == "answered").fill_null(False)
        since = pl.select(pl.coalesce(pl.lit(accept), pl.lit(start))).to_series()
        span = (end - since).dt.total_seconds()
        session = text(rows, "sessionid")
        call_id = (mapping.call_id_prefix + session) if mapping.call_id_prefix else session

        checks: list[tuple[pl.Series, pl.Expr | str]] = [
            (session.is_null(), "missing SessionId"),
            (
                (call_type == INTERNAL_CALL).fill_null(False),
                "internal call between agents (CallType 6), not a customer call",
            ),
            (start_raw.is_null(), "missing Time"),
            (bad_value(start_raw, start), pl.format(f"bad {_label(start_name)} '{{}}'", pl.lit(start_raw))),
            (bad_value(accept_raw, accept), pl.format("bad AcceptTimestamp '{}'", pl.lit(accept_raw))),
            (bad_value(ended_raw, ended), pl.format("bad EndedTimestamp '{}'", pl.lit(ended_raw))),
            (bad_value(ring_raw, ring), pl.format("bad RingTimestamp '{}'", pl.lit(ring_raw))),
            (
                bad_value(duration_raw, duration),
                pl.format("Duration is not a whole number: '{}'", pl.lit(duration_raw)),
            ),
            int_check(duration_raw, "Duration"),
            ((duration < 0).fill_null(False), "negative Duration"),
            year_check(start, start_raw, _label(start_name)),
            year_check(accept, accept_raw, "AcceptTimestamp"),
            year_check(ended, ended_raw, "EndedTimestamp"),
            ((end < start).fill_null(False), "EndedTimestamp before Time"),
            (
                (accept.is_not_null() & ((accept < start) | (accept > end))).fill_null(False),
                "AcceptTimestamp outside the call",
            ),
            (answered & (talk > span + 1).fill_null(False), "Duration longer than the call"),
            (bad_seat, "SeatUser is not a JSON object"),
            (people["_bad_participants"], "ServeParticipants is not a JSON list of participants"),
            (
                disposition.is_null(),
                pl.format(
                    "unknown EndStatus {} '{}' (add it to [dispositions] in the mapping)",
                    pl.lit(code).fill_null("''"),
                    pl.lit(name).fill_null(""),
                ),
            ),
        ]
        # Outbound calls need a customer number, unless it was masked or protected.
        shown = dict(m)
        kept = ((m["direction"] == "in").fill_null(False) & withheld["caller"]) | (
            (m["direction"] == "out").fill_null(False) & withheld["callee"]
        )
        shown["callee_id"] = m["callee_id"].set(kept & m["callee_id"].is_null(), "withheld")
        checks += self.common_checks(rows, shown, mapping)
        checks += id_checks(call_id, "call_id")
        reason = first_reason(rows.height, checks)
        calls = pl.DataFrame(
            {
                "call_id": call_id,
                "direction": m["direction"],
                "started_at": start,
                "answered_at": accept,
                "ended_at": end,
                "_talk": pl.select(pl.when(pl.lit(answered)).then(pl.lit(talk)).otherwise(0)).to_series(),
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
                "_team": text(rows, "team"),
                "_line": rows["_line"],
            }
        )
        ok, rejects = split_rejects(source, reason, calls, layout.names)
        agents = (
            ok.filter(pl.col("agent_id").is_not_null())
            .sort(pl.col("_team").is_null(), maintain_order=True)  # a row naming the team first
            .unique(subset=["agent_id"], keep="first", maintain_order=True)
            .select(
                pl.col("agent_id"),
                pl.col("_team").alias("team"),
                pl.lit(None, dtype=pl.String).alias("site_id"),
                pl.lit(None, dtype=pl.String).alias("employment"),
                pl.lit(None, dtype=pl.Date).alias("hired_on"),
                pl.lit(None, dtype=pl.Date).alias("left_on"),
            )
        )
        extra = {"agents": agents} if agents.height else {}
        return Converted(ok.drop("_team"), rejects, extra)


def _flag(values: pl.Series | None) -> pl.Expr:
    """A boolean column as the text ``true``/``false`` the mapping's flag rule reads (none: empty)."""
    if values is None:
        return pl.lit(None, dtype=pl.String)
    return pl.when(pl.lit(values)).then(pl.lit("true")).otherwise(pl.lit("false"))


def _label(name: str) -> str:
    return {"time": "Time", "starttimestamp": "StartTimestamp"}.get(name, name)


def _is_epoch_or_time(value: str) -> bool:
    value = value.strip()
    if not value or value == "0":
        return False
    return bool(to_datetime(pl.Series([value], dtype=pl.String)).is_not_null().item())


__all__ = ["END_STATUS", "JsonSource", "TencentCcc", "flatten", "records_of"]
