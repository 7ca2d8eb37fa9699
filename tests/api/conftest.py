"""Helpers for the widget API tests, which run against the real PostgreSQL and Redis."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from ..conftest import WidgetClient

HIGH_RATES = {
    "bootstrap_ip": "1000000/min",
    "bootstrap_inbox": "1000000/min",
    "widget_ip": "1000000/min",
    "widget_inbox": "1000000/min",
    "config_ip": "1000000/min",
}
UNUSED_REDIS_PORT = 6390


def uses_redis() -> bool:
    return settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"


requires_redis = pytest.mark.skipif(
    not uses_redis(), reason="needs REDIS_URL (scripts/test sets it)"
)


def dead_cache_settings() -> dict[str, Any]:
    """CACHES pointing at a port where nothing listens, with short timeouts."""
    with socket.socket() as probe:
        probe.settimeout(0.2)
        if probe.connect_ex(("127.0.0.1", UNUSED_REDIS_PORT)) == 0:
            pytest.fail(f"Port {UNUSED_REDIS_PORT} is in use; the fault tests need it unused.")
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{UNUSED_REDIS_PORT}/0",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }


@pytest.fixture
def high_rates():
    with override_settings(MESSENGER_THROTTLE_RATES=HIGH_RATES):
        yield


@pytest.fixture
def raw_redis():
    """The test Redis database itself, for looking at what the cache stores."""
    if not uses_redis():
        pytest.skip("needs REDIS_URL (scripts/test sets it)")
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def post_json(client: WidgetClient, endpoint: str, data: Any, **headers: Any):
    """POST ``data`` as ASCII-escaped JSON, which can carry lone surrogates as ``\\ud800``."""
    if client.origin and "HTTP_ORIGIN" not in headers:
        headers["HTTP_ORIGIN"] = client.origin
    return client.client.post(
        f"/api/widget/{endpoint}/",
        data=json.dumps(data),
        content_type="application/json",
        **headers,
    )


class Visitor:
    """One widget session: a client, its inbox and its session token."""

    def __init__(self, client: WidgetClient, inbox: Any, token: str, conversation_id: int):
        self.client = client
        self.inbox = inbox
        self.token = token
        self.conversation_id = conversation_id

    def body(self, **data: Any) -> dict[str, Any]:
        return {
            "widget_token": self.inbox.widget_token,
            "widget_session_token": self.token,
            **data,
        }

    def send(self, body: str, **data: Any):
        return post_json(self.client, "send", self.body(body=body, **data))

    def poll(self, after: int = 0, **data: Any):
        return self.client.post("poll", self.body(after=after, **data))


def start_visitor(inbox: Any, client: WidgetClient | None = None, **data: Any) -> Visitor:
    client = client or WidgetClient()
    response = client.bootstrap(inbox, **data)
    assert response.status_code == 200, response.content
    payload = response.json()
    return Visitor(client, inbox, payload["widget_session_token"], payload["conversation"]["id"])


@pytest.fixture
def visitor(inbox) -> Visitor:
    return start_visitor(inbox)
