"""Sample exports in every input format, written by the tests, with their expected results.

Every phone number here is fictitious and cannot be dialled: customers are ``+86 100 0000 0xxx``
(mobile numbers starting 100 are not allocated in China) or the Beijing landline form
``010-0000-0xxx`` (local numbers never start with 0); company numbers are ``9500000x``; the one
foreign number is ``+1 202 555 0142`` (555-0100…0199 is reserved for fiction). They are written
in the many ways real exports write them (``+86``, ``0086``, spaces, dashes, leading 0) to
exercise normalisation.

The Asterisk day (2024-05-06), worked by hand (see ``test_asterisk.py`` for the metrics):

==  =====================================================================  =====================
A   out, agent 8001, customer c1, answered after 10 s, billsec 60           answered, talk 60
B   in, c3 rings 8001 (no answer) and 8002 (answers after 12 s, 180 s)       2 legs → 1 call
C   in, c4 queued, hangs up after 46 s (PBX answered, no agent)              abandoned
D   out, 8001 → c5, 20 s, transferred to 8003 for 40 s (same linkedid)       2 legs → talk 60
E   out, 8002 → c6, no answer after 30 s                                      no_answer
F   out, 8002 → c7, busy                                                      busy
G   out, 8001 → c1 again (written +8610000000001), 3 s                        answered, short
H   out, 8003 → c8, campaign C02, clid "张三" <95000002>, 40 s                answered
I   line A again                                                              duplicate
K   start time 2024-13-45                                                     rejected
L   dcontext weird-ctx                                                        rejected
J   last line cut off mid-field                                               rejected
==  =====================================================================  =====================
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

CUSTOMERS = {
    "c1": "+86 100 0000 0001",
    "c3": "010-0000-0003",
    "c4": "010-0000-0004",
    "c5": "+86 100 0000 0005",
    "c6": "+86 100 0000 0006",
    "c7": "+86 100 0000 0007",
    "c8": "+86 100 0000 0008",
}

MASTER_COLUMNS = (
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
    "uniqueid",
    "userfield",
    "peeraccount",
    "linkedid",
    "sequence",
)
_INTS = {"duration", "billsec", "sequence"}


def asterisk_line(values: dict[str, object]) -> str:
    """One Master.csv record the way cdr_csv writes it: strings quoted (quotes doubled), numbers bare."""
    out = []
    for name in MASTER_COLUMNS:
        value = values.get(name, "")
        if name in _INTS:
            out.append(str(value))
        else:
            out.append('"' + str(value).replace('"', '""') + '"')
    return ",".join(out)


def _out(
    uid: str,
    agent: str,
    dst: str,
    start: str,
    answer: str,
    end: str,
    dur: int,
    bill: int,
    disp: str,
    **kw: object,
) -> dict[str, object]:
    row: dict[str, object] = {
        "accountcode": kw.get("accountcode", "C01"),
        "src": agent,
        "dst": dst,
        "dcontext": kw.get("dcontext", "from-internal"),
        "clid": kw.get("clid", f'"Agent {agent}" <95000001>'),
        "channel": f"SIP/{agent}-0000{uid[-4:]}",
        "dstchannel": f"SIP/trunk-0000{uid[-4:]}",
        "lastapp": "Dial",
        "lastdata": kw.get("lastdata", "SIP/trunk/" + dst.replace(" ", "") + ",60"),
        "start": start,
        "answer": answer,
        "end": end,
        "duration": dur,
        "billsec": bill,
        "disposition": disp,
        "amaflags": "DOCUMENTATION",
        "uniqueid": uid,
        "linkedid": kw.get("linkedid", uid),
        "sequence": kw.get("sequence", 1),
    }
    return row


def _in(
    uid: str,
    src: str,
    dstchannel: str,
    start: str,
    answer: str,
    end: str,
    dur: int,
    bill: int,
    disp: str,
    **kw: object,
) -> dict[str, object]:
    return {
        "accountcode": "",
        "src": src,
        "dst": "95000001",
        "dcontext": kw.get("dcontext", "from-trunk"),
        "clid": f'"" <{src}>',
        "channel": "SIP/trunk-0000" + uid[-4:],
        "dstchannel": dstchannel,
        "lastapp": kw.get("lastapp", "Dial"),
        "lastdata": kw.get("lastdata", "SIP/8001&SIP/8002,30"),
        "start": start,
        "answer": answer,
        "end": end,
        "duration": dur,
        "billsec": bill,
        "disposition": disp,
        "amaflags": "DOCUMENTATION",
        "uniqueid": uid,
        "linkedid": kw.get("linkedid", uid),
        "sequence": kw.get("sequence", 1),
    }


D = "2024-05-06 "
ROW_A = _out(
    "1714957200.0001",
    "8001",
    "10000000001",
    D + "09:00:00",
    D + "09:00:10",
    D + "09:01:10",
    70,
    60,
    "ANSWERED",
)
ASTERISK_ROWS: list[dict[str, object]] = [
    ROW_A,
    _in(
        "1714960800.0003",
        "01000000003",
        "SIP/8001-00000004",
        D + "10:00:00",
        "",
        D + "10:00:15",
        15,
        0,
        "NO ANSWER",
    ),
    _in(
        "1714960800.0003",
        "01000000003",
        "SIP/8002-00000005",
        D + "10:00:00",
        D + "10:00:12",
        D + "10:03:12",
        192,
        180,
        "ANSWERED",
        sequence=2,
    ),
    _in(
        "1714964400.0006",
        "010 0000 0004",
        "",
        D + "11:00:00",
        D + "11:00:01",
        D + "11:00:46",
        46,
        45,
        "ANSWERED",
        dcontext="ext-queues",
        lastapp="Queue",
        lastdata="support,t",
    ),
    _out(
        "1714968000.0007",
        "8001",
        "0086 100 0000 0005",
        D + "12:00:00",
        D + "12:00:08",
        D + "12:00:28",
        28,
        20,
        "ANSWERED",
    ),
    _out(
        "1714968028.0009",
        "8003",
        "0086 100 0000 0005",
        D + "12:00:28",
        D + "12:00:28",
        D + "12:01:08",
        40,
        40,
        "ANSWERED",
        linkedid="1714968000.0007",
        sequence=2,
    ),
    _out(
        "1714971600.0010", "8002", "+86 100 0000 0006", D + "13:00:00", "", D + "13:00:30", 30, 0, "NO ANSWER"
    ),
    _out("1714971900.0012", "8002", "10000000007", D + "13:05:00", "", D + "13:05:03", 3, 0, "BUSY"),
    _out(
        "1714975200.0014",
        "8001",
        "+8610000000001",
        D + "14:00:00",
        D + "14:00:05",
        D + "14:00:08",
        8,
        3,
        "ANSWERED",
    ),
    _out(
        "1714978800.0016",
        "8003",
        "100-0000-0008",
        D + "15:00:00",
        D + "15:00:06",
        D + "15:00:46",
        46,
        40,
        "ANSWERED",
        accountcode="C02",
        clid='"张三" <95000002>',
        lastdata="SIP/trunk/10000000008,60,tT",
    ),
    ROW_A,  # I: the same record twice
    _out(
        "1714982400.0018",
        "8001",
        "10000000009",
        "2024-13-45 99:00:00",
        "",
        D + "16:00:30",
        30,
        0,
        "NO ANSWER",
    ),
    _out(
        "1714986000.0019",
        "8001",
        "10000000009",
        D + "17:00:00",
        "",
        D + "17:00:30",
        30,
        0,
        "NO ANSWER",
        dcontext="weird-ctx",
    ),
]
TRUNCATED = '"C01","8001","10000000009","from-internal","Agent <95000001>","SIP/8001-0000'

#: Counts of the Asterisk day: 14 records (13 whole + the cut one).
ASTERISK_COUNTS = {"read": 14, "inserted": 8, "merged": 2, "duplicates": 1, "rejected": 3}


def write_master(path: Path, *, encoding: str = "utf-8", newline: str = "\n", truncated: bool = True) -> Path:
    """The Asterisk day as Master.csv (no header), in ``encoding`` with ``newline`` line ends."""
    lines = [asterisk_line(r) for r in ASTERISK_ROWS]
    text = newline.join(lines) + newline
    if truncated:
        text += TRUNCATED  # no line end: the file was cut while being copied
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------------------------
# FreeSWITCH (2024-05-07)
# --------------------------------------------------------------------------------------------

FS_COLUMNS = (
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
F = "2024-05-07 "


def _fs(name, num, dst, ctx, start, answer, end, dur, bill, cause, n, bleg=""):  # type: ignore[no-untyped-def]
    return [
        name,
        num,
        dst,
        ctx,
        start,
        answer,
        end,
        str(dur),
        str(bill),
        cause,
        f"a1b2c3d4-0000-4000-8000-{n:012d}",
        bleg,
        "C03",
        "PCMA",
        "PCMA",
    ]


FS_ROWS = [
    _fs(
        "Agent 1001",
        "1001",
        "10000000011",
        "default",
        F + "09:00:00",
        F + "09:00:07",
        F + "09:01:07",
        67,
        60,
        "NORMAL_CLEARING",
        1,
        "b1",
    ),
    _fs(
        "Agent 1001",
        "1001",
        "+86 100 0000 0012",
        "default",
        F + "09:10:00",
        "",
        F + "09:10:25",
        25,
        0,
        "NO_ANSWER",
        2,
    ),
    _fs(
        "Agent 1002",
        "1002",
        "10000000013",
        "default",
        F + "09:20:00",
        "",
        F + "09:20:02",
        2,
        0,
        "USER_BUSY",
        3,
    ),
    _fs(
        "王五",
        "010-0000-0014",
        "95000003",
        "public",
        F + "10:00:00",
        F + "10:00:15",
        F + "10:05:15",
        315,
        300,
        "NORMAL_CLEARING",
        4,
    ),
    _fs(
        "",
        "01000000015",
        "95000003",
        "public",
        F + "10:30:00",
        "",
        F + "10:30:40",
        40,
        0,
        "ORIGINATOR_CANCEL",
        5,
    ),
    _fs(
        "Agent 1002",
        "1002",
        "10000000016",
        "default",
        F + "11:00:00",
        F + "11:00:04",
        F + "11:00:24",
        24,
        20,
        "NORMAL_CLEARING",
        6,
    ),
    _fs(
        "Agent 1002",
        "1002",
        "10000000017",
        "default",
        F + "11:10:00",
        "",
        F + "11:10:05",
        5,
        0,
        "WEIRD_CAUSE",
        7,
    ),
    _fs("Agent 1002", "1002", "10000000018", "lab", F + "11:20:00", "", F + "11:20:05", 5, 0, "NO_ANSWER", 8),
]
FS_COUNTS = {"read": 8, "inserted": 6, "merged": 0, "duplicates": 0, "rejected": 2}


def write_freeswitch(path: Path, *, fields: int = 15, encoding: str = "utf-8") -> Path:
    """mod_cdr_csv output: every field quoted, no header (15 fields: "example"; 13: compiled-in)."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for row in FS_ROWS:
        writer.writerow(row[:fields])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# --------------------------------------------------------------------------------------------
