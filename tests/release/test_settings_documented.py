"""The configuration reference lists every setting the package reads, with its default."""

from __future__ import annotations

import ast
import re
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

import django_crm_messenger
from django_crm_messenger import conf

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "configuration.md"
PACKAGE_DIR = Path(django_crm_messenger.__file__).parent

# Code names a setting in a string, as getattr() and error messages do, or
# reads it as an attribute of settings. Module constants such as
# checks.MESSENGER_CHECKS match neither form.
SETTING_NAME = re.compile(r"""(?:settings\.|["'])(MESSENGER_[A-Z][A-Z0-9_]*)\b""")
TABLE_ROW = re.compile(r"^\|\s*`(?P<name>MESSENGER_[A-Z0-9_]+)`\s*\|(?P<default>[^|]*)\|")
THROTTLE_ROW = re.compile(r"^\|\s*`(?P<key>[a-z_]+)`\s*\|\s*`\"(?P<rate>[^\"]+)\"`\s*\|")


class DefaultsOnly(conf.MessengerSettings):
    """The package's settings object with every value at its default."""

    def _get(self, name: str, default: Any) -> Any:
        return default


def documented_settings() -> dict[str, str]:
    rows = {}
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        match = TABLE_ROW.match(line)
        if match:
            rows[match["name"]] = match["default"].strip()
    return rows


def settings_properties() -> set[str]:
    return {
        f"MESSENGER_{name}"
        for name, value in vars(conf.MessengerSettings).items()
        if isinstance(value, property | cached_property)
    }


def settings_named_in_code() -> dict[str, str]:
    """Map each MESSENGER_* name found in the package's Python code to one file naming it."""
    found = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for name in SETTING_NAME.findall(path.read_text(encoding="utf-8")):
            found.setdefault(name, str(path.relative_to(PACKAGE_DIR)))
    return found


def test_every_property_documented():
    missing = sorted(settings_properties() - documented_settings().keys())

    assert not missing, f"Add a row to docs/configuration.md for: {', '.join(missing)}"


def test_every_setting_in_code_documented():
    documented = documented_settings()
    missing = {
        name: path for name, path in settings_named_in_code().items() if name not in documented
    }

    assert not missing, f"Settings read in the code but not in docs/configuration.md: {missing}"


def test_every_documented_setting_exists():
    known = settings_properties() | settings_named_in_code().keys()
    stale = sorted(documented_settings().keys() - known)

    assert not stale, f"docs/configuration.md lists settings the code never reads: {stale}"


@pytest.mark.parametrize("name", sorted(settings_properties()))
def test_documented_default_matches_code(name):
    cell = documented_settings().get(name)
    if cell is None:
        pytest.fail(f"{name} has no row in docs/configuration.md")
    literal = re.match(r"`([^`]+)`", cell)
    if literal is None:
        pytest.skip(f"the default of {name} is described in words: {cell!r}")
    try:
        documented = ast.literal_eval(literal.group(1))
    except (ValueError, SyntaxError):
        pytest.skip(f"the default of {name} is not a Python literal: {literal.group(1)!r}")

    actual = getattr(DefaultsOnly(), name.removeprefix("MESSENGER_"))

    assert documented == actual, f"{name}: documented {documented!r}, code has {actual!r}"


def test_throttle_defaults_documented():
    text = REFERENCE.read_text(encoding="utf-8")
    documented = {
        match["key"]: match["rate"] for match in map(THROTTLE_ROW.match, text.splitlines()) if match
    }

    assert documented == conf.DEFAULT_THROTTLE_RATES


def test_reference_found_settings():
    # Guards the parsing above: a reformatted table must not make every
    # other test here pass on an empty list.
    assert len(documented_settings()) >= 10
    assert "MESSENGER_ENABLED" in documented_settings()
