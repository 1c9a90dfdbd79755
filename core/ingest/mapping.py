"""Mapping files: which source columns give direction, agent, campaign, caller and customer numbers.

Each format has a preset in ``core/ingest/mappings/`` (``asterisk.toml`` serves both Asterisk
formats). A user's file, passed with ``--mapping``, is laid over the preset key by key, so it only
needs the keys it changes. Unknown keys are an error (a typo would otherwise be ignored silently). A
bare file name that is not found is looked up among the shipped files (``--mapping
asterisk-cdr-custom.toml``).

A field section (``[agent]``, ``[campaign]``, ``[caller_number]``, ``[customer_number]``,
``[callee_province]``, ``[recorded]``, ``[robot]``, ``[hangup_by]``) takes:

* ``column`` — the source column; or ``column_in`` / ``column_out`` per direction;
* ``value`` — a constant instead of a column;
* ``pattern`` — a regular expression whose first group is kept (no match: empty);
* ``values`` — a table translating source values; ``ignore`` — values that mean "none".

``[direction]`` takes ``column`` with glob lists ``in`` and ``out`` (case-insensitive) and
``otherwise`` (``reject``, ``in`` or ``out``), or a constant ``value``.

``[dispositions]`` (every format) translates the source's own disposition values (Asterisk
``disposition``, FreeSWITCH ``hangup_cause``, VICIdial ``status``, the canonical ``disposition``)
to canonical ones: keys are matched after trimming, case-insensitively (numbers as written, e.g.
``"8" = "answered"``); a value it does not name falls back to the format's own translation.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.ingest.common import DISPOSITIONS, FORMATS, IngestError

#: Sections that are tables of source codes: a user's entries are added to the preset's.
CODE_TABLES = ("statuses", "causes", "dispositions")

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"

PRESET_FILES: dict[str, str] = {
    "canonical": "canonical.toml",
    "asterisk": "asterisk.toml",
    "asterisk-csv": "asterisk.toml",
    "freeswitch": "freeswitch.toml",
    "vicidial": "vicidial.toml",
    "tencent-ccc": "tencent-ccc.toml",
}

FIELD_SECTIONS = (
    "agent",
    "campaign",
    "caller_number",
    "customer_number",
    "callee_province",
    "recorded",
    "robot",
    "hangup_by",
)
_FIELD_KEYS = {
    "column",
    "column_in",
    "column_out",
    "value",
    "pattern",
    "values",
    "ignore",
    "strip_prefixes",
    "country_code_column",
}
_KNOWN: dict[str, set[str] | None] = {
    "format": None,
    "source": {"timezone", "encoding", "call_id_prefix", "columns", "extra_columns"},
    "rename": None,  # any keys
    "direction": {"column", "value", "in", "out", "otherwise"},
    "statuses": None,
    "causes": None,
    "dispositions": None,  # any keys: the source's values
    "dnc": {"statuses", "add_to_dnc_list"},
    "inference": {"two_way_voice_min_talk_seconds", "abandon_apps", "abandon_causes"},
    **{s: _FIELD_KEYS for s in FIELD_SECTIONS},
}


@dataclass(frozen=True)
class FieldRule:
    """Where one canonical value comes from (see the module docstring)."""

    column: str | None = None
    column_in: str | None = None
    column_out: str | None = None
    value: Any = None
    pattern: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    strip_prefixes: tuple[str, ...] = ()
    country_code_column: str | None = None

    @property
    def defined(self) -> bool:
        return self.value is not None or bool(self.column or self.column_in or self.column_out)

    def columns(self) -> set[str]:
        """Source columns this rule reads."""
        names = {self.column, self.column_in, self.column_out, self.country_code_column}
        return {n for n in names if n}


@dataclass(frozen=True)
class DirectionRule:
    """How the direction is decided: a constant, or globs over one column."""

    column: str | None = None
    value: str | None = None
    inbound: tuple[str, ...] = ()
    outbound: tuple[str, ...] = ()
    otherwise: str = "reject"

    def regex(self, globs: tuple[str, ...]) -> str | None:
        """One case-insensitive regular expression for a list of globs (None when empty)."""
        if not globs:
            return None
        parts = [fnmatch.translate(g).removeprefix("(?s:").removesuffix(")\\Z") for g in globs]
        return "(?i)^(?:" + "|".join(parts) + ")$"


@dataclass(frozen=True)
class Mapping:
    """A preset with the user's overrides applied."""

    format: str
    source_file: Path | None
    timezone: str
    encoding: str | None
    call_id_prefix: str
    columns: tuple[str, ...] | None
    extra_columns: tuple[str, ...] | None
    rename: dict[str, str]
    direction: DirectionRule
    fields: dict[str, FieldRule]
    statuses: dict[str, str]
    causes: dict[str, str]
    dispositions: dict[str, str]
    dnc_statuses: tuple[str, ...]
    add_to_dnc_list: bool
    min_talk_seconds: int
    abandon_apps: tuple[str, ...]
    abandon_causes: tuple[str, ...]

    def field(self, name: str) -> FieldRule:
        return self.fields.get(name, FieldRule())

    def source_columns(self) -> set[str]:
        """Every source column the mapping names (checked against the file's columns)."""
        names: set[str] = set()
        for rule in self.fields.values():
            names |= rule.columns()
        if self.direction.column:
            names.add(self.direction.column)
        return names


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key not in CODE_TABLES:
            out[key] = _merge(out[key], value)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}  # code tables: the user's codes are added
        else:
            out[key] = value
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IngestError(f"找不到映射文件 {path}", f"The mapping file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise IngestError(
            f"映射文件 {path} 不是有效的 TOML:{exc}", f"The mapping file {path} is not valid TOML: {exc}"
        ) from None


