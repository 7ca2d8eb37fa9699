"""The integration signals fire once, after the commit, and never for a repeat."""

import pytest
from django.db import connection

from django_crm_messenger import signals
from django_crm_messenger.models import Conversation, Message
from django_crm_messenger.services.messages import send_operator_message

from .conftest import start_visitor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("message_store")]


@pytest.fixture
def received():
    calls = []

    def record(signal_name):
        def receiver(sender, **kwargs):
            # Outside any transaction, and the rows are visible: the commit happened.
            calls.append(
                {
                    "signal": signal_name,
                    "in_transaction": connection.in_atomic_block,
                    "kwargs": kwargs,
                }
            )

        return receiver

    receivers = {
        signals.conversation_created: record("conversation_created"),
        signals.visitor_message_received: record("visitor_message_received"),
        signals.operator_message_sent: record("operator_message_sent"),
    }
    for signal, receiver in receivers.items():
        signal.connect(receiver, weak=False)
    yield calls
    for signal, receiver in receivers.items():
        signal.disconnect(receiver)


def test_conversation_created_once(inbox, received):
    visitor = start_visitor(inbox)
    visitor.client.bootstrap(inbox, widget_session_token=visitor.token)

    created = [call for call in received if call["signal"] == "conversation_created"]
    assert len(created) == 1
    assert created[0]["in_transaction"] is False
    conversation = created[0]["kwargs"]["conversation"]
    assert conversation.pk == visitor.conversation_id
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_visitor_message_received_once(inbox, received):
    visitor = start_visitor(inbox)
    received.clear()

    first = visitor.send("Hello", client_message_id="m1")
    repeat = visitor.send("Hello", client_message_id="m1")

    assert (first.status_code, repeat.status_code) == (201, 200)
    assert [call["signal"] for call in received] == ["visitor_message_received"]
    call = received[0]
    assert call["in_transaction"] is False
    assert call["kwargs"]["message"].pk == first.json()["message"]["id"]
    assert call["kwargs"]["conversation"].pk == visitor.conversation_id
    assert Message.objects.filter(pk=call["kwargs"]["message"].pk).exists()


def test_signal_carries_the_stored_message_and_conversation(inbox, operator_a, received):
    visitor = start_visitor(inbox)
    Conversation.objects.filter(pk=visitor.conversation_id).update(
        assignee=operator_a, region="Казань"
    )
    received.clear()

    visitor.send("Hello", client_message_id="m1")

    message = received[0]["kwargs"]["message"]
    conversation = received[0]["kwargs"]["conversation"]
    stored = Conversation.objects.get(pk=visitor.conversation_id)
    assert message == Message.objects.get(client_message_id="m1")
    assert (message.body, message.sender, message.created_at) == (
        "Hello",
        "visitor",
        Message.objects.get(pk=message.pk).created_at,
    )
    fields = ["branch_id", "inbox_id", "contact_id", "assignee_id", "status", "last_message_id"]
    assert [getattr(conversation, name) for name in fields] == [
        getattr(stored, name) for name in fields
    ]
    assert conversation.assignee_id == operator_a.pk
    assert conversation.last_message_id == message.pk
    # A field the send did not read loads from the database when asked for.
    assert conversation.region == "Казань"


def test_operator_message_sent_once(inbox, operator_a, received):
    visitor = start_visitor(inbox)
    conversation = Conversation.objects.get(pk=visitor.conversation_id)
    received.clear()

    message = send_operator_message(conversation, operator_a, "Hi", client_message_id="op-1")
    repeat = send_operator_message(conversation, operator_a, "Hi", client_message_id="op-1")

    assert repeat.pk == message.pk
    assert [call["signal"] for call in received] == ["operator_message_sent"]
    assert received[0]["kwargs"]["user"] == operator_a
    assert received[0]["in_transaction"] is False


def test_failing_receiver_does_not_fail_send(inbox, caplog):
    def broken(sender, **kwargs):
        raise RuntimeError("receiver is broken")

    signals.visitor_message_received.connect(broken, weak=False)
    try:
        visitor = start_visitor(inbox)
        response = visitor.send("Hello")
    finally:
        signals.visitor_message_received.disconnect(broken)

    assert response.status_code == 201
    assert Message.objects.count() == 1
    assert "receiver is broken" in caplog.text


def test_no_signal_for_honeypot(inbox, received):
    visitor = start_visitor(inbox)
    received.clear()

    visitor.send("Spam", honeypot="x")

    assert received == []
