"""Compliance rules as data: ``core/infra/rules.toml`` (defaults with sources) plus a company's override file.

>>> r = load_rules()
>>> r.window_for(purpose="marketing", industry="寿险")
(540, 1260)
>>> r.caps_per_24h, r.caps_per_5min
(5, 3)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_RULES = Path(__file__).with_name("rules.toml")


class RulesError(ValueError):
    """A rules file that cannot be used, with the key at fault named (zh / en)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


def _merge(base: dict[str, Any], over: dict[str, Any], path: str = "") -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        where = f"{path}.{key}" if path else key
        if key not in base and not path.startswith("window.by_"):
            raise RulesError(f"规则文件中有未知的键 {where}", f"unknown key {where} in the rules file")
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = _merge(base[key], value, where)
        else:
            if (
                key in base
                and type(base[key]) is not type(value)
                # an integer may stand for a decimal (weight = 1), but a boolean is no number here
                and not (
                    isinstance(base[key], float) and isinstance(value, int) and not isinstance(value, bool)
                )
            ):
                raise RulesError(
                    f"规则 {where} 的类型应为 {type(base[key]).__name__},实际为 {type(value).__name__}",
                    f"rule {where} should be a {type(base[key]).__name__}, got {type(value).__name__}",
                )
            out[key] = value
    return out


def _minutes(text: str, where: str) -> int:
    try:
        hh, mm = text.split(":")
        value = int(hh) * 60 + int(mm)
    except (ValueError, AttributeError):
        raise RulesError(
            f"规则 {where} 的时间格式应为 HH:MM:{text!r}", f"rule {where}: time must be HH:MM, got {text!r}"
        ) from None
    if not 0 <= value <= 24 * 60:
        raise RulesError(
            f"规则 {where} 的时间超出范围:{text!r}", f"rule {where}: time out of range: {text!r}"
        )
    return value


def _window(value: Any, where: str) -> tuple[int, int]:
    if not (isinstance(value, list) and len(value) == 2):
        raise RulesError(f"规则 {where} 应为 [开始, 结束]", f"rule {where} must be [start, end]")
    start, end = _minutes(value[0], where), _minutes(value[1], where)
    if start >= end:
        raise RulesError(f"规则 {where} 的开始时间应早于结束时间", f"rule {where}: start must be before end")
    return start, end


@dataclass(frozen=True)
class Rules:
    """The rules in force (defaults merged with an override), as typed values."""

    data: dict[str, Any]

    @property
    def default_window(self) -> tuple[int, int]:
        """Allowed outbound window as minutes after midnight, [start, end)."""
        return _window(self.data["window"]["default"], "window.default")

    def window_for(self, *, purpose: str | None, industry: str | None) -> tuple[int, int]:
        """The window for a campaign: by client industry first, then by purpose, else the default."""
        by_industry = self.data["window"].get("by_industry", {})
        by_purpose = self.data["window"].get("by_purpose", {})
        if industry in by_industry:
            return _window(by_industry[industry], f"window.by_industry.{industry}")
        if purpose in by_purpose:
            return _window(by_purpose[purpose], f"window.by_purpose.{purpose}")
        return self.default_window

    @property
    def blocked_provinces(self) -> tuple[str, ...]:
        return tuple(self.data["blocked_regions"]["provinces"])

    @property
    def caps_per_24h(self) -> int:
        return int(self.data["caps"]["per_24h"])

    @property
    def caps_per_5min(self) -> int:
        return int(self.data["caps"]["per_5min"])

    @property
    def recall_hours(self) -> int:
        return int(self.data["abandon"]["recall_hours"])

    def get(self, dotted: str) -> Any:
        """A raw value by dotted key, e.g. ``marking.min_answer_rate``."""
        node: Any = self.data
        for part in dotted.split("."):
            node = node[part]
        return node


