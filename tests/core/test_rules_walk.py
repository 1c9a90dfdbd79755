"""Every key of ``core/infra/rules.toml`` changes a result or is refused (issue 11).

The walk: each leaf of the shipped rules is set, alone, to another valid value (:data:`MUTATIONS`),
and some output that reads it must change on a small demo company: the metrics of the report
year, its risk cells (every entity, by month), the difference list, the credit estimate or the
asset-pack scores. A leaf that nothing reads would leave them all as they were, and fails here.
Keys that only document (``source``, ``label_*``, ``grades_source``, ``version``) are named in
:data:`DOCUMENTATION` and said to be documentation in the file itself; a rule's ``kind`` is fixed by
its definition and an override that changes it is refused, as is any key the file does not have.

The fixture is the demo company at scale 0.05 (about 115,000 calls; of the report year 2025 it
has the seats and outbound-share changes, a shareholder change, a key script, DNC calls, caps and
complaints), plus hand-made rows in September 2025 that make each remaining rule bite
(:func:`extra_rows`):

=================  ==========================================================================
rows               what they make observable
=================  ==========================================================================
CW 08:30           a 寿险 campaign's call at 08:30: outside its 09:00 window, inside 08:00
CW 西藏            a call to 西藏 (blocked; not blocked when only 新疆 is)
re-call            an abandoned call, then a call to the same customer 30 h later (72 h / 24 h)
abandon day        campaign CW2 on 09-08: 40 answered, 4 abandoned (9.1 %: over 3 %, under 50 %)
marking D1–D6      number 0571-WM: 60 calls 10 answered (answer rate); 60 calls 30 answered
                   (only at a 90 % answer floor or a 5-call cap); 10 calls 1 answered (judged
                   only from 1 call); 30 answered, 16 of 10 s (short only under 20 s); 25
                   answered, 5 of 3 s (a 20 % short share); 5 calls, 3 answered, 2 of 3 s (judged
                   only from 1 connected call)
light abandon day campaign CW2, number 0571-W3, on 09-19: 65 answered, 1 abandoned (1.5 %)
complaints         10 complaints about 0571-WM in September, 9 replied (reply rate 90 %)
site S9            a site opened 2025-06-01 (the "sites" material change)
=================  ==========================================================================

The new caller numbers also take the registered numbers in use from 17 (2024) to 24 (+41 %, a
material change at the 30 % default). The healthy-occupancy band is walked on a tiny company of
its own (:func:`occupancy_db`): one agent at 95 % occupancy in 2024 and 60 % in 2025, so a move of
either edge of the band shows in one of the two years' asset-pack scores.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.compliance import risk
from core.demo import company as demo
from core.infra import db
from core.infra.rules import DEFAULT_RULES, Rules, RulesError, load_rules
from core.reporting import asset_pack, credit, regulatory
from core.rollup import build as rollup_build
from core.semantic.metrics import compute_metrics
from tests.core.test_risk import call, campaign, cid, number, tables
from tests.fixtures import frame_for, load_tables

Y = 2025
END = date(2026, 10, 31)

#: Another valid value for every leaf that takes effect, chosen so that the demo must show it.
MUTATIONS: dict[str, Any] = {
    "window.default": ["09:00", "20:00"],
    "window.by_industry.寿险": ["08:00", "21:00"],
    "blocked_regions.provinces": ["新疆"],
    "caps.per_24h": 2,
    "caps.per_5min": 1,
    "abandon.limit": 0.5,
    "abandon.recall_hours": 24,
    "recording.coverage": 0.99,
    "recording.purposes": ["marketing", "collection"],
    "marking.min_answer_rate": 0.9,
    "marking.max_short_share": 0.05,
    "marking.short_seconds": 20,
    "marking.max_daily_calls": 5,
    "marking.min_calls": 1,
    "marking.min_connected": 1,
    "complaints.red_channels": ["12321"],
    "complaints.min_reply_rate": 0.95,
    "healthy_occupancy.low": 0.5,
    "healthy_occupancy.high": 0.95,
    "healthy_occupancy.zero_low": 0.01,
    "healthy_occupancy.zero_high": 0.95,
    **{
        f"risk.{rid}.weight": 0.05
        for rid in (
            "outside_hours",
            "blocked_region",
            "out_of_coverage",
            "unregistered_number",
            "dnc",
            "over_cap",
            "recall_after_abandon",
            "abandon",
            "recording",
            "marking",
            "regulator_complaints",
            "complaint_reply",
        )
    },
    "risk.abandon.warning": 0.02,
    "risk.abandon.min_base": 1,
    "risk.recording.critical": 0.1,
    "risk.complaint_reply.critical": 0.0,
    "risk_bands.medium": 5,
    "risk_bands.high": 31,
    "risk_bands.critical": 61,
    "material.seats.max_relative_change": 0.6,
    "material.seats.evidence": ["人员去向说明"],
    "material.outbound_share.mode": "relative",
    "material.outbound_share.max_change": 0.9,
    "material.outbound_share.evidence": ["新客户合同"],
    "material.equity.min_stake_change_pp": 99.0,
    "material.equity.evidence": ["工商变更登记"],
    "material.key_script.evidence": ["话术审核记录"],
    "material.sites.evidence": ["场地租赁合同"],
    "material.numbers.max_relative_change": 0.5,
    "material.numbers.evidence": ["码号使用证明"],
    "credit.threshold": 99,
    "credit.grades": [["AA", 100], ["A", 99], ["B", 98], ["C", 0]],
    "credit.breaches_per_10k_zero": 1.0,
    **{
        f"credit.weights.{k}": 30
        for k in ("timeliness", "accuracy", "consistency", "complaints", "rule_breaches", "qa", "hygiene")
    },
}
#: Leaves the walk starts from a value other than the default, so that what they act on exists.
START: dict[str, Any] = {}
#: Leaves that document and change no number; the rules file says so.
DOCUMENTATION = ("version", ".source", ".label_zh", ".label_en", "credit.grades_source")


def leaves(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted key, value)`` of every leaf (tables are walked; arrays are values)."""
    for key, value in node.items():
        where = f"{path}.{key}" if path else key
        if isinstance(value, dict):
            yield from leaves(value, where)
        else:
            yield where, value


