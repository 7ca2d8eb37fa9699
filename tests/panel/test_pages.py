import pytest
from django.urls import reverse

from django_crm_messenger.models import ConversationStatus, Inbox, ReadMarker
from django_crm_messenger.services.conversations import assign_conversation, resolve_conversation
from django_crm_messenger.services.messages import send_operator_message, send_visitor_message
from django_crm_messenger.services.visitors import VisitorDetails, start_conversation

from .factories import make_conversation, make_conversations

pytestmark = pytest.mark.django_db

LIST_URL = "/messenger/conversations/"


@pytest.fixture
def conversation(inbox):
    return make_conversation(inbox, "Anna")


def listed_ids(response):
    return [conversation.pk for conversation in response.context["conversations"]]


def test_operator_sees_own_branch_conversation(client, operator_a, conversation):
    client.force_login(operator_a)
    response = client.get(reverse("messenger:conversation-list"))
    assert response.status_code == 200
    assert "Anna" in response.content.decode()
    assert "Hello" in response.content.decode()


def test_other_branch_operator_gets_404(client, operator_b, conversation):
    client.force_login(operator_b)
    response = client.get(reverse("messenger:conversation-detail", args=[conversation.pk]))
    assert response.status_code == 404
    listing = client.get(reverse("messenger:conversation-list"))
    assert "Anna" not in listing.content.decode()


def test_operator_reply_reaches_widget_poll(client, operator_a, conversation):
    client.force_login(operator_a)
    response = client.post(
        reverse("messenger:conversation-detail", args=[conversation.pk]), {"body": "Да, есть."}
    )
    assert response.status_code == 302
    assert conversation.messages.last().body == "Да, есть."
    assert conversation.messages.last().author_name == "Olga"


def test_empty_or_long_reply_is_rejected_with_400(client, operator_a, conversation, settings):
    settings.MESSENGER_MAX_MESSAGE_LENGTH = 10
    client.force_login(operator_a)
    url = reverse("messenger:conversation-detail", args=[conversation.pk])
    assert client.post(url, {"body": "   "}).status_code == 400
    response = client.post(url, {"body": "x" * 11})
    assert response.status_code == 400
    assert "the maximum is 10" in response.content.decode()
    assert conversation.messages.count() == 1


def test_list_is_ordered_by_last_activity(client, operator_a, inbox):
    first, second, third = make_conversations(inbox, 3)
    send_visitor_message(first.pk, "Back again")
    client.force_login(operator_a)
    response = client.get(LIST_URL)
    assert listed_ids(response) == [first.pk, third.pk, second.pk]


def test_status_tabs(client, operator_a, inbox):
    open_one, resolved_one = make_conversations(inbox, 2)
    resolve_conversation(resolved_one, operator_a)
    client.force_login(operator_a)
    assert listed_ids(client.get(LIST_URL)) == [open_one.pk]
    assert listed_ids(client.get(LIST_URL, {"status": "resolved"})) == [resolved_one.pk]


def test_inbox_and_assignee_filters(client, operator_a, django_user_model, inbox, branch_a):
    other_inbox = Inbox.objects.create(name="Second", branch=branch_a)
    mine = make_conversation(inbox, "Mine")
    colleague = django_user_model.objects.create_user("colleague", branch=branch_a)
    theirs = make_conversation(inbox, "Theirs")
    unassigned = make_conversation(other_inbox, "Nobody")
    assign_conversation(mine, operator_a, operator_a)
    assign_conversation(theirs, colleague, operator_a)
    client.force_login(operator_a)

    assert listed_ids(client.get(LIST_URL, {"assignee": "mine"})) == [mine.pk]
    assert listed_ids(client.get(LIST_URL, {"assignee": "unassigned"})) == [unassigned.pk]
    assert set(listed_ids(client.get(LIST_URL, {"assignee": "all"}))) == {
        mine.pk,
        theirs.pk,
        unassigned.pk,
    }
    assert listed_ids(client.get(LIST_URL, {"inbox": other_inbox.pk})) == [unassigned.pk]


def test_invalid_filters_fall_back_to_the_default_list(client, operator_a, conversation):
    client.force_login(operator_a)
    response = client.get(LIST_URL, {"status": "bogus", "assignee": "x", "inbox": "abc"})
    assert response.status_code == 200
    assert listed_ids(response) == [conversation.pk]
    response = client.get(LIST_URL, {"cursor": "!!not-a-cursor"})
    assert listed_ids(response) == [conversation.pk]


@pytest.mark.parametrize("term", ["Zoya", "zoya@example", "+7 900", "ORDER 4711", "order 4711"])
def test_search_by_contact_fields_and_message_text(client, operator_a, inbox, term):
    target = start_conversation(
        inbox, VisitorDetails(name="Zoya", email="zoya@example.com", phone="+7 900 111")
    )
    send_visitor_message(target.pk, "Where is order 4711?")
    make_conversation(inbox, "Someone else", "Unrelated")
    client.force_login(operator_a)
    assert listed_ids(client.get(LIST_URL, {"q": term})) == [target.pk]


def test_keyset_pages_cover_every_conversation_once(client, operator_a, inbox, settings):
    settings.MESSENGER_PANEL_PAGE_SIZE = 4
    created = make_conversations(inbox, 10)
    client.force_login(operator_a)

    seen = []
    url = LIST_URL
    while url:
        response = client.get(url)
        seen.extend(listed_ids(response))
        next_url = response.context["next_page_url"]
        url = LIST_URL + next_url if next_url else ""
    assert seen == [conversation.pk for conversation in reversed(created)]


