"""The demo company: size, completeness, determinism and every planted story, read from the data.

The stories are asserted with SQL over the built database (DuckDB, default scale), never from the
generator's parameters: if the generator drifted, these tests would see it in the rows.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
import sqlalchemy as sa

from core.demo import company as demo
from tests.fixtures import DemoDb

END = date(2026, 10, 31)  # fixed so the expectations below do not move with today's date
Y = 2025  # the last complete calendar year in range for END


@pytest.fixture(scope="module")
def company(demo_company: DemoDb) -> sa.Engine:
    """The demo at the default scale, end 2026-10-31: the session's one (tests/fixtures.py)."""
    assert demo_company.end == END
    return demo_company.engine


def q(engine: sa.Engine, sql: str, **params: object) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params).fetchall()]


def one(engine: sa.Engine, sql: str, **params: object) -> object:
    return q(engine, sql, **params)[0][0]


def declared_seats_at(engine: sa.Engine, day: date) -> int:
    """DOMAIN §5 declared_seats: sites open at ``day``, each site's latest declaration on or before it."""
    return int(
        one(
            engine,
            """
            SELECT SUM(ss.declared_seats) FROM site_seats ss
            JOIN sites s ON s.site_id = ss.site_id
            WHERE s.opened_on <= :d AND (s.closed_on IS NULL OR s.closed_on > :d)
              AND ss.effective_from = (SELECT MAX(effective_from) FROM site_seats x
                                       WHERE x.site_id = ss.site_id AND x.effective_from <= :d)
            """,
            d=day,
        )
    )


PEAK_BY_DAY = """
WITH ev AS (
    SELECT login_at AS ts, 1 AS delta FROM agent_sessions WHERE logout_at IS NOT NULL
    UNION ALL
    SELECT logout_at AS ts, -1 AS delta FROM agent_sessions WHERE logout_at IS NOT NULL
), run AS (
    SELECT ts, SUM(delta) OVER (ORDER BY ts, delta ROWS UNBOUNDED PRECEDING) AS n FROM ev
)
SELECT CAST(ts AS DATE) AS d, MAX(n) AS peak FROM run GROUP BY 1
"""


def test_default_scale_has_at_least_two_million_calls_over_36_months(company: sa.Engine) -> None:
    """At the default scale the demo holds ≥ 2 M calls spanning exactly the 36 months ending at END."""
    n, first, last = q(company, "SELECT COUNT(*), MIN(started_at), MAX(started_at) FROM calls")[0]
    assert n >= 2_000_000
    assert (first.year, first.month) == (2023, 11)
    assert last.date() <= END and (last.year, last.month) == (2026, 10)


def test_company_reference_data_is_complete(company: sa.Engine) -> None:
    """Sites, teams, campaigns, numbers, complaints, QA, DNC, shareholders, finance, licence, benchmarks."""
    sites = q(company, "SELECT province FROM sites")
    assert 2 <= len(sites) <= 3 and len({p for (p,) in sites}) == len(sites)
    assert declared_seats_at(company, date(Y - 1, 6, 30)) == 120
    assert one(company, "SELECT COUNT(DISTINCT team) FROM agents") >= 4
    assert {r[0] for r in q(company, "SELECT DISTINCT employment FROM agents")} == {"staff", "outsourced"}
    assert one(company, "SELECT COUNT(*) FROM campaigns") >= 12
    assert {r[0] for r in q(company, "SELECT DISTINCT purpose FROM campaigns")} == {
        "marketing",
        "collection",
        "service",
        "survey",
        "notification",
    }
    assert {r[0] for r in q(company, "SELECT DISTINCT dialer FROM campaigns")} == {
        "manual",
        "preview",
        "predictive",
        "robot",
    }
    kinds = {r[0] for r in q(company, "SELECT DISTINCT kind FROM numbers")}
    assert {"95", "96", "400", "landline", "mobile"} <= kinds
    assert one(company, "SELECT COUNT(*) FROM numbers WHERE NOT registered") >= 1
    # Demo numbers can never be dialled: every one of them contains an X.
    assert one(company, "SELECT COUNT(*) FROM numbers WHERE number NOT LIKE '%X%'") == 0
    assert {r[0] for r in q(company, "SELECT DISTINCT channel FROM complaints")} == {
        "12321",
        "miit",
        "carrier",
        "client",
        "internal",
    }
    assert one(company, "SELECT COUNT(*) FROM qa_reviews") > 10_000
    assert one(company, "SELECT COUNT(*) FROM dnc") > 0
    assert one(company, "SELECT COUNT(*) FROM agent_sessions") > 50_000
    assert {r[0] for r in q(company, "SELECT year FROM finance")} >= {Y - 1, Y}
    coverage = one(company, "SELECT coverage FROM licences WHERE business_code = 'B24'")
    assert "浙江" in coverage.split(",") and "全国" not in coverage
    sources = {r[0] for r in q(company, "SELECT DISTINCT source FROM benchmarks")}
    assert sources and all("illustrative" in s for s in sources)


