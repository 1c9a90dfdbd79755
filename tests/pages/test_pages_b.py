"""Touch, capacity and risk pages in AppTest: exact figures from core, drill-downs, empty cases, language."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from core.compliance.risk import compute_risk, read_rule_calls, risk_rules, select_rule_calls
from core.compliance.risk_lists import rank_by_rule
from core.infra import db
from core.infra.i18n import fmt, t
from core.pagedata.capacity import build_capacity
from core.pagedata.staffing import compute_staffing, summarise_staffing
from core.pagedata.touch import (
    TOUCH_KPIS,
    build_campaign_agents,
    build_touch,
    read_call_list,
    select_call_list,
)
from core.semantic.metrics import METRICS
from tests.fixtures import DEMO_END, DemoBuilds, DemoDb
from ui.kpi import delta_markdown, kpi_formats

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("touch", "capacity", "risk")
SEPT = (date(2025, 9, 1), date(2025, 9, 30))
SEPT_QUERY = {"from": "2025-09-01", "to": "2025-09-30"}
TITLES = {"touch": ("客户触达效率", "Touch efficiency"), "capacity": ("坐席产能健康度", "Seat-capacity health"),
          "risk": ("外呼合规风险热力图", "Outbound risk heatmap")}  # fmt: skip


@pytest.fixture(scope="session")
def pages_demo(demo_builds: DemoBuilds, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo company at 5 % volume ending 2026-10-31 (report year 2025, rogue weeks planted)."""
    return demo_builds.copy(tmp_path_factory.mktemp("pages_b") / "demo.duckdb", DEMO_END, 0.05).url


@pytest.fixture
def engine(pages_demo: str) -> Iterator[Engine]:
    """An engine on the demo, for the expected values."""
    eng = db.make_engine(pages_demo)
    yield eng
    eng.dispose()


def run_page(page: str, query: dict[str, Any] | None = None) -> AppTest:
    """Run ``pages/<page>.py`` on its own once, with a query string."""
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=180)
    if query:
        at.query_params.update(query)
    return at.run()


def assert_clean(at: AppTest) -> None:
    """No uncaught exception, no error box, no traceback text."""
    assert list(at.exception) == []
    assert [e.value for e in at.error] == []
    shown = [str(el.value) for kind in ("markdown", "caption", "info", "warning") for el in getattr(at, kind)]
    assert not any("Traceback" in text for text in shown)


def table(at: AppTest, header: str, *, nth: int = 0) -> Any:
    """The ``nth`` data grid whose columns include ``header`` (as a pandas frame)."""
    grids = [df.value for df in at.dataframe if header in list(df.value.columns)]
    assert len(grids) > nth, f"no table with column {header!r}"
    return grids[nth]


def card_texts(kpis: Any, lang: str) -> list[tuple[str, str, str]]:
    """(label, value, month-over-month change) of each card, from core's Kpi objects."""
    out = []
    for k in kpis:
        value_fmt, delta_fmt = kpi_formats(k.key)
        mom = "" if k.mom is None else fmt(k.mom, delta_fmt, lang, signed=True)
        out.append((METRICS[k.key].label(lang), fmt(k.value, value_fmt, lang), mom))
    return out


def yoy_captions(kpis: Any, lang: str) -> list[str]:
    """The year-over-year line under each card."""
    out = []
    for k in kpis:
        _, delta_fmt = kpi_formats(k.key)
        yoy = None if k.yoy is None else fmt(k.yoy, delta_fmt, lang, signed=True)
        out.append(f"{t('delta.yoy', lang)} {delta_markdown(yoy, METRICS[k.key].higher_is_better)}")
    return out


# ---------------------------------------------------------------------------------------------
# Touch efficiency
# ---------------------------------------------------------------------------------------------


def test_touch_cards_equal_core(pages_demo: str, engine: Engine, use_db: Callable[[str], None]) -> None:
    """September 2025: ten cards whose values, MoM and YoY changes are core.pagedata.touch's, formatted by fmt."""
    use_db(pages_demo)
    at = run_page("touch", SEPT_QUERY)
    assert_clean(at)
    assert [el.value for el in at.title] == ["客户触达效率"]
    assert at.subheader[0].value == "2025年9月"
    data = build_touch(engine, *SEPT)
    cards = [(m.label, m.value, m.delta or "") for m in at.metric]
    assert cards == card_texts(data.kpis, "zh")
    assert [label for label, _, _ in cards] == [METRICS[k].label("zh") for k in TOUCH_KPIS]
    captions = [c.value for c in at.caption]
    assert yoy_captions(data.kpis, "zh") == [c for c in captions if c.startswith("同比 ")]
    # Counts change relatively (%), rates in percentage points: not the other way round.
    assert cards[0][2].endswith("%") and cards[1][2].endswith("个百分点")


