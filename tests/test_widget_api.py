import pytest

from django_crm_messenger.models import Conversation, Message

pytestmark = pytest.mark.django_db


def test_bootstrap_creates_session(widget, inbox):
    response = widget.bootstrap(inbox, contact={"name": "Анна"}, locale="ru")
    assert response.status_code == 200
    data = response.json()
    assert len(data["widget_session_token"]) >= 43
    assert data["expires_in"] == 2592000
    assert data["conversation"]["status"] == "open"
    assert data["widget"]["title"] == "Chat with the shop"
    assert data["widget"]["fields"] == {"name": "optional", "email": "optional", "phone": "hidden"}
    assert data["messages"] == []
    assert data["poll_interval_ms"] == 3000
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"


def test_send_then_poll_returns_message(widget, inbox):
    token = widget.start(inbox)
    sent = widget.post(
        "send",
        {
            "widget_token": inbox.widget_token,
            "widget_session_token": token,
            "body": "Есть ли доставка в Казань?",
            "client_message_id": "abc-1",
        },
    )
    assert sent.status_code == 201
    message = sent.json()["message"]
    assert message["sender"] == "visitor"
    assert message["body"] == "Есть ли доставка в Казань?"
    assert message["client_message_id"] == "abc-1"
    assert message["author_name"] is None
    assert message["created_at"].endswith("Z")

    polled = widget.post(
        "poll", {"widget_token": inbox.widget_token, "widget_session_token": token, "after": 0}
    )
    assert polled.status_code == 200
    assert [m["id"] for m in polled.json()["messages"]] == [message["id"]]


def test_send_repeat_client_id_returns_200(widget, inbox):
    token = widget.start(inbox)
    body = {
        "widget_token": inbox.widget_token,
        "widget_session_token": token,
        "body": "Hi",
        "client_message_id": "same",
    }
    first = widget.post("send", body)
    second = widget.post("send", body)
    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["message"]["id"] == second.json()["message"]["id"]
    assert Message.objects.count() == 1


def test_resumed_bootstrap_keeps_conversation(widget, inbox):
    token = widget.start(inbox)
    widget.post(
        "send", {"widget_token": inbox.widget_token, "widget_session_token": token, "body": "Hi"}
    )
    resumed = widget.bootstrap(inbox, widget_session_token=token)
    assert resumed.status_code == 200
    assert resumed.json()["widget_session_token"] == token
    assert [m["body"] for m in resumed.json()["messages"]] == ["Hi"]
    assert Conversation.objects.count() == 1


def test_unknown_widget_token_404(widget):
    response = widget.post("bootstrap", {"widget_token": "nope"})
    assert response.status_code == 404


def test_foreign_origin_403(inbox):
    from .conftest import WidgetClient

    response = WidgetClient(origin="https://evil.example.net").bootstrap(inbox)
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


def test_send_without_session_401(widget, inbox):
    response = widget.post("send", {"widget_token": inbox.widget_token, "body": "Hi"})
    assert response.status_code == 401
