"""Compliance rules as data: ``core/infra/rules.toml`` (defaults with sources) plus a company's override file.

>>> r = load_rules()
>>> r.window_for(purpose="marketing", industry="寿险")
(540, 1260)
>>> r.caps_per_24h, r.caps_per_5min
(5, 3)
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import math
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from core.infra.regions import PROVINCES

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
                check = check_for(where)
                if check is not None and not isinstance(base[key], dict):
                    raise check.error(where, value)  # e.g. caps.per_24h = nan: the range names the type
                raise RulesError(
                    f"规则 {where} 的类型应为 {type(base[key]).__name__},实际为 {type(value).__name__}",
                    f"rule {where} should be a {type(base[key]).__name__}, got {type(value).__name__}",
                )
            out[key] = value
    return out


_WINDOW_ZH = '[开始, 结束] 两个 "HH:MM" 时间(00:00–24:00),开始早于结束'
_WINDOW_EN = 'a pair ["HH:MM", "HH:MM"] within 00:00–24:00 with start before end'


def _window_error(where: str, value: Any, zh_fault: str, en_fault: str) -> RulesError:
    shown = json.dumps(value, ensure_ascii=False) if isinstance(value, list | str) else repr(value)
    return RulesError(
        f"规则 {where} 应为 {_WINDOW_ZH}({zh_fault}),实际为 {shown}",
        f"rule {where} must be {_WINDOW_EN} ({en_fault}); got {shown}",
    )


def _minutes(text: Any, where: str, value: Any) -> int:
    try:
        hh, mm = text.split(":")
        minutes = int(hh) * 60 + int(mm)
    except (ValueError, AttributeError):
        raise _window_error(
            where, value, f"时间格式应为 HH:MM:{text!r}", f"time must be HH:MM: {text!r}"
        ) from None
    if not (0 <= int(mm) < 60 and 0 <= minutes <= 24 * 60):
        raise _window_error(where, value, f"时间超出范围:{text!r}", f"time out of range: {text!r}")
    return minutes


def _window(value: Any, where: str) -> tuple[int, int]:
    if not (isinstance(value, list) and len(value) == 2):
        raise _window_error(where, value, "应为两个时间", "not a pair")
    start, end = _minutes(value[0], where, value), _minutes(value[1], where, value)
    if start >= end:
        raise _window_error(where, value, "开始时间应早于结束时间", "start must be before end")
    return start, end


@dataclass(frozen=True)
class Rules:
    """The rules in force (defaults merged with an override), as typed values.

    ``overrides`` is what was merged onto the shipped defaults; ``version`` / ``version_at`` name the
    stored rule version they came from (:mod:`core.infra.rule_versions`; None: the shipped defaults
    or a file given with ``--rules``, then ``origin`` names the file).
    """

    data: dict[str, Any]
    overrides: dict[str, Any] = field(default_factory=dict, compare=False)
    version: int | None = field(default=None, compare=False)
    version_at: datetime | None = field(default=None, compare=False)
    origin: str = field(default="defaults", compare=False)

    def provenance(self) -> dict[str, str]:
        """The rules version for a report's metadata or footer: ``id`` ("0" for the shipped defaults,
        "" for a ``--rules`` file), ``at`` (its time, ISO, Beijing), ``label`` and ``label_zh``."""
        if self.version is not None:
            at = self.version_at.isoformat(sep=" ", timespec="seconds") if self.version_at else ""
            return {
                "id": str(self.version),
                "at": at,
                "label": f"v{self.version} ({at})",
                "label_zh": f"v{self.version}({at})",
            }
        if self.origin == "defaults":
            shipped = self.data.get("version", "")
            return {
                "id": "0",
                "at": "",
                "label": f"v0 (defaults {shipped})",
                "label_zh": f"v0(默认规则 {shipped})",
            }
        return {
            "id": "",
            "at": "",
            "label": f"file {self.origin} (not a stored version)",
            "label_zh": f"文件 {self.origin}(非已保存版本)",
        }

    def provenance_line(self, lang: str) -> str:
        """One line for a footer: ``Rules version v3 (2026-03-01 09:30:00)`` / ``规则版本 v3(…)``."""
        p = self.provenance()
        return f"规则版本 {p['label_zh']}" if lang == "zh" else f"Rules version {p['label']}"

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
        where = f"risk.{rid}.kind"
        if spec["kind"] not in KINDS:
            raise CHECKS["risk.*.kind"].error(where, spec["kind"])
        if spec["kind"] != default.get("kind"):
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


# ----------------------------------------------------------------------------------------------
# Validation by meaning: every key of rules.toml has a check (tests/core/test_rules.py walks them)
# ----------------------------------------------------------------------------------------------

#: What a risk rule may count (see rules.toml): zero-tolerance counts, or rates judged high or low.
KINDS: tuple[str, ...] = ("count", "rate_high", "rate_low")
#: Campaign purposes (DOMAIN.md §4, campaigns.purpose).
PURPOSES: tuple[str, ...] = ("marketing", "collection", "service", "survey", "notification")
#: Complaint channels (DOMAIN.md §4, complaints.channel).
CHANNELS: tuple[str, ...] = ("12321", "miit", "carrier", "client", "internal")


@dataclass(frozen=True)
class Check:
    """What one key may hold: ``ok(value, key)`` and the allowed range in words (zh, en).

    ``ok`` may raise :class:`RulesError` itself when it has a more precise message (a window).
    """

    ok: Callable[[Any, str], bool]
    zh: str
    en: str

    def error(self, where: str, value: Any) -> RulesError:
        shown = _shown(value)
        return RulesError(
            f"规则 {where} 应为 {self.zh.strip()},实际为 {shown}",
            f"rule {where} must be {self.en}; got {shown}",
        )


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str | list) else repr(value)


def _is_number(v: Any) -> bool:
    """A finite int or float (a boolean is no number here; NaN and ±inf are refused)."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _num(lo: float, hi: float | None = None, *, lo_open: bool = False, whole: bool = False) -> Check:
    """A finite number (a whole one when ``whole``) from ``lo`` (excluded when ``lo_open``) to ``hi``."""

    def ok(v: Any, _where: str) -> bool:
        if not _is_number(v) or (whole and int(v) != v):
            return False
        return (v > lo if lo_open else v >= lo) and (hi is None or v <= hi)

    if hi is None:
        zh_r, en_r = (
            (f"大于 {_fmt(lo)}" if lo_open else f"不小于 {_fmt(lo)}"),
            f"{'>' if lo_open else '≥'} {_fmt(lo)}",
        )
    else:
        left = "(" if lo_open else "["
        zh_r = en_r = f"{left}{_fmt(lo)}, {_fmt(hi)}]"
    if whole:
        return Check(
            ok,
            f"{zh_r} 的整数" if hi is None else f"{zh_r} 之间的整数",
            f"a whole number {en_r}" if hi is None else f"a whole number in {en_r}",
        )
    return Check(
        ok,
        f"{zh_r} 的有限数值" if hi is None else f"{zh_r} 之间的有限数值",
        f"a finite number {en_r}" if hi is None else f"a finite number in {en_r}",
    )


