"""One test per row of the error table of the public widget API, against real Redis."""

import pytest
from django.test import override_settings

from django_crm_messenger.models import Conversation, Message
from django_crm_messenger.services.inboxes import set_inbox_active

from ..conftest import WidgetClient
from .conftest import requires_redis, start_visitor

pytestmark = [pytest.mark.django_db, requires_redis]

ENDPOINTS = ["bootstrap", "send", "poll"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_malformed_json_400(widget, endpoint):
    response = widget.client.post(
        f"/api/widget/{endpoint}/",
        data='{"widget_token": ',
        content_type="application/json",
        HTTP_ORIGIN="https://shop.example.com",
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON."}


@pytest.mark.parametrize("body", ["[]", '"text"', "42", "null"])
def test_non_object_json_400(widget, body):
    response = widget.client.post("/api/widget/poll/", data=body, content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_missing_widget_token_400(widget, endpoint):
    response = widget.post(endpoint, {})

    assert response.status_code == 400
    assert response.json() == {"widget_token": ["This field is required."]}


def test_missing_body_400(visitor):
    response = visitor.client.post("send", visitor.body())

    assert response.status_code == 400
    assert response.json() == {"body": ["This field is required."]}


@pytest.mark.parametrize("body", ["", "   ", "\n\t\r\n"])
def test_empty_or_whitespace_body_400(visitor, body):
    response = visitor.send(body)

    assert response.status_code == 400
    assert list(response.json()) == ["body"]
    assert Message.objects.count() == 0


def test_body_over_maximum_400(visitor):
    response = visitor.send("я" * 4001)

    assert response.status_code == 400
    assert response.json() == {
        "body": ["The message is 4001 characters long; the maximum is 4000."]
    }
    assert Message.objects.count() == 0


def test_invalid_field_400(visitor):
    response = visitor.poll(after="yesterday")

    assert response.status_code == 400
    assert response.json() == {"after": ["A valid integer is required."]}


@pytest.mark.parametrize("endpoint", ["send", "poll"])
def test_missing_session_token_401(widget, inbox, endpoint):
    response = widget.post(endpoint, {"widget_token": inbox.widget_token, "body": "Hi"})

    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize("endpoint", ["send", "poll"])
def test_unknown_session_token_401(widget, inbox, endpoint):
    body = {"widget_token": inbox.widget_token, "widget_session_token": "1.unknown", "body": "Hi"}

    assert widget.post(endpoint, body).status_code == 401


def test_expired_session_token_401(inbox, visitor):
    with override_settings(MESSENGER_SESSION_TTL=1):
        short = start_visitor(inbox)
    from django_crm_messenger.state import get_cache
    from django_crm_messenger.utils import session_cache_key

    # Let Redis expire the key the way it would after the session's lifetime.
    get_cache().expire(session_cache_key(short.token), 0)

    assert short.poll().status_code == 401
    assert visitor.poll().status_code == 200


def test_session_of_another_inbox_401(visitor, inbox_b):
    inbox_b.allowed_sites = ["https://shop.example.com"]
    inbox_b.save()

    response = visitor.client.post(
        "send",
        {"widget_token": inbox_b.widget_token, "widget_session_token": visitor.token, "body": "Hi"},
    )

    assert response.status_code == 401
    assert Message.objects.count() == 0


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_foreign_origin_403(visitor, endpoint):
    client = WidgetClient(origin="https://evil.example.net")

    response = client.post(endpoint, visitor.body(body="Hi"))

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    assert Message.objects.count() == 0


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unknown_widget_token_404(widget, endpoint):
    response = widget.post(endpoint, {"widget_token": "nope", "widget_session_token": "x"})

    assert response.status_code == 404
    assert "detail" in response.json()


def test_inactive_widget_token_404(widget, inbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_inbox_active(inbox, False)

    assert widget.bootstrap(inbox).status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_disabled_404_exact_body(widget, inbox, endpoint):
    with override_settings(MESSENGER_ENABLED=False):
        response = widget.post(endpoint, {"widget_token": inbox.widget_token})

    assert response.status_code == 404
    assert response.json() == {"detail": "Messenger disabled"}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_body_over_size_limit_413(visitor, endpoint):
    with override_settings(MESSENGER_MAX_REQUEST_BYTES=1024):
        response = visitor.client.post(endpoint, visitor.body(body="x" * 2000))

    assert response.status_code == 413
    assert "detail" in response.json()
    assert Message.objects.count() == 0


def test_body_size_limit_allows_long_message(visitor):
    response = visitor.send("ж" * 4000)

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("endpoint", "scope"),
    [("bootstrap", "bootstrap_ip"), ("send", "widget_ip"), ("poll", "widget_ip")],
)
def test_rate_limit_429_with_retry_after(visitor, endpoint, scope):
    # A fresh address, because the fixture's bootstrap already counted.
    address = {"REMOTE_ADDR": "192.0.2.10"}
    with override_settings(MESSENGER_THROTTLE_RATES={scope: "2/min"}):
        statuses = [
            visitor.client.post(endpoint, visitor.body(body="Hi"), **address).status_code
            for _ in range(2)
        ]
        limited = visitor.client.post(endpoint, visitor.body(body="Hi"), **address)

    assert 429 not in statuses
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert "detail" in limited.json()


def test_no_error_stores_anything(widget, inbox):
    before = (Conversation.objects.count(), Message.objects.count())
    widget.post("send", {"widget_token": inbox.widget_token, "body": "x"})
    widget.post("bootstrap", {"widget_token": inbox.widget_token, "contact": {"email": "bad"}})

    assert (Conversation.objects.count(), Message.objects.count()) == before
