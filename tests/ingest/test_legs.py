"""Call identity at import: FreeSWITCH A- and B-legs fold into one call, Asterisk synthetic ids keep
calls of different days apart, and legs of one call split across files or imports give the same
stored call as importing them at once (issue 12, points 1, 2 and 7).

The corpus (``tests/ingest/corpus``, numbers fictitious: ``100…`` mobiles, ``010-0000…``
landlines, ``95000`` company numbers):

``fs_legs_1.csv`` / ``fs_legs_2.csv`` — mod_cdr_csv "example" template, ``legs="ab"``, 2024-06-03::

    call  leg  file  uuid  bleg  context  answer    billsec  cause            →  call
    1     A    1     a1    b1    default  09:00:10  120      NORMAL_CLEARING     out, answered 09:00:10, talk 120, agent 1001
    1     B    2     b1    -     default  09:00:10  120      NORMAL_CLEARING     (merged)
    2     A    1     a2    b2    public   10:00:02  300      NORMAL_CLEARING     in, answered 10:00:02, talk 300
    2     B    2     b2    -     public   10:00:40  262      NORMAL_CLEARING     (merged)
    3     A    1     a3    b3    default  -         0        NO_ANSWER           out, no_answer, agent 1002
    3     B    1     b3    -     default  -         0        NO_ANSWER           (merged)
    4     A    2     a4    -     default  -         0        USER_BUSY           out, busy, agent 1002

7 rows → 4 calls, 3 merged, 2 answered, talk 120 + 300 = 420 s (the A-legs'). The B-legs bill 382
of the rows' 802 s (48 %): counting them too gave 7 calls and 802 s.

``ast_legs_1.csv`` / ``ast_legs_2.csv`` — Master.csv, 21 fields (linkedid), cut at midnight::

    linkedid       file  channel → dstchannel   start     answer    billsec  disposition
    1717430380.1   1     8001 → trunk-02        23:59:40  -         0        NO ANSWER
    1717430380.1   2     8001 → trunk-03        23:59:56  00:00:05  60       ANSWERED    → out, talk 60, agent 8001
    1717430280.4   1     trunk-04 → 8002        23:58:00  -         0        NO ANSWER   (Queue)
    1717430280.4   2     trunk-04 → 8003        23:58:20  23:58:30  240      ANSWERED    → in, talk 240, agent 8003
    1717423200.7   1     8002 → trunk-08        22:00:00  -         0        BUSY        → out, busy
    1717431000.9   2     trunk-09 (no bridge)   00:10:00  00:10:02  30       ANSWERED    → in, IVR, talk 30

6 rows → 4 calls, 2 merged, 3 answered, talk 60 + 240 + 30 = 330 s. File 1 alone gives the first
two calls unanswered (the second abandoned in the queue); file 2 then replaces them.

``ast_restarted.csv`` — a ``cdr`` export with ``calldate`` only (no uniqueid, no linkedid) from a
PBX restarted between days, so ``PJSIP/trunk-00000000`` comes back: 02-14 (60 s), 02-25 (40 s,
another customer), 02-26 (30 s, the first customer again), and the 02-14 row exported twice →
3 calls, 1 duplicate, talk 130 s (the old id, channel + empty start + dst, made them 1 call).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from core.infra import db, schema
from core.ingest import ImportReport, import_files
from core.ingest import legs as legs_module
from core.ingest import tables as ingest_tables
from core.ingest.legs import link_families
from tests.ingest.conftest import read_calls

CORPUS = Path(__file__).parent / "corpus"
FS = ("freeswitch", CORPUS / "fs_legs_1.csv", CORPUS / "fs_legs_2.csv")
AST = ("asterisk-csv", CORPUS / "ast_legs_1.csv", CORPUS / "ast_legs_2.csv")


def _uuid(side: str, n: int) -> str:
    return f"{'aaaaaaaa' if side == 'a' else 'bbbbbbbb'}-0000-4000-8000-{n:012d}"


def _counts(report: ImportReport) -> tuple[int, int, int, int, int]:
    assert report.balanced
    return (report.read, report.inserted, report.merged, report.duplicates, report.rejected)


def _totals(calls: pl.DataFrame) -> tuple[int, int, int]:
    """(calls, answered, talk seconds)."""
    answered = calls.filter(pl.col("disposition") == "answered")
    return calls.height, answered.height, int(calls["talk_seconds"].sum())


def _legs_of(url: str) -> pl.DataFrame:
    engine = db.make_engine(url)
    legs = ingest_tables.call_legs
    return db.read_frame(engine, sa.select(*legs.columns).order_by(legs.c.call_id, legs.c.leg_no))


def _import(url: str, imports: list[list[Path]], fmt: str) -> list[tuple[int, int, int, int, int]]:
    return [_counts(import_files(url, files, fmt)) for files in imports]


# --------------------------------------------------------------------------------------------
# FreeSWITCH A- and B-legs
# --------------------------------------------------------------------------------------------


def test_freeswitch_b_legs_fold_into_their_a_leg(duck: str) -> None:
    """7 legs → 4 calls with the A-legs' totals (2 answered, 420 s), 3 merged; not 7 calls and 802 s."""
    fmt, first, second = FS
    report = import_files(duck, [first, second], fmt)
    assert _counts(report) == (7, 4, 3, 0, 0)
    calls = read_calls(db.make_engine(duck))
    assert _totals(calls) == (4, 2, 420)
    assert calls["call_id"].to_list() == [_uuid("a", n) for n in (1, 2, 3, 4)]  # no B-leg is a call
    by_id = {row["call_id"]: row for row in calls.iter_rows(named=True)}
    one, two, three, four = (by_id[_uuid("a", n)] for n in (1, 2, 3, 4))
    # Call 1: the A-leg's answer (09:00:10), its 120 s once (not 120 + 120), its agent.
    assert (one["answered_at"], one["talk_seconds"], one["ring_seconds"], one["agent_id"]) == (
        datetime(2024, 6, 3, 9, 0, 10),
        120,
        10,
        "1001",
    )
    assert one["ended_at"] == datetime(2024, 6, 3, 9, 2, 10)
    # Call 2 (inbound): the A-leg's answer 10:00:02 and 300 s, not the B-leg's 10:00:40 / 262 s.
    assert (two["direction"], two["answered_at"], two["talk_seconds"]) == (
        "in",
        datetime(2024, 6, 3, 10, 0, 2),
        300,
    )
    assert (three["disposition"], three["talk_seconds"], three["ended_at"]) == (
        "no_answer",
        0,
        datetime(2024, 6, 3, 11, 0, 30),
    )
    assert (four["disposition"], four["agent_id"]) == ("busy", "1002")
    legs = _legs_of(duck)
    assert legs.height == 7
    assert legs.filter(pl.col("call_id") == _uuid("a", 1))["leg_id"].sort().to_list() == [
        _uuid("a", 1),
        _uuid("b", 1),
    ]


