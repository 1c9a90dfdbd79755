"""Alert rules: a TOML file of rules (signal, threshold, scope, quiet hours, who is told) and channels.

Example (the shipped defaults are ``core/alerts/alerts.example.toml``)::

    language = "zh"                      # zh or en: the language of the messages
    base_url = "http://localhost:8501"   # the app's address: each message links to the page view

    [delivery]                           # optional; these are the defaults
    timeout_seconds = 5.0                # one HTTP request or SMTP session at most
    retries = 2                          # further attempts within one evaluation
    backoff_seconds = 0.5                # the wait before the first retry, doubled each time
    budget_seconds = 15.0                # one evaluation spends at most this long delivering
    retry_after_seconds = 60.0           # a failed message waits this long for the next evaluation,
                                         # doubled after each failed evaluation (at most an hour)
    max_rounds = 8                       # evaluations that try a message before it is given up

    [channels.ops]                       # a channel: its name, its type and its settings
    type = "wecom"                       # wecom | dingtalk | feishu | email | webhook
    url = "env:ALERT_WECOM_URL"          # "env:NAME": read from the environment

    [[rules]]
    id = "outside_hours"
    signal = "outside_hours_calls"       # see SIGNALS
    entity = "campaign"                  # campaign | caller_number | team | site | company
    op = ">"                             # > >= < <=
    threshold = 0
    channels = ["ops"]
    source = "DOMAIN.md §6: 08:00–21:00 …"

A rule may also set ``min_calls`` / ``min_connected`` (judge an entity only once it made that many
outbound / connected calls today), ``scope`` (``campaigns``, ``caller_numbers``, ``teams``,
``sites``: the calls it watches), ``quiet_hours = ["22:00", "08:00"]`` (messages wait until they
end), ``mention`` (mobile numbers the chat robots @-mention) and ``label_zh`` / ``label_en``.
A bad file raises :class:`AlertRulesError` naming the key at fault, in Chinese and English.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.semantic.metrics import METRICS

EXAMPLE_FILE = Path(__file__).with_name("alerts.example.toml")
ENTITIES: tuple[str, ...] = ("campaign", "caller_number", "team", "site", "company")
_CALL_ENTITIES = ("campaign", "caller_number", "team", "site")
OPS: tuple[str, ...] = (">", ">=", "<", "<=")
CHANNEL_TYPES: tuple[str, ...] = ("wecom", "dingtalk", "feishu", "email", "webhook")


@dataclass(frozen=True)
class SignalDef:
    """A signal an alert rule can watch: the entities it exists for, its format and labels."""

    entities: tuple[str, ...]
    fmt: str
    label_zh: str
    label_en: str


def _metric(key: str) -> SignalDef:
    m = METRICS[key]
    return SignalDef(_CALL_ENTITIES, m.fmt, m.label_zh, m.label_en)


#: Today's signals (core.pagedata.today) an alert can watch, by name.
SIGNALS: dict[str, SignalDef] = {
    **{
        k: _metric(k)
        for k in (
            "outbound_calls",
            "connected_calls",
            "connect_rate",
            "abandon_rate",
            "outside_hours_calls",
            "dnc_calls",
            "over_cap_calls",
            "blocked_region_calls",
            "out_of_coverage_calls",
        )
    },
    "marking_risk": SignalDef(("caller_number",), "num0", "号码标记风险", "Number marking risk"),
    "short_share": SignalDef(
        ("caller_number",), "pct1", "短通话占比(标记口径)", "Short-call share (marking)"
    ),
    "near_window_end": SignalDef(
        ("campaign",), "num0", "临近时段结束仍在外呼", "Dialling near the window's end"
    ),
    "seats_excess": SignalDef(
        ("site", "company"), "num0", "在线坐席超出申报席位", "Agents logged in over seats"
    ),
    "feed_stale_minutes": SignalDef(("company",), "num0", "数据停更分钟数", "Minutes without new records"),
}


class AlertRulesError(ValueError):
    """An alert rules file that cannot be used, with the key at fault named (zh / en)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class Channel:
    """One channel: its name, type and settings (``env:`` values already resolved)."""

    name: str
    type: str
    settings: dict[str, Any]


