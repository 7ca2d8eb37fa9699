import pytest

from django_crm_messenger.models import Conversation, Message
from django_crm_messenger.services.conversations import resolve_conversation
from django_crm_messenger.services.messages import send_operator_message
from django_crm_messenger.state import get_cache

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("message_store")]


def test_send_then_poll_returns_message(visitor):
    sent = visitor.send("Есть ли доставка в Казань?", client_message_id="abc-1")

    assert sent.status_code == 201
    message = sent.json()["message"]
    assert message["sender"] == "visitor"
    assert message["body"] == "Есть ли доставка в Казань?"
    assert message["client_message_id"] == "abc-1"
    assert message["author_name"] is None
    assert message["created_at"].endswith("Z")
    polled = visitor.poll(after=0)
    assert polled.status_code == 200
    assert polled.json()["messages"] == [message]
    assert polled.json()["conversation"] == {"id": visitor.conversation_id, "status": "open"}
    assert polled.json()["poll_interval_ms"] == 3000


def test_send_marks_conversation_listed(visitor):
    conversation = Conversation.objects.get(pk=visitor.conversation_id)
    assert conversation.has_visitor_message is False

    visitor.send("Hello")

    conversation.refresh_from_db()
    assert conversation.has_visitor_message is True
    assert conversation.last_message_preview == "Hello"


def test_send_repeat_client_id_returns_200(visitor):
    first = visitor.send("Hi", client_message_id="same")
    second = visitor.send("Hi", client_message_id="same")

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["message"] == first.json()["message"]
    assert Message.objects.count() == 1


def test_send_without_client_id_stores_each(visitor):
    assert visitor.send("Hi").status_code == 201
    assert visitor.send("Hi").status_code == 201
    assert Message.objects.count() == 2


def test_send_reopens_resolved_conversation(visitor, operator_a):
    conversation = Conversation.objects.get(pk=visitor.conversation_id)
    resolve_conversation(conversation, operator_a)

    visitor.send("One more question")

    conversation.refresh_from_db()
    assert conversation.status == "open"
    assert visitor.poll().json()["conversation"]["status"] == "open"


def test_poll_after_cursor(visitor):
    ids = [visitor.send(f"m{number}").json()["message"]["id"] for number in range(3)]

    polled = visitor.poll(after=ids[0])

    assert [m["id"] for m in polled.json()["messages"]] == ids[1:]
    assert visitor.poll(after=ids[-1]).json()["messages"] == []


def test_poll_pages_at_most_100(visitor):
    conversation = Conversation.objects.get(pk=visitor.conversation_id)
    for number in range(105):
        Message.objects.create(conversation=conversation, sender="visitor", body=f"m{number}")
    last = Message.objects.order_by("-id").first()
    Conversation.objects.filter(pk=conversation.pk).update(last_message_id=last.pk)

    first_page = visitor.poll(after=0).json()["messages"]
    second_page = visitor.poll(after=first_page[-1]["id"]).json()["messages"]

    assert len(first_page) == 100
    assert [m["body"] for m in second_page] == [f"m{n}" for n in range(100, 105)]


def test_poll_sees_operator_reply_after_idle(
    visitor, operator_a, django_capture_on_commit_callbacks
):
    sent = visitor.send("Hello").json()["message"]
    assert visitor.poll(after=sent["id"]).json()["messages"] == []

    conversation = Conversation.objects.get(pk=visitor.conversation_id)
    with django_capture_on_commit_callbacks(execute=True):
        reply = send_operator_message(conversation, operator_a, "Hello! How can I help?")

    polled = visitor.poll(after=sent["id"]).json()
    assert [m["id"] for m in polled["messages"]] == [reply.pk]
    assert polled["messages"][0]["sender"] == "operator"
    assert polled["messages"][0]["author_name"] == "Olga"


def test_poll_sees_status_change(visitor, operator_a, django_capture_on_commit_callbacks):
    visitor.send("Hello")
    assert visitor.poll(after=10**9).json()["conversation"]["status"] == "open"

    with django_capture_on_commit_callbacks(execute=True):
        resolve_conversation(Conversation.objects.get(pk=visitor.conversation_id), operator_a)

    assert visitor.poll(after=10**9).json()["conversation"]["status"] == "resolved"


def test_cache_loss_ends_sessions(visitor):
    visitor.send("Hello")

    get_cache().clear()

    assert visitor.poll().status_code == 401
    assert Message.objects.filter(conversation_id=visitor.conversation_id).count() == 1


def test_poll_rebuilds_evicted_conversation_state(visitor):
    sent = visitor.send("Hello").json()["message"]
    assert visitor.poll(after=sent["id"]).json()["messages"] == []
    hidden = Message.objects.create(
        conversation_id=visitor.conversation_id, sender="operator", body="Reply"
    )
    Conversation.objects.filter(pk=visitor.conversation_id).update(last_message_id=hidden.pk)

    # Evicting either key of the conversation's state must not hide the message.
    get_cache().delete(f"messenger:conv:{visitor.conversation_id}:version")

    assert [m["id"] for m in visitor.poll(after=sent["id"]).json()["messages"]] == [hidden.pk]
