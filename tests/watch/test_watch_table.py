"""The watcher on a PBX's CDR table in PostgreSQL and in MariaDB (the test servers), read by a
high-water mark on ``sequence`` with an overlap of 3, into a DuckDB file.

The table holds the sample day's rows as Asterisk's ``cdr`` table would (``calldate`` = start) with
a global ``sequence`` (Asterisk's is one counter for every CDR): A 101, B1 102, B2 103, C 104, D1 105,
D2 106, E 107, F 108, G 109, H 110, L 111. Left out: K (its date cannot be stored) and A again (in a
table a row of A's uniqueid with a new sequence is a new leg of A's call, folded into it, not a
duplicate; a row read again keeps its sequence). Inserted in three steps, one poll after each
(worked by hand):

=====  ===========  ==========================  =====================================  =====
poll   new rows     read again (mark-3 … mark)  read, inserted, merged, dupl., rej.    calls
=====  ===========  ==========================  =====================================  =====
1      101-105      (no mark yet)               5, 4, 1, 0, 0 (B2 into B)              4
2      106-110      102-105                     9, 4, 1, 4, 0 (D2 into D; 4 again)     8
3      111          107-110                     5, 0, 0, 4, 1 (4 again; L rejected)    8
4      none         (nothing is read)           no batch                               8
=====  ===========  ==========================  =====================================  =====
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.infra import db
from core.watch import BatchInfo, Watcher, parse
from tests.fixtures import ServerDatabase
from tests.ingest import samples
from tests.watch.conftest import count, imports

CDR_COLUMNS = (
    "calldate",
    "clid",
    "src",
    "dst",
    "dcontext",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "accountcode",
    "uniqueid",
    "userfield",
    "peeraccount",
    "linkedid",
    "sequence",
)


def _cdr_table() -> sa.Table:
    ints = {"duration", "billsec", "sequence"}
    columns = [
        sa.Column(n, sa.DateTime if n == "calldate" else sa.Integer if n in ints else sa.String(80))
        for n in CDR_COLUMNS
    ]
    return sa.Table("cdr", sa.MetaData(), *columns)


def _cdr_rows() -> list[dict[str, Any]]:
    """The sample rows without A again and K (index 10, 11), as cdr rows with the sequence 101…111."""
    rows = [r for i, r in enumerate(samples.ASTERISK_ROWS) if i not in (10, 11)]
    out = []
    for seq, r in enumerate(rows, start=101):
        row: dict[str, Any] = {n: r.get(n, "") for n in CDR_COLUMNS if n not in ("calldate", "sequence")}
        row["calldate"] = datetime.fromisoformat(str(r["start"]))
        row["sequence"] = seq
        row["duration"] = int(str(r["duration"]))
        row["billsec"] = int(str(r["billsec"]))
        out.append(row)
    return out


#: By ``calldate`` with an overlap of 3600 s instead (PostgreSQL): the marks are D1's 12:00:00 and H's
#: 15:00:00, so poll 2 reads C (11:00) and D1 again, poll 3 G (14:00) and H.
BY_CALLDATE = [(5, 4, 1, 0, 0), (7, 4, 1, 2, 0), (3, 0, 0, 2, 1)]
BY_SEQUENCE = [(5, 4, 1, 0, 0), (9, 4, 1, 4, 0), (5, 0, 0, 4, 1)]


@pytest.mark.engines
@pytest.mark.parametrize(
    ("kind", "column", "overlap", "expected"),
    [
        ("postgresql", "sequence", 3, BY_SEQUENCE),
        ("mysql", "sequence", 3, BY_SEQUENCE),
        ("postgresql", "calldate", 3600, BY_CALLDATE),
    ],
)
def test_cdr_table_by_high_water_mark(
    kind: str,
    column: str,
    overlap: int,
    expected: list[tuple[int, ...]],
    tmp_path: Path,
    server_databases: dict[str, ServerDatabase],
) -> None:
    pbx_url = server_databases[kind].fresh_url()
    pbx = db.make_engine(pbx_url)
    cdr = _cdr_table()
    cdr.create(pbx)
    rows = _cdr_rows()
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    seen: list[BatchInfo] = []
    spec = parse(f"table:{pbx_url}#cdr?format=asterisk&column={column}&overlap={overlap}")

    def hook(_engine: object, info: BatchInfo) -> None:
        if info.report is not None:
            seen.append(info)

    watcher = Watcher(url, [spec], rejects_dir=tmp_path, hook=hook, out=io.StringIO(), err=io.StringIO())
    calls = []
    try:
        for part in (rows[:5], rows[5:10], rows[10:], []):
            if part:
                with pbx.begin() as conn:
                    conn.execute(cdr.insert(), part)
            assert watcher.poll() == 0
            calls.append(count(url))
    finally:
        watcher.close()
        pbx.dispose()
    counts = [(r.read, r.inserted, r.merged, r.duplicates, r.rejected) for r in (i.report for i in seen) if r]
    assert counts == expected
    assert calls == [4, 8, 8, 8]
    assert imports(url) == 3
    assert seen[-1].note == f"1 new rows, {expected[-1][3]} read again"
