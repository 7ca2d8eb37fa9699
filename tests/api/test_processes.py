"""Two server processes share sessions, rate limits and poll state through Redis.

Each server is ``manage.py runserver`` in its own process on 127.0.0.1, using
the test database (committed data, hence the transactional database) and the
test Redis database.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from django_crm_messenger.models import Conversation, Message
from django_crm_messenger.services.inboxes import regenerate_widget_token
from django_crm_messenger.services.messages import send_operator_message

from .conftest import requires_redis

pytestmark = [pytest.mark.slow, requires_redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP_LIMIT = 6
SERVER_SETTINGS = f"""
from tests.settings import *  # noqa: F403

# An hourly window, so that the limit cannot reset in the middle of the test.
MESSENGER_THROTTLE_RATES = {{"bootstrap_ip": "{BOOTSTRAP_LIMIT}/hour"}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Server:
    def __init__(self, settings_dir: Path):
        self.port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "process_test_settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.CACHES["default"]["LOCATION"],
            "PYTHONPATH": os.pathsep.join([str(settings_dir), str(ROOT)]),
        }
        self.log = open(settings_dir / f"server-{self.port}.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server on port {self.port} exited; see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server on port {self.port} did not start within {timeout} s")

    def post(self, endpoint: str, data: dict) -> tuple[int, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(
                "POST",
                f"/api/widget/{endpoint}/",
                body=json.dumps(data),
                headers={"Content-Type": "application/json"},
            )
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def servers(tmp_path, transactional_db):
    (tmp_path / "process_test_settings.py").write_text(SERVER_SETTINGS)
    started = [Server(tmp_path), Server(tmp_path)]
    try:
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()


def test_two_processes_share_state(servers, inbox, operator_a):
    first, second = servers
    widget_token = inbox.widget_token

    status, started = first.post("bootstrap", {"widget_token": widget_token})
    assert status == 200
    session = {
        "widget_token": widget_token,
        "widget_session_token": started["widget_session_token"],
    }

    status, sent = second.post("send", {**session, "body": "Привет", "client_message_id": "p1"})
    assert status == 201
    message_id = sent["message"]["id"]
    assert Message.objects.filter(pk=message_id, body="Привет").exists()

    status, polled = first.post("poll", {**session, "after": 0})
    assert status == 200
    assert [m["id"] for m in polled["messages"]] == [message_id]
    status, idle = second.post("poll", {**session, "after": message_id})
    assert (status, idle["messages"]) == (200, [])

    # A reply written by a third process (this one) reaches both servers' polls.
    conversation = Conversation.objects.get(pk=started["conversation"]["id"])
    reply = send_operator_message(conversation, operator_a, "Здравствуйте!")
    for server in servers:
        status, polled = server.post("poll", {**session, "after": message_id})
        assert [m["id"] for m in polled["messages"]] == [reply.pk]

    # The repeat is recognised whichever process gets it.
    status, repeat = first.post("send", {**session, "body": "Привет", "client_message_id": "p1"})
    assert (status, repeat["message"]["id"]) == (200, message_id)


def test_two_processes_share_rate_limit_and_invalidation(servers, inbox):
    first, second = servers
    widget_token = inbox.widget_token

    statuses = [
        servers[number % 2].post("bootstrap", {"widget_token": widget_token})
        for number in range(BOOTSTRAP_LIMIT)
    ]
    assert [status for status, _ in statuses] == [200] * BOOTSTRAP_LIMIT
    assert first.post("bootstrap", {"widget_token": widget_token})[0] == 429
    assert second.post("bootstrap", {"widget_token": widget_token})[0] == 429

    session_token = statuses[0][1]["widget_session_token"]
    regenerate_widget_token(inbox)
    for server in servers:
        status, _ = server.post(
            "poll", {"widget_token": inbox.widget_token, "widget_session_token": session_token}
        )
        assert status == 401