def test_touch_breakdown_tables(pages_demo: str, engine: Engine, use_db: Callable[[str], None]) -> None:
    """Each breakdown tab lists every value of its dimension, busiest first, rates as fmt text."""
    use_db(pages_demo)
    at = run_page("touch", SEPT_QUERY)
    data = build_touch(engine, *SEPT)
    by_campaign = table(at, "项目名称")
    expected = data.breakdowns["campaign"]
    assert by_campaign["外呼项目"].tolist() == expected["campaign"].to_list()
    assert by_campaign["有效通话率"].tolist() == [fmt(v, "pct1", "zh") for v in expected["effective_rate"]]

    # Only the open tab draws its table; opening another draws that one instead.
    def first_columns() -> list[str]:
        return [str(df.value.columns[0]) for df in at.dataframe]

    assert "被叫省份" not in first_columns()
    at.session_state["touch.breakdown.tab"] = "被叫省份"
    at.run()
    assert "被叫省份" in first_columns()
    provinces = next(df.value for df in at.dataframe if df.value.columns[0] == "被叫省份")
    assert provinces["被叫省份"].tolist() == data.breakdowns["callee_province"]["callee_province"].to_list()
    assert not any("项目名称" in df.value.columns for df in at.dataframe)


def test_touch_drilldown_reaches_calls(
    pages_demo: str, engine: Engine, use_db: Callable[[str], None]
) -> None:
    """Campaign C08 → its agents (from core) → the first agent's calls, newest first, ids masked."""
    use_db(pages_demo)
    at = run_page("touch", SEPT_QUERY)
    data = build_touch(engine, *SEPT)
    busiest = data.breakdowns["campaign"]["campaign"][0]
    assert at.selectbox(key="touch.drill.campaign").value == busiest
    at.selectbox(key="touch.drill.campaign").set_value("C08").run()
    assert_clean(at)
    agents = build_campaign_agents(engine, *SEPT, "C08")
    agent_ids = [a for a in agents["agent"].to_list() if a is not None]
    assert at.selectbox(key="touch.drill.agent").options == ["全部坐席", *agent_ids]
    first = agent_ids[0]
    assert at.selectbox(key="touch.drill.agent").value == first
    grid = table(at, "坐席")  # the campaign's agents (the agent breakdown tab is closed)
    assert grid["坐席"].tolist() == [a if a is not None else "—" for a in agents["agent"].to_list()]
    calls = table(at, "客户(脱敏)")
    expected = read_call_list(
        engine, select_call_list(*SEPT, campaign_id="C08", agent_id=first, page_size=50)
    )
    assert calls["通话编号"].tolist() == expected["call_id"].to_list()
    assert len(calls) == min(50, expected.height)
    assert all("…" in c for c in calls["客户(脱敏)"])
    assert at.query_params["touch_campaign"] == "C08"
    assert at.query_params["touch_agent"] == first
    # The next page holds the next 50 calls.
    at.number_input(key=f"touch.drill.page.C08.{first}").set_value(2).run()
    page2 = read_call_list(
        engine, select_call_list(*SEPT, campaign_id="C08", agent_id=first, page=1, page_size=50)
    )
    assert table(at, "客户(脱敏)")["通话编号"].tolist() == page2["call_id"].to_list()


def test_touch_drilldown_from_the_url(pages_demo: str, use_db: Callable[[str], None]) -> None:
    """A copied link with touch_campaign and touch_agent opens the same drill-down."""
    use_db(pages_demo)
    at = run_page("touch", {**SEPT_QUERY, "touch_campaign": "C08", "touch_agent": "*"})
    assert_clean(at)
    assert at.selectbox(key="touch.drill.campaign").value == "C08"
    assert at.selectbox(key="touch.drill.agent").value == "*"
    assert any(m.value == "**通话明细:项目 C08 · 全部坐席**" for m in at.markdown)


