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
    # -- KPI cards (metric labels and definitions live in the registry, core.semantic.metrics) ------------
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
    # -- monthly report (core.pagedata.report; python -m core report) --------------------------------------
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
    # -- regulatory dashboard (pages/regulatory.py) ---------------------------------------------
    "page.regulatory": ("监管仪表盘", "Regulatory dashboard"),
    "reg.year": ("报告年度", "Report year"),
    "reg.year_option": ("{year} 年度({filing} 年报送)", "{year} (filed in {filing})"),
    "reg.company_wide": (
        "年报按全公司、全年口径统计:侧边栏的期间、站点、班组和外呼项目筛选不影响本页(月报导出除外,按结束日期所在月份)。",
        "The annual report covers the whole company and the whole year: the sidebar's period, site, team "
        "and campaign filters do not apply here (except the monthly export, which takes the month of the end date).",
    ),
    "reg.deadline": ("报送截止倒计时", "Filing deadline"),
    "reg.deadline_caption": (
        "{year} 年度年报须在 {deadline} 前提交;4 月为补报宽限期,5 月 1 日系统锁定,逾期企业列入不良名单。今天是 {today}。",
        "The {year} report is due by {deadline}; April is the grace month, the system locks on 1 May, and "
        "late filers go on the poor-conduct list. Today is {today}.",
    ),
    "reg.hard.deadline": ("报送截止日 {date}", "Deadline {date}"),
    "reg.hard.grace_end": ("宽限期结束 {date}", "Grace month ends {date}"),
    "reg.hard.locked": ("系统锁定 {date}", "System locks {date}"),
    "reg.in_days": ("还有 {n} 天", "in {n} days"),
    "reg.days_ago": ("已过 {n} 天", "{n} days ago"),
    "reg.today_is": ("就是今天", "today"),
    "reg.colour.green": ("正常:距截止日尚早", "On track: the deadline is not near yet"),
    "reg.colour.amber": (
        "提醒:已进入 3 月,第 6 步(提交正式年报)尚未完成",
        "Amber: March has begun and step 6 (submit) is open",
    ),
    "reg.colour.red": (
        "紧急:已过 3 月 25 日,第 6 步(提交正式年报)仍未完成",
        "Red: past 25 March and step 6 (submit) is still open",
    ),
    "reg.colour.grey": ("已提交:第 6 步已完成", "Filed: step 6 is done"),
    "reg.checklist": ("八步报送日历", "The eight steps"),
    "reg.checklist_progress": (
        "已完成 {done}/8 步,逾期 {overdue} 步。",
        "{done} of 8 steps done, {overdue} overdue.",
    ),
    "reg.col.step": ("步骤", "Step"),
    "reg.col.due": ("截止日期", "Due"),
    "reg.col.what": ("事项", "What"),
    "reg.col.status": ("状态", "Status"),
    "reg.col.done_on": ("完成日期", "Done on"),
    "reg.col.owner": ("负责人", "Owner"),
    "reg.col.signer": ("签字人", "Signed by"),
    "reg.col.note": ("备注", "Note"),
    "reg.status.done": ("已完成", "done"),
    "reg.status.due": ("待办", "open"),
    "reg.status.overdue": ("逾期", "overdue"),
    "reg.edit_step": ("更新步骤:标记完成、负责人、签字人、备注", "Update a step: done, owner, signer, note"),
    "reg.step_pick": ("步骤", "Step"),
    "reg.step_option": ("第 {step} 步 · {what}", "Step {step} · {what}"),
    "reg.done": ("已完成", "Done"),
    "reg.done_on": ("完成日期", "Done on"),
    "reg.owner": ("负责人", "Owner"),
    "reg.signer": ("签字人", "Signed by"),
    "reg.note": ("备注", "Note"),
    "reg.save": ("保存", "Save"),
    "reg.step_saved": ("第 {step} 步已保存。", "Step {step} saved."),
    "reg.loading": (
        "正在计算本年度的信用评分、差异清单与年报字段……",
        "Computing the credit estimate, difference list and fields…",
    ),
    "reg.no_year_data": (
        "{year} 年没有通话数据:信用评分、风险差异清单与年报字段需要该年度的数据。",
        "There are no calls in {year}: the credit estimate, the difference list and the fields need that year's data.",
    ),
    "reg.credit": ("信用评分估算", "Credit score estimate"),
    "reg.credit_caption": (
        "估算值,非官方结果:工信部信用评分模型未公开,本产品按规则文件 [credit.weights] 的权重估算,其中报送质量(及时性、准确性、一致性)占 35%。",
        "An estimate, not the official score: MIIT's model is not public; the weights are in [credit.weights] "
        "of the rules file, with reporting quality (timeliness, accuracy, consistency) at 35%.",
    ),
    "reg.credit_gauge": ("估算得分(红线为 80 分门槛)", "Estimated score (red line: the 80 threshold)"),
    "reg.credit_components": (
        "各组成部分得分(0–100;括号内为权重,条后为所得分/权重)",
        "Components (0–100; weight in brackets, points earned / weight after each bar)",
    ),
    "reg.points": ("所得分", "points"),
    "reg.credit_pass": (
        "估算 {score} 分({grade} 级),达到 {threshold} 分门槛。",
        "Estimate {score} (grade {grade}): at or above the {threshold} threshold.",
    ),
    "reg.credit_fail": (
        "估算 {score} 分({grade} 级),低于 {threshold} 分:{consequences}。",
        "Estimate {score} (grade {grade}), below {threshold}: {consequences}.",
    ),
    "reg.improvements": ("最值得改进", "Best improvements"),
    "reg.improvement": (
        "**{label}**:当前 {score} 分,最多可提升 {gain} 分 — {advice}",
        "**{label}**: now {score}, up to {gain} points to gain — {advice}",
    ),
    "reg.changes": ("风险差异清单(实质性变动)", "Risk difference list (material changes)"),
    "reg.changes_caption": (
        "{year} 年对比 {prev} 年;上年数据优先取已报送的年报。每项列出需准备的佐证材料,第 4 步签字、第 5 步与管局预沟通。",
        "{year} against {prev}; last year's figures come from the submitted report when stored. Each item lists "
        "the evidence to prepare; the list is signed in step 4 and discussed with the regulator in step 5.",
    ),
    "reg.change_figures": (
        "上年 {previous} → 本年 {current}(变化 {change})",
        "Previous {previous} → current {current} (change {change})",
    ),
    "reg.evidence_line": ("**佐证材料**:{items}", "**Evidence:** {items}"),
    "reg.basis_line": ("依据:{basis}", "Basis: {basis}"),
    "reg.changes_count": ("{n} 项实质性变动需准备佐证材料。", "{n} material changes need evidence."),
    "reg.no_changes": ("{year} 年无实质性变动。", "No material change in {year}."),
    "reg.topic.seats": ("坐席数", "Seats"),
    "reg.topic.outbound_share": ("外呼占比", "Outbound share"),
    "reg.topic.equity": ("股权结构", "Equity"),
    "reg.topic.key_script": ("关键话术", "Key scripts"),
    "reg.topic.sites": ("场地与许可覆盖", "Sites and coverage"),
    "reg.topic.numbers": ("码号资源", "Number resources"),
    "reg.col.topic": ("类别", "Topic"),
    "reg.col.rule": ("变动说明", "What changed"),
    "reg.col.previous": ("上年", "Previous"),
    "reg.col.current": ("本年", "Current"),
    "reg.col.change": ("变化", "Change"),
    "reg.col.evidence": ("佐证材料", "Evidence"),
    "reg.col.source": ("依据", "Basis"),
    "reg.fields": ("年报字段({n} 项)", "Annual-report fields ({n})"),
    "reg.fields_caption": (
        "本年值、上年值(已报送年报优先)、变化与数据来源;标记为实质性变动的字段须附佐证材料。",
        "This year's value, last year's (the submitted report first), the change and the source; fields "
        "marked as material changes need evidence.",
    ),
    "reg.form_pick": ("表单", "Form"),
    "reg.form_all": ("全部", "All"),
    "reg.col.id": ("编号", "ID"),
    "reg.col.form": ("表单", "Form"),
    "reg.col.field": ("字段", "Field"),
    "reg.col.value": ("本年", "Value"),
    "reg.col.material": ("实质性变动", "Material"),
    "reg.col.prev_source": ("上年取自", "Previous from"),
    "reg.col.published": ("公示", "Published"),
    "reg.prev.submission": ("已报送年报", "submitted report"),
    "reg.prev.data": ("底层数据", "the data"),
    "reg.source.metric": ("指标:{label}", "metric: {label}"),
    "reg.source.derived": ("派生:{ref}", "derived: {ref}"),
    "reg.source.manual": ("手工录入:{ref}", "manual entry: {ref}"),
    "reg.yes": ("是", "yes"),
    "reg.no": ("否", "no"),
    "reg.sql": ("查看字段 SQL", "Show a field's SQL"),
    "reg.sql_pick": ("字段", "Field"),
    "reg.sql_caption": (
        "按当前数据库({engine})编译的查询;手工录入的字段没有 SQL。",
        "Compiled for the database in use ({engine}); manual entries have no SQL.",
    ),
    "reg.no_sql": ("没有由数据计算的字段。", "No field is computed from the data."),
    "reg.exports": ("导出", "Exports"),
    "reg.export_report": ("初版年报 Excel", "Draft report (Excel)"),
    "reg.export_changes": ("风险差异清单 Excel", "Difference list (Excel)"),
    "reg.export_monthly": ("{month} 监管月报 HTML", "Monthly dashboard {month} (HTML)"),
    "reg.exports_caption": (
        "两份 Excel 均带签字栏(第 4 步老板签字、第 5 步报送管局)。月报统计 {start} 至 {end},全公司口径,单个 HTML 文件离线可用;"
        "命令行:python -m core report --month {month} --out DIR",
        "Both workbooks end with signature blocks (step 4: the boss signs; step 5: to the regulator). The monthly "
        "report covers {start} to {end}, whole company, one HTML file that works offline; from a shell: "
        "python -m core report --month {month} --out DIR",
    ),
    # -- compliance asset pack (pages/asset_pack.py) ----------------------------------------------
    "page.asset_pack": ("合规资产包", "Compliance asset pack"),
    "pack.years": ("年份(最多三年)", "Years (up to three)"),
    "pack.pick_years": ("请选择一至三个年份。", "Choose one to three years."),
    "pack.partial_year": ("{year}(不完整年度)", "{year} (partial year)"),
    "pack.company_wide": (
        "资产包按全公司、整年口径评分,不受侧边栏筛选影响;五个维度各 0–100 分,口径见 DOMAIN.md §10。",
        "The pack scores the whole company over whole years; the sidebar filters do not apply. Five "
        "dimensions, 0–100 each (DOMAIN.md §10).",
    ),
    "pack.scores": ("五维度得分与依据", "Scores and the figures behind them"),
    "pack.scores_caption": (
        "投诉率维度:0 投诉为 100 分,等于行业基准为 50 分,两倍基准为 0 分;坐席利用率:占用率在 70–88% 之间为 100 分。",
        "Complaint rate: 100 at zero complaints, 50 at the industry benchmark, 0 at twice it; seat utilisation: "
        "100 while occupancy is within 70–88%.",
    ),
    "pack.col.year": ("年份", "Year"),
    "pack.col.benchmark": ("行业基准(每万次外呼投诉)", "Benchmark (complaints per 10k)"),
    "pack.col.marked": ("标记风险号码 / 在用号码", "Numbers at marking risk / used"),
    "pack.download": ("下载投资人页面(HTML,离线可用)", "Download the investor page (HTML, works offline)"),
    # -- data quality (pages/data_quality.py) ------------------------------------------------------
    "page.data_quality": ("数据质量", "Data quality"),
    "dq.scope": (
        "通话类检查按开始时间落在期间内的通话;花名册与坐席会话检查覆盖全部数据。示例中的客户号码一律脱敏。",
        "Call checks cover calls started in the period; roster and session checks cover all the data. Customer "
        "ids in the examples are always masked.",
    ),
    "dq.filters_ignored": (
        "数据质量检查针对整个数据库,不受站点、班组、外呼项目筛选影响。",
        "The data-quality checks cover the whole database: the site, team and campaign filters do not apply.",
    ),
    "dq.empty_period": (
        "{start} 至 {end} 期间没有通话记录,通话类检查计数为 0。数据覆盖到 {latest}。",
        "There are no calls from {start} to {end}, so the call checks count 0. The data runs to {latest}.",
    ),
    "dq.checks": ("检查项", "Checks"),
    "dq.failed": ("发现问题的检查项", "Checks with findings"),
    "dq.score": ("数据质量得分", "Data-quality score"),
    "dq.score_help": (
        "按严重程度加权的通过率(错误 3、警告 2、提示 1),计入信用评分估算的准确性部分。",
        "Share of checks passing, weighted by severity (error 3, warning 2, info 1); it feeds the accuracy "
        "component of the credit estimate.",
    ),
    "dq.examples": ("示例(最多 {n} 条)", "Examples (up to {n})"),
    "dq.passed": ("未发现问题的检查项({n} 项)", "Checks that found nothing ({n})"),
    # -- data import (ui/importer.py, on the data-quality page) -----------------------------------
    "import.title": ("导入数据", "Import data"),
    "import.intro": (
        "上传话务系统导出或标准格式文件。客户号码在写入前加盐哈希;重复行跳过;坏行写入拒收文件(号码已遮蔽);"
        "导入失败时数据库保持原样。",
        "Upload call-system exports or canonical files. Customer numbers are hashed before anything is "
        "stored; duplicates are skipped; bad rows go to a rejects file (numbers masked); a failed import "
        "leaves the database as it was.",
    ),
    "import.format": ("文件格式", "File format"),
    "import.format.canonical": ("标准格式 CSV / Excel / Parquet", "Canonical CSV / Excel / Parquet"),
    "import.format.asterisk": ("Asterisk cdr 表导出(带表头)", "Asterisk cdr export (with header)"),
    "import.format.asterisk-csv": ("Asterisk Master.csv(无表头)", "Asterisk Master.csv (no header)"),
    "import.format.freeswitch": ("FreeSWITCH mod_cdr_csv", "FreeSWITCH mod_cdr_csv"),
    "import.format.vicidial": ("VICIdial vicidial_log", "VICIdial vicidial_log"),
    "import.format.tencent-ccc": (
        "腾讯云联络中心话单(DescribeTelCdr JSON / CSV)",
        "Tencent Cloud Contact Center records (DescribeTelCdr JSON / CSV)",
    ),
    "import.table": ("目标数据表", "Target table"),
    "import.table_auto": ("按文件名或工作表名判断", "From the file or sheet name"),
    "import.files": ("文件(可多选)", "Files (several at once)"),
    "import.mapping": ("映射文件 TOML(可选)", "Mapping file, TOML (optional)"),
    "import.mapping_help": (
        "说明哪些列表示方向、坐席、项目和号码;示例见 core/ingest/mappings/",
        "Which columns give direction, agent, campaign and numbers; examples in core/ingest/mappings/",
    ),
    "import.run": ("开始导入", "Import"),
    "import.done": ("已导入 {inserted} 行(读取 {read} 行)", "Imported {inserted} rows ({read} read)"),
    "import.failed": ("未导入任何数据:{reason}", "Nothing was imported: {reason}"),
    "import.read": ("读取", "Read"),
    "import.inserted": ("新增", "Inserted"),
    "import.merged": ("合并的分叉记录", "Fork rows folded"),
    "import.duplicates": ("重复", "Duplicates"),
    "import.rejected": ("拒收", "Rejected"),
    "import.inferred": (
        "其中 {n} 通接通电话的双向通话为推断值(来源无此字段),已计入下方数据质量检查。",
        "{n} answered calls got an inferred two-way-voice value (the source has none); see the check below.",
    ),
    "import.dnc": (
        "另有 {n} 个号码加入拒呼名单(VICIdial DNC 状态)。",
        "{n} customers were added to the DNC list (VICIdial DNC statuses).",
    ),
    "import.rejects_download": ("下载拒收文件(含行号与原因)", "Download the rejects file (line and reason)"),
    # -- settings: rules in force, override, company profile, finance (pages/settings.py) ----------
    "settings.rules": ("当前生效的合规规则", "Rules in force"),
    "settings.rules_default": (
        "使用默认规则文件 core/infra/rules.toml(版本 {version})。",
        "The defaults of core/infra/rules.toml are in force (version {version}).",
    ),
    "settings.rules_version": (
        "规则版本 v{id} 生效({at},{actor}),覆盖默认规则(版本 {version});未写出的键沿用默认。",
        "Rules version v{id} is in force ({at}, {actor}) over the defaults (version {version}); keys it does not name keep their defaults.",
    ),
    "settings.override": ("上传自定义规则(TOML)", "Upload a rules override (TOML)"),
    "settings.override_help": (
        "只写需要修改的键,例如 [caps] per_24h = 3;文件是完整的覆盖,未写出的键恢复默认。上传后先按含义逐项校验(范围、顺序、取值),"
        "通过后保存为新的规则版本(记录操作人、时间、差异与备注),并立即在所有页面生效。",
        "Name only the keys to change, e.g. [caps] per_24h = 3; the file is a complete override (keys it does not name "
        "return to their defaults). Every value is checked by meaning (range, order, allowed values); when it passes it "
        "is stored as a new rules version (who, when, the diff, the note) and every page uses it at once.",
    ),
    "settings.override_note": ("变更说明(可选)", "Note on the change (optional)"),
    "settings.override_propose": (
        "仅提交为提议(合规):管理员批准后才生效",
        "Submit as a proposal (compliance): in force only once an admin approves it",
    ),
    "settings.override_saved": (
        "规则文件 {name} 已通过校验,保存为规则版本 v{id} 并生效。",
        "The rules file {name} passed the checks and is now in force as rules version v{id}.",
    ),
    "settings.override_proposed": (
        "规则文件 {name} 已通过校验,保存为提议 v{id},待管理员批准。",
        "The rules file {name} passed the checks and is stored as proposal v{id}, awaiting an admin's approval.",
    ),
    "settings.override_bad": (
        "规则文件未通过校验,未保存:{detail}",
        "The rules file failed the checks and was not saved: {detail}",
    ),
    "settings.override_broken": (
        "已保存的规则版本与当前默认规则不再兼容:{detail}。请上传修正后的文件或恢复其他版本。",
        "The stored rules version no longer fits the default rules: {detail}. Upload a corrected file or restore another version.",
    ),
    "settings.override_remove": ("恢复默认规则", "Back to the default rules"),
    "settings.override_removed": (
        "已恢复默认规则(规则版本 v{id})。",
        "The default rules are in force again (rules version v{id}).",
    ),
    "settings.versions": ("规则版本", "Rules versions"),
    "settings.versions_none": (
        "尚无保存的规则版本:默认规则(v0)生效。",
        "No stored rules version: the defaults (v0) are in force.",
    ),
    "settings.col.version": ("版本", "Version"),
    "settings.col.at": ("时间", "When"),
    "settings.col.actor": ("操作人", "By"),
    "settings.col.action": ("操作", "Action"),
    "settings.col.diff": ("差异(键:原值 → 新值)", "Diff (key: old → new)"),
    "settings.col.note": ("说明", "Note"),
    "settings.col.in_force": ("生效", "In force"),
    "settings.action.apply": ("修改", "apply"),
    "settings.action.propose": ("提议", "proposal"),
    "settings.action.approve": ("批准", "approval"),
    "settings.action.restore": ("恢复", "restore"),
    "settings.action.migrate": ("迁移", "migration"),
    "settings.approve": ("批准提议 v{id}({actor})", "Approve proposal v{id} ({actor})"),
    "settings.approved": (
        "提议 v{pid} 已批准,规则版本 v{id} 生效。",
        "Proposal v{pid} approved: rules version v{id} is in force.",
    ),
    "settings.restore_pick": ("恢复到版本", "Restore version"),
    "settings.restore": ("恢复此版本", "Restore this version"),
    "settings.restored": (
        "已恢复版本 v{src},规则版本 v{id} 生效。",
        "Version v{src} restored: rules version v{id} is in force.",
    ),
    "settings.risk_rules": ("风险评分规则(DOMAIN.md §7)", "Risk-score rules (DOMAIN.md §7)"),
    "settings.thresholds": ("关键阈值及来源", "Key thresholds and their sources"),
    "settings.col.rule": ("规则", "Rule"),
    "settings.col.kind": ("类型", "Kind"),
    "settings.col.weight": ("权重", "Weight"),
    "settings.col.warning": ("预警线", "Warning"),
    "settings.col.critical": ("严重线", "Critical"),
    "settings.col.source": ("来源", "Source"),
    "settings.col.setting": ("规则项", "Setting"),
    "settings.col.value": ("取值", "Value"),
    "settings.kind.count": ("零容忍(按次计)", "zero tolerance (count)"),
    "settings.kind.rate_high": ("比率过高", "rate too high"),
    "settings.kind.rate_low": ("比率过低", "rate too low"),
    "settings.th.window": ("允许外呼时段", "Allowed calling window"),
    "settings.th.blocked": ("禁呼地区", "Blocked callee regions"),
    "settings.th.caps": ("单客呼叫频次上限", "Per-callee caps"),
    "settings.th.abandon": ("外呼放弃率上限(每项目每日)", "Abandon-rate limit (per campaign per day)"),
    "settings.th.recall": ("放弃后禁止重呼", "No re-call after an abandoned call"),
    "settings.th.recording": ("录音", "Recordings"),
    "settings.th.marking": ("号码标记风险", "Number marking risk"),
    "settings.th.complaints": ("投诉", "Complaints"),
    "settings.th.material_seats": ("实质性变动:坐席数", "Material change: seats"),
    "settings.th.material_share": ("实质性变动:外呼占比", "Material change: outbound share"),
    "settings.th.material_numbers": ("实质性变动:在用码号数", "Material change: numbers in use"),
    "settings.th.credit": ("信用评分门槛", "Credit-score threshold"),
    "settings.th.occupancy": ("健康占用率区间", "Healthy occupancy band"),
    "settings.val.caps": (
        "每客 24 小时内最多 {day} 次,5 分钟内最多 {five} 次",
        "at most {day} per 24 h and {five} per 5 min per callee",
    ),
    "settings.val.hours": ("{n} 小时内", "within {n} h"),
    "settings.val.recording": (
        "{purposes} 类外呼接通录音覆盖率目标 {share}",
        "{share} of connected outbound {purposes} calls recorded",
    ),
    "settings.val.marking": (
        "单号单日接通率低于 {answer},或 {short} 以上接通不足 {seconds} 秒,或超过 {calls} 次",
        "per number and day: answer rate below {answer}, or {short} of connected calls under {seconds} s, or over {calls} calls",
    ),
    "settings.val.complaints": (
        "{channels} 渠道投诉即为红色;回复率低于 {reply} 为黄色",
        "any {channels} complaint is red; a reply rate below {reply} is amber",
    ),
    "settings.profile": ("年报手工录入项", "Manual entries of the report"),
    "settings.profile_caption": (
        "企业基本情况表与企业经济效益表中无法从通话数据得到的字段;保存后监管仪表盘的年报字段立即更新。",
        "The company-basics and economics fields the call data cannot give; the regulatory dashboard's fields "
        "update as soon as they are saved.",
    ),
    "settings.readonly": (
        "当前数据库({engine})在应用中只读,无法在此编辑企业信息与财务数据:请用 python -m core import 或数据库客户端更新 company / finance 表。",
        "The database in use ({engine}) is read-only in the app, so the company profile and finance entries "
        "cannot be edited here: update the company / finance tables with python -m core import or a database client.",
    ),
    "settings.company": ("企业基本信息", "Company profile"),
    "settings.no_company": ("尚未录入企业信息。", "No company profile yet."),
    "settings.company.name": ("企业名称", "Company name"),
    "settings.company.credit_code": ("统一社会信用代码", "Unified social credit code"),
    "settings.company.legal_rep": ("法定代表人", "Legal representative"),
    "settings.company.registered_address": ("注册地址", "Registered address"),
    "settings.company.registered_province": ("注册省份", "Registered province"),
    "settings.company.registered_capital_wan": ("注册资本(万元)", "Registered capital (万元)"),
    "settings.company.ownership_type": ("企业性质", "Ownership type"),
    "settings.company.listed": ("已上市", "Listed"),
    "settings.company.complaint_phone": ("客服/投诉电话", "Complaint phone"),
    "settings.save_company": ("保存企业信息", "Save the company profile"),
    "settings.company_saved": ("企业信息已保存。", "Company profile saved."),
    "settings.finance": ("财务数据(万元)", "Finance (万元)"),
    "settings.no_finance": ("尚未录入财务数据。", "No finance entries yet."),
    "settings.finance.year": ("年度", "Year"),
    "settings.finance.revenue_wan": ("营业收入", "Revenue"),
    "settings.finance.cost_wan": ("营业成本", "Cost"),
    "settings.finance.telecom_revenue_wan": ("电信业务收入", "Telecom revenue"),
    "settings.finance.callcenter_revenue_wan": ("呼叫中心业务收入", "Call-centre revenue"),
    "settings.save_finance": ("保存 {year} 年财务数据", "Save {year}"),
    "settings.finance_saved": ("{year} 年财务数据已保存。", "Finance entries of {year} saved."),
    "error.rules": ("规则文件问题", "Rules file problem"),
    "error.rules_what_to_do": (
        "处理方法:在“设置”页上传修正后的规则文件,或恢复默认规则。",
        "What to do: upload a corrected rules file on the Settings page, or go back to the default rules.",
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
    "pages.compare": (
        "环比对比 {prev};同比对比 {ago}",
        "Month-over-month vs {prev}; year-over-year vs {ago}",
    ),
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
    "capacity.no_over_days": (
        "本期间每日在线峰值均未超过申报坐席。",
        "No day of the period exceeded the declared seats.",
    ),
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
    "capacity.no_inbound": (
        "本期间没有呼入通话或坐席登录记录。",
        "No inbound calls or agent sessions in this period.",
    ),
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
    "risk.list_help.over_cap": (
        "按{entity}统计的「{rule}」通话数。",
        "Calls breaking “{rule}” per {entity}.",
    ),
    "risk.list_help.dnc": ("按{entity}统计的「{rule}」通话数。", "Calls breaking “{rule}” per {entity}."),
    "risk.list_help.outside_hours": (
        "按{entity}统计的「{rule}」通话数。",
        "Calls breaking “{rule}” per {entity}.",
    ),
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
    # -- Today page (pages/today.py, issue 14) ---------------------------------------------------
    "page.today": ("今日监控", "Today"),
    "today.scope": (
        "自北京时间 0 点起的实时数据,每 {seconds} 秒自动刷新,无需重新加载页面。侧栏的日期区间不适用于本页,站点、团队、活动筛选仍然适用。",
        "Live figures since 00:00 Beijing time, refreshed every {seconds} s without reloading the page. "
        "The sidebar's period does not apply here; its site, team and campaign filters do.",
    ),
    "today.as_of": ("{day} · 截至 {time}", "{day} · as of {time}"),
    "today.newest": ("最新通话记录:{at}", "Newest call record: {at}"),
    "today.stale": (
        "数据源可能已中断:已有 {minutes} 分钟没有新的通话记录(外呼时段内超过 {limit} 分钟即提示)。请检查话单导入或监控服务。",
        "The feed may be stale: no new call record for {minutes} minutes (a warning after {limit} minutes "
        "while the calling window is open). Check the record import or the watcher.",
    ),
    "today.busy": (
        "数据库正由另一进程写入,仍显示 {time} 读取的数据;下次刷新时重试。",
        "Another process is writing to the database; still showing the data read at {time}. The next refresh tries again.",
    ),
    "today.busy_first": (
        "数据库正由另一进程写入,暂时无法读取;下次刷新时重试。",
        "Another process is writing to the database, so it cannot be read yet; the next refresh tries again.",
    ),
    "today.no_calls_db": ("数据库中还没有任何通话记录。", "The database holds no call records yet."),
    "today.no_calls": (
        "今天(自 0 点起)还没有通话;最新记录:{newest}。",
        "No calls since midnight; newest record: {newest}.",
    ),
    "today.no_match": (
        "今天还没有符合当前筛选条件的外呼。",
        "No outbound calls since midnight match the current filters.",
    ),
    "today.show_latest": ("查看最近有通话的一天({day})", "Show the newest day with calls ({day})"),
    "today.replay": (
        "正在查看 {day} 的数据(截至当天最后一条记录 {time}),不是今天。",
        "Showing {day} as it stood at its last record ({time}), not today.",
    ),
    "today.kpi.calls": ("外呼量", "Outbound calls"),
    "today.kpi.outside": ("时段外外呼", "Calls outside the window"),
    "today.kpi.dnc": ("拨打免打扰号码", "Calls to DNC numbers"),
    "today.kpi.cap": ("超单客户频次", "Calls over the per-customer cap"),
    "today.kpi.seats": ("在线坐席 / 申报坐席", "Agents logged in / declared seats"),
    "today.limit": ("上限 {limit}", "limit {limit}"),
    "today.red_heading": ("需要处理", "Needs attention"),
    "today.all_clear": ("目前没有红色项。", "Nothing red so far."),
    "today.view": ("在风险热力图中查看", "open in the risk heatmap"),
    "today.flag.abandon_rate": (
        "活动 {entity}:放弃率 {value},超过上限 {limit}",
        "Campaign {entity}: abandon rate {value}, above the {limit} limit",
    ),
    "today.flag.outside_hours_calls": (
        "活动 {entity}:{value} 通外呼不在允许的外呼时段内",
        "Campaign {entity}: {value} calls outside its calling window",
    ),
    "today.flag.dnc_calls": (
        "活动 {entity}:{value} 通拨打了免打扰名单中的号码",
        "Campaign {entity}: {value} calls to numbers on the DNC list",
    ),
    "today.flag.over_cap_calls": (
        "活动 {entity}:{value} 通超出单客户呼叫频次上限",
        "Campaign {entity}: {value} calls over the per-customer cap",
    ),
    "today.flag.blocked_region_calls": (
        "活动 {entity}:{value} 通拨往禁呼地区",
        "Campaign {entity}: {value} calls to blocked regions",
    ),
    "today.flag.marking_volume": (
        "外显号码 {entity}:标记风险,今日外呼 {value} 通,超过 {limit} 通",
        "Caller number {entity}: marking risk, {value} calls today, above {limit}",
    ),
    "today.flag.marking_answer_rate": (
        "外显号码 {entity}:标记风险,接通率 {value},低于 {limit}",
        "Caller number {entity}: marking risk, answer rate {value}, below {limit}",
    ),
    "today.flag.marking_short_share": (
        "外显号码 {entity}:标记风险,短通话占比 {value},达到 {limit}",
        "Caller number {entity}: marking risk, short-call share {value}, at or above {limit}",
    ),
    "today.flag.seats_excess": (
        "站点 {entity}:在线坐席 {value} 人,超过申报的 {limit} 席",
        "Site {entity}: {value} agents logged in, above the {limit} declared seats",
    ),
    "today.flag.near_window_end": (
        "活动 {entity}:{value} 仍在外呼,外呼时段 {limit} 结束",
        "Campaign {entity}: still dialling at {value}; its window ends at {limit}",
    ),
    "today.chart": ("各活动今日外呼与放弃率", "Calls and abandon rate per campaign today"),
    "today.chart.connected": ("接通", "connected"),
    "today.chart.other": ("未接通", "not connected"),
    "today.chart.abandon_rate": ("放弃率", "abandon rate"),
    "today.chart.limit": ("放弃率上限", "abandon-rate limit"),
    "today.by_campaign": ("按活动", "By campaign"),
    "today.by_number": ("按外显号码", "By caller number"),
    "today.by_site": ("按站点:坐席在线", "By site: agents logged in"),
    "today.col.campaign": ("活动", "Campaign"),
    "today.col.number": ("外显号码", "Caller number"),
    "today.col.site": ("站点", "Site"),
    "today.col.calls": ("外呼量", "Calls"),
    "today.col.connected": ("接通量", "Connected"),
    "today.col.outside": ("时段外", "Outside window"),
    "today.col.dnc": ("免打扰", "DNC"),
    "today.col.cap": ("超频次", "Over cap"),
    "today.col.blocked": ("禁呼地区", "Blocked region"),
    "today.col.window_end": ("时段结束", "Window ends"),
    "today.col.last_call": ("最近一通", "Last call"),
    "today.col.short_share": ("短通话占比", "Short-call share"),
    "today.col.marking": ("标记风险", "Marking risk"),
    "today.col.logged_in": ("在线坐席", "Logged in"),
    "today.col.declared": ("申报坐席", "Declared seats"),
    "today.col.link": ("风险页", "Risk page"),
    "today.marking_thresholds": (
        "标记风险阈值:日外呼超过 {volume} 通;至少 {min_calls} 通时接通率低于 {answer};至少 {min_connected} 通接通时短通话(不足 {seconds} 秒)占比达到 {short}。",
        "Marking-risk thresholds: more than {volume} calls a day; answer rate below {answer} once {min_calls} calls "
        "were made; short calls (under {seconds} s) at or above {short} of at least {min_connected} connected calls.",
    ),
    "today.alerts": ("今日告警", "Today's alerts"),
    "today.no_alerts": ("今天还没有发出告警。", "No alerts today."),
    "today.col.time": ("时间", "Time"),
    "today.col.kind": ("类型", "Kind"),
    "today.col.rule": ("规则", "Rule"),
    "today.col.entity": ("对象", "Entity"),
    "today.col.value": ("数值", "Value"),
    "today.col.threshold": ("阈值", "Threshold"),
    "today.col.delivered": ("已送达", "Delivered to"),
    "today.col.failed": ("发送失败", "Failed"),
    "today.col.attempts": ("尝试次数", "Attempts"),
    "today.col.message": ("消息", "Message"),
    "today.kind.alert": ("告警", "alert"),
    "today.kind.resolved": ("已恢复", "resolved"),
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