@dataclass(frozen=True)
class Scope:
    campaigns: tuple[str, ...] = ()
    caller_numbers: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlertRule:
    id: str
    signal: str
    entity: str
    op: str
    threshold: float
    channels: tuple[str, ...]
    source: str
    min_calls: int = 0
    min_connected: int = 0
    scope: Scope = Scope()
    quiet_hours: tuple[int, int] | None = None
    mention: tuple[str, ...] = ()
    label_zh: str = ""
    label_en: str = ""

    def label(self, lang: str) -> str:
        sig = SIGNALS[self.signal]
        if lang == "zh":
            return self.label_zh or sig.label_zh
        return self.label_en or sig.label_en

    def breached(self, value: float) -> bool:
        t = self.threshold
        return {">": value > t, ">=": value >= t, "<": value < t, "<=": value <= t}[self.op]

    def quiet(self, minute_of_day: int) -> bool:
        """Whether messages wait at this minute of the day (a span may wrap past midnight)."""
        if self.quiet_hours is None:
            return False
        start, end = self.quiet_hours
        return start <= minute_of_day < end if start <= end else minute_of_day >= start or minute_of_day < end


@dataclass(frozen=True)
class Delivery:
    timeout_seconds: float = 5.0
    retries: int = 2
    backoff_seconds: float = 0.5
    budget_seconds: float = 15.0
    retry_after_seconds: float = 60.0
    max_rounds: int = 8


@dataclass(frozen=True)
class AlertConfig:
    rules: tuple[AlertRule, ...]
    channels: dict[str, Channel]
    language: str = "zh"
    base_url: str = "http://localhost:8501"
    delivery: Delivery = field(default_factory=Delivery)


def _bad(where: str, zh: str, en: str) -> AlertRulesError:
    return AlertRulesError(f"告警规则 {where}:{zh}", f"alert rules {where}: {en}")