def test_link_families_joins_new_and_stored_legs() -> None:
    """New a (bleg b) and c; stored b (bleg c, its own call): one family a–b–c, rooted at a."""
    t = datetime(2024, 6, 3, 9, 0, 0)
    new = pl.DataFrame({"_leg": ["a", "c", "d"], "_link": ["b", None, None], "started_at": [t, t, t]})
    stored = pl.DataFrame({"call_id": ["b"], "leg_id": ["b"], "link_id": ["c"], "started_at": [t]})
    roots = link_families(new, stored).sort("_leg")
    assert roots.rows() == [("a", "a"), ("b", "a"), ("c", "a")]  # d is alone: not listed


# --------------------------------------------------------------------------------------------
# Legs split across files and imports
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "once", "a_then_b", "b_then_a", "totals"),
    [
        pytest.param(
            FS,
            (7, 4, 3, 0, 0),
            # 1: a1, a2, a3 (+ b3 merged); 2: b1, b2 merged into stored a1, a2; a4 new.
            [(4, 3, 1, 0, 0), (3, 1, 2, 0, 0)],
            # 1: b1, b2 are calls of their own, a4; 2: a1, a2 replace them (merged), a3 + b3 new.
            [(3, 3, 0, 0, 0), (4, 1, 3, 0, 0)],
            (4, 2, 420),
            id="freeswitch",
        ),
        pytest.param(
            AST,
            (6, 4, 2, 0, 0),
            # 1: the first legs of .1 and .4 (unanswered) and .7; 2: the answered legs merge, .9 new.
            [(3, 3, 0, 0, 0), (3, 1, 2, 0, 0)],
            [(3, 3, 0, 0, 0), (3, 1, 2, 0, 0)],
            (4, 3, 330),
            id="asterisk",
        ),
    ],
)
def test_split_imports_store_the_calls_of_one_import(
    tmp_path: Path,
    case: tuple[str, Path, Path],
    once: tuple[int, ...],
    a_then_b: list[tuple[int, ...]],
    b_then_a: list[tuple[int, ...]],
    totals: tuple[int, int, int],
) -> None:
    """A+B at once, A then B, B then A: the same calls rows (every column) and legs; again: all duplicates."""
    fmt, first, second = case
    urls = {name: f"duckdb:///{tmp_path}/{name}.duckdb" for name in ("once", "ab", "ba")}
    assert _import(urls["once"], [[first, second]], fmt) == [once]
    assert _import(urls["ab"], [[first], [second]], fmt) == a_then_b
    assert _import(urls["ba"], [[second], [first]], fmt) == b_then_a
    calls = {name: read_calls(db.make_engine(url)) for name, url in urls.items()}
    assert _totals(calls["once"]) == totals
    assert calls["ab"].equals(calls["once"])
    assert calls["ba"].equals(calls["once"])
    legs = {name: _legs_of(url) for name, url in urls.items()}
    assert legs["ab"].equals(legs["once"]) and legs["ba"].equals(legs["once"])
    read = once[0]
    for url in urls.values():
        assert _import(url, [[first, second]], fmt) == [(read, 0, 0, read, 0)]  # changes nothing
        assert read_calls(db.make_engine(url)).equals(calls["once"])


