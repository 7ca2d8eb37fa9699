"""Concurrent sends to one conversation on PostgreSQL: each distinct message stored once."""

import threading

import pytest
from django.db import connection, connections

from django_crm_messenger.models import Message

from ..conftest import WidgetClient
from .conftest import Visitor, start_visitor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("message_store")]

THREADS = 20


@pytest.mark.usefixtures("high_rates")
def test_concurrent_sends_stored_once_in_order(inbox):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks")
    first = start_visitor(inbox)
    # Threads 0-9 send unique ids; threads 10-19 repeat ids 0-4 twice each.
    client_ids = [f"unique-{n}" for n in range(10)] + [f"unique-{n % 5}" for n in range(10)]
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def send(index: int) -> None:
        try:
            visitor = Visitor(WidgetClient(), inbox, first.token, first.conversation_id)
            barrier.wait(timeout=30)
            response = visitor.send(
                f"body of {client_ids[index]}", client_message_id=client_ids[index]
            )
            results[index] = (response.status_code, response.json()["message"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(result is not None for result in results)
    assert sorted(status for status, _ in results).count(201) == 10
    assert sorted(status for status, _ in results).count(200) == 10
    stored = list(Message.objects.order_by("id").values_list("id", "client_message_id", "body"))
    assert len(stored) == 10
    assert {cid for _, cid, _ in stored} == set(client_ids)
    by_client_id = {cid: pk for pk, cid, _ in stored}
    for status, message in results:
        assert message["id"] == by_client_id[message["client_message_id"]]
        assert message["body"] == f"body of {message['client_message_id']}"

    # The poll returns them all, once each, in id order.
    polled = first.poll(after=0).json()["messages"]
    assert [m["id"] for m in polled] == [pk for pk, _, _ in stored]
    assert first.poll(after=polled[-1]["id"]).json()["messages"] == []
