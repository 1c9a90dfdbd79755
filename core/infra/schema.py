"""The canonical data model of DOMAIN.md §4, in SQLAlchemy Core.

Every table of §4 is declared here once, with its primary key and the indexes the dashboards need.
The same ``MetaData`` creates the schema on DuckDB, SQLite, PostgreSQL, MariaDB/MySQL and ClickHouse;
ClickHouse gets a MergeTree engine ordered by the table's key (see ``core.infra.db.create_schema``).

Conventions:
    * Times are Beijing local time, naive (``DateTime`` without time zone).
    * Strings have a length so that MariaDB can create them (``VARCHAR(n)``).
    * Customer phone numbers never appear in clear: ``callee_id`` is a salted hash.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# Short aliases keep the column lists below readable.
ID = String(32)
LONG_ID = String(64)
NAME = String(128)
CODE = String(16)


def _s(n: int) -> String:
    return String(n)


company = Table(
    "company",
    metadata,
    Column("name", NAME, primary_key=True, comment="企业名称 registered company name"),
    Column("credit_code", _s(18), comment="统一社会信用代码"),
    Column("legal_rep", _s(64), comment="法定代表人"),
    Column("registered_address", _s(256)),
    Column("registered_province", _s(16)),
    Column("registered_capital_wan", Double, comment="注册资本, 万元"),
    Column("ownership_type", _s(32), comment="企业性质, e.g. 民营 / 国有 / 外资"),
    Column("listed", Boolean, comment="是否上市"),
    Column("complaint_phone", _s(32), comment="客服/投诉电话 (a published service number)"),
)

finance = Table(
    "finance",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("revenue_wan", Double, comment="营业收入, 万元"),
    Column("cost_wan", Double, comment="营业成本, 万元"),
    Column("telecom_revenue_wan", Double, comment="电信业务收入, 万元"),
    Column("callcenter_revenue_wan", Double, comment="呼叫中心业务收入, 万元"),
)

licences = Table(
    "licences",
    metadata,
    Column("licence_no", _s(64), primary_key=True, comment="许可证编号"),
    Column("business_code", CODE, comment="业务代码, B24 for call centres"),
    Column("coverage", _s(512), comment="业务覆盖范围: comma list of provinces; 全国 = nationwide"),
    Column("valid_from", Date),
    Column("valid_to", Date),
)

sites = Table(
    "sites",
    metadata,
    Column("site_id", ID, primary_key=True),
    Column("name", NAME),
    Column("province", _s(16)),
    Column("city", _s(32)),
    Column("opened_on", Date),
    Column("closed_on", Date, nullable=True),
)

site_seats = Table(
    "site_seats",
    metadata,
    Column("site_id", ID, primary_key=True),
    Column("effective_from", Date, primary_key=True),
    Column("declared_seats", Integer, comment="seats declared for the site from effective_from on"),
)

agents = Table(
    "agents",
    metadata,
    Column("agent_id", ID, primary_key=True),
    Column("team", _s(64)),
    Column("site_id", ID),
    Column("employment", CODE, comment="staff / outsourced"),
    Column("hired_on", Date),
    Column("left_on", Date, nullable=True),
)

agent_sessions = Table(
    "agent_sessions",
    metadata,
    Column("agent_id", ID, primary_key=True),
    Column("login_at", DateTime, primary_key=True),
    Column("logout_at", DateTime, nullable=True, comment="null while the session is open (or never closed)"),
    Column("break_seconds", Integer),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("campaign_id", ID, primary_key=True),
    Column("name", NAME),
    Column("purpose", CODE, comment="marketing / collection / service / survey / notification"),
    Column("client", NAME),
    Column("client_industry", _s(32)),
    Column("script_id", ID, nullable=True),
    Column("dialer", CODE, comment="manual / preview / predictive / robot"),
)

scripts = Table(
    "scripts",
    metadata,
    Column("script_id", ID, primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("title", NAME),
    Column("approved_at", DateTime),
    Column("key_script", Boolean, comment="关键话术: a new version is a material change"),
)

numbers = Table(
    "numbers",
    metadata,
    Column("number", _s(32), primary_key=True, comment="caller (access) number"),
    Column("kind", CODE, comment="95 / 96 / 400 / 1010 / landline / mobile"),
    Column("carrier", _s(32)),
    Column("province", _s(16)),
    Column("registered", Boolean),
    Column("allocated_on", Date),
    Column("released_on", Date, nullable=True),
)

calls = Table(
    "calls",
    metadata,
    Column("call_id", LONG_ID, primary_key=True),
    Column("direction", CODE, nullable=False, comment="in / out"),
    Column("started_at", DateTime, nullable=False),
    Column("answered_at", DateTime, nullable=True),
    Column("ended_at", DateTime, nullable=True),
    Column("ring_seconds", Integer),
    Column("talk_seconds", Integer),
    Column("wrap_seconds", Integer),
    Column("two_way_voice", Boolean),
    Column("disposition", CODE, comment="answered / no_answer / busy / failed / abandoned / rejected"),
    Column("agent_id", ID, nullable=True),
    Column("campaign_id", ID, nullable=True),
    Column("caller_number", _s(32), nullable=True),
    Column("callee_id", LONG_ID, nullable=True, comment="salted hash of the customer's number"),
    Column("callee_province", _s(16), nullable=True),
    Column("hangup_by", CODE, nullable=True, comment="customer / agent / system"),
    Column("recorded", Boolean),
    Column("robot", Boolean),
    # Added after the first release (last, as ALTER TABLE … ADD COLUMN puts it in an older database).
    Column(
        "callee_carrier", _s(32), nullable=True, comment="运营商 of the customer's number, from its prefix"
    ),
    Index("ix_calls_started_at", "started_at"),
    Index("ix_calls_caller_number", "caller_number"),
    Index("ix_calls_callee_id", "callee_id"),
    Index("ix_calls_campaign_id", "campaign_id"),
    Index("ix_calls_agent_id", "agent_id"),
)

complaints = Table(
    "complaints",
    metadata,
    Column("complaint_id", ID, primary_key=True),
    Column("received_at", DateTime, nullable=False),
    Column("channel", CODE, comment="12321 / miit / carrier / client / internal"),
    Column("caller_number", _s(32), nullable=True),
    Column("callee_id", LONG_ID, nullable=True),
    Column("call_id", LONG_ID, nullable=True),
    Column("category", _s(32)),
    Column("substantiated", Boolean),
    Column("replied_at", DateTime, nullable=True),
    Index("ix_complaints_received_at", "received_at"),
)

qa_reviews = Table(
    "qa_reviews",
    metadata,
    Column("review_id", ID, primary_key=True),
    Column("call_id", LONG_ID),
    Column("reviewed_at", DateTime),
    Column("score", Integer),
    Column("passed", Boolean),
    Column("violations", _s(256), nullable=True, comment="comma list of violation codes"),
    Index("ix_qa_reviews_call_id", "call_id"),
)

dnc = Table(
    "dnc",
    metadata,
    Column("callee_id", LONG_ID, primary_key=True),
    Column("added_at", DateTime, primary_key=True),
    Column("source", _s(32)),
)

shareholders = Table(
    "shareholders",
    metadata,
    Column("as_of", Date, primary_key=True),
    Column("holder", NAME, primary_key=True),
    Column("share_pct", Double),
)

report_submissions = Table(
    "report_submissions",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("submitted_at", DateTime),
    Column("receipt_no", _s(64), nullable=True),
    Column("payload", Text, comment="the submitted field values, JSON"),
)

checklist = Table(
    "checklist",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("step", Integer, primary_key=True, autoincrement=False),
    Column("due_on", Date),
    Column("done_on", Date, nullable=True),
    Column("owner", _s(64), nullable=True),
    Column("signer", _s(64), nullable=True),
    Column("note", _s(512), nullable=True),
)

benchmarks = Table(
    "benchmarks",
    metadata,
    Column("metric", _s(64), primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("value", Double),
    Column("source", _s(256)),
)

#: Columns added after the schema's first release, all nullable: an older database gets them with
#: ``ALTER TABLE … ADD COLUMN`` (:func:`core.infra.db.upgrade_schema`, run by every import).
ADDED_COLUMNS: tuple[tuple[str, str], ...] = (("calls", "callee_carrier"),)

#: Tables in load order (parents before children); every table of DOMAIN.md §4.
TABLES: tuple[Table, ...] = (
    company,
    finance,
    licences,
    sites,
    site_seats,
    agents,
    agent_sessions,
    campaigns,
    scripts,
    numbers,
    calls,
    complaints,
    qa_reviews,
    dnc,
    shareholders,
    report_submissions,
    checklist,
    benchmarks,
)

TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in TABLES)

#: ClickHouse sorting keys where the primary key is a poor scan order: calls are read by time.
CLICKHOUSE_ORDER_BY: dict[str, tuple[str, ...]] = {
    "calls": ("started_at", "call_id"),
    "complaints": ("received_at", "complaint_id"),
}

# ---------------------------------------------------------------------------------------------
# The alert log (issue 14, core/alerts): kept in a MetaData of its own, outside TABLES, like the
# importer's tables: created by the first evaluation (core.alerts.store.ensure_tables) on every
# engine, so that the schema check of databases made before alerts existed still passes.
# Append-only (ClickHouse has no cheap UPDATE): an alert's state is its latest event.
# ---------------------------------------------------------------------------------------------

alerts_metadata = MetaData()

alert_events = Table(
    "alert_events",
    alerts_metadata,
    Column("event_id", String(36), primary_key=True),
    Column("rule_id", _s(48), nullable=False),
    Column("entity_kind", _s(16), nullable=False, comment="campaign / caller_number / team / site / company"),
    Column("entity", _s(128), nullable=False, comment="the entity's id ('' for the company)"),
    Column("day", Date, nullable=False, comment="the Beijing day the alert belongs to"),
    Column("kind", _s(16), nullable=False, comment="alert / resolved"),
    Column("raised_at", DateTime, nullable=False, comment="when it was raised or cleared (Beijing, naive)"),
    Column("value", Double, comment="the signal's value then"),
    Column("threshold", Double),
    Column("message", Text, comment="the message sent, in the configured language"),
    Column("link", _s(512), comment="the page view it links to"),
)

alert_deliveries = Table(
    "alert_deliveries",
    alerts_metadata,
    Column("delivery_id", String(36), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("channel", _s(64), nullable=False, comment="the channel's name in the rules file"),
    Column("channel_type", _s(16), nullable=False, comment="wecom / dingtalk / feishu / email / webhook"),
    Column("attempt", Integer, nullable=False, comment="1, 2, … for this event and channel"),
    Column(
        "attempt_round", Integer, nullable=False, comment="the how-many-th evaluation that tried it: 1, 2, …"
    ),
    Column("attempted_at", DateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("error", _s(512), comment="why it failed (null when delivered)"),
)

ALERT_TABLES: tuple[Table, ...] = (alert_events, alert_deliveries)

#: Tables of the running service, not of DOMAIN.md §4: kept out of :data:`TABLES` (and of
#: :data:`metadata`) so that the schema check of a database made before them still passes; their
#: owner creates them when missing (``core.infra.db.create_tables``, ``clickhouse_ddl`` on ClickHouse).
service_metadata = MetaData()

watch_positions = Table(
    "watch_positions",
    service_metadata,
    Column("source", _s(512), primary_key=True, comment="the watched source's key (its spec, redacted)"),
    Column("seq", Integer, primary_key=True, autoincrement=False, comment="1, 2 … one per batch"),
    Column("saved_at", DateTime),
    Column("position", Text, comment="where the source was read to, JSON (core.watch)"),
    Column("import_id", _s(32), nullable=True, comment="the import this position was committed with"),
)

# Rule versions (issue 15, core/infra/rule_versions.py): every change of the rules in force, who made
# it, when, the diff and a note. Append-only like the alert log: a proposal is approved by a new row
# that names it, a restore is a new row that copies an older one's overrides.
rule_versions = Table(
    "rule_versions",
    service_metadata,
    Column("version_id", Integer, primary_key=True, autoincrement=False, comment="1, 2 … (0: the defaults)"),
    Column("created_at", DateTime, nullable=False, comment="when it was written (Beijing, naive)"),
    Column("actor", _s(128), nullable=False, comment="who wrote it (--by NAME, or the app's user)"),
    Column(
        "action",
        _s(16),
        nullable=False,
        comment="apply / propose / approve / restore / migrate (propose: not in force until approved)",
    ),
    Column("source_version", Integer, comment="the proposal approved or the version restored"),
    Column("overrides", Text, nullable=False, comment="the override merged onto rules.toml, JSON"),
    Column(
        "diff", Text, nullable=False, comment="[[key, old, new], …] against the rules then in force, JSON"
    ),
    Column("note", Text),
)

#: Tables of :data:`service_metadata`.
SERVICE_TABLES: tuple[Table, ...] = (watch_positions, rule_versions)
