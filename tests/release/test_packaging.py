"""The built wheel works on its own in a new project.

The test builds the wheel, installs it into a new virtual environment next
to a throwaway Django project, runs ``migrate`` and ``collectstatic``, starts
the project's server and fetches the widget script and a page in Russian.
Nobody runs ``compilemessages``: the Russian text must come from the ``.mo``
file inside the wheel.
"""

from __future__ import annotations

import http.client
import importlib.metadata
import os
import re
import socket
import subprocess
import sys
import time
import uuid
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import django_crm_messenger

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "django_crm_messenger"
# Django and DRF are the package's only run-time dependencies; the others
# are what the throwaway settings use to reach PostgreSQL.
RUNTIME_DISTRIBUTIONS = [
    "Django",
    "djangorestframework",
    "dj-database-url",
    "psycopg",
    "psycopg-binary",
]

pytestmark = pytest.mark.slow

PROJECT_SETTINGS = """
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "throwaway-project"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_crm_messenger",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "throwaway_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
if os.environ.get("THROWAWAY_DATABASE_URL"):
    import dj_database_url
    DATABASES = {"default": dj_database_url.parse(os.environ["THROWAWAY_DATABASE_URL"])}
else:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
    }
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Russian")]
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
MESSENGER_ENABLED = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
"""

# Static files are served from STATIC_ROOT, as a production web server would
# serve them, so the test sees what collectstatic copied.
PROJECT_URLS = """
from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("", include("django_crm_messenger.urls")),
    re_path(r"^static/(?P<path>.*)$", serve, {"document_root": settings.STATIC_ROOT}),
]
"""

LOGIN_SCRIPT = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore

user = get_user_model().objects.create_superuser("admin", "admin@example.com", "admin-password")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


def requirement_closure(names: list[str]) -> dict[str, importlib.metadata.Distribution]:
    """Return the installed distributions named, with everything they require."""
    found: dict[str, importlib.metadata.Distribution] = {}
    pending = list(names)
    while pending:
        name = canonicalize_name(pending.pop())
        if name in found:
            continue
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        found[name] = distribution
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return found