def _text_ok(v: Any, _where: str = "") -> bool:
    return isinstance(v, str) and bool(v.strip())


def _texts(allowed: tuple[str, ...] | None = None, *, at_least: int = 0) -> Check:
    """A list of distinct non-empty texts (each one of ``allowed`` when given)."""

    def ok(v: Any, _where: str) -> bool:
        return (
            isinstance(v, list)
            and len(v) >= at_least
            and all(_text_ok(x) and (allowed is None or x in allowed) for x in v)
            and len(set(v)) == len(v)
        )

    if allowed is None:
        return Check(ok, "互不相同的非空文本列表", "a list of distinct non-empty texts")
    names = ", ".join(allowed)
    return Check(ok, f"取自 {names} 的互不重复列表", f"a list of distinct values from {names}")


def _choice(allowed: tuple[str, ...]) -> Check:
    names = ", ".join(allowed)
    return Check(lambda v, _w: v in allowed, f" {names} 之一", f"one of {names}")


def _window_ok(v: Any, where: str) -> bool:
    _window(v, where)  # raises with the precise fault (format, range, order)
    return True


def _grades_ok(v: Any, _where: str) -> bool:
    if not (isinstance(v, list) and v):
        return False
    if not all(isinstance(g, list) and len(g) == 2 and _text_ok(g[0]) and _is_number(g[1]) for g in v):
        return False
    floors = [float(g[1]) for g in v]
    names = [g[0] for g in v]
    return (
        all(0 <= f <= 100 for f in floors)
        and all(a > b for a, b in itertools.pairwise(floors))
        and floors[-1] == 0
        and len(set(names)) == len(names)
    )