def test_b_leg_first_then_a_leg_on_every_engine(any_engine: sa.Engine, tmp_path: Path) -> None:
    """B-legs stored as calls, then replaced by their A-legs' calls (ClickHouse: deleted at commit)."""
    fmt, first, second = FS
    assert _counts(import_files(any_engine, [second], fmt)) == (3, 3, 0, 0, 0)
    assert _counts(import_files(any_engine, [first], fmt)) == (4, 1, 3, 0, 0)
    assert _counts(import_files(any_engine, [first, second], fmt)) == (7, 0, 0, 7, 0)
    calls = read_calls(any_engine)
    assert calls["call_id"].to_list() == [_uuid("a", n) for n in (1, 2, 3, 4)]
    assert _totals(calls) == (4, 2, 420)
    assert calls["talk_seconds"].to_list() == [120, 300, 0, 0]
    tables = [schema.calls, ingest_tables.call_inferences, ingest_tables.call_legs]
    # Two-way voice inferred for the 2 answered calls: b1's and b2's marks went with their calls.
    assert db.row_counts(any_engine, tables) == {"calls": 4, "call_inferences": 2, "call_legs": 7}
    marks = db.read_frame(any_engine, sa.select(ingest_tables.call_inferences.c.call_id))
    assert sorted(marks["call_id"].to_list()) == [_uuid("a", 1), _uuid("a", 2)]


def test_asterisk_midnight_split_on_every_engine(any_engine: sa.Engine) -> None:
    """Asterisk legs split at midnight, imported one file at a time: the 4 calls of one import, 330 s."""
    fmt, first, second = AST
    assert _counts(import_files(any_engine, [first], fmt)) == (3, 3, 0, 0, 0)
    before = read_calls(any_engine)
    assert before.filter(pl.col("call_id") == "1717430280.4")["disposition"].to_list() == ["abandoned"]
    assert _counts(import_files(any_engine, [second], fmt)) == (3, 1, 2, 0, 0)
    calls = read_calls(any_engine)
    assert _totals(calls) == (4, 3, 330)
    row = calls.filter(pl.col("call_id") == "1717430280.4").row(0, named=True)
    assert (row["disposition"], row["agent_id"], row["talk_seconds"], row["ring_seconds"]) == (
        "answered",
        "8003",
        240,
        30,
    )
    assert db.row_counts(any_engine, [schema.calls, ingest_tables.call_legs]) == {"calls": 4, "call_legs": 6}


# --------------------------------------------------------------------------------------------
# Synthetic ids
# --------------------------------------------------------------------------------------------


def test_restarted_pbx_reusing_channel_names_keeps_every_call(duck: str) -> None:
    """calldate-only export, one channel name on three days: 3 calls (130 s), the repeated row a duplicate."""
    path = CORPUS / "ast_restarted.csv"
    assert _counts(import_files(duck, [path], "asterisk")) == (4, 3, 0, 1, 0)
    calls = read_calls(db.make_engine(duck)).sort("started_at")
    assert calls["started_at"].dt.day().to_list() == [14, 25, 26]
    assert calls["talk_seconds"].to_list() == [60, 40, 30]
    assert calls["call_id"].n_unique() == 3
    assert _counts(import_files(duck, [path], "asterisk")) == (4, 0, 0, 4, 0)  # the same ids again
    assert read_calls(db.make_engine(duck)).height == 3


@pytest.mark.parametrize("case", [FS, AST], ids=["freeswitch", "asterisk"])
def test_a_call_of_one_leg_keeps_a_compact_leg_that_reads_back_whole(
    case: tuple[str, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """File 1 alone, imported twice: once as shipped (the leg of a call of one leg is stored compact,
    its call's own columns empty) and once with compact storage off. Read back with its call's values,
    every compact leg equals the whole one, column by column as the fold reads it."""
    fmt, first, _second = case
    compact_url, whole_url = f"duckdb:///{tmp_path / 'c.duckdb'}", f"duckdb:///{tmp_path / 'w.duckdb'}"
    import_files(compact_url, [first], fmt)
    monkeypatch.setattr(legs_module, "CALL_OWN", ())
    import_files(whole_url, [first], fmt)
    monkeypatch.undo()
    compact_rows, whole_rows = _legs_of(compact_url), _legs_of(whole_url)
    single = compact_rows.filter(pl.col("call_id").is_unique())
    assert single.height >= 1 and single["direction"].null_count() == single.height
    assert compact_rows.filter(~pl.col("call_id").is_unique())["direction"].null_count() == 0
    calls = db.read_frame(
        db.make_engine(compact_url),
        sa.select(*[schema.calls.c[c] for c in ("call_id", *legs_module.CALL_OWN)]),
    )
    restored = legs_module.from_stored(legs_module.with_call_values(compact_rows, calls))
    whole = legs_module.from_stored(whole_rows)
    assert restored.drop("_fp").equals(whole.drop("_fp"))
