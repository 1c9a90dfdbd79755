"""Evaluate the alert rules on today's signals, log every event and deliver the messages.

:func:`evaluate_alerts` is safe to call after every ingested batch and on a timer:

1. today's signals are read (:func:`core.pagedata.today.build_today`, once per distinct scope);
2. for each rule × entity red now and with no open alert of today, an ``alert`` event is logged
   (one per rule × entity × day: a second evaluation the same day adds nothing); an alert still open
   from an earlier day is followed by today's own alert if the entity is still red;
3. each open alert whose entity is no longer red (its figure fell back, or a new day began with
   nothing wrong yet) gets one ``resolved`` event;
4. every message not yet delivered to one of its rule's channels is sent, outside the rule's quiet
   hours: up to ``1 + retries`` attempts with back-off within the evaluation, never past the
   evaluation's ``budget_seconds``; a message that failed is tried again by a later evaluation after
   ``retry_after_seconds`` (doubled after each failed evaluation), at most ``max_rounds`` evaluations.

Every event and every attempt (with its error) is stored (:mod:`core.alerts.store`). A channel's
failure never raises: the caller (the watcher's ingestion) goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.alerts import channels as ch
from core.alerts import store
from core.alerts.config import SIGNALS, AlertConfig, AlertRule, Channel, load_alert_rules
from core.alerts.store import Event
from core.infra import db, rule_versions, schema
from core.infra.i18n import fmt
from core.infra.rules import Rules
from core.pagedata.today import TodayData, beijing_now, build_today, risk_view_params
from core.semantic.cubes import Filters

_lock = threading.Lock()

ENTITY_NAMES = {
    "zh": {"campaign": "活动", "caller_number": "号码", "team": "团队", "site": "站点", "company": "全公司"},
    "en": {
        "campaign": "campaign",
        "caller_number": "number",
        "team": "team",
        "site": "site",
        "company": "company",
    },
}


@dataclass(frozen=True)
class Finding:
    """One rule × entity now: its value and whether it is red."""

    value: float | None
    red: bool
    outbound: int | None = None
    connected: int | None = None


def _filters(rule: AlertRule) -> Filters:
    return Filters(sites=rule.scope.sites, teams=rule.scope.teams, campaigns=rule.scope.campaigns)


def _findings(rule: AlertRule, today: TodayData, rules: Rules) -> dict[str, Finding]:
    """Every entity's value for ``rule`` today (entities absent today have no finding)."""
    out: dict[str, Finding] = {}
    if rule.signal == "seats_excess":
        if rule.entity == "company":
            v = float(today.logged_in_now - today.declared_seats)
            return {"": Finding(v, rule.breached(v))}
        for r in today.seats.iter_rows(named=True):
            v = float(r["logged_in_now"] - r["declared_seats"])
            out[str(r["site"])] = Finding(v, rule.breached(v))
        return out
    if rule.signal == "feed_stale_minutes":
        start, end = rules.default_window
        minute = today.now.hour * 60 + today.now.minute
        since = today.stale_minutes_now
        v = float(since) if since is not None and start <= minute < end else 0.0
        return {"": Finding(round(v, 1), rule.breached(v))}
    frame: pl.DataFrame = today.by[rule.entity]
    for r in frame.iter_rows(named=True):
        entity = "" if r["entity"] is None else str(r["entity"])
        if rule.scope.caller_numbers and entity not in rule.scope.caller_numbers:
            continue
        raw = r.get(rule.signal)
        judged = r["outbound_calls"] >= rule.min_calls and r["connected_calls"] >= rule.min_connected
        value = None if raw is None else float(raw)
        red = judged and value is not None and rule.breached(value)
        out[entity] = Finding(value, red, int(r["outbound_calls"]), int(r["connected_calls"]))
    return out


def link(config: AlertConfig, rule: AlertRule, entity: str, day: date) -> str:
    """The risk page's view of the cell (entity × day), in the configured language
    (:func:`core.pagedata.today.risk_view_params` after ``base_url``)."""
    return f"{config.base_url}/risk?{urlencode(risk_view_params(rule.entity, entity, day, config.language))}"


def _fmt_value(rule: AlertRule, value: float | None, lang: str) -> str:
    code = SIGNALS[rule.signal].fmt
    return "—" if value is None else fmt(value, code, lang)