# ---------------------------------------------------------------------------------------------
# Seat capacity
# ---------------------------------------------------------------------------------------------


def test_capacity_equals_core(pages_demo: str, engine: Engine, use_db: Callable[[str], None]) -> None:
    """Cards from core.pagedata.capacity, staffing counts from core.pagedata.staffing, outliers named as core flags them."""
    use_db(pages_demo)
    at = run_page("capacity", SEPT_QUERY)
    assert_clean(at)
    assert [el.value for el in at.title] == ["坐席产能健康度"]
    data = build_capacity(engine, *SEPT)
    summary = summarise_staffing(compute_staffing(engine, *SEPT))
    cards = [(m.label, m.value, m.delta or "") for m in at.metric]
    assert cards[: len(data.kpis)] == card_texts(data.kpis, "zh")
    staffing = cards[len(data.kpis) :]
    assert staffing == [
        (
            t(f"capacity.status.{row['status']}", "zh"),
            fmt(row["intervals"], "num0", "zh"),
            fmt(row["share"], "pct1", "zh"),
        )
        for row in summary.by_status.iter_rows(named=True)
    ]
    assert sum(int(v.replace(",", "")) for _, v, _ in staffing) == summary.intervals
    outliers = table(at, "异常")
    assert outliers["坐席"].tolist() == data.outliers["agent"].to_list()
    assert outliers["异常"].tolist() == [{"low": "偏低", "high": "偏高"}[o] for o in data.outliers["outlier"]]


# ---------------------------------------------------------------------------------------------
# Risk heatmap
# ---------------------------------------------------------------------------------------------


def test_risk_defaults_to_riskiest_cell(
    pages_demo: str, engine: Engine, use_db: Callable[[str], None]
) -> None:
    """Campaigns by week; the select boxes start on the highest-scoring cell; the URL records it."""
    use_db(pages_demo)
    at = run_page("risk", SEPT_QUERY)
    assert_clean(at)
    assert [el.value for el in at.title] == ["外呼合规风险热力图"]
    assert at.selectbox(key="risk.entity").value == "campaign"
    frame = compute_risk(engine, *SEPT, entity="campaign", grain="week")
    top = frame.sort(["score", "period", "entity"], descending=[True, False, False]).row(0, named=True)
    assert at.selectbox(key="risk.cell.entity").value == top["entity"]
    assert at.selectbox(key="risk.cell.period").value == top["period"]
    assert at.query_params["risk_by"] == "campaign"
    assert at.query_params["risk_grain"] == "week"
    assert at.query_params["risk_cell"] == top["entity"]


def test_risk_selectors_reach_the_planted_calls(
    pages_demo: str, engine: Engine, use_db: Callable[[str], None]
) -> None:
    """C08, week of 2025-09-08: its score, top rules with sources, and the calls behind each rule."""
    use_db(pages_demo)
    frame = compute_risk(engine, *SEPT, entity="campaign", grain="week")
    cell = frame.filter((pl.col("entity") == "C08") & (pl.col("period") == "2025-09-08"))
    assert cell.height == 1  # the planted rogue week exists at this scale
    cell_row = cell.row(0, named=True)
    assert cell_row["band"] == "critical"
    at = run_page("risk", SEPT_QUERY)
    at.selectbox(key="risk.cell.entity").set_value("C08")
    at.selectbox(key="risk.cell.period").set_value("2025-09-08").run()
    assert_clean(at)
    assert "外呼项目 C08 · 2025-09-08 至 2025-09-14" in [s.value for s in at.subheader]
    assert at.metric[0].value == fmt(cell_row["score"], "num0", "zh")
    in_week = frame.filter(pl.col("period") == "2025-09-08").height
    assert at.metric[1].value == t("risk.rank_of", "zh", rank=cell_row["rank"], n=in_week)
    rules = {r.id: r for r in risk_rules()}
    rules_table = at.table[0].value
    assert rules_table["规则"].tolist() == [rules[r].label("zh") for r in cell_row["top_rules"]]
    assert rules_table["依据"].tolist() == [rules[r].source for r in cell_row["top_rules"]]
    assert rules_table["次数"].tolist() == [
        fmt(cell_row[f"n_{r}"], "num0", "zh") for r in cell_row["top_rules"]
    ]
    # One tab per top rule, each with its calls (the first page), customer ids masked.
    labels = [rules[r].label("zh") for r in cell_row["top_rules"]]
    for label, rule_id in zip(labels, cell_row["top_rules"], strict=True):
        at.session_state["risk.calls.tab"] = label
        at.run()
        grids = [df.value for df in at.dataframe if "客户(脱敏)" in list(df.value.columns)]
        assert len(grids) == 1  # only the open tab's calls are drawn
        grid = grids[0]
        expected = read_rule_calls(
            engine,
            select_rule_calls(
                engine, rule_id, entity="campaign", value="C08", start=date(2025, 9, 8), end=date(2025, 9, 14),
                page_size=50,
            ),
        )  # fmt: skip
        assert expected.height > 0
        if rules[rule_id].kind == "count" and rule_id != "marking":  # counts of calls, not of days
            # As many calls as the cell counts (complaints: the calls named by those received that week).
            assert expected.height == min(50, cell_row[f"n_{rule_id}"])
        assert grid["通话编号"].tolist() == expected["call_id"].to_list()
        assert set(grid["外呼项目"]) == {"C08"}
        assert all("…" in c for c in grid["客户(脱敏)"])
    assert at.query_params["risk_cell"] == "C08"
    assert at.query_params["risk_period"] == "2025-09-08"