def _keys(where: str, table: dict[str, Any], allowed: set[str], required: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    for key in table:
        if key not in allowed:
            raise _bad(f"{where}.{key}", "未知的键", "unknown key")
    for key in sorted(required - set(table)):
        raise _bad(f"{where}.{key}", "缺少此项", "missing")


def _str_list(where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _bad(where, "应为非空字符串的列表", "must be a list of non-empty strings")
    return tuple(value)


def _minutes(where: str, text: Any) -> int:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", str(text))
    if not m or int(m[1]) > 24 or int(m[2]) > 59 or (int(m[1]) == 24 and int(m[2]) > 0):
        raise _bad(where, f"时间应为 HH:MM,收到 {text!r}", f"a time must be HH:MM, got {text!r}")
    return int(m[1]) * 60 + int(m[2])


def _number(where: str, value: Any, *, low: float | None = None, whole: bool = False) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (whole and not isinstance(value, int))
    ):
        kind_zh, kind_en = ("整数", "a whole number") if whole else ("数字", "a number")
        raise _bad(where, f"应为{kind_zh},收到 {value!r}", f"must be {kind_en}, got {value!r}")
    if low is not None and value < low:
        raise _bad(where, f"应不小于 {low:g},收到 {value!r}", f"must be at least {low:g}, got {value!r}")
    return float(value)


def _resolve(where: str, value: Any) -> Any:
    """``"env:NAME"`` → the environment variable NAME (secrets stay out of the file)."""
    if isinstance(value, str) and value.startswith("env:"):
        name = value[4:]
        if name not in os.environ:
            raise _bad(where, f"环境变量 {name} 未设置", f"environment variable {name} is not set")
        return os.environ[name]
    return value


_CHANNEL_KEYS: dict[str, tuple[set[str], set[str]]] = {
    "wecom": ({"url"}, {"url"}),
    "dingtalk": ({"url", "secret"}, {"url"}),
    "feishu": ({"url", "secret"}, {"url"}),
    "email": ({"host", "port", "security", "username", "password", "from", "to"}, {"host", "from", "to"}),
    "webhook": ({"url", "headers"}, {"url"}),
}


def _channel(name: str, spec: Any) -> Channel:
    where = f"channels.{name}"
    if not isinstance(spec, dict):
        raise _bad(where, "应为一个表", "must be a table")
    kind = spec.get("type")
    if kind not in CHANNEL_TYPES:
        raise _bad(
            f"{where}.type",
            f"应为 {' / '.join(CHANNEL_TYPES)} 之一,收到 {kind!r}",
            f"must be one of {', '.join(CHANNEL_TYPES)}, got {kind!r}",
        )
    allowed, required = _CHANNEL_KEYS[kind]
    _keys(where, spec, allowed | {"type"}, required)
    settings = {k: _resolve(f"{where}.{k}", v) for k, v in spec.items() if k != "type"}
    for key in ("url",):
        if key in settings and not re.match(r"https?://", str(settings[key])):
            raise _bad(f"{where}.{key}", "应为 http(s):// 开头的地址", "must be an http(s):// address")
    if kind == "email":
        settings["to"] = _str_list(f"{where}.to", settings["to"])
        settings["port"] = int(_number(f"{where}.port", settings.get("port", 25), low=1, whole=True))
        if settings.setdefault("security", "starttls") not in ("ssl", "starttls", "none"):
            raise _bad(f"{where}.security", "应为 ssl / starttls / none", "must be ssl, starttls or none")
    return Channel(name, kind, settings)


_RULE_KEYS = {
    "id",
    "signal",
    "entity",
    "op",
    "threshold",
    "channels",
    "source",
    "min_calls",
    "min_connected",
    "scope",
    "quiet_hours",
    "mention",
    "label_zh",
    "label_en",
}


def _rule(i: int, spec: Any, channels: dict[str, Channel], seen: set[str]) -> AlertRule:
    where = f"rules[{i}]"
    if not isinstance(spec, dict):
        raise _bad(where, "应为一个表", "must be a table")
    rid = spec.get("id")
    if isinstance(rid, str) and re.fullmatch(r"[a-z0-9_]{1,48}", rid):
        where = f"rules.{rid}"
    _keys(where, spec, _RULE_KEYS, {"id", "signal", "entity", "threshold", "channels", "source"})
    if not isinstance(rid, str) or not re.fullmatch(r"[a-z0-9_]{1,48}", rid):
        raise _bad(
            f"{where}.id",
            "应为 1–48 个小写字母、数字或下划线",
            "must be 1–48 lower-case letters, digits or _",
        )
    if rid in seen:
        raise _bad(f"{where}.id", "与前面的规则重复", "repeats an earlier rule's id")
    seen.add(rid)
    signal, entity = spec["signal"], spec["entity"]
    if signal not in SIGNALS:
        raise _bad(
            f"{where}.signal",
            f"未知的信号 {signal!r}",
            f"unknown signal {signal!r}; one of {', '.join(SIGNALS)}",
        )
    if entity not in SIGNALS[signal].entities:
        ok = ", ".join(SIGNALS[signal].entities)
        raise _bad(f"{where}.entity", f"{signal} 只能按 {ok} 统计", f"{signal} exists only by {ok}")
    op = spec.get("op", ">")
    if op not in OPS:
        raise _bad(f"{where}.op", f"应为 {' '.join(OPS)} 之一", f"must be one of {' '.join(OPS)}")
    threshold = _number(f"{where}.threshold", spec["threshold"])
    if SIGNALS[signal].fmt == "pct1" and not 0 <= threshold <= 1:
        raise _bad(
            f"{where}.threshold",
            "比率应在 0 到 1 之间(如 0.03 即 3%)",
            "a rate is a fraction 0..1 (0.03 is 3 %)",
        )
    names = _str_list(f"{where}.channels", spec["channels"])
    for name in names:
        if name not in channels:
            raise _bad(f"{where}.channels", f"未定义的渠道 {name!r}", f"channel {name!r} is not defined")
    source = spec["source"]
    if not isinstance(source, str) or not source.strip():
        raise _bad(f"{where}.source", "应写明规则依据", "must state where the rule comes from")
    scope_spec = spec.get("scope", {})
    if not isinstance(scope_spec, dict):
        raise _bad(f"{where}.scope", "应为一个表", "must be a table")
    _keys(f"{where}.scope", scope_spec, {"campaigns", "caller_numbers", "teams", "sites"})
    scope = Scope(**{k: _str_list(f"{where}.scope.{k}", v) for k, v in scope_spec.items()})
    if scope.caller_numbers and entity != "caller_number":
        raise _bad(
            f"{where}.scope.caller_numbers",
            "只适用于按号码(caller_number)统计的规则",
            "applies only to rules by caller_number",
        )
    quiet = spec.get("quiet_hours")
    quiet_hours = None
    if quiet is not None:
        if not isinstance(quiet, list) or len(quiet) != 2:
            raise _bad(f"{where}.quiet_hours", '应为 ["HH:MM", "HH:MM"]', 'must be ["HH:MM", "HH:MM"]')
        quiet_hours = (_minutes(f"{where}.quiet_hours", quiet[0]), _minutes(f"{where}.quiet_hours", quiet[1]))
    return AlertRule(
        id=rid,
        signal=signal,
        entity=entity,
        op=op,
        threshold=threshold,
        channels=names,
        source=source.strip(),
        min_calls=int(_number(f"{where}.min_calls", spec.get("min_calls", 0), low=0, whole=True)),
        min_connected=int(_number(f"{where}.min_connected", spec.get("min_connected", 0), low=0, whole=True)),
        scope=scope,
        quiet_hours=quiet_hours,
        mention=_str_list(f"{where}.mention", spec.get("mention", [])),
        label_zh=str(spec.get("label_zh", "")),
        label_en=str(spec.get("label_en", "")),
    )


def parse_alert_rules(data: dict[str, Any]) -> AlertConfig:
    """An :class:`AlertConfig` from a parsed TOML document, validated (see the module's notes)."""
    _keys("", data, {"language", "base_url", "delivery", "channels", "rules"}, {"rules"})
    lang = data.get("language", "zh")
    if lang not in ("zh", "en"):
        raise _bad("language", "应为 zh 或 en", "must be zh or en")
    base_url = str(data.get("base_url", "http://localhost:8501"))
    if not re.match(r"https?://", base_url):
        raise _bad("base_url", "应为 http(s):// 开头的地址", "must be an http(s):// address")
    dspec = data.get("delivery", {})
    if not isinstance(dspec, dict):
        raise _bad("delivery", "应为一个表", "must be a table")
    _keys("delivery", dspec, set(Delivery.__dataclass_fields__))
    delivery = Delivery(
        timeout_seconds=_number("delivery.timeout_seconds", dspec.get("timeout_seconds", 5.0), low=0.1),
        retries=int(_number("delivery.retries", dspec.get("retries", 2), low=0, whole=True)),
        backoff_seconds=_number("delivery.backoff_seconds", dspec.get("backoff_seconds", 0.5), low=0),
        budget_seconds=_number("delivery.budget_seconds", dspec.get("budget_seconds", 15.0), low=0.1),
        retry_after_seconds=_number(
            "delivery.retry_after_seconds", dspec.get("retry_after_seconds", 60.0), low=0
        ),
        max_rounds=int(_number("delivery.max_rounds", dspec.get("max_rounds", 8), low=1, whole=True)),
    )
    cspec = data.get("channels", {})
    if not isinstance(cspec, dict):
        raise _bad("channels", "应为一个表", "must be a table")
    channels = {name: _channel(name, spec) for name, spec in cspec.items()}
    if not isinstance(data["rules"], list):
        raise _bad("rules", "应为 [[rules]] 表的数组", "must be an array of [[rules]] tables")
    seen: set[str] = set()
    rules = tuple(_rule(i, spec, channels, seen) for i, spec in enumerate(data["rules"]))
    return AlertConfig(rules, channels, lang, base_url.rstrip("/"), delivery)


def load_alert_rules(path: Path | str) -> AlertConfig:
    """Read and validate an alert rules file.

    Raises:
        AlertRulesError: the file is missing, not TOML, or a value is wrong (the key is named).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise AlertRulesError(
            f"无法读取告警规则文件 {p}:{exc.strerror}", f"cannot read alert rules {p}: {exc.strerror}"
        ) from None
    except UnicodeDecodeError:
        raise AlertRulesError(
            f"告警规则文件 {p} 不是 UTF-8 文本", f"alert rules {p} are not UTF-8 text"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AlertRulesError(
            f"告警规则文件 {p} 不是有效的 TOML:{exc}", f"alert rules {p} are not valid TOML: {exc}"
        ) from None
    return parse_alert_rules(data)


__all__ = [
    "CHANNEL_TYPES",
    "ENTITIES",
    "EXAMPLE_FILE",
    "SIGNALS",
    "AlertConfig",
    "AlertRule",
    "AlertRulesError",
    "Channel",
    "Delivery",
    "Scope",
    "load_alert_rules",
    "parse_alert_rules",
]