def test_hires_and_leavers_every_year(company: sa.Engine) -> None:
    """Agents are hired and leave in every complete year; the roster is not static."""
    for year in (Y - 1, Y):
        hires = one(
            company,
            "SELECT COUNT(*) FROM agents WHERE hired_on BETWEEN :a AND :b",
            a=date(year, 1, 1),
            b=date(year, 12, 31),
        )
        leavers = one(
            company,
            "SELECT COUNT(*) FROM agents WHERE left_on BETWEEN :a AND :b",
            a=date(year, 1, 1),
            b=date(year, 12, 31),
        )
        assert hires > 0 and leavers > 0


def test_checklist_of_past_report_years_is_done_and_current_year_open(company: sa.Engine) -> None:
    """Report years filed before END have all eight steps done and signed; the current cycle is open."""
    for year in (Y - 1, Y):
        rows = q(company, "SELECT step, done_on, signer FROM checklist WHERE year = :y ORDER BY step", y=year)
        assert [r[0] for r in rows] == list(range(1, 9))
        assert all(r[1] is not None and r[2] for r in rows)
    open_steps = q(company, "SELECT COUNT(*) FROM checklist WHERE year = :y AND done_on IS NULL", y=Y + 1)
    assert open_steps == [(8,)]


def test_seats_declared_and_in_use_fall_more_than_30_percent_in_y(company: sa.Engine) -> None:
    """Declared seats 120 → 75 and peak concurrent agents down > 30 % from Y−1 to Y."""
    before, after = (
        declared_seats_at(company, date(Y - 1, 12, 31)),
        declared_seats_at(company, date(Y, 12, 31)),
    )
    assert (before, after) == (120, 75)
    peaks = dict(q(company, f"SELECT EXTRACT(year FROM d), MAX(peak) FROM ({PEAK_BY_DAY}) p GROUP BY 1"))
    assert peaks[Y] < 0.7 * peaks[Y - 1]


def test_outbound_share_rises_more_than_20_points_with_a_new_finance_client(company: sa.Engine) -> None:
    """Outbound share up > 20 pp in Y; a finance-industry campaign that made no calls in Y−1 runs in Y."""
    share = dict(
        q(
            company,
            """SELECT EXTRACT(year FROM started_at),
        AVG(CASE WHEN direction = 'out' THEN 1.0 ELSE 0.0 END) FROM calls GROUP BY 1""",
        )
    )
    assert share[Y] - share[Y - 1] > 0.20
    new = q(
        company,
        """SELECT c.campaign_id FROM campaigns c
        WHERE c.client_industry = '银行'
          AND EXISTS (SELECT 1 FROM calls k WHERE k.campaign_id = c.campaign_id AND k.started_at >= :y0)
          AND NOT EXISTS (SELECT 1 FROM calls k WHERE k.campaign_id = c.campaign_id AND k.started_at < :y0)""",
        y0=date(Y, 1, 1),
    )
    assert len(new) == 1


def test_shareholder_change_in_y_only(company: sa.Engine) -> None:
    """The register at the end of Y differs from Y−1's; Y−1's equals Y−2's."""

    def register(day: date) -> set[tuple[str, float]]:
        rows = q(
            company,
            """SELECT holder, share_pct FROM shareholders
            WHERE as_of = (SELECT MAX(as_of) FROM shareholders WHERE as_of <= :d)""",
            d=day,
        )
        return {(h, float(p)) for h, p in rows}

    assert register(date(Y - 2, 12, 31)) == register(date(Y - 1, 12, 31))
    assert register(date(Y - 1, 12, 31)) != register(date(Y, 12, 31))
    assert sum(p for _, p in register(date(Y, 12, 31))) == pytest.approx(100.0)


def test_a_key_script_gets_a_new_version_in_y_used_by_outbound_calls(company: sa.Engine) -> None:
    """Exactly one key script has a version (> 1) approved in Y, and its campaign calls out after approval."""
    rows = q(
        company,
        """SELECT s.script_id, s.approved_at FROM scripts s
        WHERE s.key_script AND s.version > 1 AND s.approved_at >= :a AND s.approved_at < :b""",
        a=date(Y, 1, 1),
        b=date(Y + 1, 1, 1),
    )
    assert len(rows) == 1
    script_id, approved = rows[0]
    used = one(
        company,
        """SELECT COUNT(*) FROM calls k JOIN campaigns c ON c.campaign_id = k.campaign_id
        WHERE c.script_id = :s AND k.direction = 'out' AND k.started_at > :t""",
        s=script_id,
        t=approved,
    )
    assert used > 1000


