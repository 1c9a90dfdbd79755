"""Interface text in Chinese and English, and the one number formatter every page uses.

All UI strings live in :data:`TEXTS`, one table ``{key: (zh, en)}``; pages ask for them with
:func:`t`. Numbers go through :func:`fmt` with a short format code (the idea of Evidence's
``fmt``), so the same figure reads the same on every page, in the HTML report and in a screenshot.

Example::

    >>> t("page.home", "en")
    'Overview'
    >>> fmt(2_345_678, "wan", "zh")
    '234.6万'
    >>> fmt(2_345_678, "wan", "en")
    '2.35M'
    >>> fmt(0.1234, "pct1", "en")
    '12.3%'
    >>> fmt(None, "pct1", "zh")
    '—'
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any, Final

LANGS: Final = ("zh", "en")
DEFAULT_LANG: Final = "zh"

#: Shown for a missing value (a null, or a rate whose denominator is zero).
MISSING: Final = "—"

#: Every interface string: ``key -> (中文, English)``. Placeholders use ``str.format`` names.
TEXTS: Final[dict[str, tuple[str, str]]] = {
    # -- the app ------------------------------------------------------------------------------
    "app.title": ("呼叫中心合规分析", "Call-centre compliance analytics"),
    "app.language": ("语言 / Language", "语言 / Language"),
    "lang.zh": ("中文", "中文"),
    "lang.en": ("English", "English"),
    "page.home": ("总览", "Overview"),
    "page.settings": ("设置", "Settings"),
    "page.title": ("{page} · 呼叫中心合规分析", "{page} · Call-centre compliance analytics"),
    # -- sidebar filters ----------------------------------------------------------------------
    "filter.header": ("筛选", "Filters"),
    "filter.from": ("开始日期", "From"),
    "filter.to": ("结束日期", "To"),
    "filter.site": ("站点", "Site"),
    "filter.team": ("班组", "Team"),
    "filter.campaign": ("外呼项目", "Campaign"),
    "filter.all": ("全部", "All"),
    "filter.none_available": ("暂无可选项", "Nothing to choose"),
    "filter.swapped": (
        "开始日期晚于结束日期,已按 {start} 至 {end} 计算。",
        "The start date was after the end date; showing {start} to {end}.",
    ),
    "filter.default_hint": (
        "默认期间为数据中最近一个完整自然月。",
        "The default period is the last complete calendar month in the data.",
    ),
    # -- KPI cards (metric labels and definitions live in the registry, core.metrics) ------------
    "delta.vs_previous": ("较上期", "vs previous"),
    # -- downloads (ui.downloads: every chart as PNG, every table as CSV and Excel) -------------
    "download.png": ("下载 PNG 图片", "Download PNG"),
    "download.csv": ("下载 CSV", "Download CSV"),
    "download.xlsx": ("下载 Excel", "Download Excel"),
    # -- overview page ------------------------------------------------------------------------
    "home.period": (
        "统计期间 {start} 至 {end},对比上期 {prev_start} 至 {prev_end}",
        "Period {start} to {end}, compared with {prev_start} to {prev_end}",
    ),
    "home.month": ("{month} 核心指标", "Headline figures, {month}"),
    "home.range": ("{start} 至 {end} 核心指标", "Headline figures, {start} to {end}"),
    "home.database": ("数据库", "Database"),
    "home.data_version": ("数据版本", "Data version"),
    "home.latest_call": ("最新通话日期", "Latest call day"),
    "home.no_calls_db": (
        "数据库中还没有通话记录。运行 `python -m core demo` 生成演示数据,或用 `python -m core import` 导入自己的数据。",
        "The database holds no calls yet. Run `python -m core demo` for the demo data, or "
        "`python -m core import` to load your own.",
    ),
    "home.no_match": (
        "没有符合当前筛选条件(站点、班组、外呼项目)的通话。请放宽或清除侧边栏中的筛选。",
        "No calls match the current filters (site, team, campaign). Widen or clear the filters in "
        "the sidebar.",
    ),
    "home.empty_period": (
        "{start} 至 {end} 期间没有通话记录。数据覆盖到 {latest}。",
        "There are no calls from {start} to {end}. The data runs to {latest}.",
    ),
    # -- settings page ------------------------------------------------------------------------
    "settings.database": ("当前数据库", "Database in use"),
    "settings.url": ("连接地址(已隐藏密码)", "URL (password hidden)"),
    "settings.engine": ("数据库类型", "Engine"),
    "settings.source": ("地址来源", "Where the URL comes from"),
    "settings.source_hint": (
        "优先级:环境变量 CALLCENTER_DB_URL,其次 .streamlit/secrets.toml 中的 [connections.callcenter] url,最后为内置 DuckDB 文件。",
        "Order: the CALLCENTER_DB_URL environment variable, then [connections.callcenter] url in "
        ".streamlit/secrets.toml, then the embedded DuckDB file.",
    ),
    "settings.schema": ("数据库结构检查", "Schema check"),
    "settings.schema_ok": ("数据库结构完整:{n} 张数据表齐全。", "Schema complete: all {n} tables present."),
    "settings.row_counts": ("各数据表行数", "Rows per table"),
    "settings.table": ("数据表", "Table"),
    "settings.rows": ("行数", "Rows"),
    "settings.data_version": ("数据版本", "Data version"),
    # -- first start: demo build --------------------------------------------------------------
    "demo.building": (
        "首次启动:正在生成演示数据库(约一分钟)……",
        "First start: building the demo database (about a minute)…",
    ),
    "demo.waiting": (
        "另一个会话正在生成演示数据库,请稍候……",
        "Another session is building the demo database; please wait…",
    ),
    "demo.step": ("{label}", "{label}"),
    "demo.done": ("演示数据库已生成:{calls} 条通话。", "Demo database built: {calls} calls."),
    "demo.failed": (
        "生成演示数据库失败({detail})。刷新页面将重新生成;也可在命令行运行 `python -m core demo` 查看详情。",
        "Building the demo database failed ({detail}). Reloading the page tries again; "
        "`python -m core demo` in a shell shows the details.",
    ),
    "demo.unavailable": (
        "演示数据生成器不可用({reason})。请在命令行运行 `python -m core demo`。",
        "The demo generator is not available ({reason}). Run `python -m core demo` from a shell.",
    ),
    # -- errors -------------------------------------------------------------------------------
    "error.database": ("数据库问题", "Database problem"),
    "error.what_to_do": (
        "处理方法:检查环境变量 CALLCENTER_DB_URL 或 .streamlit/secrets.toml 中 [connections.callcenter] 的 url;"
        "未配置时使用内置演示库 data/callcenter.duckdb。“设置”页显示当前使用的数据库。",
        "What to do: check the CALLCENTER_DB_URL environment variable or the url under "
        "[connections.callcenter] in .streamlit/secrets.toml; without either, the app uses the "
        "embedded demo database data/callcenter.duckdb. The Settings page shows the database in use.",
    ),
    "error.bad_url": (
        "数据库地址无法解析({detail})。格式示例:duckdb:///data/callcenter.duckdb 或 postgresql+psycopg://用户:密码@主机:5432/库名",
        "The database URL cannot be parsed ({detail}). Examples: duckdb:///data/callcenter.duckdb or "
        "postgresql+psycopg://user:password@host:5432/dbname",
    ),
    "error.query": (
        "查询数据库 {url} 时出错:{detail}。数据库结构可能与本程序版本不符。",
        "A query on the database {url} failed: {detail}. The database may not match this version "
        "of the program.",
    ),
    "error.unexpected": (
        "页面出现意外错误:{detail}。详细信息已写入服务器日志;请刷新页面重试,如仍出现请联系管理员。",
        "The page hit an unexpected error: {detail}. Details are in the server log; reload the page, "
        "and if it happens again contact your administrator.",
    ),
}

#: Format codes understood by :func:`fmt`.
FORMATS: Final = (
    "num0",
    "num1",
    "num2",
    "wan",
    "pct0",
    "pct1",
    "pct2",
    "pp1",
    "hours1",
    "sec0",
    "per10k2",
    "month",
    "date",
)


def normalize_lang(value: Any) -> str:
    """``"zh"`` or ``"en"``: the language named by ``value``, else the default (Chinese)."""
    text = str(value or "").strip().lower()
    if text.startswith("en"):
        return "en"
    return DEFAULT_LANG


def t(key: str, lang: str, **values: Any) -> str:
    """The text for ``key`` in ``lang`` (``zh`` or ``en``), with ``{placeholders}`` filled.

    An unknown key returns the key itself, so a missing translation shows as a visible code
    rather than an error on screen (``tests/pages`` checks that every key used exists).
    """
    pair = TEXTS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**values) if values else text


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _grouped(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _compact(value: float, lang: str) -> str:
    """Large counts: 万/亿 in Chinese, K/M/B in English; small ones in full."""
    if abs(value) < 10_000:
        return _grouped(value, 0)
    if lang == "zh":
        wan = round(value / 1e4, 1)
        if abs(wan) < 10_000:
            return f"{wan:.1f}万"
        return f"{value / 1e8:,.2f}亿"
    thousands = round(value / 1e3, 1)
    if abs(thousands) < 1_000:
        return f"{thousands:.1f}K"
    millions = round(value / 1e6, 2)
    if abs(millions) < 1_000:
        return f"{millions:.2f}M"
    return f"{value / 1e9:,.2f}B"


_MONTHS_EN: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt(value: Any, code: str, lang: str = DEFAULT_LANG, *, signed: bool = False) -> str:
    """Format one value for display.

    Args:
        value: a number (a rate is a fraction in 0..1), a date for ``month``/``date``, or None.
        code: one of :data:`FORMATS`:

            ``num0``/``num1``/``num2``  thousands separators, 0-2 decimals (``2,345,678``);
            ``wan``      large counts compact: zh ``234.6万``, ``1.23亿``; en ``234.6K``, ``2.35M``;
                         below 10,000 in full (``9,999``);
            ``pct0``/``pct1``/``pct2``  a fraction as a percentage (0.1234 → ``12.3%``);
            ``pp1``      a difference of two fractions in percentage points
                         (0.012 → zh ``1.2个百分点``, en ``1.2 pp``);
            ``hours1``   hours (zh ``1,234.6小时``, en ``1,234.6 h``);
            ``sec0``     seconds (zh ``45秒``, en ``45 s``);
            ``per10k2``  a value already scaled per 10,000, two decimals (``1.23``);
            ``month``    a date's month (zh ``2024年5月``, en ``May 2024``);
            ``date``     ISO date (``2024-05-01``).
        lang: ``zh`` or ``en``.
        signed: put ``+`` before positive numbers (for deltas); zero stays unsigned.

    Returns:
        The text; ``—`` for None or NaN.

    Raises:
        ValueError: ``code`` is not a known format code.
    """
    if code not in FORMATS:
        raise ValueError(f"unknown format code {code!r}; known: {', '.join(FORMATS)}")
    if _is_missing(value):
        return MISSING
    en = lang == "en"
    if code in ("month", "date"):
        day = value.date() if isinstance(value, datetime) else value
        if not isinstance(day, date):
            raise ValueError(f"format {code!r} needs a date, got {value!r}")
        if code == "date":
            return day.isoformat()
        return f"{_MONTHS_EN[day.month - 1]} {day.year}" if en else f"{day.year}年{day.month}月"

    number = float(value)
    if code in ("pct0", "pct1", "pct2", "pp1"):
        decimals = 1 if code == "pp1" else int(code[-1])
        number_text = _grouped(abs(number) * 100, decimals)
        zero = float(number_text.replace(",", "")) == 0
        if code == "pp1":
            body = f"{number_text} pp" if en else f"{number_text}个百分点"
        else:
            body = f"{number_text}%"
    elif code == "wan":
        number_text = _compact(abs(number), lang)
        zero = round(abs(number)) == 0
        body = number_text
    elif code in ("num0", "num1", "num2", "per10k2"):
        number_text = _grouped(abs(number), int(code[-1]))
        zero = float(number_text.replace(",", "")) == 0
        body = number_text
    elif code == "hours1":
        number_text = _grouped(abs(number), 1)
        zero = float(number_text.replace(",", "")) == 0
        body = f"{number_text} h" if en else f"{number_text}小时"
    else:  # sec0
        number_text = _grouped(abs(number), 0)
        zero = float(number_text.replace(",", "")) == 0
        body = f"{number_text} s" if en else f"{number_text}秒"

    if zero:
        return body
    if number < 0:
        return f"-{body}"
    return f"+{body}" if signed else body
