"""Alert evaluation end to end: rules file → today's signals → alert log → a local 企业微信 receiver.

The tiny company (tests/alerts/today_rows.py) on 2025-09-03, plus one call of campaign C1 at 21:10 (after
its 08:00–21:00 window). Rule: outside_hours_calls by campaign > 0 → C1 has 07:30 and 21:10 (2 calls),
C2 has 08:30 (寿险 starts at 09:00: 1 call). With the rule scoped to campaign C1 only C1 is watched.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pytest_httpserver import HTTPServer

from core import cli
from core.alerts import store
from core.alerts.config import parse_alert_rules
from core.alerts.evaluate import evaluate_alerts
from core.infra import db
from tests.alerts.today_rows import DAY, N1, at, company, today_calls
from tests.core.test_risk import call
from tests.fixtures import load_tables

OK = {"errcode": 0, "errmsg": "ok"}
NEXT = date(2025, 9, 4)


def config(url: str, **rule: Any) -> Any:
    """One rule (outside-hours calls of campaign C1 by default) told to one 企业微信 robot."""
    spec = {
        "id": "outside_hours",
        "signal": "outside_hours_calls",
        "entity": "campaign",
        "op": ">",
        "threshold": 0,
        "scope": {"campaigns": ["C1"]},
        "channels": ["ops"],
        "source": "08:00–21:00 (DOMAIN.md §6)",
    } | rule
    return parse_alert_rules(
        {
            "base_url": "http://app.example:8501",
            "delivery": {"backoff_seconds": 0.01, "retry_after_seconds": 60, "budget_seconds": 5},
            "channels": {"ops": {"type": "wecom", "url": url}},
            "rules": [spec],
        }
    )


def texts(server: HTTPServer) -> list[str]:
    return [json.loads(req.data)["text"]["content"] for req, _ in server.log]


def test_after_nine_pm_one_alert_then_silence_then_resolved(
    any_engine: sa.Engine, httpserver: HTTPServer
) -> None:
    """21:10 call of C1 → exactly one message naming C1; again at 21:40 → none; next day 09:00 → one "resolved"; then none."""
    rows = company([*today_calls(), call("late", at(21, 10), campaign="C1", number=N1)])
    engine = load_tables(any_engine, rows, indexes=False)
    httpserver.expect_request("/cgi-bin/webhook/send", query_string="key=K").respond_with_json(OK)
    cfg = config(httpserver.url_for("/cgi-bin/webhook/send") + "?key=K")

    first = evaluate_alerts(engine, cfg, now=at(21, 30))
    assert [(e.kind, e.entity, e.value) for e in first] == [("alert", "C1", 2.0)]  # 07:30 and 21:10
    [msg] = texts(httpserver)
    assert msg.splitlines()[0] == "【告警】时段外外呼 · 活动 C1(活动C1)"
    assert "今日(2025-09-03)数值:2,告警阈值:> 0" in msg
    assert "依据:08:00–21:00 (DOMAIN.md §6)" in msg
    link = "http://app.example:8501/risk?from=2025-09-03&to=2025-09-03&lang=zh&risk_by=campaign&risk_grain=day&risk_cell=C1&risk_period=2025-09-03"
    assert f"查看:{link}" in msg

    assert evaluate_alerts(engine, cfg, now=at(21, 40)) == []
    assert len(httpserver.log) == 1

    resolved = evaluate_alerts(engine, cfg, now=datetime(2025, 9, 4, 9, 0))
    assert [(e.kind, e.entity, e.day) for e in resolved] == [("resolved", "C1", NEXT)]
    assert len(httpserver.log) == 2
    assert texts(httpserver)[1].startswith("【已恢复】时段外外呼 · 活动 C1(活动C1)")
    assert evaluate_alerts(engine, cfg, now=datetime(2025, 9, 4, 9, 30)) == []
    assert len(httpserver.log) == 2

    events = store.read_events(engine)
    assert [(e.kind, e.day) for e in events] == [("alert", DAY), ("resolved", NEXT)]
    tried = store.read_deliveries(engine)
    assert tried.select("channel", "channel_type", "attempt", "attempt_round", "ok").rows() == [
        ("ops", "wecom", 1, 1, True),
        ("ops", "wecom", 1, 1, True),
    ]


def test_a_failing_channel_is_retried_later_and_never_raises(tmp_path: Path, httpserver: HTTPServer) -> None:
    """errcode 45009 (rate limit): 3 attempts stored (1 + 2 retries); the next evaluation within 60 s does not
    try; the one after 60 s delivers (attempt 4, round 2) and no new alert is raised."""
    engine = load_tables(db.make_engine(f"duckdb:///{tmp_path / 'a.duckdb'}"), company(), indexes=False)
    httpserver.expect_request("/send").respond_with_json(
        {"errcode": 45009, "errmsg": "api freq out of limit"}
    )
    cfg = config(httpserver.url_for("/send"))
    assert [e.kind for e in evaluate_alerts(engine, cfg, now=at(21, 30))] == ["alert"]
    assert len(httpserver.log) == 3
    tried = store.read_deliveries(engine)
    assert tried.select("attempt", "attempt_round", "ok").rows() == [
        (1, 1, False),
        (2, 1, False),
        (3, 1, False),
    ]
    assert tried["error"].to_list() == ["errcode 45009: api freq out of limit"] * 3
    assert evaluate_alerts(engine, cfg, now=at(21, 30)) == []
    assert len(httpserver.log) == 3  # waits retry_after_seconds
    httpserver.clear()
    httpserver.expect_request("/send").respond_with_json(OK)
    assert evaluate_alerts(engine, cfg, now=at(21, 32)) == []
    assert len(httpserver.log) == 1
    assert store.read_deliveries(engine).select("attempt", "attempt_round", "ok").rows()[-1] == (4, 2, True)


def test_quiet_hours_hold_the_message_until_they_end(tmp_path: Path, httpserver: HTTPServer) -> None:
    """Quiet 21:00–08:00: the 21:30 alert is logged but sent only by the 08:00 evaluation (with the resolution)."""
    engine = load_tables(db.make_engine(f"duckdb:///{tmp_path / 'q.duckdb'}"), company(), indexes=False)
    httpserver.expect_request("/send").respond_with_json(OK)
    cfg = config(httpserver.url_for("/send"), quiet_hours=["21:00", "08:00"])
    assert [e.kind for e in evaluate_alerts(engine, cfg, now=at(21, 30))] == ["alert"]
    assert httpserver.log == []
    assert [e.kind for e in evaluate_alerts(engine, cfg, now=datetime(2025, 9, 4, 8, 0))] == ["resolved"]
    sent = texts(httpserver)
    assert [t.splitlines()[0][:4] for t in sent] == ["【告警】", "【已恢复"]


def test_abandon_rule_waits_for_its_base(tmp_path: Path, httpserver: HTTPServer) -> None:
    """C1's abandon rate 1/3 > 3 %, but with min_connected 100 (2 connected) nothing is raised; with 2 it is."""
    engine = load_tables(db.make_engine(f"duckdb:///{tmp_path / 'b.duckdb'}"), company(), indexes=False)
    httpserver.expect_request("/send").respond_with_json(OK)
    spec = {"id": "abandon", "signal": "abandon_rate", "threshold": 0.03, "scope": {}}
    assert (
        evaluate_alerts(
            engine, config(httpserver.url_for("/send"), **spec, min_connected=100), now=at(21, 30)
        )
        == []
    )
    raised = evaluate_alerts(
        engine, config(httpserver.url_for("/send"), **spec, min_connected=2), now=at(21, 31)
    )
    assert [(e.entity, round(e.value or 0, 4)) for e in raised] == [("C1", 0.3333)]
    assert "33.3%" in texts(httpserver)[0]


def test_cli_lists_the_log_as_json(
    tmp_path: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """python -m core alerts --from/--to --format json: the alert with its delivered channel."""
    path = tmp_path / "c.duckdb"
    engine = load_tables(db.make_engine(f"duckdb:///{path}"), company(), indexes=False)
    httpserver.expect_request("/send").respond_with_json(OK)
    evaluate_alerts(engine, config(httpserver.url_for("/send")), now=at(21, 30))
    engine.dispose()
    code = cli.main(
        [
            "alerts",
            "--db",
            f"duckdb:///{path}",
            "--from",
            "2025-09-03",
            "--to",
            "2025-09-03",
            "--format",
            "json",
        ]
    )
    assert code == 0
    [row] = json.loads(capsys.readouterr().out)
    assert {
        k: row[k]
        for k in ("kind", "rule_id", "entity_kind", "entity", "value", "delivered", "failed", "attempts")
    } == {
        "kind": "alert",
        "rule_id": "outside_hours",
        "entity_kind": "campaign",
        "entity": "C1",
        "value": 1.0,  # today_rows' C1: only the 07:30 call is outside the window
        "delivered": ["ops"],
        "failed": {},
        "attempts": 1,
    }
