"""Provenance (issue 15): the risk computation and the reports name the rules version they used, and
restoring the previous version restores every number.

Tiny fixture (fictitious numbers), one day 2025-09-03:
* campaign C1: one call at 10:00 (inside 08:00–21:00) and one at 22:00 (outside);
* campaign C2: one call at 10:00.

Hand-worked scores (risk = 100 × (1 − Π(1 − w·s)^n)):
* v0 (defaults, risk.outside_hours.weight = 0.6): C1 = 100 × 0.6 = 60, band high (60 ≤ x < 80); C2 = 0.
* v1 (weight 0.3): C1 = 100 × 0.3 = 30, band medium (30 ≤ x < 60); C2 = 0.
* v2 (restore of v0): C1 = 60, high, and every cell of the frame equal to v0's (same digest).
"""

from __future__ import annotations

import hashlib
import zipfile
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from core.compliance import risk
from core.infra import db, rule_versions
from core.pagedata import report
from core.reporting import asset_pack, exports
from tests.core.test_risk import at, call, tables
from tests.fixtures import load_tables

T1 = datetime(2026, 3, 1, 9, 30, 0)
T2 = datetime(2026, 3, 2, 11, 0, 0)
DAY = date(2025, 9, 3)


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    rows = tables(
        [
            call("c1-in", at(10), campaign="C1"),
            call("c1-out", at(22), campaign="C1"),
            call("c2-in", at(10), campaign="C2"),
        ]
    )
    return load_tables(db.make_engine(f"duckdb:///{tmp_path / 'p.duckdb'}"), rows, indexes=False)


def digest(frame: pl.DataFrame) -> str:
    return hashlib.sha256(frame.sort("entity", "period").write_json().encode()).hexdigest()


def c1(frame: pl.DataFrame) -> tuple[float, str]:
    row = frame.filter(pl.col("entity") == "C1").row(0, named=True)
    return round(row["score"], 6), row["band"]


def test_a_change_is_a_version_named_by_risk_and_report_and_a_restore_restores_every_number(
    engine: sa.Engine,
) -> None:
    def state() -> tuple[pl.DataFrame, report.MonthlyReport]:
        rules = rule_versions.rules_in_force(engine)
        frame = risk.compute_risk(engine, DAY, DAY, entity="campaign", grain="day", rules=rules)
        month = report.build_report(engine, DAY, rules=rules, now=datetime(2026, 3, 5, 8, 0))
        return frame, month

    frame0, month0 = state()
    assert c1(frame0) == (60.0, "high")
    assert month0.rules_version == {
        "id": "0",
        "at": "",
        "label": "v0 (defaults 2026.1)",
        "label_zh": "v0(默认规则 2026.1)",
    }

    v1 = rule_versions.apply(engine, {"risk": {"outside_hours": {"weight": 0.3}}}, actor="alice", at=T1)
    assert v1.diff == [("risk.outside_hours.weight", 0.6, 0.3)]
    frame1, month1 = state()
    assert c1(frame1) == (30.0, "medium")
    assert month1.rules_version["id"] == "1" and month1.rules_version["at"] == "2026-03-01 09:30:00"
    top1 = month1.risk_top["campaign"].select("entity", "score", "band").rows()
    assert [(e, round(s, 6), b) for e, s, b in top1] == [("C1", 30.0, "medium")]
    page = report.report_html(month1)
    assert '<meta name="rules-version" content="1">' in page
    assert '<p class="note" id="rules-version">规则版本 v1(2026-03-01 09:30:00)</p>' in page

    rule_versions.restore(engine, 0, actor="bob", at=T2)
    frame2, month2 = state()
    assert c1(frame2) == (60.0, "high")
    assert digest(frame2) == digest(frame0)
    assert digest(month2.risk) == digest(month0.risk)
    assert month2.risk_top["campaign"].equals(month0.risk_top["campaign"])
    assert [k.value for k in month2.kpis] == [k.value for k in month0.kpis]
    assert month2.rules_version["id"] == "2"
    assert month2.rules_line == "规则版本 v2(2026-03-02 11:00:00)"


def test_the_asset_pack_and_the_workbooks_name_the_version(engine: sa.Engine, tmp_path: Path) -> None:
    """The asset pack's scores carry the version; its HTML, the draft annual report and the
    difference list show it (sheets' second row) and keep it in the workbook's custom properties."""
    rule_versions.apply(engine, {"caps": {"per_24h": 4}}, actor="alice", at=T1)
    rules = rule_versions.rules_in_force(engine)
    pack = asset_pack.build_pack(engine, [2025], rules=rules)
    assert pack[0].rules_version["id"] == "1"
    page = asset_pack.pack_html(pack, company="测试公司", lang="en")
    assert '<p class="note" id="rules-version">Rules version v1 (2026-03-01 09:30:00)</p>' in page
    line = "规则版本 v1(2026-03-01 09:30:00) · Rules version v1 (2026-03-01 09:30:00)"
    for path in (
        exports.write_report_xlsx(tmp_path / "a.xlsx", 2025, [], [], rules_version=rules.provenance()),
        exports.write_changes_xlsx(tmp_path / "d.xlsx", 2025, [], rules_version=rules.provenance()),
    ):
        with zipfile.ZipFile(path) as z:
            custom = z.read("docProps/custom.xml").decode("utf-8")
            strings = z.read("xl/sharedStrings.xml").decode("utf-8")
        assert 'name="rules_version"><vt:lpwstr>1</vt:lpwstr>' in custom
        assert 'name="rules_version_at"><vt:lpwstr>2026-03-01 09:30:00</vt:lpwstr>' in custom
        assert line in strings
