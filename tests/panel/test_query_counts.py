"""A page costs the same number of queries whatever the number of rows on it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_crm_messenger.services.messages import send_operator_message, send_visitor_message

from .factories import make_conversations

pytestmark = pytest.mark.django_db


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def assert_same_count(client, url, grow, django_assert_num_queries):
    """Measure ``url`` with the first data set, grow it, then assert the same count."""
    client.get(url)  # warm the per-user cache the same way for both measurements
    baseline, _ = count_queries(client, url)
    grow()
    client.get(url)
    with django_assert_num_queries(baseline):
        response = client.get(url)
    assert response.status_code == 200
    return baseline, response


@pytest.mark.parametrize("user_fixture", ["operator_a", "admin_user"])
def test_list_page_queries_do_not_grow_with_rows(
    request, client, inbox, user_fixture, django_assert_num_queries
):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    make_conversations(inbox, 1)
    url = reverse("messenger:conversation-list")

    baseline, response = assert_same_count(
        client, url, lambda: make_conversations(inbox, 49, "More"), django_assert_num_queries
    )

    assert response.content.decode().count('data-conversation-id="') == 50
    assert baseline <= 8


def test_list_page_with_filters_and_cursor_keeps_the_count(
    client, operator_a, inbox, django_assert_num_queries
):
    client.force_login(operator_a)
    make_conversations(inbox, 3)
    url = reverse("messenger:conversation-list") + "?assignee=unassigned&q=Visitor"
    baseline, _ = assert_same_count(
        client,
        url,
        lambda: make_conversations(inbox, 60, "Visitor more"),
        django_assert_num_queries,
    )
    first = client.get(url)
    next_url = first.context["next_page_url"]
    assert next_url
    with django_assert_num_queries(baseline):
        client.get(reverse("messenger:conversation-list") + next_url)


def test_conversation_page_queries_do_not_grow_with_messages(
    client, operator_a, inbox, django_assert_num_queries
):
    client.force_login(operator_a)
    conversation = make_conversations(inbox, 1)[0]
    url = reverse("messenger:conversation-detail", args=[conversation.pk])

    def grow():
        make_conversations(inbox, 49, "Other")
        for number in range(25):
            send_visitor_message(conversation.pk, f"Question {number}")
            send_operator_message(conversation, operator_a, f"Answer {number}")

    _, response = assert_same_count(client, url, grow, django_assert_num_queries)
    assert response.content.decode().count('data-message-id="') == 51


def test_api_list_queries_do_not_grow_with_rows(
    client, operator_a, inbox, django_assert_num_queries
):
    client.force_login(operator_a)
    make_conversations(inbox, 1)
    url = reverse("messenger:operator-conversation-list")

    _, response = assert_same_count(
        client, url, lambda: make_conversations(inbox, 49, "More"), django_assert_num_queries
    )
    assert len(response.json()["results"]) == 50


def test_idle_update_poll_reads_only_the_session_and_user(
    client, operator_a, inbox, django_assert_num_queries
):
    client.force_login(operator_a)
    make_conversations(inbox, 1)
    url = reverse("messenger:panel-updates")
    token = client.get(url).json()["token"]

    # Session and user are the authentication middleware's; the answer itself comes from the cache.
    with django_assert_num_queries(2):
        response = client.get(url, {"since": token})
    assert response.json() == {"token": token, "changed": False}