def test_risk_state_from_the_url(pages_demo: str, engine: Engine, use_db: Callable[[str], None]) -> None:
    """risk_by, risk_grain, risk_cell and risk_period in a link open that cell, by caller number and day."""
    use_db(pages_demo)
    frame = compute_risk(engine, *SEPT, entity="caller_number", grain="day")
    row = frame.filter(pl.col("entity") == "0551-XXXX0003").sort("score", descending=True).row(0, named=True)
    query = {**SEPT_QUERY, "risk_by": "caller_number", "risk_grain": "day", "risk_cell": row["entity"],
             "risk_period": row["period"]}  # fmt: skip
    at = run_page("risk", query)
    assert_clean(at)
    assert at.selectbox(key="risk.entity").value == "caller_number"
    assert at.selectbox(key="risk.cell.entity").value == "0551-XXXX0003"
    assert at.selectbox(key="risk.cell.period").value == row["period"]
    assert f"主叫号码 0551-XXXX0003 · {row['period']}" in [s.value for s in at.subheader]


def test_risk_ranked_lists(pages_demo: str, engine: Engine, use_db: Callable[[str], None]) -> None:
    """Each ranked list is core.compliance.risk_lists.rank_by_rule over the period's day cells."""
    use_db(pages_demo)
    at = run_page("risk", SEPT_QUERY)
    by_day = compute_risk(engine, *SEPT, entity="campaign", grain="day")
    for rule_id, header in (
        ("outside_hours", "时段外通话"),
        ("dnc", "拒呼名单通话"),
        ("abandon", "超标天数"),
    ):
        expected = rank_by_rule(by_day, rule_id)
        at.session_state["risk.lists.tab"] = t(f"risk.list.{rule_id}", "zh")
        at.run()
        if expected.height == 0:
            assert t("risk.list_empty", "zh") in [el.value for el in at.success]
            continue
        grid = table(at, header)
        assert grid["外呼项目"].tolist() == expected["entity"].to_list()
        assert grid[header].tolist() == [fmt(v, "num0", "zh") for v in expected["count"]]
    outside = rank_by_rule(by_day, "outside_hours")
    assert outside["entity"][0] == "C08"  # the rogue campaign leads the after-hours list


def test_risk_rules_in_force(pages_demo: str, use_db: Callable[[str], None]) -> None:
    """The rules table lists every rule of rules.toml with its source text."""
    use_db(pages_demo)
    at = run_page("risk", SEPT_QUERY)
    rules_table = at.table[-1].value
    assert rules_table["规则"].tolist() == [r.label("zh") for r in risk_rules()]
    assert rules_table["依据"].tolist() == [r.source for r in risk_rules()]
    assert all(source for source in rules_table["依据"])


# ---------------------------------------------------------------------------------------------
# Empty cases, language, registration
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_empty_database(page: str, empty_db: str, use_db: Callable[[str], None]) -> None:
    """A database with the tables and no rows: the 'no calls yet' message in place."""
    use_db(empty_db)
    at = run_page(page)
    assert_clean(at)
    assert [el.value for el in at.title] == [TITLES[page][0]]
    assert [el.value for el in at.info] == [t("home.no_calls_db", "zh")]
    assert list(at.metric) == []


