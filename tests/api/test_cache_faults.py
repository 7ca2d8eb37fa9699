"""Redis unreachable: 503 from the widget API, the panel's writes still reach the database.

The shared Redis keeps running; these tests point CACHES at a port where
nothing listens, which fails the same way an unreachable server does.
"""

import logging

import pytest
from django.db.models.signals import post_save
from django.test import override_settings
from django.urls import reverse

from django_crm_messenger import state
from django_crm_messenger.models import Conversation, Message
from django_crm_messenger.selectors.conversations import visible_conversations
from django_crm_messenger.services.messages import send_operator_message

from .conftest import dead_cache_settings, requires_redis, start_visitor

pytestmark = requires_redis


@pytest.fixture(autouse=True)
def no_pending_invalidations():
    state.pending.conversations.clear()
    state.pending.inbox_epoch = False
    yield
    state.pending.conversations.clear()
    state.pending.inbox_epoch = False


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ["bootstrap", "send", "poll"])
def test_endpoints_answer_503_without_cache(inbox, endpoint, caplog):
    visitor = start_visitor(inbox)

    with override_settings(CACHES=dead_cache_settings()):
        with caplog.at_level(logging.ERROR, logger="django_crm_messenger"):
            response = visitor.client.post(endpoint, visitor.body(body="Hello", after=0))

    assert response.status_code == 503
    assert response.json() == {
        "detail": "The chat is temporarily unavailable. Please try again shortly."
    }
    assert response["Retry-After"] == "30"
    assert "unavailable" in caplog.text
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_preflight_answers_503_without_cache(inbox):
    from ..conftest import WidgetClient

    with override_settings(CACHES=dead_cache_settings()):
        response = WidgetClient().client.options(
            "/api/widget/poll/", HTTP_ORIGIN="https://shop.example.com"
        )

    assert response.status_code == 503


@pytest.mark.django_db(transaction=True)
def test_operator_panel_works_without_cache(inbox, operator_a, caplog):
    visitor = start_visitor(inbox)
    visitor.send("Hello")
    conversation = Conversation.objects.get(pk=visitor.conversation_id)

    with override_settings(CACHES=dead_cache_settings()):
        with caplog.at_level(logging.ERROR):
            reply = send_operator_message(conversation, operator_a, "We are here")
        listed = list(visible_conversations(operator_a))

    assert Message.objects.filter(pk=reply.pk, body="We are here").exists()
    assert [c.pk for c in listed] == [conversation.pk]
    assert "will retry" in caplog.text
    assert state.pending.conversations == {conversation.pk}

    # Back online: the first cache use retries the invalidation, so the reply shows.
    polled = visitor.poll(after=0)
    assert [m["body"] for m in polled.json()["messages"]] == ["Hello", "We are here"]
    assert not state.pending


@pytest.mark.django_db(transaction=True)
def test_cache_failure_after_commit_repaired_by_retry(inbox):
    visitor = start_visitor(inbox)
    assert visitor.poll(after=0).json()["messages"] == []  # caches "no messages yet"
    outage = override_settings(CACHES=dead_cache_settings())

    def cache_fails_from_now_on(sender, created, **kwargs):
        if created:
            outage.enable()

    post_save.connect(cache_fails_from_now_on, sender=Message, weak=False)
    try:
        sent = visitor.send("Stored before the outage", client_message_id="m1")
    finally:
        post_save.disconnect(cache_fails_from_now_on, sender=Message)
        outage.disable()

    # The message reached PostgreSQL, so the response was a success.
    assert sent.status_code == 201
    stored = Message.objects.get(client_message_id="m1")
    assert sent.json()["message"]["id"] == stored.pk

    # Another process never saw the failure, so nothing retries the invalidation
    # there: its polls still read the state cached before the message.
    state.pending.conversations.clear()
    assert visitor.poll(after=0).json()["messages"] == []

    retry = visitor.send("Stored before the outage", client_message_id="m1")

    assert retry.status_code == 200
    assert retry.json()["message"]["id"] == stored.pk
    assert [m["id"] for m in visitor.poll(after=0).json()["messages"]] == [stored.pk]
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("action", "data", "expected"),
    [
        ("resolve", {}, {"status": "resolved"}),
        ("reopen", {}, {"status": "open"}),
        ("assign", {"assignee": "me"}, {"status": "open"}),
    ],
)
def test_panel_actions_work_without_cache(
    client, inbox, operator_a, caplog, action, data, expected
):
    visitor = start_visitor(inbox)
    visitor.send("Hello")
    conversation = Conversation.objects.get(pk=visitor.conversation_id)
    if action == "reopen":
        conversation.status = "resolved"
        conversation.save(update_fields=["status"])
    if data.get("assignee") == "me":
        data = {"assignee": str(operator_a.pk)}
    client.force_login(operator_a)
    url = reverse("messenger:conversation-action", args=[conversation.pk, action])

    with override_settings(CACHES=dead_cache_settings()):
        with caplog.at_level(logging.ERROR, logger="django_crm_messenger"):
            response = client.post(url, data, HTTP_X_REQUESTED_WITH="XMLHttpRequest")

    assert response.status_code == 204
    conversation.refresh_from_db()
    assert conversation.status == expected["status"]
    if action == "assign":
        assert conversation.assignee_id == operator_a.pk
    assert "Could not update the panel change version" in caplog.text
    assert conversation.pk in state.pending.conversations

    # Back online: the next poll retries the invalidation and sees the new status.
    polled = visitor.poll(after=0).json()
    assert polled["conversation"]["status"] == expected["status"]