def compose(
    config: AlertConfig,
    rule: AlertRule,
    kind: str,
    entity: str,
    entity_name: str | None,
    day: date,
    finding: Finding | None,
    url: str,
) -> tuple[str, str]:
    """(title, text) of an ``alert`` or ``resolved`` message, in the configured language."""
    lang = config.language
    label = rule.label(lang)
    who = ENTITY_NAMES[lang][rule.entity]
    name = (
        f"{entity}({entity_name})"
        if entity_name and lang == "zh"
        else f"{entity} ({entity_name})"
        if entity_name
        else entity
    )
    target = who if rule.entity == "company" else f"{who} {name}"
    value = _fmt_value(rule, finding.value if finding else 0.0, lang)
    threshold = f"{rule.op} {_fmt_value(rule, rule.threshold, lang)}"
    if lang == "zh":
        head = "【告警】" if kind == "alert" else "【已恢复】"
        title = f"{head}{label} · {target}"
        lines = [title, f"今日({day.isoformat()})数值:{value},告警阈值:{threshold}"]
        if finding and finding.outbound is not None:
            lines.append(f"今日外呼 {finding.outbound} 通,接通 {finding.connected} 通")
        lines += [f"依据:{rule.source}", f"查看:{url}"]
    else:
        head = "[ALERT] " if kind == "alert" else "[RESOLVED] "
        title = f"{head}{label} · {target}"
        lines = [title, f"Today ({day.isoformat()}): {value}; alert when {threshold}"]
        if finding and finding.outbound is not None:
            lines.append(f"Outbound calls today {finding.outbound}, connected {finding.connected}")
        lines += [f"Source: {rule.source}", f"View: {url}"]
    return title, "\n".join(lines)


def _names(engine: Engine) -> dict[str, str]:
    c = schema.campaigns
    with engine.connect() as conn:
        return {str(r[0]): str(r[1]) for r in conn.execute(sa.select(c.c.campaign_id, c.c.name)) if r[1]}


def evaluate_alerts(
    engine: Engine,
    rules_path_or_rules: AlertConfig | Path | str,
    *,
    now: datetime | None = None,
    rules: Rules | None = None,
) -> list[Event]:
    """Evaluate every alert rule on today's signals, log the events and deliver (see the module's notes).

    Args:
        engine: the database (the alert tables are created on first use).
        rules_path_or_rules: an alert rules file or a loaded :class:`AlertConfig`.
        now: the moment of the evaluation (naive = Beijing time; default the clock).
        rules: the compliance rules in force (default ``core/infra/rules.toml``).

    Returns:
        The events logged by this evaluation (``alert`` and ``resolved``), in order.

    Raises:
        AlertRulesError: the rules file is bad (load it once beforehand to fail early).
    """
    config = (
        rules_path_or_rules
        if isinstance(rules_path_or_rules, AlertConfig)
        else load_alert_rules(rules_path_or_rules)
    )
    now = beijing_now(now)
    rules = rules or rule_versions.rules_in_force(engine)  # the version in force (issue 15)
    with _lock:  # the batch hook and the timer of one watcher never evaluate at once
        store.ensure_tables(engine)
        # DuckDB: one connection held for the reads and writes (each new one opens the file, ~25 ms),
        # released before anything is sent, so that a slow channel never keeps the file open.
        with db.held_open(engine):
            events = _evaluate(engine, config, now, rules)
            store.write_events(engine, events)
            todo = _pending(engine, config, now)
        _send_all(engine, config, todo, now)
    return events


def _evaluate(engine: Engine, config: AlertConfig, now: datetime, rules: Rules) -> list[Event]:
    day = now.date()
    wanted: dict[Filters, set[str]] = {}
    for rule in config.rules:
        ents = wanted.setdefault(_filters(rule), set())
        if rule.entity in ("campaign", "caller_number", "team", "site"):
            ents.add(rule.entity)
    todays = {
        f: build_today(engine, now=now, filters=f, rules=rules, entities=tuple(sorted(ents)))
        for f, ents in wanted.items()
    }
    names = _names(engine)
    opened = store.open_alerts(engine)
    events: list[Event] = []
    for rule in config.rules:
        findings = _findings(rule, todays[_filters(rule)], rules)
        for entity, found in sorted(findings.items()):
            key = (rule.id, rule.entity, entity)
            prior = opened.get(key)
            if found.red and (prior is None or prior.day < day):
                events.append(_event(config, rule, "alert", entity, names, day, found, now))
        for rid, kind, entity in sorted(opened):
            if rid != rule.id or kind != rule.entity:
                continue
            now_found = findings.get(entity)
            if now_found is None or not now_found.red:
                events.append(_event(config, rule, "resolved", entity, names, day, now_found, now))
    return events


