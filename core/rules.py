"""Compliance rules as data: ``core/rules.toml`` (defaults with sources) plus a company's override file.

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
        base = _merge(base, over)
    rules = Rules(base)
    # Validate every window now so that a bad file fails when loaded, not when used.
    _ = rules.default_window
    for name, value in rules.data["window"].get("by_industry", {}).items():
        _window(value, f"window.by_industry.{name}")
    for name, value in rules.data["window"].get("by_purpose", {}).items():
        _window(value, f"window.by_purpose.{name}")
    return rules
