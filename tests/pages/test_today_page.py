"""The 今日监控 / Today page (pages/today.py) in AppTest, on the tiny company of tests/alerts/today_rows.py.

The clock is pinned with ``CALLCENTER_NOW`` (core.pagedata.today.CLOCK_ENV) to 2025-09-03 20:55 Beijing.
The day by hand (today_rows): C1 4 calls, 2 connected (50.0 %), 1 abandoned (1/3 = 33.3 %), 1 outside its
window, newest 20:52; C2 6 calls, 2 connected (33.3 %), abandon 0.0 %, 1 outside, 1 DNC, 1 over the cap,
newest 13:03; company 10 calls, 40.0 % connected, abandon 1/5 = 20.0 %, 2 outside, 1 DNC, 1 over cap;
S1: 2 agents logged in against 1 declared seat. The plotly figure is tested on its traces in
tests/alerts/test_today_page_core.py (AppTest sees it only as an unknown element).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.alerts import store
from core.infra import db
from core.infra.i18n import t
from core.pagedata.today import CLOCK_ENV
from tests.alerts.today_rows import at, company, today_calls
from tests.fixtures import load_tables
from ui import glue

ROOT = Path(__file__).resolve().parents[2]
LINK = "risk?from=2025-09-03&to=2025-09-03&lang={lang}&risk_by=campaign&risk_grain=day&risk_cell={c}&risk_period=2025-09-03"


@pytest.fixture
def tiny(tmp_path: Path, use_db: Callable[[str], None], monkeypatch: pytest.MonkeyPatch) -> str:
    """The tiny company in a DuckDB file, the app pointed at it, the clock at 2025-09-03 20:55."""
    url = f"duckdb:///{tmp_path / 'tiny.duckdb'}"
    load_tables(db.make_engine(url), company(), indexes=False).dispose()
    use_db(url)
    monkeypatch.setenv(CLOCK_ENV, "2025-09-03T20:55")
    return url


def run(script: str = "pages/today.py", query: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / script), default_timeout=60)
    if script == "app.py":
        app.switch_page("pages/today.py")
    if query:
        app.query_params.update(query)
    return app.run()


def assert_clean(app: AppTest) -> None:
    assert list(app.exception) == []
    assert list(app.error) == []


def metrics(app: AppTest) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in app.metric]


def page_texts(app: AppTest) -> list[str]:
    """The main area's words: titles, captions, markdown (links' targets dropped), boxes, metric
    labels, table headers and cells."""
    out = [
        str(e.value)
        for k in ("title", "subheader", "caption", "info", "warning", "success")
        for e in getattr(app, k)
    ]
    # Markdown without link targets and colour directives (``:red[●]``).
    out += [re.sub(r":(red|orange)\[|\]\([^)]*\)", "", str(m.value)) for m in app.markdown]
    out += [m.label for m in app.metric]
    for frame in app.dataframe:
        out += [str(c) for c in frame.value.columns]
        out += [
            str(v)
            for row in frame.value.itertuples(index=False)
            for v in row
            if not str(v).startswith("risk?")
        ]
    return out


def test_today_by_hand(tiny: str) -> None:
    """The cards, the red items with their risk-page links, and the tables, as worked out by hand."""
    app = run()
    assert_clean(app)
    assert [e.value for e in app.title] == ["今日监控"]
    assert app.subheader[0].value == "2025-09-03 · 截至 20:55:00"
    assert "最新通话记录:2025-09-03 20:52:00" in [c.value for c in app.caption]
    assert list(app.warning) == []  # newest call 3 minutes ago: the feed is not stale
    assert metrics(app) == [
        ("外呼量", "10"),
        ("外呼接通率", "40.0%"),
        ("外呼放弃率", "20.0%"),
        ("时段外外呼", "2"),
        ("拨打免打扰号码", "1"),
        ("超单客户频次", "1"),
        ("在线坐席 / 申报坐席", "2 / 1"),
    ]
    view = "在风险热力图中查看"
    c1, c2 = LINK.format(lang="zh", c="C1"), LINK.format(lang="zh", c="C2")
    site = "risk?from=2025-09-03&to=2025-09-03&lang=zh&site=S1"
    items = next(m.value for m in app.markdown if str(m.value).startswith("- "))
    assert items.splitlines() == [
        f"- :red[●] 活动 C1:放弃率 33.3%,超过上限 3.0% · [{view}]({c1})",
        f"- :red[●] 活动 C1:1 通外呼不在允许的外呼时段内 · [{view}]({c1})",
        f"- :red[●] 活动 C2:1 通外呼不在允许的外呼时段内 · [{view}]({c2})",
        f"- :red[●] 活动 C2:1 通拨打了免打扰名单中的号码 · [{view}]({c2})",
        f"- :red[●] 活动 C2:1 通超出单客户呼叫频次上限 · [{view}]({c2})",
        f"- :red[●] 站点 S1:在线坐席 2 人,超过申报的 1 席 · [{view}]({site})",
        f"- :orange[●] 活动 C1:20:52 仍在外呼,外呼时段 21:00 结束 · [{view}]({c1})",
    ]
    campaigns, numbers, seats = (d.value for d in app.dataframe)
    assert [list(r) for r in campaigns.itertuples(index=False)] == [
        ["C1", "4", "2", "50.0%", "33.3%", "1", "0", "0", "0", "21:00", "20:52:00", c1],
        ["C2", "6", "2", "33.3%", "0.0%", "1", "1", "1", "0", "21:00", "13:03:00", c2],
    ]
    assert list(campaigns.columns[:5]) == ["活动", "外呼量", "接通量", "外呼接通率", "外呼放弃率"]
    # Short calls: N1 c2 (3 s) of 2 connected = 50.0 %; N2 none; too few calls to judge marking (否).
    assert [list(r)[:5] for r in numbers.itertuples(index=False)] == [
        ["0571-0001", "4", "50.0%", "50.0%", "否"],
        ["0571-0002", "6", "33.3%", "0.0%", "否"],
    ]
    assert [list(r) for r in seats.itertuples(index=False)] == [["S1", "2", "1"]]
    assert "今天还没有发出告警。" in [c.value for c in app.caption]


def test_today_in_english_through_the_router(tiny: str) -> None:
    """?lang=en through app.py: English title and cards, and no Chinese on the page but the data's own
    (the site's name is never shown; ids are C1, S1, 0571-…)."""
    app = run("app.py", {"lang": "en"})
    assert_clean(app)
    assert [e.value for e in app.title] == ["Today"]
    assert app.subheader[0].value == "2025-09-03 · as of 20:55:00"
    assert metrics(app)[:3] == [
        ("Outbound calls", "10"),
        ("Connect rate", "40.0%"),
        ("Abandon rate", "20.0%"),
    ]
    items = next(m.value for m in app.markdown if str(m.value).startswith("- "))
    first = items.splitlines()[0]
    assert first == (
        "- :red[●] Campaign C1: abandon rate 33.3%, above the 3.0% limit · "
        f"[open in the risk heatmap]({LINK.format(lang='en', c='C1')})"
    )
    cjk = [s for s in page_texts(app) if re.search(r"[\u4e00-\u9fff]", s)]
    assert cjk == []


def test_the_chinese_page_has_no_english_words(tiny: str) -> None:
    """Every word of the zh page is Chinese: no ASCII word of three letters or more outside the data
    and link targets (ids such as C1, S1 and times are not words)."""
    app = run()
    assert_clean(app)
    words = [w for s in page_texts(app) for w in re.findall(r"[A-Za-z]{3,}", s)]
    assert words == []


def test_the_days_alerts_are_listed(tiny: str) -> None:
    """An alert raised at 20:40: 运维群 (企业微信) accepted it at the second attempt, 主管邮箱 timed out →
    delivered 运维群, failed 主管邮箱, 3 attempts; yesterday's alert is not listed."""
    engine = db.make_engine(tiny)
    store.ensure_tables(engine)
    store.write_events(
        engine,
        [
            store.Event(
                "e1",
                "abandon",
                "campaign",
                "C1",
                at(20, 40).date(),
                "alert",
                at(20, 40),
                1 / 3,
                0.03,
                "【告警】放弃率 · 活动 C1\n…",
                "",
            ),
            store.Event(
                "e0",
                "dnc",
                "campaign",
                "C2",
                datetime(2025, 9, 2).date(),
                "alert",
                datetime(2025, 9, 2, 12),
                1.0,
                0.0,
                "昨天",
                "",
            ),
        ],
    )
    for attempt, channel, kind, error in (
        (1, "运维群", "wecom", "errcode 45009"),
        (2, "运维群", "wecom", None),
        (1, "主管邮箱", "email", "连接超时"),
    ):
        store.write_delivery(
            engine, "e1", channel, kind, attempt=attempt, round_=1, at=at(20, 40), error=error
        )
    engine.dispose()
    app = run()
    assert_clean(app)
    log = app.dataframe[-1].value
    assert list(log.columns) == [
        "时间",
        "类型",
        "规则",
        "对象",
        "数值",
        "阈值",
        "已送达",
        "发送失败",
        "尝试次数",
        "消息",
    ]
    assert [list(r) for r in log.itertuples(index=False)] == [
        [
            "20:40:00",
            "告警",
            "abandon",
            "C1",
            "0.33",
            "0.03",
            "运维群",
            "主管邮箱: 连接超时",
            "3",
            "【告警】放弃率 · 活动 C1",
        ],
    ]


def test_an_empty_database(empty_db: str, use_db: Callable[[str], None]) -> None:
    """No calls at all: one plain message, no cards, no traceback."""
    use_db(empty_db)
    app = run()
    assert_clean(app)
    assert [i.value for i in app.info] == [t("today.no_calls_db", "zh")]
    assert list(app.metric) == []


def test_no_calls_today_offers_the_newest_day(tiny: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two days later: "no calls since midnight; newest 2025-09-03 20:52:00" and a switch that shows that day
    as it stood at its last record (labelled, not today): 10 calls, 2 agents logged in at 20:52."""
    monkeypatch.setenv(CLOCK_ENV, "2025-09-05T10:00")
    app = run()
    assert_clean(app)
    assert [i.value for i in app.info] == ["今天(自 0 点起)还没有通话;最新记录:2025-09-03 20:52:00。"]
    assert list(app.metric) == []
    app.toggle(key="today_latest").set_value(True).run()
    assert_clean(app)
    assert [w.value for w in app.warning] == [
        "正在查看 2025-09-03 的数据(截至当天最后一条记录 20:52:00),不是今天。"
    ]
    assert app.subheader[0].value == "2025-09-03 · 截至 20:52:00"
    assert metrics(app)[0] == ("外呼量", "10")
    assert metrics(app)[-1] == ("在线坐席 / 申报坐席", "2 / 1")  # A1 since 08:00, A2 again since 20:30


def test_stale_feed_warning(
    tmp_path: Path, use_db: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without C1's 20:52 call the newest is C2's 13:03: at 20:55, inside the 08:00–21:00 window, 472
    minutes without a record (> 15) → the stale warning; the replay of a past day never warns."""
    url = f"duckdb:///{tmp_path / 'stale.duckdb'}"
    rows = [c for c in today_calls() if c["call_id"] != "c4"]
    load_tables(db.make_engine(url), company(rows), indexes=False).dispose()
    use_db(url)
    monkeypatch.setenv(CLOCK_ENV, "2025-09-03T20:55")
    app = run()
    assert_clean(app)
    assert [w.value for w in app.warning] == [
        "数据源可能已中断:已有 472 分钟没有新的通话记录(外呼时段内超过 15 分钟即提示)。请检查话单导入或监控服务。"
    ]
    monkeypatch.setenv(CLOCK_ENV, "2025-09-04T10:00")
    app = run()
    app.toggle(key="today_latest").set_value(True).run()
    assert [w.value for w in app.warning] == [
        "正在查看 2025-09-03 的数据(截至当天最后一条记录 13:03:00),不是今天。"
    ]


@pytest.fixture
def lock_holder(tiny: str) -> Iterator[Callable[[], None]]:
    """Start (on call) another process that holds the DuckDB file open until the test ends."""
    procs: list[subprocess.Popen[str]] = []

    def hold() -> None:
        path = tiny.removeprefix("duckdb:///")
        code = (
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()"
        )
        proc = subprocess.Popen(
            [sys.executable, "-c", code, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        procs.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"

    yield hold
    for proc in procs:
        proc.communicate(timeout=30)  # closing stdin ends it


def test_a_busy_database_keeps_the_last_data(
    tiny: str, lock_holder: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the DuckDB file: the refresh waits LOCK_WAIT_S, then shows the data read at
    20:55:00 with a note, and no error."""
    monkeypatch.setattr(glue, "LOCK_WAIT_S", 0.3)
    app = run()
    assert metrics(app)[0] == ("外呼量", "10")
    lock_holder()
    app.run()
    assert_clean(app)
    assert [i.value for i in app.info] == [
        "数据库正由另一进程写入,仍显示 20:55:00 读取的数据;下次刷新时重试。"
    ]
    assert metrics(app)[0] == ("外呼量", "10")


def test_refresh_interval_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """CALLCENTER_TODAY_REFRESH: seconds (at least 1); unset or not a number: 30."""
    monkeypatch.delenv(glue.TODAY_REFRESH_ENV, raising=False)
    assert glue.today_refresh_seconds() == 30
    for text, seconds in (("2", 2), ("0", 1), ("1.5", 1), ("soon", 30)):
        monkeypatch.setenv(glue.TODAY_REFRESH_ENV, text)
        assert glue.today_refresh_seconds() == seconds