def _event(
    config: AlertConfig,
    rule: AlertRule,
    kind: str,
    entity: str,
    names: dict[str, str],
    day: date,
    found: Finding | None,
    now: datetime,
) -> Event:
    url = link(config, rule, entity, day)
    name = names.get(entity) if rule.entity == "campaign" else None
    _, text = compose(config, rule, kind, entity, name, day, found, url)
    value = found.value if found is not None else 0.0
    return Event(
        store.new_id(), rule.id, rule.entity, entity, day, kind, now, value, rule.threshold, text, url
    )


def _pending(
    engine: Engine, config: AlertConfig, now: datetime
) -> list[tuple[Event, AlertRule, Channel, int, int]]:
    """The messages of the last two days due now: (event, rule, channel, attempts so far, this round)."""
    d = config.delivery
    recent = store.read_events(engine, start=now.date() - timedelta(days=1))
    tried = store.read_deliveries(engine, [e.event_id for e in recent])
    history: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in tried.iter_rows(named=True):
        history.setdefault((row["event_id"], row["channel"]), []).append(row)
    by_id = {r.id: r for r in config.rules}
    minute = now.hour * 60 + now.minute
    out = []
    for event in recent:
        rule = by_id.get(event.rule_id)
        if rule is None or rule.quiet(minute):
            continue
        for name in rule.channels:
            past = history.get((event.event_id, name), [])
            if any(r["ok"] for r in past):
                continue
            rounds = max((int(r["attempt_round"]) for r in past), default=0)
            if rounds >= d.max_rounds:
                continue
            if past:
                wait = min(d.retry_after_seconds * 2 ** (rounds - 1), 3600.0)
                last = max(store._as_datetime(r["attempted_at"]) for r in past)
                if now < last + timedelta(seconds=wait):
                    continue
            out.append((event, rule, config.channels[name], len(past), rounds + 1))
    return out


def _send_all(
    engine: Engine, config: AlertConfig, todo: list[tuple[Event, AlertRule, Channel, int, int]], now: datetime
) -> None:
    """Send the due messages within the evaluation's time budget (the rest waits for the next one)."""
    deadline = time.monotonic() + config.delivery.budget_seconds
    for event, rule, channel, attempts, round_ in todo:
        if time.monotonic() >= deadline:
            return
        _try(engine, config, rule, channel, event, attempts, round_, now, deadline)


def _try(
    engine: Engine,
    config: AlertConfig,
    rule: AlertRule,
    channel: Channel,
    event: Event,
    attempts: int,
    round_: int,
    now: datetime,
    deadline: float,
) -> None:
    d = config.delivery
    title = event.message.splitlines()[0] if event.message else event.rule_id
    message = ch.Message(
        title=title,
        text=event.message,
        link=event.link,
        facts={
            "event_id": event.event_id,
            "kind": event.kind,
            "rule_id": rule.id,
            "signal": rule.signal,
            "entity_kind": event.entity_kind,
            "entity": event.entity,
            "day": event.day.isoformat(),
            "value": event.value,
            "threshold": event.threshold,
            "op": rule.op,
            "source": rule.source,
        },
        mention=rule.mention,
    )
    for i in range(d.retries + 1):
        left = deadline - time.monotonic()
        if left <= 0:
            return
        attempts += 1
        try:
            ch.send(channel, message, timeout=max(0.1, min(d.timeout_seconds, left)))
        except ch.DeliveryError as exc:
            store.write_delivery(
                engine,
                event.event_id,
                channel.name,
                channel.type,
                attempt=attempts,
                round_=round_,
                at=now,
                error=str(exc),
            )
            pause = d.backoff_seconds * 2**i
            if i < d.retries and time.monotonic() + pause < deadline:
                time.sleep(pause)
            continue
        store.write_delivery(
            engine,
            event.event_id,
            channel.name,
            channel.type,
            attempt=attempts,
            round_=round_,
            at=now,
            error=None,
        )
        return


def pending(engine: Engine, events: Iterable[Event]) -> int:  # pragma: no cover - convenience for the CLI
    """How many of ``events`` have no successful delivery yet."""
    ids = [e.event_id for e in events]
    done = store.read_deliveries(engine, ids).filter(pl.col("ok"))["event_id"].unique().to_list()
    return len(set(ids) - set(done))


__all__ = ["ENTITY_NAMES", "Finding", "compose", "evaluate_alerts", "link"]
