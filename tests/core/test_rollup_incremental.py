"""Incremental refresh of the rollups (core/rollup/build.py) on each of the five engines (DuckDB, SQLite,
PostgreSQL, MariaDB, ClickHouse through chdb; the server ones skip without their server, as every
``any_kind`` test): after each import only the days it touched are recomputed, and every rollup table
is then row for row what a full rebuild gives.

The imports, in order (numbers fictitious; canonical customers are already hashes, ``P``..``S``)::

    1  canonical  c1 out P 06-01 10:00 answered 60 s      c2 out Q 06-02 12:00 answered 30 s
                  c3 out R 06-03 23:00 abandoned          c4 out S 06-03 20:00 answered 90 s
                  c5 in  Q 06-02 14:00 answered 40 s                       (first build: whole)
    2  asterisk   ast_legs_1.csv: first legs of .1 (out), .4 (in, abandoned in the queue), .7 (06-03)
    3  canonical  c6 out S 06-04 08:00 answered 20 s  (S's 24 h window spans midnight: n24 = 2)
                  c7 out R 06-04 01:00 answered 50 s  (a re-call 2 h after R's abandoned call of 06-03)
                  c8 out P 06-04 09:00 no_answer
    4  asterisk   ast_legs_2.csv: the answered legs of .1 and .4 merge into the stored calls of 06-03
                  (replaced), .9 is new on 06-04: the days touched are 06-03 and 06-04
    5  canonical  dnc: P from 06-01 09:00 (c1 and c8 become DNC calls; no call day touched)
    5b canonical  complaints naming c2 and c6, a QA review naming c4 (no call day touched: the named
                  calls rebuilt whole)
    6  by hand    c2 and c5 (Q's only calls) deleted outside the importer, then
                  ``python -m core rollup --since 2024-06-02``

After each step a marker row (year 2000) put in the hourly cube before the refresh shows that it was
partial (a full rebuild drops it); then every table is compared with a full rebuild's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from core import cli
from core.infra import db, schema
from core.ingest import import_files
from core.rollup import build as rollup_build
from core.semantic import rollup

CORPUS = Path(__file__).parents[1] / "ingest" / "corpus"
P, Q, R, S = ("a" * 32, "b" * 32, "c" * 32, "d" * 32)
HEADER = (
    "call_id,direction,started_at,answered_at,ended_at,ring_seconds,talk_seconds,wrap_seconds,"
    "two_way_voice,disposition,agent_id,campaign_id,caller_number,callee_id,callee_province,hangup_by,"
    "recorded,robot"
)


def _row(cid: str, direction: str, start: str, talk: int | None, disposition: str, callee: str) -> str:
    """A canonical call of 2024-06 (``start`` "DD HH:MM"): answered 5 s after it starts, for ``talk`` s."""
    t0 = datetime.strptime(f"2024-06-{start}", "%Y-%m-%d %H:%M")
    answered = t0.replace(second=5) if talk is not None else None
    end = (answered or t0).timestamp() + (talk or 10)
    ended = datetime.fromtimestamp(end)
    return (
        f"{cid},{direction},{t0},{answered or ''},{ended},5,{talk or 0},0,{str(talk is not None).lower()},"
        f"{disposition},A01,C05,95000004,{callee},北京,customer,true,false"
    )


STEP1 = [
    _row("c1", "out", "01 10:00", 60, "answered", P),
    _row("c2", "out", "02 12:00", 30, "answered", Q),
    _row("c3", "out", "03 23:00", None, "abandoned", R),
    _row("c4", "out", "03 20:00", 90, "answered", S),
    _row("c5", "in", "02 14:00", 40, "answered", Q),
]
STEP3 = [
    _row("c6", "out", "04 08:00", 20, "answered", S),
    _row("c7", "out", "04 01:00", 50, "answered", R),
    _row("c8", "out", "04 09:00", None, "no_answer", P),
]
MARK = datetime(2000, 1, 1)


@pytest.fixture(autouse=True)
def _salt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_SALT_FILE", str(tmp_path / "salt"))


def _tables(engine: sa.Engine) -> dict[str, pl.DataFrame]:
    """Every rollup table but the state, sorted by every column."""
    out = {}
    for table in rollup.metadata.sorted_tables:
        if table is rollup.state:
            continue
        cols = [c.name for c in table.columns]
        out[table.name] = db.read_frame(engine, sa.select(table)).sort(cols, nulls_last=True)
    return out


def _same_as_full_rebuild(engine: sa.Engine) -> dict[str, pl.DataFrame]:
    with engine.connect() as conn:
        assert rollup.current(conn) and rollup.dnc_current(conn) and rollup.named_current(conn)
    incremental = _tables(engine)
    rollup_build.refresh(engine)
    full = _tables(engine)
    for name, frame in full.items():
        assert incremental[name].equals(frame), name
    return full


def _mark(engine: sa.Engine) -> None:
    counts = {c.name: 0 for c in rollup.calls_hourly.columns if c.name not in ("started_at", "agent_id")}
    with engine.begin() as conn:
        conn.execute(rollup.calls_hourly.insert().values(started_at=MARK, agent_id="mark", **counts))


def _marked(engine: sa.Engine) -> bool:
    """Whether the mark survived the refresh (then removed: a full rebuild has no such row)."""
    h = rollup.calls_hourly
    with engine.begin() as conn:
        n = conn.execute(sa.select(sa.func.count()).where(h.c.started_at == MARK)).scalar_one()
        conn.execute(h.delete().where(h.c.started_at == MARK))
    return bool(n)


def _step(engine: sa.Engine, path: Path, fmt: str, table: str | None = None) -> set[date]:
    """Import ``path`` as the CLI does (fingerprint before, refresh after); the days it touched."""
    before = rollup_build.fingerprint_before_import(engine)
    report = import_files(engine, [path], fmt, table=table)
    if before is not None:
        _mark(engine)
    assert rollup_build.refresh_after_import(engine, report, before) is not None
    if before is not None:
        assert _marked(engine), "the refresh was not partial"
    return report.call_days


def _csv(tmp_path: Path, name: str, header: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_imports_refreshed_day_by_day_give_a_full_rebuilds_tables(
    tmp_path: Path, any_kind: str, new_engine: Callable[..., sa.Engine]
) -> None:
    engine = new_engine(any_kind, with_schema=False)
    d = date(2024, 6, 1).replace

    assert rollup_build.fingerprint_before_import(engine) is None  # no rollups yet: a full build
    assert _step(engine, _csv(tmp_path, "calls.csv", HEADER, STEP1), "canonical") == {
        d(day=n) for n in (1, 2, 3)
    }
    _same_as_full_rebuild(engine)

    assert _step(engine, CORPUS / "ast_legs_1.csv", "asterisk-csv") == {d(day=3)}
    _same_as_full_rebuild(engine)

    assert _step(engine, _csv(tmp_path, "calls_2.csv", HEADER, STEP3), "canonical", "calls") == {d(day=4)}
    full = _same_as_full_rebuild(engine)
    # The windows: S's second call within 24 h across midnight (n24 = 2), R's re-call 2 h after its
    # abandoned call across midnight (since_abandon = 7,200 s; n24 = 2 with the abandoned call); the
    # first calls of S and R (n24 = 1, no abandoned call before) and P's and Q's are not kept.
    w = full[rollup.callee_windows.name].filter(pl.col("callee_id").is_in([P, Q, R, S]))
    assert w.select("call_id", "n24", "since_abandon").sort("call_id").rows() == [
        ("c6", 2, None),
        ("c7", 2, 7200),
    ]

    # The answered legs merge into the stored calls .1 and .4 of 06-03 (replaced); .9 is new on 06-04.
    assert _step(engine, CORPUS / "ast_legs_2.csv", "asterisk-csv") == {d(day=3), d(day=4)}
    full = _same_as_full_rebuild(engine)
    daily = full[rollup.calls_daily.name]
    june3 = daily.filter(pl.col("started_at") == datetime(2024, 6, 3))
    # 06-03: out c3 (abandoned), c4 (90 s), .7 (busy), .1 (60 s, answered now); in .4 (240 s): 4 out,
    # 1 in, 90 + 60 = 150 s of connected outbound talk.
    sums = june3.select(pl.col("outbound_calls", "inbound_calls", "talk_seconds_connected_out").sum())
    assert sums.row(0) == (4, 1, 150)

    # A DNC entry for P: no call day touched, the DNC cube rebuilt whole (c1 of 06-01 and c8 of 06-04).
    dnc = _csv(tmp_path, "dnc.csv", "callee_id,added_at,source", [f"{P},2024-06-01 09:00:00,test"])
    assert _step(engine, dnc, "canonical", "dnc") == set()
    full = _same_as_full_rebuild(engine)
    assert full[rollup.dnc_daily.name].select("started_at", "dnc_calls").rows() == [
        (datetime(2024, 6, 1), 1),
        (datetime(2024, 6, 4), 1),
    ]

    # Complaints naming c2 and c6 (and one naming no call), a review naming c4: the named calls are
    # rebuilt whole (no call day touched), with each call's stored columns.
    complaints = _csv(
        tmp_path,
        "complaints.csv",
        "complaint_id,received_at,channel,call_id",
        [
            "p1,2024-06-05 10:00:00,12321,c2",
            "p2,2024-06-06 11:00:00,client,c6",
            "p3,2024-06-06 12:00:00,client,",
        ],
    )
    assert _step(engine, complaints, "canonical", "complaints") == set()
    reviews = _csv(
        tmp_path,
        "qa.csv",
        "review_id,call_id,reviewed_at,score,passed",
        ["r1,c4,2024-06-05 09:00:00,90,true"],
    )
    assert _step(engine, reviews, "canonical", "qa_reviews") == set()
    full = _same_as_full_rebuild(engine)
    named = full[rollup.named_calls.name].select("call_id", "started_at", "caller_number").sort("call_id")
    assert named.rows() == [
        ("c2", datetime(2024, 6, 2, 12), "95000004"),
        ("c4", datetime(2024, 6, 3, 20), "95000004"),
        ("c6", datetime(2024, 6, 4, 8), "95000004"),
    ]

    # A call deleted by another tool: stale; the operator refreshes from its day on.
    with engine.begin() as conn:
        conn.execute(schema.calls.delete().where(schema.calls.c.call_id.in_(["c2", "c5"])))
        assert not rollup.current(conn)
    _mark(engine)
    url = engine.url.render_as_string(hide_password=False)
    assert cli.main(["rollup", "--db", url, "--since", "2024-06-02", "--format", "json"]) == 0
    assert _marked(engine)
    full = _same_as_full_rebuild(engine)
    # c2 is gone from the named calls with its day (its complaint stays, naming no stored call).
    assert sorted(full[rollup.named_calls.name]["call_id"]) == ["c4", "c6"]
    months = full[rollup.customer_months.name].filter(pl.col("callee_id").is_in([P, Q, R, S]))
    # Reached in June 2024 (bit 5 = 32): P (c1), R (c7), S (c4, c6); Q's calls are gone (Q is called on
    # no day any more: its row goes all the same).
    assert months.select("callee_id", "rmask").rows() == [(P, 32), (R, 32), (S, 32)]
    # The monthly cube's June 2024 (rows by agent and campaign, summed): outbound c1, c3, c4, .1, .7,
    # c6, c7, c8 = 8; inbound .4 and .9 = 2 (c5 is gone); connected outbound talk c1 60 + c4 90 + .1 60
    # + c6 20 + c7 50 = 280 s. It is the only month.
    monthly = full[rollup.calls_monthly.name]
    assert monthly["started_at"].unique().to_list() == [datetime(2024, 6, 1)]
    sums = monthly.select(pl.col("outbound_calls", "inbound_calls", "talk_seconds_connected_out").sum())
    assert sums.row(0) == (8, 2, 280)
    # The customer spans of 2024: reached in June P (c1), R (c7), S (c4, c6) and .1's customer
    # (answered 60 s), all effectively (talk >= 30 s, two-way voice); every span holding June (first
    # 1..6, last 6..12: 6 x 7 = 42 of the 78) has 4 of each, the others 0.
    spans = full[rollup.customer_spans.name]
    assert spans.height == 78 and spans["year"].unique().to_list() == [2024]
    holds_june = (pl.col("first_month") <= 6) & (pl.col("last_month") >= 6)
    assert spans.filter(holds_june).select("reached", "effective").unique().rows() == [(4, 4)]
    assert spans.filter(~holds_june).select("reached", "effective").unique().rows() == [(0, 0)]
    assert spans.filter(holds_june).height == 42


def test_another_import_between_forces_a_full_rebuild(
    tmp_path: Path, any_kind: str, new_engine: Callable[..., sa.Engine]
) -> None:
    """Two imports, the second refreshed first with the fingerprint taken before both: the log shows an
    import that is not this one, so everything is rebuilt (the mark goes) and the tables are right."""
    engine = new_engine(any_kind, with_schema=False)
    import_files(engine, [_csv(tmp_path, "calls.csv", HEADER, STEP1)], "canonical")
    rollup_build.refresh(engine)
    before = rollup_build.fingerprint_before_import(engine)
    assert before is not None
    import_files(engine, [CORPUS / "ast_legs_1.csv"], "asterisk-csv")  # refreshed by no one
    report = import_files(engine, [_csv(tmp_path, "calls_2.csv", HEADER, STEP3)], "canonical", table="calls")
    _mark(engine)
    rollup_build.refresh_after_import(engine, report, before)
    assert not _marked(engine)
    _same_as_full_rebuild(engine)


def test_cli_rollup_since_a_bad_date_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"duckdb:///{tmp_path}/x.duckdb"
    assert cli.main(["rollup", "--db", url, "--since", "2024-13-01"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a date (YYYY-MM-DD): '2024-13-01'" in err