def _fixed_kinds(base: dict[str, Any], over: dict[str, Any]) -> None:
    """A risk rule's ``kind`` is part of its definition (what it counts): an override may not change it."""
    for rid, spec in over.get("risk", {}).items():
        default = base.get("risk", {}).get(rid)
        if not (isinstance(spec, dict) and "kind" in spec and isinstance(default, dict)):
            continue
        if spec["kind"] != default.get("kind"):
            where = f"risk.{rid}.kind"
            raise RulesError(
                f"规则 {where} 由规则定义决定,不可修改(应为 {default.get('kind')!r})",
                f"rule {where} is fixed by the rule's definition and cannot be changed (it is {default.get('kind')!r})",
            )


#: Levels of rate rules that are a domain setting, so that each limit has one key: the abandon limit
#: is the critical level of ``risk.abandon``; the recording and reply targets are the warning levels.
TIED_LEVELS: dict[str, str] = {
    "risk.abandon.critical": "abandon.limit",
    "risk.recording.warning": "recording.coverage",
    "risk.complaint_reply.warning": "complaints.min_reply_rate",
}


def level(rules: Rules, rule_id: str, name: str) -> float | None:
    """A rate rule's ``warning`` or ``critical`` level: its tied domain setting, else its own key."""
    tied = TIED_LEVELS.get(f"risk.{rule_id}.{name}")
    if tied is not None:
        return float(rules.get(tied))
    value = rules.data["risk"].get(rule_id, {}).get(name)
    return None if value is None else float(value)


def _bad(where: str, zh: str, en: str) -> RulesError:
    return RulesError(f"规则 {where} {zh}", f"rule {where} {en}")


#: Fractions in 0..1 (rates, shares, levels of rate rules).
_FRACTIONS = (
    "abandon.limit",
    "recording.coverage",
    "marking.min_answer_rate",
    "marking.max_short_share",
    "complaints.min_reply_rate",
)
#: Whole numbers of at least the given value.
_COUNTS = {
    "caps.per_24h": 0,
    "caps.per_5min": 0,
    "abandon.recall_hours": 0,
    "marking.short_seconds": 1,
    "marking.max_daily_calls": 0,
    "marking.min_calls": 0,
    "marking.min_connected": 0,
}
#: The values a list may hold.
_CHOICES = {
    "complaints.red_channels": ("12321", "miit", "carrier", "client", "internal"),
    "recording.purposes": ("marketing", "collection", "service", "survey", "notification"),
}


