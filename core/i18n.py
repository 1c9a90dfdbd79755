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
    # -- shared labels: risk bands, check severities --------------------------------------------
    "band.low": ("低", "low"),
    "band.medium": ("中", "medium"),
    "band.high": ("高", "high"),
    "band.critical": ("严重", "critical"),
    "severity.error": ("错误", "error"),
    "severity.warning": ("警告", "warning"),
    "severity.info": ("提示", "info"),
    "quality.passed": ("通过", "passed"),
    "quality.col_check": ("检查项", "Check"),
    "quality.col_count": ("问题数", "Count"),
    "quality.col_status": ("状态", "Status"),
    "quality.col_hint": ("处理建议", "What to do"),
    # -- monthly report (core.report; python -m core report) --------------------------------------
    "report.title": (
        "{company} · 监管仪表盘月报 · {month}",
        "{company} · Monthly regulatory dashboard · {month}",
    ),
    "report.subtitle": (
        "统计期间 {start} 至 {end};环比对比 {prev},同比对比 {ago};全公司口径;生成于 {generated}",
        "Period {start} to {end}; month-over-month vs {prev}, year-over-year vs {ago}; whole company; "
        "generated {generated}",
    ),
    "report.no_calls": (
        "本月没有通话记录:请检查数据是否已导入。",
        "There are no calls in this month: check that the data has been imported.",
    ),
    "report.kpis": ("核心指标", "Headline figures"),
    "report.capacity": ("坐席产能", "Seat capacity"),
    "report.risk": ("本月外呼合规风险排行", "Riskiest this month"),
    "report.quality": ("数据质量", "Data quality"),
    "report.mom": ("环比", "MoM"),
    "report.yoy": ("同比", "YoY"),
    "report.chart_trend": ("近 13 个月外呼接通率与有效通话率", "Connect and effective rates, last 13 months"),
    "report.chart_risk": ("外呼项目 × 日 风险分", "Risk score by campaign and day"),
    "report.chart_capacity": ("每日在线坐席峰值与申报坐席", "Daily peak agents vs declared seats"),
    "report.seat_band": ("±30% 实质性变动区间", "±30% material-change band"),
    "report.entity.caller_number": ("主叫号码", "Caller numbers"),
    "report.entity.campaign": ("外呼项目", "Campaigns"),
    "report.entity.team": ("班组", "Teams"),
    "report.col_entity": ("对象", "Entity"),
    "report.col_score": ("风险分", "Risk score"),
    "report.col_rules": ("主要规则", "Top rules"),
    "report.no_risk": ("本月无风险记录。", "No risk recorded this month."),
    "report.quality_score": (
        "数据质量得分(按严重程度加权的通过率):{score}",
        "Data-quality score (checks passing, weighted by severity): {score}",
    ),
    "report.footer": (
        "口径:DOMAIN.md §5 指标定义,§6 合规规则,§7 风险评分;客户号码仅以脱敏形式出现。本文件离线可用。",
        "Definitions: DOMAIN.md §5 metrics, §6 rules, §7 risk score; customer ids appear masked only. "
        "This file works offline.",
    ),
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
    # -- touch, capacity and risk pages (issue 5) ---------------------------------------------
    "page.touch": ("客户触达效率", "Touch efficiency"),
    "page.capacity": ("坐席产能健康度", "Seat-capacity health"),
    "page.risk": ("外呼合规风险热力图", "Outbound risk heatmap"),
    "delta.mom": ("环比", "MoM"),
    "delta.yoy": ("同比", "YoY"),
    "pages.range": ("{start} 至 {end}", "{start} to {end}"),
    "pages.compare": ("环比对比 {prev};同比对比 {ago}", "Month-over-month vs {prev}; year-over-year vs {ago}"),
    "pages.what_outbound": ("外呼通话", "outbound calls"),
    "pages.what_agents": ("坐席活动(登录或通话)", "agent activity (sessions or calls)"),
    "pages.no_match": (
        "没有符合当前筛选条件(站点、班组、外呼项目)的{what}。请放宽或清除侧边栏中的筛选。",
        "No {what} match the current filters (site, team, campaign). Widen or clear the filters in the sidebar.",
    ),
    "pages.empty_period": (
        "{start} 至 {end} 期间没有{what}。数据覆盖到 {latest},请在侧边栏调整统计期间。",
        "There are no {what} from {start} to {end}. The data runs to {latest}; change the period in the sidebar.",
    ),
    "pages.no_rows": ("本期间没有数据。", "Nothing in this period."),
    "pages.no_trend": ("没有可显示的趋势数据。", "No trend to show."),
    "pages.page": ("页码", "Page"),
    "pages.page_rows": (
        "第 {page} 页(每页最多 {size} 条,本页 {n} 条),按时间倒序;客户号码已脱敏。",
        "Page {page} (up to {size} rows a page, {n} here), newest first; customer ids masked.",
    ),
    "pages.no_calls_page": ("这一页没有通话,请减小页码。", "No calls on this page; choose a lower page."),
    "pages.bool.True": ("是", "yes"),
    "pages.bool.False": ("否", "no"),
    "pages.weekday.1": ("周一", "Mon"),
    "pages.weekday.2": ("周二", "Tue"),
    "pages.weekday.3": ("周三", "Wed"),
    "pages.weekday.4": ("周四", "Thu"),
    "pages.weekday.5": ("周五", "Fri"),
    "pages.weekday.6": ("周六", "Sat"),
    "pages.weekday.7": ("周日", "Sun"),
    "disp.answered": ("接通", "answered"),
    "disp.no_answer": ("未接", "no answer"),
    "disp.busy": ("忙线", "busy"),
    "disp.failed": ("失败", "failed"),
    "disp.abandoned": ("放弃", "abandoned"),
    "disp.rejected": ("拒接", "rejected"),
    "disp.None": ("—", "—"),
    "touch.funnel": ("外呼漏斗", "Outbound funnel"),
    "touch.funnel_help": (
        "外呼 → 接通 → 有效通话(接通且通话 ≥ 30 秒、双向通话)。",
        "Outbound → connected → effective (connected, ≥ 30 s, two-way voice).",
    ),
    "touch.when": ("何时拨打:分时段有效通话率", "When to call: effective rate by hour and weekday"),
    "touch.when_help": (
        "颜色越深,该时段的外呼越容易形成有效通话;空白表示该时段没有外呼。",
        "The darker the cell, the more often an outbound call at that hour became effective; blank: no calls.",
    ),
    "touch.trends": ("近 13 个月趋势", "Trends, last 13 months"),
    "touch.trend_rates": ("接通率与有效通话率", "Connect and effective rates"),
    "touch.trend_volume": ("外呼量", "Outbound calls"),
    "touch.breakdowns": ("分项对比", "Breakdowns"),
    "touch.dim.campaign": ("外呼项目", "Campaign"),
    "touch.dim.team": ("班组", "Team"),
    "touch.dim.agent": ("坐席", "Agent"),
    "touch.dim.province": ("被叫省份", "Callee province"),
    "touch.dim.caller_number": ("主叫号码", "Caller number"),
    "touch.campaign_name": ("项目名称", "Campaign name"),
    "touch.drill": ("下钻:外呼项目 → 坐席 → 通话", "Drill down: campaign → agents → calls"),
    "touch.drill_help": (
        "选择一个外呼项目查看其坐席,再选择坐席查看通话明细(分页,客户号码已脱敏)。",
        "Choose a campaign to see its agents, then an agent to list the calls (paged, customer ids masked).",
    ),
    "touch.pick_campaign": ("外呼项目", "Campaign"),
    "touch.pick_agent": ("坐席", "Agent"),
    "touch.all_agents": ("全部坐席", "All agents"),
    "touch.agents_of": ("项目 {campaign} 的坐席", "Agents of campaign {campaign}"),
    "touch.calls_of": ("通话明细:项目 {campaign} · {agent}", "Calls: campaign {campaign} · {agent}"),
    "touch.call.id": ("通话编号", "Call id"),
    "touch.call.started_at": ("开始时间", "Started"),
    "touch.call.callee": ("客户(脱敏)", "Customer (masked)"),
    "touch.call.disposition": ("结果", "Outcome"),
    "touch.call.ring": ("振铃(秒)", "Ring (s)"),
    "touch.call.talk": ("通话(秒)", "Talk (s)"),
    "touch.call.two_way_voice": ("双向通话", "Two-way voice"),
    "touch.call.recorded": ("已录音", "Recorded"),
    "touch.call.robot": ("机器人", "Robot"),
    "capacity.seats": ("申报坐席与在用坐席(按月)", "Declared vs in-use seats by month"),
    "capacity.seats_help": (
        "柱为申报坐席,线为同时在线坐席峰值;阴影为以 13 个月前申报坐席为基准的 ±30% 实质性变动区间。",
        "Bars: declared seats; line: peak concurrent agents; shaded: the ±30% material-change band around "
        "the seats declared 13 months earlier.",
    ),
    "capacity.band": ("±30% 实质性变动区间", "±30% material-change band"),
    "capacity.daily_peak": ("每日在线峰值与申报坐席", "Daily peak concurrency vs declared seats"),
    "capacity.daily_peak_help": (
        "红色柱表示当日在线峰值超过申报坐席(超申报使用)。",
        "Red bars: days when more agents were logged in at once than seats were declared.",
    ),
    "capacity.over_declared": ("超过申报坐席", "Above declared seats"),
    "capacity.over_days": (
        "本期间有 {n} 天在线坐席峰值超过申报坐席,请核对申报数据或场地容量。",
        "On {n} days of the period more agents were logged in at once than seats were declared: check the "
        "declaration or the site's capacity.",
    ),
    "capacity.no_over_days": ("本期间每日在线峰值均未超过申报坐席。", "No day of the period exceeded the declared seats."),
    "capacity.occupancy": ("坐席占用率(按月)", "Occupancy by month"),
    "capacity.occupancy_help": (
        "占用率 = 处理时长 ÷ 登录时长;绿色区间为健康占用率(规则文件 healthy_occupancy)。",
        "Occupancy = handle hours / logged-in hours; the green band is the healthy occupancy of the rules file.",
    ),
    "capacity.healthy": ("健康区间 {low}–{high}", "Healthy {low}–{high}"),
    "capacity.people": ("在册人数、入职与离职(按月)", "Headcount, hires and leavers by month"),
    "capacity.outsourced": ("外包坐席占比与流失率(按月)", "Outsourced share and attrition by month"),
    "capacity.hours": ("人工坐席月均有效通话时长分布", "Effective talk hours per agent-month"),
    "capacity.hours_help": (
        "每个坐席每月的有效通话小时数,按班组分组;超出本班组 1.5 倍四分位距的坐席月列为异常。",
        "Effective talk hours of each agent in each month, by team; agent-months beyond 1.5 × IQR of their "
        "team are outliers.",
    ),
    "capacity.outlier": ("异常", "Outlier"),
    "capacity.outliers": ("异常坐席月({n} 个)", "Outlying agent-months ({n})"),
    "capacity.low": ("偏低", "low"),
    "capacity.high": ("偏高", "high"),
    "capacity.month": ("月份", "Month"),
    "capacity.staffing": ("呼入排班缺口(Erlang C)", "Inbound staffing gaps (Erlang C)"),
    "capacity.staffing_help": (
        "每半小时按 Erlang C 计算达到 80% 呼入 20 秒内接听所需坐席数,与实际登录坐席对比。",
        "Per half-hour, the agents Erlang C needs to answer 80% of inbound calls within 20 s, against the "
        "agents actually logged in.",
    ),
    "capacity.no_inbound": ("本期间没有呼入通话或坐席登录记录。", "No inbound calls or agent sessions in this period."),
    "capacity.status.understaffed": ("人手不足", "Understaffed"),
    "capacity.status.balanced": ("人手匹配", "Balanced"),
    "capacity.status.overstaffed": ("人手富余", "Overstaffed"),
    "capacity.of_intervals": ("共 {n} 个半小时", "of {n} half-hours"),
    "capacity.gap_map": ("排班缺口热力图(星期 × 半小时)", "Staffing gap by weekday and half-hour"),
    "capacity.gap_map_help": (
        "平均缺口 = 登录坐席 − 所需坐席;红色为人手不足,蓝色为人手富余。",
        "Mean gap = agents logged in − agents required; red: understaffed, blue: overstaffed.",
    ),
    "capacity.mean_gap": ("平均缺口(人)", "Mean gap (agents)"),
    "capacity.worst.understaffed": ("最常人手不足的时段", "Most often understaffed"),
    "capacity.worst.overstaffed": ("最常人手富余的时段", "Most often overstaffed"),
    "capacity.weekday": ("星期", "Weekday"),
    "capacity.slot": ("时段", "Half-hour"),
    "capacity.intervals": ("半小时数", "Half-hours"),
    "capacity.share": ("占比", "Share"),
    "risk.entity": ("对象", "Entity"),
    "risk.entity.caller_number": ("主叫号码", "Caller number"),
    "risk.entity.campaign": ("外呼项目", "Campaign"),
    "risk.entity.team": ("班组", "Team"),
    "risk.entity.agent": ("坐席", "Agent"),
    "risk.entity.callee_province": ("被叫省份", "Callee province"),
    "risk.grain": ("粒度", "Grain"),
    "risk.grain.day": ("按日", "By day"),
    "risk.grain.week": ("按周", "By week"),
    "risk.band": ("风险等级", "Band"),
    "risk.band.low": ("低", "low"),
    "risk.band.medium": ("中", "medium"),
    "risk.band.high": ("高", "high"),
    "risk.band.critical": ("严重", "critical"),
    "risk.heatmap": ("风险热力图", "Risk heatmap"),
    "risk.heatmap_help": (
        "显示峰值风险最高的 {shown} 个对象(共 {total} 个),风险最高的在上;点击单元格查看规则与通话明细,或在下方选择。周的列以周一标记。",
        "The {shown} riskiest of {total} entities, riskiest on top; click a cell for its rules and calls, or "
        "choose it below. Weeks are labelled by their Monday.",
    ),
    "risk.choose": ("选择单元格", "Choose a cell"),
    "risk.cell_entity": ("对象", "Entity"),
    "risk.cell_period": ("期间", "Period"),
    "risk.cell_title": ("{entity} {value} · {period}", "{entity} {value} · {period}"),
    "risk.cell_empty": (
        "该对象在这一期间没有外呼或投诉,风险分为空。",
        "This entity had no outbound calls or complaints in this period: no score.",
    ),
    "risk.score": ("风险分", "Risk score"),
    "risk.rank": ("期间内排名", "Rank in period"),
    "risk.rank_of": ("{rank} / {n}", "{rank} of {n}"),
    "risk.triggered": ("触发规则数", "Rules triggered"),
    "risk.no_rules": ("该单元格没有触发任何规则。", "No rule contributes to this cell."),
    "risk.top_rules": ("主要触发规则", "Top contributing rules"),
    "risk.rule": ("规则", "Rule"),
    "risk.count": ("次数", "Count"),
    "risk.severity": ("严重度", "Severity"),
    "risk.source": ("依据", "Source"),
    "risk.calls": ("规则背后的通话", "The calls behind each rule"),
    "risk.rankings": ("风险排行", "Ranked lists"),
    "risk.rankings_help": (
        "按统计期间内的每日明细汇总(不按周扩展),每个列表列出前 10 名。",
        "Summed over the days of the period (not widened to whole weeks); the top 10 of each list.",
    ),
    "risk.list.marking": ("号码标记风险", "Numbers at marking risk"),
    "risk.list.over_cap": ("超频呼叫", "Cap breaches"),
    "risk.list.dnc": ("拒呼名单", "DNC calls"),
    "risk.list.outside_hours": ("时段外外呼", "After-hours calls"),
    "risk.list.abandon": ("放弃率超标天数", "Days over the abandon limit"),
    "risk.list_help.marking": (
        "按{entity}统计处于标记风险的天数(接通率过低、短通话过多或单日呼量过大)。",
        "Days at marking risk per {entity} (answer rate too low, too many short calls, or too many calls a day).",
    ),
    "risk.list_help.over_cap": ("按{entity}统计的「{rule}」通话数。", "Calls breaking “{rule}” per {entity}."),
    "risk.list_help.dnc": ("按{entity}统计的「{rule}」通话数。", "Calls breaking “{rule}” per {entity}."),
    "risk.list_help.outside_hours": ("按{entity}统计的「{rule}」通话数。", "Calls breaking “{rule}” per {entity}."),
    "risk.list_help.abandon": (
        "按{entity}统计单日放弃率超过上限的天数(上限按项目按日计算)。",
        "Days with an abandon rate over the limit per {entity} (the limit is per campaign per day).",
    ),
    "risk.list_count.marking": ("风险天数", "Days at risk"),
    "risk.list_count.over_cap": ("超频通话", "Calls over the cap"),
    "risk.list_count.dnc": ("拒呼名单通话", "DNC calls"),
    "risk.list_count.outside_hours": ("时段外通话", "After-hours calls"),
    "risk.list_count.abandon": ("超标天数", "Days over"),
    "risk.list_days": ("涉及天数", "Days involved"),
    "risk.peak_score": ("最高风险分", "Peak score"),
    "risk.list_empty": ("本期间没有此类记录。", "None in this period."),
    "risk.rules": ("现行规则及依据", "Rules in force and their sources"),
    "risk.rules_help": (
        "风险分 = 100 ×(1 − Π(1 − 权重 × 严重度));计数类规则零容忍,每次违规都计入。可在“设置”中上传自己的规则文件覆盖默认值。",
        "Risk = 100 × (1 − Π(1 − weight × severity)); count rules are zero-tolerance and every breach counts. "
        "Upload your own rules file in Settings to override the defaults.",
    ),
    "risk.kind": ("类型", "Kind"),
    "risk.kind.count": ("计数(零容忍)", "count (zero tolerance)"),
    "risk.kind.rate_high": ("比率(越低越好)", "rate (lower is better)"),
    "risk.kind.rate_low": ("比率(越高越好)", "rate (higher is better)"),
    "risk.weight": ("权重", "Weight"),
    "risk.warning": ("预警线", "Warning level"),
    "risk.critical": ("严重线", "Critical level"),
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
