"""Mapping files: presets and examples load, are documented, and mistakes are refused by name."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from core.ingest import IngestError
from core.ingest.mapping import MAPPINGS_DIR, load_mapping
from core.ingest.numbers import normalise_number


@pytest.mark.parametrize("path", sorted(MAPPINGS_DIR.glob("*.toml")), ids=lambda p: p.name)
def test_every_mapping_file_loads_and_is_documented(path: Path) -> None:
    fmt = (
        tomllib.loads(path.read_text(encoding="utf-8")).get("format")
        or {
            "asterisk.toml": "asterisk",
            "freeswitch.toml": "freeswitch",
            "vicidial.toml": "vicidial",
            "canonical.toml": "canonical",
        }[path.name]
    )
    load_mapping(fmt, path)
    assert f"`{path.name}`" in (MAPPINGS_DIR / "README.md").read_text(encoding="utf-8")


def test_unknown_key_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "m.toml"
    bad.write_text('[agent]\ncolum = "channel"\n', encoding="utf-8")
    with pytest.raises(IngestError, match=r"unknown keys in \[agent\]: colum"):
        load_mapping("asterisk", bad)


def test_mapping_for_another_format_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "m.toml"
    other.write_text('format = "vicidial"\n', encoding="utf-8")
    with pytest.raises(IngestError, match="is for --format vicidial, not freeswitch"):
        load_mapping("freeswitch", other)


def test_status_table_values_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "m.toml"
    bad.write_text('[statuses]\nXYZ = "won"\n', encoding="utf-8")
    with pytest.raises(IngestError, match="got won"):
        load_mapping("vicidial", bad)


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        ("+86 100 0000 0012", "10000000012"),
        ("0086-100-0000-0012", "10000000012"),
        ("8610000000012", "10000000012"),
        ("(010) 0000-0012", "1000000012"),
        ("010.0000.0012", "1000000012"),
        ("+1 202 555 0142", "12025550142"),
        ("  anonymous ", None),
        ("", None),
        ("12ab", None),
    ],
)
def test_normalisation(written: str, digits: str | None) -> None:
    assert normalise_number(written) == digits


def test_strip_prefix_only_before_a_whole_number() -> None:
    assert normalise_number("910000000012", ["9"]) == "10000000012"
    assert normalise_number("95000", ["9"]) == "95000"  # too short to carry a dial prefix


def test_salt_created_once_private_and_reused(tmp_path: Path) -> None:
    """The first import creates the salt (owner-only); later ones reuse it; a damaged one stops."""
    from core.ingest.numbers import customer_id, load_salt

    path = tmp_path / "data" / "salt"
    first = load_salt(path)
    assert len(first) == 32 and (path.stat().st_mode & 0o777) == 0o600
    assert load_salt(path) == first
    assert customer_id("+86 100 0000 0012", first) == customer_id("100-0000-0012", first)
    assert customer_id("+86 100 0000 0012", first) != customer_id("+86 100 0000 0012", bytes(32))
    path.write_text("not a salt\n")
    with pytest.raises(IngestError, match=r"salt file .* is damaged"):
        load_salt(path)
    with pytest.raises(IngestError, match="does not exist"):
        load_salt(tmp_path / "none", create=False)


def test_salt_is_git_ignored() -> None:
    ignored = (Path(__file__).resolve().parents[2] / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "data/salt" in ignored