def is_documentation(key: str) -> bool:
    return key == "version" or any(key.endswith(s) for s in DOCUMENTATION[1:])


def _toml_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # numbers, strings and arrays: the same in TOML


def override(tmp_path: Path, values: dict[str, Any], name: str = "walk.toml") -> Path:
    """A rules override file setting each dotted key of ``values``."""
    tables: dict[str, list[str]] = {}
    for key, value in values.items():
        *table, leaf = key.split(".")
        tables.setdefault(".".join(table), []).append(
            f"{json.dumps(leaf, ensure_ascii=False)} = {_toml_value(value)}"
        )
    text = "\n".join(
        (f"[{t}]\n" if t else "") + "\n".join(lines) + "\n" for t, lines in sorted(tables.items())
    )
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _plain(value: Any) -> Any:
    """A comparable, printable form of any result."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if hasattr(value, "to_dicts"):
        return [_plain(r) for r in value.to_dicts()]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 9)
    return value if isinstance(value, int | str | bool | type(None)) else str(value)


def probe_metrics(engine: sa.Engine, rules: Rules) -> Any:
    return _plain(compute_metrics(engine, date(Y, 1, 1), date(Y, 12, 31), rules=rules))


def probe_risk(engine: sa.Engine, rules: Rules) -> Any:
    frames = risk.compute_risk_all(engine, date(Y, 1, 1), date(Y, 12, 31), grain="month", rules=rules)
    return _plain(frames)


def probe_changes(engine: sa.Engine, rules: Rules) -> Any:
    return _plain(regulatory.compute_changes(engine, Y, rules=rules))


def probe_credit(engine: sa.Engine, rules: Rules) -> Any:
    return _plain(credit.estimate(engine, Y, today=date(2026, 6, 30), rules=rules))


def probe_pack(engine: sa.Engine, rules: Rules) -> Any:
    return _plain([asset_pack.compute_year(engine, y, rules=rules) for y in (Y - 1, Y)])


#: Which output reads a leaf, by the leaf's first key part (risk levels and bands show in the cells).
PROBES: dict[str, Callable[[sa.Engine, Rules], Any]] = {
    "window": probe_metrics,
    "blocked_regions": probe_metrics,
    "caps": probe_metrics,
    "abandon": probe_risk,
    "recording": probe_risk,
    "marking": probe_risk,
    "complaints": probe_risk,
    "risk": probe_risk,
    "risk_bands": probe_risk,
    "material": probe_changes,
    "credit": probe_credit,
    "healthy_occupancy": probe_pack,
}


def _day(d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(Y, 9, d, hh, mm)


def _marking_day(d: int, calls: int, answered: list[int]) -> list[dict[str, Any]]:
    """``calls`` calls of number 0571-WM on 2025-09-``d``: the first ones answered with the given talk seconds."""
    out = []
    for i in range(calls):
        talk = answered[i] if i < len(answered) else 0
        out.append(
            call(
                f"W-M{d:02d}-{i:03d}",
                _day(d, 10) + timedelta(minutes=i),
                campaign="CW2",
                number="0571-WM",
                disposition="answered" if i < len(answered) else "no_answer",
                talk=talk,
                agent=None,
            )
        )
    return out


def extra_rows() -> dict[str, list[dict[str, Any]]]:
    """The hand-made rows of the module's table."""
    calls = [
        call("W-early", _day(3, 8, 30), campaign="CW", number="0571-W0", agent=None),
        call("W-tibet", _day(4), campaign="CW", number="0571-W0", province="西藏", agent=None),
        call(
            "W-ab",
            _day(5),
            campaign="CW",
            number="0571-W0",
            callee="w-re",
            disposition="abandoned",
            agent=None,
        ),
        call("W-re", _day(6, 16), campaign="CW", number="0571-W0", callee="w-re", agent=None),
        *[
            call(f"W-D{i:02d}", _day(8) + timedelta(minutes=i), campaign="CW2", number="0571-W2", agent=None)
            for i in range(40)
        ],
        *[
            call(
                f"W-X{i:02d}",
                _day(8, 14) + timedelta(minutes=i),
                campaign="CW2",
                number="0571-W2",
                disposition="abandoned",
                agent=None,
            )
            for i in range(4)
        ],
        *[
            call(
                f"W-L{i:02d}",
                _day(19) + timedelta(minutes=i),
                campaign="CW2",
                number="0571-W3",
                disposition="abandoned" if i == 0 else "answered",
                agent=None,
            )
            for i in range(66)
        ],
        *_marking_day(9, 60, [40] * 10),
        *_marking_day(10, 60, [40] * 30),
        *_marking_day(11, 10, [40]),
        *_marking_day(12, 40, [10] * 16 + [40] * 14),
        *_marking_day(15, 40, [3] * 5 + [40] * 20),
        *_marking_day(16, 5, [3, 3, 40]),
    ]
    complaints = [
        {
            "complaint_id": f"W-P{i}",
            "received_at": _day(17, 8 + i),
            "channel": "client",
            "caller_number": "0571-WM",
            "callee_id": cid(f"W-M10-{i:03d}"),
            "call_id": f"W-M10-{i:03d}",
            "category": "骚扰",
            "substantiated": True,
            "replied_at": _day(18) if i < 9 else None,
        }
        for i in range(10)
    ]
    return {
        "calls": calls,
        "campaigns": [campaign("CW", industry="寿险"), campaign("CW2")],
        "numbers": [number(n) for n in ("0571-W0", "0571-W2", "0571-W3", "0571-WM")],
        "complaints": complaints,
        "sites": [
            {
                "site_id": "S9",
                "name": "宁波呼叫中心",
                "province": "浙江",
                "city": "宁波",
                "opened_on": date(2025, 6, 1),
            }
        ],
    }


