"""The app shell in AppTest: demo, empty and table-less databases, bad URLs, language, URL filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from core.infra import db
from core.infra.i18n import fmt, t
from core.infra.schema import TABLE_NAMES
from core.pagedata.home import HEADLINES, Filters, build_home, latest_call_day
from tests.fixtures import DemoDb
from ui.glue import display_url
from ui.kpi import delta_style

JUNE = (date(2025, 6, 1), date(2025, 6, 30))
MAY = (date(2025, 5, 1), date(2025, 5, 31))


ROOT = Path(__file__).resolve().parents[2]


def run_app(
    script: str = "app.py",
    *,
    query: dict[str, Any] | None = None,
    timeout: float = 120,
    page: str | None = "pages/home.py",
) -> AppTest:
    """Run ``script`` (relative to the repo root) once in AppTest, with an optional query string.

    Through ``app.py`` the run opens ``page`` (default: the overview these tests are about; the
    app's own default page is the regulatory dashboard). ``st.Page`` hashes its url path, which
    for the overview is its file name, so the page can be chosen before the first run.
    """
    at = AppTest.from_file(str(ROOT / script), default_timeout=timeout)
    if script == "app.py" and page is not None:
        at.switch_page(page)
    if query:
        at.query_params.update(query)
    return at.run()


def texts(at: AppTest) -> list[str]:
    """Every piece of text AppTest can see (to check that no secret or traceback leaks)."""
    out: list[str] = []
    for kind in ("title", "subheader", "markdown", "caption", "error", "info", "warning", "success"):
        out.extend(str(el.value) for el in getattr(at, kind))
    out.extend(f"{m.label} {m.value} {m.delta}" for m in at.metric)
    return out


def expected_cards(
    url: str, start: date, end: date, filters: Filters, lang: str
) -> list[tuple[str, str, str]]:
    """(label, value, delta) of every KPI card, straight from core.pagedata.home and core.infra.i18n."""
    engine = db.make_engine(url)
    try:
        data = build_home(engine, start, end, filters)
    finally:
        engine.dispose()
    cards = []
    for spec in HEADLINES:
        delta = data.delta(spec.key)
        cards.append(
            (
                spec.label(lang),
                fmt(data.current.value(spec.key), spec.fmt, lang),
                "" if delta is None else fmt(delta, spec.delta_fmt, lang, signed=True),
            )
        )
    return cards


def cards(at: AppTest) -> list[tuple[str, str, str]]:
    """(label, value, delta) of every st.metric on the page."""
    return [(m.label, m.value, m.delta or "") for m in at.metric]


def assert_clean(at: AppTest) -> None:
    """No uncaught exception and no traceback text anywhere on the page."""
    assert list(at.exception) == []
    assert not any("Traceback" in text for text in texts(at))


def test_overview_on_demo(demo_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """The default view is the last complete month (June 2025) with seven cards from core.pagedata.home."""
    use_db(demo_db.url)
    at = run_app()
    assert_clean(at)
    assert [el.value for el in at.title] == ["总览"]
    assert at.subheader[0].value == "2025年6月 核心指标"
    assert at.caption[0].value == "统计期间 2025-06-01 至 2025-06-30,对比上期 2025-05-01 至 2025-05-31"
    assert cards(at) == expected_cards(demo_db.url, *JUNE, Filters(), "zh")
    assert [label for label, _, _ in cards(at)] == [
        "外呼量",
        "外呼接通率",
        "有效通话率",
        "呼入量",
        "呼入接通率",
        "投诉量",
        "在岗坐席数",
    ]
    assert at.query_params == {"lang": "zh", "from": "2025-06-01", "to": "2025-06-30"}
    assert list(at.error) == []


@pytest.mark.parametrize(
    ("delta_text", "higher_is_better", "expected"),
    [
        ("+1.2 pp", True, ("normal", "auto")),
        ("-1.2 pp", True, ("normal", "auto")),
        ("+100.0%", False, ("inverse", "auto")),
        ("+6.3%", None, ("off", "auto")),
        ("0.0 pp", True, ("off", "off")),
        (None, False, ("off", "off")),
    ],
)
def test_delta_style(
    delta_text: str | None, higher_is_better: bool | None, expected: tuple[str, str]
) -> None:
    """Rises colour by direction of good, volumes stay grey, a zero change gets no arrow."""
    assert delta_style(delta_text, higher_is_better) == expected


def test_card_colours_follow_direction_of_good(demo_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """On the page, each card's delta colour is green/red by direction of good, grey for volumes."""
    use_db(demo_db.url)
    at = run_app()
    green, red, gray = 1, 0, 2  # streamlit.proto Metric.MetricColor
    for metric, spec in zip(at.metric, HEADLINES, strict=True):
        sign = (metric.delta or " ")[0]
        if spec.higher_is_better is None or sign not in "+-":
            expected = gray
        else:
            expected = green if (sign == "+") == spec.higher_is_better else red
        assert (metric.label, metric.proto.color) == (metric.label, expected)


def test_overview_shows_database_and_version(demo_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """The footer names the database (redacted) and the data version."""
    use_db(demo_db.url)
    at = run_app()
    engine = db.make_engine(demo_db.url)
    version = db.data_version(engine)
    latest = latest_call_day(engine)
    engine.dispose()
    assert at.caption[1].value == (
        f"数据库: `{db.redact_url(demo_db.url)}` · 数据版本: `{version}` · 最新通话日期: {latest.isoformat()}"
    )


def test_language_switch_to_english(demo_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """Choosing English in the sidebar switches the heading, cards and URL to English."""
    use_db(demo_db.url)
    at = run_app()
    assert at.title[0].value == "总览"
    at.segmented_control(key="lang").set_value("en").run()
    assert_clean(at)
    assert [el.value for el in at.title] == ["Overview"]
    assert at.subheader[0].value == "Headline figures, Jun 2025"
    assert cards(at) == expected_cards(demo_db.url, *JUNE, Filters(), "en")
    assert at.query_params["lang"] == "en"
    at.switch_page("pages/settings.py").run()
    assert [el.value for el in at.title] == ["Settings"]


def test_url_reproduces_the_view(demo_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """A copied link (language, period, site) opens the same view, and the URL round-trips."""
    use_db(demo_db.url)
    query = {"lang": "en", "from": "2025-05-01", "to": "2025-05-31", "site": "S1"}
    at = run_app(query=query)
    assert_clean(at)
    assert at.title[0].value == "Overview"
    assert at.subheader[0].value == "Headline figures, May 2025"
    assert at.date_input(key="filter_from").value == date(2025, 5, 1)
    assert at.multiselect(key="filter_site").value == ["S1"]
    assert cards(at) == expected_cards(demo_db.url, *MAY, Filters(sites=("S1",)), "en")
    assert at.query_params == query


def test_filter_change_goes_into_the_url(demo_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """Picking two campaigns writes both to the URL as repeated parameters and filters the cards."""
    use_db(demo_db.url)
    at = run_app()
    at.multiselect(key="filter_campaign").set_value(["C01", "C03"]).run()
    assert_clean(at)
    assert at.query_params["campaign"] == ["C01", "C03"]
    assert cards(at) == expected_cards(demo_db.url, *JUNE, Filters(campaigns=("C01", "C03")), "zh")


def test_invalid_url_values_fall_back(demo_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """A garbled date and an unknown site in the URL are dropped, not shown as errors."""
    use_db(demo_db.url)
    at = run_app(query={"from": "2025-13-45", "site": "NO-SUCH-SITE", "lang": "xx"})
    assert_clean(at)
    assert at.title[0].value == "总览"
    assert at.multiselect(key="filter_site").value == []
    assert at.query_params == {"lang": "zh", "from": "2025-06-01", "to": "2025-06-30"}


def test_swapped_dates_warn_and_still_render(demo_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """From after to: a sidebar warning, and the period is read in order."""
    use_db(demo_db.url)
    at = run_app(query={"from": "2025-06-30", "to": "2025-06-01"})
    assert_clean(at)
    assert [w.value for w in at.sidebar.warning] == [
        "开始日期晚于结束日期,已按 2025-06-01 至 2025-06-30 计算。"
    ]
    assert at.subheader[0].value == "2025年6月 核心指标"


def test_filter_matching_nothing(idle_team_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """A team with no calls gives the 'no calls match' message instead of zero cards."""
    use_db(idle_team_db.url)
    at = run_app(query={"team": idle_team_db.idle_team})
    assert_clean(at)
    assert at.multiselect(key="filter_team").value == [idle_team_db.idle_team]
    assert [el.value for el in at.info] == [t("home.no_match", "zh")]
    assert list(at.metric) == []


def test_empty_period(demo_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """A period before the data begins says so and names where the data ends."""
    use_db(demo_db.url)
    at = run_app(query={"from": "2020-01-01", "to": "2020-01-31"})
    assert_clean(at)
    assert [el.value for el in at.info] == [
        "2020-01-01 至 2020-01-31 期间没有通话记录。数据覆盖到 2025-06-30。"
    ]
    assert list(at.metric) == []


def test_settings_on_demo(demo_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """Settings shows the engine, a complete schema and the row count of every table."""
    use_db(demo_db.url)
    at = run_app()
    at.switch_page("pages/settings.py").run()
    assert_clean(at)
    assert [el.value for el in at.title] == ["设置"]
    assert [s.value for s in at.success] == ["数据库结构完整:18 张数据表齐全。"]
    assert "duckdb" in at.markdown[1].value
    frame = at.table[0].value
    rows = dict(zip(frame["数据表"], frame["行数"], strict=True))
    assert list(rows) == list(TABLE_NAMES)
    assert rows["calls"] == fmt(demo_db.counts["calls"], "num0")
    assert rows["agents"] == fmt(demo_db.counts["agents"], "num0")


def test_pages_run_on_their_own(demo_db: DemoDb, use_db: Callable[[str], None]) -> None:
    """pages/home.py and pages/settings.py each render alone, with their own sidebar."""
    use_db(demo_db.url)
    home = run_app("pages/home.py")
    assert_clean(home)
    assert home.title[0].value == "总览"
    assert cards(home) == expected_cards(demo_db.url, *JUNE, Filters(), "zh")
    assert home.segmented_control(key="lang").value == "zh"
    settings = run_app("pages/settings.py", query={"lang": "en"})
    assert_clean(settings)
    assert settings.title[0].value == "Settings"
    assert [s.value for s in settings.success] == ["Schema complete: all 18 tables present."]


def test_empty_database(empty_db: str, use_db: Callable[[str], None]) -> None:
    """Tables but no rows: a plain 'no calls yet' message on the overview, no cards, no error."""
    use_db(empty_db)
    at = run_app()
    assert_clean(at)
    assert [el.value for el in at.info] == [t("home.no_calls_db", "zh")]
    assert list(at.metric) == []
    assert list(at.error) == []
    at.switch_page("pages/settings.py").run()
    assert_clean(at)
    frame = at.table[0].value
    assert set(frame["行数"]) == {"0"}


def test_database_without_tables(no_tables_db: str, use_db: Callable[[str], None]) -> None:
    """A configured database without the tables: the message names each one; nothing is built."""
    use_db(no_tables_db)
    at = run_app()
    assert_clean(at)
    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith("**数据库问题:** 数据库结构不完整:缺少数据表 company;缺少数据表 finance;")
    assert all(f"缺少数据表 {name}" in message for name in TABLE_NAMES)
    assert "python -m core demo --db URL" in message
    con = duckdb.connect(no_tables_db.removeprefix("duckdb:///"), read_only=True)
    tables = sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall())
    con.close()
    assert tables == ["unrelated"]


def test_database_without_tables_in_english(no_tables_db: str, use_db: Callable[[str], None]) -> None:
    """The same message in English when the URL says lang=en."""
    use_db(no_tables_db)
    at = run_app(query={"lang": "en"})
    assert_clean(at)
    assert at.error[0].value.startswith(
        "**Database problem:** The database schema is incomplete: missing table company; missing table finance;"
    )


@pytest.mark.parametrize("script", ["app.py", "pages/settings.py"])
def test_unparseable_url(script: str, use_db: Callable[[str], None]) -> None:
    """A URL that cannot be parsed shows core.infra.db's plain message plus what to do, in place."""
    use_db("not a url")
    with pytest.raises(db.DatabaseError) as raised:
        db.make_engine("not a url")
    at = run_app(script)
    assert_clean(at)
    assert [e.value for e in at.error] == [
        f"**数据库问题:** {raised.value.zh}\n\n{t('error.what_to_do', 'zh')}"
    ]


def test_display_url_hides_passwords() -> None:
    """The URL on screen hides the password, whether or not SQLAlchemy can parse the URL."""
    assert display_url("postgresql+psycopg://u:pw@h:5432/d") == "postgresql+psycopg://u:***@h:5432/d"
    assert display_url("postgresql+psycopg://u:pw@h:port/d") == "postgresql+psycopg://u:***@h:port/d"
    assert display_url("postgres ql://u:pw@h/d") == "postgres ql://u:***@h/d"
    assert display_url("duckdb:////srv/cc.duckdb") == "duckdb:////srv/cc.duckdb"
    assert display_url("not a url") == "not a url"


@pytest.mark.parametrize(
    "url",
    [
        "postgres ql://admin:s3cret-pw@db.example/cc",
        "postgresql+psycopg://admin:s3cret-pw@db.example:port/cc",
    ],
)
@pytest.mark.parametrize("script", ["app.py", "pages/settings.py"])
def test_broken_url_never_shows_its_password(url: str, script: str, use_db: Callable[[str], None]) -> None:
    """An unparseable URL (bad scheme, non-numeric port) is named with its password masked."""
    use_db(url)
    at = run_app(script)
    assert_clean(at)
    assert len(at.error) == 1
    assert at.error[0].value.startswith("**数据库问题:** 数据库地址无法解析")
    assert "admin:***@db.example" in at.error[0].value
    assert not any("s3cret-pw" in text for text in texts(at))


def test_unreachable_server_hides_password(use_db: Callable[[str], None]) -> None:
    """A server that refuses connections: a plain message with the password masked, no traceback."""
    use_db("postgresql+psycopg://user:s3cret-pw@127.0.0.1:1/callcenter")
    at = run_app()
    assert_clean(at)
    assert len(at.error) == 1
    assert at.error[0].value.startswith(
        "**数据库问题:** 无法连接数据库 postgresql+psycopg://user:***@127.0.0.1:1/callcenter:"
    )
    assert not any("s3cret-pw" in text for text in texts(at))
    at.switch_page("pages/settings.py").run()
    assert_clean(at)
    assert "postgresql+psycopg://user:***@127.0.0.1:1/callcenter" in at.markdown[0].value
    assert not any("s3cret-pw" in text for text in texts(at))


def test_first_start_builds_the_demo(
    demo_db: DemoDb, default_db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the default URL with no file, the app builds the demo behind a progress bar, once."""
    import core.demo.company

    path = default_db_path
    real_build = core.demo.company.build_demo
    builds: list[dict[str, int]] = []

    def small_build(engine: Any, **kwargs: Any) -> dict[str, int]:
        kwargs.update(end=demo_db.end, scale=0.02)
        counts = real_build(engine, **kwargs)
        builds.append(counts)
        return counts

    monkeypatch.setattr(core.demo.company, "build_demo", small_build)
    shown: list[tuple[float, str | None]] = []
    real_progress = DeltaGenerator.progress

    def spy(self: DeltaGenerator, value: Any, text: str | None = None, **kwargs: Any) -> Any:
        shown.append((value, text))
        return real_progress(self, value, text=text, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "progress", spy)

    at = run_app()
    assert_clean(at)
    assert len(builds) == 1
    # The step labels are core.demo.company's; the bar carries our heading, moves forward and ends full.
    fractions = [value for value, _ in shown]
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert len(set(fractions)) >= 3
    assert all(text.startswith("首次启动:正在生成演示数据库(约一分钟)……") for _, text in shown)
    assert not (path.parent / "callcenter.duckdb.building").exists()
    assert [s.value for s in at.success] == [f"演示数据库已生成:{builds[0]['calls']:,} 条通话。"]
    assert at.subheader[0].value == "2025年6月 核心指标"
    assert len(at.metric) == 7
    engine = db.make_engine(f"duckdb:///{path}")
    assert db.check_schema(engine) == []
    engine.dispose()

    again = run_app()
    assert_clean(again)
    assert len(builds) == 1
    assert list(again.success) == []


def test_half_built_demo_is_rebuilt(
    demo_db: DemoDb, default_db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A default database left with its build marker (server stopped mid-build) is built again."""
    import core.demo.company

    default_db_path.parent.mkdir(parents=True)
    engine = db.make_engine(f"duckdb:///{default_db_path}")
    db.create_schema(engine)  # every table present, as after the first step of a build
    engine.dispose()
    marker = default_db_path.parent / "callcenter.duckdb.building"
    marker.touch()
    real_build = core.demo.company.build_demo
    builds: list[int] = []

    def small_build(engine: Any, **kwargs: Any) -> dict[str, int]:
        builds.append(1)
        return real_build(engine, **{**kwargs, "end": demo_db.end, "scale": 0.02})

    monkeypatch.setattr(core.demo.company, "build_demo", small_build)
    at = run_app()
    assert_clean(at)
    assert builds == [1]
    assert not marker.exists()
    assert len(at.metric) == 7


def test_failed_demo_build_is_explained(default_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that fails shows a plain message (no traceback) and is retried on the next run."""
    import core.demo.company

    def broken_build(engine: Any, **kwargs: Any) -> dict[str, int]:
        raise OSError("No space left on device")

    monkeypatch.setattr(core.demo.company, "build_demo", broken_build)
    at = run_app()
    assert_clean(at)
    assert [e.value for e in at.error] == [
        "**数据库问题:** 生成演示数据库失败(OSError: No space left on device)。刷新页面将重新生成;"
        "也可在命令行运行 `python -m core demo` 查看详情。\n\n" + t("error.what_to_do", "zh")
    ]
    assert (default_db_path.parent / "callcenter.duckdb.building").exists()


def test_a_run_holds_the_database_only_while_it_runs(
    tmp_path: Path, demo_db: DemoDb, use_db: Callable[[str], None]
) -> None:
    """Each run of a page holds the DuckDB file open (core.infra.db.held_open via shell.active: one opening
    for its queries) and releases it when the run ends, so a command-line import can take the file
    between runs (issue: the app must not hold the file open between reruns)."""
    import shutil

    from tests.core.test_db import _other_process_can_write

    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_db.url.removeprefix("duckdb:///"), path)
    use_db(f"duckdb:///{path}")
    at = run_app(page="pages/regulatory.py")
    assert_clean(at)
    assert _other_process_can_write(path)
