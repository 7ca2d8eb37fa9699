import json
import os
import socket

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from django_crm_messenger.models import Inbox

pytestmark = pytest.mark.django_db


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unreachable_redis() -> dict:
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{unused_port()}/0",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }


def test_health_page_reports_everything(admin_client, inbox, inbox_b):
    Inbox.objects.filter(pk=inbox.pk).update(
        last_loaded_at=timezone.now(), last_loaded_origin="https://shop.example.com"
    )
    Inbox.objects.filter(pk=inbox_b.pk).update(is_active=False)

    response = admin_client.get(reverse("messenger:settings-health"))

    content = response.content.decode()
    report = response.context["report"]
    assert response.status_code == 200
    assert report.ok, report.problems
    assert report.enabled is True
    assert report.cache.reachable is True
    assert report.cache.shared is True
    assert report.cache.round_trip_ms is not None
    assert report.database.reachable is True
    assert report.active_inboxes == 1
    assert "django_redis.cache.RedisCache" in content
    assert "https://shop.example.com" in content
    assert "Never" in content
    assert "Everything works." in content


def test_health_json(admin_client, inbox):
    response = admin_client.get(reverse("messenger:settings-health-json"))

    data = response.json()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert data["ok"] is True
    assert data["enabled"] is True
    assert data["cache"]["reachable"] is True
    assert data["cache"]["shared"] is True
    assert isinstance(data["cache"]["round_trip_ms"], float)
    assert data["database"]["reachable"] is True
    assert data["active_inboxes"] == 1
    assert data["inboxes"][0]["id"] == inbox.pk
    assert data["inboxes"][0]["last_loaded_at"] is None
    assert inbox.widget_token not in response.content.decode()


def test_health_format_query_returns_json(admin_client, inbox):
    response = admin_client.get(reverse("messenger:settings-health"), {"format": "json"})

    assert response.json()["active_inboxes"] == 1


def test_health_cache_down_when_redis_unreachable(admin_client, inbox):
    # The login session lives in the database, so the page still opens.
    with override_settings(CACHES=unreachable_redis()):
        page = admin_client.get(reverse("messenger:settings-health"))
        json_response = admin_client.get(reverse("messenger:settings-health-json"))

    report = page.context["report"]
    assert page.status_code == 200
    assert report.cache.reachable is False
    assert report.cache.round_trip_ms is None
    assert "Connection" in report.cache.error or "Error" in report.cache.error
    assert report.ok is False
    assert "Not reachable" in page.content.decode()
    assert json_response.status_code == 503
    assert json_response.json()["cache"]["reachable"] is False
    assert json_response.json()["database"]["reachable"] is True


def test_health_warns_about_local_cache(admin_client, inbox):
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    with override_settings(CACHES=local):
        data = admin_client.get(reverse("messenger:settings-health-json")).json()

    assert data["cache"]["shared"] is False
    assert data["cache"]["reachable"] is True
    assert data["ok"] is False
    assert any(check["id"] == "messenger.W001" for check in data["checks"])


def test_health_local_cache_only_warning_in_debug(admin_client, inbox):
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    with override_settings(CACHES=local, DEBUG=True):
        data = admin_client.get(reverse("messenger:settings-health-json")).json()

    assert data["ok"] is True
    assert data["warnings"]


def test_health_no_active_inbox_is_warning(admin_client):
    data = admin_client.get(reverse("messenger:settings-health-json")).json()

    assert data["active_inboxes"] == 0
    assert data["ok"] is True
    assert any("no active inbox" in warning for warning in data["warnings"])


def test_health_query_count(admin_client, branch_a, django_assert_max_num_queries):
    for number in range(5):
        Inbox.objects.create(name=f"Inbox {number}", branch=branch_a)

    with django_assert_max_num_queries(4):
        admin_client.get(reverse("messenger:settings-health-json"))


def test_health_command_ok(inbox, capsys):
    call_command("messenger_health")

    out = capsys.readouterr().out
    assert "MESSENGER_ENABLED: on" in out
    assert "Active inboxes: 1" in out
    assert "round trip" in out
    assert "OK" in out


def test_health_command_json(inbox, capsys):
    call_command("messenger_health", "--json")

    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    assert data["inboxes"][0]["name"] == "Shop"


def test_health_command_fails_when_cache_down(inbox, capsys):
    with override_settings(CACHES=unreachable_redis()):
        with pytest.raises(CommandError) as error:
            call_command("messenger_health")

    assert error.value.returncode == 1
    assert "NOT reachable" in capsys.readouterr().out


def test_health_command_fails_when_disabled(inbox):
    with override_settings(MESSENGER_ENABLED=False):
        with pytest.raises(CommandError) as error:
            call_command("messenger_health")

    assert error.value.returncode == 1


def run_command(**env_overrides: str):
    import subprocess
    import sys

    from django.db import connection

    # The command runs in a new process against this test database; rows
    # made inside the test's transaction are invisible to it.
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    database_url = f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = dict(os.environ, DATABASE_URL=database_url, **env_overrides)
    command = [sys.executable, "-m", "django", "messenger_health", "--settings=tests.settings"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif("not os.environ.get('DATABASE_URL')")
def test_health_command_exit_status():
    result = run_command()

    assert result.returncode == 0, result.stderr
    assert "MESSENGER_ENABLED: on" in result.stdout


@pytest.mark.skipif("not os.environ.get('DATABASE_URL') or not os.environ.get('REDIS_URL')")
def test_health_command_exit_status_cache_down():
    result = run_command(REDIS_URL=f"redis://127.0.0.1:{unused_port()}/0")

    assert result.returncode == 1
    assert "NOT reachable" in result.stdout
    assert "PROBLEM" in result.stderr
