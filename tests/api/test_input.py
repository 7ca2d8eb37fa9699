"""Visitor input: rejected with a field error, or stored exactly as sent."""

import pytest

from django_crm_messenger.models import Contact, Conversation, Message

from .conftest import post_json

pytestmark = pytest.mark.django_db

KEPT_EXACTLY = [
    "Привет 👋🏽 как дела?",
    "👨‍👩‍👧‍👦 family emoji with joiners",
    "مرحبا بالعالم",  # right-to-left
    "\u202eright-to-left override\u202c",
    "汉字かなカナ한글",
    "e\u0301 combining accent, Å vs A\u030a",
    "  leading and trailing spaces  ",
    "line one\r\nline two\n\tindented",
    "<script>alert(1)</script> &amp;",
    "\U0001d54f\U0001f600 astral",
]


@pytest.mark.parametrize("body", KEPT_EXACTLY)
def test_unicode_body_kept_exactly(visitor, body):
    sent = visitor.send(body)

    assert sent.status_code == 201
    assert sent.json()["message"]["body"] == body
    assert Message.objects.get().body == body
    assert visitor.poll().json()["messages"][0]["body"] == body


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ud800", "\udfff"])
def test_control_characters_rejected(visitor, character):
    response = visitor.send(f"before{character}after")

    assert response.status_code == 400
    assert list(response.json()) == ["body"]
    assert Message.objects.count() == 0


def test_raw_lone_surrogate_escape_rejected(visitor):
    body = (
        f'{{"widget_token": "{visitor.inbox.widget_token}", '
        f'"widget_session_token": "{visitor.token}", "body": "x\\ud83d"}}'
    )

    response = visitor.client.client.post(
        "/api/widget/send/", data=body, content_type="application/json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["body"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("region", "Kazan\x00"),
        ("page_url", "https://shop.example.com/\x00"),
        ("page_url", "https://shop.example.com/\ud800"),
        ("page_url", "javascript:alert(1)"),
        ("locale", "ru\x00"),
        ("locale", "not a locale"),
    ],
)
def test_bootstrap_field_rejected(widget, inbox, field, value):
    response = post_json(widget, "bootstrap", {"widget_token": inbox.widget_token, field: value})

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "anna\x00@example.org"}, "email"),
        ({"name": "A" * 201}, "name"),
        ({"name": "Anna\x00"}, "name"),
        ({"name": 42}, "name"),
        ({"phone": "call me"}, "phone"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_contact_field_rejected(widget, inbox, contact, field):
    inbox.phone_field = "optional"
    inbox.save()

    response = widget.bootstrap(inbox, contact=contact)

    assert response.status_code == 400
    assert list(response.json()["contact"]) == [field]
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"body": 42},
        {"body": ["list"]},
        {"body": {"text": "object"}},
        {"body": None},
        {"body": "ok", "client_message_id": "spaces are not allowed"},
        {"body": "ok", "client_message_id": "x" * 65},
        {"body": "ok", "client_message_id": 7},
    ],
)
def test_send_field_types_rejected(visitor, data):
    response = visitor.client.post("send", visitor.body(**data))

    assert response.status_code == 400
    assert Message.objects.count() == 0


def test_max_message_length_setting(visitor, settings):
    settings.MESSENGER_MAX_MESSAGE_LENGTH = 10

    assert visitor.send("0123456789").status_code == 201
    too_long = visitor.send("0123456789!")

    assert too_long.status_code == 400
    assert Message.objects.get().body == "0123456789"


@pytest.mark.parametrize("after", [-1, 2**63, "1.5", True])
def test_poll_after_invalid(visitor, after):
    assert visitor.poll(after=after).status_code == 400


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=zlib",
        "application/json; charset=rot13",
        "application/json; charset=utf-16",
        "text/plain",
    ],
)
def test_charset_ignored_body_read_as_utf8(visitor, content_type):
    import json

    body = json.dumps(visitor.body(after=0), ensure_ascii=False).encode()

    response = visitor.client.client.post("/api/widget/poll/", data=body, content_type=content_type)

    assert response.status_code == 200


def test_deeply_nested_json_400(widget):
    body = "[" * 15000 + "]" * 15000

    response = widget.client.post("/api/widget/poll/", data=body, content_type="application/json")

    assert response.status_code == 400
