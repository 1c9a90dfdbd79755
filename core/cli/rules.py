"""``python -m core rules …``: the rule versions stored in the database (core/infra/rule_versions.py).

* ``rules check FILE``: validate an override file by meaning; store nothing;
* ``rules apply FILE --by NAME [--note TEXT]``: a new version in force (an admin's change);
* ``rules propose FILE --by NAME [--note TEXT]``: a proposal (compliance), not in force until approved;
* ``rules approve N --by NAME [--note TEXT]``: put proposal N in force as a new version;
* ``rules restore N --by NAME [--note TEXT]``: bring back version N (0: the shipped defaults) as a new version;
* ``rules list``: every version, the one in force marked; ``rules show N``: one version, its diff and overrides.

A refused file prints one line naming the key and its allowed range and exits 2; nothing is stored.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from core.cli.common import EXIT_OK, CliError, add_common
from core.cli.output import emit
from core.infra import db


def _engine(args: argparse.Namespace) -> Any:
    return db.make_engine(db.resolve_url(args.db), create_dirs=False)


def _read(path: str) -> dict[str, Any]:
    from core.infra import rule_versions

    p = Path(path)
    try:
        content = p.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read rules file {p}: {exc.strerror}") from None
    return rule_versions.overrides_from_bytes(content, p.name)


def _shown(value: Any) -> str:
    return "—" if value is None else json.dumps(value, ensure_ascii=False)


def _diff_text(diff: list[tuple[str, Any, Any]]) -> str:
    return "; ".join(f"{k}: {_shown(old)} → {_shown(new)}" for k, old, new in diff) or "(no change)"


def _summary(v: Any) -> str:
    return f"rules version {v.version_id} ({v.action} by {v.actor}, {v.created_at:%Y-%m-%d %H:%M:%S}): {_diff_text(v.diff)}"


def cmd_rules(args: argparse.Namespace) -> int:
    from core.infra import rule_versions
    from core.infra.rules import RulesError

    try:
        if args.action == "check":
            over = _read(args.target)
            print(f"ok: {args.target} passes every check ({len(rule_versions.flat(over))} key(s) overridden)")
            return EXIT_OK
        engine = _engine(args)
        if args.action in ("apply", "propose"):
            over = _read(args.target)
            store = rule_versions.apply if args.action == "apply" else rule_versions.propose
            v = store(engine, over, actor=args.by, note=args.note)
            print(
                _summary(v) + ("" if args.action == "apply" else " (proposed: not in force until approved)")
            )
            return EXIT_OK
        if args.action in ("approve", "restore"):
            n = _number(args.target)
            step = rule_versions.approve if args.action == "approve" else rule_versions.restore
            print(_summary(step(engine, n, actor=args.by, note=args.note)))
            return EXIT_OK
        if args.action == "show":
            n = _number(args.target)
            if n == 0:
                print(
                    f"rules version 0: the shipped defaults ({rule_versions.rules_of_version(None).data['version']})"
                )
                return EXIT_OK
            v = rule_versions.get(engine, n)
            emit(
                [
                    {
                        "version": v.version_id,
                        "created_at": f"{v.created_at:%Y-%m-%d %H:%M:%S}",
                        "actor": v.actor,
                        "action": v.action,
                        "source_version": v.source_version,
                        "note": v.note,
                        "diff": _diff_text(v.diff),
                        "overrides": json.dumps(v.overrides, ensure_ascii=False, sort_keys=True),
                    }
                ],
                args.format,
            )
            return EXIT_OK
        # list
        live = rule_versions.current(engine)
        pending = {v.version_id for v in rule_versions.pending_proposals(engine)}
        rows = [
            {
                "version": v.version_id,
                "created_at": f"{v.created_at:%Y-%m-%d %H:%M:%S}",
                "actor": v.actor,
                "action": v.action + (" (pending)" if v.version_id in pending else ""),
                "in_force": live is not None and v.version_id == live.version_id,
                "changes": len(v.diff),
                "note": v.note,
            }
            for v in rule_versions.versions(engine)
        ]
        if not rows:
            print("no stored rules version: the shipped defaults (version 0) are in force")
            return EXIT_OK
        emit(rows, args.format)
        return EXIT_OK
    except RulesError as exc:
        raise CliError(exc.en) from None


def _number(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise CliError(f"not a rules version number: {text!r}") from None
    if n < 0:
        raise CliError(f"not a rules version number: {text!r}")
    return n


def add_rules_command(sub: argparse._SubParsersAction[Any]) -> None:
    """``python -m core rules ACTION …``."""
    p = sub.add_parser(
        "rules",
        help="rule versions: check, apply, propose, approve, restore, list, show",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(p)
    p.add_argument("action", choices=("check", "apply", "propose", "approve", "restore", "list", "show"))
    p.add_argument("target", nargs="?", help="an override FILE (check/apply/propose) or a version N")
    p.add_argument("--by", metavar="NAME", help="who makes the change (apply/propose/approve/restore)")
    p.add_argument("--note", metavar="TEXT", help="why (kept with the version)")
    p.set_defaults(func=_checked)


def _checked(args: argparse.Namespace) -> int:
    needs_target = args.action not in ("list",)
    if needs_target and not args.target:
        raise CliError(
            f"rules {args.action} needs {'a FILE' if args.action in ('check', 'apply', 'propose') else 'a version N'}"
        )
    if args.action in ("apply", "propose", "approve", "restore") and not (args.by or "").strip():
        raise CliError(f"rules {args.action} needs --by NAME (who makes the change)")
    return cmd_rules(args)


__all__ = ["add_rules_command", "cmd_rules"]