def _validate(rules: Rules) -> None:
    """Check the values by meaning (ranges and order); the message names the key at fault."""
    get = rules.get
    for key in _FRACTIONS:
        v = get(key)
        if not 0 <= float(v) <= 1:
            raise _bad(key, f"应在 0 到 1 之间,实际为 {v}", f"must be between 0 and 1, got {v}")
    for key, least in _COUNTS.items():
        v = get(key)
        if int(v) != v or v < least:
            raise _bad(
                key,
                f"应为不小于 {least} 的整数,实际为 {v}",
                f"must be a whole number of at least {least}, got {v}",
            )
    for key, allowed in _CHOICES.items():
        bad = [x for x in get(key) if x not in allowed]
        if bad:
            raise _bad(
                key,
                f"含未知取值 {bad}(可选 {', '.join(allowed)})",
                f"has unknown value(s) {bad} (choose from {', '.join(allowed)})",
            )
    if not all(isinstance(p, str) and p for p in get("blocked_regions.provinces")):
        raise _bad("blocked_regions.provinces", "应为省份名称列表", "must be a list of province names")
    ho = rules.data["healthy_occupancy"]
    if not 0 <= ho["zero_low"] <= ho["low"] <= ho["high"] <= ho["zero_high"] <= 1.5:
        raise _bad(
            "healthy_occupancy",
            "应满足 0 ≤ zero_low ≤ low ≤ high ≤ zero_high",
            "must satisfy 0 ≤ zero_low ≤ low ≤ high ≤ zero_high",
        )
    for rid, spec in rules.data["risk"].items():
        w = spec.get("weight")
        if not isinstance(w, int | float) or not 0 < w <= 1:
            raise _bad(f"risk.{rid}.weight", f"应在 (0, 1] 之间,实际为 {w}", f"must be in (0, 1], got {w}")
        for name in ("warning", "critical", "min_base"):
            v = spec.get(name)
            if v is not None and (not isinstance(v, int | float) or v < 0 or (name != "min_base" and v > 1)):
                raise _bad(f"risk.{rid}.{name}", f"取值无效:{v}", f"has an invalid value: {v}")
        if spec.get("kind") in ("rate_high", "rate_low"):
            warn, crit = level(rules, rid, "warning"), level(rules, rid, "critical")
            if warn is None or crit is None:
                raise _bad(
                    f"risk.{rid}", "缺少 warning 或 critical", "needs both warning and critical levels"
                )
            if (spec["kind"] == "rate_high" and not warn < crit) or (
                spec["kind"] == "rate_low" and not warn > crit
            ):
                order = "warning < critical" if spec["kind"] == "rate_high" else "warning > critical"
                raise _bad(
                    f"risk.{rid}",
                    f"的级别应满足 {order}(当前 {warn} / {crit})",
                    f"levels must satisfy {order} (now {warn} / {crit})",
                )
    bands = rules.data["risk_bands"]
    if not 0 < bands["medium"] < bands["high"] < bands["critical"] <= 100:
        raise _bad(
            "risk_bands",
            "应满足 0 < medium < high < critical ≤ 100",
            "must satisfy 0 < medium < high < critical ≤ 100",
        )
    mat = rules.data["material"]
    if mat["outbound_share"].get("mode") not in ("points", "relative"):
        raise _bad("material.outbound_share.mode", "应为 points 或 relative", "must be points or relative")
    for topic in ("seats", "numbers"):
        if float(mat[topic]["max_relative_change"]) < 0:
            raise _bad(f"material.{topic}.max_relative_change", "不能为负数", "cannot be negative")
    for key in ("outbound_share.max_change", "equity.min_stake_change_pp"):
        if float(rules.get(f"material.{key}")) < 0:
            raise _bad(f"material.{key}", "不能为负数", "cannot be negative")
    cred = rules.data["credit"]
    weights = cred["weights"]
    if any(float(v) < 0 for v in weights.values()) or sum(float(v) for v in weights.values()) <= 0:
        raise _bad("credit.weights", "应为非负数且总和大于 0", "must be non-negative with a positive sum")
    floors = [float(f) for _, f in cred["grades"]]
    if floors != sorted(floors, reverse=True) or not floors or floors[-1] > 0:
        raise _bad(
            "credit.grades",
            "应按分数线从高到低排列,最后一档为 0",
            "must run from the highest floor down to 0",
        )
    if float(cred["breaches_per_10k_zero"]) <= 0:
        raise _bad("credit.breaches_per_10k_zero", "应大于 0", "must be greater than 0")


def load_rules(override: Path | str | None = None) -> Rules:
    """The default rules, merged with ``override`` (a TOML file) when given.

    Raises:
        RulesError: the override cannot be parsed, names an unknown key, or has a value of the
            wrong type or an invalid time; the message names the key.
    """
    base = tomllib.loads(DEFAULT_RULES.read_text(encoding="utf-8"))
    if override is not None:
        path = Path(override)
        try:
            over = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise RulesError(
                f"规则文件 {path.name} 无法解析:{exc}", f"rules file {path.name} cannot be parsed: {exc}"
            ) from None
        except OSError as exc:
            raise RulesError(
                f"无法读取规则文件 {path}:{exc.strerror}", f"cannot read rules file {path}: {exc.strerror}"
            ) from None
        _fixed_kinds(base, over)
        base = _merge(base, over)
    rules = Rules(base)
    _validate(rules)
    # Validate every window now so that a bad file fails when loaded, not when used.
    _ = rules.default_window
    for name, value in rules.data["window"].get("by_industry", {}).items():
        _window(value, f"window.by_industry.{name}")
    for name, value in rules.data["window"].get("by_purpose", {}).items():
        _window(value, f"window.by_purpose.{name}")
    return rules
