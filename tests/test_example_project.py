"""The example CRM: a swapped branch model, clean migrations and repeatable demo data."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "example_project"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def example_env(tmp_path_factory):
    """Environment for manage.py on a database of its own, dropped afterwards."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env["MESSENGER_ENABLED"] = "1"
    env["PYTHONPATH"] = str(EXAMPLE)
    env.pop("REDIS_URL", None)

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        env["SQLITE_PATH"] = str(tmp_path_factory.mktemp("example") / "db.sqlite3")
        env.pop("DATABASE_URL", None)
        yield env
        return

    import psycopg

    name = f"messenger_example_{uuid.uuid4().hex[:8]}"
    base, _, _ = database_url.rpartition("/")
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"{base}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env, *args: str, code: str | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "manage.py", *args]
    if code is not None:
        command += ["-c", code]
    result = subprocess.run(
        command, cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def last_line(result: subprocess.CompletedProcess) -> str:
    # Django 6's shell may print a line about auto-imports before the output.
    return result.stdout.strip().splitlines()[-1]


def test_example_migrations_are_complete(example_env):
    result = manage(example_env, "makemigrations", "--check", "--dry-run")
    assert "No changes detected" in result.stdout


def test_example_demo_data_loads_twice(example_env):
    manage(example_env, "migrate", "--noinput", "-v", "0")
    first = manage(example_env, "load_demo_data")
    second = manage(example_env, "load_demo_data")
    assert "operator_moscow / moscow-demo-2026" in first.stdout
    assert first.stdout == second.stdout

    counts = manage(
        example_env,
        "shell",
        code=(
            "from crm.models import Branch, User\n"
            "from django_crm_messenger.models import Inbox, RoutingRule\n"
            "print(Branch.objects.count(), User.objects.count(), "
            "Inbox.objects.filter(is_active=True).count(), RoutingRule.objects.count())"
        ),
    )
    assert last_line(counts) == "2 3 2 1"


def test_example_swapped_branch_model(example_env):
    manage(example_env, "migrate", "--noinput", "-v", "0")
    manage(example_env, "load_demo_data")
    result = manage(
        example_env,
        "shell",
        code=(
            "from crm.models import Branch, User\n"
            "from django_crm_messenger.branches import get_branch_model\n"
            "from django_crm_messenger.models import Inbox\n"
            "from django_crm_messenger.selectors.conversations import visible_inboxes\n"
            "assert get_branch_model() is Branch\n"
            "assert Inbox._meta.get_field('branch').related_model is Branch\n"
            "moscow = User.objects.get(username='operator_moscow')\n"
            "names = sorted(inbox.branch.city for inbox in visible_inboxes(moscow))\n"
            "admin = User.objects.get(username='admin')\n"
            "print(names, len(visible_inboxes(admin)))"
        ),
    )
    assert last_line(result) == "['Москва'] 2"


def test_example_system_checks_pass(example_env):
    result = manage(example_env, "check")
    assert "no issues" in result.stdout