def test_unread_counts_follow_the_read_marker(client, operator_a, inbox):
    conversation = make_conversation(inbox, "Anna", "One")
    send_visitor_message(conversation.pk, "Two")
    client.force_login(operator_a)

    response = client.get(LIST_URL)
    assert response.context["conversations"][0].unread_count == 2
    assert 'class="messenger-badge"' in response.content.decode()

    client.get(reverse("messenger:conversation-detail", args=[conversation.pk]))
    assert (
        ReadMarker.objects.get(user=operator_a).last_read_message_id
        == conversation.messages.last().pk
    )
    assert client.get(LIST_URL).context["conversations"][0].unread_count == 0

    send_operator_message(conversation, operator_a, "Reply")
    send_visitor_message(conversation.pk, "Three")
    assert client.get(LIST_URL).context["conversations"][0].unread_count == 1


def test_read_action_moves_the_marker(client, operator_a, conversation):
    client.force_login(operator_a)
    message_id = conversation.messages.first().pk
    response = client.post(
        reverse("messenger:conversation-action", args=[conversation.pk, "read"]),
        {"message_id": message_id},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert response.status_code == 204
    assert ReadMarker.objects.get(user=operator_a).last_read_message_id == message_id


def test_contact_card_shows_visitor_details(client, operator_a, inbox):
    start_conversation(inbox, VisitorDetails(name="Vera", email="vera@example.com", phone="+7 1"))
    linked = start_conversation(
        inbox,
        VisitorDetails(
            name="Someone",
            email="vera@example.com",
            region="Tver",
            page_url="https://shop.example.com/pricing",
        ),
    )
    send_visitor_message(linked.pk, "Hi")
    client.force_login(operator_a)

    html = client.get(reverse("messenger:conversation-detail", args=[linked.pk])).content.decode()
    for text in (
        "vera@example.com",
        "+7 1",
        "Tver",
        "https://shop.example.com/pricing",
        "unverified",
    ):
        assert text in html
    assert "First seen" in html
    assert "Last seen" in html


def test_assign_resolve_and_reopen_without_javascript(client, operator_a, conversation):
    client.force_login(operator_a)
    action = lambda name, **data: client.post(  # noqa: E731
        reverse("messenger:conversation-action", args=[conversation.pk, name]), data
    )

    assert action("assign", assignee=operator_a.pk).status_code == 302
    conversation.refresh_from_db()
    assert conversation.assignee == operator_a

    assert action("resolve").status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.RESOLVED

    assert action("reopen").status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.OPEN

    assert action("assign", assignee="").status_code == 302
    conversation.refresh_from_db()
    assert conversation.assignee is None

    assert action("assign", assignee="abc").status_code == 400
    assert action("explode").status_code == 404


def test_live_endpoint_returns_messages_after_an_id(client, operator_a, conversation):
    client.force_login(operator_a)
    first_id = conversation.messages.first().pk
    send_visitor_message(conversation.pk, "Second")
    url = reverse("messenger:conversation-live", args=[conversation.pk])

    data = client.get(url, {"after": first_id}).json()
    assert "Second" in data["messages_html"]
    assert "Hello" not in data["messages_html"]
    assert data["last_message_id"] > first_id
    assert "Anna" in data["card_html"]
    assert client.get(url, {"after": "-1"}).status_code == 400


def test_update_token_changes_on_every_kind_of_change(
    client, operator_a, inbox, inbox_b, django_capture_on_commit_callbacks
):
    conversation = make_conversation(inbox)
    client.force_login(operator_a)
    url = reverse("messenger:panel-updates")

    def token():
        data = client.get(url).json()
        return data["token"]

    before = token()
    assert client.get(url, {"since": before}).json()["changed"] is False

    steps = [
        lambda: send_visitor_message(conversation.pk, "More"),
        lambda: send_operator_message(conversation, operator_a, "Reply"),
        lambda: assign_conversation(conversation, operator_a, operator_a),
        lambda: resolve_conversation(conversation, operator_a),
        lambda: make_conversation(inbox, "New visitor"),
    ]
    for step in steps:
        with django_capture_on_commit_callbacks(execute=True):
            step()
        after = token()
        assert after != before
        before = after

    # A change in another branch does not wake this operator's panel.
    with django_capture_on_commit_callbacks(execute=True):
        make_conversation(inbox_b, "Elsewhere")
    assert token() == before


def test_partial_list_renders_only_the_rows(client, operator_a, conversation):
    client.force_login(operator_a)
    response = client.get(LIST_URL, {"partial": "1"})
    html = response.content.decode()
    assert f'data-conversation-id="{conversation.pk}"' in html
    assert "<html" not in html


def test_pages_carry_the_live_update_configuration(client, operator_a, conversation):
    client.force_login(operator_a)
    for url in (LIST_URL, reverse("messenger:conversation-detail", args=[conversation.pk])):
        html = client.get(url).content.decode()
        assert 'data-updates-url="/messenger/updates/"' in html
        assert "messenger/panel.js" in html


@pytest.mark.parametrize(
    "params", [{"q": "a\x00b"}, {"inbox": "²"}, {"cursor": "²"}, {"q": "x" * 5000}]
)
def test_hostile_list_parameters_show_a_page(client, operator_a, conversation, params):
    client.force_login(operator_a)
    assert client.get(LIST_URL, params).status_code == 200


def test_hostile_ids_in_actions_are_rejected(client, operator_a, conversation):
    client.force_login(operator_a)
    live = reverse("messenger:conversation-live", args=[conversation.pk])
    assert client.get(live, {"after": "²"}).status_code == 400
    assign = reverse("messenger:conversation-action", args=[conversation.pk, "assign"])
    assert client.post(assign, {"assignee": "²"}).status_code == 400
    assert client.post(assign, {"assignee": "99999999999999999999"}).status_code == 400