@pytest.fixture(scope="module")
def walk_db(tmp_path_factory: pytest.TempPathFactory) -> sa.Engine:
    """The small demo company with the hand-made rows of :func:`extra_rows` (rollups rebuilt)."""
    path = tmp_path_factory.mktemp("walk") / "walk.duckdb"
    engine = db.make_engine(f"duckdb:///{path}")
    demo.build_demo(engine, end=END, scale=0.05)
    for table, rows in extra_rows().items():
        db.load_frame(engine, table, frame_for(table, rows))
    rollup_build.refresh(engine)
    return engine


@pytest.fixture(scope="module")
def occupancy_db(tmp_path_factory: pytest.TempPathFactory) -> sa.Engine:
    """One agent, one 8-hour session a year: 7.6 h handled in 2024 (95 %), 4.8 h in 2025 (60 %)."""
    path = tmp_path_factory.mktemp("occ") / "occ.duckdb"
    calls, sessions = [], []
    for year, n in ((Y - 1, 38), (Y, 24)):  # each call: 710 s talk + 10 s wrap = 720 s
        day = datetime(year, 3, 2, 8)
        sessions.append(
            {"agent_id": "A1", "login_at": day, "logout_at": day + timedelta(hours=8), "break_seconds": 0}
        )
        calls += [call(f"O{year}-{i}", day + timedelta(minutes=12 * i), talk=710) for i in range(n)]
    rows = {
        **tables(calls),
        "agents": [
            {
                "agent_id": "A1",
                "team": "T1",
                "site_id": "S1",
                "employment": "staff",
                "hired_on": date(2020, 1, 1),
            }
        ],
        "agent_sessions": sessions,
    }
    return load_tables(db.make_engine(f"duckdb:///{path}"), rows, indexes=False)


def _db_for(probe: Callable[[sa.Engine, Rules], Any], walk: sa.Engine, occupancy: sa.Engine) -> sa.Engine:
    return occupancy if probe is probe_pack else walk