TEXT = Check(_text_ok, "非空文本", "non-empty text")
FRACTION = _num(0, 1)

#: Every key of rules.toml (shell patterns over dotted keys; the first match applies) and its range.
CHECKS: dict[str, Check] = {
    "version": TEXT,
    "*.source": TEXT,
    "credit.grades_source": TEXT,
    "risk.*.label_zh": TEXT,
    "risk.*.label_en": TEXT,
    "window.default": Check(
        _window_ok, ' ["HH:MM", "HH:MM"],开始早于结束', 'a pair ["HH:MM", "HH:MM"] with start < end'
    ),
    "window.by_industry.*": Check(
        _window_ok, ' ["HH:MM", "HH:MM"],开始早于结束', 'a pair ["HH:MM", "HH:MM"] with start < end'
    ),
    "window.by_purpose.*": Check(
        _window_ok, ' ["HH:MM", "HH:MM"],开始早于结束', 'a pair ["HH:MM", "HH:MM"] with start < end'
    ),
    "blocked_regions.provinces": _texts(PROVINCES),
    # A cap of 0 would make every outbound call a breach: a region or a number that must not be
    # called at all belongs in blocked_regions or the DNC list, so a cap is at least 1.
    "caps.per_24h": _num(1, whole=True),
    "caps.per_5min": _num(1, whole=True),
    "abandon.limit": FRACTION,
    "abandon.recall_hours": _num(1, 24 * 366, whole=True),
    "recording.coverage": FRACTION,
    "recording.purposes": _texts(PURPOSES),
    "marking.min_answer_rate": FRACTION,
    "marking.max_short_share": FRACTION,
    "marking.short_seconds": _num(1, whole=True),
    "marking.max_daily_calls": _num(1, whole=True),
    # 0: judge every day, however few calls it had.
    "marking.min_calls": _num(0, whole=True),
    "marking.min_connected": _num(0, whole=True),
    "complaints.red_channels": _texts(CHANNELS),
    "complaints.min_reply_rate": FRACTION,
    "healthy_occupancy.*": _num(0, 1.5),
    "risk.*.kind": _choice(KINDS),
    # 0 keeps the rule on the page (its calls, its cells' explanations) but out of the score.
    "risk.*.weight": FRACTION,
    "risk.*.warning": FRACTION,
    "risk.*.critical": FRACTION,
    "risk.*.min_base": _num(0, whole=True),
    "risk_bands.*": _num(0, 100, lo_open=True),
    "material.*.evidence": _texts(at_least=1),
    "material.*.max_relative_change": _num(0),
    "material.outbound_share.mode": _choice(("points", "relative")),
    "material.outbound_share.max_change": _num(0),
    "material.equity.min_stake_change_pp": _num(0, 100),
    "credit.threshold": _num(0, 100),
    "credit.grades": Check(
        _grades_ok,
        " [[名称, 分数线], …],分数线在 [0, 100] 内从高到低、最后一档为 0,名称不重复",
        "a list of [name, floor] pairs, floors in [0, 100] from the highest down to a last 0, names distinct",
    ),
    "credit.breaches_per_10k_zero": _num(0, lo_open=True),
    "credit.weights.*": _num(0, 100),
}


def check_for(where: str) -> Check | None:
    """The check of a dotted key (None: the key has none, which tests/core/test_rules.py forbids)."""
    return next((c for pattern, c in CHECKS.items() if fnmatch.fnmatchcase(where, pattern)), None)