# VICIdial (2024-05-08)
# --------------------------------------------------------------------------------------------

VICI_COLUMNS = (
    "uniqueid",
    "lead_id",
    "list_id",
    "campaign_id",
    "call_date",
    "start_epoch",
    "end_epoch",
    "length_in_sec",
    "status",
    "phone_code",
    "phone_number",
    "user",
    "comments",
    "processed",
    "user_group",
    "term_reason",
    "alt_dial",
    "called_count",
)
_BJ = timezone(timedelta(hours=8))


def _vici(
    n: int,
    hhmm: str,
    length: int,
    status: str,
    number: str,
    user: str,
    code: str = "86",
    term: str = "CALLER",
) -> list[str]:
    start = datetime.fromisoformat(f"2024-05-08 {hhmm}:00").replace(tzinfo=_BJ)
    epoch = int(start.timestamp())
    return [
        f"{epoch}.{n:05d}", str(1000 + n), "101", "C04", start.strftime("%Y-%m-%d %H:%M:%S"), str(epoch),
        str(epoch + length), str(length), status, code, number, user, "备注,含逗号" if n == 1 else "", "N", "AGENTS", term,
        "MAIN", "1",
    ]  # fmt: skip


VICI_ROWS = [
    _vici(1, "09:00", 120, "SALE", "10000000021", "6001"),
    _vici(2, "09:05", 0, "NA", "10000000022", "VDAD", term="NONE"),
    _vici(3, "09:10", 0, "B", "10000000023", "VDAD", term="NONE"),
    _vici(4, "09:15", 0, "AB", "10000000024", "VDAD", term="NONE"),
    _vici(5, "09:20", 0, "DC", "10000000025", "VDAD", term="NONE"),
    _vici(6, "09:25", 0, "ADC", "10000000026", "VDAD", term="NONE"),
    _vici(7, "09:30", 15, "DROP", "10000000027", "VDAD", term="ABANDON"),
    _vici(8, "09:35", 0, "PDROP", "10000000028", "VDAD", term="ABANDON"),
    _vici(9, "10:00", 30, "DNC", "10000000029", "6002", term="AGENT"),
    _vici(10, "12:00", 60, "SALE", "+86 100 0000 0029", "6001"),
    _vici(11, "12:30", 10, "ZZZ", "10000000031", "6001"),
    _vici(12, "13:00", 45, "NI", "2025550142", "6002", code="1"),
]
VICI_ROWS.append(list(VICI_ROWS[0]))  # the first row exported twice
VICI_COUNTS = {"read": 13, "inserted": 11, "merged": 0, "duplicates": 1, "rejected": 1}