def test_one_caller_number_at_marking_risk_for_some_weeks(company: sa.Engine) -> None:
    """Days with answer rate < 20 %, ≥ 50 % of connected calls under 6 s and > 200 calls: one number, ≥ 2 weeks."""
    rows = q(
        company,
        """SELECT caller_number, CAST(started_at AS DATE) d FROM calls WHERE direction = 'out'
        GROUP BY 1, 2
        HAVING COUNT(*) > 200
           AND SUM(CASE WHEN disposition = 'answered' THEN 1 ELSE 0 END) < 0.2 * COUNT(*)
           AND SUM(CASE WHEN disposition = 'answered' AND talk_seconds < 6 THEN 1 ELSE 0 END)
               >= 0.5 * SUM(CASE WHEN disposition = 'answered' THEN 1 ELSE 0 END)""",
    )
    numbers = {r[0] for r in rows}
    assert len(numbers) == 1
    weeks = {r[1].isocalendar()[:2] for r in rows}
    assert len(weeks) >= 2
    assert any(r[1].year == Y for r in rows)


def test_one_campaign_calls_after_21_on_some_days(company: sa.Engine) -> None:
    """Outbound calls outside 08:00–21:00 come from exactly one campaign, on several days."""
    rows = q(
        company,
        """SELECT campaign_id, CAST(started_at AS DATE) FROM calls
        WHERE direction = 'out' AND (EXTRACT(hour FROM started_at) >= 21 OR EXTRACT(hour FROM started_at) < 8)
        GROUP BY 1, 2""",
    )
    assert len({r[0] for r in rows}) == 1
    assert len(rows) >= 3


def test_life_insurance_calls_respect_the_0900_start(company: sa.Engine) -> None:
    """The life-insurance campaign never calls before 09:00 (its window is 09:00–21:00)."""
    n = one(
        company,
        """SELECT COUNT(*) FROM calls k JOIN campaigns c ON c.campaign_id = k.campaign_id
        WHERE c.client_industry = '寿险' AND k.direction = 'out' AND EXTRACT(hour FROM k.started_at) < 9""",
    )
    assert n == 0


def test_one_team_calls_customers_on_the_dnc_list(company: sa.Engine) -> None:
    """Calls to a callee after their DNC entry: all from one campaign, and every one with an agent from one team.

    (Calls the dialer dropped have no agent; they still belong to the team's campaign.)
    """
    rows = q(
        company,
        """SELECT k.campaign_id, a.team, COUNT(*) FROM calls k
        JOIN dnc d ON d.callee_id = k.callee_id AND d.added_at < k.started_at
        LEFT JOIN agents a ON a.agent_id = k.agent_id
        WHERE k.direction = 'out' GROUP BY 1, 2""",
    )
    assert len({r[0] for r in rows}) == 1
    teams = {r[1] for r in rows if r[1] is not None}
    assert len(teams) == 1
    assert sum(r[2] for r in rows if r[1] is not None) > 20


def test_one_predictive_campaign_passes_3_percent_abandon_on_some_days(company: sa.Engine) -> None:
    """Campaign-days with abandoned / (connected + abandoned) > 3 %: one predictive campaign, ≥ 3 days."""
    rows = q(
        company,
        """SELECT k.campaign_id, c.dialer, CAST(k.started_at AS DATE) FROM calls k
        JOIN campaigns c ON c.campaign_id = k.campaign_id WHERE k.direction = 'out'
        GROUP BY 1, 2, 3
        HAVING SUM(CASE WHEN disposition = 'abandoned' THEN 1 ELSE 0 END)
             > 0.03 * SUM(CASE WHEN disposition IN ('answered', 'abandoned') THEN 1 ELSE 0 END)""",
    )
    assert len({r[0] for r in rows}) == 1
    assert rows[0][1] == "predictive" and len(rows) >= 3


