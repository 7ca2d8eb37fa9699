"""Developer tasks: `nox -s lint typecheck build`, `nox -s demo`, `nox -s browser`.

The full test matrix lives in tox.ini (`tox`, or `.ci/run` in CI); `scripts/test`
runs the suite once in the default environment.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).parent
# None: the interpreter nox itself runs on (3.11 or newer), so the sessions
# work without pyenv shims or a downloaded Python. mypy checks for 3.11
# whatever runs it (python_version in pyproject.toml).
DEFAULT_PYTHON = None

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "typecheck", "build"]
nox.options.error_on_missing_interpreters = True

# Tool versions are pinned, so a new linter release cannot fail an unchanged
# tree. Raise them on purpose.
RUFF = "ruff==0.17.5"
MYPY = ["mypy==2.4.1", "django-stubs[compatible-mypy]==6.1.2", "djangorestframework-stubs==3.18.1"]


def service_environment() -> dict[str, str]:
    """Return DATABASE_URL and REDIS_URL defaults for sessions that run Django."""
    return {
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        ),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
        "MESSENGER_TEST_DB_NAME": os.environ.get("MESSENGER_TEST_DB_NAME", "messenger_test_nox"),
    }


@nox.session(python=DEFAULT_PYTHON)
def lint(session: nox.Session) -> None:
    """Check style and common bugs with ruff (rules in pyproject.toml)."""
    session.install(RUFF)
    session.run("ruff", "check", "src", "tests", "example_project", "noxfile.py", *session.posargs)
    session.run("ruff", "format", "--check", "--diff", "src", "tests", "example_project")


@nox.session(python=DEFAULT_PYTHON)
def typecheck(session: nox.Session) -> None:
    """Type-check the package strictly with mypy, django-stubs and DRF stubs."""
    session.install("-e", ".[test]", *MYPY)
    # The django-stubs plugin imports tests.settings, which needs a database
    # setting but never connects while type-checking.
    session.run("mypy", *session.posargs, env={"MESSENGER_TEST_ALLOW_SQLITE": "1"})


@nox.session(python=DEFAULT_PYTHON)
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel into dist/ and check them with twine."""
    session.install("build>=1.2", "twine>=6")
    shutil.rmtree(ROOT / "dist", ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", "dist", str(ROOT))
    session.run("twine", "check", "--strict", *map(str, sorted((ROOT / "dist").iterdir())))


@nox.session(python=DEFAULT_PYTHON)
def demo(session: nox.Session) -> None:
    """Run the example CRM with demo data (the same as scripts/demo)."""
    session.run("bash", str(ROOT / "scripts" / "demo"), *session.posargs, external=True)


@nox.session(python=DEFAULT_PYTHON)
def browser(session: nox.Session) -> None:
    """Run only the tests that drive headless Chromium."""
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "browser", *session.posargs, env=service_environment())
