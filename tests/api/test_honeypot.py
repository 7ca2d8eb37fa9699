import logging

import pytest

from django_crm_messenger.models import Contact, Conversation, Message
from django_crm_messenger.state import honeypot_count

from .conftest import start_visitor

pytestmark = pytest.mark.django_db


def counts():
    return Contact.objects.count(), Conversation.objects.count(), Message.objects.count()


@pytest.mark.parametrize("honeypot", ["http://spam.example", 1, True, {"a": 1}, ["x"]])
def test_bootstrap_honeypot_stores_nothing(widget, inbox, honeypot, caplog):
    with caplog.at_level(logging.WARNING, logger="django_crm_messenger"):
        response = widget.bootstrap(inbox, honeypot=honeypot, contact={"name": "Bot"})

    assert response.status_code == 200
    data = response.json()
    assert set(data) == {
        "widget_session_token",
        "expires_in",
        "conversation",
        "widget",
        "messages",
        "poll_interval_ms",
    }
    assert counts() == (0, 0, 0)
    assert honeypot_count() == 1
    assert "honeypot" in caplog.text


def test_decoy_session_keeps_answering(widget, inbox):
    decoy = widget.bootstrap(inbox, honeypot="filled").json()["widget_session_token"]
    body = {"widget_token": inbox.widget_token, "widget_session_token": decoy}

    sent = widget.post("send", {**body, "body": "Buy now", "client_message_id": "m1"})
    polled = widget.post("poll", {**body, "after": 0})
    resumed = widget.post("bootstrap", body)

    assert sent.status_code == 201
    assert set(sent.json()["message"]) == {
        "id",
        "sender",
        "body",
        "created_at",
        "author_name",
        "client_message_id",
    }
    assert polled.status_code == 200
    assert polled.json()["messages"] == []
    assert resumed.json()["widget_session_token"] == decoy
    assert counts() == (0, 0, 0)


def test_send_honeypot_stores_nothing(inbox, caplog):
    visitor = start_visitor(inbox)
    before = counts()

    with caplog.at_level(logging.WARNING, logger="django_crm_messenger"):
        response = visitor.send("Spam", honeypot="x")

    assert response.status_code == 201
    assert response.json()["message"]["body"] == "Spam"
    assert counts() == before
    assert honeypot_count() == 1
    assert "Spam" not in caplog.text
    assert visitor.token not in caplog.text


def test_poll_honeypot_success_shaped(visitor):
    response = visitor.poll(honeypot="x")

    assert response.status_code == 200
    assert response.json()["messages"] == []
    assert honeypot_count() == 1


@pytest.mark.parametrize("honeypot", ["", None, False])
def test_empty_honeypot_is_normal(visitor, honeypot):
    response = visitor.send("Real question", honeypot=honeypot)

    assert response.status_code == 201
    assert Message.objects.count() == 1
    assert honeypot_count() == 0


def test_honeypot_still_needs_allowed_origin(inbox):
    from ..conftest import WidgetClient

    response = WidgetClient(origin="https://evil.example.net").bootstrap(inbox, honeypot="x")

    assert response.status_code == 403
