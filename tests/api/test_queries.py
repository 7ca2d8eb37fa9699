"""Exact SQL queries per request; an idle poll must not touch the database at all.

The tests use a transactional database so that the counts are the ones a
production request makes, without the savepoints of a test transaction.
Django counts the BEGIN and COMMIT of a transaction as queries too.
"""

import pytest

from django_crm_messenger.models import Conversation
from django_crm_messenger.services import postgres_messages
from django_crm_messenger.services.messages import send_operator_message

from ..conftest import WidgetClient
from .conftest import start_visitor

pytestmark = pytest.mark.django_db(transaction=True)


def test_new_bootstrap_queries(inbox, django_assert_num_queries):
    start_visitor(inbox)  # warms the cached inbox state

    # The inbox row, then BEGIN, the contact INSERT, the conversation INSERT, COMMIT.
    with django_assert_num_queries(5):
        start_visitor(inbox, WidgetClient())


def test_new_bootstrap_with_contact_match_queries(inbox, django_assert_num_queries):
    start_visitor(inbox)

    # Also the lookup of an existing contact by e-mail, and the search terms
    # of the contact's details.
    with django_assert_num_queries(7):
        start_visitor(inbox, WidgetClient(), contact={"email": "anna@example.org"})


def test_resumed_bootstrap_queries(inbox, django_assert_num_queries):
    visitor = start_visitor(inbox)
    visitor.send("Hello")

    # The conversation and its history.
    with django_assert_num_queries(2):
        response = visitor.client.bootstrap(inbox, widget_session_token=visitor.token)
    assert len(response.json()["messages"]) == 1


def test_send_queries(inbox, django_assert_num_queries):
    visitor = start_visitor(inbox)

    # On PostgreSQL one statement locks the conversation and writes the
    # message, its search terms and the conversation's columns.
    with django_assert_num_queries(1) as captured:
        response = visitor.send("Hello", client_message_id="m1")
    assert response.status_code == 201
    assert captured.captured_queries[0]["sql"].lstrip().startswith("WITH locked AS")

    # A repeat breaks the unique constraint, which rolls the statement back,
    # and the stored message is read.
    with django_assert_num_queries(2):
        repeat = visitor.send("Hello", client_message_id="m1")
    assert repeat.status_code == 200
    assert repeat.json()["message"]["id"] == response.json()["message"]["id"]


def test_send_queries_through_the_orm(inbox, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(postgres_messages, "can_store", lambda connection: False)
    visitor = start_visitor(inbox)

    # Other databases take this path: BEGIN, lock the conversation, INSERT
    # the message and its search terms, UPDATE the conversation, COMMIT.
    with django_assert_num_queries(6):
        response = visitor.send("Hello", client_message_id="m1")
    assert response.status_code == 201

    # BEGIN, lock, INSERT, ROLLBACK, SELECT.
    with django_assert_num_queries(5):
        repeat = visitor.send("Hello", client_message_id="m1")
    assert repeat.json()["message"]["id"] == response.json()["message"]["id"]


def test_poll_with_new_messages_queries(inbox, operator_a, django_assert_num_queries):
    visitor = start_visitor(inbox)
    sent = visitor.send("Hello").json()["message"]
    conversation = Conversation.objects.get(pk=visitor.conversation_id)
    send_operator_message(conversation, operator_a, "Hi!")

    # The conversation's state was invalidated: rebuild it, then read the page.
    with django_assert_num_queries(2):
        first = visitor.poll(after=sent["id"])
    # The state is cached now: only the page of messages.
    with django_assert_num_queries(1):
        second = visitor.poll(after=sent["id"])
    assert len(first.json()["messages"]) == len(second.json()["messages"]) == 1


def test_idle_poll_makes_no_queries(inbox, django_assert_num_queries):
    visitor = start_visitor(inbox)
    last = visitor.send("Hello").json()["message"]["id"]
    visitor.poll(after=last)

    for _ in range(3):
        with django_assert_num_queries(0):
            response = visitor.poll(after=last)
        assert response.status_code == 200
        assert response.json()["messages"] == []


def test_idle_poll_on_new_conversation_makes_no_queries(inbox, django_assert_num_queries):
    visitor = start_visitor(inbox)
    visitor.poll()

    with django_assert_num_queries(0):
        assert visitor.poll().json()["messages"] == []
