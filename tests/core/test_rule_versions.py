"""Rule versions (issue 15): stored on every engine, who / when / diff / note, proposals that take
effect only when approved, restores that are new versions, a migrated override file.

Hand-worked: the defaults have caps.per_24h = 5 and risk.abandon.weight = 0.8 (rules.toml). Each
version holds a *complete* override (keys it does not name are the defaults), so approving a
proposal that names only the weight puts caps.per_24h back to 5.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.cli.parser import main
from core.infra import db, rule_versions
from core.infra.rules import RulesError, load_rules

T1, T2, T3, T4, T5 = (datetime(2026, 3, d, 9, 30, 0) for d in (1, 2, 3, 4, 5))


def test_versions_on_every_engine(any_kind: str, new_engine: Callable[..., sa.Engine]) -> None:
    """apply → refused nan (nothing stored) → propose → approve → restore 1 → restore 0."""
    engine = new_engine(any_kind, with_schema=False)
    assert rule_versions.versions(engine) == []
    assert rule_versions.rules_in_force(engine).version is None
    assert rule_versions.rules_in_force(engine).provenance()["id"] == "0"

    v1 = rule_versions.apply(engine, {"caps": {"per_24h": 4}}, actor="alice", note="tighter", at=T1)
    assert (v1.version_id, v1.action, v1.diff) == (1, "apply", [("caps.per_24h", 5, 4)])
    with pytest.raises(RulesError) as info:
        rule_versions.apply(engine, {"risk": {"abandon": {"weight": float("nan")}}}, actor="alice")
    assert "risk.abandon.weight" in info.value.en and "[0, 1]" in info.value.en
    with pytest.raises(RulesError):
        rule_versions.apply(engine, {"caps": {"per_24h": 3}}, actor="  ")  # nobody named
    assert [v.version_id for v in rule_versions.versions(engine)] == [1]

    live = rule_versions.rules_in_force(engine)
    assert (live.caps_per_24h, live.version, live.version_at) == (4, 1, T1)
    assert live.provenance() == {
        "id": "1",
        "at": "2026-03-01 09:30:00",
        "label": "v1 (2026-03-01 09:30:00)",
        "label_zh": "v1(2026-03-01 09:30:00)",
    }

    v2 = rule_versions.propose(engine, {"risk": {"abandon": {"weight": 0.5}}}, actor="carol", at=T2)
    assert v2.diff == [("caps.per_24h", 4, 5), ("risk.abandon.weight", 0.8, 0.5)]
    assert rule_versions.rules_in_force(engine).version == 1  # a proposal is not in force
    assert [p.version_id for p in rule_versions.pending_proposals(engine)] == [2]

    v3 = rule_versions.approve(engine, 2, actor="alice", at=T3)
    assert (v3.version_id, v3.action, v3.source_version, v3.note) == (3, "approve", 2, "proposed by carol")
    live = rule_versions.rules_in_force(engine)
    assert (live.version, live.caps_per_24h, live.get("risk.abandon.weight")) == (3, 5, 0.5)
    assert rule_versions.pending_proposals(engine) == []
    with pytest.raises(RulesError):
        rule_versions.approve(engine, 2, actor="alice")  # already approved
    with pytest.raises(RulesError):
        rule_versions.approve(engine, 1, actor="alice")  # not a proposal

    v4 = rule_versions.restore(engine, 1, actor="dave", note="back", at=T4)
    assert (v4.version_id, v4.source_version, v4.diff) == (
        4,
        1,
        [("caps.per_24h", 5, 4), ("risk.abandon.weight", 0.5, 0.8)],
    )
    assert rule_versions.rules_in_force(engine).data == load_rules_with_cap(4)

    rule_versions.restore(engine, 0, actor="dave", at=T5)
    back = rule_versions.rules_in_force(engine)
    assert (back.version, back.data) == (5, load_rules().data)
    stored = rule_versions.versions(engine)
    assert [(v.version_id, v.actor, v.action, v.created_at) for v in stored] == [
        (1, "alice", "apply", T1),
        (2, "carol", "propose", T2),
        (3, "alice", "approve", T3),
        (4, "dave", "restore", T4),
        (5, "dave", "restore", T5),
    ]
    assert stored[0].note == "tighter" and stored[0].overrides == {"caps": {"per_24h": 4}}


def load_rules_with_cap(cap: int) -> dict[str, object]:
    data = load_rules().data
    return {**data, "caps": {**data["caps"], "per_24h": cap}}


def test_a_former_override_file_becomes_version_1(tmp_path: Path) -> None:
    """data/rules.override.toml (the app's old store) moves into version 1 once and is renamed;
    a bad one stays where it is and its error names the key."""
    engine = db.make_engine(f"duckdb:///{tmp_path / 'm.duckdb'}")
    bad = tmp_path / "bad" / "rules.override.toml"
    bad.parent.mkdir()
    bad.write_text("[risk.abandon]\nweight = nan\n", encoding="utf-8")
    with pytest.raises(RulesError) as info:
        rule_versions.migrate_override_file(engine, bad)
    assert "risk.abandon.weight" in info.value.en and bad.exists()
    assert rule_versions.versions(engine) == []

    path = tmp_path / "rules.override.toml"
    path.write_text("[caps]\nper_5min = 2\n", encoding="utf-8")
    v = rule_versions.migrate_override_file(engine, path)
    assert v is not None and (v.version_id, v.action, v.actor, v.diff) == (
        1,
        "migrate",
        "migration",
        [("caps.per_5min", 3, 2)],
    )
    assert not path.exists() and (tmp_path / "rules.override.toml.migrated").exists()
    path.write_text("[caps]\nper_5min = 1\n", encoding="utf-8")
    assert rule_versions.migrate_override_file(engine, path) is None  # the store already has versions
    assert rule_versions.rules_in_force(engine).caps_per_5min == 2


def test_the_rules_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """rules apply / list / restore from the CLI; a refused file stores nothing and exits 2 in one line."""
    url = f"duckdb:///{tmp_path / 'c.duckdb'}"
    ok, bad = tmp_path / "ok.toml", tmp_path / "bad.toml"
    ok.write_text("[caps]\nper_24h = 4\n", encoding="utf-8")
    bad.write_text("[risk_bands]\nmedium = 80\ncritical = 30\n", encoding="utf-8")
    lines: list[str] = []
    assert main(["rules", "apply", str(bad), "--by", "alice", "--db", url], stderr=lines.append) == 2
    assert lines == [
        "error: rule risk_bands must satisfy 0 < medium < high < critical ≤ 100 (now 80 / 60 / 30)\n"
    ]
    assert main(["rules", "apply", str(ok), "--db", url], stderr=lines.append) == 2
    assert lines[-1] == "error: rules apply needs --by NAME (who makes the change)\n"
    assert main(["rules", "apply", str(ok), "--by", "alice", "--note", "n", "--db", url]) == 0
    assert "rules version 1 (apply by alice, " in capsys.readouterr().out
    assert main(["rules", "restore", "0", "--by", "bob", "--db", url]) == 0
    assert capsys.readouterr().out.endswith("): caps.per_24h: 4 → 5\n")
    assert main(["rules", "list", "--db", url, "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "version,created_at,actor,action,in_force,changes,note"
    assert [r.split(",")[2:] for r in out[1:]] == [
        ["alice", "apply", "False", "1", "n"],
        ["bob", "restore", "True", "1", ""],
    ]
    engine = db.make_engine(url)
    assert [v.version_id for v in rule_versions.versions(engine)] == [1, 2]
