"""core.reporting.profile: the company and finance entries the annual report uses, saved on every engine."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from core.infra import db
from core.reporting import profile

COMPANY = {
    "name": "测试呼叫中心有限公司",
    "credit_code": "91110105mA01abcd2x",
    "legal_rep": " 李雷 ",
    "registered_address": "北京市朝阳区示例路 8 号",
    "registered_province": "北京",
    "registered_capital_wan": "1200.5",
    "ownership_type": "民营",
    "listed": False,
    "complaint_phone": "",
}
SAVED = {
    "name": "测试呼叫中心有限公司",
    "credit_code": "91110105MA01ABCD2X",
    "legal_rep": "李雷",
    "registered_address": "北京市朝阳区示例路 8 号",
    "registered_province": "北京",
    "registered_capital_wan": 1200.5,
    "ownership_type": "民营",
    "listed": False,
    "complaint_phone": None,
}


def test_company_and_finance_round_trip(any_engine: sa.Engine) -> None:
    """Insert, rename (the key) and re-read the company; insert then update a finance year."""
    engine = any_engine
    if db.dialect_of(engine) == "clickhouse":
        assert profile.editable(engine) is False
        with pytest.raises(profile.ProfileError) as raised:
            profile.save_company(engine, COMPANY)
        assert raised.value.en.startswith("ClickHouse is read-only in the app")
        with pytest.raises(profile.ProfileError):
            profile.save_finance(engine, 2025, {"revenue_wan": 1})
        assert profile.read_company(engine) is None
        return
    assert profile.editable(engine) is True
    assert profile.read_company(engine) is None
    assert profile.save_company(engine, COMPANY) == SAVED
    assert profile.read_company(engine) == SAVED
    renamed = {**COMPANY, "name": "新名称有限公司", "listed": True}
    profile.save_company(engine, renamed, original_name=SAVED["name"])
    assert profile.read_company(engine) == {**SAVED, "name": "新名称有限公司", "listed": True}
    assert db.row_counts(engine)["company"] == 1

    profile.save_finance(engine, 2025, {"revenue_wan": 9650, "cost_wan": "7527.5"})
    profile.save_finance(engine, 2024, {"revenue_wan": 8900})
    profile.save_finance(engine, 2025, {"revenue_wan": 9700, "callcenter_revenue_wan": 8700})
    rows = profile.read_finance(engine).to_dicts()
    assert rows == [
        {
            "year": 2025,
            "revenue_wan": 9700.0,
            "cost_wan": None,
            "telecom_revenue_wan": None,
            "callcenter_revenue_wan": 8700.0,
        },
        {
            "year": 2024,
            "revenue_wan": 8900.0,
            "cost_wan": None,
            "telecom_revenue_wan": None,
            "callcenter_revenue_wan": None,
        },
    ]


@pytest.mark.parametrize(
    ("values", "en"),
    [
        ({**COMPANY, "name": "  "}, "the company name (name) is required"),
        ({**COMPANY, "credit_code": "123"}, "credit_code must be 18 digits or capital letters"),
        ({**COMPANY, "registered_capital_wan": "abc"}, "registered_capital_wan must be a number, got 'abc'"),
        ({**COMPANY, "registered_capital_wan": -1}, "registered_capital_wan cannot be negative: -1"),
        ({**COMPANY, "boss": "x"}, "company has no column boss"),
    ],
)
def test_company_validation_names_the_field(values: dict[str, object], en: str) -> None:
    """A bad entry is refused with a message naming the field, before touching the database."""
    with pytest.raises(profile.ProfileError) as raised:
        profile.clean_company(values)
    assert raised.value.en.startswith(en)


def test_finance_validation(tmp_path: Path) -> None:
    """A year out of range, an unknown column and a negative amount are refused, naming the field."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'f.sqlite'}")
    db.create_schema(engine)
    cases = [
        (1899, {}, "year must be between 1990 and 2100, got 1899"),
        (2025, {"profit_wan": 1}, "finance has no column profit_wan"),
        (2025, {"cost_wan": -5}, "cost_wan cannot be negative: -5"),
    ]
    for year, values, en in cases:
        with pytest.raises(profile.ProfileError) as raised:
            profile.save_finance(engine, year, values)
        assert raised.value.en == en
    assert db.row_counts(engine)["finance"] == 0
    engine.dispose()
