"""Rule versions: the one source of the rules in force, stored in the database (issue 15).

The rules in force are the shipped defaults (``core/infra/rules.toml``, version 0) merged with the
overrides of the latest version *in force*. Table ``rule_versions`` (:data:`core.infra.schema.rule_versions`)
is append-only, on every engine:

* ``apply``: an admin's change (the settings page's upload, ``python -m core rules apply``);
* ``propose``: a compliance officer's change, **not** in force until approved;
* ``approve``: an admin approves a proposal: a new version with the proposal's overrides
  (``source_version`` names the proposal);
* ``restore``: any earlier version (or 0, the defaults) brought back as a new version;
* ``migrate``: the app's former override file ``data/rules.override.toml``, moved into version 1.

Each row keeps who (``actor``), when, the overrides (JSON) and the diff against the rules in force
then (``[[key, old, new], …]`` over every leaf), and an optional note. Every write is validated by
meaning first (:func:`core.infra.rules.rules_with`): a refused file stores nothing.

>>> from core.infra import db
>>> engine = db.make_engine("sqlite://")
>>> v = apply(engine, {"caps": {"per_24h": 4}}, actor="ops")
>>> v.version_id, v.diff
(1, [('caps.per_24h', 5, 4)])
>>> rules_in_force(engine).caps_per_24h, rules_in_force(engine).version
(4, 1)
>>> restore(engine, 0, actor="ops").diff
[('caps.per_24h', 4, 5)]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, schema
from core.infra.rules import Rules, RulesError, parse_override, rules_with

#: Actions whose overrides are in force from their row on (a ``propose`` row is not).
IN_FORCE: tuple[str, ...] = ("apply", "approve", "restore", "migrate")
ACTIONS: tuple[str, ...] = (*IN_FORCE, "propose")
_BEIJING = timedelta(hours=8)


def now_beijing() -> datetime:
    """Now, Beijing time, naive, to the second (as the alert log keeps its times)."""
    return (datetime.now(UTC) + _BEIJING).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class Version:
    """One row of ``rule_versions``."""

    version_id: int
    created_at: datetime
    actor: str
    action: str
    source_version: int | None
    overrides: dict[str, Any]
    diff: list[tuple[str, Any, Any]]
    note: str

    @property
    def in_force_kind(self) -> bool:
        """Whether this row sets the rules in force (every action but ``propose``)."""
        return self.action in IN_FORCE


def ensure_tables(engine: Engine) -> None:
    """Create ``rule_versions`` when it is missing (a ClickHouse MergeTree ordered by its key)."""
    present = {n.lower() for n in sa.inspect(engine).get_table_names()}
    if schema.rule_versions.name in present:
        return
    if db.dialect_of(engine) == "clickhouse":
        with engine.connect() as conn:
            conn.execute(sa.text(db.clickhouse_ddl(schema.rule_versions)))
            conn.commit()
    else:
        db.create_tables(engine, [schema.rule_versions])


def _has_table(engine: Engine) -> bool:
    return schema.rule_versions.name in {n.lower() for n in sa.inspect(engine).get_table_names()}


def _as_datetime(value: Any) -> datetime:
    out = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return out.replace(tzinfo=None)


def versions(engine: Engine) -> list[Version]:
    """Every stored version, oldest first (none when the table does not exist yet)."""
    if not _has_table(engine):
        return []
    t = schema.rule_versions
    frame = db.read_frame(engine, sa.select(*t.c))
    out = [
        Version(
            version_id=int(r["version_id"]),
            created_at=_as_datetime(r["created_at"]),
            actor=str(r["actor"]),
            action=str(r["action"]),
            source_version=None if r["source_version"] is None else int(r["source_version"]),
            overrides=json.loads(r["overrides"]),
            diff=[(str(k), old, new) for k, old, new in json.loads(r["diff"])],
            note=str(r["note"] or ""),
        )
        for r in frame.iter_rows(named=True)
    ]
    return sorted(out, key=lambda v: v.version_id)


def get(engine: Engine, version_id: int) -> Version:
    """Version ``version_id`` (raises :class:`RulesError` when there is none)."""
    found = next((v for v in versions(engine) if v.version_id == version_id), None)
    if found is None:
        raise RulesError(f"没有规则版本 {version_id}", f"there is no rules version {version_id}")
    return found


def current(engine: Engine) -> Version | None:
    """The latest version in force (None: the shipped defaults, version 0)."""
    return next((v for v in reversed(versions(engine)) if v.in_force_kind), None)


def rules_of_version(v: Version | None) -> Rules:
    """The rules of a stored version (None: the defaults), named with its id and time."""
    if v is None:
        return rules_with({})
    return rules_with(v.overrides, version=v.version_id, version_at=v.created_at, origin="version")


def rules_in_force(engine: Engine) -> Rules:
    """The shipped defaults + the overrides of the latest version in force.

    Raises:
        RulesError: the stored overrides no longer fit the shipped rules.toml (a key removed by an
            upgrade, say); the message names the key. Restore another version to recover.
    """
    return rules_of_version(current(engine))


def pending_proposals(engine: Engine) -> list[Version]:
    """Proposals no approval names yet, oldest first."""
    all_versions = versions(engine)
    approved = {v.source_version for v in all_versions if v.action == "approve"}
    return [v for v in all_versions if v.action == "propose" and v.version_id not in approved]


def flat(data: dict[str, Any], path: str = "") -> dict[str, Any]:
    """Every leaf of a rules dict by dotted key."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{path}.{key}" if path else str(key)
        if isinstance(value, dict):
            out.update(flat(value, where))
        else:
            out[where] = value
    return out