def write_vicidial(path: Path, *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(VICI_COLUMNS)
    writer.writerows(VICI_ROWS)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# --------------------------------------------------------------------------------------------
# Canonical (2024-05-09)
# --------------------------------------------------------------------------------------------

CANONICAL_CALLS_HEADER = (
    "call_id,direction,started_at,answered_at,ended_at,ring_seconds,talk_seconds,wrap_seconds,two_way_voice,"
    "disposition,agent_id,campaign_id,caller_number,callee_id,callee_province,hangup_by,recorded,robot"
)
#: ``callee_id`` of k-4 is already a hash (kept as is); the others are numbers (hashed).
PREHASHED = "0123456789abcdef0123456789abcdef"
CANONICAL_CALLS = [
    'k-1,out,2024-05-09 09:00:00,2024-05-09 09:00:05,2024-05-09 09:01:05,5,60,20,true,answered,A01,C05,"95000004","+86 100 0000 0041",北京,customer,true,false',
    'k-2,out,2024-05-09 09:10:00,,2024-05-09 09:10:20,20,0,0,false,no_answer,A01,C05,"95000004","0086 100 0000 0042",广东,,false,false',
    'k-3,out,2024-05-09 09:20:00,2024-05-09 09:20:03,2024-05-09 09:20:35,3,32,0,,answered,,C06,"95000004",010-0000-0043,新疆,system,true,true',
    f'k-4,in,2024-05-09 10:00:00,2024-05-09 10:00:09,2024-05-09 10:02:09,9,120,60,true,answered,A02,,"95000004",{PREHASHED},,agent,true,false',
    'k-5,out,2024-05-09 10:30:00,2024-05-09 10:30:04,2024-05-09 10:30:10,4,6,10,TRUE,ANSWERED,A02,C05,"95000004","+86 100 0000 0041",北京,customer,yes,no',
    'k-6,sideways,2024-05-09 11:00:00,,2024-05-09 11:00:10,10,0,0,false,no_answer,A01,C05,"95000004","+86 100 0000 0046",,,false,false',
    'k-7,out,2024-05-09 11:10:00,,2024-05-09 11:09:00,0,0,0,false,failed,A01,C05,"95000004","+86 100 0000 0047",,,false,false',
    'k-8,out,2024-05-09 11:20:00,,2024-05-09 11:20:10,10,-5,0,false,failed,A01,C05,"95000004","+86 100 0000 0048",,,false,false',
]
CANONICAL_COUNTS = {"read": 8, "inserted": 5, "merged": 0, "duplicates": 0, "rejected": 3}


def write_canonical_calls(path: Path, *, newline: str = "\r\n", bom: bool = True) -> Path:
    text = newline.join([CANONICAL_CALLS_HEADER, *CANONICAL_CALLS]) + newline
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path
