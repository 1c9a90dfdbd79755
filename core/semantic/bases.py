"""Every base count, declared once: its source, what it counts, its predicate and the rules it reads.

A *base* is an integer the database aggregates: a count of rows, a sum of seconds or an exact
distinct count, per combination of the requested dimensions. Metrics (:mod:`core.semantic.metrics`) are
ratios and sums of bases; risk signals (:mod:`core.compliance.risk`) count breaches with them; the
annual-report fields show their SQL. Each base is declared here exactly once, as a :class:`Base`:

* ``source``: where its rows come from (:data:`SOURCES`);
* ``counts``: what it counts, in one line (shown by ``explain`` and the field SQL);
* ``where``: the predicate selecting its rows (a function of the context and the row source);
  ``value``: what is summed over them (``None``: the rows are counted);
* ``params``: the rule parameters it reads, as dotted keys of ``core/infra/rules.toml``;
* ``rule``: the zero-tolerance risk rule (``[risk.<rule>]`` of ``core/infra/rules.toml``) whose breaches
  it counts, if any: the risk score, the calls behind a cell and the credit estimate follow;
* how the rollup answers it: ``stored`` (a column of the call cubes, rule-free), ``of`` + ``narrow``
  (a stored base narrowed by a condition on the cubes' key columns only: province, caller number,
  day, campaign), ``same_as`` (a stored base it equals under some rules) or ``cube_sum`` (a special
  sum of the cubes' columns), each possibly only when ``cube_when(rules)`` holds.

From that one declaration the code derives the aggregate on the calls (:func:`aggregate`), the
aggregate on the daily cube (:func:`cube_aggregate`), the per-call condition behind a red cell
(:func:`condition`), the list of rule parameters a metric depends on (:func:`params_of`) and the
rollup's columns (:data:`STORED`). Bases that cannot be written as a count with a predicate
(distinct customers, per-customer windows, peak concurrency, seats, the roster) belong to sources
that implement the same protocol in :mod:`core.semantic.cubes`.

The fixed thresholds of DOMAIN.md §5 stay fixed for their metrics: :data:`EFFECTIVE_SECONDS` (an
effective call talks at least 30 s with two-way voice) and :data:`SHORT_SECONDS` (``short_call_ratio``
counts calls under 6 s). A rule with its own threshold gets its own base with that parameter:
``marking_short_calls`` reads ``marking.short_seconds``.

>>> BASES["blocked_region_calls"].params
('blocked_regions.provinces',)
>>> sorted(params_of(["marking_short_calls", "outbound_calls"]))
['marking.short_seconds']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.infra import schema, sql
from core.infra.rules import Rules
from core.semantic.context import CallFrom, Ctx, coverage, window_groups, windows_case

#: Seconds of talk from which a connected call with two-way voice is effective (DOMAIN.md §5, fixed).
EFFECTIVE_SECONDS = 30
#: Seconds of talk under which a connected call is short for ``short_call_ratio`` (DOMAIN.md §5, fixed).
SHORT_SECONDS = 6
#: Seconds within which an inbound call must be answered for ``service_level_20s`` (DOMAIN.md §5, fixed).
SERVICE_LEVEL_SECONDS = 20

#: The sources a base's rows come from, and what each reads.
SOURCES: dict[str, str] = {
    "calls": "calls (+ agents, campaigns, numbers, licences, distinct QA call ids)",
    "customers": "connected outbound calls grouped per customer: exact distinct counts",
    "dnc": "outbound calls after the customer's first DNC entry (+ dnc)",
    "percallee": "outbound calls with their per-customer window counts (window functions)",
    "sessions": "agent_sessions (+ agents)",
    "active": "agents with a session or a human call (sessions ∪ calls, + agents)",
    "agent_months": "the active agents of each month, summed",
    "peak": "agent_sessions split at midnight: the most agents logged in at once",
    "seats": "sites and site_seats (small: read whole)",
    "roster": "agents (small: read whole)",
    "complaints": "complaints (+ the call each names)",
    "qa": "qa_reviews (+ the reviewed call)",
}

#: A predicate or value: ``(ctx, rows) -> SQL expression``, where ``rows`` is the source's row
#: context: a :class:`CallFrom` for calls-shaped sources (calls, dnc, per-callee windows, the call
#: cubes), the table itself for complaints and QA.
Expr = Callable[[Ctx, Any], Any]


@dataclass(frozen=True, kw_only=True)
class Base:
    """One base aggregate (see the module's notes)."""

    name: str
    source: str
    counts: str
    where: Expr | None = None
    value: Expr | None = None
    params: tuple[str, ...] = ()
    stored: bool = False
    of: str | None = None
    narrow: Expr | None = None
    same_as: Callable[[Rules], str | None] | None = None
    cube_sum: Expr | None = None
    cube_when: Callable[[Rules], bool] | None = None
    internal: bool = False
    rule: str | None = None

    @property
    def is_count(self) -> bool:
        """A count of the calls meeting one condition: a query of only such bases can skip the rest."""
        return (
            self.source == "calls" and self.value is None and (self.where is not None or self.of is not None)
        )


# --------------------------------------------------------------------------------------------
# Predicates, each written once
# --------------------------------------------------------------------------------------------


def outbound(ctx: Ctx, f: Any) -> Any:
    """DOMAIN.md §5: "outbound" means ``direction = 'out'``."""
    return f.k.c.direction == "out"


def inbound(ctx: Ctx, f: Any) -> Any:
    return f.k.c.direction == "in"


def answered(ctx: Ctx, f: Any) -> Any:
    """DOMAIN.md §5: "connected" means ``disposition = 'answered'``."""
    return f.k.c.disposition == "answered"


def effective_voice(c: Any) -> Any:
    """The talk part of an effective call: at least 30 s with two-way voice (on any calls-shaped columns)."""
    return sa.and_(c.talk_seconds >= EFFECTIVE_SECONDS, c.two_way_voice)


def effective(ctx: Ctx, f: Any) -> Any:
    """An effective call (有效通话): connected, talk ≥ 30 s and two-way voice (DOMAIN.md §5)."""
    c = f.k.c
    return sa.and_(c.disposition == "answered", effective_voice(c))


def human(ctx: Ctx, f: Any) -> Any:
    """A human call: an agent, and not a robot."""
    c = f.k.c
    return sa.and_(c.agent_id.is_not(None), sa.func.coalesce(c.robot, sa.false()) == sa.false())


def _all(*preds: Expr) -> Expr:
    return lambda ctx, f: sa.and_(*[p(ctx, f) for p in preds])


def must_record(ctx: Ctx, f: Any) -> Any:
    """The call's campaign has a purpose that must be recorded (``recording.purposes``)."""
    return f.campaigns().c.purpose.in_(tuple(ctx.rules.get("recording.purposes")))


def reviewed(ctx: Ctx, f: Any) -> Any:
    """The call has at least one QA review (a membership test on the reviewed ids: no fan-out)."""
    # A membership test, not a join: the engines hash the reviewed ids once and probe them per call
    # (PostgreSQL: 0.47 s against 1.75 s for the join on a year of the demo's calls, load 14).
    return f.k.c.call_id.in_(sa.select(schema.qa_reviews.c.call_id))


def outside_hours(ctx: Ctx, f: Any) -> Any:
    """An outbound call started outside its campaign's allowed window (``window.*``)."""
    c = f.k.c
    start, end = windows_case(ctx, f.k)
    mod = sql.minute_of_day(ctx.dialect, c.started_at)
    return sa.and_(c.direction == "out", sa.or_(mod < start, mod >= end))


def blocked_region(ctx: Ctx, f: Any) -> Any:
    """The callee's province is on the blocked list (``blocked_regions.provinces``)."""
    return f.k.c.callee_province.in_(ctx.rules.blocked_provinces)


def out_of_coverage(ctx: Ctx, f: Any) -> Any:
    """The callee's province is known and outside the B24 licence coverage (never under 全国)."""
    c = f.k.c
    covered = coverage(ctx)
    if covered is None:
        return sa.false()
    cond = c.callee_province.is_not(None)
    if covered:
        cond = sa.and_(cond, c.callee_province.not_in(covered))
    return cond


def unregistered_number(ctx: Ctx, f: Any) -> Any:
    """The caller number is not registered, or used outside its allocated…released days."""
    c = f.k.c
    n = schema.numbers.alias("n")
    n = f.join("n", n, n.c.number == c.caller_number)
    d = ctx.dialect
    day = sql.day_key(d, c.started_at)
    return sa.or_(
        n.c.number.is_(None),
        sa.func.coalesce(n.c.registered, sa.false()) == sa.false(),
        sa.and_(n.c.allocated_on.is_not(None), day < sql.day_key(d, n.c.allocated_on)),
        sa.and_(n.c.released_on.is_not(None), day > sql.day_key(d, n.c.released_on)),
    )


def dnc_first() -> Any:
    """Each DNC customer's first entry (one row per customer: joining it multiplies no call)."""
    d = schema.dnc.c
    return (
        sa.select(d.callee_id, sa.func.min(d.added_at).label("first_added"))
        .group_by(d.callee_id)
        .subquery("dn")
    )


def after_dnc(ctx: Ctx, f: Any) -> Any:
    """An outbound call to a customer whose first DNC entry was added before the call."""
    c = f.k.c
    first = dnc_first()
    first = f.join("dn", first, first.c.callee_id == c.callee_id)
    return sa.and_(c.direction == "out", first.c.first_added < c.started_at)


def over_cap(ctx: Ctx, f: Any) -> Any:
    """A call beyond a per-callee cap (``n24``/``n5``: calls to the customer in the preceding
    24 h / 5 minutes, counting this one; rows of the per-callee windows)."""
    w = f.k.c
    return sa.or_(w.n24 > ctx.rules.caps_per_24h, w.n5 > ctx.rules.caps_per_5min)


def recall_after_abandon(ctx: Ctx, f: Any) -> Any:
    """A call with an abandoned call to the customer in the preceding ``abandon.recall_hours``."""
    return f.k.c.ab_before > 0


def outside_hours_from_cube(ctx: Ctx, f: Any) -> Any:
    """Outbound calls outside their campaign's window, summed from the daily cube's hour columns
    (only when every window starts and ends on a whole hour: :func:`whole_hour_windows`)."""
    r = f.k

    def outside(window: tuple[int, int]) -> Any:
        start, end = window
        cols = [r.c[f"out_h{h:02d}"] for h in range(24) if (h + 1) * 60 <= start or h * 60 >= end]
        return sum(cols[1:], cols[0]) if cols else sa.literal(0)

    groups = window_groups(ctx)
    default = ctx.rules.default_window
    special = [(w, ids) for w, ids in groups.items() if w != default]
    if not special:
        return sa.func.sum(outside(default))
    return sa.func.sum(
        sa.case(*[(r.c.campaign_id.in_(ids), outside(w)) for w, ids in special], else_=outside(default))
    )


def whole_hour_windows(rules: Rules) -> bool:
    """Whether every calling window of ``rules`` starts and ends on a whole hour."""
    w = rules.data["window"]
    windows = [rules.default_window]
    windows += [rules.window_for(purpose=None, industry=n) for n in w.get("by_industry", {})]
    windows += [rules.window_for(purpose=n, industry=None) for n in w.get("by_purpose", {})]
    return all(start % 60 == 0 and end % 60 == 0 for start, end in windows)


# --------------------------------------------------------------------------------------------
# The declarations
# --------------------------------------------------------------------------------------------

_out_connected = _all(outbound, answered)
_WINDOW_PARAMS = ("window.default", "window.by_industry", "window.by_purpose")


def _talk(ctx: Ctx, f: Any) -> Any:
    return f.k.c.talk_seconds


def _in_hour(hour: int) -> Expr:
    return lambda ctx, f: sa.and_(outbound(ctx, f), sql.hour(ctx.dialect, f.k.c.started_at) == hour)


def _short_marking(ctx: Ctx, f: Any) -> Any:
    return sa.and_(_out_connected(ctx, f), f.k.c.talk_seconds < int(ctx.rules.get("marking.short_seconds")))


_DECLARED: list[Base] = [
    # ---- calls: rule-free counts, stored in the call cubes ------------------------------------
    Base(name="outbound_calls", source="calls", counts="outbound calls", where=outbound, stored=True),
    Base(name="inbound_calls", source="calls", counts="inbound calls", where=inbound, stored=True),
    Base(
        name="connected_calls",
        source="calls",
        counts="outbound calls answered",
        where=_out_connected,
        stored=True,
    ),
    Base(
        name="effective_calls",
        source="calls",
        counts="outbound effective calls (answered, talk ≥ 30 s, two-way voice)",
        where=_all(outbound, effective),
        stored=True,
    ),
    Base(
        name="talk_seconds_connected_out",
        source="calls",
        counts="talk seconds of answered outbound calls",
        where=_out_connected,
        value=_talk,
        stored=True,
    ),
    Base(
        name="inbound_answered",
        source="calls",
        counts="inbound calls answered",
        where=_all(inbound, answered),
        stored=True,
    ),
    Base(
        name="inbound_abandoned",
        source="calls",
        counts="inbound calls abandoned in the queue",
        where=lambda ctx, f: sa.and_(inbound(ctx, f), f.k.c.disposition == "abandoned"),
        stored=True,
    ),
    Base(
        name="inbound_answered_20s",
        source="calls",
        counts="inbound calls answered within 20 s of ringing",
        where=lambda ctx, f: sa.and_(
            inbound(ctx, f), answered(ctx, f), f.k.c.ring_seconds <= SERVICE_LEVEL_SECONDS
        ),
        stored=True,
    ),
    Base(
        name="effective_human_talk_seconds",
        source="calls",
        counts="talk seconds of effective human calls, both directions",
        where=_all(effective, human),
        value=_talk,
        stored=True,
    ),
    Base(
        name="handle_seconds",
        source="calls",
        counts="talk + wrap seconds of human calls",
        where=human,
        value=lambda ctx, f: (
            sa.func.coalesce(f.k.c.talk_seconds, 0) + sa.func.coalesce(f.k.c.wrap_seconds, 0)
        ),
        stored=True,
    ),
    Base(
        name="robot_calls",
        source="calls",
        counts="outbound robot calls",
        where=lambda ctx, f: sa.and_(outbound(ctx, f), f.k.c.robot),
        stored=True,
    ),
    Base(
        name="recorded_connected_calls",
        source="calls",
        counts="answered outbound calls recorded",
        where=lambda ctx, f: sa.and_(outbound(ctx, f), answered(ctx, f), f.k.c.recorded),
        stored=True,
    ),
    Base(
        name="short_connected_calls",
        source="calls",
        counts="answered outbound calls with talk under 6 s",
        where=lambda ctx, f: sa.and_(_out_connected(ctx, f), f.k.c.talk_seconds < SHORT_SECONDS),
        stored=True,
    ),
    Base(
        name="abandoned_outbound",
        source="calls",
        counts="outbound calls abandoned (answered, no agent within 2 s: a dialer drop)",
        where=lambda ctx, f: sa.and_(outbound(ctx, f), f.k.c.disposition == "abandoned"),
        stored=True,
    ),
    Base(
        name="connected_all",
        source="calls",
        counts="answered calls, both directions",
        where=answered,
        stored=True,
    ),
    Base(
        name="human_calls",
        source="calls",
        counts="human calls (for the active agents of the cubes)",
        where=human,
        stored=True,
        internal=True,
    ),
    *[
        Base(
            name=f"out_h{h:02d}",
            source="calls",
            counts=f"outbound calls started in hour {h:02d} of the day (daily cube: calls outside whole-hour windows)",
            where=_in_hour(h),
            internal=True,
        )
        for h in range(24)
    ],
    # ---- calls: rule-dependent counts ----------------------------------------------------------
    Base(
        name="reviewed_connected_all",
        source="calls",
        counts="answered calls with a QA review, both directions",
        where=_all(answered, reviewed),
    ),
    Base(
        name="outside_hours_calls",
        rule="outside_hours",
        source="calls",
        counts="outbound calls started outside the campaign's allowed window",
        where=outside_hours,
        params=_WINDOW_PARAMS,
        cube_sum=outside_hours_from_cube,
        cube_when=whole_hour_windows,
    ),
    Base(
        name="blocked_region_calls",
        rule="blocked_region",
        source="calls",
        counts="outbound calls to a blocked province",
        of="outbound_calls",
        narrow=blocked_region,
        params=("blocked_regions.provinces",),
    ),
    Base(
        name="out_of_coverage_calls",
        rule="out_of_coverage",
        source="calls",
        counts="outbound calls to a province outside the B24 licence coverage",
        of="outbound_calls",
        narrow=out_of_coverage,
    ),
    Base(
        name="unregistered_number_calls",
        rule="unregistered_number",
        source="calls",
        counts="outbound calls from an unregistered number or outside its allocation days",
        of="outbound_calls",
        narrow=unregistered_number,
    ),
    Base(
        name="connected_recorded_purpose",
        source="calls",
        counts="answered outbound calls of the purposes that must be recorded",
        of="connected_calls",
        narrow=must_record,
        params=("recording.purposes",),
    ),
    Base(
        name="recorded_connected_purpose",
        source="calls",
        counts="answered outbound calls of the purposes that must be recorded, recorded",
        of="recorded_connected_calls",
        narrow=must_record,
        params=("recording.purposes",),
    ),
    Base(
        name="unrecorded_connected_purpose",
        source="calls",
        counts="answered outbound calls of the purposes that must be recorded, not recorded",
        where=lambda ctx, f: sa.and_(
            _out_connected(ctx, f),
            must_record(ctx, f),
            sa.func.coalesce(f.k.c.recorded, sa.false()) == sa.false(),
        ),
        params=("recording.purposes",),
    ),
    Base(
        name="marking_short_calls",
        source="calls",
        counts="answered outbound calls with talk under marking.short_seconds (the marking rule's own threshold)",
        where=_short_marking,
        params=("marking.short_seconds",),
        same_as=lambda rules: (
            "short_connected_calls" if int(rules.get("marking.short_seconds")) == SHORT_SECONDS else None
        ),
    ),
    # ---- other sources -------------------------------------------------------------------------
    Base(
        name="dnc_calls",
        rule="dnc",
        source="dnc",
        counts="outbound calls after the customer's DNC entry",
        where=after_dnc,
    ),
    Base(
        name="reached_customers",
        source="customers",
        counts="distinct customers over answered outbound calls",
        where=_out_connected,
    ),
    Base(
        name="effective_customers",
        source="customers",
        counts="distinct customers over effective outbound calls",
        where=_all(outbound, effective),
    ),
    Base(
        name="over_cap_calls",
        rule="over_cap",
        source="percallee",
        counts="outbound calls beyond a per-callee cap (24 h / 5 min)",
        where=over_cap,
        params=("caps.per_24h", "caps.per_5min"),
    ),
    Base(
        name="recall_after_abandon_72h",
        rule="recall_after_abandon",
        source="percallee",
        counts="outbound calls within abandon.recall_hours of an abandoned call to the customer",
        where=recall_after_abandon,
        params=("abandon.recall_hours",),
    ),
    Base(
        name="logged_in_seconds",
        source="sessions",
        counts="logout − login − break seconds of closed sessions",
    ),
    Base(name="active_agents", source="active", counts="distinct agents with a session or a human call"),
    Base(name="outsourced_agents", source="active", counts="distinct outsourced agents among the active"),
    Base(name="agent_months", source="agent_months", counts="active agents summed over months"),
    Base(name="peak_concurrent_agents", source="peak", counts="the most agents logged in at the same moment"),
    Base(
        name="declared_seats",
        source="seats",
        counts="latest declared seats of the sites open at the period's end",
    ),
    Base(name="headcount_end", source="roster", counts="agents hired by the period's end and not left"),
    Base(name="headcount_start", source="roster", counts="agents hired before the period and not left"),
    Base(name="hires", source="roster", counts="agents hired within the period"),
    Base(name="leavers", source="roster", counts="agents who left within the period"),
    Base(name="complaints", source="complaints", counts="complaints received"),
    Base(
        name="regulator_complaints",
        rule="regulator_complaints",
        source="complaints",
        counts="complaints received through a red channel (12321, MIIT)",
        where=lambda ctx, p: p.c.channel.in_(tuple(ctx.rules.get("complaints.red_channels"))),
        params=("complaints.red_channels",),
    ),
    Base(
        name="complaints_replied",
        source="complaints",
        counts="complaints received and replied to",
        where=lambda ctx, p: p.c.replied_at.is_not(None),
    ),
    Base(
        name="complaints_unreplied",
        source="complaints",
        counts="complaints received and not replied to (the calls behind the reply-rate rule)",
        where=lambda ctx, p: p.c.replied_at.is_(None),
    ),
    Base(name="qa_reviews", source="qa", counts="QA reviews made"),
    Base(name="qa_passed", source="qa", counts="QA reviews passed", where=lambda ctx, r: r.c.passed),
]

BASES: dict[str, Base] = {}
for _b in _DECLARED:
    if _b.name in BASES:
        raise RuntimeError(f"base {_b.name} declared twice")
    if _b.source not in SOURCES:
        raise RuntimeError(f"base {_b.name}: unknown source {_b.source}")
    BASES[_b.name] = _b
del _b

#: Which source computes each base.
BASE_SOURCE: dict[str, str] = {b.name: b.source for b in BASES.values()}
#: Rule-free call counts stored as columns of both call cubes (:mod:`core.semantic.rollup`).
STORED: tuple[str, ...] = tuple(b.name for b in BASES.values() if b.stored)
#: Outbound calls per hour of the day: extra columns of the daily cube.
HOUR_COUNTS: tuple[str, ...] = tuple(f"out_h{h:02d}" for h in range(24))


def condition(ctx: Ctx, f: Any, name: str) -> Any:
    """The per-row condition of a base: the rows it counts (the calls behind a figure)."""
    b = BASES[name]
    if b.of is not None and b.narrow is not None:
        return sa.and_(condition(ctx, f, b.of), b.narrow(ctx, f))
    if b.where is None:
        raise KeyError(f"base {name} has no per-row condition")
    return b.where(ctx, f)


def aggregate(ctx: Ctx, f: CallFrom, name: str) -> Any:
    """The aggregate of a calls-source base on the calls (``f``: the calls' FROM clause)."""
    b = BASES[name]
    cond = condition(ctx, f, name)
    return sql.count_if(cond) if b.value is None else sql.sum_if(b.value(ctx, f), cond)


def cube_answers(name: str, rules: Rules, *, daily: bool) -> bool:
    """Whether the daily (``daily``) or hourly call cube answers the base under ``rules``."""
    b = BASES[name]
    if b.source != "calls" or b.internal:
        return False
    if b.stored:
        return True
    if b.same_as is not None:
        return b.same_as(rules) is not None
    if not daily:  # the hourly cube has no province or caller number: nothing narrows on it
        return False
    if b.cube_when is not None and not b.cube_when(rules):
        return False
    return b.narrow is not None or b.cube_sum is not None


def cube_aggregate(ctx: Ctx, f: CallFrom, name: str) -> Any:
    """The base summed from a call cube (``f``: the cube's FROM clause; see :func:`cube_answers`)."""
    b = BASES[name]
    r = f.k
    if b.stored:
        return sa.func.sum(r.c[name])
    if b.same_as is not None and (other := b.same_as(ctx.rules)) is not None:
        return sa.func.sum(r.c[other])
    if b.cube_sum is not None:
        return b.cube_sum(ctx, f)
    if b.of is not None and b.narrow is not None:
        return sa.func.sum(sa.case((b.narrow(ctx, f), r.c[b.of]), else_=0))
    raise KeyError(f"base {name} cannot be summed from the call cubes")


def params_of(names: Iterable[str]) -> set[str]:
    """The rule parameters the bases ``names`` read (dotted keys of ``core/infra/rules.toml``)."""
    out: set[str] = set()
    for n in names:
        b = BASES[n]
        out |= set(b.params)
        if b.of is not None:
            out |= params_of([b.of])
    return out


__all__ = [
    "BASES",
    "BASE_SOURCE",
    "EFFECTIVE_SECONDS",
    "HOUR_COUNTS",
    "SHORT_SECONDS",
    "SOURCES",
    "STORED",
    "Base",
    "aggregate",
    "condition",
    "cube_aggregate",
    "cube_answers",
    "params_of",
]