def _check_keys(data: dict[str, Any], path: Path) -> None:
    for section, value in data.items():
        if section not in _KNOWN:
            raise IngestError(
                f"映射文件 {path.name} 有未知的节 [{section}]",
                f"The mapping file {path.name} has an unknown section [{section}]; "
                f"known: {', '.join(sorted(_KNOWN))}",
            )
        allowed = _KNOWN[section]
        if allowed is not None and isinstance(value, dict):
            unknown = sorted(set(value) - allowed)
            if unknown:
                raise IngestError(
                    f"映射文件 {path.name} 的 [{section}] 有未知的键:{', '.join(unknown)}",
                    f"The mapping file {path.name} has unknown keys in [{section}]: {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(allowed))}",
                )


def _strs(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _field_rule(section: dict[str, Any], name: str, where: str) -> FieldRule:
    pattern = section.get("pattern") or None
    if pattern:
        try:
            if re.compile(pattern).groups < 1:
                raise re.error("the pattern needs one group, e.g. '(\\d+)'")
        except re.error as exc:
            raise IngestError(
                f"{where} [{name}] 的 pattern 无效:{exc}", f"{where}: [{name}] pattern is not valid: {exc}"
            ) from None
    return FieldRule(
        column=section.get("column") or None,
        column_in=section.get("column_in") or None,
        column_out=section.get("column_out") or None,
        value=section.get("value"),
        pattern=pattern,
        values={str(k): str(v) for k, v in (section.get("values") or {}).items()},
        ignore=_strs(section.get("ignore")),
        strip_prefixes=_strs(section.get("strip_prefixes")),
        country_code_column=section.get("country_code_column") or None,
    )


def code_key(value: str) -> str:
    """How a source code is matched against a code table: trimmed, upper case."""
    return value.strip().upper()


def _dispositions(section: dict[str, Any], where: str) -> dict[str, str]:
    """The ``[dispositions]`` table, keys normalised; an unknown canonical value is refused by key."""
    out: dict[str, str] = {}
    for raw_key, raw_value in section.items():
        value = str(raw_value).strip().lower()
        if value not in DISPOSITIONS:
            raise IngestError(
                f'{where} [dispositions] 的 "{raw_key}" = "{raw_value}" 不是已知的处置;'
                f"只能是 {', '.join(DISPOSITIONS)}",
                f'{where}: [dispositions] "{raw_key}" = "{raw_value}" is not a known disposition; '
                f"use one of {', '.join(DISPOSITIONS)}",
            )
        out[code_key(str(raw_key))] = value
    return out


def _user_path(path: str | Path | None) -> Path | None:
    """The user's mapping file; a bare name that is not a file here but is one of the files in
    :data:`MAPPINGS_DIR` (``asterisk-cdr-custom.toml``) is that file."""
    if not path:
        return None
    given = Path(path)
    shipped = MAPPINGS_DIR / given.name
    if not given.exists() and given.name == str(path) and shipped.is_file():
        return shipped
    return given


def load_mapping(fmt: str, path: str | Path | None = None) -> Mapping:
    """The mapping for ``fmt``: its preset, with the file at ``path`` laid over it.

    Raises:
        IngestError: unknown format, unreadable file, unknown keys, bad values.
    """
    if fmt not in FORMATS:
        raise IngestError(f"未知的格式 {fmt}", f"Unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    preset_path = MAPPINGS_DIR / PRESET_FILES[fmt]
    data = _read_toml(preset_path)
    user_path = _user_path(path)
    if user_path is not None:
        user = _read_toml(user_path)
        _check_keys(user, user_path)
        named = user.get("format")
        if named and PRESET_FILES.get(str(named)) != PRESET_FILES[fmt]:
            raise IngestError(
                f"映射文件 {user_path.name} 是为 {named} 格式写的,而本次导入的格式是 {fmt}",
                f"The mapping file {user_path.name} is for --format {named}, not {fmt}",
            )
        data = _merge(data, user)
    where = (user_path or preset_path).name
    source = data.get("source", {})
    direction = data.get("direction", {})
    otherwise = str(direction.get("otherwise", "reject"))
    if otherwise not in ("reject", "in", "out"):
        raise IngestError(
            f"{where} [direction] otherwise 只能是 reject、in 或 out",
            f"{where}: [direction] otherwise must be reject, in or out",
        )
    value = direction.get("value")
    if value is not None and value not in ("in", "out"):
        raise IngestError(
            f"{where} [direction] value 只能是 in 或 out", f"{where}: [direction] value must be in or out"
        )
    codes = {str(k).strip().upper(): str(v) for k, v in (data.get("statuses") or {}).items()}
    causes = {str(k).strip().upper(): str(v) for k, v in (data.get("causes") or {}).items()}
    for table, name in ((codes, "statuses"), (causes, "causes")):
        wrong = sorted({v for v in table.values() if v not in DISPOSITIONS})
        if wrong:
            raise IngestError(
                f"{where} [{name}] 的处置只能是 {', '.join(DISPOSITIONS)}",
                f"{where}: [{name}] values must be one of {', '.join(DISPOSITIONS)}; got {', '.join(wrong)}",
            )
    dispositions = _dispositions(data.get("dispositions") or {}, where)
    inference = data.get("inference", {})
    try:
        min_talk = int(inference.get("two_way_voice_min_talk_seconds", 5))
    except (TypeError, ValueError):
        raise IngestError(
            f"{where} two_way_voice_min_talk_seconds 必须是整数",
            f"{where}: two_way_voice_min_talk_seconds must be a whole number",
        ) from None
    dnc = data.get("dnc", {})
    columns = source.get("columns")
    extra = source.get("extra_columns")
    return Mapping(
        format=fmt,
        source_file=user_path,
        timezone=str(source.get("timezone") or "Asia/Shanghai"),
        encoding=str(source.get("encoding") or "") or None,
        call_id_prefix=str(source.get("call_id_prefix") or ""),
        columns=tuple(str(c).strip().lower() for c in columns) if columns else None,
        extra_columns=tuple(str(c).strip().lower() for c in extra) if extra else None,
        rename={
            str(k).strip().lower(): str(v).strip().lower() for k, v in (data.get("rename") or {}).items()
        },
        direction=DirectionRule(
            column=direction.get("column") or None,
            value=value,
            inbound=_strs(direction.get("in")),
            outbound=_strs(direction.get("out")),
            otherwise=otherwise,
        ),
        fields={name: _field_rule(data.get(name) or {}, name, where) for name in FIELD_SECTIONS},
        statuses=codes,
        causes=causes,
        dispositions=dispositions,
        dnc_statuses=tuple(s.upper() for s in _strs(dnc.get("statuses"))),
        add_to_dnc_list=bool(dnc.get("add_to_dnc_list", False)),
        min_talk_seconds=min_talk,
        abandon_apps=_strs(inference.get("abandon_apps")),
        abandon_causes=tuple(c.upper() for c in _strs(inference.get("abandon_causes"))),
    )