def _leaves(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in node.items():
        where = f"{path}.{key}" if path else str(key)
        if isinstance(value, dict):
            yield from _leaves(value, where)
        else:
            yield where, value


def _validate(rules: Rules) -> None:
    """Check every value by meaning (its range), then the orders between keys; the message names
    the key at fault and the range allowed, in Chinese and English."""
    for where, value in _leaves(rules.data):
        check = check_for(where)
        if check is None:
            raise RulesError(f"规则文件中有未知的键 {where}", f"unknown key {where} in the rules file")
        if not check.ok(value, where):
            raise check.error(where, value)
    for purpose in rules.data["window"].get("by_purpose", {}):
        if purpose not in PURPOSES:
            raise _bad(
                f"window.by_purpose.{purpose}",
                f"不是已知的外呼目的(可选 {', '.join(PURPOSES)})",
                f"is not a known campaign purpose (choose from {', '.join(PURPOSES)})",
            )
    for industry in rules.data["window"].get("by_industry", {}):
        if not industry.strip():
            raise _bad("window.by_industry", "的行业名称不能为空", "cannot name an empty industry")
    ho = rules.data["healthy_occupancy"]
    if not ho["zero_low"] < ho["low"] < ho["high"] < ho["zero_high"]:
        raise _bad(
            "healthy_occupancy",
            f"应满足 zero_low < low < high < zero_high(当前 {ho['zero_low']} / {ho['low']} / {ho['high']} / {ho['zero_high']})",
            f"must satisfy zero_low < low < high < zero_high (now {ho['zero_low']} / {ho['low']} / {ho['high']} / {ho['zero_high']})",
        )
    for rid, spec in rules.data["risk"].items():
        for name in ("kind", "weight"):
            if name not in spec:
                raise _bad(f"risk.{rid}.{name}", "缺失", "is missing")
        if spec["kind"] in ("rate_high", "rate_low"):
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
                    f"({spec['kind']})的级别应满足 {order}(当前 warning {warn} / critical {crit})",
                    f"({spec['kind']}) levels must satisfy {order} (now warning {warn} / critical {crit})",
                )
    bands = rules.data["risk_bands"]
    if not bands["medium"] < bands["high"] < bands["critical"]:
        raise _bad(
            "risk_bands",
            f"应满足 0 < medium < high < critical ≤ 100(当前 {bands['medium']} / {bands['high']} / {bands['critical']})",
            f"must satisfy 0 < medium < high < critical ≤ 100 (now {bands['medium']} / {bands['high']} / {bands['critical']})",
        )
    share = rules.data["material"]["outbound_share"]
    if share["mode"] == "points" and share["max_change"] > 1:
        raise _bad(
            "material.outbound_share.max_change",
            f"在 points 模式下是占比的变化,应在 [0, 1] 之间,实际为 {share['max_change']}",
            f"is a change of share in points mode and must be in [0, 1]; got {share['max_change']}",
        )
    if sum(float(v) for v in rules.data["credit"]["weights"].values()) <= 0:
        raise _bad("credit.weights", "的总和应大于 0", "must have a positive sum")


def parse_override(text: str, name: str = "rules.toml") -> dict[str, Any]:
    """An override file's TOML as a dict (raises :class:`RulesError` naming ``name`` when unparseable)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(
            f"规则文件 {name} 无法解析:{exc}", f"rules file {name} cannot be parsed: {exc}"
        ) from None


def shipped_defaults() -> dict[str, Any]:
    """core/infra/rules.toml as a dict."""
    return tomllib.loads(DEFAULT_RULES.read_text(encoding="utf-8"))


def rules_with(
    over: dict[str, Any],
    *,
    version: int | None = None,
    version_at: datetime | None = None,
    origin: str = "defaults",
) -> Rules:
    """The shipped defaults merged with ``over``, every value checked by meaning.

    Raises:
        RulesError: an unknown key, a value of the wrong type or out of its range, or keys out of
            order (bands, levels, windows); the message names the key and the range, zh and en.
    """
    base = shipped_defaults()
    if over:
        _fixed_kinds(base, over)
        base = _merge(base, over)
    rules = Rules(base, overrides=over, version=version, version_at=version_at, origin=origin)
    _validate(rules)
    return rules


def load_rules(override: Path | str | None = None) -> Rules:
    """The default rules, merged with ``override`` (a TOML file) when given.

    Raises:
        RulesError: the override cannot be read or parsed, names an unknown key, or has a value of
            the wrong type or out of its range; the message names the key.
    """
    if override is None:
        return rules_with({})
    path = Path(override)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(
            f"无法读取规则文件 {path}:{exc.strerror}", f"cannot read rules file {path}: {exc.strerror}"
        ) from None
    except UnicodeDecodeError:
        raise RulesError(
            f"规则文件 {path.name} 不是 UTF-8 编码的文本", f"rules file {path.name} is not UTF-8 text"
        ) from None
    return rules_with(parse_override(text, path.name), origin=path.name)
