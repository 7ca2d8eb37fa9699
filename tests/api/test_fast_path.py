"""The fast path for plainly valid polls and sends, with and without its middleware.

The rest of the widget API's tests run through the middleware (see
tests/settings.py), so they pin that every response keeps its documented
shape. These tests pin what is particular to the fast path: its responses
match the DRF views', each request is counted once, and every unusual
request reaches the DRF view.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIRequestFactory

from django_crm_messenger import state
from django_crm_messenger.api.widget.views import PollView, SendView
from django_crm_messenger.models import Conversation, Message
from django_crm_messenger.services.messages import send_operator_message

from .conftest import requires_redis, start_visitor

pytestmark = pytest.mark.django_db

ORIGIN = "https://shop.example.com"
WITHOUT_MIDDLEWARE = [
    name
    for name in settings.MIDDLEWARE
    if name != "django_crm_messenger.middleware.WidgetFastPathMiddleware"
]
COMPARED_HEADERS = (
    "Content-Type",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "Cache-Control",
    "Allow",
)


def full_view_response(view: Any, data: dict[str, Any]):
    """Call a DRF view directly, as the URL did before the fast path existed."""
    request = APIRequestFactory().post(
        "/api/widget/", json.dumps(data), content_type="application/json", HTTP_ORIGIN=ORIGIN
    )
    return view.as_view()(request)


def headers_of(response) -> dict[str, str | None]:
    found = {name: response.get(name) for name in COMPARED_HEADERS}
    found["Vary"] = ", ".join(sorted(part.strip() for part in response.get("Vary", "").split(",")))
    return found


def test_idle_poll_matches_drf_view(inbox):
    visitor = start_visitor(inbox)
    last = visitor.send("Hello").json()["message"]["id"]
    visitor.poll(after=last)

    fast = visitor.poll(after=last)
    full = full_view_response(PollView, visitor.body(after=last))
    full.render()

    assert fast.status_code == full.status_code == 200
    assert fast.content == full.content
    # The middleware after the fast path would add Vary: Cookie and
    # Accept-Language; the fast response has only what the DRF view sets itself.
    assert headers_of(fast)["Access-Control-Allow-Origin"] == ORIGIN
    for name in COMPARED_HEADERS:
        assert fast.get(name) == full.get(name), name
    assert "Origin" in fast["Vary"]
    # The middleware responds before CommonMiddleware, which would set it.
    assert fast["Content-Length"] == str(len(fast.content))


def test_new_message_poll_matches_drf_view(inbox, operator_a):
    visitor = start_visitor(inbox)
    first = visitor.send("Hello").json()["message"]["id"]
    conversation = Conversation.objects.get(pk=visitor.conversation_id)
    send_operator_message(conversation, operator_a, "Hi <b>there</b>\u2028!")
    visitor.poll(after=first)

    fast = visitor.poll(after=first)
    full = full_view_response(PollView, visitor.body(after=first))
    full.render()

    assert fast.content == full.content
    assert [message["body"] for message in fast.json()["messages"]] == ["Hi <b>there</b>\u2028!"]


def test_send_matches_drf_shape(inbox):
    visitor = start_visitor(inbox)

    fast = visitor.send("Первое сообщение", client_message_id="one")
    full = full_view_response(
        SendView, visitor.body(body="Второе сообщение", client_message_id="two")
    )
    full.render()

    assert fast.status_code == full.status_code == 201
    assert fast.json()["message"].keys() == json.loads(full.content)["message"].keys()
    for name in COMPARED_HEADERS:
        assert fast.get(name) == full.get(name), name


@requires_redis
@pytest.mark.parametrize("middleware", [True, False], ids=["middleware", "view only"])
def test_requests_counted_once(inbox, raw_redis, middleware):
    visitor = start_visitor(inbox)
    stack = settings.MIDDLEWARE if middleware else WITHOUT_MIDDLEWARE
    with override_settings(MIDDLEWARE=stack, MESSENGER_THROTTLE_RATES={"widget_ip": "3/min"}):
        statuses = [visitor.poll().status_code for _ in range(3)]
        # The fourth is over the limit: the fast path counts it and hands it
        # to the DRF view, which responds 429 from that count.
        throttled = visitor.poll()
        # Rate limits come before the origin check, so a foreign origin is
        # over the limit too.
        foreign = visitor.client.post("poll", visitor.body(), HTTP_ORIGIN="https://evil.example")

    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429
    assert throttled["Retry-After"]
    assert foreign.status_code == 429
    # Summed, because the minute may turn during the test.
    counted = sum(
        int(raw_redis.get(key)) for key in raw_redis.keys("*messenger:throttle:widget_ip:*")
    )
    assert counted == 5


@pytest.mark.parametrize("middleware", [True, False], ids=["middleware", "view only"])
def test_unusual_requests_get_drf_errors(inbox, middleware):
    visitor = start_visitor(inbox)
    stack = settings.MIDDLEWARE if middleware else WITHOUT_MIDDLEWARE
    with override_settings(MIDDLEWARE=stack):
        bad_after = visitor.poll(after=-1)
        no_session = visitor.client.post("poll", {"widget_token": inbox.widget_token})
        foreign = visitor.client.post("poll", visitor.body(), HTTP_ORIGIN="https://evil.example")
        blank = visitor.send("   ")
        honeypot = visitor.send("Hi", honeypot="filled")
        with override_settings(MESSENGER_ENABLED=False):
            disabled = visitor.poll()
        not_json = visitor.client.client.post(
            "/api/widget/poll/", "{", content_type="application/json", HTTP_ORIGIN=ORIGIN
        )

    assert bad_after.status_code == 400
    assert "after" in bad_after.json()
    assert no_session.status_code == 401
    assert foreign.status_code == 403
    assert blank.status_code == 400
    assert "body" in blank.json()
    assert honeypot.status_code == 201
    assert disabled.status_code == 404
    assert disabled.json() == {"detail": "Messenger disabled"}
    assert not_json.status_code == 400
    # The honeypot's response looks stored, but nothing was.
    assert Message.objects.filter(conversation_id=visitor.conversation_id).count() == 0


def test_repeated_send_returns_stored(inbox):
    visitor = start_visitor(inbox)

    first = visitor.send("Hello", client_message_id="same")
    second = visitor.send("Hello again", client_message_id="same")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["message"] == first.json()["message"]
    assert Message.objects.filter(conversation_id=visitor.conversation_id).count() == 1


def test_stale_state_rebuilt_by_drf(inbox, operator_a, django_assert_num_queries):
    visitor = start_visitor(inbox)
    last = visitor.send("Hello").json()["message"]["id"]
    conversation = Conversation.objects.get(pk=visitor.conversation_id)
    reply = send_operator_message(conversation, operator_a, "Hi!")

    # The reply gave the conversation a new version, so the cached state is
    # stale: the DRF view reads the conversation and the new message.
    with django_assert_num_queries(2):
        response = visitor.poll(after=last)

    assert [message["id"] for message in response.json()["messages"]] == [reply.pk]


@requires_redis
def test_counting_without_redis_scripts(inbox, raw_redis, monkeypatch):
    # Some hosted Redis services refuse EVAL; the pipeline gives the same counts.
    monkeypatch.setattr(state._ScriptSupport, "enabled", False)
    visitor = start_visitor(inbox)
    with override_settings(MESSENGER_THROTTLE_RATES={"widget_ip": "2/min"}):
        statuses = [visitor.poll().status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


@requires_redis
def test_flushed_script_cache_reloads(inbox, raw_redis):
    visitor = start_visitor(inbox)
    assert visitor.poll().status_code == 200

    raw_redis.script_flush()

    assert visitor.poll().status_code == 200


def test_middleware_without_messenger_urls(client):
    with override_settings(ROOT_URLCONF="tests.urls_without_messenger"):
        response = client.post("/api/widget/poll/", {}, content_type="application/json")

    assert response.status_code == 404


@pytest.mark.parametrize("middleware", [True, False], ids=["middleware", "view only"])
def test_plain_requests_skip_drf(inbox, monkeypatch, middleware):
    visitor = start_visitor(inbox)
    last = visitor.send("Hello").json()["message"]["id"]
    visitor.poll(after=last)

    def fail_if_called(*args: Any, **kwargs: Any):
        raise AssertionError("the DRF view was called")

    monkeypatch.setattr(PollView, "dispatch", fail_if_called)
    monkeypatch.setattr(SendView, "dispatch", fail_if_called)
    stack = settings.MIDDLEWARE if middleware else WITHOUT_MIDDLEWARE
    with override_settings(MIDDLEWARE=stack):
        idle = visitor.poll(after=last)
        sent = visitor.send("Again", client_message_id="again")
        # A poll whose cached state is stale needs the full view.
        state.bump_conversation(visitor.conversation_id)
        with pytest.raises(AssertionError):
            visitor.poll(after=last)

    assert idle.status_code == 200
    assert idle.json()["messages"] == []
    assert sent.status_code == 201


@pytest.fixture
def redis_client():
    import redis

    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


@requires_redis
def test_rejected_scripts_switch_to_pipeline(monkeypatch, redis_client):
    import redis

    # An account that may not run scripts, as some hosted Redis services set up.
    username = "messenger-test-no-scripts"
    redis_client.acl_setuser(
        username, enabled=True, nopass=True, keys=["*"], commands=["+@all", "-eval", "-evalsha"]
    )
    monkeypatch.setattr(state._ScriptSupport, "enabled", True)
    try:
        pool = redis_client.connection_pool
        restricted = redis.Redis(
            connection_pool=redis.ConnectionPool(**{**pool.connection_kwargs, "username": username})
        )
        result = state._run_script(restricted, ["messenger-test:count"], [1, 60])
    finally:
        redis_client.acl_deluser(username)

    assert result is None
    assert state._ScriptSupport.enabled is False


@requires_redis
def test_other_script_errors_are_raised(monkeypatch, redis_client):
    from redis.exceptions import ResponseError

    monkeypatch.setattr(state._ScriptSupport, "enabled", True)
    # A counter key that contains text makes INCR fail inside the script.
    redis_client.set("messenger-test:not-a-number", "text")

    with pytest.raises(ResponseError, match="not an integer"):
        state._run_script(redis_client, ["messenger-test:not-a-number"], [1, 60])
    assert state._ScriptSupport.enabled is True


@requires_redis
@pytest.mark.parametrize(
    "value", [0, 7, -3, 10**12, True, None, "12", "текст", {"id": 1}, [1, "a"]]
)
def test_decode_agrees_with_the_cache_backend(value):
    redis = state._redis_access(state.get_cache())
    assert redis is not None
    client = state.get_cache().client

    stored = redis.encode(value)
    raw = stored if isinstance(stored, bytes) else str(stored).encode()

    assert redis.decode is state._decode_int_or_pickle
    assert redis.decode(raw) == client.decode(raw) == value


class JSONSerializer:
    """A serializer that Django's RedisCache accepts in place of its pickle one."""

    def dumps(self, value: Any) -> bytes:
        return json.dumps(value).encode()

    def loads(self, raw: bytes) -> Any:
        return json.loads(raw)


@requires_redis
@pytest.mark.parametrize("serializer", [None, f"{__name__}.JSONSerializer"])
def test_django_redis_cache_decodes_with_its_serializer(serializer):
    from django.core.cache.backends.redis import RedisCache

    options = {"serializer": serializer} if serializer else {}
    cache = RedisCache(settings.CACHES["default"]["LOCATION"], {"OPTIONS": options})
    redis = state._redis_access(cache)
    assert redis is not None

    raw = redis.encode({"id": 1})

    assert redis.decode(raw) == {"id": 1}
    assert (redis.decode is state._decode_int_or_pickle) is (serializer is None)
