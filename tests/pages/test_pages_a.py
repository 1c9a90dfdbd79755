"""Regulatory dashboard, asset pack, data quality and settings in AppTest (issue 5, pages A).

The small demo ends on 2025-06-30, so the default report year is 2024 (filed by 2025-03-31) and the
asset pack's default years are 2022–2024. "Today" is pinned through ``ui.glue.today`` so that the
deadline countdown and the step statuses are exact. Tests that write (checklist, profile, rules)
work on a copy of the demo.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from core.compliance.risk import risk_rules
from core.infra import db, rule_versions
from core.infra.i18n import fmt, t
from core.infra.rules import load_rules
from core.reporting import asset_pack, credit, profile, quality, regulatory
from core.reporting.quality import Check
from tests.fixtures import DemoDb
from ui import glue
from ui.examples import example_frame

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2025, 3, 20)  # amber month for report year 2024: 11 days to the deadline
YEAR = 2024
PAGES_A = {
    "pages/regulatory.py": ("监管仪表盘", "Regulatory dashboard"),
    "pages/asset_pack.py": ("合规资产包", "Compliance asset pack"),
    "pages/data_quality.py": ("数据质量", "Data quality"),
    "pages/settings.py": ("设置", "Settings"),
}


def run(script: str = "app.py", *, page: str | None = None, query: dict[str, Any] | None = None) -> AppTest:
    """Run ``script`` once (through app.py: open ``page``, or the default page when None)."""
    at = AppTest.from_file(str(ROOT / script), default_timeout=300)
    if page is not None:
        at.switch_page(page)
    if query:
        at.query_params.update(query)
    return at.run()


def assert_clean(at: AppTest) -> None:
    """No uncaught exception, no error box about an unexpected error, no traceback text."""
    assert list(at.exception) == []
    shown = [str(e.value) for e in [*at.error, *at.info, *at.warning, *at.markdown, *at.caption]]
    assert not any("Traceback" in text or "页面出现意外错误" in text for text in shown)


def markdowns(at: AppTest) -> list[str]:
    """Every markdown text of the page (badges are markdown too)."""
    return [str(m.value) for m in at.markdown]


def button(at: AppTest, label: str) -> Any:
    """The one button (form submit buttons included) with this label."""
    (found,) = [b for b in at.button if b.label == label]
    return found


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> date:
    """Pin the pages' "today" to 2025-03-20."""
    monkeypatch.setattr(glue, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def override_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the Settings page stores a rules override in this test (absent at the start)."""
    path = tmp_path / "data" / "rules.override.toml"
    monkeypatch.setattr(glue, "RULES_OVERRIDE", path)
    return path


def _engine(url: str) -> Any:
    return db.make_engine(url, create_dirs=False)


# ----------------------------------------------------------------------------------------------
# Regulatory dashboard
# ----------------------------------------------------------------------------------------------


def test_regulatory_is_the_default_page(demo_copy: str, use_db: Callable[[str], None], pinned: date) -> None:
    """app.py opens the regulatory dashboard first, on report year 2024, with the deadline countdown."""
    use_db(demo_copy)
    at = run()
    assert_clean(at)
    assert [el.value for el in at.title] == ["监管仪表盘"]
    assert at.selectbox(key="reg.year").value == "2024"
    assert at.selectbox(key="reg.year").options == [
        "2024 年度(2025 年报送)",
        "2023 年度(2024 年报送)",
        "2022 年度(2023 年报送)",
    ]
    assert [(m.label, m.value) for m in at.metric][:3] == [
        ("报送截止日 2025-03-31", "还有 11 天"),
        ("宽限期结束 2025-04-30", "还有 41 天"),
        ("系统锁定 2025-05-01", "还有 42 天"),
    ]
    assert at.query_params["year"] == "2024"
    assert [s.value for s in at.subheader][:6] == [
        "报送截止倒计时",
        "八步报送日历",
        "信用评分估算",
        "风险差异清单(实质性变动)",
        "年报字段(46 项)",
        "导出",
    ]


def test_regulatory_figures_come_from_core(
    demo_copy: str, use_db: Callable[[str], None], pinned: date
) -> None:
    """Credit verdict, the change cards and the 46 fields are core's numbers, formatted by fmt."""
    use_db(demo_copy)
    at = run("pages/regulatory.py")
    assert_clean(at)
    engine = _engine(demo_copy)
    est = credit.estimate(engine, YEAR, today=TODAY)
    changes = regulatory.compute_changes(engine, YEAR)
    fields = regulatory.compute_fields(engine, YEAR, with_sql=False)
    engine.dispose()
    # The small demo on 2025-03-20: an estimate of 80.74 (grade A) and five planted material changes.
    assert (est.score, est.grade, est.passes, len(changes)) == (80.74, "A", True, 5)
    assert [s.value for s in at.success] == ["估算 80.7 分(A 级),达到 80 分门槛。"]
    assert [e.value for e in at.error] == ["5 项实质性变动需准备佐证材料。"]
    badges = [m for m in markdowns(at) if m.startswith(":red-badge[:material/report:")]
    topics = [t("reg.topic." + c["topic"], "zh") for c in changes]
    # Cards fill two columns (left: 1st, 3rd, 5th), so compare as multisets.
    assert sorted(badges) == sorted(f":red-badge[:material/report: {topic}]" for topic in topics)
    assert topics == ["坐席数", "坐席数", "外呼占比", "股权结构", "关键话术"]
    assert sorted(c["rule"] for c in changes) == sorted(
        m for m in markdowns(at) if m in {c["rule"] for c in changes}
    )
    table = at.dataframe[1].value  # [0] is the checklist
    assert len(table) == 46
    assert list(table.columns) == [
        "编号",
        "表单",
        "字段",
        "本年",
        "上年",
        "变化",
        "实质性变动",
        "上年取自",
        "依据",
    ]
    outbound = next(f for f in fields if f["source"] == "metric:outbound_calls")
    row = table[table["编号"] == outbound["id"]].iloc[0]
    assert row["本年"] == fmt(outbound["value"], "num0")
    assert row["上年"] == fmt(outbound["previous"], "num0")
    assert row["依据"] == "指标:外呼量"
    keys = [b.key for b in at.get("download_button")]
    assert keys[-3:] == ["reg.export_report", "reg.export_changes", "reg.export_monthly"]
    assert {"reg.credit_gauge.png", "reg.credit_components.png", "reg.fields.csv", "reg.fields.xlsx"} <= set(
        keys
    )


def test_show_sql_per_field(demo_copy: str, use_db: Callable[[str], None], pinned: date) -> None:
    """The SQL view shows the compiled SQL of the field chosen (DuckDB dialect)."""
    use_db(demo_copy)
    at = run("pages/regulatory.py")
    engine = _engine(demo_copy)
    fields = {f["id"]: f for f in regulatory.compute_fields(engine, YEAR)}
    engine.dispose()
    outbound = next(i for i, f in fields.items() if f["source"] == "metric:outbound_calls")
    at.selectbox(key="reg.sql_field").set_value(outbound).run()
    assert_clean(at)
    assert at.code[0].value == fields[outbound]["sql"]
    assert "FROM calls" in at.code[0].value


def test_checklist_edit_persists(demo_copy: str, use_db: Callable[[str], None], pinned: date) -> None:
    """Reopening step 6 with an owner and a note is saved, shown after reruns, and in the database."""
    use_db(demo_copy)
    at = run("pages/regulatory.py")
    assert ":gray-badge[:material/schedule: 已提交:第 6 步已完成]" in markdowns(at)
    at.selectbox(key="reg.step").set_value(6).run()
    prefix = f"reg.ck.{YEAR}.6"
    at.checkbox(key=f"{prefix}.done").uncheck()
    at.text_input(key=f"{prefix}.owner").input("测试负责人")
    at.text_input(key=f"{prefix}.signer").input("")
    at.text_area(key=f"{prefix}.note").input("等待老板签字")
    button(at, "保存").click().run()
    assert_clean(at)
    assert [s.value for s in at.success] == ["第 6 步已保存。", "估算 80.7 分(A 级),达到 80 分门槛。"]

    def step6(app: AppTest) -> dict[str, Any]:
        frame = app.dataframe[0].value
        return frame[frame["步骤"] == "6"].iloc[0].to_dict()

    expected = {
        "步骤": "6",
        "截止日期": "2025-03-31",
        "事项": "修订并提交正式年报",
        "状态": "待办",
        "完成日期": "—",
        "负责人": "测试负责人",
        "签字人": "—",
        "备注": "等待老板签字",
    }
    assert step6(at) == expected
    # Step 6 open in March: the deadline turns amber.
    assert ":orange-badge[:material/schedule: 提醒:已进入 3 月,第 6 步(提交正式年报)尚未完成]" in markdowns(
        at
    )
    at.run()
    assert step6(at) == expected
    assert "第 6 步已保存。" not in [s.value for s in at.success]  # the "saved" note shows once
    engine = _engine(demo_copy)
    row = regulatory.checklist(engine, YEAR, TODAY).filter(pl.col("step") == 6).row(0, named=True)
    engine.dispose()
    assert (row["done_on"], row["owner"], row["signer"], row["note"]) == (
        None,
        "测试负责人",
        None,
        "等待老板签字",
    )

    # A fresh session (new AppTest) reads the same from the database.
    again = run("pages/regulatory.py")
    assert step6(again) == expected

    # Marking it done with a date shows the date and the status.
    again.selectbox(key="reg.step").set_value(6).run()
    again.checkbox(key=f"{prefix}.done").check()
    again.date_input(key=f"{prefix}.done_on").set_value(date(2025, 3, 19))
    button(again, "保存").click().run()
    assert step6(again)["状态"] == "已完成"
    assert step6(again)["完成日期"] == "2025-03-19"


def test_opening_the_page_writes_no_checklist(
    demo_copy: str, use_db: Callable[[str], None], pinned: date
) -> None:
    """A report year without stored steps shows the eight default steps and stores nothing; saving a step stores the eight."""
    engine = _engine(demo_copy)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM checklist WHERE year = :y"), {"y": YEAR})
    engine.dispose()
    use_db(demo_copy)
    at = run("pages/regulatory.py")
    assert_clean(at)
    steps = at.dataframe[0].value
    assert steps["步骤"].tolist() == [str(s) for s in range(1, 9)]
    # On 2025-03-20: steps 1–5 (15 Jan … 10 Mar) overdue, 6–8 open; nobody named yet.
    assert steps["状态"].tolist() == ["逾期"] * 5 + ["待办"] * 3
    assert steps["负责人"].tolist() == ["—"] * 8

    def stored() -> int:
        engine = _engine(demo_copy)
        with engine.connect() as conn:
            n = conn.execute(sa.text("SELECT COUNT(*) FROM checklist WHERE year = :y"), {"y": YEAR}).scalar()
        engine.dispose()
        return int(n or 0)

    assert stored() == 0
    at.selectbox(key="reg.step").set_value(6).run()
    at.text_input(key=f"reg.ck.{YEAR}.6.owner").input("行政部")
    button(at, "保存").click().run()
    assert_clean(at)
    assert stored() == 8


def test_year_from_the_url(demo_copy: str, use_db: Callable[[str], None], pinned: date) -> None:
    """?year=2023 opens report year 2023 (deadline 2024-03-31); an unknown year falls back to 2024."""
    use_db(demo_copy)
    at = run("pages/regulatory.py", query={"year": "2023"})
    assert_clean(at)
    assert at.selectbox(key="reg.year").value == "2023"
    assert at.metric[0].label == "报送截止日 2024-03-31"
    other = run("pages/regulatory.py", query={"year": "1999"})
    assert other.selectbox(key="reg.year").value == "2024"


# ----------------------------------------------------------------------------------------------
# Asset pack and data quality
# ----------------------------------------------------------------------------------------------


def test_asset_pack_defaults_and_figures(demo_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """Default years 2022–2024; the scores table and the benchmark sentence are core's."""
    use_db(demo_db.url)
    at = run("pages/asset_pack.py")
    assert_clean(at)
    assert at.multiselect(key="pack.years").value == [2022, 2023, 2024]
    engine = _engine(demo_db.url)
    pack = asset_pack.build_pack(engine, [2022, 2023, 2024])
    engine.dispose()
    sentence = asset_pack.benchmark_sentence(pack, "zh")
    assert [s.value for s in at.success] == ([f"**{sentence}**"] if sentence else [])
    table = at.table[0].value
    assert list(table["年份"]) == ["2022", "2023", "2024"]
    assert list(table["质检通过率"]) == [fmt(y.scores["qa_pass_rate"], "num1") for y in pack]
    assert list(table["投诉率"]) == [fmt(y.scores["complaint_rate"], "num1") for y in pack]
    keys = [b.key for b in at.get("download_button")]
    assert keys == [
        "pack.radar.png",
        "pack.trend.png",
        "pack.scores.csv",
        "pack.scores.xlsx",
        "pack.download",
    ]
    at.multiselect(key="pack.years").set_value([]).run()
    assert [i.value for i in at.info] == ["请选择一至三个年份。"]


def test_data_quality_counts(demo_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """The period's checks with core's counts; problems first, passed checks as green badges."""
    use_db(demo_db.url)
    at = run("pages/data_quality.py")
    assert_clean(at)
    engine = _engine(demo_db.url)
    checks = quality.run_checks(engine, date(2025, 6, 1), date(2025, 6, 30))
    engine.dispose()
    failing = [c for c in checks if not c.passed]
    assert [(m.label, m.value) for m in at.metric][:3] == [
        ("检查项", str(len(checks))),
        ("发现问题的检查项", str(len(failing))),
        ("数据质量得分", fmt(quality.quality_score(checks), "pct0")),
    ]
    assert [m.value for m in at.metric][3:] == [
        fmt(c.count, "num0")
        for c in sorted(
            failing, key=lambda c: ({"error": 0, "warning": 1, "info": 2}[c.severity], checks.index(c))
        )
    ]
    passed = [m for m in markdowns(at) if m.startswith(":green-badge[:material/check: ")]
    assert len(passed) == len(checks) - len(failing)


def test_examples_mask_customer_ids() -> None:
    """An example column about the callee is masked on the page, whatever core returns."""
    check = Check(
        "x", "x", "x", "warning", 1, [{"call_id": "K1", "callee_id": "a848a51691d562ffca90b8b6622e1a3c"}]
    )
    frame = example_frame(check.examples)
    assert frame.to_dicts() == [{"call_id": "K1", "callee_id": "a848…1a3c"}]
    assert example_frame([{"phone": "13800001234", "when": date(2025, 6, 1), "n": None}]).to_dicts() == [
        {"phone": "1380…1234", "when": "2025-06-01", "n": "—"}
    ]


# ----------------------------------------------------------------------------------------------
# Settings: rules, override, profile
# ----------------------------------------------------------------------------------------------


def test_settings_rules_in_force(demo_db: DemoDb, use_db: Callable[[str], None], override_file: Path) -> None:
    """The risk rules table lists core.compliance.risk.risk_rules with weights and sources; thresholds follow."""
    use_db(demo_db.url)
    at = run("pages/settings.py")
    assert_clean(at)
    rules = risk_rules(load_rules())
    tables = [tbl.value for tbl in at.table]  # [0] row counts, [1] risk rules, [2] thresholds
    assert list(tables[1]["规则"]) == [r.label_zh for r in rules]
    assert list(tables[1]["权重"]) == [fmt(r.weight, "num2") for r in rules]
    assert list(tables[1]["来源"]) == [r.source for r in rules]
    thresholds = dict(zip(tables[2]["规则项"], tables[2]["取值"], strict=True))
    assert thresholds["允许外呼时段"] == "08:00–21:00、寿险 09:00–21:00"
    assert thresholds["单客呼叫频次上限"] == "每客 24 小时内最多 5 次,5 分钟内最多 3 次"
    assert thresholds["实质性变动:外呼占比"] == "20.0个百分点"
    assert any(c.value == "使用默认规则文件 core/infra/rules.toml(版本 2026.1)。" for c in at.caption)


def test_rules_override_with_a_bad_key_is_refused(
    demo_db: DemoDb, use_db: Callable[[str], None], override_file: Path
) -> None:
    """An override naming an unknown key shows core.infra.rules' message naming the key; nothing is stored."""
    use_db(demo_db.url)
    at = run("pages/settings.py")
    at.file_uploader(key="settings.rules_upload").upload(
        "mine.toml", b"[caps]\nper_day = 4\n", "application/toml"
    )
    at.run()
    assert_clean(at)
    assert [e.value for e in at.error] == ["规则文件未通过校验,未保存:规则文件中有未知的键 caps.per_day"]
    assert not override_file.exists()
    en = run("pages/settings.py", query={"lang": "en"})
    en.file_uploader(key="settings.rules_upload").upload(
        "mine.toml", b"[caps]\nper_day = 4\n", "application/toml"
    )
    en.run()
    assert [e.value for e in en.error] == [
        "The rules file failed the checks and was not saved: unknown key caps.per_day in the rules file"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            b"[risk.abandon]\nweight = nan\n",
            "rule risk.abandon.weight must be a finite number in [0, 1]; got nan",
            id="weight-nan",
        ),
        pytest.param(
            b"[risk.abandon]\nweight = 5\n",
            "rule risk.abandon.weight must be a finite number in [0, 1]; got 5",
            id="weight-5",
        ),
        pytest.param(
            b"[risk.dnc]\nweight = -2\n",
            "rule risk.dnc.weight must be a finite number in [0, 1]; got -2",
            id="weight-minus-2",
        ),
        pytest.param(
            b'[risk.abandon]\nkind = "ratio"\n',
            'rule risk.abandon.kind must be one of count, rate_high, rate_low; got "ratio"',
            id="unknown-kind",
        ),
        pytest.param(
            b"[caps]\nper_24h = -1\n",
            "rule caps.per_24h must be a whole number ≥ 1; got -1",
            id="cap-negative",
        ),
        pytest.param(
            b"[risk_bands]\nmedium = 80\ncritical = 30\n",
            "rule risk_bands must satisfy 0 < medium < high < critical ≤ 100 (now 80 / 60 / 30)",
            id="bands-inverted",
        ),
    ],
)
def test_the_issues_bad_overrides_are_refused_on_upload(
    demo_db: DemoDb, use_db: Callable[[str], None], override_file: Path, content: bytes, message: str
) -> None:
    """Issue 15's examples, uploaded on the English page: the message names the key and the range,
    no version is stored, and the default rules stay in force."""
    use_db(demo_db.url)
    at = run("pages/settings.py", query={"lang": "en"})
    at.file_uploader(key="settings.rules_upload").upload("mine.toml", content, "application/toml")
    at.run()
    assert_clean(at)
    assert [e.value for e in at.error] == [f"The rules file failed the checks and was not saved: {message}"]
    assert all("passed the checks" not in s.value for s in at.success)
    assert rule_versions.versions(_engine(demo_db.url)) == []
    assert any(
        c.value == "The defaults of core/infra/rules.toml are in force (version 2026.1)." for c in at.caption
    )


def test_rules_override_accepted_is_used(
    demo_copy: str, use_db: Callable[[str], None], override_file: Path
) -> None:
    """A valid override becomes rules version v1 (by the app's actor, with the note), is shown in the
    thresholds, joins the data version; "back to the defaults" is version v2, a restore of v0."""
    use_db(demo_copy)
    at = run("pages/settings.py")
    at.text_input(key="settings.rules_note").input("试行")
    at.file_uploader(key="settings.rules_upload").upload(
        "mine.toml", b"[caps]\nper_24h = 4\n", "application/toml"
    )
    at.run()
    assert_clean(at)
    assert [s.value for s in at.success][-1] == "规则文件 mine.toml 已通过校验,保存为规则版本 v1 并生效。"
    assert not override_file.exists()
    # tables: [0] row counts, [1] rules versions, [2] risk rules, [3] thresholds
    thresholds = dict(zip(at.table[3].value["规则项"], at.table[3].value["取值"], strict=True))
    assert thresholds["单客呼叫频次上限"] == "每客 24 小时内最多 4 次,5 分钟内最多 3 次"
    versions = at.table[1].value
    assert versions["版本"].tolist() == ["v1"] and versions["操作人"].tolist() == ["local-admin"]
    assert versions["差异(键:原值 → 新值)"].tolist() == ["caps.per_24h: 5 → 4"]
    assert versions["说明"].tolist() == ["试行"]
    assert glue.rules_in_force().caps_per_24h == 4 and glue.rules_in_force().version == 1
    engine = _engine(demo_copy)
    assert glue.data_version(demo_copy) == db.data_version(engine) + "+rules.v1"
    button(at, "恢复默认规则").click().run()
    assert [s.value for s in at.success][-1] == "已恢复默认规则(规则版本 v2)。"
    stored = rule_versions.versions(engine)
    assert [(v.version_id, v.action, v.source_version, v.actor) for v in stored] == [
        (1, "apply", None, "local-admin"),
        (2, "restore", 0, "local-admin"),
    ]
    assert glue.rules_in_force().caps_per_24h == 5
    engine.dispose()


def test_a_proposal_waits_for_approval_and_any_version_can_be_restored(
    demo_copy: str, use_db: Callable[[str], None], override_file: Path
) -> None:
    """Upload as a proposal → v1, defaults still in force; approve → v2 (caps 4) in force; restore
    v0 → v3, the defaults again. Each step is one stored row by the app's actor."""
    use_db(demo_copy)
    at = run("pages/settings.py")
    at.checkbox(key="settings.rules_propose").check()
    at.file_uploader(key="settings.rules_upload").upload(
        "mine.toml", b"[caps]\nper_24h = 4\n", "application/toml"
    )
    at.run()
    assert_clean(at)
    assert [s.value for s in at.success][-1] == "规则文件 mine.toml 已通过校验,保存为提议 v1,待管理员批准。"
    assert glue.rules_in_force().caps_per_24h == 5
    button(at, "批准提议 v1(local-admin)").click().run()
    assert [s.value for s in at.success][-1] == "提议 v1 已批准,规则版本 v2 生效。"
    assert (glue.rules_in_force().version, glue.rules_in_force().caps_per_24h) == (2, 4)
    at.selectbox(key="settings.restore_pick").set_value(0)
    button(at, "恢复此版本").click().run()
    assert [s.value for s in at.success][-1] == "已恢复版本 v0,规则版本 v3 生效。"
    assert (glue.rules_in_force().version, glue.rules_in_force().caps_per_24h) == (3, 5)
    engine = _engine(demo_copy)
    assert [(v.version_id, v.action, v.source_version) for v in rule_versions.versions(engine)] == [
        (1, "propose", None),
        (2, "approve", 1),
        (3, "restore", 0),
    ]
    engine.dispose()


def test_the_risk_page_names_the_rules_version(
    demo_copy: str, use_db: Callable[[str], None], override_file: Path
) -> None:
    """A stored version v1 (written at 2026-03-01 09:30 Beijing) is named under the risk page's period."""
    engine = _engine(demo_copy)
    rule_versions.apply(
        engine, {"risk": {"outside_hours": {"weight": 0.3}}}, actor="alice", at=datetime(2026, 3, 1, 9, 30)
    )
    engine.dispose()
    use_db(demo_copy)
    at = run("pages/risk.py", query={"lang": "en"})
    assert_clean(at)
    assert "Rules version v1 (2026-03-01 09:30:00)" in [c.value for c in at.caption]


def test_company_and_finance_edits(demo_copy: str, use_db: Callable[[str], None], pinned: date) -> None:
    """Saving the legal representative and a finance year reaches the database and the report fields."""
    use_db(demo_copy)
    at = run(page="pages/settings.py")
    at.text_input(key="settings.company.legal_rep").input("李雷")
    button(at, "保存企业信息").click().run()
    assert_clean(at)
    assert "企业信息已保存。" in [s.value for s in at.success]
    at.selectbox(key="settings.fin_year").set_value(2024).run()
    at.number_input(key="settings.finance.2024.revenue_wan").set_value(12345.5)
    button(at, "保存 2024 年财务数据").click().run()
    assert "2024 年财务数据已保存。" in [s.value for s in at.success]
    engine = _engine(demo_copy)
    assert profile.read_company(engine)["legal_rep"] == "李雷"
    finance = profile.read_finance(engine).filter(pl.col("year") == 2024).row(0, named=True)
    engine.dispose()
    assert finance["revenue_wan"] == 12345.5
    # The regulatory dashboard's fields follow at once (the write changed the data version).
    at.switch_page("pages/regulatory.py").run()
    fields = at.dataframe[1].value
    assert fields[fields["字段"] == "法定代表人"].iloc[0]["本年"] == "李雷"
    assert fields[fields["字段"] == "营业收入(万元)"].iloc[0]["本年"] == "12,345.50"


def test_profile_read_only_engine(
    demo_db: DemoDb, use_db: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On an engine the app may not edit (ClickHouse), a clear message and disabled save buttons."""
    use_db(demo_db.url)
    monkeypatch.setattr(glue, "profile_editable", lambda url: False)
    at = run("pages/settings.py")
    assert_clean(at)
    assert [i.value for i in at.info] == [t("settings.readonly", "zh", engine="duckdb")]
    assert button(at, "保存企业信息").disabled is True


# ----------------------------------------------------------------------------------------------
# Every page: demo, empty database, filter matching nothing, language
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("script", list(PAGES_A))
def test_page_on_its_own_and_in_english(
    script: str, demo_copy: str, use_db: Callable[[str], None], pinned: date
) -> None:
    """Each page runs on its own; switching to English changes its title."""
    use_db(demo_copy)
    at = run(script)
    assert_clean(at)
    zh, en = PAGES_A[script]
    assert [el.value for el in at.title] == [zh]
    at.segmented_control(key="lang").set_value("en").run()
    assert_clean(at)
    assert [el.value for el in at.title] == [en]


@pytest.mark.parametrize("script", list(PAGES_A))
def test_page_through_the_router_in_english(
    script: str, demo_copy: str, use_db: Callable[[str], None], pinned: date
) -> None:
    """Through app.py with ?lang=en each page has its English title."""
    use_db(demo_copy)
    at = run(page=script, query={"lang": "en"})
    assert_clean(at)
    assert [el.value for el in at.title] == [PAGES_A[script][1]]


def test_pages_on_an_empty_database(empty_db: str, use_db: Callable[[str], None], pinned: date) -> None:
    """No calls: each page says so in place; the calendar and the settings still work."""
    use_db(empty_db)
    reg = run("pages/regulatory.py")
    assert_clean(reg)
    assert [i.value for i in reg.info] == [t("home.no_calls_db", "zh")]
    assert reg.selectbox(key="reg.year").value == "2024"  # today's previous year without data
    assert len(reg.dataframe[0].value) == 8
    pack = run("pages/asset_pack.py")
    assert_clean(pack)
    assert [i.value for i in pack.info] == [t("home.no_calls_db", "zh")]
    dq = run("pages/data_quality.py")
    assert_clean(dq)
    assert [i.value for i in dq.info] == [t("home.no_calls_db", "zh")]
    settings = run("pages/settings.py")
    assert_clean(settings)
    assert "尚未录入企业信息。" in [c.value for c in settings.caption]
    assert "尚未录入财务数据。" in [c.value for c in settings.caption]


def test_pages_on_a_database_without_tables(no_tables_db: str, use_db: Callable[[str], None]) -> None:
    """A database without the tables: one database error in place on each page, no traceback."""
    use_db(no_tables_db)
    for script in ("pages/regulatory.py", "pages/asset_pack.py", "pages/data_quality.py"):
        at = run(script)
        assert_clean(at)
        assert len(at.error) == 1
        assert at.error[0].value.startswith("**数据库问题:** 数据库结构不完整")


def test_pages_with_a_filter_matching_nothing(
    idle_team_db: DemoDb, tmp_path: Path, use_db: Callable[[str], None], pinned: date
) -> None:
    """A team without calls: company-wide pages say the filter does not apply; nothing breaks."""
    path = tmp_path / "idle-copy.duckdb"
    shutil.copy(idle_team_db.url.removeprefix("duckdb:///"), path)
    use_db(f"duckdb:///{path}")
    query = {"team": idle_team_db.idle_team}
    for script in PAGES_A:
        at = run(script, query=query)
        assert_clean(at)
        assert at.multiselect(key="filter_team").value == [idle_team_db.idle_team]
    reg = run("pages/regulatory.py", query=query)
    assert t("reg.company_wide", "zh") in [c.value for c in reg.caption]
    assert len(reg.dataframe[1].value) == 46
    dq = run("pages/data_quality.py", query=query)
    assert [i.value for i in dq.info] == [t("dq.filters_ignored", "zh")]


def test_data_quality_empty_period(demo_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """A period before the data: the message names where the data ends; the checks still show."""
    use_db(demo_db.url)
    at = run("pages/data_quality.py", query={"from": "2020-01-01", "to": "2020-01-31"})
    assert_clean(at)
    assert [i.value for i in at.info] == [
        "2020-01-01 至 2020-01-31 期间没有通话记录,通话类检查计数为 0。数据覆盖到 2025-06-30。"
    ]
    assert at.metric[0].value == "10"  # every check of core.reporting.quality runs, calls or not
