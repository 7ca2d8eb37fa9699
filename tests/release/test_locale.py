"""The Russian catalogue covers every translatable string and is compiled.

The first test runs ``makemessages`` on a copy of the package, so the
committed files are never touched; the others compare the committed
``django.po`` with the committed ``django.mo``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

import django_crm_messenger

ROOT = Path(__file__).resolve().parents[2]
# The source tree, not the installed package: under tox the package is an
# installed wheel, and the catalogue to check is the one in the repository.
SOURCE_DIR = ROOT / "src" / "django_crm_messenger"
CATALOGUE = SOURCE_DIR / "locale" / "ru" / "LC_MESSAGES"
PO_FILE = CATALOGUE / "django.po"
MO_FILE = CATALOGUE / "django.mo"

REGENERATE = (
    "Regenerate the catalogue: cd src/django_crm_messenger && "
    "django-admin makemessages -l ru, translate, then django-admin compilemessages."
)


def describe(entries: list[polib.POEntry]) -> str:
    lines = []
    for entry in entries[:30]:
        where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
        lines.append(f"  {entry.msgid!r} ({where})")
    if len(entries) > 30:
        lines.append(f"  … and {len(entries) - 30} more")
    return "\n".join(lines)


def incomplete_entries(catalogue: polib.POFile) -> dict[str, list[polib.POEntry]]:
    live = [entry for entry in catalogue if not entry.obsolete and entry.msgid]
    return {
        "untranslated": [entry for entry in live if not entry.translated() and not entry.fuzzy],
        "fuzzy": [entry for entry in live if entry.fuzzy],
    }


def require_catalogue() -> None:
    if not PO_FILE.exists():
        pytest.fail(f"{PO_FILE.relative_to(ROOT)} is missing. {REGENERATE}")


@pytest.fixture(scope="module")
def regenerated_po(tmp_path_factory) -> polib.POFile:
    """Run makemessages on a copy of the package and return the merged catalogue."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.skip("gettext (xgettext, msgmerge) is not installed")
    require_catalogue()

    copy = tmp_path_factory.mktemp("makemessages") / "django_crm_messenger"
    shutil.copytree(
        SOURCE_DIR,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"),
    )
    # makemessages needs no settings module; it merges the new strings into
    # the copied django.po the way a developer's run would.
    result = subprocess.run(
        # -P keeps the copied package's own modules (utils, signals, …) off
        # sys.path, where they would shadow top-level imports.
        [sys.executable, "-P", "-m", "django", "makemessages", "--locale", "ru", "--no-wrap"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr

    return polib.pofile(str(copy / "locale" / "ru" / "LC_MESSAGES" / "django.po"))


def test_makemessages_finds_strings(regenerated_po):
    live = [entry for entry in regenerated_po if not entry.obsolete and entry.msgid]

    # The app's own verbose name is always marked; an empty result means
    # makemessages looked in the wrong place.
    assert any(entry.msgid == "Messenger" for entry in live)


def test_every_string_translated(regenerated_po):
    problems = incomplete_entries(regenerated_po)

    assert not problems["untranslated"], (
        f"{len(problems['untranslated'])} strings are missing or untranslated in "
        f"{PO_FILE.relative_to(ROOT)}:\n{describe(problems['untranslated'])}\n{REGENERATE}"
    )


def test_no_fuzzy_translations(regenerated_po):
    problems = incomplete_entries(regenerated_po)

    assert not problems["fuzzy"], (
        f"{len(problems['fuzzy'])} translations are fuzzy (guessed by msgmerge) in "
        f"{PO_FILE.relative_to(ROOT)}:\n{describe(problems['fuzzy'])}\n"
        "Check each one and remove its fuzzy flag."
    )


def test_committed_catalogue_complete():
    require_catalogue()
    problems = incomplete_entries(polib.pofile(str(PO_FILE)))

    assert not problems["untranslated"], describe(problems["untranslated"])
    assert not problems["fuzzy"], describe(problems["fuzzy"])


def test_catalogue_plural_forms_russian():
    require_catalogue()
    header = polib.pofile(str(PO_FILE)).metadata.get("Plural-Forms", "")

    assert header.startswith("nplurals=4;") or header.startswith("nplurals=3;"), header


def test_mo_matches_po():
    require_catalogue()
    if not MO_FILE.exists():
        pytest.fail(f"{MO_FILE.relative_to(ROOT)} is missing. {REGENERATE}")

    po = polib.pofile(str(PO_FILE))
    mo = polib.mofile(str(MO_FILE))
    expected = {
        (entry.msgctxt, entry.msgid): entry.msgstr or dict(entry.msgstr_plural)
        for entry in po.translated_entries()
    }
    compiled = {
        (entry.msgctxt, entry.msgid): entry.msgstr or dict(entry.msgstr_plural)
        for entry in mo
        if entry.msgid
    }

    assert compiled == expected, f"django.mo is older than django.po. {REGENERATE}"


def test_mo_shipped_in_installed_package():
    # Under tox the package is an installed wheel: its catalogue must be there
    # without anyone running compilemessages.
    installed = Path(django_crm_messenger.__file__).parent
    mo = installed / "locale" / "ru" / "LC_MESSAGES" / "django.mo"

    assert mo.exists(), f"{mo} is missing from the installed package"