def diff(old: Rules, new: Rules) -> list[tuple[str, Any, Any]]:
    """``(key, old, new)`` for every leaf that differs (None for a leaf one side lacks), by key."""
    a, b = flat(old.data), flat(new.data)
    return [(k, a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)]


def _actor(actor: str) -> str:
    name = actor.strip()
    if not name:
        raise RulesError("规则变更必须注明操作人", "a rules change must name who made it (--by NAME)")
    return name[:128]


def _write(
    engine: Engine,
    overrides: dict[str, Any],
    *,
    actor: str,
    action: str,
    source_version: int | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> Version:
    who = _actor(actor)
    new_rules = rules_with(overrides)  # validated by meaning before anything is stored
    ensure_tables(engine)
    old_rules = rules_in_force(engine)  # a proposal too is diffed against the rules then in force
    existing = versions(engine)
    version = Version(
        version_id=(existing[-1].version_id + 1) if existing else 1,
        created_at=at or now_beijing(),
        actor=who,
        action=action,
        source_version=source_version,
        overrides=overrides,
        diff=diff(old_rules, new_rules),
        note=(note or "").strip(),
    )
    row = {
        "version_id": version.version_id,
        "created_at": version.created_at,
        "actor": version.actor,
        "action": version.action,
        "source_version": version.source_version,
        "overrides": json.dumps(overrides, ensure_ascii=False, sort_keys=True),
        "diff": json.dumps(version.diff, ensure_ascii=False),
        "note": version.note or None,
    }
    frame = pl.DataFrame(
        [row],
        schema={
            "version_id": pl.Int64(),
            "created_at": pl.Datetime("us"),
            "actor": pl.String(),
            "action": pl.String(),
            "source_version": pl.Int64(),
            "overrides": pl.String(),
            "diff": pl.String(),
            "note": pl.String(),
        },
    )
    db.load_frame(engine, schema.rule_versions, frame)
    return version


def apply(
    engine: Engine,
    overrides: dict[str, Any],
    *,
    actor: str,
    note: str | None = None,
    at: datetime | None = None,
) -> Version:
    """Store ``overrides`` as a new version in force (an admin's change). Raises :class:`RulesError`."""
    return _write(engine, overrides, actor=actor, action="apply", note=note, at=at)


def propose(
    engine: Engine,
    overrides: dict[str, Any],
    *,
    actor: str,
    note: str | None = None,
    at: datetime | None = None,
) -> Version:
    """Store ``overrides`` as a proposal: validated and diffed, but not in force until :func:`approve`."""
    return _write(engine, overrides, actor=actor, action="propose", note=note, at=at)


def approve(
    engine: Engine, proposal_id: int, *, actor: str, note: str | None = None, at: datetime | None = None
) -> Version:
    """Put proposal ``proposal_id`` in force as a new version (raises when it is no pending proposal)."""
    proposal = get(engine, proposal_id)
    if proposal.action != "propose":
        raise RulesError(
            f"规则版本 {proposal_id} 不是待批准的提议", f"rules version {proposal_id} is not a proposal"
        )
    if proposal_id not in {v.version_id for v in pending_proposals(engine)}:
        raise RulesError(f"提议 {proposal_id} 已被批准", f"proposal {proposal_id} is already approved")
    return _write(
        engine,
        proposal.overrides,
        actor=actor,
        action="approve",
        source_version=proposal_id,
        note=note or f"proposed by {proposal.actor}" + (f": {proposal.note}" if proposal.note else ""),
        at=at,
    )


def restore(
    engine: Engine, version_id: int, *, actor: str, note: str | None = None, at: datetime | None = None
) -> Version:
    """Bring back the overrides of version ``version_id`` (0: the defaults) as a new version."""
    overrides: dict[str, Any] = {} if version_id == 0 else get(engine, version_id).overrides
    return _write(
        engine, overrides, actor=actor, action="restore", source_version=version_id, note=note, at=at
    )


def overrides_from_text(text: str, name: str = "rules.toml") -> dict[str, Any]:
    """An override file's text, parsed and validated (raises :class:`RulesError`, nothing stored)."""
    over = parse_override(text, name)
    rules_with(over)
    return over


def overrides_from_bytes(content: bytes, name: str = "rules.toml") -> dict[str, Any]:
    """An uploaded override, decoded as UTF-8, parsed and validated (raises :class:`RulesError`)."""
    safe = Path(name).name or "rules.toml"
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise RulesError(
            f"规则文件 {safe} 不是 UTF-8 编码的文本", f"rules file {safe} is not UTF-8 text"
        ) from None
    return overrides_from_text(text, safe)


def migrate_override_file(engine: Engine, path: Path, *, actor: str = "migration") -> Version | None:
    """Move a former override file into the store as a ``migrate`` version, once.

    Only when the store holds no version yet and the file exists; the file is then renamed to
    ``<name>.migrated`` so it is not read again. A file that fails validation stays where it is and
    the :class:`RulesError` (naming the file and the key) is raised.
    """
    if not path.is_file() or versions(engine):
        return None
    over = overrides_from_bytes(path.read_bytes(), path.name)
    version = _write(engine, over, actor=actor, action="migrate", note=f"migrated from {path.name}")
    path.replace(path.with_name(path.name + ".migrated"))
    return version


__all__ = [
    "ACTIONS",
    "IN_FORCE",
    "Version",
    "apply",
    "approve",
    "current",
    "diff",
    "ensure_tables",
    "get",
    "migrate_override_file",
    "now_beijing",
    "overrides_from_bytes",
    "overrides_from_text",
    "pending_proposals",
    "propose",
    "restore",
    "rules_in_force",
    "rules_of_version",
    "versions",
]