@pytest.fixture(scope="module")
def start_results(
    walk_db: sa.Engine, occupancy_db: sa.Engine, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Every probe's output under the rules the walk starts from."""
    rules = load_rules(override(tmp_path_factory.mktemp("start"), START))
    probes = {p.__name__: p for p in PROBES.values()}
    return {name: probe(_db_for(probe, walk_db, occupancy_db), rules) for name, probe in probes.items()}


def test_every_leaf_is_walked_or_documentation() -> None:
    """Each leaf of core/infra/rules.toml has a mutation here, is documentation, or is a rule's fixed kind."""
    shipped = dict(leaves(tomllib.loads(DEFAULT_RULES.read_text(encoding="utf-8"))))
    kinds = {k for k in shipped if k.startswith("risk.") and k.endswith(".kind")}
    walked = set(MUTATIONS)
    rest = {k for k in shipped if not is_documentation(k)} - kinds
    assert rest == walked, f"not walked: {sorted(rest - walked)}; not in the file: {sorted(walked - rest)}"
    for key, value in MUTATIONS.items():
        assert value != START.get(key, shipped[key]), key


def test_the_file_says_which_keys_only_document() -> None:
    """The header of core/infra/rules.toml names source, label_* and version as documentation that changes no number."""
    head = DEFAULT_RULES.read_text(encoding="utf-8").split("[window]")[0]
    for word in ("source", "label_zh", "label_en", "version", "documentation"):
        assert word in head, word


@pytest.mark.parametrize("key", sorted(MUTATIONS))
def test_changing_a_leaf_changes_a_result(
    key: str, walk_db: sa.Engine, occupancy_db: sa.Engine, start_results: dict[str, Any], tmp_path: Path
) -> None:
    """The leaf, set alone to another valid value, changes the output that reads it."""
    rules = load_rules(override(tmp_path, {**START, key: MUTATIONS[key]}))
    assert rules.get(key) == MUTATIONS[key]
    probe = PROBES[key.split(".")[0]]
    got = probe(_db_for(probe, walk_db, occupancy_db), rules)
    assert got != start_results[probe.__name__], f"{key} changed nothing"


def test_marking_short_seconds_20_adds_marked_number_days_in_september(
    walk_db: sa.Engine, tmp_path: Path
) -> None:
    """[marking] short_seconds = 20 marks more caller-number days in September 2025 (0571-WM on 09-12: 16 of 30 answered calls at 10 s), while short_call_ratio keeps its fixed 6 s.

    (The demo's own fresh number 0551-XXXX0003 is at marking risk on every September day by all
    three criteria at once, answer rate ~15 %, ~600 calls a day and ~60 % of answered calls under
    6 s, so no short-call threshold can change its cells.)
    """
    sep = (date(Y, 9, 1), date(Y, 9, 30))
    default = risk.compute_risk(walk_db, *sep, entity="caller_number", grain="day", rules=load_rules())
    twenty = risk.compute_risk(
        walk_db,
        *sep,
        entity="caller_number",
        grain="day",
        rules=load_rules(override(tmp_path, {"marking.short_seconds": 20})),
    )
    assert int(twenty["n_marking"].sum()) > int(default["n_marking"].sum())
    # short_call_ratio keeps DOMAIN.md §5's fixed 6 s whatever the marking rule says
    m6 = compute_metrics(walk_db, *sep, metrics=["short_call_ratio"], rules=load_rules())
    m20 = compute_metrics(
        walk_db,
        *sep,
        metrics=["short_call_ratio"],
        rules=load_rules(override(tmp_path, {"marking.short_seconds": 20}, "m20.toml")),
    )
    assert m6.equals(m20)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"abandon.drop_seconds": 2}, "abandon.drop_seconds"),
        ({"dnc.keep_months": 12}, "dnc.keep_months"),
        ({"recording.keep_days": 90}, "recording.keep_days"),
        ({"risk.abandon.critical": 0.05}, "risk.abandon.critical"),
        ({"risk.dnc.kind": "rate_high"}, "risk.dnc.kind"),
        ({"asset_pack.benchmark_metric": "qa_pass_rate"}, "asset_pack.benchmark_metric"),
    ],
)
def test_a_key_nothing_reads_is_refused_by_name(values: dict[str, Any], named: str, tmp_path: Path) -> None:
    """An override naming a key that nothing reads (or a rule's fixed kind) is refused, with the key named in both languages."""
    with pytest.raises(RulesError) as err:
        load_rules(override(tmp_path, values))
    assert named in err.value.zh and named in err.value.en
