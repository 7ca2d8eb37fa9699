"""The supported versions agree across tox.ini, pyproject.toml and the README."""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path

import pytest

import django_crm_messenger

ROOT = Path(__file__).resolve().parents[2]


def tox_matrix() -> list[tuple[str, str]]:
    """Return (python, django) pairs of tox.ini's env_list, such as ("3.11", "5.2")."""
    config = configparser.ConfigParser()
    config.read(ROOT / "tox.ini")
    pairs = []
    for env in re.split(r"[,\s]+", config["tox"]["env_list"].strip()):
        match = re.fullmatch(r"py3(\d+)-django(\d)(\d)", env)
        assert match, f"tox env {env!r} is not of the form py3XX-djangoXY"
        pairs.append((f"3.{match[1]}", f"{match[2]}.{match[3]}"))
    return pairs


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_matrix_covers_three_django_versions():
    assert {django for _, django in tox_matrix()} == {"5.2", "6.0", "6.1"}


def test_classifiers_list_matrix(project):
    classifiers = set(project["classifiers"])

    for python, django in tox_matrix():
        assert f"Programming Language :: Python :: {python}" in classifiers
        assert f"Framework :: Django :: {django}" in classifiers


def test_classified_versions_tested(project):
    tested_django = {django for _, django in tox_matrix()}
    classified_django = {
        name.rsplit(" ", 1)[1]
        for name in project["classifiers"]
        if re.fullmatch(r"Framework :: Django :: \d+\.\d+", name)
    }

    assert classified_django == tested_django


def test_requires_python_allows_oldest_tested(project):
    oldest = min(tox_matrix(), key=lambda pair: tuple(map(int, pair[0].split("."))))[0]

    assert project["requires-python"] == f">={oldest}"


def test_readme_table_lists_django_versions():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    for _, django in tox_matrix():
        assert re.search(rf"^\| {re.escape(django)}\b", readme, re.MULTILINE), django


def test_version_single_sourced(project):
    assert "version" in project["dynamic"]
    assert "version" not in project
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?", django_crm_messenger.__version__)


def test_changelog_starts_with_unreleased():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", changelog, re.MULTILINE)

    assert headings[0] == "[Unreleased]"
    for heading in headings[1:]:
        assert re.fullmatch(r"\[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}", heading), heading