def test_per_callee_caps_are_breached_across_caller_numbers(company: sa.Engine) -> None:
    """Some callees get > 5 calls in a rolling 24 h, and > 3 within 5 minutes from more than one number."""
    over_day = one(
        company,
        """SELECT COUNT(*) FROM (
        SELECT COUNT(*) OVER (PARTITION BY callee_id ORDER BY started_at
               RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND CURRENT ROW) AS n
        FROM calls WHERE direction = 'out') w WHERE n > 5""",
    )
    assert over_day > 0
    bursts = q(
        company,
        """SELECT callee_id, started_at, n FROM (
        SELECT callee_id, started_at, COUNT(*) OVER (PARTITION BY callee_id ORDER BY started_at
               RANGE BETWEEN INTERVAL 5 MINUTE PRECEDING AND CURRENT ROW) AS n
        FROM calls WHERE direction = 'out') w WHERE n > 3""",
    )
    assert bursts
    callee, at, _ = bursts[0]
    numbers = one(
        company,
        """SELECT COUNT(DISTINCT caller_number) FROM calls WHERE callee_id = :c
        AND started_at BETWEEN :a AND :b""",
        c=callee,
        a=at - timedelta(minutes=5),
        b=at,
    )
    assert numbers >= 2


def test_calls_to_blocked_regions_and_outside_the_licence_coverage(company: sa.Engine) -> None:
    """Outbound calls reach 新疆/西藏 and provinces outside the licence coverage, in Y."""
    coverage = set(one(company, "SELECT coverage FROM licences").split(","))
    rows = q(
        company,
        """SELECT callee_province, COUNT(*) FROM calls WHERE direction = 'out'
        AND started_at >= :a AND started_at < :b AND callee_province IS NOT NULL GROUP BY 1""",
        a=date(Y, 1, 1),
        b=date(Y + 1, 1, 1),
    )
    counts = dict(rows)
    assert counts.get("新疆", 0) + counts.get("西藏", 0) > 0
    outside = {p: n for p, n in counts.items() if p not in coverage and p not in ("新疆", "西藏")}
    assert sum(outside.values()) > 0


def test_complaint_spike_with_12321_complaints(company: sa.Engine) -> None:
    """The busiest complaint week has ≥ 3× the median week and includes 12321 complaints."""
    weeks = pl.DataFrame(
        q(company, """SELECT CAST(received_at AS DATE) d, channel FROM complaints"""),
        schema=["d", "channel"],
        orient="row",
    ).with_columns(pl.col("d").dt.truncate("1w").alias("w"))
    per_week = weeks.group_by("w").agg(pl.len().alias("n"), (pl.col("channel") == "12321").sum().alias("r"))
    top = per_week.sort("n", descending=True).row(0, named=True)
    assert top["n"] >= 3 * per_week["n"].median()
    assert top["r"] > 0


def test_days_with_more_agents_logged_in_than_seats_declared(company: sa.Engine) -> None:
    """On some days peak concurrency exceeds the seats declared that day (in Y−1 and in the last month)."""
    rows = q(company, PEAK_BY_DAY)
    over = [d for d, peak in rows if peak > 70 and peak > declared_seats_at(company, d)]
    assert any(d.year == Y - 1 for d in over)
    assert any((d.year, d.month) == (END.year, END.month) for d in over)


def test_export_defects_are_present_and_few(company: sa.Engine) -> None:
    """A few calls name an agent not on the roster, and one session was never closed."""
    ghosts = one(
        company,
        """SELECT COUNT(*) FROM calls k WHERE k.agent_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.agent_id = k.agent_id)""",
    )
    assert 0 < ghosts < 500
    assert one(company, "SELECT COUNT(*) FROM agent_sessions WHERE logout_at IS NULL") == 1


def test_customers_are_hashed_never_clear(company: sa.Engine) -> None:
    """Every callee_id is 32 lowercase hex characters (a hash), never a phone number."""
    bad = one(
        company,
        """SELECT COUNT(*) FROM calls WHERE callee_id IS NOT NULL
        AND NOT regexp_full_match(callee_id, '[0-9a-f]{32}')""",
    )
    assert bad == 0


def test_generation_is_deterministic() -> None:
    """Same seed and end give identical frames; another seed gives different calls."""
    a = demo.generate(end=END, seed=3, scale=0.01)
    b = demo.generate(end=END, seed=3, scale=0.01)
    c = demo.generate(end=END, seed=4, scale=0.01)
    for name in a:
        assert a[name].equals(b[name]), name
    assert not a["calls"].equals(c["calls"])


def test_report_year_is_last_complete_calendar_year() -> None:
    """Y is END's year only when END is 31 December."""
    assert demo.report_year(date(2026, 10, 31)) == 2025
    assert demo.report_year(date(2026, 12, 31)) == 2026
    assert demo.report_year(date(2027, 1, 31)) == 2026
    assert demo.default_end(date(2026, 11, 28)) == date(2026, 10, 31)