@pytest.mark.parametrize("page", PAGES)
def test_database_without_tables(page: str, no_tables_db: str, use_db: Callable[[str], None]) -> None:
    """A database without our tables: one database error box, never a traceback."""
    use_db(no_tables_db)
    at = run_page(page)
    assert list(at.exception) == []
    assert len(at.error) == 1
    assert at.error[0].value.startswith(f"**{t('error.database', 'zh')}:**")


@pytest.mark.parametrize(("page", "what"), [("touch", "pages.what_outbound"), ("capacity", "pages.what_agents"),
                                            ("risk", "pages.what_outbound")])  # fmt: skip
def test_empty_period(page: str, what: str, pages_demo: str, use_db: Callable[[str], None]) -> None:
    """A period before the data: says so, names where the data ends, draws no card."""
    use_db(pages_demo)
    at = run_page(page, {"from": "2020-01-01", "to": "2020-01-31"})
    assert_clean(at)
    message = t("pages.empty_period", "zh", what=t(what, "zh"), start="2020-01-01", end="2020-01-31",
                latest="2026-10-31")  # fmt: skip
    assert [el.value for el in at.info] == [message]
    assert list(at.metric) == []


@pytest.mark.parametrize(("page", "what"), [("touch", "pages.what_outbound"), ("capacity", "pages.what_agents"),
                                            ("risk", "pages.what_outbound")])  # fmt: skip
def test_filter_matching_nothing(
    page: str, what: str, idle_team_db: DemoDb, use_db: Callable[[str], None]
) -> None:
    """A team without calls or sessions: the 'no match' message, naming the filters to change."""
    use_db(idle_team_db.url)
    at = run_page(page, {"team": idle_team_db.idle_team})
    assert_clean(at)
    assert at.multiselect(key="filter_team").value == [idle_team_db.idle_team]
    assert [el.value for el in at.info] == [t("pages.no_match", "zh", what=t(what, "zh"))]
    assert list(at.metric) == []


@pytest.mark.parametrize("page", PAGES)
def test_language_switch_changes_the_title(page: str, pages_demo: str, use_db: Callable[[str], None]) -> None:
    """Switching to English retitles the page; a link with lang=en opens in English."""
    use_db(pages_demo)
    at = run_page(page, SEPT_QUERY)
    assert [el.value for el in at.title] == [TITLES[page][0]]
    at.segmented_control(key="lang").set_value("en").run()
    assert_clean(at)
    assert [el.value for el in at.title] == [TITLES[page][1]]
    assert at.query_params["lang"] == "en"
    assert at.subheader[0].value == "Sep 2025"
    again = run_page(page, {**SEPT_QUERY, "lang": "en"})
    assert [el.value for el in again.title] == [TITLES[page][1]]


def test_pages_registered_in_menu_order() -> None:
    """app.PAGES lists touch, capacity and risk together in that order, with settings last."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))  # importing app.py would run it
    pages = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "PAGES" and node.value
    )
    paths = [path for path, *_ in pages]
    start = paths.index("pages/touch.py")
    assert paths[start : start + 3] == ["pages/touch.py", "pages/capacity.py", "pages/risk.py"]
    assert start >= 1 and paths[-1] == "pages/settings.py"
    assert [title for _, title, _, _ in pages[start : start + 3]] == [
        "page.touch",
        "page.capacity",
        "page.risk",
    ]


def test_kpi_formats() -> None:
    """Counts show compact and change relatively; rates change in points; seconds change relatively."""
    assert kpi_formats("outbound_calls") == ("wan", "pct1")
    assert kpi_formats("connect_rate") == ("pct1", "pp1")
    assert kpi_formats("avg_talk_seconds") == ("sec0", "pct1")
    assert delta_markdown("+1.2个百分点", True) == ":green[▲ +1.2个百分点]"
    assert delta_markdown("+1.2个百分点", False) == ":red[▲ +1.2个百分点]"
    assert delta_markdown("-3.0%", None) == ":gray[▼ -3.0%]"
    assert delta_markdown("0.0%", True) == ":gray[0.0%]"
    assert delta_markdown(None, True) == "—"
