"""Markup from visitors, contacts and inbox names is shown as text on every panel page."""

import pytest
from django.urls import reverse

from django_crm_messenger.models import Inbox
from django_crm_messenger.services.messages import send_operator_message, send_visitor_message
from django_crm_messenger.services.visitors import VisitorDetails, start_conversation

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile(branch_a, operator_a):
    inbox = Inbox.objects.create(name=f"Inbox {PAYLOAD}", branch=branch_a)
    conversation = start_conversation(
        inbox,
        VisitorDetails(
            name=f"Name {PAYLOAD}",
            email="x@example.com",
            phone=f"+1 {PAYLOAD}"[:32],
            region=f"Region {PAYLOAD}"[:100],
            page_url="https://shop.example.com/?q=<script>alert(1)</script>",
        ),
    )
    send_visitor_message(conversation.pk, f"Body {PAYLOAD}")
    send_operator_message(conversation, operator_a, f"Reply {PAYLOAD}")
    conversation.refresh_from_db()
    return conversation


def assert_escaped(html):
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html


def test_list_page_escapes_payloads(client, operator_a, hostile):
    client.force_login(operator_a)
    html = client.get(reverse("messenger:conversation-list")).content.decode()
    assert "Name &lt;script&gt;" in html  # contact name
    assert "Inbox &lt;script&gt;" in html  # inbox name, in the row and the filter
    assert "Reply &lt;script&gt;" in html  # last message preview
    assert_escaped(html)

    partial = client.get(reverse("messenger:conversation-list"), {"partial": "1"}).content.decode()
    assert_escaped(partial)


def test_conversation_page_escapes_payloads(client, operator_a, hostile):
    client.force_login(operator_a)
    html = client.get(reverse("messenger:conversation-detail", args=[hostile.pk])).content.decode()
    for text in ("Body &lt;script&gt;", "Reply &lt;script&gt;", "Region &lt;script&gt;"):
        assert text in html
    assert_escaped(html)


def test_live_fragments_escape_payloads(client, operator_a, hostile):
    client.force_login(operator_a)
    data = client.get(reverse("messenger:conversation-live", args=[hostile.pk])).json()
    assert "Body &lt;script&gt;" in data["messages_html"]
    assert_escaped(data["messages_html"])
    assert_escaped(data["card_html"])


def test_api_returns_payloads_as_plain_json_strings(client, operator_a, hostile):
    client.force_login(operator_a)
    response = client.get(reverse("messenger:operator-conversation-messages", args=[hostile.pk]))
    assert response["Content-Type"] == "application/json"
    assert response.json()[0]["body"] == f"Body {PAYLOAD}"