def link_distributions(
    distributions: dict[str, importlib.metadata.Distribution], site_packages: Path
) -> None:
    """Link each distribution's top-level packages and metadata into site_packages."""
    for distribution in distributions.values():
        top_levels = {Path(str(file)).parts[0] for file in distribution.files or []}
        for top_level in top_levels:
            if top_level in ("..", "__pycache__") or top_level.endswith(".pth"):
                continue
            source = Path(str(distribution.locate_file(top_level)))
            target = site_packages / top_level
            if source.exists() and not target.exists():
                target.symlink_to(source)


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel from the source tree, without build isolation."""
    out = tmp_path_factory.mktemp("dist")
    run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), "."],
        cwd=ROOT,
    )
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def database_url() -> Iterator[str | None]:
    """Create a PostgreSQL database of its own when the suite runs on PostgreSQL."""
    base_url = os.environ.get("DATABASE_URL")
    if not base_url or not base_url.startswith(("postgres://", "postgresql://")):
        yield None
        return

    import psycopg

    name = f"{os.environ.get('MESSENGER_TEST_DB_NAME', 'messenger_test')}_wheel"
    with psycopg.connect(base_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield re.sub(r"/[^/]*$", f"/{name}", base_url)
    finally:
        with psycopg.connect(base_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def project(tmp_path_factory, wheel, database_url) -> dict:
    """Install the wheel into a new virtual environment and set up a project using it."""
    base = tmp_path_factory.mktemp("throwaway")
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)])

    # The run-time dependencies come from the running environment as
    # symbolic links, so the test needs no network. Only Django, DRF and
    # what the throwaway settings need for PostgreSQL are linked, so an
    # import of any other package fails here as it would for a user.
    site_packages = next((env_dir / "lib").glob("python3*/site-packages"))
    link_distributions(requirement_closure(RUNTIME_DISTRIBUTIONS), site_packages)

    project_dir = base / "project"
    project_dir.mkdir()
    (project_dir / "throwaway_settings.py").write_text(PROJECT_SETTINGS)
    (project_dir / "throwaway_urls.py").write_text(PROJECT_URLS)

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(project_dir),
        "DJANGO_SETTINGS_MODULE": "throwaway_settings",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if database_url:
        env["THROWAWAY_DATABASE_URL"] = database_url

    return {"python": python, "dir": project_dir, "env": env, "site_packages": site_packages}


def manage(project: dict, *args: str) -> subprocess.CompletedProcess[str]:
    return run(
        [str(project["python"]), "-P", "-m", "django", *args],
        cwd=project["dir"],
        env=project["env"],
    )


@pytest.fixture(scope="module")
def server(project) -> Iterator[dict]:
    """Migrate, collect static files, log a user in and start the server."""
    manage(project, "migrate", "--noinput")
    manage(project, "collectstatic", "--noinput")
    session_key = (
        manage(project, "shell", "--command", LOGIN_SCRIPT).stdout.strip().splitlines()[-1]
    )

    port = free_port()
    log_path = project["dir"] / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            str(project["python"]),
            "-P",
            "-m",
            "django",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--nothreading",
        ],
        cwd=project["dir"],
        env=project["env"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"The throwaway server did not start:\n{log_path.read_text()}")
                time.sleep(0.2)
        yield {"port": port, "session_key": session_key, "log": log_path}
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())

    assert f"{PACKAGE}/__init__.py" in names
    assert f"{PACKAGE}/py.typed" in names
    assert f"{PACKAGE}/locale/ru/LC_MESSAGES/django.mo" in names
    assert f"{PACKAGE}/static/messenger/widget.js" in names
    assert f"{PACKAGE}/templates/messenger/base.html" in names
    assert any(name.startswith(f"{PACKAGE}/migrations/0001_") for name in names)
    assert not any(name.startswith("tests/") for name in names)
    assert not any("__pycache__" in name for name in names)


def test_wheel_version_single_sourced(wheel):
    assert wheel.name.startswith(f"django_crm_messenger-{django_crm_messenger.__version__}-")


def test_wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (metadata_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(metadata_name).decode()

    assert "requires-dist: django<6.2,>=5.2" in metadata.lower()
    assert "Classifier: Framework :: Django :: 5.2" in metadata
    assert "Classifier: Programming Language :: Python :: 3.13" in metadata
    assert "Description-Content-Type: text/markdown" in metadata


def test_project_imports_installed_wheel(project):
    result = run(
        [str(project["python"]), "-P", "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"],
        env=project["env"],
        cwd=project["dir"],
    )

    assert result.stdout.strip().startswith(str(project["site_packages"]))


def test_project_has_only_runtime_dependencies(project):
    # Test-only packages must stay out of the throwaway environment, or a
    # hidden import of one of them would go unnoticed.
    for module in ("django_redis", "pytest", "drf_spectacular"):
        result = subprocess.run(
            [str(project["python"]), "-P", "-c", f"import {module}"],
            env=project["env"],
            cwd=project["dir"],
            capture_output=True,
            check=False,
        )

        assert result.returncode != 0, f"{module} is importable in the throwaway environment"


def test_widget_script_served(server):
    status, headers, body = fetch(server["port"], "/static/messenger/widget.js")

    assert status == 200
    assert "javascript" in headers.get("Content-Type", "")
    assert "data-widget-token" in body or "widgetToken" in body


def test_conversations_page_in_russian(server):
    status, _, body = fetch(
        server["port"],
        "/messenger/conversations/",
        Cookie=f"sessionid={server['session_key']}",
        **{"Accept-Language": "ru"},
    )

    assert status == 200
    assert '<html lang="ru"' in body
    assert "Диалоги" in body


def test_conversations_page_in_english(server):
    status, _, body = fetch(
        server["port"],
        "/messenger/conversations/",
        Cookie=f"sessionid={server['session_key']}",
        **{"Accept-Language": "en"},
    )

    assert status == 200
    assert "Conversations" in body


def test_widget_api_detail_in_russian(server):
    connection = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=10)
    try:
        connection.request(
            "POST",
            "/api/widget/bootstrap/",
            body=f'{{"widget_token": "{uuid.uuid4().hex}"}}',
            headers={"Content-Type": "application/json", "Accept-Language": "ru"},
        )
        response = connection.getresponse()
        body = response.read().decode()
    finally:
        connection.close()

    assert response.status == 404, f"{body}\n{server['log'].read_text()[-3000:]}"
    # The detail is in Russian: it contains Cyrillic letters.
    assert re.search("[а-яё]", body, re.IGNORECASE), body
